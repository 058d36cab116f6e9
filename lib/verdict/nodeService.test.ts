// A node's own network (a node source, a hostNetwork pod) dialling a ClusterIP with one broken backend, judged over
// real lab diagnoses (fixtures/hostnet/{node,hostpod}-svc-*.json, recorded on lab/default.yaml by
// scripts/record-edge-fixtures.ts with PACKETWALK_FIXTURE_DIR=hostnet; see fixtures/hostnet/README.md). Service
// shop/backend has two ready endpoints: backend-0 10.244.2.3 on worker-2 and backend-1 10.244.1.4 on worker-1. kube-proxy
// on the node picks one per connection, so the VIP connect alone said `unreachable` or `reachable` by where it landed.
// Now the node connects to every ready endpoint itself (lib/plan/northSouth directEndpoints) and follows the failure
// (followFailureNorthSouth): some answering and some not is `degraded` naming the broken one with its cause, `unreachable`
// only when none answers — whichever way the VIP connect went. Each test swaps the deciding probe's recorded output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { judgeNorthSouth } from './northSouth';
import { directEndpoints, followFailureNorthSouth, planNorthSouth } from '../plan/northSouth';

const load = (n: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'hostnet', `${n}.json`), 'utf8')) as RecordedDiagnosis;
const outcome = (j: ReturnType<typeof judgeNorthSouth>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const VIP = '10.96.243.232';

type Evidence = RecordedDiagnosis['diagnosis']['hops'][number]['evidence'][number];
const evidence = (fx: RecordedDiagnosis): Evidence[] => fx.diagnosis.hops.flatMap((h) => h.evidence);
/** The recorded nc outputs of a connect that opened and one that timed out (from the route-missing recording). */
const NC = (() => {
  const fx = load('node-svc-pod-route-missing');
  const nc = evidence(fx).filter((e) => e.probe === 'node-tcp-connect' && e.where.startsWith('node worker-1'));
  return { open: nc.find((e) => e.exitCode === 0)!, timeout: nc.find((e) => e.exitCode !== 0)! };
})();
/** The fixture with `node`'s connect to ip:port answered as `as` (its exit status and streams), every copy of it. */
function swapConnect(fx: RecordedDiagnosis, node: string, ip: string, port: number, as: 'open' | 'timeout'): RecordedDiagnosis {
  const copy = structuredClone(fx);
  const t = NC[as];
  let n = 0;
  for (const e of evidence(copy)) {
    if (!/tcp-connect$/.test(e.probe) || !e.where.startsWith(`node ${node}`) || e.command.slice(-2).join(' ') !== `${ip} ${port}`) continue;
    Object.assign(e, { exitCode: t.exitCode, stdout: t.stdout, stderr: t.stderr.replace(/\d+\.\d+\.\d+\.\d+ (port )?\d+/, `${ip} $1${port}`) });
    n++;
  }
  if (!n) throw new Error(`no recorded connect from ${node} to ${ip}:${port}`);
  return copy;
}
const judged = (fx: RecordedDiagnosis) => {
  const { plan, runs } = replayNorthSouth(fx);
  return { plan, runs, j: judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }) };
};

describe('node → ClusterIP: every ready endpoint from the node', () => {
  it.each(['node-svc-healthy', 'hostpod-svc-healthy'])('%s: the node dials each ready endpoint itself, and stays reachable', (name) => {
    const { plan, j } = judged(load(name));
    expect(plan.source).toEqual({ kind: 'node', node: 'worker-1' });
    expect(directEndpoints(plan)).toEqual([{ ip: '10.244.2.3', port: 8080 }, { ip: '10.244.1.4', port: 8080 }]);
    expect(plan.probes.filter((p) => p.probe === 'node-tcp-connect' && p.hop === 'dst-pod' && p.node === 'worker-1').map((p) => `${p.args.ip}:${p.args.port}`)).toEqual(['10.244.2.3:8080', '10.244.1.4:8080']);
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.hops.find((h) => h.id === 'dst-pod')!.observed).toContain('each ready endpoint from worker-1: 10.244.2.3:8080 connected; 10.244.1.4:8080 connected');
  });

  it.each(['node-svc-healthy', 'hostpod-svc-healthy'])('%s: one endpoint silent from the node is degraded whichever way the VIP connect went, unreachable only when none answers', (name) => {
    const broken = swapConnect(load(name), 'worker-1', '10.244.2.3', 8080, 'timeout');
    for (const vip of ['open', 'timeout'] as const) {
      const { j } = judged(swapConnect(broken, 'worker-1', VIP, 80, vip));
      expect(j.verdict).toBe('degraded');
      expect(j.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/backend answer from worker-1 \(10\.244\.1\.4:8080\); connections kube-proxy sends to 10\.244\.2\.3:8080 fail/);
    }
    const none = swapConnect(swapConnect(broken, 'worker-1', '10.244.1.4', 8080, 'timeout'), 'worker-1', VIP, 80, 'timeout');
    expect(judged(none).j.verdict).toBe('unreachable');
  });
});

describe('node → ClusterIP: only the endpoints kube-proxy on the node sends to', () => {
  it('internalTrafficPolicy Local: the node dials its own endpoint only (a remote one answering proves nothing for it)', () => {
    const fx = load('node-svc-healthy');
    const snap = structuredClone(fx.snapshot);
    const svc = snap.services.find((x) => x.metadata?.name === 'backend' && x.metadata?.namespace === 'shop')!;
    (svc.spec as { internalTrafficPolicy?: string }).internalTrafficPolicy = 'Local';
    const to = { kind: 'name', name: 'backend.shop', port: 80, text: 'backend.shop:80' } as const;
    expect(directEndpoints(planNorthSouth({ kind: 'node', node: 'worker-1' }, to, snap))).toEqual([{ ip: '10.244.1.4', port: 8080 }]);
    expect(directEndpoints(planNorthSouth({ kind: 'node', node: 'worker-2' }, to, snap))).toEqual([{ ip: '10.244.2.3', port: 8080 }]);
    expect(directEndpoints(planNorthSouth({ kind: 'node', node: 'worker-1' }, to, fx.snapshot))).toHaveLength(2);
  });
});

describe('node → ClusterIP of a Service with externalTrafficPolicy Local', () => {
  it('draws an endpoint as for any ClusterIP (ETP governs traffic from outside only), never "no local endpoint"', () => {
    const fx = load('node-svc-healthy');
    const snap = structuredClone(fx.snapshot);
    const svc = snap.services.find((x) => x.metadata?.name === 'backend' && x.metadata?.namespace === 'shop')!;
    Object.assign(svc.spec as object, { type: 'NodePort', externalTrafficPolicy: 'Local' });
    // only backend-0 (worker-2) stays ready: worker-1 has no local endpoint, which ETP Local would make a drop
    for (const sl of snap.endpointSlices) for (const e of sl.endpoints ?? []) if (e.addresses?.includes('10.244.1.4')) e.conditions = { ...e.conditions, ready: false };
    const to = { kind: 'name', name: 'backend.shop', port: 80, text: 'backend.shop:80' } as const;
    const plan = planNorthSouth({ kind: 'node', node: 'worker-1' }, to, snap);
    expect(plan.dst?.name).toBe('backend-0');
    expect(plan.choice).not.toMatch(/no local endpoint/);
    expect(directEndpoints(plan)).toEqual([{ ip: '10.244.2.3', port: 8080 }]);
  });
});

describe('a pod dialling a LoadBalancer address in the cluster', () => {
  it('dials every ready endpoint: internalTrafficPolicy governs ClusterIP traffic, not the LoadBalancer address', () => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'ns-pod-lb-default-healthy.json'), 'utf8')) as RecordedDiagnosis;
    const snap = structuredClone(fx.snapshot);
    const to = { kind: 'ip', ip: '198.51.100.129', port: 80, text: '198.51.100.129:80' } as const;
    const from = { kind: 'pod', namespace: 'shop', name: 'backend-0' } as const;
    const all = directEndpoints(planNorthSouth(from, to, snap));
    expect(all.length).toBeGreaterThan(1);
    const svc = snap.services.find((x) => x.metadata?.name === 'storefront')!;
    (svc.spec as { internalTrafficPolicy?: string }).internalTrafficPolicy = 'Local';
    expect(directEndpoints(planNorthSouth(from, to, snap))).toEqual(all);
  });
});

describe('node → ClusterIP with one broken backend (pod-default-route-missing on the drawn shop/backend-0)', () => {
  it.each(['node-svc-pod-route-missing', 'hostpod-svc-pod-route-missing'])('%s: degraded, pod-network at dst-pod naming backend-0, for either VIP outcome', (name) => {
    const fx = load(name);
    expect(fx.diagnosis.verdict).toBe('degraded');
    for (const vip of ['open', 'timeout'] as const) {
      const { plan, j } = judged(swapConnect(fx, 'worker-1', VIP, 80, vip));
      expect(plan.dst).toMatchObject({ name: 'backend-0', ip: '10.244.2.3' });
      expect(outcome(j)).toBe('degraded/pod-network@dst-pod');
      expect(j.firstFailure!.reason).toMatch(/^shop\/backend-0 has no route to 10\.244\.1\.0 \(the source it sees: worker-1's own address\): "Network is unreachable" — the pod lacks its default route$/);
      expect(j.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/backend answer from worker-1 \(10\.244\.1\.4:8080\); connections kube-proxy sends to 10\.244\.2\.3:8080 fail: Pod network broken at dst-pod: /);
    }
  });

  it.each(['node-svc-pod-route-missing', 'hostpod-svc-pod-route-missing'])('%s: the direct connect decides: backend-0 answering the node is reachable; backend-1 silent too (and the VIP) is unreachable', (name) => {
    const fx = load(name);
    // the VIP connect opened in this recording: with backend-0 answering, nothing is broken
    expect(outcome(judged(swapConnect(fx, 'worker-1', '10.244.2.3', 8080, 'open')).j)).toBe('reachable/-@-');
    const none = swapConnect(swapConnect(fx, 'worker-1', '10.244.1.4', 8080, 'timeout'), 'worker-1', VIP, 80, 'timeout');
    const { j } = judged(none);
    expect(outcome(j)).toBe('unreachable/pod-network@dst-pod');
    expect(j.summary).toMatch(/^Pod network broken at dst-pod: shop\/backend-0 has no route to 10\.244\.1\.0/);
  });
});

describe('node → ClusterIP with the broken backend not drawn first (veth-down on shop/backend-1, on the source node)', () => {
  const name = 'node-svc-veth-down-not-drawn';

  it('the failure is followed: the path is re-drawn to backend-1, its veth-down named, degraded for either VIP outcome', () => {
    const fx = load(name);
    for (const vip of ['open', 'timeout'] as const) {
      const { plan, j } = judged(swapConnect(fx, 'worker-1', VIP, 80, vip));
      expect(plan.dst).toMatchObject({ name: 'backend-1', ip: '10.244.1.4', node: 'worker-1' });
      expect(plan.choice).toMatch(/endpoint shop\/backend-1 \(10\.244\.1\.4:8080\) on worker-1 \(the direct connection from worker-1 to it failed while the first path drawn worked, so the path is drawn to it\)$/);
      expect(outcome(j)).toBe('degraded/veth-down@dst-veth');
      expect(j.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/backend answer from worker-1 \(10\.244\.2\.3:8080\); connections kube-proxy sends to 10\.244\.1\.4:8080 fail: Pod veth down at dst-veth: the host side of shop\/backend-1's veth, shop-backend-1 on worker-1, is down/);
    }
  });

  it('the direct connect decides the re-draw: backend-1 answering the node is not followed, and with the VIP open it is reachable', () => {
    const fx = swapConnect(swapConnect(load(name), 'worker-1', '10.244.1.4', 8080, 'open'), 'worker-1', VIP, 80, 'open');
    const { plan, runs, j } = judged(fx);
    expect(plan.dst).toMatchObject({ name: 'backend-0' });
    expect(followFailureNorthSouth(plan, runs, () => { throw new Error('not re-planned'); })).toBeUndefined();
    expect(outcome(j)).toBe('reachable/-@-');
  });
});

// The same follow-up through a NodePort (externalTrafficPolicy Cluster) from the outside client, recorded on
// lab/default.yaml (`outside → node/worker-1:30041`, fault veth-down:pod=shop/frontend-0: Service shop/storefront's
// endpoint on the entry node itself, not the one drawn first — frontend-1 on worker-2 is): fixtures/edge/
// ns-outside-nodeport-veth-down-not-drawn.json. Before, the entry node's direct connects made it degraded, but "no hop's
// probes explain why": the endpoint that did not answer was never drawn, so its veth was never read.
describe('outside → NodePort (Cluster) with the broken backend not drawn first', () => {
  const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'ns-outside-nodeport-veth-down-not-drawn.json'), 'utf8')) as RecordedDiagnosis;

  it('the failure is followed to frontend-0: veth-down at dst-veth, degraded', () => {
    const { plan, j } = judged(fx);
    expect(plan.dst).toMatchObject({ name: 'frontend-0', ip: '10.244.1.3', node: 'worker-1' });
    expect(outcome(j)).toBe('degraded/veth-down@dst-veth');
    expect(j.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/storefront answer from worker-1 \(10\.244\.2\.2:8080\); connections kube-proxy sends to 10\.244\.1\.3:8080 fail: Pod veth down at dst-veth: the host side of shop\/frontend-0's veth/);
  });

  it('frontend-0 answering the entry node: not followed, reachable', () => {
    const { plan, j } = judged(swapConnect(fx, 'worker-1', '10.244.1.3', 8080, 'open'));
    expect(plan.dst).toMatchObject({ name: 'frontend-1' });
    expect(outcome(j)).toBe('reachable/-@-');
  });
});
