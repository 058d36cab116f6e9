// A hostNetwork pod as the TARGET (its address is its node's InternalIP), judged over real lab diagnoses
// (fixtures/hostnet/*.json, recorded by scripts/record-edge-fixtures.ts with PACKETWALK_FIXTURE_DIR=hostnet on
// fixtures/hostnet/l3-kindnet-3n.yaml; see fixtures/hostnet/README.md). The source node reaches a node's own
// address over the underlay, not through a pod-CIDR route: that route is no node-route failure, no model-mismatch
// warning, and the node firewall it crosses is named. Swapping a probe's output proves which evidence decides.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge } from './index';
import { replay, type RecordedDiagnosis } from './replay';
import { planCapturePoints } from '../plan/trace';
import type { IpLink } from '../parse/ipLink';
import { parseIpAddr } from '../parse';

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/hostnet/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;
const run = (fx: RecordedDiagnosis) => {
  const { plan, runs } = replay(fx);
  return { plan, runs, j: judge({ plan, runs, snapshot: fx.snapshot, depth: fx.diagnosis.depth }) };
};
const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const fails = (j: ReturnType<typeof judge>) => j.hops.filter((h) => h.status === 'fail').map((h) => `${h.id}:${h.cause}`);
const hopOf = (j: ReturnType<typeof judge>, id: string) => j.hops.find((h) => h.id === id)!;

describe('a hostNetwork pod as the target (kindnet host-gw, 3 nodes)', () => {
  it('healthy, across nodes: reachable, no model-mismatch; the node reaches the peer node\'s address over the underlay; no dst-veth', () => {
    const { plan, j } = run(load('pod-healthy'));
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.warnings).toEqual([]);
    expect(plan.dst).toMatchObject({ name: 'agent-w2', ip: '172.18.0.4', node: 'kind-worker2', hostNetwork: true });
    expect(j.hops.map((h) => h.id)).toEqual(['src-pod', 'src-veth', 'src-node', 'overlay', 'dst-node', 'dst-pod']);
    expect(j.hops.every((h) => h.status === 'pass')).toBe(true);
    expect(hopOf(j, 'src-node').expected).toContain('over the underlay');
    expect(hopOf(j, 'src-node').summary).toContain("172.18.0.4 is kind-worker2's own address (hostNetwork pod monitoring/agent-w2): reached over the underlay eth0");
    expect(hopOf(j, 'overlay').summary).toContain('over the underlay, unencapsulated');
  });

  it('node-firewall-drop on the source node: node-firewall at src-node, not node-route', () => {
    const { j } = run(load('pod-node-firewall'));
    expect(outcome(j)).toBe('unreachable/node-firewall@src-node');
    expect(j.firstFailure!.reason).toContain('--dport 9999 -j DROP');
    expect(fails(j)).toEqual(['src-node:node-firewall']);
  });

  it('the underlay route is judged from the node\'s own route: a route out of another device is still node-route', () => {
    const fx = load('pod-node-firewall');
    const { plan, runs } = replay(fx);
    const key = plan.probes.find((p) => p.probe === 'node-route-get' && p.node === 'kind-control-plane' && p.args.ip === '172.18.0.4')!.key;
    const r = runs.get(key)!;
    runs.set(key, { ...r, stdout: r.stdout.replace('"dev":"eth0"', '"gateway":"10.88.3.1","dev":"veth-bogus"') });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/node-route@src-node');
    expect(j.firstFailure!.reason).toContain('not eth0 (the link holding kind-control-plane\'s InternalIP)');
  });

  it('a FORWARD drop on the destination node does not touch traffic that node takes as its own: reachable, no warning', () => {
    const { j } = run(load('pod-dst-forward-drop'));
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.warnings).toEqual([]);
    expect(fails(j)).toEqual([]);
  });

  it('a Service of hostNetwork endpoints denied by the source\'s egress policy: policy-denied, and no extra failed hop', () => {
    const { plan, j } = run(load('svc-policy-denied'));
    expect(outcome(j)).toBe('unreachable/policy-denied@src-pod');
    expect(fails(j)).toEqual(['src-pod:policy-denied']);
    expect(plan.dst?.hostNetwork).toBe(true);
  });

  it('on the source\'s own node: reachable, no warning, no dst-veth; the trace has no point of the pod\'s own', () => {
    const fx = load('pod-same-node');
    const { plan, runs, j } = run(fx);
    expect(plan.sameNode).toBe(true);
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.warnings).toEqual([]);
    expect(j.hops.find((h) => h.id === 'dst-veth')).toBeUndefined();
    expect(j.hops.map((h) => h.id)).toEqual(['src-pod', 'src-veth', 'src-node', 'dst-pod']);
    const linksOf = (k: string | undefined) => {
      const r = k ? runs.get(k) : undefined;
      const v = r ? parseIpAddr(r.stdout, { exitCode: r.exitCode, stderr: r.stderr }) : undefined;
      return v?.ok && !v.value.error ? v.value.entries : undefined;
    };
    const addrKey = (ns: string, name: string) => plan.probes.find((p) => p.probe === 'addr' && p.pod?.namespace === ns && p.pod.name === name)?.key;
    const nodeLinks = new Map<string, IpLink[]>([['kind-control-plane', linksOf(plan.probes.find((p) => p.probe === 'node-link' && p.node === 'kind-control-plane')?.key)!]]);
    const { points, missing } = planCapturePoints(plan, { srcPodLinks: linksOf(addrKey('monitoring', 'prober')), dstPodLinks: linksOf(addrKey('monitoring', 'agent-cp')), nodeLinks, nodes: fx.snapshot.nodes }, { proto: 'tcp', srcIP: plan.src.ip, sport: 21000, dstIP: '172.18.0.2', dport: 9999 });
    expect(points.map((p) => p.hop)).toEqual(['src-pod', 'src-veth']);
    expect(missing).toEqual([]);
  });
});

