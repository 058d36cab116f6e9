// Finding the cluster DNS and the cluster domain on clusters that differ from the defaults (DESIGN §3.3):
// kubeadm-era and k3s clusters name the DNS Service `coredns` (keeping the k8s-app=kube-dns label); the
// domain is what CoreDNS's Corefile serves (kubeadm's default Corefile: `kubernetes cluster.local in-addr.arpa
// ip6.arpa {`) and what the kubelet writes into a ClusterFirst pod's search list.
import { describe, expect, it } from 'vitest';
import { clusterDnsService, clusterDomainFromCorefile, clusterDomainOf } from './dns';
import type { Service } from './types';

const svc = (ns: string, name: string, ip: string, labels: Record<string, string> = {}): Service => ({ metadata: { namespace: ns, name, labels }, spec: { clusterIP: ip } });

describe('clusterDnsService', () => {
  const coredns = svc('kube-system', 'coredns', '10.43.0.10', { 'k8s-app': 'kube-dns' });
  const other = svc('shop', 'backend', '10.43.0.50');
  it('by the pod\'s nameserver first, whatever the name', () => {
    expect(clusterDnsService([other, coredns], '10.43.0.10')).toBe(coredns);
    expect(clusterDnsService([other, svc('dns', 'resolver', '10.43.0.53')], '10.43.0.53')?.metadata?.name).toBe('resolver');
  });
  it('else kube-dns, else the k8s-app=kube-dns label, else coredns; never another Service', () => {
    expect(clusterDnsService([other, coredns])).toBe(coredns);
    expect(clusterDnsService([svc('kube-system', 'kube-dns', '10.96.0.10'), coredns])?.metadata?.name).toBe('kube-dns');
    expect(clusterDnsService([other])).toBeUndefined();
  });
});

describe('the cluster domain', () => {
  it('from a ClusterFirst search list and from a Corefile', () => {
    expect(clusterDomainOf(['shop.svc.corp.local', 'svc.corp.local', 'corp.local'], 'shop')).toBe('corp.local');
    expect(clusterDomainOf(['example.internal'], 'shop')).toBeUndefined();
    expect(clusterDomainFromCorefile('.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n    }\n}')).toBe('cluster.local');
    expect(clusterDomainFromCorefile(undefined)).toBeUndefined();
  });
});
