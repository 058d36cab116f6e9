// kindnet (kind's CNI; DESIGN §3.1), which wires pods with the CNI ptp plugin:
//  - pod: eth0 with its /24 address, `<gw> dev eth0 scope link src <pod>`, `<node /24> via <gw> dev eth0
//    src <pod>` and `default via <gw> dev eth0` — point-to-point to the host side (gw = .1 of the node's /24);
//  - host side: `veth` + 8 hex, no bridge, the gateway address <gw>/32 on every host veth, and one
//    `<pod IP> dev vethX scope host` route per pod;
//  - between nodes host-gw only: `<peer /24> via <peer InternalIP> dev eth0`.
import { parseCidr } from '../../ipv4';
import { POD_MTU } from '../../objects';
import { othersOf } from './common';
import type { Family } from './types';

export const kindnet: Family = {
  bridge: false,
  tunnel: () => null,
  peerRoute: (st, from, to) => `${to.podCIDR} via ${to.internalIP} dev eth0`,
  podDefault: (n) => `default via ${n.bridgeIP} dev eth0`,
  nodeLines: (st, n, pods) => [
    ...othersOf(st, n).map((o) => `route add ${kindnet.peerRoute(st, n, o)}`),
    ...pods.flatMap((p) => [
      `link add ${p.hostVeth} mtu ${POD_MTU} type veth peer name eth0 mtu ${POD_MTU} netns ${p.netns}`,
      `addr add ${n.bridgeIP}/32 dev ${p.hostVeth}`,
      ...kindnet.hostSideUp(st, p),
    ]),
  ],
  podLines: (st, p, n) => [
    `addr add ${p.ip}/${parseCidr(n.podCIDR)!.bits} dev eth0`,
    'link set eth0 up',
    `route del ${n.podCIDR} dev eth0`,
    `route add ${n.bridgeIP} dev eth0 scope link src ${p.ip}`,
    `route add ${n.podCIDR} via ${n.bridgeIP} dev eth0 src ${p.ip}`,
    `route add ${kindnet.podDefault(n)}`,
  ],
  hostSideUp: (st, p) => [`link set ${p.hostVeth} up`, `route replace ${p.ip} dev ${p.hostVeth} scope host`],
  finish: async () => {},
};
