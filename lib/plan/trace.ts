// The packet's own walk (DESIGN §4 `trace`), planning half: which interfaces to capture on, with which
// filter, in path order. Pure: the device names come from the probes' own output (the node's
// `ip -j -d addr`, the pod's `ip -j addr`, the node's `ip -j route get`), never from a CNI's naming
// convention — the host veth is the node link whose ifindex is the pod eth0's peer index (link_index),
// whatever it is called (veth*, cali*, lxc*, eni*, or the lab's ns-name), the bridge is that veth's
// master (none on calico/cilium/kindnet/vpc), the tunnel is the device the node routes the far pod
// through when it is a vxlan (flannel.1, vxlan.calico, cilium_vxlan) and the underlay is the tunnel's
// lower device or else the link holding the node's InternalIP.
//
// The filter keys on the source pod's address and the trace's OWN source port: kube-proxy's DNAT
// rewrites the destination, never those two, so one filter follows the packet to whichever endpoint
// the NAT really chose (a stale one included) and matches the answer coming back. On the underlay the
// same test is made inside the VXLAN header (UDP payload offsets, IPv4 outer and inner without
// options). A hairpin flow is masqueraded (its source becomes the node's), so it keys on the port alone.
import type { HopId } from '../model';
import type { IpLink } from '../parse/ipLink';
import { VXLAN_PORTS } from '../parse/tcpdump';
import type { RouteGet } from '../parse/ipRouteGet';
import type { PathPlan } from './index';
import type { ClusterSnapshot } from './snapshot';

export interface TraceFlow {
  proto: 'tcp' | 'udp';
  srcIP: string;
  sport: number;
  /** what the application dials (a Service VIP or a pod IP) */
  dstIP: string;
  dport: number;
}

export interface CapturePoint {
  /** stable within one trace, e.g. "worker-1/flannel.1" or "pod shop/frontend-0/eth0" */
  key: string;
  hop: HopId;
  where: 'pod' | 'node';
  pod?: { namespace: string; name: string };
  /** the node the interface is on (a pod point: the pod's node) */
  node: string;
  iface: string;
  /** the flow's packets on this interface (the capture itself is one per namespace: netnsFilter, then linesOn) */
  filter: string;
  encapsulated: boolean;
  label: string;
  /**
   * The source node's way out of the cluster (hop `egress`): the flow leaves here masqueraded (the node's address
   * and perhaps another source port), so the filter is on the far end's address and port and the summary matches
   * the ports conntrack says the flow was given (lib/verdict/trace.ts summarizeCapture `ports`).
   */
  natted?: boolean;
}

/** What the probes saw that decides the points; any of it may be missing (then that point is left out, and said why). */
export interface TraceFacts {
  srcPodLinks?: IpLink[];
  dstPodLinks?: IpLink[];
  nodeLinks: ReadonlyMap<string, IpLink[]>;
  /** `ip route get <dst pod>` on the source node and `ip route get <src pod>` on the destination node */
  srcNodeRoute?: RouteGet;
  dstNodeRoute?: RouteGet;
  /** `ip route get <address outside the cluster>` on the source node, for a path that leaves the cluster */
  egressRoute?: RouteGet;
  nodes: ClusterSnapshot['nodes'];
}

export function flowText(f: TraceFlow): string {
  return `${f.srcIP}:${f.sport} > ${f.dstIP}:${f.dport}/${f.proto}`;
}

const hex32 = (ip: string) => `0x${ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('')}`;

/** The BPF filter for the flow as it travels unencapsulated (pod eth0, veths, bridge, tunnel device, a routed underlay). */
export function innerFilter(f: TraceFlow, opts: { hairpin?: boolean } = {}): string {
  const host = opts.hairpin ? '' : ` and host ${f.srcIP}`;
  // ICMP errors about the flow quote its header: bytes 28-29 of the ICMP message are the quoted source port.
  return `(${f.proto}${host} and port ${f.sport}) or (icmp${host} and (icmp[0] = 3 or icmp[0] = 11) and icmp[28:2] = ${f.sport})`;
}

/**
 * The filter for the flow inside VXLAN on the underlay: UDP to the tunnel port, and inside it (UDP 8 + VXLAN 8 +
 * Ethernet 14 = offset 30 to the inner IPv4 header) the source pod address (inner src at 42 or dst at 46) with
 * the flow's port (inner L4 ports at 50/52), or an ICMP error quoting it (inner proto at 39, quoted port at 78).
 */
export function outerFilter(f: TraceFlow, port: number | readonly number[], opts: { hairpin?: boolean } = {}): string {
  const proto = f.proto === 'tcp' ? 6 : 17;
  const a = hex32(f.srcIP);
  const hostFwd = opts.hairpin ? '' : ` and udp[42:4] = ${a}`;
  const hostRev = opts.hairpin ? '' : ` and udp[46:4] = ${a}`;
  const ports = typeof port === 'number' ? [port] : port;
  const on = ports.length === 1 ? `udp port ${ports[0]}` : `(${ports.map((p) => `udp port ${p}`).join(' or ')})`;
  return `${on} and ((udp[39] = ${proto}${hostFwd} and udp[50:2] = ${f.sport}) or (udp[39] = ${proto}${hostRev} and udp[52:2] = ${f.sport}) or (udp[39] = 1${hostRev} and udp[78:2] = ${f.sport}))`;
}

/**
 * The filter of one capture on every interface of a pod's or a node's network namespace (`tcpdump -i any`): the
 * flow as it travels plain (innerFilter), and on a node also inside VXLAN on either usual port (VXLAN_PORTS: the
 * tunnel's own port is read from the links only later) and, for a path out of the cluster, after masquerade
 * (egressFilter). Each packet's interface is in tcpdump's line (LINUX_SLL2), so one capture serves every point
 * of that namespace: they are told apart afterwards (lib/parse/tcpdump.ts linesOn), and the capture need not
 * wait for the probes that name the interfaces.
 */
export function netnsFilter(f: TraceFlow, where: 'pod' | 'node', opts: { hairpin?: boolean; egress?: boolean } = {}): string {
  const inner = innerFilter(f, opts);
  if (where === 'pod') return inner;
  return [inner, outerFilter(f, VXLAN_PORTS, opts), ...(opts.egress ? [egressFilter(f)] : [])].map((x) => `(${x})`).join(' or ');
}

/**
 * The filter on the source node's way out of the cluster: after masquerade the source address (and perhaps the
 * port) is the node's, so the flow is told by the far end — packets to and from its address and port — and ICMP
 * errors quoting a packet to that address (the quoted IPv4 destination at bytes 24-27 of the ICMP message).
 */
export function egressFilter(f: TraceFlow): string {
  return `(${f.proto} and host ${f.dstIP} and port ${f.dport}) or (icmp and (icmp[0] = 3 or icmp[0] = 11) and icmp[24:4] = ${hex32(f.dstIP)})`;
}

function internalIP(nodes: TraceFacts['nodes'], node: string): string | undefined {
  return nodes.find((n) => n.metadata?.name === node)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function eth0(links: IpLink[] | undefined): IpLink | undefined {
  return links?.find((l) => l.ifname === 'eth0') ?? links?.find((l) => l.linkIndex !== undefined && l.ifname !== 'lo');
}

/**
 * The keys of the hop probes whose output places the capture points (planCapturePoints' facts): the links and
 * addresses of the path's pods (`addr`) and nodes (`node-link`), and each node's route toward the other end
 * (`node-route-get`). The trace can start once these have run, while the other probes still run, so the
 * orchestrator runs them ahead of the rest.
 */
export function traceInputKeys(plan: PathPlan): string[] {
  const nodes = new Set([plan.src.node, ...(plan.dst ? [plan.dst.node] : [])]);
  const pods = new Set([`${plan.src.namespace}/${plan.src.name}`, ...(plan.dst ? [`${plan.dst.namespace}/${plan.dst.name}`] : [])]);
  return plan.probes
    .filter((p) => (p.probe === 'node-link' && nodes.has(p.node!)) || (p.probe === 'addr' && pods.has(`${p.pod?.namespace}/${p.pod?.name}`)) || (p.probe === 'node-route-get' && ((p.node === plan.src.node && (p.args.ip === plan.dst?.ip || (plan.edge?.external && p.args.ip === plan.dstIP))) || (p.node === plan.dst?.node && p.args.ip === plan.src.ip))))
    .map((p) => p.key);
}

/**
 * The capture points of the plan's path, in the order the packet meets them, and a sentence per point that
 * could not be placed (a probe's output missing). Same-node: pod, veth, bridge, veth, pod. Cross-node: the
 * source node's veth → bridge → tunnel (inner) → underlay (outer), then the destination node's underlay →
 * tunnel → bridge → veth → pod. No destination pod (an address outside the cluster, no endpoint): as far as
 * the source node's way out: for an address outside the cluster, the device of the node's route to it, where the
 * flow leaves masqueraded (`natted`).
 */
export function planCapturePoints(plan: PathPlan, facts: TraceFacts, flow: TraceFlow): { points: CapturePoint[]; missing: string[] } {
  const points: CapturePoint[] = [];
  const missing: string[] = [];
  const hairpin = plan.hairpin;
  const inner = innerFilter(flow, { hairpin });
  const add = (p: Omit<CapturePoint, 'key' | 'filter' | 'encapsulated' | 'label'> & { port?: number }) => {
    const key = p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name}/${p.iface}` : `${p.node}/${p.iface}`;
    if (points.some((x) => x.key === key)) return;
    const encapsulated = p.port !== undefined;
    const { port, ...rest } = p;
    points.push({
      ...rest,
      key,
      filter: encapsulated ? outerFilter(flow, port!, { hairpin }) : p.natted ? egressFilter(flow) : inner,
      encapsulated,
      label: p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name} ${p.iface}` : `${p.node} ${p.iface}`,
    });
  };

  const podSide = (which: 'src' | 'dst') => {
    const end = which === 'src' ? plan.src : plan.dst!;
    const links = which === 'src' ? facts.srcPodLinks : facts.dstPodLinks;
    const e = eth0(links);
    const podHop: HopId = which === 'src' ? 'src-pod' : 'dst-pod';
    const pod = { namespace: end.namespace, name: end.name };
    if (!e) {
      missing.push(links === undefined ? `${end.namespace}/${end.name}: its interfaces were not read (addr probe)` : `${end.namespace}/${end.name}: no eth0 in the pod's ip addr output`);
      return { pod: undefined, veth: undefined, bridge: undefined };
    }
    const nodeLinks = facts.nodeLinks.get(end.node);
    const veth = e.linkIndex !== undefined ? nodeLinks?.find((l) => l.ifindex === e.linkIndex) : undefined;
    if (!nodeLinks) missing.push(`node ${end.node}: its links were not read (node-link probe)`);
    else if (!veth) missing.push(`node ${end.node}: no link with ifindex ${e.linkIndex ?? '?'} (the peer of ${end.namespace}/${end.name}'s eth0)`);
    const bridge = veth?.master ? nodeLinks?.find((l) => l.ifname === veth.master && l.kind === 'bridge') : undefined;
    return { pod: { where: 'pod' as const, pod, node: end.node, iface: e.ifname, hop: podHop }, veth, bridge };
  };

  const src = podSide('src');
  if (src.pod) add(src.pod);
  if (src.veth) add({ where: 'node', node: plan.src.node, iface: src.veth.ifname, hop: 'src-veth' });
  if (src.bridge) add({ where: 'node', node: plan.src.node, iface: src.bridge.ifname, hop: 'src-node' });
  if (hairpin) return { points, missing };

  const tunnelPoints = (node: string, route: RouteGet | undefined, side: 'out' | 'in') => {
    const links = facts.nodeLinks.get(node) ?? [];
    const dev = route?.outcome === 'route' ? route.route.dev : undefined;
    const routeLink = dev ? links.find((l) => l.ifname === dev) : undefined;
    const tunnel = routeLink?.kind === 'vxlan' ? routeLink : links.find((l) => l.kind === 'vxlan');
    const ip = internalIP(facts.nodes, node);
    const underlay = (tunnel?.vxlan?.dev ? links.find((l) => l.ifname === tunnel.vxlan!.dev) : undefined) ?? links.find((l) => ip !== undefined && l.addresses.some((a) => a.local === ip));
    const out: Parameters<typeof add>[0][] = [];
    // A routing device that is neither the tunnel nor the underlay (cilium_host) carries the flow out of the
    // source node. On the destination node the route read is the one BACK to the source (the answer's way),
    // which the first packet does not take, so it is no capture point there.
    if (side === 'out' && routeLink && routeLink !== tunnel && routeLink !== underlay && routeLink.kind !== 'bridge') out.push({ where: 'node', node, iface: routeLink.ifname, hop: 'src-node' });
    if (tunnel) {
      const inPoint = { where: 'node' as const, node, iface: tunnel.ifname, hop: (side === 'out' ? 'overlay' : 'dst-node') as HopId };
      const outPoint = underlay ? { where: 'node' as const, node, iface: underlay.ifname, hop: 'overlay' as HopId, port: tunnel.vxlan?.port ?? 8472 } : undefined;
      if (side === 'out') out.push(inPoint, ...(outPoint ? [outPoint] : []));
      else out.push(...(outPoint ? [outPoint] : []), inPoint);
    } else if (underlay) {
      // Routed (host-gw, kindnet, a VPC): the plain packet leaving the source node is on the overlay's way;
      // arriving on the destination node's underlay it has crossed it and is that node's.
      out.push({ where: 'node', node, iface: underlay.ifname, hop: side === 'out' ? 'overlay' : 'dst-node' });
    }
    if (!tunnel && !underlay) missing.push(facts.nodeLinks.has(node) ? `node ${node}: neither a tunnel device nor the link holding its InternalIP ${ip ?? '(unknown)'} in its links` : `node ${node}: its links were not read (node-link probe)`);
    return out;
  };

  if (!plan.dst && plan.edge?.external) {
    // Out of the cluster: not through the tunnel but out of the device the node routes the address to.
    const r = facts.egressRoute;
    const dev = r?.outcome === 'route' ? r.route.dev : undefined;
    if (dev) add({ where: 'node', node: plan.src.node, iface: dev, hop: 'egress', natted: true });
    else missing.push(`node ${plan.src.node}: no route to ${flow.dstIP} was read (node-route-get)`);
    return { points, missing };
  }
  if (!plan.dst) {
    for (const p of tunnelPoints(plan.src.node, facts.srcNodeRoute, 'out')) add(p);
    return { points, missing };
  }
  if (!plan.sameNode && plan.dst.hostNetwork) {
    // To a node's own address the flow crosses the underlay plain, whatever tunnel the pod network has: out of
    // the device the source node routes it to (the underlay), into the destination node's underlay link.
    for (const [node, side] of [[plan.src.node, 'out'], [plan.dst.node, 'in']] as const) {
      const links = facts.nodeLinks.get(node) ?? [];
      const ip = internalIP(facts.nodes, node);
      const dev = side === 'out' && facts.srcNodeRoute?.outcome === 'route' ? facts.srcNodeRoute.route.dev : undefined;
      const link = (dev ? links.find((l) => l.ifname === dev) : undefined) ?? links.find((l) => ip !== undefined && l.addresses.some((a) => a.local === ip));
      if (link) add({ where: 'node', node, iface: link.ifname, hop: side === 'out' ? 'overlay' : 'dst-node' });
      else missing.push(`node ${node}: no link holding its InternalIP ${ip ?? '(unknown)'} in its links`);
    }
  } else if (!plan.sameNode) {
    for (const p of tunnelPoints(plan.src.node, facts.srcNodeRoute, 'out')) add(p);
    for (const p of tunnelPoints(plan.dst.node, facts.dstNodeRoute, 'in')) add(p);
  }
  if (plan.dst.hostNetwork) {
    // A hostNetwork pod is its node's own netns: no veth or bridge. Across nodes the flow arrives on the node's
    // underlay, which is the pod's eth0 too; on the source's own node it comes in through the source's veth and
    // never crosses eth0, so there is no point of the pod's own to wait on.
    const e = plan.sameNode ? undefined : eth0(facts.dstPodLinks);
    if (e) add({ where: 'pod', pod: { namespace: plan.dst.namespace, name: plan.dst.name }, node: plan.dst.node, iface: e.ifname, hop: 'dst-pod' });
    return { points, missing };
  }
  const dst = podSide('dst');
  if (dst.bridge) add({ where: 'node', node: plan.dst.node, iface: dst.bridge.ifname, hop: plan.sameNode ? 'src-node' : 'dst-node' });
  if (dst.veth) add({ where: 'node', node: plan.dst.node, iface: dst.veth.ifname, hop: 'dst-veth' });
  if (dst.pod) add(dst.pod);
  return { points, missing };
}

/** A source port of the trace's own: outside Linux's default ephemeral range (32768-60999), so the kernel never hands it to another socket. */
export function traceSourcePort(random: number): number {
  return 20000 + Math.floor(random * 12000);
}

/**
 * Points the flow could not cross because kube-proxy sent it to another endpoint than the one the path is
 * drawn to (`sentToNode`: that endpoint's node, read from the capture's NATed address): with the endpoint
 * on the source node, everything past the source node's bridge; on a third node, the drawn destination
 * node's points. Their silence says nothing about the dataplane, so they are not judged seen or unseen.
 */
export function offPathPoints(points: CapturePoint[], plan: PathPlan, sentToIP: string | undefined, sentToNode: string | undefined): Set<string> {
  const off = new Set<string>();
  if (!plan.dst || !sentToIP || sentToIP === plan.dst.ip || !sentToNode) return off;
  for (const p of points) {
    const dstSide = p.node === plan.dst.node && p.node !== plan.src.node;
    const pastSrcBridge = p.hop === 'overlay' || p.hop === 'dst-node' || p.hop === 'dst-veth' || p.hop === 'dst-pod';
    if (sentToNode === plan.src.node ? pastSrcBridge : sentToNode !== plan.dst.node && (dstSide || p.hop === 'dst-veth' || p.hop === 'dst-pod')) off.add(p.key);
  }
  return off;
}
