// A LoadBalancer Service with two endpoints, one behind a node whose firewall drops the forwarded flow: recorded on
// the default lab (outside → 198.51.100.129:80, fault node-firewall-drop:node=worker-2,port=8080; and healthy).
// kube-proxy picks an endpoint per connection, so the client's one connect proves nothing either way: each ready
// endpoint is dialled from the node the flow enters, and the node's own rules are judged as on the pod path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { probeRunOf } from './context';
import { directEndpoints } from '../plan/northSouth';
import { splitFixture } from '../parse/fixtureFile';

const load = (n: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', `${n}.json`), 'utf8')) as RecordedDiagnosis;

describe('north-south through a Service with one broken endpoint', () => {
  it('plans a direct connect from the entry node to every ready endpoint, the drawn one first', () => {
    const { plan } = replayNorthSouth(load('ns-lb-healthy-two-endpoints'));
    const eps = directEndpoints(plan);
    expect(eps).toHaveLength(2);
    expect(eps[0].ip).toBe(plan.dst?.ip);
    expect(plan.probes.filter((p) => p.probe === 'node-tcp-connect' && p.node === plan.entry?.node).map((p) => `${p.args.ip}:${p.args.port}`).sort()).toEqual(eps.map((e) => `${e.ip}:${e.port}`).sort());
  });

  it('is degraded, not reachable or unreachable, and names the node firewall of the broken endpoint', () => {
    const fx = load('ns-lb-one-endpoint-firewalled');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/storefront answer from worker-1 \(10\.244\.1\.\d+:8080\); connections kube-proxy sends to 10\.244\.2\.\d+:8080 fail: Node firewall drops the flow at dst-node/);
    expect(j.firstFailure).toMatchObject({ hop: 'dst-node', cause: 'node-firewall' });
    expect(j.firstFailure?.reason).toMatch(/worker-2's own firewall drops forwarded TCP to port 8080: `-A FORWARD -p tcp -m tcp --dport 8080 -j DROP`/);
    expect(j.hops.find((h) => h.id === 'dst-pod')?.summary).toMatch(/each ready endpoint from worker-1: /);
  });

  it('healthy: every endpoint answers from the entry node, and the verdict is reachable', () => {
    const fx = load('ns-lb-healthy-two-endpoints');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
    expect(j.hops.every((h) => h.status === 'pass')).toBe(true);
  });

  it.each(['host-unreachable', 'admin-prohibited', 'blackhole-route'])('an endpoint whose direct connect ends in an ICMP error or a dead route (%s) fails like one that times out: degraded', (form) => {
    // the healthy recording, with the entry node's connect to the second endpoint answered as a REJECT (or a
    // blackhole route) answers it: real nc output from lib/parse/fixtures/nc
    const fx = load('ns-lb-healthy-two-endpoints');
    const { plan, runs } = replayNorthSouth(fx);
    const broken = directEndpoints(plan)[1]!;
    const nc = splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'nc', `${form}.txt`), 'utf8'));
    let swapped = 0;
    for (const [k, r] of runs) {
      if (r.probe !== 'node-tcp-connect' || r.location !== `node ${plan.entry!.node}` || !r.argv.includes(broken.ip)) continue;
      runs.set(k, { ...r, stdout: nc.stdout, stderr: nc.stderr, exitCode: nc.exitCode });
      swapped++;
    }
    expect(swapped).toBe(1);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.summary).toContain(`; connections kube-proxy sends to ${broken.ip}:${broken.port} fail`);
  });
  it.each([
    ['timed-out', 'nc said itself that the handshake timed out: evidence, degraded', 'degraded'],
    ['', "our timer stopped nc before it said anything (a slow exec on a loaded machine): no evidence, reachable", 'reachable'],
  ])('an endpoint\'s direct connect that ran out of time (%s): %s', (form, _why, verdict) => {
    // A run killed by the probe's own 4 s limit ends with exit null, no output and timedOut (server/exec); it made
    // a healthy NodePort `degraded` once in a loaded CI run (session 16). nc's own "timed out" (real output,
    // lib/parse/fixtures/nc/timed-out.txt) is the evidence a drop leaves.
    const fx = load('ns-lb-healthy-two-endpoints');
    const { plan, runs } = replayNorthSouth(fx);
    const other = directEndpoints(plan)[1]!;
    const nc = form ? splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'nc', `${form}.txt`), 'utf8')) : { stdout: '', stderr: '', exitCode: null };
    let swapped = 0;
    for (const [k, r] of runs) {
      if (r.probe !== 'node-tcp-connect' || r.location !== `node ${plan.entry!.node}` || !r.argv.includes(other.ip)) continue;
      runs.set(k, probeRunOf(r, { exitCode: nc.exitCode, stdout: nc.stdout, stderr: nc.stderr, durationMs: form ? 2010 : 4002, timedOut: !form, truncated: false }));
      swapped++;
    }
    expect(swapped).toBe(1);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe(verdict);
    if (!form) {
      expect(j.warnings).toEqual([]);
      expect(j.hops.find((h) => h.id === 'dst-pod')?.summary ?? '').not.toMatch(/timed out|no answer/);
      expect([...runs.values()].find((r) => r.argv.includes(other.ip) && r.location === `node ${plan.entry!.node}`)?.notRun).toMatch(/^stopped at the probe's time limit before nc gave its own answer/);
    }
  });
});
