// The fault catalogue (DESIGN §3): names and parameters are a contract shared with the engine, the
// contract checker and the docs. Parsing and checking a fault is pure; lab/dataplane/faults.ts applies them.
import { faultWhere } from './families';
import { didYouMean, nearNames } from '../lib/suggest';
import type { KubeObject, LabCluster, LabFault, LabNode, LabOutsideHost, LabPod } from './types';

export type FaultParam = 'node' | 'to' | 'peer' | 'service' | 'pod' | 'port';

export interface FaultDef {
  name: string;
  params: FaultParam[];
  summary: string;
}

export const FAULTS: readonly FaultDef[] = [
  { name: 'mtu-blackhole', params: ['node'], summary: 'tunnel MTU of the node below the pods\' MTU (1200 < 1500) and ICMP fragmentation-needed dropped: big packets vanish, small ones pass' },
  { name: 'overlay-blocked', params: ['node'], summary: 'tunnel traffic arriving at the node is dropped (UDP 4789: flannel.1, vxlan.calico; UDP 8472: cilium_vxlan)' },
  { name: 'node-route-missing', params: ['node', 'to'], summary: 'the node lacks its route to the pod CIDR of node `to` (overlay routed: the VPC router lacks it)' },
  { name: 'stale-neighbor', params: ['node', 'peer'], summary: 'the node holds a wrong MAC in the neighbor and FDB entries for peer\'s tunnel endpoint' },
  { name: 'stale-proxy-rules', params: ['service'], summary: 'kube-proxy keeps DNATing the Service (ns/name) to an endpoint IP that no longer exists' },
  { name: 'proxy-rules-missing', params: ['service'], summary: 'kube-proxy has no rules for the Service (ns/name) on any node' },
  { name: 'dns-down', params: [], summary: 'the cluster DNS server stops answering (queries to the kube-dns VIP time out)' },
  { name: 'dns-not-listening', params: ['pod'], summary: 'the DNS server of one CoreDNS replica (ns/name) stops while its pod keeps running: nothing listens on its port 53, queries kube-proxy sends there are refused (ICMP port unreachable)' },
  { name: 'hairpin-off', params: ['node'], summary: 'hairpin is off on the node\'s bridge ports: a pod cannot reach itself through its Service VIP' },
  { name: 'pod-default-route-missing', params: ['pod'], summary: 'the pod (ns/name) lacks its default route' },
  { name: 'veth-down', params: ['pod'], summary: 'the host side of the pod\'s (ns/name) veth is down' },
  { name: 'node-firewall-drop', params: ['node', 'port'], summary: 'the node drops forwarded TCP to that destination port' },
  { name: 'bridge-nf-off', params: ['node'], summary: 'net.bridge.bridge-nf-call-iptables=0 on the node: bridged pod traffic skips iptables, so a same-node pod → ClusterIP reply misses kube-proxy\'s reverse NAT' },
  { name: 'masquerade-missing', params: ['node'], summary: 'pod traffic leaves the node for the outside with the pod\'s own IP (no SNAT), so replies never return' },
  { name: 'upstream-dns-down', params: [], summary: 'the DNS server outside the cluster stops answering: names outside the cluster time out, cluster names still resolve' },
];

export const faultDef = (name: string) => FAULTS.find((f) => f.name === name);

/** The SPEC form of a fault, as `lab up --fault` and `lab fault add` take it: `node-route-missing:node=NODE,to=NODE`. */
const specForm = (f: (typeof FAULTS)[number]) => `${f.name}${f.params.length ? `:${f.params.map((p) => `${p}=${PARAM_VALUE[p] ?? p.toUpperCase()}`).join(',')}` : ''}`;
/** What each parameter's value is, in the SPEC form. */
const PARAM_VALUE: Record<string, string> = { node: 'NODE', to: 'NODE', peer: 'NODE', service: 'NS/NAME', pod: 'NS/NAME', port: 'PORT' };

/** One line per fault, for `packetwalk lab faults`: its SPEC form (what to type), what it breaks, where it applies. */
export function faultCatalogue(): string {
  const w = Math.max(...FAULTS.map((f) => specForm(f).length));
  return FAULTS.map((f) => `${specForm(f).padEnd(w + 2)}${f.summary} [applies: ${faultWhere(f.name)}]`).join('\n') + '\n';
}

/** Parses a SPEC `NAME[:k=v,…]`; throws with a sentence naming the problem. */
export function parseFaultSpec(spec: string): LabFault {
  const i = spec.indexOf(':');
  const name = (i < 0 ? spec : spec.slice(0, i)).trim();
  const params: Record<string, string> = {};
  if (i >= 0 && spec.slice(i + 1).trim()) {
    for (const kv of spec.slice(i + 1).split(',')) {
      const j = kv.indexOf('=');
      if (j <= 0) throw new Error(`fault "${spec}": "${kv}" is not key=value (write e.g. mtu-blackhole:node=worker-2)`);
      const k = kv.slice(0, j).trim();
      // one value per key: a second would silently win over the first (one fault is one place; add another fault for a second)
      if (Object.hasOwn(params, k)) throw new Error(`fault "${spec}": ${k} is given twice (${params[k]}, ${kv.slice(j + 1).trim()}); a fault takes one ${k} — add a second fault for the other`);
      params[k] = kv.slice(j + 1).trim();
    }
  }
  return checkFaultShape({ name, params });
}

/** Checks name and parameter names/presence against the catalogue (not the cluster). */
export function checkFaultShape(f: LabFault): LabFault {
  const def = faultDef(f.name);
  if (!def) throw new Error(`unknown fault "${f.name}"; known faults: ${FAULTS.map((d) => d.name).join(', ')}`);
  for (const k of Object.keys(f.params)) {
    if (!def.params.includes(k as FaultParam)) {
      throw new Error(`fault ${f.name} has no parameter "${k}"; ${def.params.length ? `its parameters: ${def.params.join(', ')}` : 'it takes none'}`);
    }
  }
  for (const p of def.params) {
    if (!f.params[p]) throw new Error(`fault ${f.name} needs ${p}=…; write ${f.name}:${def.params.map((q) => `${q}=…`).join(',')}`);
  }
  return f;
}

export interface FaultContext {
  nodes: string[];
  services: string[]; // ns/name
  pods: string[]; // ns/name of pods with their own netns
  /** ns/name of hostNetwork pods: they exist, but a pod fault has nothing of theirs to break */
  hostNetworkPods?: string[];
}

/** A fault this lab cannot show (an inapplicable target, shape or family): `lab fault add` exits 2 with the reason. */
export class FaultRefused extends Error {}

/** Checks the parameter values against the cluster; throws naming the parameter and the valid choices. */
export function checkFaultTargets(f: LabFault, ctx: FaultContext): void {
  const oneOf = (p: string, v: string, choices: string[], what: string) => {
    if (choices.includes(v)) return;
    // a bare name for an ns/name choice is the usual slip (`service=backend`): the choices with that name first
    const named = choices.filter((c) => c.includes('/') && c.slice(c.indexOf('/') + 1) === v);
    const near = named.length ? named : nearNames(v, choices);
    const hint = near.length < choices.length ? didYouMean(near.map((c) => `${p}=${c}`)) : ''; // (not when it would repeat the whole list)
    throw new FaultRefused(`fault ${f.name}: ${p}=${v} is not ${what} of this lab${hint}; choose one of: ${choices.join(', ') || '(none)'}`);
  };
  const pr = f.params;
  if (pr.node !== undefined) oneOf('node', pr.node, ctx.nodes, 'a node');
  for (const p of ['to', 'peer'] as const) {
    if (pr[p] === undefined) continue;
    oneOf(p, pr[p], ctx.nodes.filter((n) => n !== pr.node), `another node`);
  }
  if (pr.service !== undefined) oneOf('service', pr.service, ctx.services, 'a Service (ns/name)');
  if (pr.pod !== undefined && ctx.hostNetworkPods?.includes(pr.pod)) {
    throw new FaultRefused(`fault ${f.name}: pod ${pr.pod} runs with hostNetwork: true, in its node's own network namespace: it has no veth and no routes of its own to break; fix: pick a pod with its own network: ${ctx.pods.join(', ') || '(none)'}`);
  }
  if (pr.pod !== undefined) oneOf('pod', pr.pod, ctx.pods, 'a pod (ns/name)');
  if (pr.port !== undefined && !(/^\d+$/.test(pr.port) && +pr.port >= 1 && +pr.port <= 65535)) {
    throw new FaultRefused(`fault ${f.name}: port=${pr.port} is not a TCP port (1-65535)`);
  }
}

/** The lab as built, as the applicability checks read it: the layout of lab/objects.ts buildLab, or the running state. */
export interface FaultWorld {
  cluster: Pick<LabCluster, 'overlay' | 'cni'>;
  nodes: Pick<LabNode, 'name'>[];
  pods: Pick<LabPod, 'namespace' | 'name' | 'node' | 'ip' | 'hostNetwork'>[];
  objects: KubeObject[];
  outside?: { hosts: LabOutsideHost[] };
}

type Obj = Record<string, unknown>;
const arr = (x: unknown): Obj[] => (Array.isArray(x) ? (x.filter((y) => y && typeof y === 'object') as Obj[]) : []);

/** The ready endpoint addresses of a Service's EndpointSlices. */
function readyEndpoints(w: FaultWorld, ns: string, name: string): string[] {
  return w.objects
    .filter((o) => o.kind === 'EndpointSlice' && o.metadata.namespace === ns && o.metadata.labels?.['kubernetes.io/service-name'] === name)
    .flatMap((o) => arr(o.endpoints))
    .filter((e) => (e.conditions as Obj | undefined)?.ready !== false)
    .flatMap((e) => (Array.isArray(e.addresses) ? (e.addresses as unknown[]).filter((a): a is string => typeof a === 'string') : []));
}

/** Why a Service has no kube-proxy rules (ExternalName, headless, no ports), or null when kube-proxy programs it. */
function noProxyRules(svc: KubeObject): string | null {
  const spec = (svc.spec ?? {}) as Obj;
  const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
  if (spec.type === 'ExternalName') return `Service ${key} is an ExternalName (${String(spec.externalName ?? '?')}): a DNS CNAME with no cluster IP, and kube-proxy writes no rules for it`;
  if (spec.clusterIP === 'None') return `Service ${key} is headless (clusterIP: None): kube-proxy writes no rules for it (clients dial the pods' own IPs)`;
  if (!arr(spec.ports).length) return `Service ${key} has no ports: kube-proxy writes no rules for it`;
  return null;
}

/** The IPs of the pods that back a Service kube-proxy programs (the targets of its DNAT). */
function proxiedEndpointIPs(w: FaultWorld): Set<string> {
  const out = new Set<string>();
  for (const s of w.objects) {
    if (s.kind !== 'Service' || noProxyRules(s)) continue;
    for (const ip of readyEndpoints(w, s.metadata.namespace ?? 'default', s.metadata.name)) out.add(ip);
  }
  return out;
}

/** TCP ports something in the lab listens on: containerPorts of every pod and the outside hosts' ports. */
function tcpListenPorts(w: FaultWorld): Set<number> {
  const out = new Set<number>();
  for (const o of w.objects) {
    if (o.kind !== 'Pod') continue;
    for (const c of arr((o.spec as Obj | undefined)?.containers)) {
      for (const p of arr(c.ports)) if ((p.protocol ?? 'TCP') === 'TCP' && typeof p.containerPort === 'number') out.add(p.containerPort);
    }
  }
  for (const h of w.outside?.hosts ?? []) for (const p of h.ports) if (p.protocol === 'TCP') out.add(p.port);
  return out;
}

/**
 * Why a fault whose target exists would change nothing in this lab (a Service kube-proxy writes no rules for, a
 * node without the pods or traffic the fault breaks …), or null when it would show. Pure: reads the lab as built.
 * Each reason names what the fault needs, what the target has instead, and the fix. The family checks
 * (lab/families.ts faultInapplicable) and the target names (checkFaultTargets) come first.
 */
export function faultWouldDoNothing(f: LabFault, w: FaultWorld): string | null {
  const pr = f.params;
  const say = (why: string, fix: string) => `fault ${f.name}: ${why}; fix: ${fix}`;
  const ownPods = (node: string) => w.pods.filter((p) => p.node === node && !p.hostNetwork);
  const names = (keep: (node: string) => boolean) => w.nodes.map((n) => n.name).filter(keep).join(', ') || '(none)';
  const withPods = (but?: string) => names((n) => n !== but && ownPods(n).length > 0);
  const noPods = (node: string) => `node ${node} runs no pod with its own network (only hostNetwork pods, which use the node's InternalIP, not its pod CIDR)`;
  switch (f.name) {
    case 'dns-not-listening': {
      const dns = w.pods.filter((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-')).map((p) => `${p.namespace}/${p.name}`);
      return dns.includes(pr.pod) ? null : say(`pod ${pr.pod} is not a CoreDNS replica: it runs no DNS server of the lab`, `pod= a CoreDNS replica: ${dns.join(', ') || '(none)'}`);
    }
    case 'stale-proxy-rules':
    case 'proxy-rules-missing': {
      const [ns, name] = pr.service.split('/');
      const svc = w.objects.find((o) => o.kind === 'Service' && o.metadata.namespace === ns && o.metadata.name === name);
      if (!svc) return null; // checkFaultTargets names it
      const none = noProxyRules(svc);
      if (none) return say(none, 'pick a Service with a ClusterIP');
      if (f.name === 'stale-proxy-rules' && !readyEndpoints(w, ns, name).length) {
        return say(`Service ${pr.service} has no ready endpoints: kube-proxy already rejects it ("has no endpoints") and holds no endpoint whose DNAT could go stale`, 'pick a Service with ready endpoints, or use proxy-rules-missing');
      }
      return null;
    }
    case 'overlay-blocked':
      return w.nodes.length < 2 ? say(`this lab has one node (${pr.node}): no tunnel traffic crosses between nodes`, 'add a second node to cluster.nodes') : null;
    case 'node-route-missing':
      return ownPods(pr.to).length ? null : say(`${noPods(pr.to)}: nothing is routed to ${pr.to}'s pod CIDR`, `to= a node that runs pods: ${withPods(pr.node)}`);
    case 'stale-neighbor':
      // host-gw: the wrong entry is for the peer's InternalIP, which carries the nodes' own traffic too
      return w.cluster.overlay !== 'vxlan' || ownPods(pr.peer).length ? null : say(`${noPods(pr.peer)}: nothing crosses the tunnel to ${pr.peer}'s tunnel endpoint`, `peer= a node that runs pods: ${withPods(pr.node)}`);
    case 'hairpin-off':
    case 'bridge-nf-off': {
      const own = ownPods(pr.node);
      if (!own.length) return say(`${noPods(pr.node)}: its bridge has no pod ports`, `pick a node that runs pods: ${withPods()}`);
      const served = proxiedEndpointIPs(w);
      const serves = (n: string) => ownPods(n).some((p) => served.has(p.ip));
      const what = f.name === 'hairpin-off' ? 'hairpin matters only to a pod reaching itself through its Service' : "only a Service's pod answering a client on the same bridge needs kube-proxy's reverse NAT there";
      if (!serves(pr.node)) return say(`no pod on ${pr.node} (${own.map((p) => `${p.namespace}/${p.name}`).join(', ')}) is a ready endpoint of a Service with a ClusterIP: ${what}`, `pick a node that runs a Service's pod: ${names(serves)}`);
      if (f.name === 'bridge-nf-off' && own.length < 2) return say(`${own[0].namespace}/${own[0].name} is the only pod on ${pr.node}'s bridge: with no client beside it, no reply is bridged (a pod reaching itself through its Service is masqueraded and routed)`, `pick a node with a Service's pod and another pod: ${names((n) => serves(n) && ownPods(n).length > 1)}`);
      return null;
    }
    case 'masquerade-missing':
      return ownPods(pr.node).length ? null : say(`${noPods(pr.node)}: no pod traffic leaves ${pr.node} for the outside (node traffic leaves with the node's address anyway)`, `pick a node that runs pods: ${withPods()}`);
    case 'node-firewall-drop': {
      const ports = tcpListenPorts(w);
      return ports.has(+pr.port) ? null : say(`no pod and no outside host listens on TCP ${pr.port}: nothing forwarded through ${pr.node} goes to that port`, `pick a port a pod declares (containerPort) or an outside host serves: ${[...ports].sort((a, b) => a - b).join(', ') || '(none)'}`);
    }
    default:
      return null;
  }
}

export const faultToSpec = (f: LabFault) => f.name + (Object.keys(f.params).length ? ':' + Object.entries(f.params).map(([k, v]) => `${k}=${v}`).join(',') : '');
export const sameFault = (a: LabFault, b: LabFault) => faultToSpec(a) === faultToSpec(b);
