// Two CoreDNS replicas (test/lab/fixtures/dns-replicas.yaml: cluster.dnsReplicas 2, on worker-1 and worker-2; the
// client on worker-3). kube-proxy spreads the queries over both, so a fault that breaks both is named for each —
// the dns hop's sentence and next step name every broken replica, not only the first.
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';
import { labDir, readState } from '../../lab/state';

const lab = useLab('dr', 'dns-replicas.yaml');
const replicas = () => readState(labDir(lab.instance))!.pods.filter((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-'));

describe('two CoreDNS replicas', () => {
  it('the lab runs one dnsmasq per replica, one per node; healthy: reachable', async () => {
    const st = readState(labDir(lab.instance))!;
    expect(replicas().map((p) => p.node)).toEqual(['worker-1', 'worker-2']);
    expect(st.daemons.dnsmasq).toBeGreaterThan(0);
    expect(st.daemons['dnsmasq-replica-2']).toBeGreaterThan(0);
    const d = await lab.diagnose('shop/client-0', 'backend:80');
    expect(outcome(d)).toBe('reachable/-@-');
  });

  it('dns-down (both stopped): the timeout names both replicas', async () => {
    const [a, b] = replicas();
    const d = await lab.withFault('dns-down', () => lab.diagnose('shop/client-0', 'backend:80'));
    expect(outcome(d)).toBe('unreachable/dns-timeout@dns');
    expect(d.firstFailure!.reason).toMatch(/cluster DNS is not answering \(its pods: /);
    expect(d.firstFailure!.reason).toContain(`kube-system/${a.name} on worker-1, kube-system/${b.name} on worker-2`);
  });

  it('veth-down on both replicas: veth-down at dns naming both veths and both pods, each in the next step', async () => {
    const [a, b] = replicas();
    await lab.fault(`veth-down:pod=kube-system/${a.name}`);
    try {
      await lab.fault(`veth-down:pod=kube-system/${b.name}`);
      const d = await lab.diagnose('shop/client-0', 'backend:80');
      expect(outcome(d)).toBe('unreachable/veth-down@dns');
      expect(failingHops(d)).toEqual(['dns']);
      for (const p of [a, b]) {
        expect(d.firstFailure!.reason).toContain(`the host side of kube-system/${p.name}'s veth, ${p.hostVeth} on ${p.node}, is down`);
        expect(d.firstFailure!.nextStep).toContain(`On ${p.node}, \`ip link show ${p.hostVeth}\``);
      }
    } finally {
      await lab.fault(null);
    }
  });
});
