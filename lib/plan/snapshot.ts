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
  /**
   * Namespaces whose Services the user may not read (a GET or LIST refused with 403): a name that could be a
   * Service there is unknown, not "outside the cluster" and not "no such Service" (server/cluster/snapshot.ts).
   */
  unreadableServiceNamespaces?: string[];
  /** the user may not read Nodes (a LIST or GET refused with 403): a node's absence from `nodes` proves nothing */
  nodesUnreadable?: boolean;
  /**
   * The Service names (at most the first 500) of the namespace a target name that no Service has points into —
   * the source's for a short name, NS for NAME.NS… —, for "did you mean"; read only then. Absent when
   * `services` holds every Service (a cluster-wide read) or that LIST failed.
   */
  serviceNamesIn?: { namespace: string; names: string[] };
  /** The pod names (at most the first 500) of the source's namespace when the source pod is not there, for "did you mean"; read only then. */
  podNamesIn?: { namespace: string; names: string[] };
}

/** The names `listed` holds for `namespace` when it is that namespace's, else those of `objects` there. */
function namesIn(listed: { namespace: string; names: string[] } | undefined, objects: readonly { metadata?: { namespace?: string; name?: string } }[], namespace: string): string[] {
  if (listed?.namespace === namespace) return listed.names;
  return objects.filter((o) => (o.metadata?.namespace ?? 'default') === namespace).map((o) => o.metadata?.name ?? '').filter(Boolean);
}

/** The pod names of `namespace` that the snapshot knows: its `podNamesIn` when that is the namespace, else those in `pods`. */
export function podNamesOf(snap: Pick<ClusterSnapshot, 'pods' | 'podNamesIn'>, namespace: string): string[] {
  return namesIn(snap.podNamesIn, snap.pods, namespace);
}

/**
 * The namespace a target name points into if it is a Service's: NS for `NAME.NS…`, the source's for a short name
 * (undefined without one). Whether NS exists is the caller's to check.
 */
export function namespaceOfName(name: string, srcNamespace: string | undefined): string | undefined {
  return name.includes('.') ? name.split('.')[1] : srcNamespace;
}

/** The Service names of `namespace` that the snapshot knows: its `serviceNamesIn` when that is the namespace, else those in `services`. */
export function serviceNamesOf(snap: Pick<ClusterSnapshot, 'services' | 'serviceNamesIn'>, namespace: string): string[] {
  return namesIn(snap.serviceNamesIn, snap.services, namespace);
}

/** Is a Service in `namespace` hidden from this user (its read was refused)? */
export function servicesUnreadable(snap: Pick<ClusterSnapshot, 'unreadableServiceNamespaces'>, namespace: string): boolean {
  return !!snap.unreadableServiceNamespaces?.includes(namespace);
}

/** What the kube-proxy ConfigMap says (lib/kube proxyModeFromConfigMap), narrowed to the modes the engine traces. */
export type KubeProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'unknown';
