// The engine on a shape no other file uses: three nodes, nftables kube-proxy, an egress allow-list that
// admits only DNS and the app's named port (so ICMP cannot size the MTU), a multi-port Service, a pod
// with no listener, and faults that sit on the way to the cluster DNS rather than on the drawn path.
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';
import { UsageError } from '../../server/diagnose';

const lab = useLab('en4', 'varied-3node-nftables.yaml');

describe('objects and policies', () => {
  it.each([
    ['web/ui-0', 'api:80', 'reachable/-@-', null],
    ['web/ui-1', 'pod:web/api-0:9000', 'reachable/-@-', null],
    ['web/api-0', 'db.data.svc.cluster.local:5432', 'reachable/-@-', null],
    ['web/ui-0', 'cache:6379', 'unreachable/app-not-listening@dst-pod', /nothing listens on TCP 6379/],
    ['web/ui-0', 'db.data:5432', 'unreachable/policy-denied@src-pod', /web\/ui-0 is selected by NetworkPolicy web\/ui-egress for egress.*not data\/db-0/],
    ['web/ui-0', 'api:9090', 'unreachable/policy-denied@src-pod', /TCP port "api"/],
  ])('%s → %s', async (from, to, want, reason) => {
    const d = await lab.diagnose(from, to);
    expect(outcome(d)).toBe(want);
    if (reason) expect(d.firstFailure!.reason).toMatch(reason);
    else expect(failingHops(d)).toEqual([]);
  });

  it("a pod behind an ingress policy that does not admit itself: through its own Service (hairpin) the policy drops it; to its own address (lo) no policy applies, and that open connect proves nothing about enforcement", async () => {
    const hairpin = await lab.diagnose('data/db-0', 'db.data:5432');
    expect(outcome(hairpin)).toBe('unreachable/policy-denied@dst-pod');
    expect(hairpin.firstFailure!.reason).toMatch(/NetworkPolicy data\/db-from-api.* — data\/db-0 dials its own Service data\/db and kube-proxy sends the connection back to it \(hairpin\)/);
    expect(hairpin.warnings.map((w) => w.cause)).not.toContain('policy-not-enforced');
    const self = await lab.diagnose('data/db-0', 'pod:data/db-0:5432');
    expect(outcome(self)).toBe('reachable/-@-');
    expect(self.warnings.map((w) => w.cause)).not.toContain('policy-not-enforced');
  });

  it('a multi-port Service without a port is a usage error listing the ports', async () => {
    await expect(lab.diagnose('web/ui-0', 'api')).rejects.toThrow(/Service web\/api has ports 80\/TCP, 9090\/TCP; add the one to use/);
    await expect(lab.diagnose('web/ui-0', 'api')).rejects.toBeInstanceOf(UsageError);
  });
});

describe('faults', () => {
  it.each([
    ['mtu-blackhole:node=node-b', 'web/ui-1', 'pod:web/api-0:9000', 'degraded/mtu-blackhole@overlay', /a 100-byte answer arrives but a 65536-byte download stalls .*ICMP does not pass here.*tunnel MTU 1200 on node-b/],
    ['overlay-blocked:node=node-a', 'web/ui-1', 'api:80', 'unreachable/overlay-blocked@dns', /cluster DNS on node-a time out because node-a drops tunnel traffic arriving on UDP \d+ from node-c \(the DNS queries\)/],
    // the source's node drops the answers: the DNS reason names node-a (the DNS pod's node), not the drawn endpoint's node-b
    ['overlay-blocked:node=node-c', 'web/ui-1', 'api:80', 'unreachable/overlay-blocked@dns', /cluster DNS on node-a time out because node-c drops tunnel traffic arriving on UDP \d+ from node-a \(the DNS answers\)/],
    ['node-route-missing:node=node-c,to=node-a', 'web/ui-1', 'api:80', 'unreachable/node-route@dns', /node-c has no route to node-a's pod CIDR/],
    ['stale-neighbor:node=node-c,peer=node-a', 'web/ui-1', 'api:80', 'unreachable/neighbor-stale@dns', /cluster DNS on node-a time out because node-c's neighbor entry for node-a's tunnel endpoint/],
    ['stale-neighbor:node=node-c,peer=node-b', 'web/ui-1', 'pod:web/api-0:9000', 'unreachable/neighbor-stale@overlay', /node-c's neighbor entry for node-b's tunnel endpoint/],
    ['stale-proxy-rules:service=data/db', 'web/api-0', 'db.data:5432', 'unreachable/proxy-rules-stale@service', /chain DNATs to/],
    // api-1 still answers api-0's connections that kube-proxy sends to it: half the Service, degraded (lib/verdict/observed partialService)
    ['hairpin-off:node=node-b', 'web/api-0', 'api:80', 'degraded/hairpin@src-veth', /hairpin is off on web-api-0/],
  ])('%s: %s → %s', async (fault, from, to, want, reason) => {
    const d = await lab.withFault(fault, () => lab.diagnose(from, to));
    expect(outcome(d)).toBe(want);
    expect(d.firstFailure!.reason).toMatch(reason);
  });
});
