// resolv.conf as the kubelet writes it per dnsPolicy (lab/dataplane/dns.ts; kubelet pkg/kubelet/network/dns):
// `Default` copies the pod's own node's resolv.conf — not another node's address.
import { describe, expect, it } from 'vitest';
import { nodeResolvConf, podResolvConf } from './dataplane/dns';
import type { KubeObject } from './types';

const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'mon' }, spec }) as KubeObject;

describe('podResolvConf', () => {
  it('dnsPolicy Default: the node\'s own resolv.conf (nameservers, search, options), nothing of the cluster DNS', () => {
    const node = nodeResolvConf({ dnsIP: '100.64.0.53' })!;
    expect(node).toBe('nameserver 100.64.0.53\n');
    expect(podResolvConf(pod({ dnsPolicy: 'Default' }), 'mon', '10.96.0.10', 'cluster.local', node)).toBe('nameserver 100.64.0.53\n');
    const rich = 'search corp.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions ndots:2 edns0\n';
    expect(podResolvConf(pod({ dnsPolicy: 'Default', dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), 'mon', '10.96.0.10', 'cluster.local', rich))
      .toBe('search corp.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 ndots:1\n');
  });
  it('ClusterFirst ignores the node file; without an outside a Default pod has no nameserver', () => {
    expect(podResolvConf(pod({}), 'mon', '10.96.0.10', 'cluster.local', 'nameserver 100.64.0.53\n')).toBe('search mon.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(nodeResolvConf(undefined)).toBeUndefined();
    expect(podResolvConf(pod({ dnsPolicy: 'Default' }), 'mon', '10.96.0.10', 'cluster.local', undefined)).toBe('\n');
  });
  it('in the host network, ClusterFirst falls back to the node\'s resolver and ClusterFirstWithHostNet is the cluster DNS (the kubelet\'s rule)', () => {
    const node = nodeResolvConf({ dnsIP: '100.64.0.53' })!;
    expect(podResolvConf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirst' }), 'mon', '10.96.0.10', 'cluster.local', node)).toBe('nameserver 100.64.0.53\n');
    expect(podResolvConf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), 'mon', '10.96.0.10', 'cluster.local', node)).toBe('search mon.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
});
