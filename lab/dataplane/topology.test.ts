// Topology-aware routing on the real dataplane (test/lab/fixtures/topology-zones.yaml: worker-1 in zone-a, worker-2
// and worker-3 in zone-b, web-0/1/2 one per node, the client on worker-1): connects from the client to the PreferClose
// Service's ClusterIP always land on web-0 (its zone's only endpoint), to the plain Service's on more than one
// backend, and a NodePort entered on a zone-b node stays in zone-b; the lab API shows the zones and the hints to
// kubectl. Once with iptables kube-proxy, once with nftables. Needs root.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectl, removeKubectlCache } from '../api/testkit';
import { testInstance } from '../testInstance';
import type { LabState } from '../types';
import { labDown, labUp } from './lab';
import { httpGet, isRoot } from './testkit';

const FIXTURE = join(import.meta.dirname, '..', '..', 'test', 'lab', 'fixtures', 'topology-zones.yaml');
type Obj = Record<string, unknown>;

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('topology hints with %s kube-proxy', (mode) => {
  const INST = testInstance('tz');
  const DIR = `/run/packetwalk/${INST}`;
  let st: LabState;
  let kubeconfig: string;
  const clusterIP = (svc: string) => (st.objects.find((o) => o.kind === 'Service' && o.metadata.name === svc)!.spec as Obj).clusterIP as string;
  const nodeIP = (n: string) => st.nodes.find((x) => x.name === n)!.internalIP;
  /** The answering backends (the listener answers with its pod name) of `n` sequential HTTP GETs from the client. */
  const backends = async (host: string, port: number, n: number) => {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) seen.push(((await httpGet(st, 'zones/client', host, port)) ?? 'no answer').trim());
    return seen;
  };

  beforeAll(async () => {
    process.env.PACKETWALK_LAB = INST;
    const file = join(mkdtempSync(join(tmpdir(), 'pw-tz-')), 'topology-zones.yaml');
    writeFileSync(file, readFileSync(FIXTURE, 'utf8').replace('kubeProxy: iptables', `kubeProxy: ${mode}`));
    const up = await labUp({ instance: INST, dir: DIR, config: file });
    st = up.state;
    kubeconfig = up.kubeconfig;
    expect(st.cluster.kubeProxy).toBe(mode);
  });
  afterAll(async () => {
    await labDown({ instance: INST, dir: DIR });
    removeKubectlCache();
  });

  it('a connect from the zone-a client to the PreferClose ClusterIP always lands on the zone-a backend; the plain Service spreads', async () => {
    expect(await backends(clusterIP('web-close'), 80, 10)).toEqual(Array(10).fill('web-0'));
    const any = await backends(clusterIP('web-any'), 80, 15);
    expect(any.every((b) => ['web-0', 'web-1', 'web-2'].includes(b)), any.join(' ')).toBe(true);
    expect(new Set(any).size, any.join(' ')).toBeGreaterThan(1); // all 15 on one of three: p ≈ 2e-7
  });

  it('a NodePort follows the zone of the node it enters: worker-1 → web-0, worker-2 → web-1 or web-2 only', async () => {
    expect(await backends(nodeIP('worker-1'), 30080, 5)).toEqual(Array(5).fill('web-0'));
    const b = await backends(nodeIP('worker-2'), 30080, 10);
    expect(b.every((x) => x === 'web-1' || x === 'web-2'), b.join(' ')).toBe(true);
  });

  it('kubectl shows the zone labels, spec.trafficDistribution and the EndpointSlice zones and hints', () => {
    const nodes = kubectl(kubeconfig, ['get', 'nodes', '-L', 'topology.kubernetes.io/zone', '--no-headers']);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.trim().split('\n').map((l) => [l.split(/\s+/)[0], l.trim().split(/\s+/).pop()])).toEqual([['worker-1', 'zone-a'], ['worker-2', 'zone-b'], ['worker-3', 'zone-b']]);
    const svc = kubectl(kubeconfig, ['get', 'service', 'web-close', '-n', 'zones', '-o', 'yaml']);
    expect(svc.code, svc.stderr).toBe(0);
    expect((parse(svc.stdout) as { spec: Obj }).spec.trafficDistribution).toBe('PreferClose');
    const slices = (name: string) => {
      const r = kubectl(kubeconfig, ['get', 'endpointslices', '-n', 'zones', '-l', `kubernetes.io/service-name=${name}`, '-o', 'yaml']);
      expect(r.code, r.stderr).toBe(0);
      return (parse(r.stdout) as { items: { endpoints: Obj[] }[] }).items.flatMap((s) => s.endpoints).map((e) => ({ pod: (e.targetRef as Obj).name, zone: e.zone, hints: e.hints }));
    };
    expect(slices('web-close')).toEqual([
      { pod: 'web-0', zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } },
      { pod: 'web-1', zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } },
      { pod: 'web-2', zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } },
    ]);
    expect(slices('web-any').map((e) => [e.pod, e.zone, e.hints])).toEqual([['web-0', 'zone-a', undefined], ['web-1', 'zone-b', undefined], ['web-2', 'zone-b', undefined]]);
  });
});
