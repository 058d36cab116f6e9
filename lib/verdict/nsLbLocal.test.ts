// A LoadBalancer with externalTrafficPolicy Local whose two endpoints sit on two nodes: the load balancer sends each
// connection to n1 or n2 (both health checks report a local endpoint; never to n3, which has none), so one broken node
// fails about half the client's connections (real curl from the lab's outside client: 9 of 20 answered with
// node-firewall-drop on n2). Recorded by scripts/record-edge-fixtures.ts on fixtures/edge/etp-local-lb-two-nodes.yaml
// (PACKETWALK_LAB_FILE=lib/verdict/fixtures/edge/etp-local-lb-two-nodes.yaml): outside → 198.51.100.146:80 healthy
// (ns-lb-local-two-nodes-healthy), with node-firewall-drop:node=n2,port=8080 (ns-lb-local-node-firewalled; the
// client's connect landed on n1 and opened) and veth-down:pod=app/web-1 (ns-lb-local-veth-down; it landed on n2 and
// timed out); outside → node/n1:31600 with node-firewall-drop on n2 (ns-nodeport-local-two-nodes-firewalled). Each
// node's NodePort connect from the client decides, whichever node the one connect landed on: the swaps below put the
// recorded outputs of the other landing in its place.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import type { ProbeRun } from './context';

const load = (n: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', `${n}.json`), 'utf8')) as RecordedDiagnosis;
const LB = '198.51.100.146';
const N1 = '172.18.0.2';
const N2 = '172.18.0.3';
const outcome = (j: ReturnType<typeof judgeNorthSouth>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const clientConnect = (runs: Map<string, ProbeRun>, ip: string) => [...runs.entries()].filter(([, r]) => r.probe === 'outside-tcp-connect' && r.argv.includes(ip));

/** the client's connects to `ip` answered as the recorded `from` run answered (a real nc output of the same lab) */
function answerAs(runs: Map<string, ProbeRun>, ip: string, from: ProbeRun) {
  const hits = clientConnect(runs, ip);
  expect(hits.length).toBeGreaterThan(0);
  for (const [k, r] of hits) runs.set(k, { ...r, stdout: from.stdout, stderr: from.stderr, exitCode: from.exitCode, timedOut: from.timedOut });
}

const LEAD = /^1 of 2 nodes the load balancer sends to for Service app\/web-lb \(externalTrafficPolicy Local: those with a ready local endpoint\) answer \(n1 172\.18\.0\.2:31600\); connections it sends to n2 172\.18\.0\.3:31600 fail: /;

describe('north-south: a LoadBalancer with externalTrafficPolicy Local and one of its two nodes broken', () => {
  it('plans the nodes the load balancer sends to (a local endpoint each, the entry first) and reads the other one as the drawn one', () => {
    const { plan } = replayNorthSouth(load('ns-lb-local-two-nodes-healthy'));
    expect(plan.lbNodes?.map((n) => `${n.node} ${n.end.name}`)).toEqual(['n1 web-0', 'n2 web-1']);
    const onN2 = plan.probes.filter((p) => p.node === 'n2' || p.pod?.name === 'web-1').map((p) => p.probe).sort();
    expect(onN2).toEqual(['addr', 'iptables-save', 'nft-ruleset', 'node-link', 'node-tcp-connect']);
    expect(replayNorthSouth(load('ns-nodeport-local-two-nodes-firewalled')).plan.lbNodes).toBeUndefined();
  });

  it.each([
    ['ns-lb-local-node-firewalled', 'node-firewall', /n2's own firewall drops forwarded TCP to port 8080: `-A FORWARD -p tcp -m tcp --dport 8080 -j DROP`/],
    ['ns-lb-local-veth-down', 'veth-down', /the host side of app\/web-1's veth, \S+ on n2, is down/],
  ])('%s: degraded with the broken node and its cause, whichever node the client\'s connect landed on', (name, cause, reason) => {
    const fx = load(name);
    const healthy = replayNorthSouth(load('ns-lb-local-two-nodes-healthy')).runs;
    const opened = clientConnect(healthy, LB)[0][1];
    const { runs: rec } = replayNorthSouth(fx);
    const failed = clientConnect(rec, N2)[0][1]; // n2's NodePort from the client: no answer
    for (const landed of ['n1', 'n2'] as const) {
      const { plan, runs } = replayNorthSouth(fx);
      answerAs(runs, LB, landed === 'n1' ? opened : failed);
      const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
      expect(outcome(j), landed).toBe(`degraded/${cause}@node-port`);
      expect(j.summary, landed).toMatch(LEAD);
      expect(j.firstFailure?.reason, landed).toMatch(reason);
      expect(j.hops.find((h) => h.id === 'node-port')?.status, landed).toBe('fail');
      // the drawn node (n1) is fine: its hops are not failed for n2's fault
      expect(j.hops.filter((h) => h.status === 'fail').map((h) => h.id), landed).toEqual(['node-port']);
    }
  });

  it('the recordings as they ran: the connect that opened (firewall) and the one that timed out (veth) are both degraded', () => {
    for (const name of ['ns-lb-local-node-firewalled', 'ns-lb-local-veth-down']) {
      const fx = load(name);
      const { plan, runs } = replayNorthSouth(fx);
      expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).verdict, name).toBe('degraded');
    }
  });

  it('the drawn node broken and the other answering: degraded too, n1 named as the failing one', () => {
    const fx = load('ns-lb-local-two-nodes-healthy');
    const { runs: rec } = replayNorthSouth(load('ns-lb-local-node-firewalled'));
    const failed = clientConnect(rec, N2)[0][1];
    const { plan, runs } = replayNorthSouth(fx);
    answerAs(runs, N1, failed);
    answerAs(runs, LB, failed);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.summary).toMatch(/^1 of 2 nodes the load balancer sends to for Service app\/web-lb .* answer \(n2 172\.18\.0\.3:31600\); connections it sends to n1 172\.18\.0\.2:31600 fail, and no hop's probes explain why \(each node's NodePort connect from the outside client is the evidence\)\./);
  });

  it('healthy: both nodes answer (n3, without a local endpoint, does not count) and the verdict is reachable', () => {
    const fx = load('ns-lb-local-two-nodes-healthy');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.hops.every((h) => h.status === 'pass')).toBe(true);
    expect(j.hops.find((h) => h.id === 'node-port')?.summary).toMatch(/n3 172\.18\.0\.4:31600 no answer within 2 s \(no local endpoint/);
  });

  it('a NodePort dialled directly (node/n1:31600) is where the client says: n2 not answering does not make it degraded', () => {
    const fx = load('ns-nodeport-local-two-nodes-firewalled');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.hops.find((h) => h.id === 'node-port')?.summary).toMatch(/n2 172\.18\.0\.3:31600 no answer within 2 s/);
    expect(outcome(j)).toBe('reachable/-@-');
  });
});
