// The dataplane family of a cluster (DESIGN §3.1: flannel | calico | cilium | kindnet | vpc) and the tunnel
// kind of a node, from the kube-system pods (what was installed) and the node's own links (what is there:
// `ip -j -d addr show`). The node wins where they disagree ("confirmed on the node").
// Device names as the projects create them: flannel `flannel.<VNI>` + bridge `cni0` (flannel
// Documentation/backends.md); Calico `vxlan.calico` (VNI 4096, UDP 4789), `tunl0` (IPIP), `wireguard.cali`,
// host veths `cali` + 11 hex (Calico docs "Configure VXLAN/IP-in-IP encapsulation", felix ifacemonitor);
// Cilium `cilium_host`/`cilium_net`, `cilium_vxlan` (external/collect-metadata, UDP 8472) or `cilium_geneve`
// (6081), host veths `lxc` + hash (Cilium docs "Routing"); kindnet host veths `veth` + hash, no bridge;
// EKS VPC CNI host veths `eni` + hash (aws/amazon-vpc-cni-k8s docs/cni-proposal.md), Azure `azv`, GKE `gke`.
import type { IpLink } from '../parse/ipLink';
import type { Pod } from './types';
import { guessCni } from './proxyMode';

export const FAMILIES = ['flannel', 'calico', 'cilium', 'kindnet', 'vpc'] as const;
export type Family = (typeof FAMILIES)[number];

/** How nodes reach each other's pods. */
export type TunnelKind =
  | 'flannel-vxlan' // flannel.N: FDB + neighbor entry per peer VTEP
  | 'calico-vxlan' // vxlan.calico: onlink routes via the peer VTEP IP + neighbor/FDB
  | 'external-vxlan' // collect-metadata VXLAN (cilium_vxlan): no address, no FDB by design
  | 'geneve' // cilium_geneve (external)
  | 'ipip' // Calico tunl0
  | 'wireguard' // wireguard.cali / cilium_wg0
  | 'vxlan' // another VXLAN device
  | 'none'; // host-gw / routed

export interface Tunnel {
  kind: TunnelKind;
  device?: string;
  vni?: number;
  port?: number;
  mtu?: number;
}

/** The device a tunnel kind uses and its well-known UDP port (the link's own port wins when it says). */
const DEFAULT_PORT: Partial<Record<TunnelKind, number>> = { 'flannel-vxlan': 8472, 'calico-vxlan': 4789, 'external-vxlan': 8472, geneve: 6081, vxlan: 4789, wireguard: 51820 };

/** The node's tunnel (the first one it has, by the projects' device names), or kind none. */
export function tunnelOfNode(links: readonly IpLink[]): Tunnel {
  const pick = (l: IpLink, kind: TunnelKind): Tunnel => ({
    kind,
    device: l.ifname,
    ...(l.vxlan?.id !== undefined && kind !== 'external-vxlan' ? { vni: l.vxlan.id } : {}),
    ...(l.vxlan?.port !== undefined ? { port: l.vxlan.port } : DEFAULT_PORT[kind] !== undefined ? { port: DEFAULT_PORT[kind] } : {}),
    mtu: l.mtu,
  });
  for (const l of links) {
    if (l.kind === 'vxlan' && (l.vxlan?.external || /^cilium_vxlan$/.test(l.ifname))) return pick(l, 'external-vxlan');
    if (l.kind === 'vxlan' && l.ifname === 'vxlan.calico') return pick(l, 'calico-vxlan');
    if (l.kind === 'vxlan' && /^flannel\.\d+$/.test(l.ifname)) return pick(l, 'flannel-vxlan');
    if (l.kind === 'geneve') return pick(l, 'geneve');
    // tunl0 exists in every netns once the ipip module is loaded (down, no address): Calico's is up with its /32.
    if (l.ifname === 'tunl0' && (l.kind === 'ipip' || l.kind === undefined) && l.up && l.addresses.some((a) => a.family === 'inet')) return pick(l, 'ipip');
    if (l.kind === 'wireguard' || /^(wireguard\.cali|cilium_wg0)$/.test(l.ifname)) return pick(l, 'wireguard');
  }
  const vx = links.find((l) => l.kind === 'vxlan');
  return vx ? pick(vx, 'vxlan') : { kind: 'none' };
}

/** 'vxlan.calico VNI 4096 UDP 4789' | 'cilium_vxlan (external, collect-metadata) UDP 8472' | 'no tunnel'. */
export function tunnelText(t: Tunnel): string {
  switch (t.kind) {
    case 'none': return 'no tunnel';
    case 'external-vxlan': return `${t.device} (external VXLAN, collect-metadata: no FDB) UDP ${t.port ?? 8472}`;
    case 'geneve': return `${t.device} (Geneve) UDP ${t.port ?? 6081}`;
    case 'ipip': return `${t.device} (IP-in-IP, IP protocol 4)`;
    case 'wireguard': return `${t.device} (WireGuard)${t.port ? ` UDP ${t.port}` : ''}`;
    default: return `${t.device}${t.vni !== undefined ? ` VNI ${t.vni}` : ''} UDP ${t.port ?? DEFAULT_PORT[t.kind]}`;
  }
}

/** The graph's short form: 'vxlan.calico VNI 4096 UDP 4789' | 'cilium_vxlan (external) UDP 8472' | 'routed via the VPC'. */
export function tunnelLabel(t: Tunnel, family: Family | null): string {
  if (t.kind === 'none') return family === 'vpc' ? 'routed via the VPC' : 'routed (host-gw)';
  if (t.kind === 'external-vxlan' || t.kind === 'geneve') return `${t.device} (external) UDP ${t.port ?? DEFAULT_PORT[t.kind]}`;
  return tunnelText(t);
}

/** The family a node's links show, with the devices that say so; null when none is recognisable. */
export function familyFromLinks(links: readonly IpLink[]): { family: Family | null; evidence: string[] } {
  const names = links.map((l) => l.ifname);
  const hostVeths = links.filter((l) => l.kind === 'veth' && l.ifname !== 'cilium_host' && l.ifname !== 'cilium_net');
  const has = (re: RegExp) => names.filter((n) => re.test(n));
  const ev = (xs: string[]) => xs.slice(0, 3);
  let x: string[];
  if ((x = has(/^(cilium_host|cilium_net|cilium_vxlan|cilium_geneve|cilium_wg0)$/)).length) return { family: 'cilium', evidence: ev(x) };
  if ((x = has(/^(vxlan\.calico|wireguard\.cali|cali[0-9a-f]{11})$/)).length) return { family: 'calico', evidence: ev(x) };
  if (tunnelOfNode(links).kind === 'ipip') return { family: 'calico', evidence: ['tunl0 (up, with an address)'] };
  if ((x = has(/^flannel\.\d+$/)).length) return { family: 'flannel', evidence: ev(x) };
  if ((x = hostVeths.map((l) => l.ifname).filter((n) => /^(eni|azv|gke)[0-9a-f]/.test(n))).length) return { family: 'vpc', evidence: ev(x) };
  if (hostVeths.length && hostVeths.every((l) => l.master === 'cni0') && names.includes('cni0')) return { family: 'flannel', evidence: ['cni0', ...ev(hostVeths.map((l) => l.ifname))].slice(0, 3) };
  if ((x = hostVeths.filter((l) => !l.master && /^veth[0-9a-f]/.test(l.ifname)).map((l) => l.ifname)).length) return { family: 'kindnet', evidence: ev(x) };
  return { family: null, evidence: [] };
}

/** The family the kube-system pods name (guessCni's CNI mapped onto the families). */
export function familyFromPods(pods: readonly Pod[]): { family: Family | null; evidence: string[] } {
  const g = guessCni(pods.filter((p) => (p.metadata?.namespace ?? '') === 'kube-system' || /calico-system|kube-flannel|cilium/.test(p.metadata?.namespace ?? '')));
  const map: Record<string, Family> = { flannel: 'flannel', canal: 'calico', calico: 'calico', cilium: 'cilium', kindnet: 'kindnet', 'aws-vpc-cni': 'vpc' };
  return { family: g.cni ? (map[g.cni] ?? null) : null, evidence: g.evidence };
}

export interface FamilyDetection {
  family: Family | null;
  /** what the kube-system pods say, and what the node shows */
  fromPods: Family | null;
  fromNode: Family | null;
  /** the node's links were read and agree with (or stand in for) the pods */
  confirmed: boolean;
  tunnel?: Tunnel;
  sentence: string;
}

/** The family: the node's links when read (they win), else the pods' guess (unconfirmed). */
export function detectFamily(pods: readonly Pod[], nodeLinks?: readonly IpLink[]): FamilyDetection {
  const p = familyFromPods(pods);
  const n = nodeLinks ? familyFromLinks(nodeLinks) : { family: null, evidence: [] };
  const tunnel = nodeLinks ? tunnelOfNode(nodeLinks) : undefined;
  const family = n.family ?? p.family;
  const confirmed = !!n.family && (p.family === null || p.family === n.family);
  const podsText = p.family ? `kube-system pods name ${p.family} (${p.evidence.join(', ')})` : 'no known CNI among kube-system pods';
  const nodeText = !nodeLinks ? 'node not read' : n.family ? `the node shows ${n.family} devices (${n.evidence.join(', ')})` : 'the node shows no device a known family makes';
  const sentence = !family
    ? `dataplane family unknown: ${podsText}; ${nodeText}`
    : `${family}${tunnel ? ` (${tunnelText(tunnel)})` : ''}: ${podsText}; ${nodeText}${n.family && p.family && n.family !== p.family ? ' — trusting the node' : ''}`;
  return { family, fromPods: p.family, fromNode: n.family, confirmed, ...(tunnel ? { tunnel } : {}), sentence };
}
