// NetworkPolicy (networking.k8s.io/v1) compiled to iptables filter rules for one node, with the
// Kubernetes semantics: a pod is isolated for a direction iff a policy in its namespace selects it
// with that policyType; then a flow is allowed iff some rule of some selecting policy admits it.
// Egress is enforced on the source pod's node, ingress on the destination pod's node, both in FORWARD
// (br_netfilter makes same-node bridged traffic pass FORWARD too).
//
// Layout (all chains PACKETWALK-*; the restore text declares each one, so --noflush flushes it):
//   FORWARD            -I 1 → PACKETWALK-FORWARD                     (hook, once per netns)
//   PACKETWALK-FORWARD   ESTABLISHED,RELATED → RETURN (replies are never judged; nothing here ACCEPTs)
//                        -s <pod> → PACKETWALK-EGR-<hash>            (egress-isolated pods here)
//                        -d <pod> → PACKETWALK-ING-<hash>            (ingress-isolated pods here)
//   PACKETWALK-EGR/ING-*  allowed peer × port → RETURN (go on to the other direction), else DROP/REJECT
//
// What the caller must do: apply with `iptables-restore --noflush` in the node netns. On re-render
// pass `existingChains` (chain names from `iptables-save -t filter`): stale per-pod chains are then
// deleted (-X) and the FORWARD hook is not added twice. lab/rules/apply.ts does exactly this.
import { cidrContains, ipv4ToNumber, numberToIPv4, parseCidr } from '../../lib/ip';
import { hash32 } from './hash';
import { ruleComment } from './text';
import { isCIDRv4, isIPv4, parseProtocol, RulesInputError, type Protocol } from './objects';
import { matchesSelector, validateSelector, type LabelSelector } from './selectors';
import type { PolicyRulesInput } from './types';
import type { KubeObject } from '../types';

interface PodInfo {
  namespace: string;
  name: string;
  ip?: string;
  node?: string;
  labels: Record<string, string>;
  ports: { name: string; port: number; protocol: Protocol }[];
}

interface Policy {
  key: string; // ns/name
  namespace: string;
  podSelector: LabelSelector;
  types: Set<'Ingress' | 'Egress'>;
  ingress: Rule[];
  egress: Rule[];
}

interface Rule {
  peers: Peer[] | 'any';
  ports: PortSpec[] | 'any';
}

type Peer = { kind: 'pods'; pods: PodInfo[] } | { kind: 'cidr'; cidr: string; except: string[] };
interface PortSpec { protocol: Protocol; port?: number | string; endPort?: number }

export const POLICY_CHAIN = 'PACKETWALK-FORWARD';
export const ingressChainName = (ns: string, name: string) => `PACKETWALK-ING-${hash32(`${ns}/${name}`, 12)}`;
export const egressChainName = (ns: string, name: string) => `PACKETWALK-EGR-${hash32(`${ns}/${name}`, 12)}`;

/**
 * Additive: the chain names a dataplane family uses (DESIGN §3.1). Default: the PACKETWALK-* shape above.
 * Calico's Felix names the per-workload chains after the host-side interface: cali-tw-<if> (to the
 * workload, ingress) and cali-fw-<if> (from the workload, egress), dispatched from cali-FORWARD.
 */
export interface PolicyChainShape {
  forward: string;
  ingress: (ns: string, name: string) => string;
  egress: (ns: string, name: string) => string;
  /** per-pod chains of this shape (a re-render deletes the stale ones) */
  perPod: RegExp;
  /** comment on the FORWARD → forward-chain jump */
  hookComment: string;
  /** packets arriving on these interfaces were judged already (Cilium's cilium_net second pass): RETURN first */
  skipIn?: string[];
}

export const PACKETWALK_SHAPE: PolicyChainShape = { forward: POLICY_CHAIN, ingress: ingressChainName, egress: egressChainName, perPod: /^PACKETWALK-(ING|EGR)-/, hookComment: 'packetwalk network policy' };

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function podInfo(o: KubeObject): PodInfo {
  const spec = rec(o.spec);
  const status = rec(o.status);
  const ports: PodInfo['ports'] = [];
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)].map(rec)) {
    for (const p of arr(c.ports).map(rec)) {
      if (typeof p.containerPort === 'number') {
        ports.push({ name: typeof p.name === 'string' ? p.name : '', port: p.containerPort, protocol: parseProtocol(p.protocol, `Pod ${o.metadata.namespace}/${o.metadata.name}: containerPort ${p.containerPort}`) });
      }
    }
  }
  // finished pods hold no IP worth a rule; host-network pods share the node's address, which policies do not cover
  const finished = status.phase === 'Succeeded' || status.phase === 'Failed';
  const ip = typeof status.podIP === 'string' && isIPv4(status.podIP) && spec.hostNetwork !== true && !finished ? status.podIP : undefined;
  return { namespace: o.metadata.namespace ?? 'default', name: o.metadata.name, ip, node: typeof spec.nodeName === 'string' ? spec.nodeName : undefined, labels: o.metadata.labels ?? {}, ports };
}

/** The comment text iptables accepts: at most 256 chars, no double quotes. */
function comment(text: string): string {
  const t = ruleComment(text, 1000);
  return `-m comment --comment "${t.length > 250 ? `${t.slice(0, 240)} (and more)` : t}"`;
}

/** ipBlock cidr → first-last address range, for `-m iprange ! --dst-range` (except lists). */
function cidrRange(cidr: string): string {
  const c = parseCidr(cidr);
  if (!c || c.family !== 4) throw new Error(`ipBlock ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  const lo = ipv4ToNumber(c.network)!;
  return `${numberToIPv4(lo)}-${numberToIPv4(lo + 2 ** (32 - c.prefix) - 1)}`;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  return !!c && cidrContains(c, ip);
}

function parsePolicies(input: PolicyRulesInput, pods: PodInfo[], nsLabels: (ns: string) => Record<string, string>, allNs: string[]): Policy[] {
  return input.policies.filter((p) => p.kind === undefined || p.kind === 'NetworkPolicy').map((p) => {
    const namespace = p.metadata?.namespace ?? 'default';
    const key = `${namespace}/${p.metadata?.name}`;
    const where = `NetworkPolicy ${key}`;
    const spec = rec(p.spec);
    const rawTypes = arr(spec.policyTypes);
    for (const t of rawTypes) if (t !== 'Ingress' && t !== 'Egress') throw new RulesInputError(`${where}: spec.policyTypes has ${JSON.stringify(t)}; use Ingress and/or Egress`);
    const types = new Set<'Ingress' | 'Egress'>(
      rawTypes.length ? (rawTypes as ('Ingress' | 'Egress')[]) : ['Ingress', ...(arr(spec.egress).length ? (['Egress'] as const) : [])],
    );
    const rules = (dir: 'ingress' | 'egress'): Rule[] => arr(spec[dir]).map(rec).map((r, ri) => {
      const peerField = dir === 'ingress' ? 'from' : 'to';
      const rawPeers = arr(r[peerField]);
      const peers: Peer[] | 'any' = rawPeers.length === 0 ? 'any' : rawPeers.map(rec).map((peer, pi) => {
        const pw = `${where}: spec.${dir}[${ri}].${peerField}[${pi}]`;
        if (peer.ipBlock) {
          if (peer.podSelector || peer.namespaceSelector) throw new RulesInputError(`${pw}: ipBlock cannot be combined with podSelector/namespaceSelector; split it into two peers`);
          const b = rec(peer.ipBlock);
          // an IPv6 block is valid Kubernetes but matches nothing in this IPv4-only dataplane
          if (typeof b.cidr === 'string' && b.cidr.includes(':')) return { kind: 'pods', pods: [] };
          if (typeof b.cidr !== 'string' || !isCIDRv4(b.cidr)) throw new RulesInputError(`${pw}.ipBlock.cidr: ${JSON.stringify(b.cidr)} is not an IPv4 CIDR`);
          const except = arr(b.except).filter((e) => !(typeof e === 'string' && e.includes(':'))).map((e, ei) => {
            if (typeof e !== 'string' || !isCIDRv4(e)) throw new RulesInputError(`${pw}.ipBlock.except[${ei}]: ${JSON.stringify(e)} is not an IPv4 CIDR`);
            return e;
          });
          return { kind: 'cidr', cidr: b.cidr, except };
        }
        if (!peer.podSelector && !peer.namespaceSelector) throw new RulesInputError(`${pw}: a peer needs podSelector, namespaceSelector or ipBlock`);
        const nsSel = validateSelector(peer.namespaceSelector, `${pw}.namespaceSelector`);
        const nss = nsSel ? allNs.filter((ns) => matchesSelector(nsSel, nsLabels(ns), `${pw}.namespaceSelector`)) : [namespace];
        const sel = validateSelector(peer.podSelector, `${pw}.podSelector`);
        return { kind: 'pods', pods: pods.filter((q) => q.ip && nss.includes(q.namespace) && matchesSelector(sel, q.labels, `${pw}.podSelector`)) };
      });
      const rawPorts = arr(r.ports);
      const ports: PortSpec[] | 'any' = rawPorts.length === 0 ? 'any' : rawPorts.map(rec).map((pp, i) => {
        const pw = `${where}: spec.${dir}[${ri}].ports[${i}]`;
        const protocol = parseProtocol(pp.protocol, pw);
        const port = pp.port;
        if (port !== undefined && !(typeof port === 'string' && port) && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) {
          throw new RulesInputError(`${pw}.port: ${JSON.stringify(port)} is not a port number or name`);
        }
        const endPort = pp.endPort;
        if (endPort !== undefined && (typeof endPort !== 'number' || typeof port !== 'number' || endPort < port || endPort > 65535)) {
          throw new RulesInputError(`${pw}.endPort: ${JSON.stringify(endPort)} needs a numeric port and must be ≥ port and ≤ 65535`);
        }
        return { protocol, port: port as number | string | undefined, endPort: endPort as number | undefined };
      });
      return { peers, ports };
    });
    return { key, namespace, podSelector: validateSelector(spec.podSelector, `${where}: spec.podSelector`) ?? {}, types, ingress: rules('ingress'), egress: rules('egress') };
  });
}

/** Port matches for one port spec toward one destination pod (named ports resolve on that pod). */
function portMatch(spec: PortSpec, dst: PodInfo | undefined): string[] {
  const p = spec.protocol.toLowerCase();
  if (spec.port === undefined) return [`-p ${p}`];
  if (typeof spec.port === 'number') return [`-p ${p} -m ${p} --dport ${spec.port}${spec.endPort !== undefined ? `:${spec.endPort}` : ''}`];
  if (!dst) return [];
  return dst.ports.filter((c) => c.name === spec.port && c.protocol === spec.protocol).map((c) => `-p ${p} -m ${p} --dport ${c.port}`);
}

/** Address match for a peer on one side (-s for ingress sources, -d for egress destinations). */
function peerMatches(peer: Peer, side: 's' | 'd'): { match: string; pod?: PodInfo; cidr?: Peer }[] {
  if (peer.kind === 'pods') return peer.pods.map((q) => ({ match: `-${side} ${q.ip}/32`, pod: q }));
  const flag = side === 's' ? '--src-range' : '--dst-range';
  return [{ match: `-${side} ${peer.cidr}${peer.except.map((e) => ` -m iprange ! ${flag} ${cidrRange(e)}`).join('')}`, cidr: peer }];
}

export function renderPolicyRestore(input: PolicyRulesInput & { shape?: PolicyChainShape }): string {
  const shape = input.shape ?? PACKETWALK_SHAPE;
  const FWD = shape.forward;
  if (!input || !Array.isArray(input.policies) || !Array.isArray(input.pods) || !Array.isArray(input.namespaces)) {
    throw new RulesInputError('PolicyRulesInput: policies, pods and namespaces must be arrays of Kubernetes objects');
  }
  if (typeof input.nodeName !== 'string' || !input.nodeName) throw new RulesInputError('PolicyRulesInput.nodeName: missing; give the node whose pods to enforce for');
  const deny = input.denyAction ?? 'DROP';
  if (deny !== 'DROP' && deny !== 'REJECT') throw new RulesInputError(`PolicyRulesInput.denyAction: ${JSON.stringify(deny)}; use DROP or REJECT`);
  const pods = input.pods.filter((p) => p.kind === undefined || p.kind === 'Pod').map(podInfo);
  const nsObjects = new Map(input.namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  const allNs = [...new Set([...nsObjects.keys(), ...pods.map((p) => p.namespace)])].sort();
  // the API server labels every namespace with its name; the upstream e2e tests select on it
  const nsLabels = (ns: string) => ({ ...(nsObjects.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns });
  const policies = parsePolicies(input, pods, nsLabels, allNs);

  // Replies skip the policy checks. RETURN rather than ACCEPT: these chains only ever deny, so the rest
  // of FORWARD (kube-proxy's KUBE-FORWARD, a fault's rule) still sees every packet.
  const forward: string[] = [
    ...(shape.skipIn ?? []).map((i) => `-A ${FWD} -i ${i} ${comment(`judged on its first pass (arrives again through ${i})`)} -j RETURN`),
    `-A ${FWD} -m conntrack --ctstate RELATED,ESTABLISHED ${comment('replies of allowed connections')} -j RETURN`,
  ];
  const ingressJumps: string[] = [];
  const chains = new Map<string, string[]>();
  const local = pods.filter((p) => p.ip && p.node === input.nodeName).sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));

  for (const pod of local) {
    const id = `${pod.namespace}/${pod.name}`;
    for (const dir of ['Egress', 'Ingress'] as const) {
      const selecting = policies.filter((pol) => pol.namespace === pod.namespace && pol.types.has(dir) && matchesSelector(pol.podSelector, pod.labels, `NetworkPolicy ${pol.key}: spec.podSelector`));
      if (selecting.length === 0) continue;
      const chain = dir === 'Ingress' ? shape.ingress(pod.namespace, pod.name) : shape.egress(pod.namespace, pod.name);
      const names = selecting.map((p) => p.key).join(', ');
      const jump = `-A ${FWD} -${dir === 'Ingress' ? 'd' : 's'} ${pod.ip}/32 ${comment(`${id} ${dir.toLowerCase()} isolated by ${names}`)} -j ${chain}`;
      (dir === 'Ingress' ? ingressJumps : forward).push(jump);
      const rules: string[] = [];
      for (const pol of selecting) {
        for (const rule of dir === 'Ingress' ? pol.ingress : pol.egress) {
          const side = dir === 'Ingress' ? 's' : 'd';
          const addrs = rule.peers === 'any' ? [{ match: '' } as { match: string; pod?: PodInfo; cidr?: Peer }] : rule.peers.flatMap((pe) => peerMatches(pe, side));
          for (const a of addrs) {
            let portMatches: string[];
            if (rule.ports === 'any') portMatches = [''];
            else if (dir === 'Ingress') portMatches = rule.ports.flatMap((ps) => portMatch(ps, pod));
            else if (a.pod) portMatches = rule.ports.flatMap((ps) => portMatch(ps, a.pod));
            else {
              // egress named port toward "anything" or an ipBlock: resolve it on every pod in range
              const numeric = rule.ports.filter((ps) => typeof ps.port !== 'string').flatMap((ps) => portMatch(ps, undefined));
              rules.push(...numeric.map((pm) => `-A ${chain} ${comment(pol.key)} ${[a.match, pm].filter(Boolean).join(' ')} -j RETURN`));
              const named = rule.ports.filter((ps) => typeof ps.port === 'string');
              const cidr = a.cidr && a.cidr.kind === 'cidr' ? a.cidr : undefined;
              for (const q of pods) {
                if (!q.ip || (cidr && (!ipInCidr(q.ip, cidr.cidr) || cidr.except.some((e) => ipInCidr(q.ip as string, e))))) continue;
                for (const pm of named.flatMap((ps) => portMatch(ps, q))) rules.push(`-A ${chain} ${comment(pol.key)} -d ${q.ip}/32 ${pm} -j RETURN`);
              }
              continue;
            }
            for (const pm of portMatches) rules.push(`-A ${chain} ${comment(pol.key)} ${[a.match, pm].filter(Boolean).join(' ')} -j RETURN`);
          }
        }
      }
      rules.push(`-A ${chain} ${comment(`${dir.toLowerCase()} to ${id} not allowed by ${names}`.replace(/^egress to/, `egress from`))} -j ${deny}`);
      chains.set(chain, [...new Set(rules.map((r) => r.replace(/ {2,}/g, ' ')))]);
    }
  }
  forward.push(...ingressJumps);

  const stale = (input.existingChains ?? []).filter((c) => shape.perPod.test(c) && !chains.has(c)).sort();
  const hook = input.hooks ?? !(input.existingChains ?? []).includes(FWD);
  const names = [...chains.keys()].sort();
  return [
    '*filter',
    `:${FWD} - [0:0]`,
    ...[...names, ...stale].sort().map((c) => `:${c} - [0:0]`),
    ...forward,
    ...names.flatMap((c) => chains.get(c) ?? []),
    ...stale.map((c) => `-X ${c}`),
    ...(hook ? [`-I FORWARD 1 ${comment(shape.hookComment)} -j ${FWD}`] : []),
    'COMMIT',
    '',
  ].join('\n');
}
