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
import { parseIpAddr, parseIpRouteGet } from '../parse';
import type { PathPlan } from '../plan';
import type { ProbeRun } from './context';

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/hostnet/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;
const run = (fx: RecordedDiagnosis) => {
  const { plan, runs } = replay(fx);
  return { plan, runs, j: judge({ plan, runs, snapshot: fx.snapshot, depth: fx.diagnosis.depth }) };
};
const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const fails = (j: ReturnType<typeof judge>) => j.hops.filter((h) => h.status === 'fail').map((h) => `${h.id}:${h.cause}`);
/** What the trace planner reads, from the recorded runs (as server/diagnose/capture.ts reads the live ones). */
function factsOf(plan: PathPlan, runs: Map<string, ProbeRun>, fx: RecordedDiagnosis) {
  const runOf = (pred: (p: PathPlan['probes'][number]) => boolean) => {
    const p = plan.probes.find(pred);
    return p ? runs.get(p.key) : undefined;
  };
  const linksOf = (r: ProbeRun | undefined) => {
    const v = r ? parseIpAddr(r.stdout, { exitCode: r.exitCode, stderr: r.stderr }) : undefined;
    return v?.ok && !v.value.error ? v.value.entries : undefined;
  };
  const routeOf = (r: ProbeRun | undefined) => {
    const v = r ? parseIpRouteGet(r.stdout, { exitCode: r.exitCode, stderr: r.stderr }) : undefined;
    return v?.ok ? v.value : undefined;
  };
  const nodeLinks = new Map<string, IpLink[]>();
  for (const n of new Set([plan.src.node, plan.dst!.node])) {
    const l = linksOf(runOf((p) => p.probe === 'node-link' && p.node === n));
    if (l) nodeLinks.set(n, l);
  }
  const podLinks = (ns: string, name: string) => linksOf(runOf((p) => p.probe === 'addr' && p.pod?.namespace === ns && p.pod.name === name));
  const srcNodeRoute = routeOf(runOf((p) => p.probe === 'node-route-get' && p.node === plan.src.node && p.args.ip === plan.dst!.ip));
  const dstNodeRoute = routeOf(runOf((p) => p.probe === 'node-route-get' && p.node === plan.dst!.node && p.args.ip === plan.src.ip));
  return {
    srcPodLinks: podLinks(plan.src.namespace, plan.src.name), dstPodLinks: podLinks(plan.dst!.namespace, plan.dst!.name), nodeLinks,
    ...(srcNodeRoute ? { srcNodeRoute } : {}), ...(dstNodeRoute ? { dstNodeRoute } : {}), nodes: fx.snapshot.nodes,
  };
}
const flowOf = (plan: PathPlan) => ({ proto: 'tcp' as const, srcIP: plan.src.ip, sport: 21000, dstIP: plan.dstIP ?? plan.dst!.ip, dport: plan.dstPort ?? 0 });
const hopOf = (j: ReturnType<typeof judge>, id: string) => j.hops.find((h) => h.id === id)!;

describe('a hostNetwork pod as the target (kindnet host-gw, 3 nodes)', () => {
  it('healthy, across nodes: reachable, no model-mismatch; the node reaches the peer node\'s address over the underlay; no dst-veth', () => {
    const { plan, j } = run(load('pod-healthy'));
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.warnings).toEqual([]);
    expect(plan.dst).toMatchObject({ name: 'agent-w2', ip: '172.18.0.4', node: 'kind-worker2', hostNetwork: true });
    expect(j.hops.map((h) => h.id)).toEqual(['src-pod', 'src-veth', 'src-node', 'overlay', 'dst-node', 'dst-pod']);
    expect(j.hops.every((h) => h.status === 'pass')).toBe(true);
    // the address and the listener are the node's: the summary says whose network the path ends in, not only the pod's name
    expect(j.summary).toContain('(kube-system/agent-w2 172.18.0.4 (host network of kind-worker2))'.replace('kube-system', plan.dst!.namespace));
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
    const { points, missing } = planCapturePoints(plan, factsOf(plan, runs, fx), flowOf(plan));
    expect(points.map((p) => p.hop)).toEqual(['src-pod', 'src-veth']);
    expect(missing).toEqual([]);
  });
});

describe('a hostNetwork pod behind a Service on a tunnel family (cilium vxlan, 3 nodes)', () => {
  it('healthy: reachable, no model-mismatch, no dst-veth; the trace follows the plain flow on the underlay, not the tunnel', () => {
    const fx = load('cilium-svc-healthy');
    const { plan, runs, j } = run(fx);
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.warnings).toEqual([]);
    expect(plan.dst).toMatchObject({ name: 'node-exporter-abc', hostNetwork: true });
    expect(j.hops.map((h) => h.id)).toEqual(['src-pod', 'dns', 'service', 'src-veth', 'src-node', 'overlay', 'dst-node', 'dst-pod']);
    expect(hopOf(j, 'src-node').summary).toContain('reached over the underlay eth0, no tunnel');
    const { points, missing } = planCapturePoints(plan, factsOf(plan, runs, fx), flowOf(plan));
    expect(missing).toEqual([]);
    expect(points.map((p) => `${p.hop} ${p.node}/${p.iface}${p.encapsulated ? ' (outer)' : ''}`)).toEqual([
      'src-pod ip-10-0-1-11/eth0', 'src-veth ip-10-0-1-11/lxc5bbddec5999c', 'overlay ip-10-0-1-11/eth0', 'dst-node ip-10-0-2-22/eth0', 'dst-pod ip-10-0-2-22/eth0',
    ]);
  });
});
