// What the engine reads from the API before it plans: the objects of DESIGN §5's config depth.
import type { ConfigMap, EndpointSlice, Namespace, NetworkPolicy, Pod, Service } from '../kube';

export interface NodeObject {
  metadata?: { name?: string; labels?: Record<string, string> | null; annotations?: Record<string, string> | null };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type: string; address: string }[] };
}

export interface ClusterSnapshot {
  pods: Pod[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  nodes: NodeObject[];
  /** kube-system/kube-proxy, when the cluster has one */
  kubeProxyConfig?: ConfigMap;
}

export type KubeProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'unknown';

/** kube-proxy's mode as its ConfigMap states it (config.conf `mode:`); "" means iptables on Linux. */
export function kubeProxyModeFromConfig(cm: ConfigMap | undefined): KubeProxyMode {
  if (!cm?.data) return 'unknown';
  const text = Object.values(cm.data).join('\n');
  const m = /^\s*mode:\s*"?([a-z]*)"?\s*$/m.exec(text);
  if (!m) return 'unknown';
  const v = m[1];
  if (v === '' || v === 'iptables') return 'iptables';
  if (v === 'nftables' || v === 'ipvs') return v;
  return 'unknown';
}
