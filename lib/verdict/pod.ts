// The pod ends of the path: each pod's interface and route, the host side of its veth, and hairpin on
// the bridge port when a pod reaches itself through its own Service.
import { parseBridgeLink, parseIpRoute, parseIpRouteGet, vethForPeerIndex, type IpLink } from '../parse';
import { podInterface } from './read';
import { CAUSES } from '../causes';
import { finding, links, observe, one, onNode, onPod, problem, read, REFUSED_ROUTE, routeText, type Ctx, type ProbeRun } from './context';

// ------------------------------------------------------------------ src-pod / dst-pod network ----

/**
 * What a pod's own `ip -j addr` says (its run planned as `addr` in that pod): `seen`, its interface in words
 * ("eth0 up, 10.244.1.5/24, mtu 1500"), and `broken`, a pod-network reason when the interface, its address or its
 * state is wrong. Both undefined when the run is missing or unreadable. One reading for the path's pods and the
 * cluster DNS pods (lib/verdict/dns.ts explainDnsTimeout).
 */
export function podNetworkState(c: Ctx, ns: string, name: string, ip: string): { run?: ProbeRun; seen?: string; broken?: string; noInterface?: boolean } {
  const addr = one(c.plan, c.runs, onPod(ns, name, 'addr'));
  const addrLinks = links(c, addr);
  if (!addr || !addrLinks) return {};
  const eth = podInterface(addrLinks);
  if (!eth) return { run: addr, noInterface: true, seen: 'no interface with an IPv4 address besides lo', broken: `${ns}/${name} has no network interface with an address (only lo)` };
  const v4 = eth.addresses.find((a) => a.family === 'inet');
  const up = eth.flags.includes('UP');
  // Set up (flag UP) but its link down (operstate DOWN/LOWERLAYERDOWN: the veth's other end is down) is said as such.
  // NO-CARRIER on a veth: its peer (the host side) is down.
  const state = !up ? 'DOWN' : eth.flags.includes('NO-CARRIER') ? 'set up, but it has no carrier (the other end of its veth is down)' : eth.operstate && eth.operstate !== 'UP' && eth.operstate !== 'UNKNOWN' ? `set up, but its link is ${eth.operstate}` : 'up';
  const seen = `${eth.ifname} ${state}, ${v4 ? `${v4.local}/${v4.prefixlen}` : 'no IPv4 address'}, mtu ${eth.mtu}`;
  const broken = !v4 ? `${ns}/${name}'s ${eth.ifname} has no IPv4 address (the pod status says ${ip})` : v4.local !== ip ? `${ns}/${name}'s ${eth.ifname} has ${v4.local}, the pod status says ${ip}` : !up ? `${ns}/${name}'s ${eth.ifname} is down` : undefined;
  return { run: addr, seen, ...(broken ? { broken } : {}) };
}

export function judgePodNetwork(c: Ctx, hop: 'src-pod' | 'dst-pod', ns: string, name: string, ip: string, toward: string | undefined) {
  const { run, seen, broken, noInterface } = podNetworkState(c, ns, name, ip);
  if (run && seen) {
    finding(c, run, seen);
    // no interface: the finding only, the problem says it
    if (!noInterface) observe(c, hop, seen);
    if (broken) problem(c, hop, 'pod-network', broken, undefined, podNetworkStep(c, ns, name, run));
  }
  if (toward) judgePodRoute(c, hop, ns, name, toward);
}

/**
 * pod-network's next step for a pod of the path: which pod (the source or the destination: "the pod" said neither), its
 * node, and the command that shows its failure — the probe's own reproduce line, with the debug image and target
 * container this diagnosis used — beside the cause's advice (lib/causes.ts).
 */
export function podNetworkStep(c: Ctx, ns: string, name: string, shown?: ProbeRun): string {
  const node = c.snap.pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name)?.spec?.nodeName;
  return `Check ${ns}/${name}'s sandbox${node ? ` on ${node}` : ''}: ${shown?.reproduce ? `\`${shown.reproduce}\` shows it; ` : ''}\`ip addr\` and \`ip route\` inside the pod; the CNI plugin failed to set up its eth0 or its default route. Recreate the pod and read the CNI logs on ${node ?? 'its node'}.`;
}

/**
 * A pod's own route toward `toward` (its `ip -j route get` run, when planned): `seen` in words, and `refused`, the
 * pod-network reason when the kernel refuses the lookup (REFUSED_ROUTE says which route is missing). `what` names
 * the address in the sentences (e.g. "its resolver, the cluster DNS Service kube-system/kube-dns").
 */
export function podRouteState(c: Ctx, ns: string, name: string, toward: string, what?: string): { run?: ProbeRun; seen?: string; finding?: string; refused?: string } {
  const rg = one(c.plan, c.runs, onPod(ns, name, 'route-get', toward));
  const r = read(c, rg, parseIpRouteGet);
  if (!rg || !r) return {};
  const to = what ? `${toward} (${what})` : toward;
  if (r.outcome === 'refused') {
    const why = r.error.message.replace(/^RTNETLINK answers: /, '');
    return { run: rg, finding: `no route to ${to}: ${why}`, seen: what ? `no route to ${to}: ${why}` : `no route to ${toward} (${why})`, refused: `${ns}/${name} has no route to ${to}: "${why}" — ${REFUSED_ROUTE[r.meaning]}` };
  }
  const s = `to ${to}: ${routeText(r)}`;
  return { run: rg, finding: s, seen: s };
}

/** The pod's own route toward `toward` judged at `hop` (podRouteState): a refused lookup is `pod-network` there. */
export function judgePodRoute(c: Ctx, hop: 'src-pod' | 'dst-pod', ns: string, name: string, toward: string, what?: string) {
  const st = podRouteState(c, ns, name, toward, what);
  if (!st.run) return;
  finding(c, st.run, st.finding!);
  observe(c, hop, st.seen!);
  if (st.refused) problem(c, hop, 'pod-network', st.refused, undefined, podNetworkStep(c, ns, name, st.run));
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

/**
 * The host side of a pod's veth on `node` (the node-link entry whose ifindex is the pod eth0's `link_index`): `seen`
 * in words, and `down`, the veth-down reason when it is not UP. `unmatched` when the node's links were read but no
 * veth matches. One reading for the path's pods and the cluster DNS pods (lib/verdict/dns.ts explainDnsTimeout).
 */
export function vethState(c: Ctx, ns: string, name: string, node: string): { run?: ProbeRun; veth?: IpLink; seen?: string; down?: string; unmatched?: boolean } {
  const { veth, run } = hostVeth(c, ns, name, node);
  if (!run) return {};
  if (!veth) return { run, unmatched: true };
  const up = veth.flags.includes('UP');
  const seen = `${veth.ifname} on ${node}: ${up ? 'up' : 'DOWN'}${veth.master ? `, in bridge ${veth.master}` : ''}, mtu ${veth.mtu}`;
  return { run, veth, seen, ...(up ? {} : { down: `the host side of ${ns}/${name}'s veth, ${veth.ifname} on ${node}, is down (state ${veth.operstate ?? 'DOWN'})` }) };
}

export function judgeVeth(c: Ctx, hop: 'src-veth' | 'dst-veth', ns: string, name: string, node: string) {
  const { run, seen, down, unmatched, veth } = vethState(c, ns, name, node);
  if (!run) return;
  if (unmatched || !seen) {
    observe(c, hop, `could not match ${ns}/${name}'s eth0 to a veth on ${node}`);
    return;
  }
  observe(c, hop, seen);
  finding(c, run, seen);
  if (down) problem(c, hop, 'veth-down', down, [node], veth ? vethDownStep(node, veth.ifname, ns, name) : undefined);
}

/** veth-down's next step for a pod of the path: the node, the host-side veth by name and the pod (the cause's text says "the node", "the pod"). */
export const vethDownStep = (node: string, veth: string, ns: string, name: string) =>
  `On ${node}, \`ip link show ${veth}\` (the host side of ${ns}/${name}'s veth) says DOWN: bring it up (\`ip link set ${veth} up\`) or recreate the pod, then check why the CNI left it down.`;

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
    problem(c, 'src-veth', 'hairpin', `${plan.src.namespace}/${plan.src.name} reaches its own Service ${plan.service?.key} only back through its own bridge port, and hairpin is off on ${veth.ifname} (${plan.src.node}): the packet cannot turn around${luck}`, [plan.src.node],
      // the port by name, on its node (the cause's text says `<veth>`, which no other value fills)
      `On ${plan.src.node}, \`bridge -d link show dev ${veth.ifname}\` says hairpin off: ${CAUSES.hairpin.nextStep.replaceAll('<veth>', veth.ifname)}`);
  }
}
