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

/**
 * What an SRE does about a policy that drops a flow the destination pod sees from another address than the client's
 * (podSeesFrom's `sources`): one sentence naming that address, or undefined where the cause's own next step says it
 * (a node source, or a pod whose own address is judged under externalTrafficPolicy Local). With externalTrafficPolicy
 * Local (an outside client) a rule for the clients; for a pod dialling a NodePort or LoadBalancer address whose traffic
 * kube-proxy masquerades to a node's address: dial the ClusterIP (a pod's own address reaches the endpoints), admit
 * that address with an ipBlock, or externalTrafficPolicy Local (pod traffic is then not masqueraded); for a pod whose
 * own address the endpoint's node judges before the masquerade (the NodePort of the endpoint's own node): a rule for
 * the pod beside the nodes' addresses, or the ClusterIP. Pure.
 */
export function policyNextStep(plan: NorthSouthPlan, sources: { node?: string; ips: string[]; known: boolean; as: string; beforeMasquerade?: true }): string | undefined {
  const d = plan.dst;
  if (!d) return undefined;
  const describe = `\`kubectl describe networkpolicy -n ${d.namespace}\` lists what admits it today`;
  if (plan.source.kind === 'outside' && sources.beforeMasquerade && plan.entry) {
    return `On ${plan.entry.node}, which runs ${d.namespace}/${d.name}, the policy judges the client's own address ${sources.ips[0]} (before kube-proxy's masquerade), while through any other node ${d.namespace}/${d.name} sees that node's address: admit the clients' addresses (an ipBlock holding ${sources.ips[0]}, or your clients' range) in a NetworkPolicy that selects ${d.namespace}/${d.name}, beside any rule for the nodes' addresses; ${describe}.`;
  }
  if (plan.source.kind === 'outside' && sources.node === undefined) {
    return `Admit the clients' addresses in a NetworkPolicy that selects ${d.namespace}/${d.name} (an ipBlock holding ${sources.ips[0]}, or your clients' range): externalTrafficPolicy Local keeps the client's address, so a rule for the nodes' addresses does not admit it; ${describe}.`;
  }
  const p = plan.srcPod;
  const s = plan.service;
  if (plan.source.kind !== 'pod' || !p || !s) return undefined;
  const who = `${p.namespace}/${p.name}`;
  if (sources.node === undefined) {
    // its own address: with Local wherever it enters; with Cluster on the endpoint's own node, before the masquerade
    if (s.etpLocal || !plan.entry) return undefined;
    return `On ${plan.entry.node}, which runs ${d.namespace}/${d.name}, the policy judges ${who}'s own address ${p.ip} (before kube-proxy's masquerade), while through any other node ${d.namespace}/${d.name} sees that node's address: admit ${who} (a podSelector for its labels) in a NetworkPolicy that selects ${d.namespace}/${d.name} beside any rule for the nodes' addresses${s.vip ? `, or dial Service ${s.key}'s ClusterIP ${s.vip}:${s.port.port}, which keeps ${p.ip} from every node` : ''}; ${describe}.`;
  }
  const seen = sources.known ? `${sources.ips[0]} (${sources.as})` : `one of ${sources.ips.join(', ')} (${sources.as})`;
  const block = sources.known ? `${sources.ips[0]}/32` : sources.ips.map((ip) => `${ip}/32`).join(', ');
  const clusterIP = s.vip ? `dial Service ${s.key}'s ClusterIP ${s.vip}:${s.port.port} instead (kube-proxy does not masquerade a pod's traffic to a ClusterIP, so a rule for ${who} admits it), or ` : '';
  return `${d.namespace}/${d.name} sees ${who}'s connection from ${seen}, not from ${p.ip}, so a rule that admits ${who} does not match it: ${clusterIP}admit the nodes' addresses in a NetworkPolicy that selects ${d.namespace}/${d.name} (an ipBlock holding ${block} — on an overlay a node's tunnel address, inside the pod CIDR — or your node range), or set externalTrafficPolicy: Local on Service ${s.key} (kube-proxy then sends pod traffic on without masquerade, keeping ${p.ip}); ${describe}.`;
}
