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

/** What the kube-proxy ConfigMap says (lib/kube proxyModeFromConfigMap), narrowed to the modes the engine traces. */
export type KubeProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'unknown';
