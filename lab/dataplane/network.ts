// Links, addresses and routes: an underlay netns whose bridge joins the nodes' eth0, one netns per node
// (cni0 bridge, ip_forward, flannel-style VXLAN or host-gw routes) and one per pod (eth0 from a veth
// pair made straight across namespaces). Nothing is created in the host namespace except the netns
// names themselves. Each namespace is configured with one `ip -batch`, nodes in parallel.
import { parseCidr, nthIp } from '../ipv4';
import { POD_MTU, UNDERLAY_MTU, underlayNetns, vtepMac } from '../objects';
import type { LabNode, LabPod, LabState } from '../types';
import { inNetns, ipBatch, must, run } from './sh';

/** The kind-style gateway of the node network: the nodes' default route points at it. */
export const UNDERLAY_GATEWAY = '172.18.0.1';
export const VXLAN_DEV = 'flannel.1';
export const VXLAN_PORT = 4789;
export const TUNNEL_MTU = UNDERLAY_MTU - 50;

/** The tunnel endpoint address of a node: the .0 of its pod /24 on flannel.1, as flannel does. */
export const vtepIP = (n: LabNode) => nthIp(parseCidr(n.podCIDR)!, 0);

/** Every netns the lab owns, in creation order (underlay, nodes, pods). */
export function labNetns(st: Pick<LabState, 'instance' | 'nodes' | 'pods'>): string[] {
  return [underlayNetns(st.instance), ...st.nodes.map((n) => n.netns), ...st.pods.filter((p) => !p.hostNetwork).map((p) => p.netns)];
}

/** The route a node has toward another node's pod /24 (as flannel installs it). */
export function podRouteArgs(st: LabState, to: LabNode): string {
  return st.cluster.overlay === 'vxlan' ? `${to.podCIDR} via ${vtepIP(to)} dev ${VXLAN_DEV} onlink` : `${to.podCIDR} via ${to.internalIP} dev eth0`;
}

export async function buildNetwork(st: LabState, created: string[]): Promise<void> {
  const all = labNetns(st);
  // netns first (one `ip -batch` makes them all); record each so a failure can undo exactly these.
  await ipBatch(null, all.map((n) => `netns add ${n}`), 'creating network namespaces');
  created.push(...all);

  const u = underlayNetns(st.instance);
  await ipBatch(u, [
    'link set lo up',
    'link add br0 type bridge',
    'link set br0 up',
    ...st.nodes.flatMap((n) => [
      `link add ${n.underlayVeth} mtu ${UNDERLAY_MTU} type veth peer name eth0 mtu ${UNDERLAY_MTU} netns ${n.netns}`,
      `link set ${n.underlayVeth} master br0`,
      `link set ${n.underlayVeth} up`,
    ]),
  ], 'building the underlay');
  // The underlay is a plain switch: no iptables on bridged frames (br_netfilter would also re-fragment
  // oversized tunnel packets there, hiding an MTU bottleneck that a real switch port would enforce).
  await must(inNetns(u, ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0', 'net.bridge.bridge-nf-call-arptables=0']), { what: 'underlay bridge settings' });

  await Promise.all(st.nodes.map((n) => buildNode(st, n)));
}

async function buildNode(st: LabState, n: LabNode): Promise<void> {
  const pods = st.pods.filter((p) => p.node === n.name && !p.hostNetwork);
  const others = st.nodes.filter((o) => o !== n);
  const vxlan = st.cluster.overlay === 'vxlan';
  const cidrBits = parseCidr(n.podCIDR)!.bits;
  await ipBatch(n.netns, [
    'link set lo up',
    `addr add ${n.internalIP}/16 dev eth0`,
    'link set eth0 up',
    `route add default via ${UNDERLAY_GATEWAY} dev eth0`,
    `link add cni0 mtu ${POD_MTU} type bridge`,
    `addr add ${n.bridgeIP}/${cidrBits} dev cni0`,
    'link set cni0 up',
    ...(vxlan
      ? [
          `link add ${VXLAN_DEV} address ${vtepMac(st.instance, n.name)} mtu ${TUNNEL_MTU} type vxlan id 1 local ${n.internalIP} dev eth0 dstport ${VXLAN_PORT} nolearning`,
          `addr add ${vtepIP(n)}/32 dev ${VXLAN_DEV}`,
          `link set ${VXLAN_DEV} up`,
          ...others.map((o) => `neigh add ${vtepIP(o)} lladdr ${vtepMac(st.instance, o.name)} dev ${VXLAN_DEV} nud permanent`),
        ]
      : []),
    ...others.map((o) => `route add ${podRouteArgs(st, o)}`),
    ...pods.flatMap((p) => [
      `link add ${p.hostVeth} mtu ${POD_MTU} type veth peer name eth0 mtu ${POD_MTU} netns ${p.netns}`,
      `link set ${p.hostVeth} master cni0`,
      `link set ${p.hostVeth} type bridge_slave hairpin on`,
      `link set ${p.hostVeth} up`,
    ]),
  ], `building node ${n.name}`);
  if (vxlan && others.length) {
    await must(['bridge', '-n', n.netns, '-batch', '-'], {
      input: others.map((o) => `fdb append ${vtepMac(st.instance, o.name)} dev ${VXLAN_DEV} dst ${o.internalIP} self permanent`).join('\n') + '\n',
      what: `VXLAN FDB of node ${n.name}`,
    });
  }
  await must(inNetns(n.netns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']), { what: `ip_forward on node ${n.name}` });
  await Promise.all(pods.map((p) => buildPod(p, n)));
}

async function buildPod(p: LabPod, n: LabNode): Promise<void> {
  await ipBatch(p.netns, [
    'link set lo up',
    `addr add ${p.ip}/${parseCidr(n.podCIDR)!.bits} dev eth0`,
    'link set eth0 up',
    `route add default via ${n.bridgeIP} dev eth0`,
  ], `building pod ${p.namespace}/${p.name}`);
}

/** Deletes the given netns (those that exist); returns the names it could not delete. */
export async function deleteNetns(names: string[]): Promise<string[]> {
  const present = new Set((await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean));
  const mine = names.filter((n) => present.has(n));
  if (!mine.length) return [];
  await run(['ip', '-force', '-batch', '-'], { input: mine.map((n) => `netns del ${n}`).join('\n') + '\n' });
  const after = new Set((await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]));
  return mine.filter((n) => after.has(n));
}
