// lib/plan/ops.ts: what the orchestrator learns folds back into a NEW plan; the old one is never touched, keys
// are one function's, and a hostile resolv.conf search line never becomes a dig argument.
import { describe, expect, it } from 'vitest';
import { endpointPort, firstDigNames, followFailure, hopsProbed, probeKey, probesOf, withAddress, withDnsRest, withResolvConf } from './ops';
import type { PathPlan, PlannedProbe } from './index';
import type { RunOutcome } from './ops';

const pod = { namespace: 'shop', name: 'frontend-0' };
const mk = (p: Omit<PlannedProbe, 'key' | 'phase'> & { phase?: PlannedProbe['phase'] }): PlannedProbe => ({ phase: 1, ...p, key: probeKey(p) });

function basePlan(over: Partial<PathPlan> = {}): PathPlan {
  return {
    src: { ...pod, ip: '10.244.1.5', node: 'worker-1', pod: {} },
    target: { kind: 'name', name: 'backend', port: 80, text: 'backend:80' },
    name: { name: 'backend', candidates: ['backend.shop.svc.cluster.local'], search: ['shop.svc.cluster.local'], ndots: 5, clusterDomain: 'cluster.local' },
    sameNode: false,
    hairpin: false,
    kubeProxyMode: 'iptables',
    hops: [],
    probes: [
      mk({ probe: 'resolv-conf', hop: 'dns', where: 'pod', pod, args: {} }),
      mk({ probe: 'dig', hop: 'dns', where: 'pod', pod, args: { name: 'backend.shop.svc.cluster.local' }, phase: 2 }),
      mk({ probe: 'node-link', hop: 'src-veth', where: 'node', node: 'worker-1', args: {}, alsoHops: ['overlay'] }),
    ],
    ...over,
  } as PathPlan;
}

describe('probeKey / probesOf', () => {
  it('keys a run by where, probe and argument values', () => {
    expect(probeKey({ where: 'pod', pod, probe: 'tcp-connect', args: { ip: '10.96.0.50', port: 80 } })).toBe('shop/frontend-0:tcp-connect:10.96.0.50:80');
    expect(probeKey({ where: 'node', node: 'worker-2', probe: 'neigh', args: {} })).toBe('node/worker-2:neigh');
    expect(probeKey({ where: 'outside', probe: 'outside-dig', args: { name: 'a.example' } })).toBe('outside:outside-dig:a.example');
  });
  it("finds a hop's probes, the ones it reads through alsoHops too", () => {
    const plan = basePlan();
    expect(probesOf(plan, 'overlay').map((p) => p.probe)).toEqual(['node-link']);
    expect(probesOf(plan, 'dns').map((p) => p.probe)).toEqual(['resolv-conf', 'dig']);
    expect(probesOf(plan, 'dst-pod')).toEqual([]);
  });
  it('a hop is probed once every probe it reads has a run; a hop without probes never is', () => {
    const plan = basePlan();
    const hops = [{ id: 'overlay' as const }, { id: 'dns' as const }, { id: 'dst-pod' as const }];
    const runs = new Map<string, unknown>();
    expect(hopsProbed(plan, runs, hops)).toEqual([]);
    for (const p of probesOf(plan, 'overlay')) runs.set(p.key, {});
    expect(hopsProbed(plan, runs, hops).map((h) => h.id)).toEqual(['overlay']);
    runs.set(probesOf(plan, 'dns')[0].key, {});
    expect(hopsProbed(plan, runs, hops).map((h) => h.id)).toEqual(['overlay']); // dig has not run yet
    for (const p of probesOf(plan, 'dns')) runs.set(p.key, {});
    expect(hopsProbed(plan, runs, hops).map((h) => h.id)).toEqual(['overlay', 'dns']);
  });
});

describe('endpointPort', () => {
  it("is the drawn pod's endpoint port for a Service, else the target's port", () => {
    const dst = { namespace: 'shop', name: 'backend-0', ip: '10.244.2.5', node: 'worker-2', pod: {} };
    const service = { endpoints: { endpoints: [{ ip: '10.244.2.6', port: 9090 }, { ip: '10.244.2.5', port: 8080 }] } } as unknown as PathPlan['service'];
    expect(endpointPort({ service, dst, dstPort: 80 })).toBe(8080);
    expect(endpointPort({ service, dst: { ...dst, ip: '10.244.9.9' }, dstPort: 80 })).toBeUndefined();
    expect(endpointPort({ dst, dstPort: 8080 })).toBe(8080);
  });
});

describe('withResolvConf', () => {
  it("digs the resolver's candidates in order, in a new plan, and drops names that are not DNS names", () => {
    const plan = basePlan();
    const before = JSON.stringify(plan);
    const next = withResolvConf(plan, { search: ['shop.svc.corp.local', 'svc.corp.local', 'x;reboot', 'a b'], ndots: 5, nameservers: ['10.96.0.10'] });
    expect(JSON.stringify(plan)).toBe(before);
    expect(next).not.toBe(plan);
    const digs = next.probes.filter((p) => p.probe === 'dig');
    expect(digs.map((p) => p.args.name)).toEqual(['backend.shop.svc.corp.local', 'backend.svc.corp.local', 'backend']);
    expect(digs.map((p) => p.key)).toEqual(digs.map((p) => `shop/frontend-0:dig:${p.args.name}`));
    expect(digs.every((p) => p.phase === 2 && p.hop === 'dns')).toBe(true);
    expect(next.probes.slice(0, 2).map((p) => p.probe)).toEqual(['resolv-conf', 'node-link']);
    expect(next.name?.nameservers).toEqual(['10.96.0.10']);
  });
  it('leaves a plan without a name as it is', () => {
    const plan = basePlan({ name: undefined });
    expect(withResolvConf(plan, { search: ['a'], ndots: 1 })).toBe(plan);
  });
  it('digs up to the candidate that is a Service (the resolver stops there) and keeps the whole list for later', () => {
    const plan = basePlan({ name: { name: 'backend.shop', candidates: [], search: [], ndots: 5, clusterDomain: 'cluster.local', matched: { fqdn: 'backend.shop.svc.cluster.local', index: 1, service: 'shop/backend' } } });
    const next = withResolvConf(plan, { search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 });
    expect(next.probes.filter((p) => p.probe === 'dig').map((p) => p.args.name)).toEqual(['backend.shop.shop.svc.cluster.local', 'backend.shop.svc.cluster.local']);
    expect(next.name?.candidates).toEqual(['backend.shop.shop.svc.cluster.local', 'backend.shop.svc.cluster.local', 'backend.shop.cluster.local', 'backend.shop']);
    expect(firstDigNames(['a', 'b'], 'c')).toEqual(['a', 'b']); // a match the pod's resolver never asks: every candidate
  });
});

describe('withDnsRest', () => {
  const matchedPlan = () => withResolvConf(basePlan({ name: { name: 'backend.shop', candidates: [], search: [], ndots: 5, clusterDomain: 'cluster.local', matched: { fqdn: 'backend.shop.svc.cluster.local', index: 1, service: 'shop/backend' } } }), { search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 });
  const key = (name: string) => `shop/frontend-0:dig:${name}`;
  it('adds the candidates after the match when the match answers without an address (NXDOMAIN, empty)', () => {
    const plan = matchedPlan();
    const { plan: next, added } = withDnsRest(plan, new Map([[key('backend.shop.svc.cluster.local'), { exitCode: 0, answered: false }]]));
    expect(added.map((p) => p.args.name)).toEqual(['backend.shop.cluster.local', 'backend.shop']);
    expect(added.every((p) => p.phase === 2 && p.hop === 'dns')).toBe(true);
    expect(next.probes.length).toBe(plan.probes.length + 2);
    expect(withDnsRest(next, new Map([[key('backend.shop.svc.cluster.local'), { exitCode: 0, answered: false }]])).added).toEqual([]);
  });
  it('adds nothing when the match answered, timed out (dig exit 9), could not run, or nothing matched', () => {
    const plan = matchedPlan();
    const m = key('backend.shop.svc.cluster.local');
    expect(withDnsRest(plan, new Map([[m, { exitCode: 0, answered: true }]])).added).toEqual([]);
    expect(withDnsRest(plan, new Map([[m, { exitCode: 9, answered: false }]])).added).toEqual([]);
    expect(withDnsRest(plan, new Map([[m, { exitCode: null, answered: false, notRun: 'no foothold' }]])).added).toEqual([]);
    expect(withDnsRest(plan, new Map()).added).toEqual([]);
    expect(withDnsRest(basePlan(), new Map()).added).toEqual([]);
  });
});

describe('withAddress', () => {
  it('sets the address and adds the connect and the route, keeping the old plan', () => {
    const plan = basePlan({ dstPort: 80 });
    const { plan: next, added } = withAddress(plan, '203.0.113.7');
    expect(plan.dstIP).toBeUndefined();
    expect(next.dstIP).toBe('203.0.113.7');
    expect(added.map((p) => p.key)).toEqual(['shop/frontend-0:tcp-connect:203.0.113.7:80', 'shop/frontend-0:route-get:203.0.113.7']);
    expect(next.probes.length).toBe(plan.probes.length + 2);
  });
});

describe('followFailure', () => {
  const svcPlan = (drawnExit: number, otherExit: number) => {
    const connect = (ip: string) => mk({ probe: 'tcp-connect', hop: 'dst-pod', where: 'pod', pod, args: { ip, port: 8080 } });
    const plan = basePlan({ service: {} as PathPlan['service'], dst: { namespace: 'shop', name: 'backend-0', ip: '10.244.2.5', node: 'worker-2', pod: {} }, probes: [...basePlan().probes, connect('10.244.2.5'), connect('10.244.2.6')] });
    const runs = new Map([
      ['shop/frontend-0:tcp-connect:10.244.2.5:8080', { exitCode: drawnExit }],
      ['shop/frontend-0:tcp-connect:10.244.2.6:8080', { exitCode: otherExit }],
    ]);
    return { plan, runs };
  };
  it('re-draws the path to the endpoint that failed when the drawn one answered, keeping the digs', () => {
    const { plan, runs } = svcPlan(0, 1);
    const asked: string[] = [];
    const next = followFailure(plan, runs, (ip) => {
      asked.push(ip);
      return basePlan({ probes: [mk({ probe: 'addr', hop: 'dst-pod', where: 'pod', pod: { namespace: 'shop', name: 'backend-1' }, args: {} })] });
    });
    expect(asked).toEqual(['10.244.2.6']);
    expect(next?.probes.map((p) => p.probe)).toEqual(['addr', 'dig']);
  });
  it('follows nothing when the drawn endpoint failed too, or nothing else failed', () => {
    const never = () => {
      throw new Error('must not re-plan');
    };
    expect(followFailure(svcPlan(1, 1).plan, svcPlan(1, 1).runs, never)).toBeUndefined();
    expect(followFailure(svcPlan(0, 0).plan, svcPlan(0, 0).runs, never)).toBeUndefined();
  });

  // An MTU blackhole behind an endpoint that is not drawn (lib/plan/mtu.ts endpointMtuPings): every connect opened.
  describe('an MTU failure on another endpoint', () => {
    const ping = (ip: string, size: number) => mk({ probe: 'ping-df', hop: ip === '10.244.2.5' ? 'overlay' : 'dst-pod', where: 'pod', pod, args: { ip, size } });
    const sizes = [56, 1472];
    const mtuPlan = (drawn: number[], other: number[], connects: [number, number] = [0, 0]) => {
      const { plan, runs } = svcPlan(...connects);
      const pings = sizes.flatMap((size) => [ping('10.244.2.5', size), ping('10.244.3.7', size)]);
      const all = new Map<string, RunOutcome>(runs);
      sizes.forEach((size, i) => {
        all.set(ping('10.244.2.5', size).key, { exitCode: drawn[i] });
        all.set(ping('10.244.3.7', size).key, { exitCode: other[i] });
      });
      return { plan: { ...plan, probes: [...plan.probes, ...pings] }, runs: all };
    };
    const redrawn = basePlan({ dst: { namespace: 'shop', name: 'backend-2', ip: '10.244.3.7', node: 'worker-3', pod: {} }, dstChoice: 'the direct connection … failed', probes: [] });

    it('re-draws the path to the endpoint whose 1472 vanished while the drawn pod\'s came back, and says why', () => {
      const { plan, runs } = mtuPlan([0, 0], [0, 1]);
      const asked: string[] = [];
      const next = followFailure(plan, runs, (ip) => (asked.push(ip), redrawn));
      expect(asked).toEqual(['10.244.3.7']);
      expect(next?.dstChoice).toBe('DF pings from shop/frontend-0 to endpoint shop/backend-2 (10.244.3.7) on worker-3 come back at 56 bytes but not at 1472, which came back from shop/backend-0 on worker-2 (the path first drawn), so the path is drawn to it');
    });

    it('a failed connect is followed first; nothing when the drawn pod loses the same size, the other\'s smallest is lost too, or the drawn connect failed', () => {
      const never = () => {
        throw new Error('must not re-plan');
      };
      const both = mtuPlan([0, 1], [0, 1]);
      expect(followFailure(both.plan, both.runs, never)).toBeUndefined();
      const icmp = mtuPlan([0, 0], [1, 1]);
      expect(followFailure(icmp.plan, icmp.runs, never)).toBeUndefined();
      const drawnDown = mtuPlan([0, 0], [0, 1], [1, 0]);
      expect(followFailure(drawnDown.plan, drawnDown.runs, never)).toBeUndefined();
      const dead = mtuPlan([0, 0], [0, 1], [0, 1]);
      const asked: string[] = [];
      expect(followFailure(dead.plan, dead.runs, (ip) => (asked.push(ip), redrawn))?.dstChoice).toBe('the direct connection … failed');
      expect(asked).toEqual(['10.244.2.6']);
    });
  });
});
