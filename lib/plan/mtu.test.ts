// lib/plan/mtu.ts: the MTU ladder's second stage is asked for only when the first stage says so.
import { describe, expect, it } from 'vitest';
import { PING_FIRST, PING_SIZES, withMtuLadder, BULK_BYTES, SMALL_BYTES, endpointMtuPings, ladderInputs } from './mtu';
import { probeKey, type RunOutcome } from './ops';
import type { PathPlan, PlannedProbe } from './index';

const pod = { namespace: 'shop', name: 'frontend-0' };
const dstIP = '10.244.2.3';
const mk = (p: Omit<PlannedProbe, 'key' | 'phase'>): PlannedProbe => ({ phase: 1, ...p, key: probeKey(p) });
const ping = (size: number) => mk({ probe: 'ping-df', hop: 'overlay', where: 'pod', pod, args: { ip: dstIP, size } });
const connect = mk({ probe: 'tcp-connect', hop: 'dst-pod', where: 'pod', pod, args: { ip: dstIP, port: 8080 } });

function plan(over: Partial<PathPlan> = {}): PathPlan {
  return {
    src: { ...pod, ip: '10.244.1.5', node: 'worker-1', pod: {} },
    dst: { namespace: 'shop', name: 'backend-0', ip: dstIP, node: 'worker-2', pod: {} },
    target: { kind: 'pod', namespace: 'shop', name: 'backend-0', port: 8080, text: 'pod:shop/backend-0:8080' },
    dstPort: 8080,
    sameNode: false,
    hairpin: false,
    kubeProxyMode: 'iptables',
    hops: [],
    probes: [...PING_FIRST.map(ping), connect],
    ...over,
  } as PathPlan;
}
const runs = (small: number | null, large: number | null, conn: number | null = 0) => {
  const m = new Map<string, RunOutcome>();
  if (small !== null) m.set(ping(PING_FIRST[0]).key, { exitCode: small });
  if (large !== null) m.set(ping(PING_FIRST[1]).key, { exitCode: large });
  if (conn !== null) m.set(connect.key, { exitCode: conn });
  return m;
};

describe('withMtuLadder', () => {
  it('a path whose largest DF ping comes back needs nothing more (2 execs, not 9)', () => {
    const p = plan();
    const next = withMtuLadder(p, runs(0, 0));
    expect(next.added).toEqual([]);
    expect(next.plan).toBe(p);
  });

  it('the largest lost while the smallest passes: the sizes between, on the pings\' hop and pod, in order', () => {
    const p = plan();
    const next = withMtuLadder(p, runs(0, 1));
    expect(next.added.map((x) => x.args.size)).toEqual(PING_SIZES.filter((s) => !(PING_FIRST as readonly number[]).includes(s)));
    expect(next.added.every((x) => x.probe === 'ping-df' && x.hop === 'overlay' && x.pod === pod && x.args.ip === dstIP && x.phase === 1)).toBe(true);
    expect(next.plan.probes).toHaveLength(p.probes.length + next.added.length);
    expect(p.probes).toHaveLength(3); // the plan it was given is left as it was
    // asked again (a re-plan): nothing twice
    expect(withMtuLadder(next.plan, runs(0, 1)).added).toEqual([]);
  });

  it('ICMP filtered but TCP opens: two HTTP downloads on the endpoint port instead of the ladder', () => {
    const next = withMtuLadder(plan(), runs(1, 1, 0));
    expect(next.added.map((x) => `${x.probe}:${x.args.port}:${x.args.size}`)).toEqual([`tcp-bulk:8080:${SMALL_BYTES}`, `tcp-bulk:8080:${BULK_BYTES}`]);
  });

  it('nothing is added when the connect failed too, a first-stage run is missing or could not run, or there is no drawn pod', () => {
    expect(withMtuLadder(plan(), runs(1, 1, 1)).added).toEqual([]);
    expect(withMtuLadder(plan(), runs(0, null)).added).toEqual([]);
    const notRun = runs(0, 1);
    notRun.set(ping(PING_FIRST[1]).key, { exitCode: null, notRun: 'no foothold' });
    expect(withMtuLadder(plan(), notRun).added).toEqual([]);
    expect(withMtuLadder(plan({ dst: undefined }), runs(0, 1)).added).toEqual([]);
  });
});

// A Service's other ready endpoints (the MTU blackhole behind an endpoint that is not drawn): their own first stage,
// one per node off the drawn way, and their second stage from withMtuLadder.
describe('endpointMtuPings', () => {
  const src = { ...pod, ip: '10.244.1.5', node: 'node-a', pod: {} };
  const dst = { namespace: 'shop', name: 'web-0', ip: '10.244.2.2', node: 'node-b', pod: {} };
  it('56 and 1472 to one endpoint per node that is neither the source\'s nor the drawn pod\'s, from the source, on dst-pod', () => {
    const eps = [
      { ip: '10.244.2.2', node: 'node-b' }, // the drawn pod
      { ip: '10.244.2.9', node: 'node-b' }, // the drawn pod's node
      { ip: '10.244.1.7', node: 'node-a' }, // the source's node
      { ip: '10.244.3.2', node: 'node-c' },
      { ip: '10.244.3.3', node: 'node-c' }, // node-c already has one
      { ip: '10.244.4.2' }, // node unknown: left out
      { ip: '10.244.5.2', node: 'node-d' },
    ];
    const probes = endpointMtuPings({ node: src.node, pod, ip: src.ip }, dst, eps);
    expect(probes.map((p) => `${p.args.ip}:${p.args.size}`)).toEqual(['10.244.3.2:56', '10.244.3.2:1472', '10.244.5.2:56', '10.244.5.2:1472']);
    expect(probes.every((p) => p.probe === 'ping-df' && p.hop === 'dst-pod' && p.where === 'pod' && p.pod?.name === 'frontend-0' && p.phase === 1)).toBe(true);
  });
  it('north-south: from the node the flow enters (node-ping-df), that node\'s endpoints left out', () => {
    const probes = endpointMtuPings({ node: 'node-a' }, dst, [{ ip: '10.244.1.7', node: 'node-a' }, { ip: '10.244.3.2', node: 'node-c' }]);
    expect(probes.map((p) => `${p.probe}@${p.node}:${p.args.ip}:${p.args.size}`)).toEqual(['node-ping-df@node-a:10.244.3.2:56', 'node-ping-df@node-a:10.244.3.2:1472']);
  });
  it('none when every endpoint shares a node with the source or the drawn pod', () => {
    expect(endpointMtuPings({ node: src.node, pod, ip: src.ip }, dst, [{ ip: '10.244.2.2', node: 'node-b' }, { ip: '10.244.2.9', node: 'node-b' }, { ip: '10.244.1.7', node: 'node-a' }])).toEqual([]);
  });
});

describe('withMtuLadder toward another endpoint', () => {
  const other = '10.244.3.2';
  const otherPing = (size: number) => mk({ probe: 'ping-df', hop: 'dst-pod', where: 'pod', pod, args: { ip: other, size } });
  const p = () => plan({ probes: [...PING_FIRST.map(ping), connect, ...PING_FIRST.map(otherPing)] });
  const between = PING_SIZES.filter((s) => !(PING_FIRST as readonly number[]).includes(s));
  const run = (m: Map<string, RunOutcome>, probe: PlannedProbe, exitCode: number) => m.set(probe.key, { exitCode });

  it('a healthy endpoint (its 1472 came back) costs nothing more: its 2 pings', () => {
    const m = runs(0, 0);
    run(m, otherPing(56), 0);
    run(m, otherPing(1472), 0);
    expect(withMtuLadder(p(), m).added).toEqual([]);
  });

  it('its 1472 lost while the drawn pod\'s came back: the sizes between, to that endpoint, on its hop', () => {
    const m = runs(0, 0);
    run(m, otherPing(56), 0);
    run(m, otherPing(1472), 1);
    const next = withMtuLadder(p(), m);
    expect(next.added.map((x) => `${x.args.ip}:${x.args.size}`)).toEqual(between.map((s) => `${other}:${s}`));
    expect(next.added.every((x) => x.hop === 'dst-pod' && x.probe === 'ping-df')).toBe(true);
    expect(withMtuLadder(next.plan, m).added).toEqual([]); // nothing twice
  });

  it('nothing while its own first stage has not run, or its smallest did not come back (ICMP filtered)', () => {
    const m = runs(0, 0);
    run(m, otherPing(1472), 1);
    expect(withMtuLadder(p(), m).added).toEqual([]);
    run(m, otherPing(56), 1);
    expect(withMtuLadder(p(), m).added).toEqual([]);
  });

  it('the drawn pod\'s 1472 lost too (a pod MTU below 1500): waits for its ladder, then one ping at the largest size that passed there, then the rest only if that one is lost', () => {
    const m = runs(0, 1);
    run(m, otherPing(56), 0);
    run(m, otherPing(1472), 1);
    const first = withMtuLadder(p(), m);
    expect(first.added.every((x) => x.args.ip === dstIP)).toBe(true); // the drawn pod's sizes between, none to the other yet
    for (const x of first.added) run(m, x, x.args.size! <= 1422 ? 0 : 1);
    const second = withMtuLadder(first.plan, m);
    expect(second.added.map((x) => `${x.args.ip}:${x.args.size}`)).toEqual([`${other}:1422`]);
    const healthy = new Map(m);
    run(healthy, second.added[0], 0);
    expect(withMtuLadder(second.plan, healthy).added).toEqual([]); // 3 execs for this endpoint, no more
    run(m, second.added[0], 1);
    expect(withMtuLadder(second.plan, m).added.map((x) => x.args.size)).toEqual(between.filter((s) => s !== 1422));
  });
});

describe('withMtuLadder toward another endpoint, the drawn ladder cut short', () => {
  it('a drawn ping that could not run leaves nothing to compare with: the other endpoint gets its own sizes between', () => {
    const other = '10.244.3.2';
    const otherPing = (size: number) => mk({ probe: 'ping-df', hop: 'dst-pod', where: 'pod', pod, args: { ip: other, size } });
    const m = runs(0, null);
    m.set(ping(PING_FIRST[1]).key, { exitCode: null, notRun: 'no foothold' });
    m.set(otherPing(56).key, { exitCode: 0 });
    m.set(otherPing(1472).key, { exitCode: 1 });
    const next = withMtuLadder(plan({ probes: [...PING_FIRST.map(ping), connect, ...PING_FIRST.map(otherPing)] }), m);
    expect(next.added.map((x) => x.args.ip)).toEqual(Array(PING_SIZES.length - 2).fill(other));
  });
});

describe('ladderInputs', () => {
  it('every DF ping planned and the connects to the drawn pod: what withMtuLadder reads', () => {
    const other = mk({ probe: 'ping-df', hop: 'dst-pod', where: 'pod', pod, args: { ip: '10.244.3.2', size: 56 } });
    const otherConnect = mk({ probe: 'tcp-connect', hop: 'dst-pod', where: 'pod', pod, args: { ip: '10.244.3.2', port: 8080 } });
    const p = plan({ probes: [...PING_FIRST.map(ping), connect, other, otherConnect] });
    expect(ladderInputs(p).map((x) => x.key)).toEqual([...PING_FIRST.map((s) => ping(s).key), connect.key, other.key]);
    expect(ladderInputs(plan({ dst: undefined }))).toEqual([]);
  });
});
