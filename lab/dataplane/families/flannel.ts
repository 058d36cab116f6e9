// flannel (DESIGN §3.1, the lab's first shape): pods on bridge cni0 (eth0 /24, default via the bridge's
// .1, hairpin on every port); between nodes flannel.1 (VXLAN VNI 1, FDB + permanent neighbor per peer
// VTEP, onlink routes) or host-gw routes via the peer's InternalIP.
import { parseCidr } from '../../ipv4';
import { POD_MTU, vtepMac } from '../../objects';
import { must } from '../sh';
import { TUNNEL_MTU, VXLAN_DEV, VXLAN_PORT, vtepIP } from './common';
import type { Family } from './types';

export const flannel: Family = {
  bridge: true,
  tunnel: (st) => (st.cluster.overlay === 'vxlan' ? { device: VXLAN_DEV, port: VXLAN_PORT, perPeerEntries: true } : null),
  peerRoute: (st, from, to) => (st.cluster.overlay === 'vxlan' ? `${to.podCIDR} via ${vtepIP(to)} dev ${VXLAN_DEV} onlink` : `${to.podCIDR} via ${to.internalIP} dev eth0`),
  podDefault: (n) => `default via ${n.bridgeIP} dev eth0`,
  nodeLines(st, n, pods) {
    const others = st.nodes.filter((o) => o !== n);
    const vxlan = st.cluster.overlay === 'vxlan';
    return [
      `link add cni0 mtu ${POD_MTU} type bridge`,
      `addr add ${n.bridgeIP}/${parseCidr(n.podCIDR)!.bits} dev cni0`,
      'link set cni0 up',
      ...(vxlan
        ? [
            `link add ${VXLAN_DEV} address ${vtepMac(st.instance, n.name)} mtu ${TUNNEL_MTU} type vxlan id 1 local ${n.internalIP} dev eth0 dstport ${VXLAN_PORT} nolearning`,
            `addr add ${vtepIP(n)}/32 dev ${VXLAN_DEV}`,
            `link set ${VXLAN_DEV} up`,
            ...others.map((o) => `neigh add ${vtepIP(o)} lladdr ${vtepMac(st.instance, o.name)} dev ${VXLAN_DEV} nud permanent`),
          ]
        : []),
      ...others.map((o) => `route add ${flannel.peerRoute(st, n, o)}`),
      ...pods.flatMap((p) => [
        `link add ${p.hostVeth} mtu ${POD_MTU} type veth peer name eth0 mtu ${POD_MTU} netns ${p.netns}`,
        `link set ${p.hostVeth} master cni0`,
        `link set ${p.hostVeth} type bridge_slave hairpin on`,
        `link set ${p.hostVeth} up`,
      ]),
    ];
  },
  podLines: (st, p, n) => [`addr add ${p.ip}/${parseCidr(n.podCIDR)!.bits} dev eth0`, 'link set eth0 up', `route add ${flannel.podDefault(n)}`],
  hostSideUp: (st, p) => [`link set ${p.hostVeth} up`],
  async finish(st, n) {
    const others = st.nodes.filter((o) => o !== n);
    if (st.cluster.overlay !== 'vxlan' || !others.length) return;
    await must(['bridge', '-n', n.netns, '-batch', '-'], {
      input: others.map((o) => `fdb append ${vtepMac(st.instance, o.name)} dev ${VXLAN_DEV} dst ${o.internalIP} self permanent`).join('\n') + '\n',
      what: `VXLAN FDB of node ${n.name}`,
    });
  },
};
