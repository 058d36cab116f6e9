// NetworkPolicy on a north-south path: the address a destination pod sees is not always the client's (lib/plan/
// northSouth podSeesFrom says which it is). A policy that admits "the outside" as `ipBlock 0.0.0.0/0 except <pod
// CIDR>` then drops a node's own traffic, or NodePort traffic kube-proxy masquerades to the entry node's address.
import { evaluate, type PolicyEvaluation } from '../kube';
import type { NorthSouthPlan } from '../plan/northSouth';
import type { ClusterSnapshot } from '../plan';

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
