// Planning beyond ClusterIP for a pod source (DESIGN §3.2, §4): a headless Service's name (DNS answers the
// ready pods), an ExternalName (DNS answers a CNAME, the path leaves the cluster), a target outside the
// cluster (hops `egress` and `external`: the node's SNAT and route out, the server outside), and UDP ports
// (probed with a datagram and `ss -u`, never TCP). Pure: lib/plan/index.ts calls these as short hooks.
import type { Hop } from '../model';
import { cidrContains, endpointsForServicePort, findServicePort, nsName, parseCidr, parseServiceFqdn, podPortProtocol, podIP, podWithIP, type Pod, type Service, type ServicePort } from '../kube';
import { servicesUnreadable, type ClusterSnapshot } from './snapshot';
import type { PathPlan, PlannedProbe, PodEnd } from './index';
import { hop } from './index';
import { keyed, probeKey } from './ops';

/** What a pod-source plan carries beyond the ClusterIP path (PathPlan.edge). */
export interface EdgeExtras {
  /** headless Service: every ready pod DNS should answer, and the one the path is drawn to */
  headless?: {
    key: string;
    port: ServicePort;
    ready: string[];
    notReady: string[];
    /** a pod record (`<hostname>.<service>…`, planHeadlessHost): the hostname asked for, and when no endpoint publishes it, the ready pods the Service does have ("ns/name ip") */
    host?: string;
    unpublished?: string[];
  };
  /** ExternalName Service: the CNAME the cluster DNS answers */
  externalName?: { key: string; name: string };
  /** the path leaves the cluster: the host as dialled (a name or an IP) */
  external?: { host: string; ip?: string };
  /** the port is UDP: datagram probes, UDP listeners */
  udp?: boolean;
  /** the cluster name the control DNS query asks (does the cluster DNS answer at all?) */
  controlName?: string;
}

/**
 * The in-cluster Service an ExternalName Service aliases: its externalName is `<svc>.<ns>.svc.<domain>` (a CNAME
 * the cluster DNS itself answers, the cross-namespace alias pattern) and that Service is read and has a ClusterIP.
 * The path is then that Service's — kube-proxy's VIP and endpoints —, not an egress to a host outside the cluster.
 * Undefined for an outside host, a headless or ExternalName target, or one this snapshot did not read.
 */
export function clusterTargetOf(svc: Service, snap: Pick<ClusterSnapshot, 'services'>, domain: string): Service | undefined {
  if (serviceKind(svc) !== 'ExternalName' || !svc.spec?.externalName) return undefined;
  const t = parseServiceFqdn(svc.spec.externalName, domain);
  const inner = t ? snap.services.find((x) => x.metadata?.namespace === t.namespace && x.metadata?.name === t.service) : undefined;
  return inner && serviceKind(inner) === 'ClusterIP' && inner.spec?.clusterIP ? inner : undefined;
}

/** A Service's kind, as DESIGN §3.2 names them. */
export function serviceKind(svc: Service): 'ExternalName' | 'headless' | 'ClusterIP' {
  if (svc.spec?.type === 'ExternalName' || svc.spec?.externalName) return 'ExternalName';
  if (svc.spec?.clusterIP === 'None') return 'headless';
  return 'ClusterIP';
}

function podEndOf(pod: Pod): PodEnd | undefined {
  const ip = podIP(pod);
  const node = pod.spec?.nodeName;
  if (!ip || !node) return undefined;
  return { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '?', ip, node, pod };
}

/**
 * A headless Service's name: DNS answers the ready pods' IPs (EndpointSlices), the app dials one of them
 * at the port it asked for. The path is drawn to a ready pod on another node than the source when there
 * is one (the longest path); every answer is checked against the ready pods by lib/verdict/edge.ts.
 * Returns dst undefined when no pod is ready (the dns hop then finds no answer).
 */
export function planHeadless(svc: Service, port: ServicePort, wantPort: number | undefined, src: PodEnd, snap: ClusterSnapshot, prefer?: string): { dst?: PodEnd; dstPort: number; why: string; extras: EdgeExtras['headless'] } {
  const eps = endpointsForServicePort(svc, port, snap.endpointSlices);
  const readyIPs = [...new Set(eps.endpoints.filter((e) => e.ready).map((e) => e.ip))];
  const pods = readyIPs.map((ip) => podWithIP(snap.pods, ip)).map((p) => (p ? podEndOf(p) : undefined)).filter((p): p is PodEnd => !!p);
  const preferred = prefer ? pods.find((p) => p.ip === prefer) : undefined;
  const pick = preferred ?? pods.find((p) => p.node !== src.node) ?? pods[0];
  const dstPort = wantPort ?? port.port;
  const key = nsName(svc);
  const why = preferred
    ? `${key} is headless: DNS answers the ${readyIPs.length} ready pod IPs (${readyIPs.join(', ')}); the direct connection to ${preferred.namespace}/${preferred.name} (${preferred.ip}:${dstPort}) failed while the first path drawn worked, so the path is drawn to it`
    : pick
      ? `${key} is headless: DNS answers the ${readyIPs.length} ready pod IP${readyIPs.length === 1 ? '' : 's'} (${readyIPs.join(', ')}) and the app dials one of them; ${pick.namespace}/${pick.name} on ${pick.node} is drawn${readyIPs.length > 1 ? '; every ready pod is still connected to directly' : ''}`
      : `${key} is headless and has no ready pod, so DNS has no address to answer`;
  return { ...(pick ? { dst: pick } : {}), dstPort, why, extras: { key, port, ready: readyIPs, notReady: eps.notReady } };
}

/**
 * A headless Service's pod record, `<hostname>.<service>.<namespace>[.svc[.<domain>]]` (a StatefulSet's peer
 * address): the Service and the ready pod whose EndpointSlice endpoint publishes that hostname (the
 * endpoints controller publishes spec.hostname when spec.subdomain names the Service). Undefined otherwise.
 */
export function planHeadlessHost(name: string, src: PodEnd, snap: ClusterSnapshot, domain: string, want: { port?: number; proto?: string } = {}): { svc: Service; dst?: PodEnd; why: string; extras: NonNullable<EdgeExtras['headless']> } | undefined {
  const bare = name.replace(/\.$/, '').replace(new RegExp(`\\.svc(\\.${domain.replace(/\./g, '\\.')})?$`), '');
  const parts = bare.split('.');
  // relative to the source's namespace (`web-0.search`) or absolute (`web-0.search.data`)
  const [host, svcName, ns] = parts.length === 3 ? parts : parts.length === 2 ? [parts[0], parts[1], src.namespace] : [];
  if (!host || !svcName || !ns) return undefined;
  const svc = snap.services.find((x) => x.metadata?.name === svcName && (x.metadata?.namespace ?? 'default') === ns && serviceKind(x) === 'headless');
  // the port asked for (TCP unless the suffix says UDP: lib/kube/ports.ts), else the Service's first
  const port = svc ? (findServicePort(svc, want.port, want.proto) ?? svc.spec?.ports?.[0]) : undefined;
  if (!svc || !port) return undefined;
  const eps = endpointsForServicePort(svc, port, snap.endpointSlices);
  const slices = snap.endpointSlices.filter((sl) => sl.metadata?.namespace === ns && sl.metadata?.labels?.['kubernetes.io/service-name'] === svcName);
  const ep = slices.flatMap((sl) => sl.endpoints ?? []).find((e) => (e as { hostname?: string }).hostname === host);
  const ip = ep?.addresses[0];
  const pod = ip ? podWithIP(snap.pods, ip) : undefined;
  const dst = pod ? podEndOf(pod) : undefined;
  const key = nsName(svc);
  const readyIPs = [...new Set(eps.endpoints.filter((e) => e.ready && e.ip === ip).map((e) => e.ip))];
  // no endpoint publishes the hostname: the Service's ready pods, which a pod record could have named
  const unpublished = dst ? [] : [...new Set(eps.endpoints.filter((e) => e.ready).map((e) => e.ip))].map((a) => {
    const p = podWithIP(snap.pods, a);
    return p ? `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name} ${a}` : a;
  });
  return { svc, ...(dst ? { dst } : {}), why: dst ? `${name} is the DNS record of ${dst.namespace}/${dst.name} (hostname ${host}) under headless ${key}` : `no ready endpoint of headless ${key} publishes hostname ${host}`, extras: { key, port, ready: readyIPs, notReady: eps.notReady, host, ...(unpublished.length ? { unpublished } : {}) } };
}

/** Is this IP inside the cluster (a pod, a pod CIDR, a ClusterIP, a node, a LoadBalancer ingress)? */
export function isClusterAddress(ip: string, snap: ClusterSnapshot): boolean {
  if (snap.pods.some((p) => podIP(p) === ip)) return true;
  if (snap.services.some((s) => s.spec?.clusterIP === ip || s.spec?.clusterIPs?.includes(ip))) return true;
  if (snap.services.some((s) => lbIngressIPs(s).includes(ip))) return true;
  for (const n of snap.nodes) {
    if (n.status?.addresses?.some((a) => a.address === ip)) return true;
    for (const c of [n.spec?.podCIDR, ...(n.spec?.podCIDRs ?? [])]) {
      const cidr = c ? parseCidr(c) : null;
      if (cidr && cidrContains(cidr, ip)) return true;
    }
  }
  return false;
}

/** A LoadBalancer Service's ingress IPs: status.loadBalancer.ingress[].ip, else spec.loadBalancerIP. */
export function lbIngressIPs(svc: Service): string[] {
  const s = svc as Service & { status?: { loadBalancer?: { ingress?: { ip?: string }[] | null } }; spec?: { loadBalancerIP?: string } };
  if (s.spec?.type !== 'LoadBalancer') return [];
  const ips = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x);
  return ips.length ? ips : s.spec?.loadBalancerIP ? [s.spec.loadBalancerIP] : [];
}

/**
 * Whether kube-proxy captures LoadBalancer ingress address `ip` of `svc` on every node: yes unless that ingress says
 * `ipMode: Proxy` (KEP-1860: the load balancer proxies, so traffic to the address must reach it). With the default
 * (`VIP`, or no ipMode) kube-proxy writes a rule for the address itself — iptables `KUBE-SERVICES -d IP … "loadbalancer
 * IP" -j KUBE-EXT-…`, nft map `service-ips` — so a pod's or a node's own connection to it is DNATed on its own node
 * to an endpoint and never reaches the load balancer.
 */
export function lbIngressCaptured(svc: Service, ip: string): boolean {
  const s = svc as Service & { status?: { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] | null } } };
  return !(s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === ip && i.ipMode === 'Proxy');
}

/** The cluster DNS Service's own name: a name that must resolve whenever the cluster DNS answers at all. */
export function controlName(snap: ClusterSnapshot, domain: string): string | undefined {
  const dns = snap.services.find((s) => s.metadata?.namespace === 'kube-system' && (s.metadata?.name === 'kube-dns' || s.metadata?.name === 'coredns')) ?? snap.services.find((s) => s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes');
  return dns ? `${dns.metadata?.name}.${dns.metadata?.namespace}.svc.${domain}` : undefined;
}

/** Adds a probe unless the same run is planned (then the hop reads that run too), as planPath's own add does. */
export function addProbe(plan: Pick<PathPlan, 'probes'>, p: Omit<PlannedProbe, 'key' | 'phase'> & { phase?: PlannedProbe['phase'] }): void {
  const key = probeKey(p);
  const have = plan.probes.find((x) => x.key === key);
  if (!have) plan.probes.push({ phase: 1, ...p, key });
  else if (have.hop !== p.hop && !have.alsoHops?.includes(p.hop)) have.alsoHops = [...(have.alsoHops ?? []), p.hop];
}

/**
 * The probes that follow the way out once the external address is known (a name's answer comes from
 * the pod's own resolver, so they are added in phase 2): the connect as the app makes it, the pod's and
 * the node's route, and — after the connect (phase 3) — the node's conntrack entry of that flow, whose
 * reply tuple is the source address the outside saw.
 */
export function egressProbes(plan: PathPlan, ip: string): PlannedProbe[] {
  const src = { namespace: plan.src.namespace, name: plan.src.name };
  const port = plan.dstPort;
  const out: PlannedProbe[] = [];
  const push = (p: Omit<PlannedProbe, 'key'>) => out.push(keyed(p));
  if (port) push({ probe: plan.edge?.udp ? 'udp-connect' : 'tcp-connect', hop: 'external', where: 'pod', pod: src, args: { ip, port }, phase: 2 });
  if (port && plan.edge?.udp) push({ probe: 'udp-exchange', hop: 'external', where: 'pod', pod: src, args: { ip, port }, phase: 2 });
  push({ probe: 'route-get', hop: 'src-pod', where: 'pod', pod: src, args: { ip }, phase: 2 });
  push({ probe: 'node-route-get', hop: 'egress', where: 'node', node: plan.src.node, args: { ip }, phase: 2 });
  if (port) push({ probe: 'conntrack-list', hop: 'egress', where: 'node', node: plan.src.node, args: plan.edge?.udp ? { ip, port, proto: 'udp' } : { ip, port }, phase: 3 });
  return out;
}

/**
 * Whether the target's UDP port is a DNS server's: port 53 dialled, or the Service port (or, headless, its port)
 * named `dns`/`dns-udp`/… or with appProtocol `dns` (kube-dns's ports are named `dns` and `dns-tcp`; CoreDNS's
 * chart the same). Then the datagram that proves the path is a DNS query (registry `dns-exchange`).
 */
export function isDnsPort(plan: PathPlan): boolean {
  const port = plan.service?.port ?? plan.edge?.headless?.port;
  return plan.dstPort === 53 || /^dns(-|$)/i.test(port?.name ?? '') || /^dns$/i.test(port?.appProtocol ?? '');
}

/**
 * The hook planPath calls last: UDP ports get datagram probes and UDP listeners; a target outside the
 * cluster gets the `egress` and `external` hops and the probes that prove the SNAT; a control DNS query
 * tells "the cluster DNS is down" from "names outside the cluster do not resolve".
 */
export function extendPlan(plan: PathPlan, snap: ClusterSnapshot, domain: string): PathPlan {
  const edge: EdgeExtras = { ...plan.edge };
  // The target's /udp suffix (lib/target.ts) says UDP whatever the objects declare (a host outside the cluster declares nothing).
  const udpPort = plan.target.proto === 'udp' || (plan.target.proto !== 'tcp' && (plan.service ? (plan.service.port.protocol ?? 'TCP').toUpperCase() === 'UDP' : edge.headless ? (edge.headless.port.protocol ?? 'TCP').toUpperCase() === 'UDP' : plan.dst && plan.dstPort ? podPortProtocol(plan.dst.pod, plan.dstPort) === 'UDP' : false));
  if (udpPort) {
    edge.udp = true;
    plan.probes = plan.probes
      .filter((p) => p.probe !== 'tcp-bulk')
      .map((p) => (p.probe === 'tcp-connect' ? { ...p, probe: 'udp-connect', key: p.key.replace(':tcp-connect:', ':udp-connect:') } : p.probe === 'ss-listen' ? { ...p, probe: 'ss-listen-udp', key: p.key.replace(':ss-listen', ':ss-listen-udp') } : p));
    // No ICMP error proves nothing for UDP: a datagram that comes back does (lib/verdict/edge.ts judgeUdp) — from a
    // DNS server, the answer to a real query.
    const dns = isDnsPort(plan);
    for (const p of plan.probes.filter((x) => x.probe === 'udp-connect' && x.where === 'pod')) {
      const { key: _key, ...rest } = p;
      addProbe(plan, dns ? { ...rest, probe: 'dns-exchange', args: { ...rest.args, name: domain } } : { ...rest, probe: 'udp-exchange' });
    }
  }
  const t = plan.target;
  const external = plan.loopback
    ? undefined
    : edge.externalName
    ? { host: edge.externalName.name }
    : t.kind === 'ip' && !isClusterAddress(t.ip, snap)
      ? { host: t.ip, ip: t.ip }
      : t.kind === 'name' && !plan.name?.matched && !edge.headless && !t.name.replace(/\.$/, '').endsWith(`.${domain}`) && t.name.includes('.') && !t.name.split('.').slice(1, 3).some((l) => snap.namespaces.some((n) => n.metadata?.name === l) || servicesUnreadable(snap, l))
        ? { host: t.name }
        : undefined;
  if (external) {
    edge.external = external;
    const src = plan.src;
    const hops: Hop[] = [
      hop('egress', `egress from ${src.node}`, src.node, `pod traffic leaving the pod CIDR is SNATed to ${src.node}'s address (MASQUERADE), and ${src.node} has a route out`),
      hop('external', `${external.host}${plan.dstPort ? `:${plan.dstPort}` : ''}`, undefined, `a server outside the cluster answers on ${plan.dstPort ?? 'the port'}`),
    ];
    plan.hops = [...plan.hops, ...hops];
    for (const probe of ['iptables-save', 'nft-ruleset'] as const) addProbe(plan, { probe, hop: 'egress', where: 'node', node: src.node, args: {} });
    if (external.ip) {
      // The connect planned at plan time has no destination pod hop: it is the external server's.
      plan.probes = plan.probes.map((p) => ((p.probe === 'tcp-connect' || p.probe === 'udp-connect') && p.args.ip === external.ip ? { ...p, hop: 'external' } : p));
      for (const p of egressProbes(plan, external.ip)) addProbe(plan, { ...p, phase: p.phase === 3 ? 3 : 1 });
    }
  }
  // Only where a failed lookup could be the forwarder's (a name not matched to a Service, or an ExternalName's
  // target): judgeUpstreamDns (lib/verdict/edge.ts) reads it nowhere else, so a Service name costs no query more.
  if (plan.name && (!plan.name.matched || edge.externalName)) {
    const control = controlName(snap, domain);
    if (control && control !== plan.name.matched?.fqdn) {
      edge.controlName = control;
      addProbe(plan, { probe: 'dig-control', hop: 'dns', where: 'pod', pod: { namespace: plan.src.namespace, name: plan.src.name }, args: { name: control } });
    }
  }
  if (Object.keys(edge).length) plan.edge = edge;
  plan.hops = withTransport(plan.hops, edge.udp ? 'UDP' : 'TCP', ['service', 'external', 'dst-pod']);
  return plan;
}

/**
 * The transport the target is dialled over, as `details.protocol` ("TCP" | "UDP") of the first of `on` in the path:
 * the hop its connection is judged on. The headers show it when no /udp suffix said so (lib/target.ts dialledProto).
 */
export function withTransport(hops: readonly Hop[], protocol: 'TCP' | 'UDP', on: readonly Hop['id'][]): Hop[] {
  const at = on.map((id) => hops.find((h) => h.id === id)).find((h) => !!h);
  return hops.map((h) => (h === at ? { ...h, details: { ...h.details, protocol } } : h));
}
