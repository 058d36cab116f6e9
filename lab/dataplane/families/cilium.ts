// Cilium in VXLAN tunnel mode with kube-proxy (DESIGN §3.1), as a node shows it to iproute2:
//  - pod: eth0 /32, `<cilium_host IP> dev eth0 scope link` + `default via <cilium_host IP> dev eth0`;
//  - host side: `lxc` + 12 hex, no bridge, no address; `<pod IP> dev lxcX scope link` per local pod
//    (Cilium's endpoint routes, `enable-endpoint-routes`);
//  - cilium_host/cilium_net veth pair, the router IP (.1 of the node's /24) /32 on cilium_host,
//    `<router IP> dev cilium_host scope link`, and every pod CIDR (own and peers')
//    `via <router IP> dev cilium_host src <router IP>`;
//  - cilium_vxlan: `external` (collect-metadata), UDP 8472, no address and no FDB entries.
// What Cilium's eBPF does behind cilium_host (encapsulate toward the peer node) the lab does with the
// kernel: a packet routed into cilium_host comes out of cilium_net, where `ip rule iif cilium_net lookup
// 2099` finds lightweight-tunnel encap routes `<peer /24> via <peer router IP> dev cilium_vxlan onlink
// encap ip dst <peer InternalIP>`; cilium_net answers the ARP for remote pods (proxy_arp, accept_local).
// That second pass through netfilter is marked NOTRACK in raw CILIUM_PRE_raw (a second conntrack
// entry of a DNATed flow would clash with the first) and skipped by the NetworkPolicy chains (the
// packet was judged on its first pass). docs/lab.md says where this differs from a real node.
import { nthIp, parseCidr } from '../../ipv4';
import { POD_MTU } from '../../objects';
import type { LabNode } from '../../types';
import { othersOf, proxyArp, restore, sysctls } from './common';
import type { Family } from './types';

export const CILIUM_VXLAN_DEV = 'cilium_vxlan';
export const CILIUM_VXLAN_PORT = 8472;
/** The policy-routing table holding the encap routes (the lab's stand-in for Cilium's eBPF tunnel map). */
export const CILIUM_ENCAP_TABLE = 2099;

/** The node's cilium_host (router) address: the .1 of its pod /24. */
export const ciliumHostIP = (n: LabNode) => nthIp(parseCidr(n.podCIDR)!, 1);

/** The raw-table rule that keeps the cilium_net pass out of conntrack. */
export function ciliumRawRestore(): string {
  return [
    '*raw',
    ':CILIUM_PRE_raw - [0:0]',
    '-A CILIUM_PRE_raw -i cilium_net -m comment --comment "packetwalk lab: second pass of pod traffic through cilium_host (eBPF in Cilium), already tracked" -j CT --notrack',
    '-I PREROUTING 1 -m comment --comment "cilium-feeder: CILIUM_PRE_raw" -j CILIUM_PRE_raw',
    'COMMIT',
    '',
  ].join('\n');
}

export const cilium: Family = {
  bridge: false,
  tunnel: () => ({ device: CILIUM_VXLAN_DEV, port: CILIUM_VXLAN_PORT, perPeerEntries: false }),
  peerRoute: (st, from, to) => `${to.podCIDR} via ${ciliumHostIP(from)} dev cilium_host src ${ciliumHostIP(from)}`,
  podDefault: (n) => `default via ${ciliumHostIP(n)} dev eth0`,
  nodeLines(st, n, pods) {
    const r = ciliumHostIP(n);
    return [
      `link add cilium_host mtu ${POD_MTU} type veth peer name cilium_net mtu ${POD_MTU}`,
      `addr add ${r}/32 dev cilium_host`,
      'link set cilium_host up',
      'link set cilium_net up',
      `link add ${CILIUM_VXLAN_DEV} mtu ${POD_MTU} type vxlan external dstport ${CILIUM_VXLAN_PORT}`,
      `link set ${CILIUM_VXLAN_DEV} up`,
      `route add ${r} dev cilium_host scope link`,
      `route add ${n.podCIDR} via ${r} dev cilium_host src ${r}`,
      ...othersOf(st, n).flatMap((o) => [
        `route add ${cilium.peerRoute(st, n, o)}`,
        `route add ${o.podCIDR} via ${ciliumHostIP(o)} dev ${CILIUM_VXLAN_DEV} onlink encap ip dst ${o.internalIP} table ${CILIUM_ENCAP_TABLE}`,
      ]),
      `rule add iif cilium_net lookup ${CILIUM_ENCAP_TABLE} pref 100`,
      ...pods.flatMap((p) => [`link add ${p.hostVeth} mtu ${POD_MTU} type veth peer name eth0 mtu ${POD_MTU} netns ${p.netns}`, ...cilium.hostSideUp(st, p)]),
    ];
  },
  podLines: (st, p, n) => [`addr add ${p.ip}/32 dev eth0`, 'link set eth0 up', `route add ${ciliumHostIP(n)} dev eth0 scope link`, `route add ${cilium.podDefault(n)}`],
  hostSideUp: (st, p) => [`link set ${p.hostVeth} up`, `route replace ${p.ip} dev ${p.hostVeth} scope link`],
  async finish(st, n) {
    await sysctls(n.netns, [...proxyArp('cilium_net'), 'net.ipv4.conf.cilium_net.accept_local=1'], `cilium_net settings on ${n.name}`);
    await restore(n.netns, ciliumRawRestore(), `CILIUM_PRE_raw on ${n.name}`);
  },
};
