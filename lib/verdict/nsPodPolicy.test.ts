// A pod dialling a NodePort or a LoadBalancer address while NetworkPolicy guards the endpoints: the policy is judged
// with the address the endpoint's node really judges (lib/plan/northSouth podSeesFrom, podThroughProxy), not the
// client pod's. Recorded by scripts/record-edge-fixtures.ts on test/lab/fixtures/np-policy-source.yaml (shop/client-0
// 10.60.1.3 on w1, every endpoint on w2; PACKETWALK_LAB_FILE=test/lab/fixtures/np-policy-source.yaml), each run's
// connect as the lab answered it (test/lab/diagnose-np-policy-source.test.ts checks the same against real connects):
// node/w1:30081 (Cluster, podSelector-only policy: timeout), node/w1:30082 (ipBlock for the nodes: open),
// 198.51.100.130:80 (LoadBalancer, Cluster: timeout), node/w2:30082 and node/w2:30081 (the endpoint's own node:
// timeout / open), 198.51.100.131:80 (LoadBalancer, Local: open), node/w1:30084 (ipBlock for the node network only,
// while w1 masquerades to its flannel.1 address: timeout). The swaps put one recorded connect in another's place.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { policyDenial } from './nsPolicy';
import { podSeesFrom, podSeesFromRuns } from '../plan/northSouth';
import type { ProbeRun } from './context';

const load = (n: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', `${n}.json`), 'utf8')) as RecordedDiagnosis;
const judge = (fx: RecordedDiagnosis, runs = replayNorthSouth(fx).runs) => judgeNorthSouth({ plan: replayNorthSouth(fx).plan, runs, snapshot: fx.snapshot, depth: 'live' });
const outcome = (j: ReturnType<typeof judgeNorthSouth>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
/** the pod's own connect to the target */
const clientConnect = (fx: RecordedDiagnosis, runs: Map<string, ProbeRun>): [string, ProbeRun] => {
  const { plan } = replayNorthSouth(fx);
  const hit = [...runs.entries()].find(([, r]) => r.probe === 'tcp-connect' && r.argv.includes(plan.dstIP!) && r.argv.includes(String(plan.dstPort)));
  expect(hit, 'the recorded run has the client\'s connect').toBeDefined();
  return hit!;
};
/** `fx`'s runs with the client's connect answered as `from`'s was */
function connectAs(fx: RecordedDiagnosis, from: RecordedDiagnosis): Map<string, ProbeRun> {
  const { runs } = replayNorthSouth(fx);
  const [k, r] = clientConnect(fx, runs);
  const [, o] = clientConnect(from, replayNorthSouth(from).runs);
  runs.set(k, { ...r, stdout: o.stdout, stderr: o.stderr, exitCode: o.exitCode, timedOut: o.timedOut });
  return runs;
}

describe('a pod through a NodePort or a LoadBalancer address: which address the policy judges', () => {
  it('entering w1 with externalTrafficPolicy Cluster: w1\'s address after the masquerade, its prefsrc toward the pod once read, its candidates before', () => {
    const fx = load('ns-pod-nodeport-policy-masq-denied');
    const { plan, runs } = replayNorthSouth(fx);
    const seen = podSeesFromRuns(plan, fx.snapshot, runs);
    expect(seen).toMatchObject({ node: 'w1', ips: ['10.60.1.0'], known: true, as: "w1's address after kube-proxy's masquerade" });
    expect(podSeesFrom(plan, fx.snapshot)).toMatchObject({ node: 'w1', ips: ['172.18.0.2', '10.60.1.0', '10.60.1.1'], known: false });
    expect(policyDenial(plan, fx.snapshot, seen!)?.ingress.selectedBy).toEqual(['shop/only-client']);
    // the LoadBalancer address is captured on the pod's own node, w1: the same masquerade
    const lb = load('ns-pod-lb-policy-masq-denied');
    expect(podSeesFromRuns(replayNorthSouth(lb).plan, lb.snapshot, replayNorthSouth(lb).runs)).toMatchObject({ node: 'w1', ips: ['10.60.1.0'], known: true });
  });

  it("the endpoint's own node (w2) judges the pod's own address, before the masquerade; Local keeps it wherever it enters", () => {
    for (const n of ['ns-pod-nodeport-policy-endpoint-node-denied', 'ns-pod-nodeport-policy-endpoint-node-open', 'ns-pod-lb-local-policy-open']) {
      const fx = load(n);
      const { plan, runs } = replayNorthSouth(fx);
      expect(podSeesFromRuns(plan, fx.snapshot, runs), n).toMatchObject({ ips: ['10.60.1.3'], known: true });
      expect(podSeesFromRuns(plan, fx.snapshot, runs)?.node, n).toBeUndefined();
    }
  });

  it.each([
    ['ns-pod-nodeport-policy-masq-denied', 'shop/only-client', 'NodePort 30081'],
    ['ns-pod-lb-policy-masq-denied', 'shop/only-client', 'LoadBalancer address 198.51.100.130'],
    ['ns-pod-nodeport-policy-node-network-denied', 'shop/only-node-network', 'NodePort 30084'],
  ])('%s: policy-denied at dst-pod naming w1\'s masquerade address, the policy and what to do', (name, policy, what) => {
    const j = judge(load(name));
    expect(outcome(j)).toBe('unreachable/policy-denied@dst-pod');
    expect(j.firstFailure!.reason).toContain(`NetworkPolicy ${policy}`);
    expect(j.firstFailure!.reason).toContain(`kube-proxy on w1 marks traffic to ${what} for masquerade (externalTrafficPolicy Cluster: KUBE-EXT-… → KUBE-MARK-MASQ), so the packets reach the pod not from shop/client-0's 10.60.1.3 but from w1's own address, 10.60.1.0 (w1's route to the pod sends from it)`);
    expect(j.firstFailure!.nextStep).toMatch(/^shop\/web-.-0 sees shop\/client-0's connection from 10\.60\.1\.0 \(w1's address after kube-proxy's masquerade\), not from 10\.60\.1\.3, .*dial Service shop\/[a-z-]+'s ClusterIP 10\.61\.[0-9.]+:80 instead.*an ipBlock holding 10\.60\.1\.0\/32.*externalTrafficPolicy: Local on Service/);
    expect(j.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['dst-pod']);
  });

  it("w2's NodePort to the ipBlock-only endpoint on w2: policy-denied naming the pod's own address", () => {
    const j = judge(load('ns-pod-nodeport-policy-endpoint-node-denied'));
    expect(outcome(j)).toBe('unreachable/policy-denied@dst-pod');
    expect(j.firstFailure!.reason).toMatch(/NetworkPolicy shop\/only-nodes.* — w2, where node\/w2:30082 enters, runs the endpoint itself: its NetworkPolicy rules judge the packet with shop\/client-0's own address 10\.60\.1\.3, before kube-proxy masquerades it/);
    expect(j.firstFailure!.nextStep).toMatch(/^On w2, which runs shop\/web-b-0, .*admit shop\/client-0 \(a podSelector for its labels\).*or dial Service shop\/np-b's ClusterIP/);
  });

  it('where the objects admit the address, nothing is blamed on policy: open is reachable, and a silence there stays unexplained', () => {
    for (const n of ['ns-pod-nodeport-policy-nodes-open', 'ns-pod-nodeport-policy-endpoint-node-open', 'ns-pod-lb-local-policy-open']) {
      const j = judge(load(n));
      expect(outcome(j), n).toBe('reachable/-@-');
      expect(j.warnings, n).toEqual([]);
    }
    const fx = load('ns-pod-nodeport-policy-nodes-open');
    const j = judge(fx, connectAs(fx, load('ns-pod-nodeport-policy-masq-denied')));
    expect(outcome(j)).toBe('unreachable/-@-');
  });

  it('observed beats inferred: the connect opened while the objects predict the drop — reachable with model-mismatch, no failing hop', () => {
    const fx = load('ns-pod-nodeport-policy-masq-denied');
    const j = judge(fx, connectAs(fx, load('ns-pod-nodeport-policy-nodes-open')));
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.hops.filter((h) => h.status === 'fail')).toEqual([]);
    expect(j.warnings.map((w) => `${w.cause}@${w.hop}`)).toEqual(['model-mismatch@dst-pod']);
    expect(j.warnings[0].reason).toMatch(/^the connection from shop\/client-0 opened, yet the NetworkPolicy objects predict a drop: .*shop\/only-client.*10\.60\.1\.0/);
  });
});
