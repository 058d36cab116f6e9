// The plan for traffic that does not start in a pod, or enters through a node (DESIGN §3.2, §4): sources
// `node/NAME` (the node's own netns, probed through a node debug pod) and `outside` (the machine packetwalk
// runs on; in the lab its outside client), targets `node/NAME:PORT` (a NodePort on a node's InternalIP),
// LoadBalancer ingress IPs, Service names and ClusterIPs (from a node), pods, and names/IPs outside the
// cluster. Hops in DESIGN §4 order: client, service, lb, src-node (the node the traffic enters), node-port,
// overlay, dst-node, dst-veth, dst-pod, egress, external. Pure: server/diagnose/edge.ts runs the probes,
// lib/verdict/northSouth.ts judges them.
import type { Hop, HopId } from '../model';
import { isIPv4, retarget, type Source, type Target } from '../target';
import type { ProbeId } from '../probes';
import { checkServicePort, endpointsForServicePort, formatEndpoint, kubeProxyView, findNodePort, findServicePort, nsName, podIP, podWithIP, parseServiceFqdn, policySelectsPod, type Pod, type Service, type ServicePort, type ServicePortCheck, type ServicePortEndpoints, DEFAULT_CLUSTER_DOMAIN, nodeZone, servicePortMiss } from '../kube';
import type { ClusterSnapshot } from './snapshot';
import { endText, findPod, hop, MAX_DIRECT_CONNECTS, PlanError, podNotFound, type PlannedProbe, type PodEnd } from './index';
import { addProbe, isClusterAddress, lbIngressCaptured, lbIngressIPs, withTransport } from './egress';
import { BULK_BYTES, PING_FIRST, SMALL_BYTES, endpointMtuPings } from './mtu';
import { exitedZero, keyed, mtuFailing, type RunOutcome } from './ops';
import { parseIpAddr } from '../parse/ipAddr';
import { parseIpRouteGet } from '../parse/ipRouteGet';
import { cidrHost } from '../ip';
import { familyFromPods } from '../kube';

/** How the client's packet reaches its destination. */
export type NorthSouthVia = 'lb' | 'node-port' | 'cluster-ip' | 'pod' | 'host' | 'external';

export interface NorthSouthService {
  key: string;
  service: Service;
  port: ServicePort;
  nodePort?: number;
  /** externalTrafficPolicy: Local */
  etpLocal: boolean;
  vip?: string;
  check: ServicePortCheck;
  endpoints: ServicePortEndpoints;
  udp: boolean;
}

export interface NorthSouthPlan {
  kind: 'north-south';
  source: Source;
  /** the node of a node source, the pod of a pod source */
  srcNode?: string;
  srcPod?: PodEnd;
  target: Target;
  via: NorthSouthVia;
  /** a name the source's own resolver answers at run time (outside/node source, a name outside the cluster) */
  resolve?: string;
  /**
   * A hostNetwork pod source with `dnsPolicy: ClusterFirstWithHostNet`: its resolver is the cluster DNS with its
   * namespace's search list (Kubernetes DNS docs), not the node's, so its short Service names are cluster names.
   */
  clusterDnsNamespace?: string;
  /**
   * A hostNetwork pod source whose dnsPolicy is not ClusterFirstWithHostNet (ClusterFirst, the default, or Default):
   * the kubelet gives it the node's resolv.conf (Kubernetes DNS docs, "Pod's DNS Policy": "Pods running with hostNetwork
   * and ClusterFirst will fallback to the behavior of the Default policy"), so a cluster Service name it dials is asked
   * of the node's resolver at run time (`resolve`), while the walk dials the Service's ClusterIP from the objects.
   */
  hostPodDns?: { pod: string; dnsPolicy: string };
  /** the node the traffic enters (NodePort, LoadBalancer) and its InternalIP */
  entry?: { node: string; ip: string; why: string };
  /**
   * The LoadBalancer ingress address dialled. `inCluster`: the source is a pod or a node, whose own kube-proxy captures
   * the address (lib/plan/egress lbIngressCaptured), so the path is that node's rule for it (the service hop, `via`
   * 'cluster-ip' with this address in place of the ClusterIP), not the load balancer and a NodePort.
   */
  lb?: { ip: string; inCluster?: boolean };
  service?: NorthSouthService;
  dst?: PodEnd;
  /** the endpoint port on dst (after DNAT) */
  dstPodPort?: number;
  dstIP?: string;
  dstPort?: number;
  /** why the drawn endpoint / entry node was chosen */
  choice?: string;
  /**
   * The nodes a load balancer sends the outside client to under externalTrafficPolicy Local (each has a ready local
   * endpoint: its health check says so), the entry first, each with its first ready local endpoint. Set for an outside
   * client reaching a LoadBalancer over TCP; a NodePort dialled directly enters where the client says, so not there.
   */
  lbNodes?: { node: string; ip: string; end: PodEnd; port: number }[];
  /** the zone (lib/kube ZONE_LABEL) of each node that has one: kube-proxy's topology hints there read it */
  nodeZones?: Record<string, string>;
  hops: Hop[];
  probes: PlannedProbe[];
}

export function isNorthSouth(p: unknown): p is NorthSouthPlan {
  return typeof p === 'object' && p !== null && (p as { kind?: string }).kind === 'north-south';
}

/**
 * Does this (source, target) take the north-south planner? Sources other than a pod, node targets, and IP
 * targets that are a LoadBalancer's ingress or a node's address; everything else is a pod path (lib/plan).
 */
export function northSouthPath(source: Source, target: Target, snap: ClusterSnapshot): boolean {
  if (source.kind !== 'pod' || target.kind === 'node') return true;
  // A hostNetwork pod shares its node's netns (DESIGN §3.2): its traffic starts as the node's own.
  if (findPod(snap, source.namespace, source.name)?.spec?.hostNetwork) return true;
  if (target.kind !== 'ip') return false;
  return snap.services.some((s) => lbIngressIPs(s).includes(target.ip)) || snap.nodes.some((n) => n.status?.addresses?.some((a) => a.address === target.ip));
}

/** The Service that owns `nodePort` (a nodePort is unique in a cluster); undefined when none does. */
export function serviceWithNodePort(services: readonly Service[], nodePort: number): Service | undefined {
  return services.find((s) => s.spec?.ports?.some((p) => p.nodePort === nodePort));
}

/** A node's InternalIP as its Node object reports it. */
export function nodeInternalIP(snap: ClusterSnapshot, node: string): string | undefined {
  return snap.nodes.find((n) => n.metadata?.name === node)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function podEnd(pod: Pod): PodEnd | undefined {
  const ip = podIP(pod);
  const node = pod.spec?.nodeName;
  if (!ip || !node) return undefined;
  return { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '?', ip, node, pod, ...(pod.spec?.hostNetwork ? { hostNetwork: true } : {}) };
}

/** The connect probe a source runs, TCP or UDP. */
export function connectProbe(source: Source, udp: boolean): ProbeId {
  const base = udp ? 'udp-connect' : 'tcp-connect';
  return source.kind === 'pod' ? base : `${source.kind}-${base}`;
}

function nsService(svc: Service, sp: ServicePort, snap: ClusterSnapshot): NorthSouthService {
  const spec = svc.spec as (Service['spec'] & { externalTrafficPolicy?: string }) | undefined;
  const vip = spec?.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
  return {
    key: nsName(svc), service: svc, port: sp, ...(sp.nodePort ? { nodePort: sp.nodePort } : {}), etpLocal: spec?.externalTrafficPolicy === 'Local', ...(vip ? { vip } : {}),
    check: checkServicePort(svc, sp, snap.pods, endpointsForServicePort(svc, sp, snap.endpointSlices)), endpoints: endpointsForServicePort(svc, sp, snap.endpointSlices), udp: (sp.protocol ?? 'TCP').toUpperCase() === 'UDP',
  };
}

/** Ready endpoints as pods, with the endpoint port. */
function readyPods(s: NorthSouthService, snap: ClusterSnapshot): { end: PodEnd; port: number }[] {
  return s.endpoints.endpoints
    .filter((e) => e.ready)
    .map((e) => {
      const p = e.pod ? findPod(snap, e.pod.split('/')[0], e.pod.split('/')[1]) : snap.pods.find((x) => podIP(x) === e.ip);
      const end = p ? podEnd(p) : undefined;
      return end ? { end, port: e.port } : undefined;
    })
    .filter((x): x is { end: PodEnd; port: number } => !!x);
}

const nodeNames = (snap: ClusterSnapshot) => snap.nodes.map((n) => n.metadata?.name).filter((n): n is string => !!n).sort();

/** Why a node named in --from/--to has no address: not there, or not readable by this user (then it proves nothing). */
function nodeMissing(flag: string, node: string, snap: ClusterSnapshot): string {
  if (snap.nodesUnreadable) return `${flag}: node ${node}: this user may not read Nodes, so its address is unknown; a node's own network needs get and list on nodes (cluster-scoped), besides create on pods for its debug pod`;
  return `${flag}: node ${node} not found (kubectl get nodes lists ${nodeNames(snap).join(', ') || 'none'})`;
}

/**
 * An outside client through a NodePort or LoadBalancer with externalTrafficPolicy Cluster whose drawn endpoint runs on
 * the entry node itself: kube-proxy marks the packet for masquerade but rewrites it only in POSTROUTING, after the
 * filter FORWARD rules where iptables policy engines (Calico's cali-FORWARD, the lab's) judge it — so the policy
 * sees the client's own address, the pod the entry's bridge address. Pure.
 */
function clientJudgedOnEntry(plan: NorthSouthPlan): boolean {
  return plan.source.kind === 'outside' && !!plan.service && !plan.service.etpLocal && (plan.via === 'node-port' || plan.via === 'lb') && !!plan.entry && plan.entry.node === plan.dst?.node;
}

/**
 * The nodes a cloud load balancer targets for a Service with externalTrafficPolicy Cluster (its health check on
 * kube-proxy's /healthz then decides at run time): every node without the label
 * node.kubernetes.io/exclude-from-external-load-balancers (the cloud-provider service controller's rule), by name. Pure.
 */
export function lbTargetNodes(snap: ClusterSnapshot): string[] {
  return snap.nodes.filter((n) => n.metadata?.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'] === undefined).map((n) => n.metadata?.name ?? '').filter(Boolean);
}

/** `node`'s IPv4 pod CIDRs (spec.podCIDR and spec.podCIDRs, once each), by name; none for a node not in the snapshot. Pure. */
export function nodeV4PodCidrs(snap: ClusterSnapshot, node: string): string[] {
  const n = snap.nodes.find((x) => x.metadata?.name === node);
  return [...new Set([n?.spec?.podCIDR, ...(n?.spec?.podCIDRs ?? [])].filter((x): x is string => !!x && !x.includes(':')))];
}

/**
 * Whether the flow starts on the node it enters at (`plan.entry`): a pod on it or its own network. kube-proxy there sends
 * such traffic to a NodePort or LoadBalancer address on to any ready endpoint whatever the externalTrafficPolicy
 * (iptables: "pod traffic for … external destinations" `-s <cluster CIDR>` and "route LOCAL traffic" `-m addrtype
 * --src-type LOCAL` → KUBE-SVC-…; nftables: "short-circuit pod traffic" / "short-circuit local traffic"; upstream
 * pkg/proxy/iptables/proxier.go). Pure.
 */
export function startsOnEntry(plan: Pick<NorthSouthPlan, 'entry' | 'source' | 'srcNode'>): boolean {
  const entry = plan.entry?.node;
  return !!entry && ((plan.source.kind === 'pod' && plan.srcNode === entry) || (plan.source.kind === 'node' && plan.source.node === entry));
}

/** How a plan is re-drawn after a first run (followFailureNorthSouth): to which ready endpoint, through which node, and why. */
export interface RedrawOptions {
  /** the address of a ready endpoint to draw the path to */
  preferEndpoint?: string;
  /** the node a load balancer (externalTrafficPolicy Cluster) is drawn to send the client to: its name or InternalIP */
  preferEntry?: string;
  /** why, for the plan's `choice` (default: the direct connection from the entry to it failed) */
  redrawnBecause?: string;
}

/**
 * Builds the plan. Throws PlanError (field named) for a node, Service or port that does not exist.
 * `domain` is the cluster DNS domain (cluster.local unless the cluster says otherwise). `preferEndpoint`: the address
 * of a ready endpoint to draw the path to (followFailureNorthSouth), when it is one; else the usual choice;
 * `redrawnBecause`: why it is drawn to that one, for `choice` (default: its direct connection failed).
 */
export function planNorthSouth(asked: Source, target: Target, snap: ClusterSnapshot, domain = DEFAULT_CLUSTER_DOMAIN, opts: RedrawOptions = {}): NorthSouthPlan {
  // A hostNetwork pod is its node's network: probed (and drawn) as the node.
  const hostPod = asked.kind === 'pod' ? findPod(snap, asked.namespace, asked.name) : undefined;
  const source: Source = hostPod?.spec?.hostNetwork && hostPod.spec.nodeName ? { kind: 'node', node: hostPod.spec.nodeName } : asked;
  const plan: NorthSouthPlan = { kind: 'north-south', source, target, via: 'external', hops: [], probes: [] };
  const zones = Object.fromEntries(snap.nodes.flatMap((n) => { const z = nodeZone(snap.nodes, n.metadata?.name); return z ? [[n.metadata!.name!, z]] : []; }));
  if (Object.keys(zones).length) plan.nodeZones = zones;
  if (hostPod?.spec?.hostNetwork && hostPod.spec.dnsPolicy === 'ClusterFirstWithHostNet') plan.clusterDnsNamespace = hostPod.metadata?.namespace ?? 'default';
  else if (hostPod?.spec?.hostNetwork && hostPod.spec.dnsPolicy !== 'None') plan.hostPodDns = { pod: `${hostPod.metadata?.namespace ?? 'default'}/${hostPod.metadata?.name ?? ''}`, dnsPolicy: hostPod.spec.dnsPolicy ?? 'ClusterFirst' };
  if (source.kind === 'node') {
    if (!nodeInternalIP(snap, source.node)) throw new PlanError(nodeMissing('--from', source.node, snap), 'from');
    plan.srcNode = source.node;
  } else if (source.kind === 'pod') {
    const p = findPod(snap, source.namespace, source.name);
    const end = p ? podEnd(p) : undefined;
    if (!end) throw new PlanError(`--from: pod ${source.namespace}/${source.name} not found or not running (kubectl get pods -n ${source.namespace})`, 'from');
    plan.srcPod = end;
    plan.srcNode = end.node;
  }

  // --- where the packet goes ---
  const servicePort = (svc: Service, port: number | undefined, byNodePort = false): ServicePort => {
    const sp = byNodePort && port !== undefined ? findNodePort(svc, port, target.proto) : findServicePort(svc, port, target.proto);
    if (!sp) throw new PlanError(`--to: ${servicePortMiss(svc, port, target.proto, retarget(target), byNodePort)}`, 'to');
    return sp;
  };
  const enterVia = (svc: Service, sp: ServicePort, entryNode: string | undefined, why: string) => {
    const s = nsService(svc, sp, snap);
    plan.service = s;
    const ready = readyPods(s, snap);
    // externalTrafficPolicy Local: the load balancer health-checks the nodes and sends only to those with a
    // ready local endpoint; a NodePort dialled directly enters where the client says.
    let entry = entryNode;
    let entryWhy = why;
    if (!entry) {
      const nodes = nodeNames(snap);
      const withEp = nodes.filter((n) => ready.some((r) => r.end.node === n));
      if (s.etpLocal) {
        entry = withEp[0] ?? nodes[0];
        entryWhy = withEp.length ? `externalTrafficPolicy Local: the load balancer sends only to nodes whose health check reports a local endpoint (${withEp.join(', ')}); ${entry} is drawn` : `externalTrafficPolicy Local and no node has a ready endpoint; ${entry} is drawn`;
      } else {
        const asked = opts.preferEntry ? nodes.find((n) => n === opts.preferEntry || nodeInternalIP(snap, n) === opts.preferEntry) : undefined;
        entry = asked ?? nodes.find((n) => !withEp.includes(n)) ?? nodes[0];
        entryWhy = asked
          ? `externalTrafficPolicy Cluster: the load balancer may send to any node (${nodes.join(', ')}); ${entry} is drawn (${opts.redrawnBecause ?? `its NodePort did not answer the client while the first node drawn did`})`
          : `externalTrafficPolicy Cluster: the load balancer may send to any node (${nodes.join(', ')}); ${entry}${withEp.includes(entry ?? '') ? '' : ', which has no local endpoint,'} is drawn (kube-proxy forwards to an endpoint elsewhere)`;
      }
    }
    if (entry) plan.entry = { node: entry, ip: nodeInternalIP(snap, entry) ?? '', why: entryWhy };
    if (s.etpLocal && !entryNode && source.kind === 'outside' && !s.udp && target.proto !== 'udp') {
      const lbNodes: NonNullable<NorthSouthPlan['lbNodes']> = [];
      for (const n of nodeNames(snap)) {
        const ip = nodeInternalIP(snap, n);
        const mine = ready.find((r) => r.end.node === n);
        if (ip && mine) lbNodes.push({ node: n, ip, end: mine.end, port: mine.port });
      }
      plan.lbNodes = [...lbNodes.filter((x) => x.node === entry), ...lbNodes.filter((x) => x.node !== entry)].slice(0, MAX_DIRECT_CONNECTS);
    }
    const local = ready.filter((r) => r.end.node === entry);
    // externalTrafficPolicy Local keeps traffic from outside (a NodePort, a LoadBalancer) on the entry's own endpoints;
    // a ClusterIP, and a pod's or node's own connection to the LoadBalancer address (via cluster-ip), is sent to any
    // ready endpoint (kube-proxy's "pod traffic for … external destinations" and "route LOCAL traffic" rules)
    // — which includes traffic that starts on the entry node itself: its own (`-m addrtype --src-type LOCAL`, nft
    // "short-circuit local traffic") and its pods' (detect-local), whether or not the entry has a local endpoint
    const shortCircuit = startsOnEntry(plan);
    const etpLocal = s.etpLocal && (plan.via === 'lb' || plan.via === 'node-port') && !shortCircuit;
    if (s.etpLocal && shortCircuit) entryWhy = `${entryWhy}; externalTrafficPolicy Local does not hold for traffic that starts on ${entry} (${source.kind === 'node' ? 'its own' : 'its pods\''}): kube-proxy there sends it to any ready endpoint`;
    const preferred = opts.preferEndpoint ? ready.find((r) => r.end.ip === opts.preferEndpoint) : undefined;
    // ...and otherwise to the endpoints kube-proxy there uses (its zone's, with topology hints): drawing one it never
    // sends to would walk a path this client's traffic does not take
    const used = endpointsUsedFrom(plan);
    const usable = used?.size ? ready.filter((r) => used.has(formatEndpoint(r.end.ip, r.port))) : ready;
    const pick = preferred ?? (etpLocal ? local[0] : (usable.find((r) => r.end.node !== entry) ?? usable[0]));
    if (pick) {
      plan.dst = pick.end;
      plan.dstPodPort = pick.port;
    }
    const redrawn = preferred ? ` (${opts.redrawnBecause ?? `the direct connection from ${entry} to it failed while the first path drawn worked, so the path is drawn to it`})` : '';
    // (a load balancer's entry redrawn: its reason is in entryWhy)
    plan.choice = `${entryWhy}${pick ? `; endpoint ${pick.end.namespace}/${pick.end.name} (${pick.end.ip}:${pick.port}) on ${pick.end.node}${redrawn}` : etpLocal && ready.length ? `; ${entry} has no local endpoint, so kube-proxy drops the traffic there` : '; no ready endpoint'}`;
  };

  if (target.kind === 'node') {
    const ip = nodeInternalIP(snap, target.node);
    if (!ip) throw new PlanError(nodeMissing('--to', target.node, snap), 'to');
    plan.dstIP = ip;
    plan.dstPort = target.port;
    const svc = serviceWithNodePort(snap.services, target.port);
    if (svc) {
      plan.via = 'node-port';
      enterVia(svc, servicePort(svc, target.port, true), target.node, `the client dials ${target.node}'s InternalIP ${ip}`);
    } else {
      plan.via = 'host';
      plan.entry = { node: target.node, ip, why: `no Service has nodePort ${target.port}: a listener in ${target.node}'s own network (a hostNetwork pod) must answer` };
      const hostPod = snap.pods.find((p) => p.spec?.hostNetwork && p.spec?.nodeName === target.node && p.spec.containers?.some((c) => c.ports?.some((x) => x.containerPort === target.port)));
      if (hostPod) plan.choice = `hostNetwork pod ${nsName(hostPod)} declares port ${target.port} on ${target.node}`;
    }
  } else if (target.kind === 'pod') {
    const p = findPod(snap, target.namespace, target.name);
    const end = p ? podEnd(p) : undefined;
    if (!p) throw new PlanError(podNotFound('--to', target, snap, (n) => retarget({ ...target, name: n })(target.port, target.proto)), 'to');
    if (!end) throw new PlanError(`--to: pod ${target.namespace}/${target.name} has no IP or node yet (phase ${p.status?.phase ?? 'unknown'}); wait until it runs`, 'to');
    plan.via = 'pod';
    plan.dst = end;
    plan.dstIP = end.ip;
    plan.dstPort = target.port;
    plan.dstPodPort = target.port;
  } else if (target.kind === 'ip') {
    plan.dstIP = target.ip;
    plan.dstPort = target.port;
    const lbSvc = snap.services.find((s) => lbIngressIPs(s).includes(target.ip));
    const nodeObj = snap.nodes.find((n) => n.status?.addresses?.some((a) => a.address === target.ip));
    const vipSvc = snap.services.find((s) => s.spec?.clusterIP === target.ip);
    const pod = podWithIP(snap.pods, target.ip);
    if (lbSvc && source.kind !== 'outside' && plan.srcNode && lbIngressCaptured(lbSvc, target.ip)) {
      // In the cluster the address is kube-proxy's own: its rule on the source's node DNATs the connection to a ready
      // endpoint there (externalTrafficPolicy is for traffic from outside; kube-proxy sends pod traffic to any endpoint).
      plan.via = 'cluster-ip';
      plan.lb = { ip: target.ip, inCluster: true };
      enterVia(lbSvc, servicePort(lbSvc, target.port), plan.srcNode, `${target.ip} is LoadBalancer Service ${nsName(lbSvc)}'s ingress address; from inside the cluster the load balancer is not on the way: kube-proxy on ${plan.srcNode} is to DNAT the address itself to a ready endpoint (its rule for it: iptables KUBE-SERVICES "loadbalancer IP" → KUBE-EXT-…, nft map service-ips)`);
    } else if (lbSvc) {
      plan.via = 'lb';
      plan.lb = { ip: target.ip };
      enterVia(lbSvc, servicePort(lbSvc, target.port), undefined, '');
    } else if (nodeObj) {
      return planNorthSouth(source, { kind: 'node', node: nodeObj.metadata?.name ?? '', port: target.port, text: target.text }, snap, domain, opts);
    } else if (vipSvc) {
      plan.via = 'cluster-ip';
      enterVia(vipSvc, servicePort(vipSvc, target.port), plan.srcNode ?? nodeNames(snap)[0], `ClusterIP ${target.ip} is served by kube-proxy on the node the packet is on`);
    } else if (pod) {
      return planNorthSouth(source, { kind: 'pod', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', port: target.port, text: target.text }, snap, domain, opts);
    } else if (isClusterAddress(target.ip, snap)) {
      throw new PlanError(`--to: ${target.ip} is inside the cluster but no pod, Service or node has it; pick a running pod, a Service or a node`, 'to');
    } else plan.via = 'external';
  } else {
    // A name. From a node, a Service name is what the objects say (a node's resolver is not the cluster
    // DNS); from outside and for other names, the source's own resolver answers at run time.
    const fq =
      parseServiceFqdn(target.name.replace(/\.$/, ''), domain) ??
      (/^[a-z0-9-]+\.[a-z0-9-]+$/.test(target.name) ? { service: target.name.split('.')[0], namespace: target.name.split('.')[1] } : null) ??
      (plan.clusterDnsNamespace && /^[a-z0-9-]+$/.test(target.name) ? { service: target.name, namespace: plan.clusterDnsNamespace } : null);
    const svc = fq && source.kind !== 'outside' ? snap.services.find((s) => s.metadata?.name === fq.service && s.metadata?.namespace === fq.namespace) : undefined;
    if (svc && svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') {
      plan.via = 'cluster-ip';
      const sp = servicePort(svc, target.port);
      plan.dstIP = svc.spec.clusterIP;
      plan.dstPort = target.port ?? sp.port;
      if (plan.hostPodDns) plan.resolve = target.name;
      enterVia(svc, sp, plan.srcNode ?? nodeNames(snap)[0], `${target.name} is Service ${nsName(svc)} (ClusterIP ${svc.spec.clusterIP}, from the objects: a node's resolver does not ask the cluster DNS)`);
    } else if (svc && source.kind === 'node' && !plan.hostPodDns && findServicePort(svc, target.port, target.proto)) {
      // A headless Service's name: the cluster DNS answers its ready pods' addresses (Kubernetes DNS docs). From a
      // node, or a hostNetwork pod with ClusterFirstWithHostNet, that is read from the objects as for a ClusterIP:
      // the first ready pod is drawn, at the port dialled.
      const sp = findServicePort(svc, target.port, target.proto)!;
      const ready = readyPods(nsService(svc, sp, snap), snap);
      const pick = ready.find((r) => r.end.node !== plan.srcNode) ?? ready[0];
      if (!pick) throw new PlanError(`--to ${target.name}: headless Service ${nsName(svc)} has no ready endpoint, so its name has no address (kubectl get endpointslices -n ${nsName(svc).split('/')[0]} -l kubernetes.io/service-name=${svc.metadata?.name})`, 'to');
      // as a pod target (the branch above), the name kept as the user typed it
      plan.via = 'pod';
      plan.dst = pick.end;
      plan.dstIP = pick.end.ip;
      plan.dstPort = plan.dstPodPort = target.port ?? pick.port;
      plan.choice = `${target.name} is headless Service ${nsName(svc)}: the cluster DNS answers its ready pods' addresses (${ready.map((r) => r.end.ip).join(', ')}, read from the objects); ${pick.end.namespace}/${pick.end.name} (${pick.end.ip}) on ${pick.end.node} is drawn`;
    } else {
      if (target.port === undefined) throw new PlanError(`--to ${target.name}: a name outside the cluster needs a port; write ${target.name}:PORT`, 'port' as 'to');
      plan.via = 'external';
      plan.resolve = target.name;
      plan.dstPort = target.port;
    }
  }
  if (plan.via === 'external' && source.kind === 'outside' && plan.dstIP && isClusterAddress(plan.dstIP, snap)) plan.via = 'host';

  // --- hops ---
  const s = plan.service;
  const entry = plan.entry;
  const hops: Hop[] = [];
  const src = plan.srcNode;
  if (source.kind === 'outside') hops.push(hop('client', 'outside client', undefined, `a client outside the cluster reaches ${plan.target.text}`));
  if (plan.srcPod) hops.push(hop('src-pod', `${plan.srcPod.namespace}/${plan.srcPod.name} ${plan.srcPod.ip}`, plan.srcPod.node, 'eth0 with an address and a default route'));
  const resolver = plan.hostPodDns ? `${plan.hostPodDns.pod}'s resolver (${src}'s own: hostNetwork with dnsPolicy ${plan.hostPodDns.dnsPolicy})` : `${source.kind === 'outside' ? 'the outside client' : source.kind === 'node' ? `node ${source.node}` : 'the pod'}'s own resolver`;
  if (plan.resolve) hops.push(hop('dns', `DNS ${plan.resolve}`, undefined, `${resolver} answers an address for ${plan.resolve}`));
  if (plan.via === 'cluster-ip' && s && plan.lb?.inCluster) hops.push(hop('service', `Service ${s.key} LoadBalancer ${plan.lb.ip}:${s.port.port}`, undefined, `kube-proxy on ${src} DNATs its LoadBalancer address ${plan.lb.ip}:${s.port.port} → ${s.endpoints.ready.join(', ') || 'no ready endpoint'} (EndpointSlice ready endpoints); the load balancer is not on the way`, { vip: `${plan.lb.ip}:${s.port.port}`, ingress: `${plan.lb.ip}:${s.port.port}`, endpoints: s.endpoints.ready, mode: 'iptables' }));
  else if (plan.via === 'cluster-ip' && s) hops.push(hop('service', `Service ${s.key} ${s.vip}:${s.port.port}`, undefined, `${s.vip}:${s.port.port} → ${s.endpoints.ready.join(', ') || 'no ready endpoint'} (EndpointSlice ready endpoints)`, { vip: `${s.vip}:${s.port.port}`, endpoints: s.endpoints.ready, mode: 'iptables' }));
  if (plan.via === 'lb' && s && plan.lb) hops.push(hop('lb', `${plan.lb.ip}`, undefined, `the load balancer forwards ${plan.lb.ip}:${s.port.port} to a node's NodePort ${s.nodePort ?? '?'}${s.etpLocal ? ' (only nodes with a local endpoint: externalTrafficPolicy Local)' : ''}`, { ingress: `${plan.lb.ip}:${s.port.port}`, service: s.key, nodePort: s.nodePort ?? 0, externalTrafficPolicy: s.etpLocal ? 'Local' : 'Cluster' }));
  // a pod's own veth, as on the pod path: its eth0's peer on its node (a hostNetwork pod is planned as its node)
  if (plan.srcPod && src) hops.push(hop('src-veth', `veth of ${plan.srcPod.name}`, src, `the host side of ${plan.srcPod.namespace}/${plan.srcPod.name}'s eth0 is up`));
  if (src && source.kind !== 'outside') hops.push(hop('src-node', `node ${src}${source.kind === 'node' ? ' (its own network)' : ''}`, src, `a route from ${src} toward ${plan.dstIP ?? plan.target.text}`));
  else if (entry && source.kind === 'outside') hops.push(hop('src-node', `node ${entry.node} ${entry.ip}`, entry.node, `traffic enters ${entry.node} at ${entry.ip}; a route from there to ${plan.dst?.ip ?? 'the endpoint'}`));
  if ((plan.via === 'node-port' || plan.via === 'lb' || plan.via === 'host') && entry) {
    hops.push(hop('node-port', plan.via === 'host' ? `${entry.node}:${plan.dstPort} (host network)` : `NodePort ${s?.nodePort} on ${entry.node}`, entry.node, plan.via === 'host' ? `a listener on ${entry.ip}:${plan.dstPort}` : `kube-proxy's KUBE-NODEPORTS rule for ${s?.nodePort} DNATs to ${s?.etpLocal && !startsOnEntry(plan) ? 'a ready endpoint on this node (externalTrafficPolicy Local)' : 'a ready endpoint'}`, { nodePort: s?.nodePort ?? plan.dstPort ?? 0, externalTrafficPolicy: s?.etpLocal ? 'Local' : 'Cluster', entry: entry.node }));
  }
  const from = leavingNode(plan);
  if (plan.dst && from && plan.dst.node !== from) {
    hops.push(hop('overlay', `${from} → ${plan.dst.node}`, undefined, `tunnel or routed path from ${from} to ${plan.dst.node}`));
    hops.push(hop('dst-node', `node ${plan.dst.node}`, plan.dst.node, `a route from ${plan.dst.node} to ${plan.dst.ip}`));
  }
  if (plan.dst) {
    // a hostNetwork pod is its node's own network: no veth to cross (lib/plan/index.ts draws it the same way)
    if (!plan.dst.hostNetwork) hops.push(hop('dst-veth', `veth of ${plan.dst.name}`, plan.dst.node, "the host side of the pod's veth is up"));
    hops.push(hop('dst-pod', endText(plan.dst, plan.dstPodPort), plan.dst.node, plan.dstPodPort ? `a listener on ${plan.dst.ip}:${plan.dstPodPort}` : 'the pod answers'));
  }
  if (plan.via === 'external') {
    if (src && source.kind !== 'outside') hops.push(hop('egress', `egress from ${src}`, src, `${src} has a route out (a node's own traffic needs no SNAT)`));
    hops.push(hop('external', `${plan.resolve ?? plan.dstIP}:${plan.dstPort}`, undefined, `a server outside the cluster answers on ${plan.dstPort}`));
  }
  plan.hops = hops;

  // --- probes ---
  const udp = target.proto === 'udp' || (target.proto !== 'tcp' && !!s?.udp);
  const where = source.kind === 'pod' ? 'pod' : source.kind === 'node' ? 'node' : 'outside';
  const at = { where, ...(source.kind === 'pod' ? { pod: { namespace: source.namespace, name: source.name } } : source.kind === 'node' ? { node: source.node } : {}) } as Pick<PlannedProbe, 'where' | 'pod' | 'node'>;
  const mainHop: HopId = plan.via === 'lb' ? 'lb' : plan.via === 'node-port' || plan.via === 'host' ? 'node-port' : plan.via === 'cluster-ip' ? 'service' : plan.via === 'pod' ? 'dst-pod' : 'external';
  plan.hops = withTransport(plan.hops, udp ? 'UDP' : 'TCP', [mainHop]);
  if (plan.resolve) addProbe(plan, { probe: source.kind === 'outside' ? 'outside-dig' : source.kind === 'node' ? 'node-dig' : 'dig', ...at, hop: 'dns', args: { name: plan.resolve } });
  if (plan.dstIP && plan.dstPort) addProbe(plan, { probe: connectProbe(source, udp), ...at, hop: mainHop, args: { ip: plan.dstIP, port: plan.dstPort }, ...(source.kind === 'outside' ? { alsoHops: ['client'] } : {}) } as PlannedProbe);
  // UDP: no ICMP error proves nothing; a datagram that comes back does (lib/verdict/northSouth.ts).
  if (udp && plan.dstIP && plan.dstPort) addProbe(plan, { probe: source.kind === 'pod' ? 'udp-exchange' : `${source.kind}-udp-exchange`, ...at, hop: mainHop, args: { ip: plan.dstIP, port: plan.dstPort }, ...(source.kind === 'outside' ? { alsoHops: ['client'] } : {}) } as PlannedProbe);
  // externalTrafficPolicy Local keeps the client's address: the destination pod's NetworkPolicy sees it, so the
  // client's own source address toward the entry (lib/verdict/nsPolicy) is read where the client is.
  // So does kube-proxy's masquerade with Cluster on the node that runs the endpoint itself: the policy there judges the
  // packet before POSTROUTING rewrites it (clientJudgedOnEntry).
  if (source.kind === 'outside' && s && (s.etpLocal || clientJudgedOnEntry(plan)) && plan.dstIP && (plan.via === 'lb' || plan.via === 'node-port')) addProbe(plan, { probe: 'outside-route-get', ...at, hop: 'client', args: { ip: plan.dstIP } });
  // Each node's NodePort from the same client: which nodes answer tells a node's own fault from the Service's.
  if (s?.nodePort && !udp && (plan.via === 'lb' || plan.via === 'node-port')) {
    for (const n of nodeNames(snap)) {
      const ip = nodeInternalIP(snap, n);
      if (ip) addProbe(plan, { probe: connectProbe(source, false), ...at, hop: 'node-port', args: { ip, port: s.nodePort } });
    }
  }
  const nodeAt = (node: string, probe: ProbeId, h: HopId, args: PlannedProbe['args'] = {}) => addProbe(plan, { probe, hop: h, where: 'node', node, args });
  if (entry && (plan.via === 'lb' || plan.via === 'node-port' || plan.via === 'host')) {
    nodeAt(entry.node, 'iptables-save', 'node-port');
    nodeAt(entry.node, 'nft-ruleset', 'node-port');
    if (plan.dst) nodeAt(entry.node, 'node-route-get', source.kind === 'outside' ? 'src-node' : 'node-port', { ip: plan.dst.ip });
    if (source.kind === 'outside' || plan.via === 'host') nodeAt(entry.node, 'node-link', source.kind === 'outside' ? 'src-node' : 'node-port');
    // A port in the node's own network (a hostNetwork pod's): what listens there.
    if (plan.via === 'host') nodeAt(entry.node, 'node-ss-listen', 'node-port', udp ? { name: 'udp' } : {});
  }
  // externalTrafficPolicy Local behind a load balancer: it sends each connection to one of the nodes with a local
  // endpoint, so each such node's NodePort (dialled above from the client) is a way the client's traffic goes. Where
  // one does not answer, what the pod path reads on the drawn node is read on it too (lib/verdict/northSouth
  // judgeNodePath): its filter rules on the forwarded flow, its local endpoint's veth, that endpoint from its own node.
  for (const t of (plan.lbNodes ?? []).filter((x) => x.node !== entry?.node)) {
    nodeAt(t.node, 'iptables-save', 'node-port');
    nodeAt(t.node, 'nft-ruleset', 'node-port');
    if (!t.end.hostNetwork) {
      addProbe(plan, { probe: 'addr', hop: 'node-port', where: 'pod', pod: { namespace: t.end.namespace, name: t.end.name }, args: {} });
      nodeAt(t.node, 'node-link', 'node-port');
    }
    nodeAt(t.node, 'node-tcp-connect', 'node-port', { ip: t.end.ip, port: t.port });
  }
  if (src && source.kind === 'node') {
    nodeAt(src, 'node-link', 'src-node');
    // Through a NodePort or a load balancer the node first sends to the entry (or LB) address; else to the pod.
    const first = plan.via === 'node-port' || plan.via === 'lb' || plan.via === 'host' ? plan.dstIP : (plan.dst?.ip ?? plan.dstIP);
    if (first) nodeAt(src, 'node-route-get', 'src-node', { ip: first });
    if (plan.via === 'cluster-ip') {
      nodeAt(src, 'iptables-save', 'service');
      nodeAt(src, 'nft-ruleset', 'service');
    }
  }
  if (src && source.kind === 'pod') {
    addProbe(plan, { probe: 'addr', hop: 'src-pod', where: 'pod', pod: { namespace: source.namespace, name: source.name }, args: {} });
    // its own route toward the address it dials (lib/verdict/pod judgePodRoute: a refused lookup is pod-network)
    if (plan.dstIP) addProbe(plan, { probe: 'route-get', hop: 'src-pod', where: 'pod', pod: { namespace: source.namespace, name: source.name }, args: { ip: plan.dstIP } });
    // the host side of its veth (lib/verdict/pod judgeVeth: the node link whose ifindex is eth0's peer)
    nodeAt(src, 'node-link', 'src-veth');
  }
  // A pod's own connection to a LoadBalancer address is DNATed by kube-proxy on the pod's node: its rules are the way.
  if (src && source.kind === 'pod' && plan.via === 'cluster-ip') {
    nodeAt(src, 'iptables-save', 'service');
    nodeAt(src, 'nft-ruleset', 'service');
  }
  if (plan.dst) {
    const d = plan.dst;
    const dp = { namespace: d.namespace, name: d.name };
    if (!d.hostNetwork) {
      addProbe(plan, { probe: 'addr', hop: 'dst-veth', where: 'pod', pod: dp, args: {} });
      nodeAt(d.node, 'node-link', 'dst-veth');
    }
    addProbe(plan, { probe: udp ? 'ss-listen-udp' : 'ss-listen', hop: 'dst-pod', where: 'pod', pod: dp, args: {} });
    if (from && d.node !== from) {
      nodeAt(d.node, 'node-route-get', 'dst-node', { ip: d.ip });
      nodeAt(from, 'node-link', 'overlay');
    }
    // A pod isolated for ingress: whether its node enforces NetworkPolicy at all is read from its rules (the
    // judge names a policy only where the nodes carry policy rules; lib/verdict/policy carriesPolicyRules).
    if (!d.hostNetwork && snap.policies.some((p) => policySelectsPod(p, d.pod, 'ingress'))) {
      nodeAt(d.node, 'iptables-save', 'dst-pod');
      nodeAt(d.node, 'nft-ruleset', 'dst-pod');
    }
    // The endpoint directly, from its own node: separates "the endpoint answers" from the entry's rules.
    if (plan.dstPodPort && !udp) nodeAt(d.node, 'node-tcp-connect', 'dst-pod', { ip: d.ip, port: plan.dstPodPort });
    // Every ready endpoint from the node the flow enters (externalTrafficPolicy Cluster): kube-proxy picks one per
    // connection there, so one broken endpoint is found whichever the client's connect landed on (the pod path's
    // direct connects; lib/verdict/northSouth directEndpoints). At most MAX_DIRECT_CONNECTS, the drawn one first.
    for (const ep of directEndpoints(plan)) nodeAt(from!, 'node-tcp-connect', 'dst-pod', ep);
    // A load balancer with externalTrafficPolicy Cluster sends to any node and each forwards to any endpoint: the same
    // direct connects from the other nodes it sends to (two at most), so a broken node-to-endpoint way is found whichever
    // node the client's connect landed on (followEntry then draws the path through it).
    if (plan.via === 'lb' && source.kind === 'outside' && s && !s.etpLocal) {
      for (const n of lbTargetNodes(snap).filter((x) => x !== from).slice(0, 2)) for (const ep of directEndpoints(plan)) nodeAt(n, 'node-tcp-connect', 'node-port', ep);
    }
    // ...and their ways sized from there too, one endpoint per node off the drawn way (the pod path's
    // endpointMtuPings): a blackhole behind an endpoint that is not drawn stalls the connections sent to it.
    if (from) {
      const nodeOf = (ip: string) => s?.endpoints.endpoints.find((e) => e.ip === ip)?.nodeName ?? podWithIP(snap.pods, ip)?.spec?.nodeName;
      for (const p of endpointMtuPings({ node: from }, d, directEndpoints(plan).map((e) => ({ ip: e.ip, node: nodeOf(e.ip) })))) addProbe(plan, p);
    }
    if (from && d.node !== from) {
      // Between the nodes, as the pod path reads them (lib/verdict/overlay judgeOverlay, node judgeNodeRoute): the
      // first node's own route to the pod, each node's neighbor and FDB entries for the peer's tunnel endpoint (or,
      // host-gw, its underlay address), and each node's rules for the tunnel traffic arriving there.
      const fromHop: HopId = source.kind === 'outside' || from === src ? 'src-node' : 'node-port';
      nodeAt(d.node, 'node-link', 'dst-node');
      nodeAt(from, 'node-route-get', fromHop, { ip: d.ip });
      // ...and the pod's node's route back toward the first node's pod CIDR: where its answers go to the address
      // the flow arrives from (a node's own traffic and kube-proxy's masquerade leave from the node's tunnel address,
      // the first of its pod CIDR on flannel and Calico VXLAN — podSeesFrom); the judge reads it only when it failed
      // (the first address of its first IPv4 pod CIDR: flannel's VTEP .0, Calico's tunnel address). A pod source too:
      // from another node its traffic reaches the NodePort masqueraded (the CNI's SNAT toward an address outside the
      // pod network, then kube-proxy's), from the entry node itself unmasqueraded from its own address in that CIDR.
      const first = nodeV4PodCidrs(snap, from)[0];
      const back = first ? cidrHost(first, 0) : undefined;
      if (back) nodeAt(d.node, 'node-route-get', 'dst-node', { ip: back });
      // The MTU ladder's first stage from that node (the pod path's DF pings, lib/plan/mtu.ts): the tunnel or routed
      // way to the pod carries full-size packets, or the orchestrator sends the sizes between.
      for (const size of PING_FIRST) nodeAt(from, 'node-ping-df', 'overlay', { ip: d.ip, size });
      // A VPC-routed cluster: the first node hands the pod's CIDR to the VPC router, whose table is on no node; its
      // "Destination Net Unreachable" to the node's ping of the pod names the missing route (the pod path's familyPlan
      // ping, read by lib/verdict/node judgeNodeRoute). Was 'no hop's probes explain it' for node → pod on another node.
      if (familyFromPods(snap.pods).family === 'vpc') nodeAt(from, 'node-ping', fromHop, { ip: d.ip });
      for (const [n, h] of [[from, fromHop], [d.node, 'dst-node']] as const) {
        nodeAt(n, 'neigh', 'overlay');
        nodeAt(n, 'fdb', 'overlay');
        nodeAt(n, 'iptables-save', h);
        nodeAt(n, 'nft-ruleset', h);
      }
    }
  }
  if (plan.via === 'external' && src && source.kind !== 'outside' && plan.dstIP) nodeAt(src, 'node-route-get', 'egress', { ip: plan.dstIP });
  return plan;
}

/**
 * "ip:port" of the endpoints kube-proxy on the node the flow leaves (leavingNode) sends it to (lib/kube kubeProxyView
 * with that node's zone: its topology hints; for a ClusterIP also internalTrafficPolicy Local, which a NodePort or
 * LoadBalancer address, `external`, does not follow). Undefined without a Service, a ClusterIP or that node. Pure.
 */
export function endpointsUsedFrom(plan: Pick<NorthSouthPlan, 'source' | 'via' | 'entry' | 'srcNode' | 'service' | 'lb' | 'nodeZones'>): Set<string> | undefined {
  const s = plan.service;
  const from = leavingNode(plan);
  if (!s?.vip || !from) return undefined;
  return new Set(kubeProxyView(s.service, s.endpoints, { node: from, vip: s.vip, external: !(plan.via === 'cluster-ip' && !plan.lb?.inCluster), zone: plan.nodeZones?.[from] }).expected);
}

/**
 * The endpoints (ip, port) a flow through kube-proxy may be sent to from the node the packet leaves (leavingNode),
 * each dialled directly from that node: the Service's ready endpoints, the drawn one first, at most
 * MAX_DIRECT_CONNECTS. A NodePort or LoadBalancer flow (TCP, externalTrafficPolicy Cluster; with Local the entry keeps
 * the flow from outside on its own pods), a LoadBalancer address dialled in the cluster (kube-proxy on the source's
 * node captures it; externalTrafficPolicy is for traffic from outside), and a node's own network (a node source, a
 * hostNetwork pod) dialling a ClusterIP (TCP): kube-proxy on that node picks one per connection, as it does for a pod
 * (the pod path's direct connects, lib/plan readyEndpoints). Empty for other paths (a ClusterIP dialled from outside
 * reaches no kube-proxy).
 */
export function directEndpoints(plan: Pick<NorthSouthPlan, 'source' | 'via' | 'entry' | 'srcNode' | 'service' | 'dst' | 'lb' | 'nodeZones'>): { ip: string; port: number }[] {
  const s = plan.service;
  const from = leavingNode(plan);
  const inCluster = !!plan.lb?.inCluster;
  const throughProxy = plan.via === 'lb' || plan.via === 'node-port' || inCluster || (plan.via === 'cluster-ip' && plan.source.kind === 'node');
  if (!s || s.udp || !from || !throughProxy || (s.etpLocal && plan.via !== 'cluster-ip')) return [];
  // Only the endpoints kube-proxy on that node sends to (lib/kube kubeProxyView): its topology hints (the node's zone),
  // and for a ClusterIP internalTrafficPolicy Local (not for a NodePort or LoadBalancer address, which ITP does not
  // govern: `external`): an endpoint it never uses answering, or not, proves nothing for this client.
  const used = endpointsUsedFrom(plan) ?? new Set<string>();
  const eps = s.endpoints.endpoints.filter((e) => e.ready && isIPv4(e.ip) && e.port > 0 && used.has(formatEndpoint(e.ip, e.port))).map((e) => ({ ip: e.ip, port: e.port }));
  return [...eps.filter((e) => e.ip === plan.dst?.ip), ...eps.filter((e) => e.ip !== plan.dst?.ip)].slice(0, MAX_DIRECT_CONNECTS);
}

/**
 * Follows the failure, as the pod path does (lib/plan/ops followFailure): on a path whose node dials every ready
 * endpoint itself (directEndpoints: a node's own network — a node source, a hostNetwork pod — dialling a ClusterIP,
 * or the entry node of a NodePort or LoadBalancer with externalTrafficPolicy Cluster), the direct connect from that
 * node to the drawn endpoint opened (exit 0) and the one to another ready endpoint (plan order) did not — the plan
 * re-drawn to that endpoint (`replan(ip)`, planNorthSouth with preferEndpoint), so its veth, node and way back are
 * read and judged as the drawn pod's. `runs` by probe key. Undefined when there is nothing to follow (no direct
 * connects, no drawn pod, the drawn connect failed or did not run, no other endpoint failed, or the re-plan did not
 * draw that endpoint). When every direct connect opened, an endpoint whose DF pings from that node came back at the
 * smallest size but not at one that came back from the drawn pod (an MTU blackhole on its way only: lib/plan/mtu
 * endpointMtuPings, lib/plan/ops mtuFailing) is followed the same way, as the pod path does; `why` then says so
 * (planNorthSouth's `redrawnBecause`, in the plan's `choice`). With no endpoint to follow, a load balancer's other entry
 * node that did not answer is (followEntry). Pure.
 */
export function followFailureNorthSouth(plan: NorthSouthPlan, runs: ReadonlyMap<string, RunOutcome>, replan: (opts: RedrawOptions) => NorthSouthPlan): NorthSouthPlan | undefined {
  const d = plan.dst;
  const from = leavingNode(plan);
  if (!d || !from) return undefined;
  const ran = (ip: string, port: number) => exitedZero(runs, plan.probes.find((q) => q.probe === 'node-tcp-connect' && q.node === from && q.args.ip === ip && q.args.port === port));
  const eps = directEndpoints(plan);
  const drawn = eps.find((e) => e.ip === d.ip);
  if (!drawn || ran(drawn.ip, drawn.port) !== true) return undefined;
  const failing = eps.find((e) => e.ip !== d.ip && ran(e.ip, e.port) === false);
  const mtu = failing ? undefined : mtuFailing(plan.probes.filter((p) => p.probe === 'node-ping-df' && p.node === from), d.ip, (p) => exitedZero(runs, p));
  const ip = failing?.ip ?? mtu?.ip;
  if (!ip) return followEntry(plan, runs, replan);
  const why = mtu ? `DF pings from ${from} to it come back at ${mtu.small} bytes but not at ${mtu.size}, which came back from ${d.namespace}/${d.name} on ${d.node} (the path first drawn), so the path is drawn to it` : undefined;
  const replanned = replan({ preferEndpoint: ip, ...(why ? { redrawnBecause: why } : {}) });
  return replanned.dst?.ip === ip ? replanned : undefined;
}

/**
 * A load balancer with externalTrafficPolicy Cluster sends each connection to any node (cloud load balancers target
 * every node then): when the client's connect to the drawn entry's NodePort opened and the one to another node's did
 * not, the plan is re-drawn through that node (`replan({ preferEntry })`), so its way to the endpoints and theirs back
 * to it are probed and judged. Undefined otherwise, or when the re-plan did not take that node. Pure.
 */
function followEntry(plan: NorthSouthPlan, runs: ReadonlyMap<string, RunOutcome>, replan: (opts: RedrawOptions) => NorthSouthPlan): NorthSouthPlan | undefined {
  const s = plan.service;
  if (plan.via !== 'lb' || !s || s.etpLocal || !s.nodePort || !plan.entry) return undefined;
  const entry = plan.entry;
  const nodePorts = plan.probes.filter((q) => q.hop === 'node-port' && q.probe === connectProbe(plan.source, false) && q.args.port === s.nodePort);
  if (exitedZero(runs, nodePorts.find((q) => q.args.ip === entry.ip)) !== true) return undefined;
  // another node's direct connect to an endpoint that failed (the entry's own all opened: followFailureNorthSouth)
  const eps = directEndpoints(plan);
  const direct = plan.probes.find((q) => q.probe === 'node-tcp-connect' && q.hop === 'node-port' && q.node !== entry.node && eps.some((e) => e.ip === q.args.ip && e.port === q.args.port) && exitedZero(runs, q) === false);
  if (direct?.node) {
    const replanned = replan({ preferEntry: direct.node, preferEndpoint: direct.args.ip, redrawnBecause: `${direct.node}'s direct connect to ${direct.args.ip}:${direct.args.port} failed while every one from ${entry.node} answered` });
    return replanned.entry?.node === direct.node ? replanned : undefined;
  }
  const other = nodePorts.find((q) => q.args.ip !== entry.ip && exitedZero(runs, q) === false);
  if (!other?.args.ip) return undefined;
  const replanned = replan({ preferEntry: other.args.ip, redrawnBecause: `the client's connect to its NodePort ${other.args.ip}:${s.nodePort} failed while ${entry.node}'s ${entry.ip}:${s.nodePort} answered` });
  return replanned.entry?.ip === other.args.ip ? replanned : undefined;
}

/**
 * The node the packet leaves for the destination pod: the entry node of a NodePort or LoadBalancer (and of anything
 * the outside client dials), else the source's own node. The overlay and dst-node hops, and their probes, start here.
 */
export function leavingNode(plan: Pick<NorthSouthPlan, 'source' | 'via' | 'entry' | 'srcNode'>): string | undefined {
  if (plan.source.kind === 'outside') return plan.entry?.node;
  return (plan.via === 'node-port' || plan.via === 'lb') && plan.entry ? plan.entry.node : plan.srcNode;
}

/** The probes a name's answer adds (phase 2): the connect to the address, and the node's route out. */
export function resolvedProbes(plan: NorthSouthPlan, ip: string): PlannedProbe[] {
  const before = plan.probes.length;
  const at = plan.source.kind === 'pod' ? { where: 'pod' as const, pod: { namespace: plan.source.namespace, name: plan.source.name } } : plan.source.kind === 'node' ? { where: 'node' as const, node: plan.source.node } : { where: 'outside' as const };
  const udp = plan.target.proto === 'udp';
  if (plan.dstPort) addProbe(plan, { probe: connectProbe(plan.source, udp), ...at, hop: 'external', args: { ip, port: plan.dstPort }, phase: 2, ...(plan.source.kind === 'outside' ? { alsoHops: ['client'] } : {}) } as PlannedProbe);
  if (plan.dstPort && udp) addProbe(plan, { probe: plan.source.kind === 'pod' ? 'udp-exchange' : `${plan.source.kind}-udp-exchange`, ...at, hop: 'external', args: { ip, port: plan.dstPort }, phase: 2, ...(plan.source.kind === 'outside' ? { alsoHops: ['client'] } : {}) } as PlannedProbe);
  if (plan.srcNode && plan.source.kind !== 'outside') addProbe(plan, { probe: 'node-route-get', hop: 'egress', where: 'node', node: plan.srcNode, args: { ip }, phase: 2 });
  return plan.probes.slice(before);
}

/**
 * The entry node's link holding its InternalIP (`node` on that node; `ip -j -d addr` output of its node-link run)
 * when its MTU is below the drawn pod's eth0 MTU (the pod's `addr` run), both in bytes; undefined when either was
 * not read or the link is not narrower. Pure.
 */
export function entryNarrowerThanPod(plan: Pick<NorthSouthPlan, 'probes' | 'entry'>, runs: ReadonlyMap<string, RunOutcome & { stdout?: string }>, node: string, pod: PodEnd): { ifname: string; mtu: number; podMtu: number } | undefined {
  const read = (p: PlannedProbe | undefined) => {
    const r = p ? runs.get(p.key) : undefined;
    if (!r || r.notRun || r.exitCode !== 0 || !r.stdout) return undefined;
    const v = parseIpAddr(r.stdout);
    return v.ok && !v.value.error ? v.value.entries : undefined;
  };
  const under = read(plan.probes.find((p) => p.probe === 'node-link' && p.node === node))?.find((l) => l.addresses.some((a) => a.local === plan.entry?.ip));
  const podIf = read(plan.probes.find((p) => p.probe === 'addr' && p.pod?.namespace === pod.namespace && p.pod?.name === pod.name))?.find((l) => l.ifname === 'eth0');
  return under && podIf && under.mtu < podIf.mtu ? { ifname: under.ifname, mtu: under.mtu, podMtu: podIf.mtu } : undefined;
}

/**
 * The MTU check of the way the client's own packets take through the node the flow enters (NodePort or
 * LoadBalancer, TCP), once the first stage ran. The drawn pod on another node: that node's own DF pings to the drawn
 * pod (`node-ping-df`, PING_FIRST) came back at the smallest size but not at the largest, so its path MTU toward the
 * pod is below a full 1500-byte packet. A node's own packets over its tunnel MTU are refused locally ("message too
 * long": the kernel knows its own MTU), so its ladder cannot tell whether FORWARDED packets (the client's, and the
 * pod's answers to the client) get the ICMP fragmentation-needed that path MTU discovery needs; two HTTP downloads
 * from the source through the entry, at the address and port the client dials (`plan.dstIP`/`dstPort`, e.g. the
 * node's InternalIP and NodePort, or the LoadBalancer IP), take that forwarded path: SMALL_BYTES (one packet) and
 * BULK_BYTES (dozens of full-size segments). From the outside client `outside-tcp-bulk`, a pod `tcp-bulk`, a node
 * `node-tcp-bulk`, on hop `overlay`. The drawn pod on the entry node itself (externalTrafficPolicy Local): no DF ping
 * leaves the node, so the trigger is the node's link holding its InternalIP narrower than the pod's eth0
 * (entryNarrowerThanPod: an inference, which only sends the downloads), and they go on the entry's hop (`src-node`
 * from outside, else `node-port`). Only when the
 * source's own connect to that address and port opened (`runs` by probe key: exit 0). A healthy path (1472 bytes came
 * back; the link as wide as the pod's) adds nothing. Pure; returns the probes to add (none already in the plan).
 */
export function entryDownloads(plan: NorthSouthPlan, runs: ReadonlyMap<string, RunOutcome & { stdout?: string }>): PlannedProbe[] {
  const d = plan.dst;
  const from = leavingNode(plan);
  const ip = plan.dstIP;
  const port = plan.dstPort;
  if (!d || !from || !ip || !port || d.hostNetwork || plan.target.proto === 'udp' || plan.service?.udp) return [];
  if ((plan.via !== 'lb' && plan.via !== 'node-port') || plan.entry?.node !== from) return [];
  const ok = (p: PlannedProbe | undefined) => exitedZero(runs, p);
  if (d.node === from) {
    // The drawn pod on the entry node itself (e.g. externalTrafficPolicy Local): no DF ping leaves that node for
    // another, so the first stage is what the node already read: its link holding its InternalIP (node-link, `ip -j
    // -d addr`; where the client arrives and the pod's answers leave) narrower than the pod's eth0 (addr).
    if (entryNarrowerThanPod(plan, runs, from, d) === undefined) return [];
  } else {
    const [small, large] = PING_FIRST.map((size) => plan.probes.find((p) => p.probe === 'node-ping-df' && p.node === from && p.args.ip === d.ip && p.args.size === size));
    if (ok(small) !== true || ok(large) !== false) return [];
  }
  const connect = plan.probes.find((p) => p.probe === connectProbe(plan.source, false) && p.args.ip === ip && p.args.port === port);
  if (ok(connect) !== true) return [];
  const src = plan.source;
  const at = src.kind === 'outside' ? { probe: 'outside-tcp-bulk' as const, where: 'outside' as const }
    : src.kind === 'pod' ? { probe: 'tcp-bulk' as const, where: 'pod' as const, pod: { namespace: src.namespace, name: src.name } }
      : { probe: 'node-tcp-bulk' as const, where: 'node' as const, node: src.node };
  return [SMALL_BYTES, BULK_BYTES].map((size) => keyed({ ...at, hop: d.node !== from ? 'overlay' : src.kind === 'outside' ? 'src-node' : 'node-port', args: { ip, port, size }, phase: 1 })).filter((p) => !plan.probes.some((q) => q.key === p.key));
}

/**
 * The addresses the destination pod may see as the source of a north-south flow, and why (the one place that says
 * it: NetworkPolicy, lib/verdict/nsPolicy, and the pod's way back, replyRouteProbes, both read it). A node's own
 * traffic (a node source, a hostNetwork pod) leaves with one of the node's addresses, and kube-proxy masquerades
 * NodePort / LoadBalancer traffic with externalTrafficPolicy Cluster to the entry node's address — on an overlay the
 * tunnel device's, inside the pod CIDR (Kubernetes docs "Source IP for Services with Type=NodePort"). `prefsrc` is
 * what the node's own `ip route get <pod IP>` says it sends from (the address masquerade and a node's own sockets
 * use): when given, it is the one address (`known`). Without it, the node's InternalIP and the first two addresses of
 * its pod CIDR (flannel's VTEP .0 and bridge .1), any of which it may be. An outside client through a NodePort or
 * LoadBalancer with externalTrafficPolicy Local is not masqueraded (Kubernetes docs "Source IP for Services with
 * Type=NodePort/LoadBalancer"): the pod sees `clientAddr`, the client's own source address toward the entry (`ip
 * route get` where the client runs), `node` undefined. A pod source dialling a NodePort or a LoadBalancer address its
 * node captures: podThroughProxy (its own address, or this node branch for the entry node's masquerade). Undefined
 * when the client's own address is unknown, for any other pod source or a target outside the cluster, or when the
 * node is unknown. `as` names the address in a few words ("worker-1's
 * own address"). Pure.
 */
export function podSeesFrom(plan: NorthSouthPlan, snap: ClusterSnapshot, prefsrc?: (node: string) => string | undefined, clientAddr?: string): { node?: string; ips: string[]; known: boolean; why: string; as: string; beforeMasquerade?: true } | undefined {
  const s = plan.service;
  const northSouth = plan.source.kind === 'outside' && (plan.via === 'node-port' || plan.via === 'lb') && s;
  if (northSouth && s.etpLocal) {
    return clientAddr ? { ips: [clientAddr], known: true, as: "the client's own address (externalTrafficPolicy Local)", why: `with externalTrafficPolicy Local kube-proxy keeps the client's address, so the packets reach the pod from ${clientAddr} (the client's own address toward ${plan.dstIP})` } : undefined;
  }
  if (northSouth && clientJudgedOnEntry(plan) && clientAddr) {
    const entry = plan.entry!.node;
    return { ips: [clientAddr], known: true, beforeMasquerade: true, as: `the client's own address (the policy on ${entry} judges it before kube-proxy's masquerade)`, why: `${entry}, where ${plan.target.text} enters, runs the endpoint itself: its NetworkPolicy rules judge the packet with the client's own address ${clientAddr}, before kube-proxy masquerades it to ${entry}'s bridge address on the way into the pod` };
  }
  const fromPod = podThroughProxy(plan);
  if (fromPod) return fromPod;
  const node = plan.source.kind === 'node' ? plan.source.node : northSouth || podThroughProxy(plan, true) ? plan.entry?.node : undefined;
  const n = node ? snap.nodes.find((x) => x.metadata?.name === node) : undefined;
  if (!node || !n) return undefined;
  const internal = n.status?.addresses?.filter((a) => a.type === 'InternalIP').map((a) => a.address) ?? [];
  const cidrs = nodeV4PodCidrs(snap, node);
  const inCidr = cidrs.flatMap((c) => [cidrHost(c, 0), cidrHost(c, 1)]).filter((x): x is string => !!x);
  const why =
    plan.source.kind === 'node'
      ? `traffic from ${node}'s own network leaves with one of ${node}'s addresses`
      : plan.source.kind === 'pod'
        ? `kube-proxy on ${node} marks traffic to ${plan.lb?.inCluster ? `LoadBalancer address ${plan.lb.ip}` : `NodePort ${plan.dstPort}`} for masquerade (externalTrafficPolicy Cluster: KUBE-EXT-… → KUBE-MARK-MASQ), so the packets reach the pod not from ${plan.srcPod?.namespace}/${plan.srcPod?.name}'s ${plan.srcPod?.ip} but from ${node}'s own address`
        : `kube-proxy masquerades NodePort traffic with externalTrafficPolicy Cluster, so the packets reach the pod from ${node}'s own address`;
  const seen = prefsrc?.(node);
  const ips = seen ? [seen] : [...new Set([...internal, ...inCidr])];
  const as = plan.source.kind === 'node' ? `${node}'s own address` : `${node}'s address after kube-proxy's masquerade`;
  return { node, ips, known: !!seen, as, why: seen ? `${why}, ${seen} (${node}'s route to the pod sends from it)` : `${why} (one of ${ips.join(', ')})` };
}

/**
 * A pod's own connection through kube-proxy's external rules: a NodePort it dials (`node/NAME:PORT`, a node's address) or
 * a LoadBalancer ingress address its node's kube-proxy captures (plan.lb.inCluster). kube-proxy's KUBE-EXT-… chain
 * (nft `external-…`) decides what the endpoint sees, and where the policy is judged decides which of it counts:
 * - externalTrafficPolicy Local: pod sources are sent straight on to the Service ("pod traffic for … external
 *   destinations" `-s <cluster CIDR> -j KUBE-SVC-…`, nft "short-circuit pod traffic"), not masqueraded: the client
 *   pod's own address, wherever the endpoint runs;
 * - Cluster, the endpoint on the entry node itself: the entry's NetworkPolicy rules (filter FORWARD, as iptables
 *   policy engines and the lab enforce it) judge the packet before POSTROUTING masquerades it, so the client pod's own
 *   address is what a policy admits or drops (the pod then sees the node's bridge address);
 * - Cluster, the endpoint on another node: masqueraded on the entry (KUBE-MARK-MASQ): the entry node's address, as
 *   for an outside client (podSeesFrom's node branch; `masqueraded` asks only whether this is that case).
 * A pod's traffic to another node's address arrives with its own address (the cluster's masquerade agent leaves the
 * node network alone, ip-masq-agent's nonMasqueradeCIDRs). Undefined for any other path, and in the third case. Pure.
 */
function podThroughProxy(plan: NorthSouthPlan): ReturnType<typeof podSeesFrom>;
function podThroughProxy(plan: NorthSouthPlan, masqueraded: true): boolean;
function podThroughProxy(plan: NorthSouthPlan, masqueraded?: true): ReturnType<typeof podSeesFrom> | boolean {
  const s = plan.service;
  const p = plan.srcPod;
  const entry = plan.entry?.node;
  const through = plan.source.kind === 'pod' && !!p && !!s && !!entry && !!plan.dst && (plan.via === 'node-port' || !!plan.lb?.inCluster);
  if (masqueraded) return through && !s!.etpLocal && entry !== plan.dst!.node;
  if (!through || !p || !s) return undefined;
  const who = `${p.namespace}/${p.name}`;
  if (s.etpLocal) {
    return { ips: [p.ip], known: true, as: `${who}'s own address (externalTrafficPolicy Local keeps a pod's address)`, why: `with externalTrafficPolicy Local kube-proxy on ${entry} sends pod traffic straight on to Service ${s.key}'s endpoints without masquerade, so the packets reach the pod from ${p.ip}, ${who}'s own address` };
  }
  if (entry === plan.dst!.node) {
    return { ips: [p.ip], known: true, beforeMasquerade: true, as: `${who}'s own address (the policy on ${entry} judges it before kube-proxy's masquerade)`, why: `${entry}, where ${plan.target.text} enters, runs the endpoint itself: its NetworkPolicy rules judge the packet with ${who}'s own address ${p.ip}, before kube-proxy masquerades it to ${entry}'s bridge address on the way into the pod` };
  }
  return undefined;
}

/**
 * podSeesFrom over a run's outputs, for the pod at `podIP` (the drawn one by default): the node's source address from
 * its `node-route-get` toward that pod (prefsrc), the client's from `outside-route-get` (externalTrafficPolicy Local).
 * `runs` by probe key. Pure.
 */
export function podSeesFromRuns(plan: NorthSouthPlan, snap: ClusterSnapshot, runs: ReadonlyMap<string, RunOutcome & { stdout?: string }>, podIP = plan.dst?.ip): ReturnType<typeof podSeesFrom> {
  const routeOf = (p: PlannedProbe | undefined) => {
    const r = p ? runs.get(p.key) : undefined;
    if (!r || r.notRun || r.exitCode !== 0 || r.stdout === undefined) return undefined;
    const g = parseIpRouteGet(r.stdout);
    return g.ok && g.value.outcome === 'route' ? g.value.route : undefined;
  };
  const prefsrc = (node: string) => (podIP ? routeOf(plan.probes.find((p) => p.probe === 'node-route-get' && p.node === node && p.args.ip === podIP))?.prefsrc : undefined);
  const clientAddr = routeOf(plan.probes.find((p) => p.probe === 'outside-route-get'))?.prefsrc;
  return podSeesFrom(plan, snap, prefsrc, clientAddr);
}

/**
 * The pods whose way back is in question: the drawn pod when the source's connect to the target did not open (exit
 * status not 0) or the direct connect from the node the flow leaves to it did not, and each other ready endpoint
 * (directEndpoints, externalTrafficPolicy Cluster) whose direct connect from that node did not — not a hostNetwork
 * pod, not a pod source's path, not UDP. Pure.
 */
export function podsWithoutAnswer(plan: NorthSouthPlan, snap: ClusterSnapshot, runs: ReadonlyMap<string, RunOutcome>): PodEnd[] {
  const d = plan.dst;
  if (!d || plan.source.kind === 'pod' || plan.target.proto === 'udp' || plan.service?.udp) return [];
  const failed = (p: PlannedProbe | undefined) => exitedZero(runs, p) === false;
  const from = leavingNode(plan);
  const direct = (ip: string, port: number | undefined) => plan.probes.find((p) => p.probe === 'node-tcp-connect' && p.node === from && p.args.ip === ip && p.args.port === port);
  const main = plan.probes.find((p) => p.probe === connectProbe(plan.source, false) && p.args.ip === plan.dstIP && p.args.port === plan.dstPort);
  const out: PodEnd[] = failed(main) || failed(direct(d.ip, plan.dstPodPort)) ? [d] : [];
  for (const e of directEndpoints(plan).filter((x) => x.ip !== d.ip && failed(direct(x.ip, x.port)))) {
    const pod = podWithIP(snap.pods, e.ip);
    const end = pod ? podEnd(pod) : undefined;
    if (end) out.push(end);
  }
  return out.filter((x) => !x.hostNetwork);
}

/**
 * Each such pod's own way back to the address it sees (a follow-up, only on a failing path; podsWithoutAnswer): it is
 * asked where it would send its reply — `route-get` toward the one address it sees (podSeesFromRuns, `known`: a
 * node's prefsrc toward the pod, the entry's after masquerade, the client's own with externalTrafficPolicy Local) and
 * its route table (`route-show`), on hop dst-pod. An endpoint that is not drawn has no `node-route-get` from that node
 * yet: it is asked first (hop dst-pod), and the pod's reads on the next call. A refused lookup is the pod-source
 * path's `pod-network` at dst-pod (lib/verdict/pod judgePodRoute). Nothing when every connect opened, the address is not
 * known, or the probes are already planned. Pure; returns the probes to add (call again until it adds nothing).
 */
export function replyRouteProbes(plan: NorthSouthPlan, snap: ClusterSnapshot, runs: ReadonlyMap<string, RunOutcome & { stdout?: string }>): PlannedProbe[] {
  const out: PlannedProbe[] = [];
  for (const end of podsWithoutAnswer(plan, snap, runs)) {
    const seen = podSeesFromRuns(plan, snap, runs, end.ip);
    // (judged before the masquerade, the pod itself answers its own bridge's address, on its link: no way back to ask)
    if (seen?.beforeMasquerade) continue;
    if (seen?.node && !seen.known) {
      // (a failed read of the node's route leaves the address unknown: nothing more is asked)
      const route = keyed({ probe: 'node-route-get', hop: 'dst-pod', where: 'node', node: seen.node, args: { ip: end.ip }, phase: 1 });
      if (!plan.probes.some((q) => q.probe === 'node-route-get' && q.node === seen.node && q.args.ip === end.ip)) out.push(route);
      continue;
    }
    if (!seen?.known || seen.ips.length !== 1 || !isIPv4(seen.ips[0])) continue;
    const pod = { namespace: end.namespace, name: end.name };
    out.push(keyed({ probe: 'route-get', hop: 'dst-pod', where: 'pod', pod, args: { ip: seen.ips[0] }, phase: 1 }), keyed({ probe: 'route-show', hop: 'dst-pod', where: 'pod', pod, args: {}, phase: 1 }));
  }
  return out.filter((p) => !plan.probes.some((q) => q.key === p.key));
}
