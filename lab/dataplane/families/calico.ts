// Calico (DESIGN §3.1), as calico-node's CNI plugin and Felix program a node:
//  - pod: eth0 /32, `169.254.1.1 dev eth0 scope link` + `default via 169.254.1.1 dev eth0`;
//  - host side: `cali` + 11 hex (sha1 of "<ns>.<pod>", lab/families.ts), MAC ee:ee:ee:ee:ee:ee, no
//    address, proxy_arp=1 (answers the pod's ARP for 169.254.1.1), proxy_delay=0, and one
//    `<pod IP> dev caliX scope link` route per local pod; no bridge;
//  - the node's block: `blackhole <node /24>` (Calico allocates /26 blocks; the lab's block is the node's /24);
//  - vxlan: `vxlan.calico` VNI 4096 UDP 4789, its address the .0 of the block, per peer a permanent
//    neighbor (peer VTEP IP → peer VTEP MAC), an FDB entry (MAC → peer InternalIP) and
//    `<peer block> via <peer VTEP IP> dev vxlan.calico onlink` (proto 80, Felix's);
//  - host-gw: `<peer block> via <peer InternalIP> dev eth0 proto bird` (BIRD's BGP routes);
//  - Felix's cali-INPUT: "Allow IPv4 VXLAN packets from allowed hosts" BEFORE "Drop IPv4 VXLAN packets
//    from non-allowed hosts" (the allowed hosts are an ipset in Felix; `-s <node>/32` per node here).
// Sources: docs/lab.md "Families" lists the upstream outputs these shapes were checked against.
import { POD_MTU, vtepMac } from '../../objects';
import type { LabNode, LabState } from '../../types';
import { must } from '../sh';
import { LINK_LOCAL_GW, othersOf, proxyArp, sysctls, TUNNEL_MTU, vtepIP } from './common';
import type { Family } from './types';

export const CALICO_VXLAN_DEV = 'vxlan.calico';
export const CALICO_VXLAN_PORT = 4789;
export const CALICO_VNI = 4096;
/** Calico's host-side veth MAC: every cali interface has it (Felix never needs to learn the pod's view of it). */
export const CALICO_VETH_MAC = 'ee:ee:ee:ee:ee:ee';

const vxlanOf = (st: LabState) => st.cluster.overlay === 'vxlan';
const proto = (st: LabState) => (vxlanOf(st) ? '80' : 'bird');

/**
 * Felix's cali-INPUT VXLAN rules (filter), hooked first in INPUT (`hook`: add the jump; false when it is
 * there already). Comment ids as felix/rules/static.go prints them. Applied after kube-proxy's rules.
 */
export function felixInputRestore(st: LabState, n: LabNode, hook = true): string {
  const peers = othersOf(st, n);
  return [
    '*filter',
    ':cali-INPUT - [0:0]',
    ...peers.map((o) => `-A cali-INPUT -s ${o.internalIP}/32 -p udp -m comment --comment "cali:MYAij0dXtIVCOZ-i" -m comment --comment "Allow IPv4 VXLAN packets from allowed hosts" -m multiport --dports ${CALICO_VXLAN_PORT} -m addrtype --dst-type LOCAL -j ACCEPT`),
    `-A cali-INPUT -p udp -m comment --comment "cali:c3JpWekSTKWcdGH0" -m comment --comment "Drop IPv4 VXLAN packets from non-allowed hosts" -m multiport --dports ${CALICO_VXLAN_PORT} -m addrtype --dst-type LOCAL -j DROP`,
    ...(hook ? ['-I INPUT 1 -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT'] : []),
    'COMMIT',
    '',
  ].join('\n');
}

export const calico: Family = {
  bridge: false,
  tunnel: (st) => (vxlanOf(st) ? { device: CALICO_VXLAN_DEV, port: CALICO_VXLAN_PORT, perPeerEntries: true } : null),
  peerRoute: (st, from, to) => (vxlanOf(st) ? `${to.podCIDR} via ${vtepIP(to)} dev ${CALICO_VXLAN_DEV} onlink proto 80` : `${to.podCIDR} via ${to.internalIP} dev eth0 proto bird`),
  podDefault: () => `default via ${LINK_LOCAL_GW} dev eth0`,
  nodeLines(st, n, pods) {
    const others = othersOf(st, n);
    return [
      ...(vxlanOf(st)
        ? [
            `link add ${CALICO_VXLAN_DEV} address ${vtepMac(st.instance, n.name)} mtu ${TUNNEL_MTU} type vxlan id ${CALICO_VNI} local ${n.internalIP} dev eth0 dstport ${CALICO_VXLAN_PORT} nolearning`,
            `addr add ${vtepIP(n)}/32 dev ${CALICO_VXLAN_DEV}`,
            `link set ${CALICO_VXLAN_DEV} up`,
            ...others.map((o) => `neigh add ${vtepIP(o)} lladdr ${vtepMac(st.instance, o.name)} dev ${CALICO_VXLAN_DEV} nud permanent`),
          ]
        : []),
      `route add blackhole ${n.podCIDR} proto ${proto(st)}`,
      ...others.map((o) => `route add ${calico.peerRoute(st, n, o)}`),
      ...pods.flatMap((p) => [
        `link add ${p.hostVeth} mtu ${POD_MTU} address ${CALICO_VETH_MAC} type veth peer name eth0 mtu ${POD_MTU} netns ${p.netns}`,
        ...calico.hostSideUp(st, p),
      ]),
    ];
  },
  podLines: (st, p) => [`addr add ${p.ip}/32 dev eth0`, 'link set eth0 up', `route add ${LINK_LOCAL_GW} dev eth0 scope link`, `route add default via ${LINK_LOCAL_GW} dev eth0`],
  hostSideUp: (st, p) => [`link set ${p.hostVeth} up`, `route replace ${p.ip} dev ${p.hostVeth} scope link`],
  async finish(st, n, pods) {
    await sysctls(n.netns, pods.flatMap((p) => proxyArp(p.hostVeth)), `proxy ARP on the cali interfaces of ${n.name}`);
    if (!vxlanOf(st)) return;
    const others = othersOf(st, n);
    if (others.length) {
      await must(['bridge', '-n', n.netns, '-batch', '-'], {
        input: others.map((o) => `fdb append ${vtepMac(st.instance, o.name)} dev ${CALICO_VXLAN_DEV} dst ${o.internalIP} self permanent`).join('\n') + '\n',
        what: `vxlan.calico FDB of node ${n.name}`,
      });
    }
  },
};
