// Links, addresses and routes: an underlay netns whose bridge joins the nodes' eth0, one netns per node
// (eth0, its default route, ip_forward, then what its dataplane family builds: lab/dataplane/families/)
// and one per pod (eth0 from a veth pair made straight across namespaces). Nothing is created in the host namespace except the netns
// names themselves. Each namespace is configured with one `ip -batch`, nodes in parallel.
import { cniOf } from '../families';
import { UNDERLAY_MTU, underlayNetns } from '../objects';
import type { LabNode, LabPod, LabState } from '../types';
import { familyOf } from './families';
import { TUNNEL_MTU, VXLAN_DEV, VXLAN_PORT, vtepIP } from './families/common';
import { buildVpcRouter } from './families/vpc';
import { inNetns, ipBatch, must, run } from './sh';

export { TUNNEL_MTU, VXLAN_DEV, VXLAN_PORT, vtepIP };

/** The kind-style gateway of the node network: the nodes' default route points at it. */
export const UNDERLAY_GATEWAY = '172.18.0.1';

/** Every netns the lab owns, in creation order (underlay, nodes, pods). */
export function labNetns(st: Pick<LabState, 'instance' | 'nodes' | 'pods'>): string[] {
  return [underlayNetns(st.instance), ...st.nodes.map((n) => n.netns), ...st.pods.filter((p) => !p.hostNetwork).map((p) => p.netns)];
}

/** The route node `from` has toward node `to`'s pod /24 (null when the family routes through the VPC router). */
export function podRouteArgs(st: LabState, to: LabNode, from?: LabNode): string | null {
  return familyOf(st).peerRoute(st, from ?? st.nodes.find((n) => n !== to)!, to);
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

  if (cniOf(st.cluster) === 'vpc') await buildVpcRouter(st);
  await Promise.all(st.nodes.map((n) => buildNode(st, n)));
}

async function buildNode(st: LabState, n: LabNode): Promise<void> {
  const pods = st.pods.filter((p) => p.node === n.name && !p.hostNetwork);
  const fam = familyOf(st);
  await ipBatch(n.netns, [
    'link set lo up',
    `addr add ${n.internalIP}/16 dev eth0`,
    'link set eth0 up',
    `route add default via ${UNDERLAY_GATEWAY} dev eth0`,
    ...fam.nodeLines(st, n, pods),
  ], `building node ${n.name}`);
  await fam.finish(st, n, pods);
  await must(inNetns(n.netns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']), { what: `ip_forward on node ${n.name}` });
  await Promise.all(pods.map((p) => buildPod(st, p, n)));
}

async function buildPod(st: LabState, p: LabPod, n: LabNode): Promise<void> {
  await ipBatch(p.netns, ['link set lo up', ...familyOf(st).podLines(st, p, n)], `building pod ${p.namespace}/${p.name}`);
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
