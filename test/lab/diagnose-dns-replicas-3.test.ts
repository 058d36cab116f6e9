// Three CoreDNS replicas (test/lab/fixtures/dns-replicas-3.yaml: cluster.dnsReplicas 3, one on each of worker-1..3; the
// client on worker-3). kube-proxy spreads the lookups over all three, so breaking some of them fails only the lookups it
// sends there: the diagnosis is `degraded` (never "the cluster DNS is not answering"), names exactly the broken
// replicas, and says so run after run, whichever replica the one lookup through the Service reached.
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';
import { labDir, readState } from '../../lab/state';
import { firstFailureShown } from '../../lib/verdict/reproduce';

const lab = useLab('dr3', 'dns-replicas-3.yaml');
const replicas = () => readState(labDir(lab.instance))!.pods.filter((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-'));
const label = (p: { name: string; ip: string; node: string }) => `kube-system/${p.name} (${p.ip}) on ${p.node}`;

describe('three CoreDNS replicas', () => {
  it('healthy: reachable, every replica answers', async () => {
    expect(replicas().map((p) => p.node)).toEqual(['worker-1', 'worker-2', 'worker-3']);
    const d = await lab.diagnose('shop/client-0', 'backend:80');
    expect(outcome(d)).toBe('reachable/-@-');
  });

  it('one of three behind a down veth: degraded, that replica named, the same on every run', async () => {
    const [a, b, c] = replicas();
    await lab.withFault(`veth-down:pod=kube-system/${a.name}`, async () => {
      for (let i = 0; i < 2; i++) {
        const d = await lab.diagnose('shop/client-0', 'backend:80');
        expect(outcome(d)).toBe('degraded/veth-down@dns');
        expect(d.summary).toContain(`2 of 3 cluster DNS pods answer (${label(b)}, ${label(c)}); lookups kube-proxy sends to ${label(a)} fail`);
        expect(d.firstFailure!.reason).toContain(`the host side of kube-system/${a.name}'s veth, ${a.hostVeth} on worker-1, is down`);
        for (const p of [b, c]) expect(d.firstFailure!.reason).not.toContain(p.name);
      }
    });
  });

  it('two of three behind a down veth: degraded, exactly the two named (reason and next step), not the healthy one', async () => {
    const [a, b, c] = replicas();
    await lab.fault(`veth-down:pod=kube-system/${a.name}`);
    try {
      await lab.fault(`veth-down:pod=kube-system/${b.name}`);
      for (let i = 0; i < 2; i++) {
        const d = await lab.diagnose('shop/client-0', 'backend:80');
        expect(outcome(d)).toBe('degraded/veth-down@dns');
        expect(failingHops(d)).toEqual(['dns']);
        expect(d.summary).toContain(`1 of 3 cluster DNS pods answer (${label(c)}); lookups kube-proxy sends to ${label(a)}, ${label(b)} fail`);
        expect(d.summary).not.toMatch(/cluster DNS is not answering/);
        for (const p of [a, b]) {
          expect(d.firstFailure!.reason).toContain(`the host side of kube-system/${p.name}'s veth, ${p.hostVeth} on ${p.node}, is down`);
          expect(d.firstFailure!.nextStep).toContain(`On ${p.node}, \`ip link show ${p.hostVeth}\``);
        }
        expect(d.firstFailure!.reason).not.toContain(c.name);
        expect(d.firstFailure!.nextStep).not.toContain(c.name);
        // reproduced by a query to a broken replica, which fails every time
        expect(firstFailureShown(d).reproduce?.command).toContain(`@${a.ip}`);
      }
    } finally {
      await lab.fault(null);
    }
  });

  it('dns-not-listening on one replica (its DNS server gone, the pod runs): app-not-listening at dns naming it', async () => {
    const [a, b, c] = replicas();
    await lab.withFault(`dns-not-listening:pod=kube-system/${a.name}`, async () => {
      for (let i = 0; i < 2; i++) {
        const d = await lab.diagnose('shop/client-0', 'backend:80');
        expect(outcome(d)).toBe('degraded/app-not-listening@dns');
        expect(d.summary).toContain(`2 of 3 cluster DNS pods answer (${label(b)}, ${label(c)}); lookups kube-proxy sends to ${label(a)} fail: The name lookup fails: nothing listens on the DNS port of the cluster DNS (dns)`);
        expect(d.firstFailure!.reason).toContain(`${label(a)} refuses the query (an ICMP port unreachable: nothing listens on its UDP port 53): "communications error to ${a.ip}#53: connection refused"`);
        expect(d.firstFailure!.nextStep).toContain(`kubectl -n kube-system logs ${a.name}`);
        const shown = firstFailureShown(d).reproduce!;
        expect(shown.probe).toBe('dig-replica');
        expect(shown.reproduce).toContain(`dig +tries=2 +time=2 +nosearch @${a.ip} backend.shop.svc.cluster.local. A`);
      }
      // that replica as the target itself (its DNS port): the DNS sentence at dst-pod, not the generic "bind 0.0.0.0"
      const t = await lab.diagnose('shop/client-0', `${a.ip}:53/udp`);
      expect(outcome(t)).toBe('unreachable/app-not-listening@dst-pod');
      expect(t.firstFailure!.reason).toBe(`kube-system/${a.name} is a cluster DNS pod and refuses the query: nothing is bound to UDP 53 in it (the query drew an ICMP port-unreachable) — the pod runs but its DNS server does not serve port 53`);
      expect(t.firstFailure!.nextStep).toContain(`kubectl -n kube-system logs ${a.name}`);
      expect(firstFailureShown(t).reproduce?.reproduce).toContain(`@${a.ip} -p 53`);
    });
    // healed: the replica serves again
    expect(outcome(await lab.diagnose('shop/client-0', 'backend:80'))).toBe('reachable/-@-');
  });
});
