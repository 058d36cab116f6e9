// The dns hop of pods that do not ask the cluster DNS the default way (test/lab/fixtures/dns-policies.yaml):
// dnsPolicy Default (the node's resolv.conf: the outside DNS 100.64.0.53), dnsPolicy None with a dnsConfig naming
// that resolver (custom-dns-0) or an address where no DNS server listens (dead-dns-0: 198.51.100.20). A name that
// does not resolve names the resolver the pod really asks, and never sends the SRE to CoreDNS, which it never asks
// (Kubernetes "DNS for Services and Pods", Pod's DNS Policy; lib/kube podResolver).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';
import { podNetns } from '../../lab/objects';
import { labDir, readState } from '../../lab/state';
import type { Diagnosis } from '../../lib/model';

const lab = useLab('dp', 'dns-policies.yaml');

const dnsHop = (d: Diagnosis) => d.hops.find((h) => h.id === 'dns')!;
/** The places the diagnosis ran probes ("pod kube-system/…", "node worker-1"). */
const probedIn = (d: Diagnosis) => new Set(d.hops.flatMap((h) => h.evidence).map((e) => e.where));

describe('the lab writes each pod its resolv.conf as the kubelet does', () => {
  it.each([
    ['client-0', /^search shop\.svc\.cluster\.local svc\.cluster\.local cluster\.local\nnameserver 10\.96\.0\.10\noptions ndots:5\n$/],
    ['host-dns-0', /^nameserver 100\.64\.0\.53\n$/],
    ['custom-dns-0', /^search shop\.svc\.cluster\.local example\.internal\nnameserver 100\.64\.0\.53\noptions ndots:2\n$/],
    ['dead-dns-0', /^search shop\.svc\.cluster\.local\nnameserver 198\.51\.100\.20\n$/],
  ])('%s', (pod, want) => {
    expect(readFileSync(`/etc/netns/${podNetns(lab.instance, 'shop', pod)}/resolv.conf`, 'utf8')).toMatch(want);
  });
});

describe('a pod that does not ask the cluster DNS', () => {
  it('ClusterFirst (the control): reachable', async () => {
    const d = await lab.diagnose('shop/client-0', 'backend:80');
    expect(outcome(d)).toBe('reachable/-@-');
  });

  it('dnsPolicy Default → a Service name: the node resolver knows no cluster name, the Service is not at fault', async () => {
    const d = await lab.diagnose('shop/host-dns-0', 'backend:80');
    expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
    expect(failingHops(d)).toEqual(['dns']);
    expect(d.firstFailure!.reason).toMatch(/shop\/host-dns-0's resolver is 100\.64\.0\.53 \(dnsPolicy Default: the node's resolv\.conf\), not the cluster DNS 10\.96\.0\.10: it knows no cluster name .*; Service shop\/backend itself is not at fault$/);
    expect(d.firstFailure!.nextStep).toMatch(/dnsPolicy: ClusterFirst/);
  });

  it('dnsPolicy None naming an outside resolver (with the cluster search list) → a Service name: that resolver, not the name', async () => {
    const d = await lab.diagnose('shop/custom-dns-0', 'backend:80');
    expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
    expect(d.firstFailure!.reason).toMatch(/shop\/custom-dns-0's resolver is 100\.64\.0\.53 \(dnsPolicy None: the pod's dnsConfig\.nameservers\), not the cluster DNS 10\.96\.0\.10/);
    // not "a short name only resolves in its own namespace": the pod is in shop
    expect(d.firstFailure!.reason).not.toMatch(/own namespace/);
    expect(d.firstFailure!.nextStep).toMatch(/list 10\.96\.0\.10 first in its dnsConfig\.nameservers .* or use dnsPolicy: ClusterFirst/);
  });

  it('dnsPolicy None naming an address with no DNS server: names it and how to check it, not CoreDNS', async () => {
    const d = await lab.diagnose('shop/dead-dns-0', 'backend:80');
    expect(outcome(d)).toBe('unreachable/dns-timeout@dns');
    expect(d.firstFailure!.reason).toMatch(/shop\/dead-dns-0's resolver 198\.51\.100\.20 \(dnsPolicy None: the pod's dnsConfig\.nameservers, not the cluster DNS\)/);
    expect(d.firstFailure!.nextStep).toMatch(/`dig @198\.51\.100\.20 backend\.shop\.svc\.cluster\.local\.` from the pod/);
    expect(`${d.firstFailure!.reason} ${d.firstFailure!.nextStep} ${dnsHop(d).summary}`).not.toMatch(/CoreDNS|kube-dns|10\.96\.0\.10/);
    // the CoreDNS pod is never probed: the pod's lookups never went there
    expect([...probedIn(d)].filter((w) => w.startsWith('pod kube-system/'))).toEqual([]);
  });

  it('dnsPolicy Default, its resolver silent while the CoreDNS pod is also broken: the resolver it asks, not CoreDNS', async () => {
    const coredns = readState(labDir(lab.instance))!.pods.find((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-'))!;
    await lab.fault('upstream-dns-down');
    try {
      await lab.fault(`veth-down:pod=kube-system/${coredns.name}`);
      const d = await lab.diagnose('shop/host-dns-0', 'api.partner.example:443');
      expect(outcome(d)).toBe('unreachable/dns-timeout@dns');
      expect(d.firstFailure!.reason).toMatch(/shop\/host-dns-0's resolver 100\.64\.0\.53 \(dnsPolicy Default: the node's resolv\.conf, not the cluster DNS\) did not answer/);
      expect(d.firstFailure!.nextStep).toMatch(/from the \/etc\/resolv\.conf of its node worker-2 \(dnsPolicy Default\)/);
      expect(`${d.firstFailure!.reason} ${d.firstFailure!.nextStep}`).not.toMatch(/CoreDNS|coredns|kube-dns/);
    } finally {
      await lab.fault(null);
    }
  });

  it('dnsPolicy Default → an outside name that does not exist: NXDOMAIN from the node resolver, checked there', async () => {
    const d = await lab.diagnose('shop/host-dns-0', 'nope.example:443');
    expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
    expect(d.firstFailure!.reason).toMatch(/shop\/host-dns-0's resolver 100\.64\.0\.53 \(dnsPolicy Default: the node's resolv\.conf, not the cluster DNS\) answers NXDOMAIN/);
    expect(d.firstFailure!.nextStep).toMatch(/`dig @100\.64\.0\.53 nope\.example\.`/);
    expect(d.firstFailure!.nextStep).not.toMatch(/namespace/);
  });
});

describe('UDP to a DNS server that receives the queries and does not answer (dns-down: CoreDNS stopped, its socket bound)', () => {
  const coredns = () => readState(labDir(lab.instance))!.pods.find((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-'))!;

  it.each([['the CoreDNS pod IP', 'POD:53/udp'], ['the kube-dns ClusterIP', '10.96.0.10:53/udp']])('healthy, %s: reachable (a DNS answer came back)', async (_, to) => {
    const d = await lab.diagnose('shop/client-0', to.replace('POD', coredns().ip));
    expect(outcome(d)).toBe('reachable/-@-');
  });

  it.each([['the CoreDNS pod IP', 'POD:53/udp'], ['the kube-dns ClusterIP', '10.96.0.10:53/udp']])('%s: dns-timeout at dst-pod, the server pod to check (was: reachable, "the path delivers it")', async (_, to) => {
    const pod = coredns();
    const d = await lab.withFault('dns-down', () => lab.diagnose('shop/client-0', to.replace('POD', pod.ip)));
    expect(outcome(d)).toBe('unreachable/dns-timeout@dst-pod');
    expect(failingHops(d)).toEqual(['dst-pod']);
    expect(d.firstFailure!.reason).toMatch(new RegExp(`^the DNS server in kube-system/${pod.name} receives the queries but does not answer: the capture saw the traced datagrams to UDP 53 arrive in the pod \\(UDP ×\\d+, no reply\\) and UDP 53 is bound there \\(${pod.ip.replace(/\./g, '\\.')}:53`));
    expect(d.firstFailure!.nextStep).toMatch(new RegExp(`\`kubectl logs -n kube-system ${pod.name}\`.*\`ss -u -l -n -p\``));
  });
});
