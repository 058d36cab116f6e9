// A cloud VPC dataplane (EKS's VPC CNI shape; DESIGN §3.1, overlay `routed`):
//  - pod: eth0 /32, `169.254.1.1 dev eth0 scope link`, `default via 169.254.1.1 dev eth0` and a
//    permanent neighbor 169.254.1.1 → the host side's MAC (the VPC CNI writes it; no proxy ARP);
//  - host side: `eni` + 11 hex (sha1 of "<ns>.<pod>", as the VPC CNI names it), no bridge, one
//    `<pod IP> dev eniX scope link` route per pod;
//  - between nodes: nothing on the node but its default route (via 172.18.0.1); the underlay netns is
//    the VPC router: 172.18.0.1 on its switch, ip_forward, and a route per node's pod /24 via that
//    node's InternalIP — the cloud route table. node-route-missing removes the router's route.
import { createHash } from 'node:crypto';
import { underlayNetns } from '../../objects';
import type { LabNode, LabPod, LabState } from '../../types';
import { UNDERLAY_GATEWAY } from '../network';
import { ipBatch } from '../sh';
import { LINK_LOCAL_GW, sysctls } from './common';
import type { Family } from './types';

/** The host side's MAC (deterministic per instance and pod; the pod's static neighbor entry names it). */
export function eniMac(instance: string, p: Pick<LabPod, 'namespace' | 'name'>): string {
  const h = createHash('sha256').update(`eni/${instance}/${p.namespace}/${p.name}`).digest('hex');
  return ['0a', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

/** The VPC route table's entry for a node's pod CIDR (in the underlay netns). */
export const routerRoute = (to: LabNode) => `${to.podCIDR} via ${to.internalIP} dev br0`;

/** Makes the underlay netns the VPC router (after the switch exists). */
export async function buildVpcRouter(st: LabState): Promise<void> {
  const u = underlayNetns(st.instance);
  await ipBatch(u, [`addr replace ${UNDERLAY_GATEWAY}/16 dev br0`, ...st.nodes.map((n) => `route replace ${routerRoute(n)}`)], 'the VPC router');
  // A router between hosts on one segment would send ICMP redirects; a VPC route table does not.
  await sysctls(u, ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.br0.send_redirects=0'], 'VPC router settings');
}

export const vpc: Family = {
  bridge: false,
  tunnel: () => null,
  peerRoute: () => null,
  podDefault: () => `default via ${LINK_LOCAL_GW} dev eth0`,
  nodeLines: (st, n, pods) =>
    pods.flatMap((p) => [`link add ${p.hostVeth} mtu 1500 address ${eniMac(st.instance, p)} type veth peer name eth0 mtu 1500 netns ${p.netns}`, ...vpc.hostSideUp(st, p)]),
  podLines: (st, p) => [
    `addr add ${p.ip}/32 dev eth0`,
    'link set eth0 up',
    `route add ${LINK_LOCAL_GW} dev eth0 scope link`,
    `route add default via ${LINK_LOCAL_GW} dev eth0`,
    `neigh add ${LINK_LOCAL_GW} lladdr ${eniMac(st.instance, p)} dev eth0 nud permanent`,
  ],
  hostSideUp: (st, p) => [`link set ${p.hostVeth} up`, `route replace ${p.ip} dev ${p.hostVeth} scope link`],
  finish: async () => {},
};
