// The pod ends of the path: each pod's interface and route, the host side of its veth, and hairpin on
// the bridge port when a pod reaches itself through its own Service.
import { parseBridgeLink, parseIpRoute, parseIpRouteGet, vethForPeerIndex, type IpLink } from '../parse';
import { podInterface } from './read';
import { finding, links, observe, one, onNode, onPod, problem, read, REFUSED_ROUTE, routeText, type Ctx, type ProbeRun } from './context';

// ------------------------------------------------------------------ src-pod / dst-pod network ----

export function judgePodNetwork(c: Ctx, hop: 'src-pod' | 'dst-pod', ns: string, name: string, ip: string, toward: string | undefined) {
  const addr = one(c.plan, c.runs, onPod(ns, name, 'addr'));
  const addrLinks = links(c, addr);
  if (addr && addrLinks) {
    const eth = podInterface(addrLinks);
    if (!eth) {
      finding(c, addr, 'no interface with an IPv4 address besides lo');
      problem(c, hop, 'pod-network', `${ns}/${name} has no network interface with an address (only lo)`);
    } else {
      const v4 = eth.addresses.find((a) => a.family === 'inet');
      const up = eth.flags.includes('UP');
      // Set up (flag UP) but its link down (operstate DOWN/LOWERLAYERDOWN: the veth's other end is down) is said as such.
      // NO-CARRIER on a veth: its peer (the host side) is down.
      const state = !up ? 'DOWN' : eth.flags.includes('NO-CARRIER') ? 'set up, but it has no carrier (the other end of its veth is down)' : eth.operstate && eth.operstate !== 'UP' && eth.operstate !== 'UNKNOWN' ? `set up, but its link is ${eth.operstate}` : 'up';
      const s = `${eth.ifname} ${state}, ${v4 ? `${v4.local}/${v4.prefixlen}` : 'no IPv4 address'}, mtu ${eth.mtu}`;
      finding(c, addr, s);
      observe(c, hop, s);
      if (!v4) problem(c, hop, 'pod-network', `${ns}/${name}'s ${eth.ifname} has no IPv4 address (the pod status says ${ip})`);
      else if (v4.local !== ip) problem(c, hop, 'pod-network', `${ns}/${name}'s ${eth.ifname} has ${v4.local}, the pod status says ${ip}`);
      else if (!up) problem(c, hop, 'pod-network', `${ns}/${name}'s ${eth.ifname} is down`);
    }
  }
  if (toward) judgePodRoute(c, hop, ns, name, toward);
}

/**
 * The pod's own route toward `toward` (its `ip -j route get` run, when planned): a refused lookup is `pod-network`
 * at `hop`, the kernel's refusal saying which route is missing (REFUSED_ROUTE). `what` names the address in the
 * sentence (e.g. "its resolver, the cluster DNS Service kube-system/kube-dns").
 */
export function judgePodRoute(c: Ctx, hop: 'src-pod' | 'dst-pod', ns: string, name: string, toward: string, what?: string) {
  const rg = one(c.plan, c.runs, onPod(ns, name, 'route-get', toward));
  if (!rg) return;
  const r = read(c, rg, parseIpRouteGet);
  const to = what ? `${toward} (${what})` : toward;
  if (r?.outcome === 'refused') {
    const why = r.error.message.replace(/^RTNETLINK answers: /, '');
    finding(c, rg, `no route to ${to}: ${why}`);
    observe(c, hop, what ? `no route to ${to}: ${why}` : `no route to ${toward} (${why})`);
    problem(c, hop, 'pod-network', `${ns}/${name} has no route to ${to}: "${why}" — ${REFUSED_ROUTE[r.meaning]}`);
  } else if (r) {
    const s = `to ${to}: ${routeText(r)}`;
    finding(c, rg, s);
    observe(c, hop, s);
  }
}

/**
 * The pod's main route table (its `route-show` run, when planned), as evidence beside a route lookup: each route
 * in ip's words, and "no default route" when none is `default`. A finding only; the lookup decides (judgePodRoute).
 */
export function judgePodRouteTable(c: Ctx, hop: 'src-pod' | 'dst-pod', ns: string, name: string) {
  const rs = one(c.plan, c.runs, onPod(ns, name, 'route-show'));
  const v = rs ? read(c, rs, parseIpRoute, { supplementary: true }) : undefined;
  if (!rs || !v || v.error) return;
  const text = v.entries.map((r) => `${r.type !== 'unicast' ? `${r.type} ` : ''}${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
  const noDefault = !v.entries.some((r) => r.dst === 'default' && r.type === 'unicast');
  const s = `${ns}/${name}'s routes: ${text.join('; ') || 'none'}${noDefault ? ' (no default route)' : ''}`;
  finding(c, rs, s);
  if (noDefault) observe(c, hop, s);
}

// ------------------------------------------------------------------ veth ----

function hostVeth(c: Ctx, ns: string, name: string, node: string): { veth?: IpLink; nodeLinks?: IpLink[]; run?: ProbeRun } {
  const addr = one(c.plan, c.runs, onPod(ns, name, 'addr'));
  const nl = one(c.plan, c.runs, onNode(node, 'node-link'));
  if (!nl) return {};
  const nodeLinks = links(c, nl) ?? [];
  const eth = addr ? podInterface(links(c, addr)) : undefined;
  // The pod's eth0 names its peer's ifindex in the node's netns (eth0@ifN): the host-side veth.
  const veth = eth?.linkIndex !== undefined ? vethForPeerIndex(nodeLinks, eth.linkIndex) : undefined;
  return { veth, nodeLinks, run: nl };
}

export function judgeVeth(c: Ctx, hop: 'src-veth' | 'dst-veth', ns: string, name: string, node: string) {
  const { veth, run } = hostVeth(c, ns, name, node);
  if (!run) return;
  if (!veth) {
    observe(c, hop, `could not match ${ns}/${name}'s eth0 to a veth on ${node}`);
    return;
  }
  const up = veth.flags.includes('UP');
  const s = `${veth.ifname} on ${node}: ${up ? 'up' : 'DOWN'}${veth.master ? `, in bridge ${veth.master}` : ''}, mtu ${veth.mtu}`;
  observe(c, hop, s);
  finding(c, run, s);
  if (!up) problem(c, hop, 'veth-down', `the host side of ${ns}/${name}'s veth, ${veth.ifname} on ${node}, is down (state ${veth.operstate ?? 'DOWN'})`);
}

export function judgeHairpin(c: Ctx) {
  const { plan } = c;
  if (!plan.hairpin) return;
  const { veth } = hostVeth(c, plan.src.namespace, plan.src.name, plan.src.node);
  const bl = one(plan, c.runs, onNode(plan.src.node, 'bridge-link'));
  if (!veth || !bl) return;
  const port = read(c, bl, parseBridgeLink)?.entries.find((p) => p.ifname === veth.ifname);
  if (port?.hairpin === undefined) return;
  const s = `bridge port ${veth.ifname}: hairpin ${port.hairpin ? 'on' : 'off'}`;
  finding(c, bl, s);
  observe(c, 'src-veth', s);
  // The flag itself is the evidence: whenever kube-proxy picks this pod for its own connection the packet
  // must turn around on this bridge port, and with hairpin off it cannot (the VIP connect may still have
  // landed on another endpoint by chance).
  if (!port.hairpin) {
    const luck = c.connect === 'open' ? ' (this time the VIP connect landed on another endpoint)' : '';
    problem(c, 'src-veth', 'hairpin', `${plan.src.namespace}/${plan.src.name} reaches its own Service ${plan.service?.key} only back through its own bridge port, and hairpin is off on ${veth.ifname} (${plan.src.node}): the packet cannot turn around${luck}`);
  }
}
