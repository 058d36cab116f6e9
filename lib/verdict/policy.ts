// NetworkPolicy: what the objects admit on the path, and whether the nodes enforce it at all.
import type { HopId } from '../model';
import { evaluate, guessCni, nsName } from '../kube';
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
  const blocked = c.directConnect.get(`${plan.dst.ip}:${port}`) ?? c.connect;
  if (c.depth === 'config' || blocked === undefined || blocked !== 'open') {
    problem(c, hop, 'policy-denied', ev.sentence);
  } else {
    const rules = policyRulesOnNodes(c);
    warn(c, hop, 'policy-not-enforced', `${ev.sentence.replace(/\.$/, '')} — yet the connection to ${plan.dst.ip}:${port} succeeded${rules === false ? ' and the nodes carry no NetworkPolicy rules' : ''}: the CNI does not enforce NetworkPolicy`);
  }
}

/** Known NetworkPolicy engines' rule markers in a node's rulesets; undefined when no ruleset was read. */
const POLICY_MARKERS = [/PACKETWALK-(ING|EGR|FORWARD)/, /\bcali-/, /KUBE-NWPLCY-/, /kube-network-policies/, /KUBE-POD-FW-/, /antrea/i];
function policyRulesOnNodes(c: Ctx): boolean | undefined {
  const nodes = [c.plan.src.node, c.plan.dst?.node].filter((n): n is string => !!n);
  let read = false;
  for (const n of nodes) {
    for (const probe of ['iptables-save', 'nft-ruleset']) {
      const r = one(c.plan, c.runs, onNode(n, probe));
      if (!r || r.exitCode !== 0) continue;
      read = true;
      if (POLICY_MARKERS.some((m) => m.test(r.stdout))) return true;
    }
  }
  return read ? false : undefined;
}

/** policies exist in a namespace of the path, and connections pass where they should be denied → see judgePolicy. Also: policies exist but the nodes have no policy rules at all. */
export function judgePolicyEnforcement(c: Ctx) {
  if (c.depth !== 'live' || c.warnings.some((w) => w.cause === 'policy-not-enforced')) return;
  const nss = new Set([c.plan.src.namespace, c.plan.dst?.namespace].filter(Boolean));
  const relevant = c.snap.policies.filter((p) => nss.has(p.metadata?.namespace ?? 'default'));
  if (!relevant.length) return;
  // An eBPF policy engine (Cilium) leaves no iptables/nft trace: absence of rules only counts when the
  // CNI found in kube-system is not one that enforces (the connect-based check above is the firm one).
  const cni = guessCni(c.snap.pods);
  if (cni.enforcesNetworkPolicy === true) return;
  if (policyRulesOnNodes(c) === false) {
    warn(c, c.plan.dst ? 'dst-pod' : 'src-pod', 'policy-not-enforced', `NetworkPolicies ${relevant.map(nsName).join(', ')} exist in the path's namespaces, but neither node's iptables/nft rules carry any NetworkPolicy rule: the CNI does not enforce them (${cni.sentence})`);
  }
}
