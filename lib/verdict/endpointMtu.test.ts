// An MTU blackhole behind a Service endpoint that is not the drawn one (lib/plan/mtu.ts endpointMtuPings): recorded on
// test/lab/fixtures/mtu-endpoints.yaml with mtu-blackhole:node=node-c (test/lab/diagnoseCapture.ts) — mtu/client on
// node-a, Service mtu/web with web-0 on node-b (drawn first) and web-1 on node-c. Small connects to both open.
// fixtures/edge/ns-mtu-endpoint-not-drawn.json: the same from node/node-a through the Service's NodePort 30080.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replay, replayNorthSouth, runFor, type RecordedDiagnosis } from './replay';
import { judgeNorthSouth } from './northSouth';
import { followFailure } from '../plan/ops';
import { followFailureNorthSouth, planNorthSouth } from '../plan/northSouth';
import { parseSource, parseTarget } from '../target';
import { planPath, withMtuLadder } from '../plan';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'mtu-endpoint-not-drawn.json'), 'utf8')) as RecordedDiagnosis;
const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const WEB1 = '10.40.3.2';

describe('an MTU blackhole behind the endpoint that is not drawn', () => {
  it('the plan draws web-0 on node-b and sends the first stage to web-1 on node-c too; its ladder runs on', () => {
    const { plan } = replay(fx);
    expect(plan.dst?.name).toBe('web-0');
    const toWeb1 = plan.probes.filter((p) => p.probe === 'ping-df' && p.args.ip === WEB1);
    expect(toWeb1.every((p) => p.hop === 'dst-pod')).toBe(true);
    expect(toWeb1.map((p) => p.args.size).sort((a, b) => a! - b!)).toEqual([56, 1000, 1172, 1272, 1372, 1400, 1422, 1450, 1472]);
  });

  it('judged on the path first drawn: degraded, the endpoint, its node and the size named — never reachable', () => {
    const { plan, runs } = replay(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/mtu-blackhole@dst-pod');
    expect(j.firstFailure!.reason).toMatch(/to endpoint mtu\/web-1 10\.40\.3\.2 on node-c above 1172 bytes of payload \(IP packets over 1200 bytes\) are lost without an ICMP error while 56-byte pings pass/);
    expect(j.summary).toMatch(/^small connections work \(all 2 ready endpoints of Service mtu\/web answer: mtu\/web-0 10\.40\.2\.2:8080, mtu\/web-1 10\.40\.3\.2:8080 on node-c\); IP packets over 1200 bytes to mtu\/web-1 10\.40\.3\.2:8080 on node-c vanish, so connections kube-proxy sends there stall on their first full-size packet: MTU blackhole/);
    expect(j.hops.find((h) => h.id === 'service')!.summary).toMatch(/DF pings to endpoint mtu\/web-1 10\.40\.3\.2 on node-c: up to 1172 bytes pass, 1272 vanishes silently/);
  });

  it('without the pings to web-1 (the plan before), the same runs were reachable: the pings are the evidence', () => {
    const { plan, runs } = replay(fx);
    const bare = { ...plan, probes: plan.probes.filter((p) => !(p.probe === 'ping-df' && p.args.ip === WEB1)) };
    expect(outcome(judge({ plan: bare, runs, snapshot: fx.snapshot, depth: 'live' }))).toBe('reachable/-@-');
  });

  it('followed: the path is re-drawn to web-1, and its overlay shows the tunnel MTU of node-c', () => {
    const { plan, runs } = replay(fx);
    const t = parseTarget(fx.diagnosis.spec.to);
    if (!t.ok) throw new Error('target');
    const followed = followFailure(plan, runs, (ip) => planPath({ namespace: 'mtu', name: 'client' }, t.value, fx.snapshot, { preferEndpoint: ip }));
    expect(followed?.dst?.name).toBe('web-1');
    expect(followed!.dstChoice).toMatch(/come back at 56 bytes but not at 1472, which came back from mtu\/web-0 on node-b/);
    // as the engine goes on: the re-drawn plan's probes, then its ladder (runs already made are found by key)
    let next = followed!;
    for (const p of next.probes) {
      const r = runFor(fx, p);
      if (r) runs.set(p.key, r);
    }
    for (let step = withMtuLadder(next, runs); step.added.length; step = withMtuLadder(next, runs)) next = step.plan;
    const j = judge({ plan: next, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/mtu-blackhole@overlay');
    expect(j.firstFailure!.reason).toMatch(/above 1172 bytes .*tunnel MTU 1200 on node-c \(flannel\.1, VXLAN overhead 50\) < pod MTU 1500/);
    expect(j.summary).toMatch(/; IP packets over 1200 bytes to mtu\/web-1 10\.40\.3\.2:8080 on node-c vanish, so connections kube-proxy sends there stall on their first full-size packet: MTU blackhole/);
    expect(j.hops.find((h) => h.id === 'service')!.details?.drawn).toMatch(/so the path is drawn to it/);
  });

  it('the same runs with web-1 answering every size: reachable, no finding', () => {
    const { plan, runs } = replay(fx);
    // web-0's recorded 1472-byte reply, re-sized for each of web-1's pings (ping -s SIZE IP: "SIZE(SIZE+28) bytes of data", "SIZE+8 bytes from")
    const reply = [...runs.values()].find((r) => r.probe === 'ping-df' && r.argv.includes('10.40.2.2') && r.argv.includes('1472'))!;
    for (const [k, r] of runs) {
      if (r.probe !== 'ping-df' || !r.argv.includes(WEB1)) continue;
      const size = Number(r.argv[r.argv.length - 2]);
      const stdout = reply.stdout.replaceAll('10.40.2.2', WEB1).replace('1472(1500)', `${size}(${size + 28})`).replace('1480 bytes from', `${size + 8} bytes from`);
      runs.set(k, { ...r, exitCode: 0, stdout, stderr: '' });
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.hops.find((h) => h.id === 'service')!.summary).toMatch(/DF pings to endpoint mtu\/web-1 10\.40\.3\.2 on node-c: up to 1472 bytes pass/);
  });
});

describe('north-south: the node the flow enters sizes each endpoint\'s way', () => {
  const ns = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'ns-mtu-endpoint-not-drawn.json'), 'utf8')) as RecordedDiagnosis;

  it('node-a pings web-1 on node-c too (node-ping-df, the whole ladder after 1472 vanished); the path re-drawn to web-1, degraded at overlay naming node-c', () => {
    const { plan, runs } = replayNorthSouth(ns);
    expect(plan.dst?.name).toBe('web-1');
    expect(plan.choice).toMatch(/endpoint mtu\/web-1 \(10\.40\.3\.2:8080\) on node-c \(DF pings from node-a to it come back at 56 bytes but not at 1472, which came back from mtu\/web-0 on node-b \(the path first drawn\), so the path is drawn to it\)/);
    const toWeb1 = plan.probes.filter((p) => p.probe === 'node-ping-df' && p.args.ip === WEB1);
    expect(toWeb1.every((p) => p.node === 'node-a')).toBe(true);
    expect(toWeb1.map((p) => p.args.size).sort((a, b) => a! - b!)).toEqual([56, 1000, 1172, 1272, 1372, 1400, 1422, 1450, 1472]);
    const j = judgeNorthSouth({ plan, runs, snapshot: ns.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/mtu-blackhole@overlay');
    expect(j.firstFailure!.reason).toMatch(/^DF pings above 1172 bytes of payload \(IP packets over 1200 bytes\) are lost without an ICMP error while 56-byte pings pass; tunnel MTU 1200 on node-c/);
    expect(j.hops.find((h) => h.id === 'overlay')!.label).toBe('node-a → node-c');
    expect(j.summary).toMatch(/^small connections work \(all 2 ready endpoints of Service mtu\/web answer from node-a: 10\.40\.2\.2:8080, 10\.40\.3\.2:8080 on node-c\); IP packets over 1200 bytes to 10\.40\.3\.2:8080 on node-c vanish, so connections kube-proxy sends there stall on their first full-size packet: MTU blackhole/);
  });

  it('followFailureNorthSouth draws nothing new when web-1\'s pings pass as the drawn pod\'s do', () => {
    const { plan, runs } = replayNorthSouth(ns);
    const src = parseSource('node/node-a');
    const to = parseTarget('node/node-a:30080');
    if (!src.ok || !to.ok) throw new Error('spec');
    const first = planNorthSouth(src.value, to.value, ns.snapshot);
    expect(first.dst?.name).toBe('web-0');
    const healed = new Map([...runs].map(([k, r]) => [k, r.probe === 'node-ping-df' ? { ...r, exitCode: 0 } : r]));
    expect(followFailureNorthSouth({ ...first, probes: plan.probes }, healed, () => { throw new Error('not re-planned'); })).toBeUndefined();
    expect(followFailureNorthSouth({ ...first, probes: plan.probes }, runs, (redraw) => planNorthSouth(src.value, to.value, ns.snapshot, undefined, redraw))?.dst?.name).toBe('web-1');
  });

  it('without the pings to web-1 (as before), the same runs are reachable: the pings are the evidence', () => {
    const { plan, runs } = replayNorthSouth(ns);
    const bare = { ...plan, probes: plan.probes.filter((p) => !(p.probe === 'node-ping-df' && p.args.ip === WEB1)) };
    expect(judgeNorthSouth({ plan: bare, runs, snapshot: ns.snapshot, depth: 'live' }).verdict).toBe('reachable');
  });
});
