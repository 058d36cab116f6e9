// Service port → targetPort, resolved per backend pod the way the EndpointSlice controller does
// (a named targetPort is looked up in each pod's containers; pods may differ), and the object-level
// findings a Service can carry: its selector matches nothing, no backend is Ready, or the targetPort
// is no port any backend declares.
import type { Pod, Service, ServicePort } from './types';
import { labelsOf, nsName, protocolOf } from './types';
import { describeSelector, serviceSelectorMatches } from './selectors';

export function podIsReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** The pod whose own network namespace has `ip` (hostNetwork pods share their node's address and are skipped). */
export function podWithIP<P extends Pod>(pods: readonly P[], ip: string): P | undefined {
  return pods.find((p) => !p.spec?.hostNetwork && podIP(p) === ip);
}

/**
 * The Service port a user means: by number, by name, or the only port number when none is given. `protocol`
 * (TCP | UDP, from a target's /udp or /tcp suffix) picks among the ports served on both (DNS 53); without it such
 * a port is the TCP one (docs/contracts.md: the target is TCP unless the Service port is UDP). Every planner
 * (pod → Service, node → Service, outside → NodePort/LoadBalancer) chooses the port here.
 */
export function findServicePort(service: Service, port?: number | string, protocol?: string): ServicePort | undefined {
  const ports = (service.spec?.ports ?? []).filter((p) => !protocol || protocolOf(p.protocol) === protocolOf(protocol));
  if (port === undefined) return new Set(ports.map((p) => p.port)).size === 1 ? tcpFirst(ports) : undefined;
  return tcpFirst(ports.filter((p) => (typeof port === 'number' ? p.port === port : p.name === port)));
}

/** The Service port behind a node port (`node/NAME:30053`), chosen like findServicePort: one nodePort may be TCP and UDP. */
export function findNodePort(service: Service, nodePort: number, protocol?: string): ServicePort | undefined {
  return tcpFirst((service.spec?.ports ?? []).filter((p) => p.nodePort === nodePort && (!protocol || protocolOf(p.protocol) === protocolOf(protocol))));
}

/** Of the ports that match, the TCP one when there is one (no suffix means TCP), else the first. */
function tcpFirst(ports: readonly ServicePort[]): ServicePort | undefined {
  return ports.find((p) => protocolOf(p.protocol) === 'TCP') ?? ports[0];
}

/**
 * The transport a pod's port is dialled with when the target has no /udp or /tcp suffix: UDP only when the pod
 * declares that port over UDP and not over TCP (a port on both, like DNS 53, is TCP; an undeclared one is TCP).
 */
export function podPortProtocol(pod: Pod, port: number): 'TCP' | 'UDP' {
  return podDeclaresPort(pod, port, 'UDP') && !podDeclaresPort(pod, port, 'TCP') ? 'UDP' : 'TCP';
}

/** The Service's ports as a user reads them: "53/UDP, 53/TCP, 9153/TCP" (with their nodePorts for a NodePort target). */
export function servicePortsText(service: Service, nodePorts = false): string {
  return (service.spec?.ports ?? []).map((p) => `${p.port}/${protocolOf(p.protocol)}${nodePorts && p.nodePort ? ` (nodePort ${p.nodePort})` : ''}`).join(', ') || 'none';
}

/**
 * Why findServicePort (or findNodePort, `nodePort`) found no port for `port` and `protocol` (the target's suffix),
 * as a sentence with the fix: the number is served over the other protocol only, there is no such port, or a
 * port-less target names a Service with several. `retarget(port, proto)` writes the --to that would work.
 */
export function servicePortMiss(service: Service, port: number | undefined, protocol: string | undefined, retarget: (port: number, proto?: 'tcp' | 'udp') => string, nodePort = false): string {
  const svc = nsName(service);
  const ports = service.spec?.ports ?? [];
  const list = servicePortsText(service, nodePort);
  const suffix = (p: ServicePort) => (protocolOf(p.protocol) === 'UDP' ? 'udp' : undefined);
  // the example: the first port number, over what no suffix would pick (kube-dns: 53, TCP)
  const example = ports[0] ? findServicePort(service, ports[0].port) : undefined;
  if (port === undefined && !ports.length) return `Service ${svc} declares no port (spec.ports is empty, as a headless Service for pod DNS records may); add the port the application dials, e.g. --to ${retarget(80)}`;
  if (port === undefined) return `Service ${svc} has ports ${list}; add the one to use, e.g. --to ${retarget(example?.port ?? 80, example ? suffix(example) : undefined)}`;
  const what = nodePort ? `nodePort ${port}` : `port ${port}`;
  const other = ports.filter((p) => (nodePort ? p.nodePort : p.port) === port);
  const served = [...new Set(other.map((p) => protocolOf(p.protocol)))];
  if (other.length && protocol) {
    const proto = served[0].toLowerCase();
    const fix = proto === 'tcp' || proto === 'udp' ? `fix: use --to ${retarget(port, proto)}` : `fix: packetwalk probes only TCP and UDP; pick another port`;
    return `Service ${svc} serves ${what} over ${served.join(' and ')} only; ${fix} (its ports: ${list})`;
  }
  const first = ports[0];
  return `Service ${svc} has no ${what}; its ports: ${list}${first ? `; fix: use one of them, e.g. --to ${retarget(nodePort && first.nodePort ? first.nodePort : first.port, suffix(first))}` : ''}`;
}

/** The targetPort as written, with the API default (= port). */
export function targetPortOf(sp: ServicePort): number | string {
  const t = sp.targetPort;
  if (t === undefined || t === null || t === 0 || t === '') return sp.port;
  // IntOrString arrives as a string of digits from some clients
  if (typeof t === 'string' && /^\d+$/.test(t)) return Number(t);
  return t;
}

/** The container port number on this pod, or null when a named targetPort is not declared by this pod. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | null {
  const t = targetPortOf(sp);
  if (typeof t === 'number') return t;
  const proto = protocolOf(sp.protocol);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === t && protocolOf(p.protocol) === proto) return p.containerPort;
    }
  }
  return null;
}

/** Does the pod declare this container port number (with the protocol) in any container? */
export function podDeclaresPort(pod: Pod, port: number, protocol: string): boolean {
  const proto = protocolOf(protocol);
  return (pod.spec?.containers ?? []).some((c) => (c.ports ?? []).some((p) => p.containerPort === port && protocolOf(p.protocol) === proto));
}

function declaresAnyPort(pod: Pod): boolean {
  return (pod.spec?.containers ?? []).some((c) => (c.ports ?? []).length > 0);
}

export interface BackendPort {
  pod: string; // ns/name
  ip?: string;
  ready: boolean;
  /** The port traffic goes to on this pod; null when a named targetPort is not declared here. */
  targetPort: number | null;
  /** Whether the pod declares that port (a numeric targetPort on a pod declaring no ports counts as unknown → true). */
  declared: boolean;
}

export type ServiceProblem =
  | { cause: 'no-endpoints'; kind: 'no-selector' | 'no-pods-selected' | 'none-ready'; sentence: string }
  | { cause: 'port-mismatch'; kind: 'named-port-unknown' | 'port-not-declared'; sentence: string };

export interface ServicePortCheck {
  service: string;
  port: number;
  protocol: string;
  targetPort: number | string;
  selector: string; // as kubectl prints it
  backends: BackendPort[];
  problem: ServiceProblem | null;
}

/** The pods a Service selects: same namespace, selector labels all present. */
export function selectBackends(service: Service, pods: readonly Pod[]): Pod[] {
  const ns = service.metadata?.namespace ?? 'default';
  return pods.filter((p) => (p.metadata?.namespace ?? 'default') === ns && serviceSelectorMatches(service.spec?.selector, labelsOf(p)));
}

/**
 * Judges one Service port against the pods: which backends, which target port each, and what is wrong.
 * A backend's readiness is what kube-proxy reads: the EndpointSlice conditions (`eps`, from
 * endpointsForServicePort) when the Service's slices list any endpoint — an endpoint that is ready, or
 * terminating but still serving, carries traffic (publishNotReadyAddresses lists a NotReady pod as ready);
 * only without slices does the pod's Ready condition stand in.
 */
export function checkServicePort(service: Service, sp: ServicePort, pods: readonly Pod[], eps?: { endpoints: readonly { ip: string; ready: boolean; serving: boolean; terminating: boolean }[] }): ServicePortCheck {
  const svc = nsName(service);
  const protocol = protocolOf(sp.protocol);
  const target = targetPortOf(sp);
  const selector = describeSelector(service.spec?.selector ?? null);
  const selected = selectBackends(service, pods);
  const backends: BackendPort[] = selected.map((p) => {
    const tp = resolveTargetPort(sp, p);
    const ip = podIP(p);
    return {
      pod: nsName(p),
      ...(ip ? { ip } : {}),
      ready: eps?.endpoints.length ? eps.endpoints.some((e) => e.ip === ip && (e.ready || (e.serving && e.terminating))) : podIsReady(p),
      targetPort: tp,
      declared: tp !== null && (!declaresAnyPort(p) || podDeclaresPort(p, tp, protocol)),
    };
  });
  const base = { service: svc, port: sp.port, protocol, targetPort: target, selector, backends };
  const ns = service.metadata?.namespace ?? 'default';
  const portText = `${protocol} ${sp.port}${sp.name ? ` (${sp.name})` : ''}`;

  if (!selector) {
    // endpoints managed by hand (the `kubernetes` Service, an external database): what the slices list is the truth
    if (eps?.endpoints.some((e) => e.ready || (e.serving && e.terminating))) return { ...base, problem: null };
    return { ...base, problem: { cause: 'no-endpoints', kind: 'no-selector', sentence: `Service ${svc} has no selector, so its endpoints are managed by hand, and its EndpointSlices list no ready endpoint; check them (kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${service.metadata?.name ?? ''}).` } };
  }
  if (selected.length === 0) {
    return { ...base, problem: { cause: 'no-endpoints', kind: 'no-pods-selected', sentence: `Service ${svc} selects ${selector}, which matches no pod in namespace ${ns}.` } };
  }
  if (backends.every((b) => !b.declared)) {
    const names = selected.map(nsName).join(', ');
    const problem: ServiceProblem = typeof target === 'string'
      ? { cause: 'port-mismatch', kind: 'named-port-unknown', sentence: `Service ${svc} port ${portText} targets the port named "${target}", which none of its backends (${names}) declares for ${protocol}.` }
      : { cause: 'port-mismatch', kind: 'port-not-declared', sentence: `Service ${svc} port ${portText} targets ${protocol} ${target}, which none of its backends (${names}) declares${declaredList(selected)}.` };
    return { ...base, problem };
  }
  if (backends.every((b) => !b.ready)) {
    const n = backends.length;
    return { ...base, problem: { cause: 'no-endpoints', kind: 'none-ready', sentence: `Service ${svc} selects ${n} pod${n === 1 ? '' : 's'} (${backends.map((b) => b.pod).join(', ')}) but none is Ready${eps?.endpoints.length ? ' in its EndpointSlices' : ''}.` } };
  }
  return { ...base, problem: null };
}

function declaredList(pods: readonly Pod[]): string {
  const ports = new Set<string>();
  for (const p of pods) for (const c of p.spec?.containers ?? []) for (const cp of c.ports ?? []) ports.add(`${protocolOf(cp.protocol)} ${cp.containerPort}${cp.name ? ` (${cp.name})` : ''}`);
  return ports.size ? `; they declare ${[...ports].join(', ')}` : '';
}
