// The fault catalogue (DESIGN §3): names and parameters are a contract shared with the engine, the
// contract checker and the docs. Parsing and checking a fault is pure; lab/dataplane/faults.ts applies them.
import { faultWhere } from './families';
import type { LabFault } from './types';

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
      params[kv.slice(0, j).trim()] = kv.slice(j + 1).trim();
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
}

/** Checks the parameter values against the cluster; throws naming the parameter and the valid choices. */
export function checkFaultTargets(f: LabFault, ctx: FaultContext): void {
  const oneOf = (p: string, v: string, choices: string[], what: string) => {
    if (!choices.includes(v)) throw new Error(`fault ${f.name}: ${p}=${v} is not ${what} of this lab; choose one of: ${choices.join(', ') || '(none)'}`);
  };
  const pr = f.params;
  if (pr.node !== undefined) oneOf('node', pr.node, ctx.nodes, 'a node');
  for (const p of ['to', 'peer'] as const) {
    if (pr[p] === undefined) continue;
    oneOf(p, pr[p], ctx.nodes.filter((n) => n !== pr.node), `another node`);
  }
  if (pr.service !== undefined) oneOf('service', pr.service, ctx.services, 'a Service (ns/name)');
  if (pr.pod !== undefined) oneOf('pod', pr.pod, ctx.pods, 'a pod (ns/name)');
  if (pr.port !== undefined && !(/^\d+$/.test(pr.port) && +pr.port >= 1 && +pr.port <= 65535)) {
    throw new Error(`fault ${f.name}: port=${pr.port} is not a TCP port (1-65535)`);
  }
}

export const faultToSpec = (f: LabFault) => f.name + (Object.keys(f.params).length ? ':' + Object.entries(f.params).map(([k, v]) => `${k}=${v}`).join(',') : '');
export const sameFault = (a: LabFault, b: LabFault) => faultToSpec(a) === faultToSpec(b);
