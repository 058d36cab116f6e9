// The objects a cluster of the lab file's shape holds, compared with real API objects
// (test/upstream/fixtures/api): the keys a client reads are there, filled as controllers fill them.
import { sharedPath } from '../test/shared';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLab, linkName, nodeKey, nodeNetns, podLogName, podNetns } from './objects';
import { parseLabFile } from './spec';
import type { KubeObject } from './types';

type Obj = Record<string, unknown>;
const fixture = (f: string) => JSON.parse(readFileSync(sharedPath('fixtures/api', f), 'utf8')) as Obj;
const DEFAULT = readFileSync(join(import.meta.dirname, 'default.yaml'), 'utf8');
const NOW = new Date('2026-11-23T00:00:00Z');

const lab = (text = DEFAULT, inst = 'pw') => buildLab(parseLabFile(text), inst, NOW);
const find = (objs: KubeObject[], kind: string, name: string, ns?: string) => objs.find((o) => o.kind === kind && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns))!;

const EXTRA = `
---
apiVersion: v1
kind: Pod
metadata: {name: backend-9, namespace: shop, labels: {app: backend}, annotations: {packetwalk/ready: "false"}}
spec: {nodeName: worker-1, containers: [{name: api, image: backend:1, ports: [{containerPort: 9090, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: shop}
spec: {clusterIP: None, selector: {app: backend}, ports: [{name: http, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: shop}
spec: {selector: {app: ghost}, ports: [{port: 80}]}
`;

describe('buildLab', () => {
  const { nodes, pods, objects } = lab(DEFAULT + EXTRA);

  it('gives every node a /24, an InternalIP, netns and underlay link; every pod an IP from its node', () => {
    expect(nodes.map((n) => [n.name, n.internalIP, n.podCIDR, n.bridgeIP, n.netns])).toEqual([
      ['worker-1', '172.18.0.2', '10.244.1.0/24', '10.244.1.1', 'pw-node-worker-1'],
      ['worker-2', '172.18.0.3', '10.244.2.0/24', '10.244.2.1', 'pw-node-worker-2'],
    ]);
    for (const p of pods.filter((x) => !x.hostNetwork)) {
      const n = nodes.find((x) => x.name === p.node)!;
      expect(p.ip.startsWith(n.podCIDR.replace(/0\/24$/, ''))).toBe(true);
      expect(p.hostVeth.length).toBeLessThanOrEqual(15);
      expect(p.netns).toBe(`pw-pod-${p.namespace}-${p.name}`);
    }
    expect(new Set(pods.map((p) => p.ip + p.node)).size).toBe(pods.length - 2); // kube-proxy + CNI pods share their node's IP
    expect(pods.find((p) => p.name === 'frontend-0')!.hostVeth).toBe('shop-frontend-0');
  });

  it('allocates the kubernetes (.1) and kube-dns (.10) ClusterIPs, and stable ones for the rest', () => {
    expect((find(objects, 'Service', 'kubernetes', 'default').spec as Obj).clusterIP).toBe('10.96.0.1');
    expect((find(objects, 'Service', 'kube-dns', 'kube-system').spec as Obj).clusterIP).toBe('10.96.0.10');
    const ips = objects.filter((o) => o.kind === 'Service').map((o) => (o.spec as Obj).clusterIP);
    expect(new Set(ips).size).toBe(ips.length);
    expect(lab(DEFAULT + EXTRA).objects.filter((o) => o.kind === 'Service').map((o) => (o.spec as Obj).clusterIP)).toEqual(ips);
    const svc = find(objects, 'Service', 'backend', 'shop');
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIPs: [(svc.spec as Obj).clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None' });
  });

  it('writes Nodes with the fields of a real Node', () => {
    const real = (fixture('nodelist-raw-apiserver.json').items as Obj[])[0];
    const node = find(objects, 'Node', 'worker-1');
    const st = node.status as Obj;
    expect(Object.keys((st.nodeInfo as Obj))).toEqual(expect.arrayContaining(Object.keys((real.status as Obj).nodeInfo as Obj)));
    expect(st.addresses).toContainEqual({ type: 'InternalIP', address: '172.18.0.2' });
    expect((st.conditions as Obj[]).find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec).toMatchObject({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
  });

  it('writes pod status as the kubelet does, honouring packetwalk/ready', () => {
    const real = fixture('pod-kind-sidecar.json');
    const p = find(objects, 'Pod', 'backend-0', 'shop');
    const st = p.status as Obj;
    for (const k of ['conditions', 'containerStatuses', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'phase', 'qosClass', 'startTime']) expect(st).toHaveProperty(k);
    expect((st.conditions as Obj[]).map((c) => c.type).sort()).toEqual(((real.status as Obj).conditions as Obj[]).map((c) => c.type).sort());
    const cs = (st.containerStatuses as Obj[])[0];
    for (const k of ['containerID', 'image', 'imageID', 'lastState', 'name', 'ready', 'restartCount', 'started', 'state']) expect(cs).toHaveProperty(k);
    expect(st).toMatchObject({ phase: 'Running', hostIP: '172.18.0.3', podIPs: [{ ip: st.podIP }] });
    const nr = find(objects, 'Pod', 'backend-9', 'shop').status as Obj;
    expect((nr.conditions as Obj[]).find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect((nr.containerStatuses as Obj[])[0].ready).toBe(false);
  });

  it('writes EndpointSlices as the controller does: labels, conditions, named ports resolved per pod', () => {
    const real = fixture('endpointslice-trimmed.json');
    const slices = objects.filter((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'backend');
    expect(slices).toHaveLength(2); // backend-9 names its port "http" on 9090: a slice of its own
    for (const s of slices) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(Object.keys(real)));
      expect(s.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': 'backend' });
      expect(s.addressType).toBe('IPv4');
    }
    const byPort: Record<number, Obj[]> = Object.fromEntries(slices.map((s) => [(s.ports as Obj[])[0].port, s.endpoints as Obj[]]));
    expect(byPort[8080].map((e: Obj) => (e.targetRef as Obj).name).sort()).toEqual(['backend-0', 'backend-1']);
    expect(byPort[9090][0]).toMatchObject({ conditions: { ready: false, serving: false, terminating: false }, nodeName: 'worker-1', targetRef: { kind: 'Pod', name: 'backend-9', namespace: 'shop' } });
    expect(Object.keys(byPort[8080][0]).sort()).toEqual(Object.keys((real.endpoints as Obj[])[0]).sort());
    const headless = objects.find((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'headless')!;
    expect(headless.metadata.labels).toHaveProperty('service.kubernetes.io/headless', '');
    const empty = objects.filter((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'nobody');
    expect(empty).toHaveLength(1);
    expect(empty[0].endpoints).toEqual([]);
  });

  it('runs the kube-system pods of a real cluster of that shape', () => {
    const ks = objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === 'kube-system').map((o) => o.metadata.name);
    expect(ks.filter((n) => /^coredns-[a-z0-9]{10}-[a-z0-9]{5}$/.test(n))).toHaveLength(1);
    expect(ks.filter((n) => /^kube-proxy-[a-z0-9]{5}$/.test(n))).toHaveLength(2);
    expect(ks.filter((n) => /^kube-network-policies-[a-z0-9]{5}$/.test(n))).toHaveLength(2);
    const kp = objects.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith('kube-proxy-'))!;
    expect(kp.spec).toMatchObject({ hostNetwork: true });
    expect((kp.status as Obj).podIP).toBe((kp.status as Obj).hostIP);
    const ignore = lab(DEFAULT.replace('networkPolicy: enforce', 'networkPolicy: ignore').replace('kubeProxy: iptables', 'kubeProxy: nftables')).objects;
    expect(ignore.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('kube-flannel-ds-'))).toHaveLength(2);
    expect(((find(ignore, 'ConfigMap', 'kube-proxy', 'kube-system').data as Obj)['config.conf'] as string)).toMatch(/^mode: nftables$/m);
    expect(((find(objects, 'ConfigMap', 'kube-proxy', 'kube-system').data as Obj)['config.conf'] as string)).toMatch(/^mode: iptables$/m);
    expect(find(objects, 'Namespace', 'shop').metadata.labels).toEqual({ tier: 'app', 'kubernetes.io/metadata.name': 'shop' });
  });

  it('keeps veth names short, readable and unique when names are long', () => {
    const long = `kind: Lab\ncluster: {nodes: [n1]}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: payments-prod}\n` +
      ['checkout-api-7f9c-0', 'checkout-api-7f9c-1'].map((n) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${n}, namespace: payments-prod}\nspec: {nodeName: n1, containers: [{name: c}]}\n`).join('');
    const names = lab(long).pods.filter((p) => !p.hostNetwork).map((p) => p.hostVeth);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
    expect(names.filter((n) => n.startsWith('checkout-a'))).toHaveLength(2);
  });
});

describe('kernel and file names of dotted and long node names', () => {
  const EKS = DEFAULT.replaceAll('worker-1', 'ip-10-0-1-23.ec2.internal').replaceAll('worker-2', 'ip-10-0-2-7.ec2.internal');
  it('keeps the Kubernetes names as written and derives short dot-less kernel names', () => {
    const l = lab(EKS, 'dot');
    expect(l.nodes.map((n) => n.name)).toEqual(['ip-10-0-1-23.ec2.internal', 'ip-10-0-2-7.ec2.internal']);
    expect(l.objects.filter((o) => o.kind === 'Node').map((o) => o.metadata.name)).toEqual(['ip-10-0-1-23.ec2.internal', 'ip-10-0-2-7.ec2.internal']);
    expect((find(l.objects, 'Pod', 'frontend-0', 'shop').spec as Obj).nodeName).toBe('ip-10-0-1-23.ec2.internal');
    expect(l.pods.find((p) => p.name === 'frontend-0')!.node).toBe('ip-10-0-1-23.ec2.internal');
    for (const n of l.nodes) {
      expect(n.netns).toMatch(/^dot-node-ip-10-0-\d-\d+-ec2-internal-[0-9a-f]{8}$/);
      expect(n.underlayVeth).toMatch(/^ip-10-0-\d-[0-9a-f]{4}$/);
    }
    expect(new Set(l.nodes.map((n) => n.netns)).size).toBe(2);
    for (const p of l.pods) expect(p.hostVeth).toMatch(/^[^.]{0,15}$/);
  });
  it('leaves the names a lab had before dots were allowed as they were', () => {
    expect(nodeNetns('pw', 'worker-1')).toBe('pw-node-worker-1');
    expect(nodeKey('n'.repeat(40))).toBe('n'.repeat(40));
    expect(podNetns('pw', 'shop', 'frontend-0')).toBe('pw-pod-shop-frontend-0');
    expect(podLogName('listener', 'shop', 'frontend-0')).toBe('listener-shop-frontend-0');
    expect(lab().nodes.map((n) => [n.netns, n.underlayVeth])).toEqual([['pw-node-worker-1', 'worker-1'], ['pw-node-worker-2', 'worker-2']]);
  });
  it('fits the longest names: netns and log names within NAME_MAX, interface names within IFNAMSIZ, none with a dot in a link', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(nodeKey(long).length).toBeLessThanOrEqual(40);
    expect(nodeKey(long)).not.toBe(nodeKey(`${long.slice(0, -1)}e`));
    expect(nodeKey('a.b')).not.toBe(nodeKey('a-b'));
    expect(podNetns('abcdef', 'n'.repeat(63), long).length).toBeLessThanOrEqual(200);
    expect(podLogName('meshproxy', 'n'.repeat(63), long).length).toBeLessThanOrEqual(200);
    const taken = new Set<string>();
    expect(linkName(['a.b'], 'a.b', taken)).toMatch(/^a-b-[0-9a-f]{4}$/);
    expect(linkName([long], long, taken)).toMatch(/^a{10}-[0-9a-f]{4}$/);
  });
});

describe('zones and topology hints (cluster.zones; test/lab/fixtures/topology-zones.yaml)', () => {
  const ZONES = readFileSync(join(import.meta.dirname, '..', 'test', 'lab', 'fixtures', 'topology-zones.yaml'), 'utf8');
  const endpointsOf = (objs: KubeObject[], svc: string) =>
    objs.filter((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === svc).flatMap((s) => s.endpoints as Obj[]);
  const byPod = (eps: Obj[]) => Object.fromEntries(eps.map((e) => [(e.targetRef as Obj).name, { zone: e.zone, hints: e.hints }]));
  /** The fixture with the web-close Service's trafficDistribution line replaced (or removed with ''). */
  const withClose = (line: string, text = ZONES) => text.replace('  trafficDistribution: PreferClose\n', line ? `  ${line}\n` : '');

  it('labels each Node with its zone and gives every endpoint its node\'s zone', () => {
    const { objects } = lab(ZONES);
    expect(objects.filter((o) => o.kind === 'Node').map((n) => [n.metadata.name, n.metadata.labels?.['topology.kubernetes.io/zone']])).toEqual([
      ['worker-1', 'zone-a'],
      ['worker-2', 'zone-b'],
      ['worker-3', 'zone-b'],
    ]);
    for (const svc of ['web-close', 'web-any']) expect(Object.values(byPod(endpointsOf(objects, svc))).map((e) => (e as { zone?: string }).zone)).toEqual(['zone-a', 'zone-b', 'zone-b']);
    // no zones in the lab file: no zone label, no zone field (the default lab is unchanged)
    const plain = lab().objects;
    expect(plain.filter((o) => o.kind === 'Node').every((n) => !('topology.kubernetes.io/zone' in (n.metadata.labels ?? {})))).toBe(true);
    expect(endpointsOf(plain, 'backend').every((e) => !('zone' in e) && !('hints' in e))).toBe(true);
  });

  it('hints each endpoint of a PreferClose Service for its own zone, and leaves the plain Service without hints', () => {
    const { objects } = lab(ZONES);
    expect((find(objects, 'Service', 'web-close', 'zones').spec as Obj).trafficDistribution).toBe('PreferClose');
    expect(byPod(endpointsOf(objects, 'web-close'))).toEqual({
      'web-0': { zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } },
      'web-1': { zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } },
      'web-2': { zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } },
    });
    expect(endpointsOf(objects, 'web-any').map((e) => e.hints)).toEqual([undefined, undefined, undefined]);
    expect(endpointsOf(lab(withClose('trafficDistribution: PreferSameZone')).objects, 'web-close').map((e) => e.hints)).toEqual(endpointsOf(objects, 'web-close').map((e) => e.hints));
  });

  it('adds node hints for PreferSameNode', () => {
    expect(byPod(endpointsOf(lab(withClose('trafficDistribution: PreferSameNode')).objects, 'web-close'))['web-1'].hints).toEqual({ forZones: [{ name: 'zone-b' }], forNodes: [{ name: 'worker-2' }] });
  });

  it('hints for the topology-mode Auto annotation (and the older topology-aware-hints) only when every ready endpoint has a zone', () => {
    const annotated = (ann: string, text = ZONES) => withClose('', text).replace('metadata: {name: web-any, namespace: zones}', `metadata: {name: web-any, namespace: zones, annotations: {${ann}}}`);
    for (const ann of ['service.kubernetes.io/topology-mode: Auto', 'service.kubernetes.io/topology-aware-hints: auto']) {
      expect(endpointsOf(lab(annotated(ann)).objects, 'web-any').map((e) => (e.hints as Obj | undefined)?.forZones)).toEqual([[{ name: 'zone-a' }], [{ name: 'zone-b' }], [{ name: 'zone-b' }]]);
    }
    expect(endpointsOf(lab(annotated('service.kubernetes.io/topology-mode: Disabled')).objects, 'web-any').map((e) => e.hints)).toEqual([undefined, undefined, undefined]);
    // worker-3 without a zone: Auto gives no endpoint hints; PreferClose still hints the endpoints that have a zone
    const partly = ZONES.replace(', worker-3: zone-b}', '}');
    expect(endpointsOf(lab(annotated('service.kubernetes.io/topology-mode: Auto', partly)).objects, 'web-any').map((e) => e.hints)).toEqual([undefined, undefined, undefined]);
    expect(byPod(endpointsOf(lab(partly).objects, 'web-close'))['web-2']).toEqual({ zone: undefined, hints: undefined });
    expect(byPod(endpointsOf(lab(partly).objects, 'web-close'))['web-1'].hints).toEqual({ forZones: [{ name: 'zone-b' }] });
  });

  it('gives an unready endpoint its zone but no hint', () => {
    const unready = ZONES.replace('metadata: {name: web-1, namespace: zones, labels: {app: web}}', 'metadata: {name: web-1, namespace: zones, labels: {app: web}, annotations: {packetwalk/ready: "false"}}');
    expect(byPod(endpointsOf(lab(unready).objects, 'web-close'))['web-1']).toEqual({ zone: 'zone-b', hints: undefined });
  });
});
