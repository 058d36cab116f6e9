// The plan (DESIGN §4): source pod + target + the cluster's objects → the ordered hops of the packet's
// real path, where each hop sits, what the objects predict there, and which probes can prove it.
// Pure: the orchestrator (server/diagnose) runs the probes, lib/verdict judges them.
import type { Hop, HopId, HopKind } from '../model';
import type { ProbeArgs, ProbeId } from '../probes';
import { retarget, type Source, type Target } from '../target';
import {
  checkServicePort, endpointsForServicePort, findServicePort, nsName, podIP, protocolOf, servicePortMiss,
  type Pod, type Service, type ServicePort, type ServicePortCheck, type ServicePortEndpoints,
  clusterFirstResolver, proxyModeFromConfigMap, resolveClusterName, DEFAULT_CLUSTER_DOMAIN,
  clusterDnsService, formatEndpoint, kubeProxyView, nodeZone,
} from '../kube';
import { podNamesOf, type ClusterSnapshot, type KubeProxyMode } from './snapshot';
import { didYouMean, nearNames } from '../suggest';
import { clusterTargetOf, extendPlan, planHeadless, planHeadlessHost, serviceKind, type EdgeExtras } from './egress';

export * from './snapshot';
import { familyPlan } from './family';
import { digReplicaArgs, endpointPort as endpointPortOf, firstDigNames, keyed, probeKey, readyEndpoints } from './ops';
import { PING_FIRST, endpointMtuPings } from './mtu';
import { ipRange } from '../ip';

export interface PodEnd {
  namespace: string;
  name: string;
  ip: string;
  node: string;
  pod: Pod;
  /** a hostNetwork pod: its address is its node's own (the node's netns), reached over the underlay, with no veth */
  hostNetwork?: boolean;
}

/**
 * How a path's end is named to the user: "ns/name IP[:port]", and for a hostNetwork pod " (host network of NODE)" after
 * it, since the address and the listener are the node's own and the pod may be only the foothold packetwalk probes the
 * node's network through (default/kubernetes: the API server's node address, entered by any hostNetwork pod that is not
 * a static pod's mirror, see podAtAddress). The graph reads the same form back from the dst-pod label (lib/graph/layout.ts).
 */
export function endText(end: Pick<PodEnd, 'namespace' | 'name' | 'ip' | 'node' | 'hostNetwork'>, port?: number): string {
  return `${end.namespace}/${end.name} ${end.ip}${port ? `:${port}` : ''}${end.hostNetwork ? ` (host network of ${end.node})` : ''}`;
}

export interface PlannedProbe {
  /** unique in the plan, e.g. "src:route-get:10.244.2.5" */
  key: string;
  /** a registered probe (lib/probes.ts): the type is the allowlist */
  probe: ProbeId;
  hop: HopId;
  /** 'outside': the machine packetwalk runs on (server/diagnose/outside.ts) */
  where: 'pod' | 'node' | 'outside';
  pod?: { namespace: string; name: string };
  node?: string;
  args: ProbeArgs;
  /** runs only after the resolver configuration is known (its args come from it); 3: after the end-to-end connect (lib/plan/egress.ts) */
  phase: 1 | 2 | 3;
  /** other hops this probe's output is evidence for (one run, several readers) */
  alsoHops?: HopId[];
}

export interface NamePlan {
  name: string;
  /** what the pod's resolver would try, in order (from the objects' default resolv.conf until the probe reads the real one) */
  candidates: string[];
  search: string[];
  ndots: number;
  /** the candidate that names a Service, if any */
  matched?: { fqdn: string; index: number; service: string };
  clusterDomain: string;
  /** the pod's real nameservers once its resolv.conf is read (the cluster DNS Service is the one with that ClusterIP) */
  nameservers?: string[];
}

export interface ServicePlan {
  service: Service;
  key: string; // ns/name
  port: ServicePort;
  vip: string;
  check: ServicePortCheck;
  endpoints: ServicePortEndpoints;
  /**
   * "ip:port" of the ready endpoints kube-proxy on the source's node sends the ClusterIP to (lib/kube kubeProxyView:
   * its zone's topology hints, internalTrafficPolicy Local), when that is some but not all of them: the drawn endpoint
   * and the direct connects keep to those — one it never uses answering, or not, proves nothing for this source.
   */
  used?: string[];
}

export interface PathPlan {
  src: PodEnd;
  target: Target;
  name?: NamePlan;
  service?: ServicePlan;
  /** the pod the path ends in (a pod target, or the chosen endpoint of a Service) */
  dst?: PodEnd;
  dstIP?: string;
  dstPort?: number;
  /** why this destination was chosen among the Service's endpoints */
  dstChoice?: string;
  sameNode: boolean;
  hairpin: boolean;
  /**
   * The destination is the source pod itself, by its own IP or a loopback address (127.0.0.0/8, ::1: a sidecar
   * on localhost): the kernel delivers the packet on `lo` inside the pod's network namespace, shared by all its
   * containers, so no veth, node, overlay or capture is on the way. Hops: src-pod, dst-pod.
   */
  loopback?: boolean;
  kubeProxyMode: KubeProxyMode;
  hops: Hop[];
  probes: PlannedProbe[];
  /** headless, ExternalName, a target outside the cluster, UDP (lib/plan/egress.ts) */
  edge?: EdgeExtras;
}

export class PlanError extends Error {
  constructor(
    message: string,
    readonly field: 'from' | 'to',
  ) {
    super(message);
  }
}

/** The name as the source pod's ClusterFirst resolver would expand it (lib/kube), until the real resolv.conf is read. */
export function planName(name: string, srcNamespace: string, snap: ClusterSnapshot, domain = DEFAULT_CLUSTER_DOMAIN): NamePlan {
  const resolver = clusterFirstResolver(srcNamespace, domain);
  const r = resolveClusterName(name, resolver, snap.services, domain);
  const matched = r.matched ? { fqdn: r.matched.fqdn, index: r.matched.index, service: r.matched.service } : undefined;
  return { name, candidates: r.candidates, search: resolver.search, ndots: resolver.ndots, clusterDomain: domain, ...(matched ? { matched } : {}) };
}

/**
 * Why a name target without a port cannot be walked, and the fix: an ExternalName Service (or a headless one)
 * declaring no port, or a name no Service matches — a name outside the cluster, or a mistyped Service (the
 * source namespace's near names are suggested). The connect needs the port the application dials.
 */
function portlessName(typed: string, name: NamePlan, edge: EdgeExtras | undefined, snap: ClusterSnapshot, srcNamespace: string): string {
  const fix = `write ${typed}:PORT with the port the application dials`;
  if (name.matched) {
    const svc = snap.services.find((s) => nsName(s) === name.matched!.service);
    const what = edge?.externalName ? `an ExternalName Service (→ ${edge.externalName.name || 'no externalName'})` : 'a Service';
    return `--to ${typed}: Service ${name.matched.service} is ${what} that declares no port${svc?.spec?.ports?.length ? '' : ' (spec.ports is empty)'}; ${fix}`;
  }
  // a Service of the source's namespace by its short name, or NAME.NAMESPACE
  const [short, ns = srcNamespace] = typed.split('.');
  const near = nearNames(short!, snap.services.filter((s) => s.metadata?.namespace === ns).map((s) => s.metadata?.name ?? ''));
  return `--to ${typed}: no Service matches it (${name.candidates.slice(0, 3).join(', ')}${name.candidates.length > 3 ? ', …' : ''}), so it is a name outside the cluster, and a connect needs a port; ${fix}${didYouMean(near)}`;
}

/** An ExternalName Service's only port, when the target gave none. */
function svc0port(snap: ClusterSnapshot, name: NamePlan): number | undefined {
  const svc = snap.services.find((s) => nsName(s) === name.matched?.service);
  return svc ? findServicePort(svc)?.port : undefined;
}

/** kube-proxy's mode as its ConfigMap states it (lib/kube); anything but the three traced modes is 'unknown'. */
function configuredProxyMode(snap: ClusterSnapshot): KubeProxyMode {
  const m = proxyModeFromConfigMap(snap.kubeProxyConfig).mode;
  return m === 'iptables' || m === 'nftables' || m === 'ipvs' ? m : 'unknown';
}

function podEnd(pod: Pod): PodEnd | undefined {
  const ip = podIP(pod);
  const node = pod.spec?.nodeName;
  if (!ip || !node) return undefined;
  return { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '?', ip, node, pod, ...(pod.spec?.hostNetwork ? { hostNetwork: true } : {}) };
}

export function findPod(snap: ClusterSnapshot, namespace: string, name: string): Pod | undefined {
  return snap.pods.find((p) => p.metadata?.name === name && (p.metadata?.namespace ?? 'default') === namespace);
}

const HOP_KIND: Record<HopId, HopKind> = {
  'src-pod': 'pod', dns: 'dns', service: 'service', 'src-veth': 'veth', 'src-node': 'node',
  overlay: 'overlay', 'dst-node': 'node', 'dst-veth': 'veth', 'dst-pod': 'pod',
  client: 'client', lb: 'lb', 'node-port': 'node', egress: 'egress', external: 'external',
};

export function hop(id: HopId, label: string, node: string | undefined, expected: string, details?: Hop['details']): Hop {
  return { id, kind: HOP_KIND[id], label, ...(node ? { node } : {}), status: 'pending', cause: null, summary: 'waiting for evidence', expected, evidence: [], ...(details ? { details } : {}) };
}

/**
 * The most endpoints (ready pods of a Service) a diagnosis connects to directly from the source, each one nc -z
 * (2 s at most, in parallel under the run's concurrency): a Service of hundreds of replicas gets a sample, the
 * drawn endpoint always in it.
 */
export const MAX_DIRECT_CONNECTS = 16;

/**
 * The pod behind an endpoint address with no targetRef (default/kubernetes, a hand-written EndpointSlice): a pod of
 * the pod network with that IP; else, since every hostNetwork pod of a node shares its address, the hostNetwork
 * one that declares the port (containerPort or hostPort), then one that is not a static pod's mirror (the API
 * refuses ephemeral containers in those — kubeadm's kube-apiserver on 6443 is one — and every hostNetwork pod's
 * netns is the node's, where the probes look for the listener), then any. Undefined when no read pod has the address.
 */
export function podAtAddress(snap: Pick<ClusterSnapshot, 'pods'>, ip: string, port: number): Pod | undefined {
  const at = snap.pods.filter((x) => podIP(x) === ip);
  const declares = (x: Pod) => (x.spec?.containers ?? []).some((c) => (c.ports ?? []).some((p) => p.containerPort === port || (p as { hostPort?: number }).hostPort === port));
  return at.find((x) => !x.spec?.hostNetwork) ?? at.find(declares) ?? at.find((x) => !isMirrorPod(x)) ?? at[0];
}

/** A static pod's mirror in the API (annotation kubernetes.io/config.mirror, set by the kubelet). */
const isMirrorPod = (p: Pod) => !!p.metadata?.annotations?.['kubernetes.io/config.mirror'];

/** Chooses the endpoint the path is drawn to: the source itself when it backs the Service (hairpin), else one on another node (the longest path), else the first. */
function chooseEndpoint(src: PodEnd, svc: ServicePlan, snap: ClusterSnapshot, prefer?: string): { dst?: PodEnd; why: string } {
  const ready = svc.endpoints.endpoints.filter((e) => e.ready && (!svc.used || svc.used.includes(formatEndpoint(e.ip, e.port))));
  const pods = ready
    .map((e) => {
      const p = e.pod ? findPod(snap, e.pod.split('/')[0], e.pod.split('/')[1]) : podAtAddress(snap, e.ip, e.port);
      const end = p ? podEnd(p) : undefined;
      return end ? { end, port: e.port } : undefined;
    })
    .filter((x): x is { end: PodEnd; port: number } => !!x);
  if (pods.length === 0) return { why: `Service ${svc.key} has no ready endpoint to draw the path to` };
  const preferred = prefer ? pods.find((p) => p.end.ip === prefer) : undefined;
  if (preferred) return { dst: preferred.end, why: `the direct connection to endpoint ${preferred.end.namespace}/${preferred.end.name} (${preferred.end.ip}:${preferred.port}) failed while the first path drawn worked, so the path is drawn to it` };
  const self = pods.find((p) => p.end.namespace === src.namespace && p.end.name === src.name);
  if (self) return { dst: self.end, why: `${src.namespace}/${src.name} backs ${svc.key} itself, so the path is the hairpin back into it (kube-proxy may pick any of ${pods.length} endpoints; the hairpin is the one that needs proof)` };
  const remote = pods.find((p) => p.end.node !== src.node);
  if (remote) return { dst: remote.end, why: `of ${pods.length} ready endpoint${pods.length === 1 ? '' : 's'}, ${remote.end.namespace}/${remote.end.name} on ${remote.end.node} is drawn: the cross-node path has the most that can break; every ready endpoint is still connected to directly` };
  return { dst: pods[0].end, why: `all ${pods.length} ready endpoint${pods.length === 1 ? ' is' : 's are'} on ${src.node}, the source's node; ${pods[0].end.namespace}/${pods[0].end.name} is drawn` };
}

/**
 * The cluster DNS pods (kube-system/kube-dns endpoints) with their nodes, and the pod (namespace, name) when the
 * EndpointSlice names it or a read pod has the address (not a hostNetwork one): where the DNS way's pod probes run (lib/plan/ops withDnsWay).
 */
export function dnsPods(snap: ClusterSnapshot): { ip: string; node: string; pod?: { namespace: string; name: string }; port?: number }[] {
  const svc = clusterDnsService(snap.services); // kube-dns, or coredns & co. (lib/kube/dns.ts)
  const sp = svc?.spec?.ports?.[0];
  if (!svc || !sp) return [];
  const seen = new Set<string>();
  return endpointsForServicePort(svc, sp, snap.endpointSlices).endpoints
    .map((e) => {
      const p = e.pod ? findPod(snap, e.pod.split('/')[0], e.pod.split('/')[1]) : snap.pods.find((x) => podIP(x) === e.ip);
      // a hostNetwork DNS pod has no veth nor routes of its own: its node's are the way
      const pod = p?.metadata?.namespace && p.metadata.name && !p.spec?.hostNetwork ? { namespace: p.metadata.namespace, name: p.metadata.name } : undefined;
      // port: where the DNS server listens (the Service port's targetPort: 53, or e.g. 5353 behind a Service port 53)
      return { ip: e.ip, node: e.nodeName ?? p?.spec?.nodeName ?? '', ...(pod ? { pod } : {}), port: e.port };
    })
    .filter((d) => d.node && !seen.has(d.ip) && seen.add(d.ip));
}

/**
 * The cluster DNS pods a source pod's lookups are spread over, when there are several (at most MAX_DNS_REPLICA_DIGS, in
 * EndpointSlice order) and the pod asks the cluster DNS Service (clusterResolverIP): where planPath digs each replica
 * directly. None for one DNS pod (the lookup through the Service reaches that one) or another dnsPolicy.
 */
export function dnsReplicaIPs(snap: ClusterSnapshot, src: Pick<PodEnd, 'pod'>): { ip: string; port?: number }[] {
  if (!clusterResolverIP(snap, src)) return [];
  const pods = dnsPods(snap).map((d) => ({ ip: d.ip, port: d.port }));
  return pods.length < 2 ? [] : pods.slice(0, MAX_DNS_REPLICA_DIGS);
}


/** The cluster DNS pods dug directly, at most: one exec each from the source pod, in parallel with the lookup itself. */
export const MAX_DNS_REPLICA_DIGS = 4;

/** The cluster DNS's addresses: its Service's ClusterIPs and the DNS pods' (dnsPods): a nameserver among them is the cluster DNS. */
export function clusterDnsIPs(snap: ClusterSnapshot): string[] {
  const svc = clusterDnsService(snap.services);
  const vips = [svc?.spec?.clusterIP, ...(svc?.spec?.clusterIPs ?? [])].filter((x): x is string => !!x && x !== 'None');
  return [...new Set([...vips, ...dnsPods(snap).map((d) => d.ip)])];
}

/**
 * The resolver address a source pod's name lookups go to, known before its resolv.conf is read: the cluster DNS
 * Service's ClusterIP (lib/kube clusterDnsService), which the kubelet writes as the only `nameserver` of a pod
 * with dnsPolicy ClusterFirst (the default; Kubernetes "DNS for Services and Pods"). Undefined for another
 * dnsPolicy or when the cluster has no DNS Service with a ClusterIP. The pod's route toward it is its way to
 * DNS (planPath's src-pod `route-get`, judged by lib/verdict/pod.ts judgePodRoute).
 */
export function clusterResolverIP(snap: Pick<ClusterSnapshot, 'services'>, src: Pick<PodEnd, 'pod'>): string | undefined {
  if ((src.pod.spec?.dnsPolicy ?? 'ClusterFirst') !== 'ClusterFirst') return undefined;
  const ip = clusterDnsService(snap.services)?.spec?.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
}

export { PING_SIZES, PING_FIRST, BULK_BYTES, SMALL_BYTES, withMtuLadder } from './mtu';

/**
 * "pod NS/NAME not found" for --from or --to, with the pods of that namespace it was probably meant to be (lib/suggest;
 * `write` spells one as the flag takes it, `NS/NAME` by default), or that the namespace is not there.
 */
export function podNotFound(flag: '--from' | '--to', ref: { namespace: string; name: string }, snap: Pick<ClusterSnapshot, 'namespaces' | 'pods' | 'podNamesIn'>, write: (name: string) => string = (n) => `${ref.namespace}/${n}`): string {
  if (!snap.namespaces.some((n) => n.metadata?.name === ref.namespace)) return `${flag}: namespace ${ref.namespace} not found (kubectl get namespaces lists them)`;
  const near = nearNames(ref.name, podNamesOf(snap, ref.namespace)).map(write);
  return `${flag}: pod ${ref.namespace}/${ref.name} not found${didYouMean(near)} (kubectl get pods -n ${ref.namespace} lists them)`;
}

/**
 * Which number a port NAME typed in --to is (`backend:http`, refused by lib/target.ts with `portName`): the port of
 * that name of the Service the name resolves to from the source's namespace (`default` for a node or outside source),
 * or of the pod target's containers — as a usage error with the --to to write. Undefined when the snapshot holds
 * neither (the parser's own sentence stands).
 */
export function namedPortHint(source: Source, to: string, portName: { target: Target; name: string }, snap: ClusterSnapshot, domain = DEFAULT_CLUSTER_DOMAIN): string | undefined {
  const { target: t, name } = portName;
  const head = `--to "${to}": port "${name}" is a port name, not a number`;
  const write = (port: number, protocol: string | undefined) => retarget(t)(port, protocolOf(protocol) === 'UDP' ? 'udp' : undefined);
  const named = (ports: readonly { name?: string; port?: number; containerPort?: number; protocol?: string }[]) =>
    ports.map((p) => `${p.port ?? p.containerPort}/${protocolOf(p.protocol)}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'none';
  if (t.kind === 'pod') {
    const pod = findPod(snap, t.namespace, t.name);
    if (!pod) return undefined;
    const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    const p = ports.find((x) => x.name === name);
    if (!p) return `${head}, and pod ${t.namespace}/${t.name} declares no port named ${name}; its ports: ${named(ports)}; fix: give the number the application listens on`;
    return `${head}; pod ${t.namespace}/${t.name} declares the port named ${name} as ${p.containerPort}/${protocolOf(p.protocol)}; fix: use --to ${write(p.containerPort, p.protocol)}`;
  }
  if (t.kind !== 'name') return undefined;
  const matched = planName(t.name, source.kind === 'pod' ? source.namespace : 'default', snap, domain).matched;
  const svc = matched ? snap.services.find((s) => nsName(s) === matched.service) : undefined;
  if (!svc) return undefined;
  const sp = findServicePort(svc, name);
  if (!sp) return `${head}, and Service ${nsName(svc)} has no port named ${name}; its ports: ${named(svc.spec?.ports ?? [])}; fix: use --to ${t.name}:PORT with one of those numbers`;
  return `${head}; Service ${nsName(svc)}'s port named ${name} is ${sp.port}/${protocolOf(sp.protocol)}; fix: use --to ${write(sp.port, sp.protocol)}`;
}

/**
 * Builds the plan. Throws PlanError (field named) when the source or a pod target does not exist or has
 * no IP/node yet; a name that resolves to nothing is NOT an error: it is the dns hop's finding.
 */
/**
 * The path of a pod to itself (PathPlan.loopback): its own IP or a loopback address, delivered on `lo` in its own
 * network namespace. What can be wrong there is the listener (ss in the pod: a socket bound to 127.0.0.1 answers
 * 127.0.0.1 but not the pod IP) and the pod's own filters; the connect from the pod says which. No node probe, so
 * no node debug pod is started.
 */
function planLoopback(src: PodEnd, target: Target, dst: PodEnd, dstIP: string, dstPort: number, kubeProxyMode: KubeProxyMode, snap: ClusterSnapshot): PathPlan {
  const lo = ipRange(dstIP) === 'loopback';
  const hops: Hop[] = [
    hop('src-pod', `${src.namespace}/${src.name} ${src.ip}`, src.node, `${dstIP} is ${lo ? 'a loopback address' : "the pod's own address"}: the kernel delivers it on lo inside the pod's network namespace (shared by all its containers)`),
    hop('dst-pod', `${dst.namespace}/${dst.name} ${dstIP}:${dstPort} (loopback)`, dst.node, `a listener on ${dstIP}:${dstPort}${lo ? '' : ` or 0.0.0.0:${dstPort}`} in the pod${lo ? ` (127.0.0.1, or 0.0.0.0:${dstPort})` : ''}`),
  ];
  const pod = { namespace: src.namespace, name: src.name };
  const probes = [
    keyed({ probe: 'addr', hop: 'src-pod', where: 'pod', pod, args: {}, phase: 1 }),
    keyed({ probe: 'route-get', hop: 'src-pod', where: 'pod', pod, args: { ip: dstIP }, phase: 1 }),
    keyed({ probe: 'tcp-connect', hop: 'dst-pod', where: 'pod', pod, args: { ip: dstIP, port: dstPort }, phase: 1 }),
    keyed({ probe: 'ss-listen', hop: 'dst-pod', where: 'pod', pod, args: {}, phase: 1 }),
  ];
  return extendPlan({ src, target, dst, dstIP, dstPort, sameNode: true, hairpin: false, loopback: true, kubeProxyMode, hops, probes }, snap, DEFAULT_CLUSTER_DOMAIN);
}

export function planPath(srcRef: { namespace: string; name: string }, target: Target, snap: ClusterSnapshot, opts: { preferEndpoint?: string; clusterDomain?: string } = {}): PathPlan {
  const srcPod = findPod(snap, srcRef.namespace, srcRef.name);
  if (!srcPod) throw new PlanError(podNotFound('--from', srcRef, snap), 'from');
  const src = podEnd(srcPod);
  if (!src) throw new PlanError(`--from: pod ${srcRef.namespace}/${srcRef.name} has no IP or node yet (phase ${srcPod.status?.phase ?? 'unknown'}); wait until it runs`, 'from');
  if (srcPod.spec?.hostNetwork) throw new PlanError(`--from: pod ${srcRef.namespace}/${srcRef.name} uses the host network; pick a pod on the pod network`, 'from');
  const kubeProxyMode = configuredProxyMode(snap);

  let name: NamePlan | undefined;
  let service: ServicePlan | undefined;
  let dst: PodEnd | undefined;
  let dstIP: string | undefined;
  let dstPort: number | undefined;
  let dstChoice: string | undefined;
  let edge: EdgeExtras | undefined;
  let headlessPort: number | undefined;
  /** the ExternalName Service the name matched, when it aliases `target` of this cluster */
  let alias: { key: string; target: string; cname: string } | undefined;

  const servicePlan = (svc: Service, wantPort: number | undefined): ServicePlan | undefined => {
    const vip = svc.spec?.clusterIP;
    // headless: the name resolves to the pods directly, and a connect to POD:PORT needs no Service port of that
    // number (spec.ports only shapes SRV records and the EndpointSlices): lib/plan/egress.ts planHeadless
    if (vip === 'None' && wantPort !== undefined) return undefined;
    const sp = findServicePort(svc, wantPort, target.proto);
    if (!sp) throw new PlanError(`--to: ${servicePortMiss(svc, wantPort, target.proto, retarget(target))}`, 'to');
    if (!vip || vip === 'None') return undefined;
    const endpoints = endpointsForServicePort(svc, sp, snap.endpointSlices);
    const view = kubeProxyView(svc, endpoints, { node: src.node, vip, zone: nodeZone(snap.nodes, src.node) });
    const used = view.expected.length > 0 && view.expected.length < endpoints.ready.length && view.expected.every((e) => endpoints.ready.includes(e)) ? view.expected : undefined;
    return { service: svc, key: nsName(svc), port: sp, vip, check: checkServicePort(svc, sp, snap.pods, endpoints), endpoints, ...(used ? { used } : {}) };
  };

  if (target.kind === 'pod') {
    const p = findPod(snap, target.namespace, target.name);
    if (!p) throw new PlanError(podNotFound('--to', target, snap, (n) => retarget({ ...target, name: n })(target.port, target.proto)), 'to');
    dst = podEnd(p);
    if (!dst) throw new PlanError(`--to: pod ${target.namespace}/${target.name} has no IP or node yet; wait until it runs`, 'to');
    dstIP = dst.ip;
    dstPort = target.port;
  } else if (target.kind === 'ip') {
    dstIP = target.ip;
    dstPort = target.port;
    const svc = snap.services.find((s) => s.spec?.clusterIP === target.ip);
    if (ipRange(target.ip) === 'loopback') dst = src;
    else if (svc) service = servicePlan(svc, target.port);
    else {
      const p = snap.pods.find((x) => podIP(x) === target.ip && !x.spec?.hostNetwork);
      if (p) dst = podEnd(p);
    }
  } else if (target.kind === 'node') {
    throw new PlanError('--to: a node target (node/NAME:PORT) is planned by lib/plan/northSouth', 'to');
  } else {
    name = planName(target.name, src.namespace, snap, opts.clusterDomain);
    if (name.matched) {
      const svc = snap.services.find((s) => nsName(s) === name!.matched!.service)!;
      const kind = serviceKind(svc);
      // an ExternalName that aliases a Service of this cluster: that Service's path (lib/plan/egress clusterTargetOf)
      const aliased = kind === 'ExternalName' ? clusterTargetOf(svc, snap, name.clusterDomain) : undefined;
      if (aliased) {
        service = servicePlan(aliased, target.port);
        alias = { key: nsName(svc), target: nsName(aliased), cname: svc.spec?.externalName ?? '' };
      } else if (kind === 'ExternalName') edge = { externalName: { key: nsName(svc), name: svc.spec?.externalName ?? '' } };
      else service = servicePlan(svc, target.port);
      if (kind === 'headless') {
        // lib/plan/egress.ts: DNS answers the ready pods; the path is drawn to one of them.
        const sp = target.port !== undefined ? findServicePort(svc, target.port, target.proto) ?? { port: target.port, ...(target.proto ? { protocol: target.proto.toUpperCase() } : {}) } : (findServicePort(svc) ?? svc.spec?.ports?.[0]);
        if (!sp) throw new PlanError(portlessName(target.name, name, undefined, snap, src.namespace), 'port' as 'to');
        const h = planHeadless(svc, sp, target.port, src, snap, opts.preferEndpoint);
        edge = { headless: h.extras! };
        dst = h.dst;
        dstIP = h.dst?.ip;
        dstChoice = h.why;
        headlessPort = h.dstPort;
      }
    }
    // A headless Service's pod record (<hostname>.<service>.<namespace>): lib/plan/egress.ts.
    const host = name.matched ? undefined : planHeadlessHost(target.name, src, snap, name.clusterDomain, { ...(target.port !== undefined ? { port: target.port } : {}), ...(target.proto ? { proto: target.proto } : {}) });
    if (host) {
      edge = { headless: host.extras };
      dst = host.dst;
      dstIP = host.dst?.ip;
      dstChoice = host.why;
    }
    dstPort = headlessPort ?? target.port ?? service?.port.port ?? (edge?.externalName ? svc0port(snap, name) : undefined) ?? host?.extras.port.port;
    if (dstPort === undefined) throw new PlanError(portlessName(target.name, name, edge, snap, src.namespace), 'port' as 'to');
  }
  if (service) {
    dstIP ??= service.vip;
    const choice = chooseEndpoint(src, service, snap, opts.preferEndpoint);
    dst = choice.dst;
    dstChoice = choice.why;
    dstPort = target.port ?? service.port.port;
  }
  const hairpin = !!(service && dst && dst.namespace === src.namespace && dst.name === src.name);
  if (!service && !edge && dst && dst.namespace === src.namespace && dst.name === src.name && dstIP && dstPort) return planLoopback(src, target, dst, dstIP, dstPort, kubeProxyMode, snap);
  const sameNode = !dst || dst.node === src.node;
  // Where the packet finally goes: the endpoint's port when a Service is in between.
  const endpointPort = endpointPortOf({ service, dst, dstPort });

  const hops: Hop[] = [];
  const srcLabel = `${src.namespace}/${src.name} ${src.ip}`;
  hops.push(hop('src-pod', srcLabel, src.node, `eth0 with ${src.ip} and a default route (pod status)`));
  if (name) {
    hops.push(hop('dns', `DNS ${name.name}`, undefined, name.matched ? `${name.matched.fqdn} → ${alias ? `CNAME ${alias.cname} (ExternalName ${alias.key}) → ${service?.vip}` : snap.services.find((s) => nsName(s) === name!.matched!.service)?.spec?.clusterIP} (candidate ${name.matched.index + 1} of ${name.candidates.length})` : `no Service matches any of ${name.candidates.join(', ')}`, { candidates: name.candidates, ...(name.matched ? { matched: name.matched.fqdn } : {}) }));
  }
  if (service) {
    hops.push(
      hop('service', `Service ${service.key} ${service.vip}:${service.port.port}`, undefined, `${alias ? `ExternalName ${alias.key} aliases ${alias.target}: ` : ''}${service.endpoints.ready.length ? `${service.vip}:${service.port.port} → ${service.endpoints.ready.join(', ')} (EndpointSlice ready endpoints)` : `${service.vip}:${service.port.port} → no ready endpoint`}`, {
        vip: `${service.vip}:${service.port.port}`,
        endpoints: service.endpoints.ready,
        mode: kubeProxyMode === 'unknown' ? 'none' : kubeProxyMode,
      }),
    );
  }
  hops.push(hop('src-veth', `veth of ${src.name}`, src.node, 'the host side of the pod\'s veth is up'));
  // A hostNetwork destination's address is its node's own (InternalIP): the source node reaches it over the
  // underlay (its route to the peer node's address), not through a pod-CIDR route or tunnel, and it ends in the
  // node's own netns — no veth. Its listener still answers in that netns.
  const hostDst = !!dst?.hostNetwork && !hairpin;
  if (hostDst && dst) {
    hops.push(hop('src-node', `node ${src.node}`, src.node, sameNode
      ? `${dst.ip}${service ? ' (after kube-proxy\'s DNAT)' : ''} is ${src.node}'s own address: delivered to its own network (hostNetwork pod ${dst.namespace}/${dst.name}), no route out`
      : `a route from ${src.node} toward ${dst.ip}${service ? ' after kube-proxy\'s DNAT' : ''}, ${dst.node}'s own address (hostNetwork pod ${dst.namespace}/${dst.name}): over the underlay (the link holding ${src.node}'s InternalIP), not a pod-CIDR route or tunnel`));
  } else {
    hops.push(hop('src-node', `node ${src.node}`, src.node, dst ? `a route from ${src.node} toward ${dst.ip}${service ? ' after kube-proxy\'s DNAT' : ''}` : 'a route toward the destination'));
  }
  if (dst && !sameNode) {
    if (hostDst) {
      hops.push(hop('overlay', `${src.node} → ${dst.node} (underlay)`, undefined, `the underlay from ${src.node} to ${dst.node}'s InternalIP ${dst.ip}, unencapsulated (a node's own address is not behind the pod network's tunnel); the answer comes back to ${src.ip} by ${dst.node}'s route to ${src.node}'s pod CIDR`));
      hops.push(hop('dst-node', `node ${dst.node}`, dst.node, `${dst.node} takes ${dst.ip} as its own address (hostNetwork pod ${dst.namespace}/${dst.name}: no veth) and routes the answer back to ${src.ip}`));
    } else {
      hops.push(hop('overlay', `${src.node} → ${dst.node}`, undefined, `tunnel or routed path from ${src.node} to ${dst.node}`));
      hops.push(hop('dst-node', `node ${dst.node}`, dst.node, `a route from ${dst.node} to ${dst.ip} and back to ${src.ip}`));
    }
  }
  if (dst) {
    if (!hostDst) hops.push(hop('dst-veth', `veth of ${dst.name}`, dst.node, "the host side of the pod's veth is up"));
    hops.push(hop('dst-pod', endText(hostDst ? dst : { ...dst, hostNetwork: false }, endpointPort), dst.node, endpointPort ? `a listener on ${dst.ip}:${endpointPort} or 0.0.0.0:${endpointPort}${hostDst ? ` in ${dst.node}'s own network` : ''}` : 'the pod answers'));
  }

  // --- probes ---
  const probes: PlannedProbe[] = [];
  const srcP = { namespace: src.namespace, name: src.name };
  const add = (p: Omit<PlannedProbe, 'key' | 'phase'> & { phase?: 1 | 2 }) => {
    const key = probeKey(p);
    const have = probes.find((x) => x.key === key);
    if (!have) probes.push({ phase: 1, ...p, key });
    else if (have.hop !== p.hop && !have.alsoHops?.includes(p.hop)) have.alsoHops = [...(have.alsoHops ?? []), p.hop];
  };
  add({ probe: 'addr', hop: 'src-pod', where: 'pod', pod: srcP, args: {} });
  if (name) {
    add({ probe: 'resolv-conf', hop: 'dns', where: 'pod', pod: srcP, args: {} });
    // The way to the cluster DNS pods, so a DNS timeout can be traced to the node fault behind it.
    for (const d of dnsPods(snap)) {
      if (d.node === src.node) continue;
      add({ probe: 'node-route-get', hop: 'dns', where: 'node', node: src.node, args: { ip: d.ip } });
      add({ probe: 'neigh', hop: 'dns', where: 'node', node: src.node, args: {} });
      add({ probe: 'node-link', hop: 'dns', where: 'node', node: src.node, args: {} });
      // the DNS node's own links and filters: only once no lookup answered (lib/plan/ops.ts withDnsWay), so a
      // healthy path starts no node debug pod on a node that only hosts CoreDNS
    }
    // up to the candidate that is a Service: the resolver never asks the ones after it (lib/plan/ops.ts withDnsRest)
    for (const c of firstDigNames(name.candidates, name.matched?.fqdn)) add({ probe: 'dig', hop: 'dns', where: 'pod', pod: srcP, args: { name: c }, phase: 2 });
    // Several cluster DNS pods (replicas): the same query to each directly, beside the lookup through the Service, as
    // every ready endpoint of a Service gets its direct connect. kube-proxy spreads the resolver's queries over them, so a
    // replica that is silent or refuses fails only the lookups it draws: one query through the VIP may pass or fail by
    // that draw, the direct ones say which replicas fail, the same run after run (lib/verdict/dns.ts judgeDnsReplicas).
    // Only for a pod that asks the cluster DNS (dnsPolicy ClusterFirst: lib/kube clusterResolverIP).
    for (const d of dnsReplicaIPs(snap, src)) add({ probe: 'dig-replica', hop: 'dns', where: 'pod', pod: srcP, args: digReplicaArgs(d, name.matched?.fqdn ?? name.name), phase: 2 });
  }
  const firstIP = dstIP ?? dst?.ip;
  if (firstIP) add({ probe: 'route-get', hop: 'src-pod', where: 'pod', pod: srcP, args: { ip: firstIP } });
  // A name no object gives an address for (a host outside the cluster): before DNS answers, the pod's own route
  // toward its resolver is what says whether it can send anything off its link at all (a pod without its default
  // route reaches neither the cluster DNS nor the host, and the DNS timeout is only the first thing that shows it).
  const resolver = name && !firstIP ? clusterResolverIP(snap, src) : undefined;
  if (resolver) add({ probe: 'route-get', hop: 'src-pod', where: 'pod', pod: srcP, args: { ip: resolver } });
  if (dstIP && dstPort) add({ probe: 'tcp-connect', hop: service ? 'service' : 'dst-pod', where: 'pod', pod: srcP, args: { ip: dstIP, port: dstPort } });
  // Every ready endpoint (a headless Service: every ready pod DNS answers) gets a direct connect from the source, so
  // one broken endpoint is found whichever one kube-proxy (or the client's pick of the DNS answers) chose this time
  // (lib/plan/ops followFailure, lib/verdict/observed partialService). At most MAX_DIRECT_CONNECTS, the drawn one first.
  const direct = readyEndpoints({ service, edge, dstPort });
  const drawnFirst = [...direct.filter((e) => e.ip === dst?.ip), ...direct.filter((e) => e.ip !== dst?.ip)].slice(0, MAX_DIRECT_CONNECTS);
  for (const e of drawnFirst) add({ probe: 'tcp-connect', hop: 'dst-pod', where: 'pod', pod: srcP, args: { ip: e.ip, port: e.port } });
  add({ probe: 'node-link', hop: 'src-veth', where: 'node', node: src.node, args: {} });
  add({ probe: 'addr', hop: 'src-veth', where: 'pod', pod: srcP, args: {} });
  add({ probe: 'bridge-link', hop: 'src-veth', where: 'node', node: src.node, args: {} });
  add({ probe: 'iptables-save', hop: 'src-node', where: 'node', node: src.node, args: {} });
  add({ probe: 'nft-ruleset', hop: 'src-node', where: 'node', node: src.node, args: {} });
  if (kubeProxyMode === 'ipvs') add({ probe: 'ipvsadm', hop: 'service', where: 'node', node: src.node, args: {} });
  add({ probe: 'sysctl', hop: 'src-node', where: 'node', node: src.node, args: {} });
  add({ probe: 'conntrack-stats', hop: 'src-node', where: 'node', node: src.node, args: {} });
  if (dst) {
    if (!hairpin) {
      add({ probe: 'route-get', hop: 'src-pod', where: 'pod', pod: srcP, args: { ip: dst.ip } });
      add({ probe: 'node-route-get', hop: 'src-node', where: 'node', node: src.node, args: { ip: dst.ip } });
      // The MTU ladder's first stage; the rest (or, when ICMP does not pass, two HTTP downloads) only when it
      // says so (lib/plan/mtu.ts withMtuLadder).
      for (const size of PING_FIRST) add({ probe: 'ping-df', hop: sameNode ? 'dst-pod' : 'overlay', where: 'pod', pod: srcP, args: { ip: dst.ip, size } });
    }
    // The other ready endpoints kube-proxy may send to, one per node off the drawn way: their own ladder's first
    // stage (lib/plan/mtu.ts endpointMtuPings), so a blackhole behind an endpoint that is not drawn is seen too.
    const nodeOf = (ip: string) => service?.endpoints.endpoints.find((e) => e.ip === ip)?.nodeName ?? snap.pods.find((p) => podIP(p) === ip && !p.spec?.hostNetwork)?.spec?.nodeName;
    for (const p of endpointMtuPings({ node: src.node, pod: srcP, ip: src.ip }, dst, drawnFirst.map((e) => ({ ip: e.ip, node: nodeOf(e.ip) })))) add({ ...p, phase: 1 });
    const dstP = { namespace: dst.namespace, name: dst.name };
    // On a hairpin path these are the source's own runs again (same keys): one run, two hops.
    add({ probe: 'addr', hop: 'dst-pod', where: 'pod', pod: dstP, args: {} });
    if (!hostDst) {
      add({ probe: 'addr', hop: 'dst-veth', where: 'pod', pod: dstP, args: {} });
      add({ probe: 'node-link', hop: 'dst-veth', where: 'node', node: dst.node, args: {} });
    }
    if (hairpin) add({ probe: 'bridge-link', hop: 'dst-veth', where: 'node', node: dst.node, args: {} });
    add({ probe: 'ss-listen', hop: 'dst-pod', where: 'pod', pod: dstP, args: {} });
    if (!hairpin) add({ probe: 'route-get', hop: 'dst-pod', where: 'pod', pod: dstP, args: { ip: src.ip } });
    if (!sameNode) {
      add({ probe: 'node-link', hop: 'overlay', where: 'node', node: src.node, args: {} });
      add({ probe: 'neigh', hop: 'overlay', where: 'node', node: src.node, args: {} });
      add({ probe: 'fdb', hop: 'overlay', where: 'node', node: src.node, args: {} });
      add({ probe: 'node-link', hop: 'dst-node', where: 'node', node: dst.node, args: {} });
      add({ probe: 'node-route-get', hop: 'dst-node', where: 'node', node: dst.node, args: { ip: src.ip } });
      add({ probe: 'iptables-save', hop: 'dst-node', where: 'node', node: dst.node, args: {} });
      add({ probe: 'nft-ruleset', hop: 'dst-node', where: 'node', node: dst.node, args: {} });
      add({ probe: 'sysctl', hop: 'dst-node', where: 'node', node: dst.node, args: {} });
      add({ probe: 'conntrack-stats', hop: 'dst-node', where: 'node', node: dst.node, args: {} });
      add({ probe: 'neigh', hop: 'overlay', where: 'node', node: dst.node, args: {} });
      add({ probe: 'fdb', hop: 'overlay', where: 'node', node: dst.node, args: {} });
    }
  }
  for (const p of familyPlan({ snap, hops, src, ...(dst ? { dst } : {}), sameNode, hairpin, hostDst })) add(p);
  return extendPlan({ src, target, ...(name ? { name } : {}), ...(service ? { service } : {}), ...(dst ? { dst } : {}), ...(dstIP ? { dstIP } : {}), ...(dstPort ? { dstPort } : {}), ...(dstChoice ? { dstChoice } : {}), sameNode, hairpin, kubeProxyMode, hops, probes, ...(edge ? { edge } : {}) }, snap, name?.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
}

