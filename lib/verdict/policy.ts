// NetworkPolicy: what the objects admit on the path, and whether the nodes enforce it at all.
import type { HopId } from '../model';
import { evaluate, guessCni, nsName, policySelectsPod } from '../kube';
import { observe, one, onNode, problem, warn, type Ctx } from './context';
import { endpointPort } from '../plan/ops';

// ------------------------------------------------------------------ policy ----

export function judgePolicy(c: Ctx) {
  const { plan } = c;
  if (!plan.dst || !plan.dstPort) return;
  const port = endpointPort(plan) ?? plan.dstPort;
  const ev = evaluate({ src: { pod: plan.src.pod }, dst: { pod: plan.dst.pod }, protocol: (plan.service?.port.protocol ?? 'TCP').toUpperCase(), port }, c.snap.policies, c.snap.pods, c.snap.namespaces);
  c.policy = ev;
  const hop: HopId = !ev.egress.allowed ? 'src-pod' : 'dst-pod';
  if (ev.allowed) {
    if (ev.egress.isolated || ev.ingress.isolated) observe(c, hop, ev.sentence);
    return;
  }
  // A pod dialling its own address: the traffic never leaves it (the kernel's local route, lo), so no policy engine
  // sees it, and a connect that opens says nothing about enforcement.
  if (plan.loopback) {
    observe(c, hop, `${ev.sentence.replace(/\.$/, '')} — but ${plan.src.namespace}/${plan.src.name} dials its own address: the traffic stays inside the pod (lo), where no NetworkPolicy engine sees it`);
    return;
  }
  // Through its own Service (hairpin) the packet does leave the pod and turns back into it on its bridge port, where an
  // iptables policy engine judges it (its own address, or the bridge's after kube-proxy's hairpin masquerade); the
  // pod's direct connect to itself (lo) proves nothing about that: the Service connect is the observation.
  const blocked = plan.hairpin ? c.connect : (c.directConnect.get(`${plan.dst.ip}:${port}`) ?? c.connect);
  const rules = c.depth === 'live' ? policyRulesOnNodes(c) : { found: undefined, read: [] };
  if (blocked !== undefined && blocked !== 'open' && rules.found === false) {
    // The nodes of the path carry no policy engine's rules: the policy drops nothing, so something else stopped it.
    observe(c, hop, `${ev.sentence.replace(/\.$/, '')} — but ${noPolicyRulesOn(rules.read)}, so it is not what stops the traffic`);
  } else if (c.depth === 'config' || blocked === undefined || blocked !== 'open') {
    if (plan.hairpin && hop === 'dst-pod') {
      const who = `${plan.src.namespace}/${plan.src.name}`;
      problem(c, hop, 'policy-denied', `${ev.sentence.replace(/\.$/, '')} — ${who} dials its own Service ${plan.service?.key ?? ''} and kube-proxy sends the connection back to it (hairpin): the packet turns around on its bridge port and the policy judges it there, with ${who}'s own address or its node's bridge address after kube-proxy's hairpin masquerade`, undefined,
        `Admit ${who}'s own traffic in a NetworkPolicy that selects it (a podSelector for its own labels, and an ipBlock for its node's bridge address where kube-proxy masquerades hairpin traffic), or let the app reach itself on localhost or its own pod IP instead of its Service; policy engines differ here (Cilium exempts this loopback, iptables engines judge it): \`kubectl describe networkpolicy -n ${plan.dst.namespace}\` lists what admits it today.`);
    } else problem(c, hop, 'policy-denied', ev.sentence);
  } else {
    warn(c, hop, 'policy-not-enforced', `${ev.sentence.replace(/\.$/, '')} — yet the connection to ${plan.dst.ip}:${port} succeeded${rules.found === false ? ` and ${noPolicyRulesOn(rules.read)}` : ''}: the CNI does not enforce NetworkPolicy`);
  }
}

/**
 * Known NetworkPolicy engines' rule markers in a node's rulesets. Engines that enforce outside iptables/nft (Cilium's
 * eBPF, Antrea's OVS) are recognised by the chains their agents still install (CILIUM_FORWARD …, ANTREA-…): their
 * policy cannot be read there, but its absence cannot be concluded either. Weave Net's is WEAVE-NPC.
 */
const POLICY_MARKERS = [/PACKETWALK-(ING|EGR|FORWARD)/, /\bcali-/, /KUBE-NWPLCY-/, /kube-network-policies/, /KUBE-POD-FW-/, /antrea/i, /\bCILIUM_/, /WEAVE-NPC/];
/** Whether a node's `iptables-save` or `nft list ruleset` output carries a known NetworkPolicy engine's rules. */
export const carriesPolicyRules = (ruleset: string): boolean => POLICY_MARKERS.some((m) => m.test(ruleset));
/** Whether the path's nodes (each once: the source's, the destination's, any other hop's) carry policy rules, and the nodes whose rulesets were read. */
export function policyRulesOnNodes(c: Ctx): { found: boolean | undefined; read: string[] } {
  const nodes = [...new Set([c.plan.src.node, c.plan.dst?.node, ...c.plan.hops.map((h) => h.node)].filter((n): n is string => !!n))];
  const read: string[] = [];
  for (const n of nodes) {
    for (const probe of ['iptables-save', 'nft-ruleset']) {
      const r = one(c.plan, c.runs, onNode(n, probe));
      if (!r || r.exitCode !== 0) continue;
      if (!read.includes(n)) read.push(n);
      if (carriesPolicyRules(r.stdout)) return { found: true, read };
    }
  }
  return { found: read.length ? false : undefined, read };
}

/** "worker-1's iptables/nft rules carry no …", "neither worker-1's nor worker-2's … carry any …", "none of the path's nodes' (a, b, c) … carry any …". */
export function noPolicyRulesOn(nodes: readonly string[]): string {
  if (nodes.length === 1) return `${nodes[0]}'s iptables/nft rules carry no NetworkPolicy rule`;
  if (nodes.length === 2) return `neither ${nodes[0]}'s nor ${nodes[1]}'s iptables/nft rules carry any NetworkPolicy rule`;
  return `none of the path's nodes' (${nodes.join(', ')}) iptables/nft rules carry any NetworkPolicy rule`;
}

/** Policies select the path's pods (the source for egress, the destination for ingress) but the nodes carry no policy rules at all (connections passing where they should be denied: judgePolicy). */
export function judgePolicyEnforcement(c: Ctx) {
  if (c.depth !== 'live' || c.warnings.some((w) => w.cause === 'policy-not-enforced')) return;
  // Only the policies that select this path's pods (egress from the source, ingress to the destination) speak about
  // this path; one that selects other pods of the namespace is another flow's business (a warning on it was noise).
  const { src, dst } = c.plan;
  const relevant = c.snap.policies.filter((p) => policySelectsPod(p, src.pod, 'egress') || (!!dst && policySelectsPod(p, dst.pod, 'ingress')));
  if (!relevant.length) return;
  // An eBPF policy engine (Cilium) leaves no iptables/nft trace: absence of rules only counts when the
  // CNI found in kube-system is not one that enforces (the connect-based check above is the firm one).
  const cni = guessCni(c.snap.pods);
  if (cni.enforcesNetworkPolicy === true) return;
  const rules = policyRulesOnNodes(c);
  if (rules.found === false) {
    warn(c, c.plan.dst ? 'dst-pod' : 'src-pod', 'policy-not-enforced', `NetworkPolicies ${relevant.map(nsName).join(', ')} select this path's pods, but ${noPolicyRulesOn(rules.read)}: the CNI does not enforce them (${cni.sentence})`);
  }
}
