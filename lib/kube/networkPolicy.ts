// NetworkPolicy evaluation as Kubernetes defines it (networking.k8s.io/v1 API docs, the e2e netpol suite):
// a pod is isolated for a direction when some policy in its namespace selects it with that policyType;
// an isolated pod admits a flow when at least one rule of at least one selecting policy admits it
// (rules are a union, never an intersection); a flow needs egress at the source AND ingress at the
// destination. The answer names the policies and the rule, and explains a denial in one sentence.
import type {
  IPBlock, Labels, LabelSelector, Namespace, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod,
} from './types';
import { labelsOf, nsName, protocolOf } from './types';
import { describeLabels, describeSelector, isEmptySelector, selectorMatches } from './selectors';
import { cidrContains, parseCidr } from './cidr';
import { podIP } from './ports';

/** One end of a flow: a pod, or a bare IP (outside the cluster, or a pod we could not name). */
export type FlowEnd = { pod: Pod } | { ip: string };

export interface Flow {
  src: FlowEnd;
  dst: FlowEnd;
  protocol: string; // TCP | UDP | SCTP
  port: number;
}

export type Direction = 'ingress' | 'egress';

export interface RuleRef {
  policy: string; // ns/name
  direction: Direction;
  /** Index into spec.ingress / spec.egress. */
  rule: number;
}

export interface DirectionVerdict {
  direction: Direction;
  /** The pod this direction is judged at (egress: the source, ingress: the destination); absent for an IP end. */
  pod?: string;
  /** Some policy selects the pod for this direction; otherwise everything is allowed. */
  isolated: boolean;
  /** Names (ns/name) of the policies that select the pod for this direction. */
  selectedBy: string[];
  allowed: boolean;
  /** The first rule that admitted the flow (when isolated and allowed). */
  admittedBy?: RuleRef;
  /** Why it was denied, one sentence. */
  reason?: string;
}

export interface PolicyEvaluation {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  /** One sentence: the denial (egress first: it is met first on the path) or what admitted it. */
  sentence: string;
}

/** The policyTypes a policy applies to, with the API default: Ingress always, Egress when it has egress rules. */
export function policyTypesOf(p: NetworkPolicy): Direction[] {
  const t = p.spec?.policyTypes;
  if (t && t.length > 0) return t.map((x) => x.toLowerCase()).filter((x): x is Direction => x === 'ingress' || x === 'egress');
  return (p.spec?.egress?.length ?? 0) > 0 ? ['ingress', 'egress'] : ['ingress'];
}

/** Does policy p select the pod for the direction? Only policies in the pod's namespace can. */
export function policySelectsPod(p: NetworkPolicy, pod: Pod, direction: Direction): boolean {
  if ((p.metadata?.namespace ?? 'default') !== (pod.metadata?.namespace ?? 'default')) return false;
  if (!policyTypesOf(p).includes(direction)) return false;
  // spec.podSelector is required; an empty one selects every pod of the namespace
  return selectorMatches(p.spec?.podSelector ?? {}, labelsOf(pod));
}

interface Ctx {
  pods: readonly Pod[];
  nsLabels: (ns: string) => Labels;
}

function namespaceLabels(namespaces: readonly Namespace[]): (ns: string) => Labels {
  const m = new Map<string, Labels>();
  for (const n of namespaces) if (n.metadata?.name) m.set(n.metadata.name, n.metadata.labels ?? {});
  // the API server sets kubernetes.io/metadata.name on every namespace; assume it where an object is missing
  return (ns) => ({ 'kubernetes.io/metadata.name': ns, ...(m.get(ns) ?? {}) });
}

function ipOf(end: FlowEnd): string | undefined {
  return 'pod' in end ? podIP(end.pod) : end.ip;
}

function ipBlockMatches(b: IPBlock, ip: string | undefined): boolean {
  if (!ip) return false;
  const c = parseCidr(b.cidr);
  if (!c || !cidrContains(c, ip)) return false;
  return !(b.except ?? []).some((e) => {
    const x = parseCidr(e);
    return x !== null && cidrContains(x, ip);
  });
}

/** A peer (from/to entry) against the other end of the flow, seen from a policy in namespace policyNs. */
function peerMatches(peer: NetworkPolicyPeer, other: FlowEnd, policyNs: string, ctx: Ctx): boolean {
  if (peer.ipBlock) return ipBlockMatches(peer.ipBlock, ipOf(other));
  if (!peer.podSelector && !peer.namespaceSelector) return false; // an empty peer is invalid; match nothing
  if (!('pod' in other)) return false; // pod/namespace selectors only ever select pods
  const pod = other.pod;
  const podNs = pod.metadata?.namespace ?? 'default';
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, ctx.nsLabels(podNs))) return false;
  } else if (podNs !== policyNs) {
    return false; // podSelector alone: the policy's own namespace
  }
  return peer.podSelector ? selectorMatches(peer.podSelector, labelsOf(pod)) : true;
}

/** A policy port against the flow; a named port is looked up on the destination pod. */
function portMatches(pp: NetworkPolicyPort, flow: Flow): boolean {
  if (protocolOf(pp.protocol) !== protocolOf(flow.protocol)) return false;
  if (pp.port === undefined || pp.port === null) return true; // every port of that protocol
  if (typeof pp.port === 'number' || /^\d+$/.test(pp.port)) {
    const lo = Number(pp.port);
    const hi = pp.endPort ?? lo;
    return flow.port >= lo && flow.port <= hi;
  }
  if (!('pod' in flow.dst)) return false;
  const name = pp.port;
  return (flow.dst.pod.spec?.containers ?? []).some((c) =>
    (c.ports ?? []).some((cp) => cp.name === name && cp.containerPort === flow.port && protocolOf(cp.protocol) === protocolOf(flow.protocol)));
}

function judge(direction: Direction, at: Pod, other: FlowEnd, flow: Flow, policies: readonly NetworkPolicy[], ctx: Ctx): DirectionVerdict {
  const selecting = policies.filter((p) => policySelectsPod(p, at, direction));
  const pod = nsName(at);
  if (selecting.length === 0) return { direction, pod, isolated: false, selectedBy: [], allowed: true };
  for (const p of selecting) {
    const rules = (direction === 'ingress' ? p.spec?.ingress : p.spec?.egress) ?? [];
    const policyNs = p.metadata?.namespace ?? 'default';
    for (const [i, r] of rules.entries()) {
      const peers = direction === 'ingress' ? (r as { from?: NetworkPolicyPeer[] | null }).from : (r as { to?: NetworkPolicyPeer[] | null }).to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other, policyNs, ctx));
      const portOk = !r.ports || r.ports.length === 0 || r.ports.some((pp) => portMatches(pp, flow));
      if (peerOk && portOk) {
        return { direction, pod, isolated: true, selectedBy: selecting.map((x) => nsName(x)), allowed: true, admittedBy: { policy: nsName(p), direction, rule: i } };
      }
    }
  }
  return { direction, pod, isolated: true, selectedBy: selecting.map((x) => nsName(x)), allowed: false, reason: denialSentence(direction, at, other, flow, selecting, ctx) };
}

/**
 * Evaluates one flow against every policy. Ends given as IPs are mapped to a pod when a pod has that IP.
 * An end that is not a pod (an outside IP) is never isolated: policies only select pods.
 */
export function evaluate(flow: Flow, policies: readonly NetworkPolicy[], pods: readonly Pod[], namespaces: readonly Namespace[]): PolicyEvaluation {
  const ctx: Ctx = { pods, nsLabels: namespaceLabels(namespaces) };
  const f: Flow = { ...flow, src: toPodIfKnown(flow.src, pods), dst: toPodIfKnown(flow.dst, pods) };
  const open = (direction: Direction, end: FlowEnd): DirectionVerdict => ({ direction, isolated: false, selectedBy: [], allowed: true, ...('pod' in end ? { pod: nsName(end.pod) } : {}) });
  const egress = 'pod' in f.src ? judge('egress', f.src.pod, f.dst, f, policies, ctx) : open('egress', f.src);
  const ingress = 'pod' in f.dst ? judge('ingress', f.dst.pod, f.src, f, policies, ctx) : open('ingress', f.dst);
  const allowed = egress.allowed && ingress.allowed;
  let sentence: string;
  if (!egress.allowed) sentence = egress.reason ?? 'egress denied';
  else if (!ingress.allowed) sentence = ingress.reason ?? 'ingress denied';
  else {
    const parts: string[] = [];
    for (const v of [egress, ingress]) {
      if (v.admittedBy) parts.push(`${v.direction} of ${v.pod} admitted by ${v.admittedBy.policy} (${v.direction}[${v.admittedBy.rule}])`);
    }
    sentence = parts.length ? `Allowed: ${parts.join('; ')}.` : 'Allowed: no NetworkPolicy selects either pod.';
  }
  return { allowed, egress, ingress, sentence };
}

function toPodIfKnown(end: FlowEnd, pods: readonly Pod[]): FlowEnd {
  if ('pod' in end) return end;
  const pod = pods.find((p) => !p.spec?.hostNetwork && (p.status?.podIP === end.ip || (p.status?.podIPs ?? []).some((x) => x.ip === end.ip)));
  return pod ? { pod } : end;
}

// ---- sentences ----

function describePeer(peer: NetworkPolicyPeer, policyNs: string): string {
  if (peer.ipBlock) {
    const ex = peer.ipBlock.except ?? [];
    return `${peer.ipBlock.cidr}${ex.length ? ` except ${ex.join(', ')}` : ''}`;
  }
  const ps = peer.podSelector;
  const pods = !ps || isEmptySelector(ps) ? 'all pods' : `pods ${describeSelector(ps)}`;
  if (!peer.namespaceSelector) return `${pods} in namespace ${policyNs}`;
  const ns = peer.namespaceSelector;
  return isEmptySelector(ns) ? `${pods} in all namespaces` : `${pods} in namespaces ${describeSelector(ns as LabelSelector)}`;
}

function describePorts(ports: NetworkPolicyPort[] | null | undefined): string {
  if (!ports || ports.length === 0) return 'on any port';
  const each = ports.map((pp) => {
    const proto = protocolOf(pp.protocol);
    if (pp.port === undefined || pp.port === null) return `all ${proto} ports`;
    if (typeof pp.port === 'string' && !/^\d+$/.test(pp.port)) return `${proto} port "${pp.port}"`;
    return pp.endPort ? `${proto} ${pp.port}-${pp.endPort}` : `${proto} ${pp.port}`;
  });
  return `on ${each.join(' or ')}`;
}

function rulesOf(p: NetworkPolicy, direction: Direction): { peers: NetworkPolicyPeer[] | null | undefined; ports: NetworkPolicyPort[] | null | undefined }[] {
  const rules = (direction === 'ingress' ? p.spec?.ingress : p.spec?.egress) ?? [];
  return rules.map((r) => ({ peers: direction === 'ingress' ? (r as { from?: NetworkPolicyPeer[] | null }).from : (r as { to?: NetworkPolicyPeer[] | null }).to, ports: r.ports }));
}

/** "it admits pods app=backend in namespace db on TCP 5432" / "allow-web allows traffic to …" / "… admits nothing". */
function describePolicy(p: NetworkPolicy, direction: Direction, subject: string): string {
  const ns = p.metadata?.namespace ?? 'default';
  const rules = rulesOf(p, direction);
  if (rules.length === 0) return direction === 'ingress' ? `${subject} admits nothing` : `${subject} allows no egress`;
  const rs = rules.map((r) => {
    const who = !r.peers || r.peers.length === 0 ? (direction === 'ingress' ? 'every source' : 'every destination') : r.peers.map((x) => describePeer(x, ns)).join(' or ');
    return `${who} ${describePorts(r.ports)}`;
  });
  return `${subject} ${direction === 'ingress' ? 'admits' : 'allows traffic to'} ${rs.join('; or ')}`;
}

function describeEnd(end: FlowEnd, ctx: Ctx): string {
  if (!('pod' in end)) return end.ip;
  const labels = describeLabels(labelsOf(end.pod));
  const ns = end.pod.metadata?.namespace ?? 'default';
  const nsl = describeLabels(Object.fromEntries(Object.entries(ctx.nsLabels(ns)).filter(([k]) => k !== 'kubernetes.io/metadata.name')));
  return `${nsName(end.pod)}${labels ? ` (${labels}${nsl ? `; namespace ${nsl}` : ''})` : nsl ? ` (namespace ${nsl})` : ''}`;
}

function denialSentence(direction: Direction, at: Pod, other: FlowEnd, flow: Flow, selecting: NetworkPolicy[], ctx: Ctx): string {
  const names = selecting.map((p) => p.metadata?.name ?? '?');
  // the first mention names each policy as kubectl finds it (NS/NAME); the rest of the sentence by name
  const full = selecting.map((p) => nsName(p));
  const list = `${full.length === 1 ? 'NetworkPolicy' : 'NetworkPolicies'} ${full.length === 1 ? full[0] : `${full.slice(0, -1).join(', ')} and ${full[full.length - 1]}`}`;
  const head = `${nsName(at)} is selected by ${list}${direction === 'egress' ? ' for egress' : ''}`;
  const port = `${protocolOf(flow.protocol)} ${flow.port}`;
  const peer = describeEnd(other, ctx);
  if (names.length === 1) {
    // name the port only when it is part of the problem (no rule admits that port from anyone)
    const portAdmitted = rulesOf(selecting[0], direction).some((r) => !r.ports || r.ports.length === 0 || r.ports.some((pp) => portMatches(pp, flow)));
    return `${head}; ${describePolicy(selecting[0], direction, 'it')}, not ${peer}${portAdmitted ? '' : ` on ${port}`}.`;
  }
  const each = selecting.map((p) => describePolicy(p, direction, p.metadata?.name ?? '?'));
  return `${head}; ${each.join('; ')}; ${names.length === 2 ? 'neither' : 'none'} admits ${peer} on ${port}.`;
}
