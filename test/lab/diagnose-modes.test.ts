// The engine on the other dataplane: host-gw routing (no tunnel), nftables kube-proxy, and a CNI that
// ignores NetworkPolicy (flannel-like). Same objects as diagnose.test.ts; one lab for the file.
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';

const lab = useLab('en3', 'mesh-hostgw-nftables.yaml');

describe('healthy paths on host-gw + nftables', () => {
  it.each([
    ['shop/frontend-0', 'pod:shop/backend-1:8080'],
    ['shop/frontend-0', 'pod:shop/backend-0:8080'],
    ['shop/frontend-0', 'backend:80'],
    ['shop/frontend-0', 'backend.shop.svc.cluster.local:80'],
    ['shop/solo-0', 'solo:80'],
  ])('%s → %s is reachable, no hop fails', async (from, to) => {
    const d = await lab.diagnose(from, to);
    expect(outcome(d)).toBe('reachable/-@-');
    expect(failingHops(d)).toEqual([]);
  });

  it('names the nftables chain and the routed overlay', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'backend:80');
    const svc = d.hops.find((h) => h.id === 'service')!;
    expect(svc.details?.mode).toBe('nftables');
    expect(String(svc.details?.chain)).toMatch(/^service-[A-Z2-7]{8}-shop\/backend\/tcp\/http$/);
    expect(d.hops.find((h) => h.id === 'overlay')!.details?.mode).toBe('host-gw');
  });
});

describe('NetworkPolicy not enforced', () => {
  it('a denied flow that connects is reachable with policy-not-enforced, never a false fail', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'postgres.db:5432');
    expect(outcome(d)).toBe('reachable/-@-');
    const w = d.warnings.find((x) => x.cause === 'policy-not-enforced');
    expect(w?.reason).toMatch(/only-backend.*the connection to 10\.244\.\d+\.\d+:5432 succeeded and (neither [\w-]+'s nor [\w-]+'s|[\w-]+'s) iptables\/nft rules carry (any|no) NetworkPolicy rule: the CNI does not enforce/);
  });
  it('an egress deny-all does not block DNS either', async () => {
    const d = await lab.diagnose('batch/jailed-0', 'backend.shop:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.warnings.map((x) => x.cause)).toContain('policy-not-enforced');
  });
});

describe('object-level mistakes', () => {
  it.each([
    ['shop/frontend-0', 'lonely.shop:80', 'unreachable/no-endpoints@service'],
    ['shop/frontend-0', 'sleepy.shop:80', 'unreachable/no-endpoints@service'],
    ['shop/frontend-0', 'wrongport.shop:80', 'unreachable/port-mismatch@service'],
    ['shop/frontend-0', 'loopy.shop:80', 'unreachable/app-not-listening@dst-pod'],
    ['db/postgres-0', 'backend:80', 'unreachable/dns-nxdomain@dns'],
    ['shop/frontend-0', 'nosuch.shop:80', 'unreachable/dns-nxdomain@dns'],
  ])('%s → %s', async (from, to, want) => {
    expect(outcome(await lab.diagnose(from, to))).toBe(want);
  });
});

describe('faults on host-gw + nftables', () => {
  it.each([
    ['dns-down', 'shop/frontend-0', 'backend.shop:80', 'unreachable/dns-timeout@dns', /answered none of \d+ queries|did not answer the 1 query/],
    ['mtu-blackhole:node=worker-2', 'shop/frontend-0', 'pod:shop/backend-0:8080', 'degraded/mtu-blackhole@overlay', /above 1172 bytes .*node link MTU 1200 on worker-2 \(eth0, routed host-gw: no encapsulation\) < pod MTU 1500/],
    ['node-route-missing:node=worker-1,to=worker-2', 'shop/frontend-0', 'pod:shop/backend-0:8080', 'unreachable/node-route@src-node', /worker-1 has no route to worker-2's pod CIDR/],
    ['stale-neighbor:node=worker-1,peer=worker-2', 'shop/frontend-0', 'pod:shop/backend-0:8080', 'unreachable/neighbor-stale@overlay', /worker-1's neighbor entry for worker-2 \(172\.18\.\d+\.\d+\) says/],
    ['stale-proxy-rules:service=shop/backend', 'shop/frontend-0', 'backend.shop:80', 'unreachable/proxy-rules-stale@service', /the endpoint-[A-Z2-7]{8}-shop\/backend\/tcp\/http__10\.244\.\d+\.\d+\/8080 chain DNATs to/],
    ['proxy-rules-missing:service=shop/backend', 'shop/frontend-0', 'backend.shop:80', 'unreachable/proxy-rules-missing@service', /nft table ip kube-proxy/],
    ['hairpin-off:node=worker-1', 'shop/solo-0', 'solo:80', 'unreachable/hairpin@src-veth', /hairpin is off/],
    ['pod-default-route-missing:pod=shop/frontend-0', 'shop/frontend-0', 'pod:shop/backend-0:8080', 'unreachable/pod-network@src-pod', /Network is unreachable/],
    // host-gw: worker-1 sends from its InternalIP, outside the pod's /24, so the pod's reply has no way back
    ['pod-default-route-missing:pod=shop/backend-0', 'node/worker-1', 'pod:shop/backend-0:8080', 'unreachable/pod-network@dst-pod', /^shop\/backend-0 has no route to 172\.18\.0\.2 \(the source it sees: worker-1's own address\): "Network is unreachable"/],
    ['veth-down:pod=shop/backend-0', 'shop/frontend-0', 'pod:shop/backend-0:8080', 'unreachable/veth-down@dst-veth', /is down/],
    ['node-firewall-drop:node=worker-2,port=8080', 'shop/frontend-0', 'pod:shop/backend-0:8080', 'unreachable/node-firewall@dst-node', /8080/],
  ])('%s: %s → %s', async (fault, from, to, want, reason) => {
    const d = await lab.withFault(fault, () => lab.diagnose(from, to));
    expect(outcome(d)).toBe(want);
    expect(d.firstFailure!.reason).toMatch(reason);
  });
});

// A node's own network dialling a ClusterIP: kube-proxy on worker-1 picks backend-0 (worker-2) or backend-1 (worker-1)
// per connection, so with one of them broken about half the connections open. The node connects to each ready endpoint
// itself (lib/plan/northSouth directEndpoints) and follows the failure: `degraded` naming the broken one, run after run,
// never `unreachable` (which the VIP connect alone said whenever it landed on the broken endpoint).
describe('node → ClusterIP with one broken backend', () => {
  it.each([
    // host-gw: worker-1 sends from its InternalIP, outside backend-0's /24: its replies have no way back
    ['pod-default-route-missing:pod=shop/backend-0', 'degraded/pod-network@dst-pod', /^shop\/backend-0 has no route to 172\.18\.0\.2 \(the source it sees: worker-1's own address\)/, '10.244.1.', '10.244.2.'],
    // not the endpoint drawn first (backend-1 shares worker-1 with the source): the path is re-drawn to it
    ['veth-down:pod=shop/backend-1', 'degraded/veth-down@dst-veth', /shop\/backend-1's veth, .* on worker-1, is down/, '10.244.2.', '10.244.1.'],
  ])('%s: node/worker-1 → backend.shop:80 is %s, 3 runs out of 3', async (fault, want, reason, answers, fails) => {
    const runs = await lab.withFault(fault, async () => {
      const out = [];
      for (let i = 0; i < 3; i++) out.push(await lab.diagnose('node/worker-1', 'backend.shop:80'));
      return out;
    });
    for (const d of runs) {
      expect(outcome(d)).toBe(want);
      expect(d.verdict).not.toBe('unreachable');
      expect(d.firstFailure!.reason).toMatch(reason);
      expect(d.summary).toMatch(new RegExp(`^1 of 2 ready endpoints of Service shop/backend answer from worker-1 \\(${answers.replace(/\./g, '\\.')}\\d+:8080\\); connections kube-proxy sends to ${fails.replace(/\./g, '\\.')}\\d+:8080 fail: `));
    }
  });

  it('no fault: reachable, each ready endpoint answering worker-1', async () => {
    const d = await lab.diagnose('node/worker-1', 'backend.shop:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.hops.find((h) => h.id === 'dst-pod')!.observed).toMatch(/each ready endpoint from worker-1: 10\.244\.\d+\.\d+:8080 connected; 10\.244\.\d+\.\d+:8080 connected/);
  });
});
