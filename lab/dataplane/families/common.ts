// Addresses, names and helpers more than one family uses.
import { nthIp, parseCidr } from '../../ipv4';
import { UNDERLAY_MTU } from '../../objects';
import type { LabNode, LabState } from '../../types';
import { inNetns, must } from '../sh';

export const VXLAN_DEV = 'flannel.1';
export const VXLAN_PORT = 4789;
export const TUNNEL_MTU = UNDERLAY_MTU - 50;

/** The tunnel endpoint address of a node: the .0 of its pod /24 (flannel.1, vxlan.calico). */
export const vtepIP = (n: LabNode) => nthIp(parseCidr(n.podCIDR)!, 0);

/** The link-local gateway Calico and the AWS VPC CNI give every pod (answered by the host side). */
export const LINK_LOCAL_GW = '169.254.1.1';

export const othersOf = (st: LabState, n: LabNode) => st.nodes.filter((o) => o !== n);

/** `sysctl -qw` of many keys in one node netns (skipped when there are none). */
export async function sysctls(netns: string, kv: string[], what: string): Promise<void> {
  if (kv.length) await must(inNetns(netns, ['sysctl', '-qw', ...kv]), { what });
}

/** iptables-restore --noflush of a filter/raw text in a node netns. */
export async function restore(netns: string, text: string, what: string): Promise<void> {
  await must(inNetns(netns, ['iptables-restore', '--noflush']), { input: text, what });
}

/** Per-pod host-side sysctls: proxy ARP on, no proxy delay (Calico's cali*, Cilium's cilium_net). */
export const proxyArp = (dev: string) => [`net.ipv4.conf.${dev}.proxy_arp=1`, `net.ipv4.neigh.${dev}.proxy_delay=0`];
