// North-south verdicts whose hops must not contradict them. Recorded on the lab (scripts/record-edge-fixtures.ts):
// ns-outside-to-cluster-ip, ns-outside-to-pod-ip and ns-outside-unassigned-lb-ip on lab/default.yaml; the NodePort
// nothing holds and the Services without a selector on fixtures/edge/ns-no-selector.yaml (lab/default.yaml plus a
// selectorless NodePort shop/legacy 31777 and LoadBalancer shop/legacy-lb).
// Before: `--from outside --to <ClusterIP>` was `unreachable` with every hop `pass` (the client's own line saying
// "unreachable"), and node/worker-1:31999 showed the client `pass` beside "connection refused".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeNorthSouth, noNodePortStep } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { noSelectorNextStep } from '../causes';

const dir = join(import.meta.dirname, 'fixtures', 'edge');
const load = (n: string) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')) as RecordedDiagnosis;
const judged = (fx: RecordedDiagnosis) => {
  const { plan, runs } = replayNorthSouth(fx);
  return { plan, runs, j: judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }) };
};
const hop = (j: ReturnType<typeof judgeNorthSouth>, id: string) => j.hops.find((h) => h.id === id)!;

describe('outside → an address the outside cannot reach: the client hop is not green', () => {
  it.each([
    ['ns-outside-to-cluster-ip', ['client', 'service']],
    ['ns-outside-to-pod-ip', ['client']],
    ['ns-outside-unassigned-lb-ip', ['client', 'external']],
  ])('%s: unreachable, no first failure (no cause names it), and the hops whose only probe is the failed connect are skipped, not passed', (name, skipped) => {
    const fx = load(name);
    const { plan, j } = judged(fx);
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toBeNull();
    for (const id of skipped) expect(hop(j, id)).toMatchObject({ status: 'skip', cause: null });
    for (const id of skipped.filter((x) => x !== 'client')) expect(hop(j, id).summary).toBe('not judged: its only probe is the connect from the outside client, which did not open (nc: Network is unreachable) and does not say whether the traffic got this far; the traffic stops before the cluster (see client)');
    const client = hop(j, 'client');
    expect(client.summary).toBe(`not judged: the outside client → ${plan.dstIP}:${plan.dstPort}: nc says "Network is unreachable": the traffic stops here, before the cluster — the client, or a router on its way, has no route to ${plan.dstIP}; that is none of the causes packetwalk names (the summary says what to dial instead)`);
    // no hop left `pass` says the connect failed
    for (const h of j.hops.filter((x) => x.status === 'pass')) expect(h.summary).not.toMatch(/from the outside client: unreachable/);
    expect(j.hops.every((h) => h.status === 'pass')).toBe(false);
  });

  it('the pod answering on its own node stays pass on its own probes (observed evidence), the client\'s failed connect kept in its observed line only', () => {
    const { j } = judged(load('ns-outside-to-pod-ip'));
    const pod = hop(j, 'dst-pod');
    expect(pod.status).toBe('pass');
    expect(pod.summary).toMatch(/^from its own node: 10\.244\.\d+\.\d+:8080 connected; TCP 8080 bound on 0\.0\.0\.0:8080$/);
    expect(pod.observed).toMatch(/from the outside client: unreachable/);
  });
});

describe('outside → a node port nothing holds', () => {
  it('node-port fails app-not-listening from the reset, names the missing NodePort and how to list them; the client is not pass', () => {
    const fx = load('ns-outside-nodeport-nothing-holds'); // node/worker-1:31999
    expect(fx.snapshot.services.some((s) => s.spec?.ports?.some((p) => p.nodePort === 31999))).toBe(false);
    const { j } = judged(fx);
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'app-not-listening' });
    expect(j.firstFailure!.reason).toBe("nothing listens on port 31999 in worker-1's own network: worker-1 answers TCP 31999 with a reset (connection refused), and no Service has NodePort 31999");
    expect(j.firstFailure!.nextStep).toBe(noNodePortStep('worker-1', 'TCP', 31999));
    expect(j.firstFailure!.nextStep).toMatch(/`kubectl get svc -A -o custom-columns=.*NODEPORT:\.spec\.ports\[\*\]\.nodePort`/);
    expect(hop(j, 'node-port')).toMatchObject({ status: 'fail', cause: 'app-not-listening' });
    expect(hop(j, 'client')).toMatchObject({ status: 'skip', summary: 'not judged: the outside client → 172.18.0.2:31999: nc says "Connection refused"; the client only dials, and where the traffic stops is judged at node-port' });
  });

  it('the reset alone is the evidence when the node\'s socket table was not read', () => {
    const fx = load('ns-outside-nodeport-nothing-holds');
    const { plan, runs } = replayNorthSouth(fx);
    const ss = plan.probes.find((p) => p.probe === 'node-ss-listen')!;
    expect(runs.has(ss.key)).toBe(true);
    runs.set(ss.key, { ...runs.get(ss.key)!, notRun: 'the node debug pod did not start' });
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'app-not-listening', reason: "worker-1 answers TCP 31999 with a reset (connection refused): nothing listens on port 31999 in worker-1's own network, and no Service has NodePort 31999 (worker-1's socket table was not read: the node debug pod did not start)" });
    // and a connect that timed out instead proves no listener missing: nothing is named
    const connect = plan.probes.find((p) => p.probe === 'outside-tcp-connect')!;
    runs.set(connect.key, { ...runs.get(connect.key)!, stderr: 'nc: connect to 172.18.0.2 port 31999 (tcp) timed out: Operation now in progress\n' });
    const silent = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(silent.firstFailure).toBeNull();
    expect(hop(silent, 'client').status).toBe('skip');
  });
});

describe('NodePort and LoadBalancer Services without a selector', () => {
  it.each([
    ['ns-outside-nodeport-no-selector', 'legacy'],
    ['ns-outside-lb-no-selector', 'legacy-lb'],
  ])('%s: no-endpoints at node-port with the shared no-selector next step, never a literal <selector>', (name, svc) => {
    const { j } = judged(load(name));
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'no-endpoints', nextStep: noSelectorNextStep('shop', svc) });
    expect(hop(j, 'node-port').nextStep).toBe(noSelectorNextStep('shop', svc));
    expect(JSON.stringify(j)).not.toContain('<selector>');
    expect(hop(j, 'client').status).toBe('skip');
  });

  it('the same NodePort given a selector no pod matches: the no-endpoints advice, its <selector> filled', () => {
    const fx = structuredClone(load('ns-outside-nodeport-no-selector'));
    fx.snapshot.services.find((x) => x.metadata?.name === 'legacy')!.spec!.selector = { app: 'legacy' };
    const { j } = judged(fx);
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'no-endpoints' });
    expect(j.firstFailure!.nextStep).toContain('`kubectl get pods -l app=legacy`');
    expect(j.firstFailure!.nextStep).not.toMatch(/has no selector/);
  });
});

describe('every recorded north-south diagnosis that is unreachable', () => {
  const recorded = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => ({ f, fx: JSON.parse(readFileSync(join(dir, f), 'utf8')) as RecordedDiagnosis }))
    .filter(({ fx }) => fx.diagnosis.spec.from === 'outside' || fx.diagnosis.spec.from.startsWith('node/'));
  it('covers the outside recordings', () => expect(recorded.filter(({ fx }) => fx.diagnosis.spec.from === 'outside').length).toBeGreaterThan(10));
  it.each(recorded.map(({ f, fx }) => [f, fx] as const))('%s: no client hop passes beside a connect that did not open', (_f, fx) => {
    const { j } = judged(fx);
    if (j.verdict !== 'unreachable') return;
    const client = j.hops.find((h) => h.id === 'client');
    if (client) expect(client.status).not.toBe('pass');
  });
});
