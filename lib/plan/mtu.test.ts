// lib/plan/mtu.ts: the MTU ladder's second stage is asked for only when the first stage says so.
import { describe, expect, it } from 'vitest';
import { PING_FIRST, PING_SIZES, withMtuLadder, BULK_BYTES, SMALL_BYTES } from './mtu';
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
