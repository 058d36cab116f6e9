// podResolver: the resolver a pod asks, per dnsPolicy (Kubernetes "DNS for Services and Pods", Pod's DNS Policy).
// The resolv.conf texts are the lab's, as its kubelet stand-in writes them (lab/dataplane/dns.ts podResolvConf, the
// pods of test/lab/fixtures/dns-policies.yaml).
import { describe, expect, it } from 'vitest';
import { parseResolvConf } from '../parse';
import { podResolver } from './dns';

const cluster = { ips: ['10.96.0.10', '10.244.1.2'] };
const conf = (text: string) => {
  const r = parseResolvConf(text);
  if (!r.ok) throw new Error('unreadable');
  return r.value;
};

describe('podResolver', () => {
  it('ClusterFirst (also when unset): the cluster DNS, whatever nameserver the kubelet wrote (a node-local cache too)', () => {
    expect(podResolver({ spec: {} }, conf('search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n'), cluster)).toMatchObject({ cluster: true, policy: 'ClusterFirst', nameservers: ['10.96.0.10'] });
    expect(podResolver({ spec: { dnsPolicy: 'ClusterFirst' } }, conf('nameserver 169.254.20.10\n'), cluster).cluster).toBe(true);
    // before the resolv.conf is read: the cluster DNS Service's address, then dnsConfig's
    expect(podResolver({ spec: { dnsConfig: { nameservers: ['1.1.1.1'] } } }, undefined, cluster).nameservers).toEqual(['10.96.0.10', '1.1.1.1']);
  });

  it('Default: the node resolv.conf, not the cluster DNS', () => {
    expect(podResolver({ spec: { dnsPolicy: 'Default' } }, conf('nameserver 100.64.0.53\n'), cluster)).toEqual({ nameservers: ['100.64.0.53'], cluster: false, policy: 'Default', how: "dnsPolicy Default: the node's resolv.conf" });
  });

  it('hostNetwork with ClusterFirst falls back to Default; ClusterFirstWithHostNet is the cluster DNS', () => {
    expect(podResolver({ spec: { hostNetwork: true } }, conf('nameserver 100.64.0.53\n'), cluster)).toMatchObject({ cluster: false, how: "dnsPolicy ClusterFirst in the host network: the node's resolv.conf" });
    expect(podResolver({ spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } }, undefined, cluster).cluster).toBe(true);
  });

  it('None: dnsConfig.nameservers; the cluster DNS only when one of them is its address', () => {
    const none = (ns: string[]) => ({ spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ns, searches: ['shop.svc.cluster.local'] } } });
    expect(podResolver(none(['198.51.100.20']), conf('search shop.svc.cluster.local\nnameserver 198.51.100.20\n'), cluster)).toEqual({ nameservers: ['198.51.100.20'], cluster: false, policy: 'None', how: "dnsPolicy None: the pod's dnsConfig.nameservers" });
    expect(podResolver(none(['198.51.100.20']), undefined, cluster).nameservers).toEqual(['198.51.100.20']);
    expect(podResolver(none(['10.96.0.10']), conf('nameserver 10.96.0.10\n'), cluster).cluster).toBe(true);
    // a CoreDNS pod's own address is the cluster DNS too
    expect(podResolver(none(['10.244.1.2']), conf('nameserver 10.244.1.2\n'), cluster).cluster).toBe(true);
  });
});
