// NetworkPolicy on a north-south path: the address a destination pod sees is not always the client's. A node's own
// traffic (a node source, a hostNetwork pod) leaves with one of the node's addresses, and kube-proxy masquerades
// NodePort / LoadBalancer traffic with externalTrafficPolicy Cluster to the entry node's address — on an overlay
// the tunnel device's, inside the pod CIDR (Kubernetes docs "Source IP for Services with Type=NodePort"). A policy
// that admits "the outside" as `ipBlock 0.0.0.0/0 except <pod CIDR>` then drops that traffic.
import { evaluate, type PolicyEvaluation } from '../kube';
import type { NorthSouthPlan } from '../plan/northSouth';
import type { ClusterSnapshot } from '../plan';
import { cidrHost } from '../ip';

/**
 * The addresses the destination pod may see as the source, and why. `prefsrc` is what the node's own
 * `ip route get <pod IP>` says it sends from (the address masquerade and a node's own sockets use): when given,
 * it is the one address. Without it, the node's InternalIP and the first two addresses of its pod CIDR (flannel's
 * VTEP .0 and bridge .1), any of which it may be. An outside client through a NodePort or LoadBalancer with
 * externalTrafficPolicy Local is not masqueraded (Kubernetes docs "Source IP for Services with
 * Type=NodePort/LoadBalancer"): the pod sees `clientAddr`, the client's own source address toward the entry
 * (`ip route get` where the client runs), `node` undefined. Undefined when the client's own address is unknown,
 * for a pod source or a target outside the cluster, or when the node is unknown.
 */
export function policySources(plan: NorthSouthPlan, snap: ClusterSnapshot, prefsrc?: (node: string) => string | undefined, clientAddr?: string): { node?: string; ips: string[]; why: string } | undefined {
  const s = plan.service;
  const northSouth = plan.source.kind === 'outside' && (plan.via === 'node-port' || plan.via === 'lb') && s;
  if (northSouth && s.etpLocal) {
    return clientAddr ? { ips: [clientAddr], why: `with externalTrafficPolicy Local kube-proxy keeps the client's address, so the packets reach the pod from ${clientAddr} (the client's own address toward ${plan.dstIP})` } : undefined;
  }
  const node = plan.source.kind === 'node' ? plan.source.node : northSouth ? plan.entry?.node : undefined;
  const n = node ? snap.nodes.find((x) => x.metadata?.name === node) : undefined;
  if (!node || !n) return undefined;
  const internal = n.status?.addresses?.filter((a) => a.type === 'InternalIP').map((a) => a.address) ?? [];
  const cidrs = [...new Set([n.spec?.podCIDR, ...(n.spec?.podCIDRs ?? [])].filter((x): x is string => !!x && !x.includes(':')))];
  const inCidr = cidrs.flatMap((c) => [cidrHost(c, 0), cidrHost(c, 1)]).filter((x): x is string => !!x);
  const why =
    plan.source.kind === 'node'
      ? `traffic from ${node}'s own network leaves with one of ${node}'s addresses`
      : `kube-proxy masquerades NodePort traffic with externalTrafficPolicy Cluster, so the packets reach the pod from ${node}'s own address`;
  const seen = prefsrc?.(node);
  const ips = seen ? [seen] : [...new Set([...internal, ...inCidr])];
  return { node, ips, why: seen ? `${why}, ${seen} (${node}'s route to the pod sends from it)` : `${why} (one of ${ips.join(', ')})` };
}

/**
 * The ingress verdict for a north-south flow whose source the pod sees as one of `sources.ips`: denied when no
 * address of them is admitted to the destination pod on the port. Undefined when it is admitted from any of them,
 * when the source node is the pod's own (always admitted), or the plan has no destination pod.
 */
export function policyDenial(plan: NorthSouthPlan, snap: ClusterSnapshot, sources: { node?: string; ips: string[] }): PolicyEvaluation | undefined {
  // "When a pod is isolated for ingress, the only allowed connections into the pod are those from the pod's node
  // and those allowed by the ingress list" (Kubernetes docs, Network Policies): the pod's own node is always admitted.
  if (!plan.dst || !plan.dstPodPort || !sources.ips.length || sources.node === plan.dst.node) return undefined;
  const protocol = plan.service?.udp || plan.target.proto === 'udp' ? 'UDP' : 'TCP';
  let denied: PolicyEvaluation | undefined;
  for (const ip of sources.ips) {
    const ev = evaluate({ src: { ip }, dst: { pod: plan.dst.pod }, protocol, port: plan.dstPodPort }, snap.policies, snap.pods, snap.namespaces);
    if (ev.ingress.allowed) return undefined;
    denied ??= ev;
  }
  return denied;
}
