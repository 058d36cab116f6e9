// The dataplane families the lab builds (DESIGN §3.1, `cluster.cni`) and which `overlay` each allows.
// Pure: the lab file's validation (lab/schema/cluster.ts) and the dataplane (lab/dataplane/families/) both read
// these tables, so "calico may use host-gw" is written once. Also what each family names and runs:
// host veths, the pods' gateway, its kube-system pods and node annotations (lab/objects.ts asks).
import { createHash } from 'node:crypto';

export const CNIS = ['flannel', 'calico', 'cilium', 'kindnet', 'vpc'] as const;
export type Cni = (typeof CNIS)[number];
export const OVERLAYS = ['vxlan', 'host-gw', 'routed'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Per family: the overlays it allows (the first is its default) and why the others are not built. */
export const FAMILY_OVERLAYS: Record<Cni, { allowed: readonly Overlay[]; why: string }> = {
  flannel: { allowed: ['vxlan', 'host-gw'], why: 'flannel builds vxlan (flannel.1) or host-gw (routes via the peer node)' },
  calico: { allowed: ['vxlan', 'host-gw'], why: 'calico builds vxlan (vxlan.calico) or host-gw (BGP-style routes via the peer node); this kernel has no ipip for tunl0' },
  cilium: { allowed: ['vxlan'], why: 'cilium is built with its cilium_vxlan tunnel only (native routing is not built by the lab)' },
  kindnet: { allowed: ['host-gw'], why: 'kindnet has no tunnel: it routes each peer\'s pod CIDR via that node\'s InternalIP (host-gw)' },
  vpc: { allowed: ['routed'], why: 'a cloud VPC dataplane routes pod CIDRs in the VPC\'s route table (routed)' },
};

/** The family of a lab cluster (`cni` absent = flannel, the lab's first and default shape). */
export const cniOf = (c: { cni?: Cni }): Cni => c.cni ?? 'flannel';

/**
 * Checks a cni/overlay pair; returns null when allowed, else {problem, fix} for the lab file's `cluster.overlay`
 * (lab/schema/cluster.ts reports it there). A missing overlay is the family's default, so always allowed.
 */
export function checkFamily(cni: Cni, overlay: Overlay): { problem: string; fix: string } | null {
  const f = FAMILY_OVERLAYS[cni];
  if (f.allowed.includes(overlay)) return null;
  if (overlay === 'routed') {
    return { problem: `overlay routed is the VPC dataplane's (a cloud route table); cni ${cni} does not route that way`, fix: `use cni: vpc with overlay: routed, or overlay: ${f.allowed.join(' | ')} for ${cni}` };
  }
  return { problem: `cni ${cni} does not build overlay ${overlay}: ${f.why}`, fix: `use overlay: ${f.allowed.join(' | ')} with cni: ${cni} (or leave overlay out)` };
}

const hex = (algo: 'sha1' | 'sha256', s: string) => createHash(algo).update(s).digest('hex');

/**
 * The host-side veth name a family's CNI gives a pod (≤ 15 chars), or null for flannel (the lab's
 * readable `<ns>-<name>`). Calico and the AWS VPC CNI: prefix + the first 11 hex of sha1("<ns>.<pod>")
 * (calico cni-plugin VethNameForWorkload, amazon-vpc-cni-k8s GenerateHostVethName); Cilium: `lxc` + 12 hex
 * of a hash of the endpoint; kindnet (CNI ptp plugin): `veth` + 8 random hex, derived here so rebuilds agree.
 */
export function familyVethName(cni: Cni, ns: string, name: string): string | null {
  switch (cni) {
    case 'calico': return `cali${hex('sha1', `${ns}.${name}`).slice(0, 11)}`;
    case 'vpc': return `eni${hex('sha1', `${ns}.${name}`).slice(0, 11)}`;
    case 'cilium': return `lxc${hex('sha256', `endpoint/${ns}/${name}`).slice(0, 12)}`;
    case 'kindnet': return `veth${hex('sha256', `ptp/${ns}/${name}`).slice(0, 8)}`;
    default: return null;
  }
}

/** The pods' default gateway when it is not in the node's pod CIDR (Calico's and the VPC CNI's 169.254.1.1). */
export const familyPodGateway = (cni: Cni): string | null => (cni === 'calico' || cni === 'vpc' ? '169.254.1.1' : null);

/** A kube-system pod of the family's CNI, as its DaemonSet (perNode) or Deployment (one, on the first node) runs it; all hostNetwork. */
export interface CniSystemPod {
  name: string;
  labels: Record<string, string>;
  containers: { name: string; image: string }[];
  perNode: boolean;
}

/**
 * The CNI's own kube-system pods (names, labels and images as the projects' manifests give them), or
 * null for flannel (lab/objects.ts keeps its kube-flannel-ds / kube-network-policies choice).
 * calico-kube-controllers is left out: it runs on the pod network and would take a pod IP.
 */
export function cniSystemPods(c: { cni?: Cni; networkPolicy: 'enforce' | 'ignore' }): CniSystemPod[] | null {
  switch (cniOf(c)) {
    case 'calico':
      return [{ name: 'calico-node', labels: { 'k8s-app': 'calico-node' }, containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.29.1' }], perNode: true }];
    case 'cilium':
      return [
        { name: 'cilium', labels: { 'k8s-app': 'cilium', 'app.kubernetes.io/name': 'cilium-agent', 'app.kubernetes.io/part-of': 'cilium' }, containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.5' }], perNode: true },
        { name: 'cilium-operator', labels: { 'io.cilium/app': 'operator', name: 'cilium-operator', 'app.kubernetes.io/name': 'cilium-operator', 'app.kubernetes.io/part-of': 'cilium' }, containers: [{ name: 'cilium-operator', image: 'quay.io/cilium/operator-generic:v1.16.5' }], perNode: false },
      ];
    case 'kindnet':
      // kindnetd enforces NetworkPolicy itself (it embeds kube-network-policies since v1.x).
      return [{ name: 'kindnet', labels: { app: 'kindnet', 'k8s-app': 'kindnet', tier: 'node' }, containers: [{ name: 'kindnet-cni', image: 'docker.io/kindest/kindnetd:v20241108-5c6d2daf' }], perNode: true }];
    case 'vpc':
      return [{
        name: 'aws-node',
        labels: { 'k8s-app': 'aws-node', 'app.kubernetes.io/name': 'aws-node', 'app.kubernetes.io/instance': 'aws-vpc-cni' },
        containers: [
          { name: 'aws-node', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.0' },
          ...(c.networkPolicy === 'enforce' ? [{ name: 'aws-eks-nodeagent', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.5' }] : []),
        ],
        perNode: true,
      }];
    default:
      return null;
  }
}

/** Node annotations the family's agent writes (Calico's node addresses, Cilium's router IP); flannel's stay in lab/objects.ts. */
export function familyNodeAnnotations(c: { cni?: Cni; overlay: Overlay }, n: { internalIP: string; podCIDR: string }, tunnelIP: string, routerIP: string): Record<string, string> {
  switch (cniOf(c)) {
    case 'calico':
      return { 'projectcalico.org/IPv4Address': `${n.internalIP}/16`, ...(c.overlay === 'vxlan' ? { 'projectcalico.org/IPv4VXLANTunnelAddr': tunnelIP } : {}) };
    case 'cilium':
      return { 'network.cilium.io/ipv4-cilium-host': routerIP, 'network.cilium.io/ipv4-pod-cidr': n.podCIDR };
    default:
      return {};
  }
}

const TUNNELS: Partial<Record<Cni, string>> = { flannel: 'flannel.1 (UDP 4789)', calico: 'vxlan.calico (UDP 4789)', cilium: 'cilium_vxlan (UDP 8472)' };

/**
 * Why a catalogue fault has no mechanism in this family (DESIGN §3.1, last paragraph), or null when it
 * applies. Every reason says what the fault needs and what this lab has, so a refusal (exit 2) explains itself.
 */
export function faultInapplicable(fault: string, c: { cni?: Cni; overlay: Overlay }): string | null {
  const cni = cniOf(c);
  const shape = `cni ${cni}, overlay ${c.overlay}`;
  const tunnel = c.overlay === 'vxlan';
  switch (fault) {
    case 'overlay-blocked':
      return tunnel ? null : `fault overlay-blocked needs a tunnel (it drops the tunnel's UDP port); this lab's overlay is ${c.overlay} and has no tunnel (${shape}) — use node-route-missing or node-firewall-drop instead`;
    case 'stale-neighbor':
      if (cni === 'cilium') return `fault stale-neighbor needs per-peer neighbor/FDB entries; ${TUNNELS.cilium} is an external (collect-metadata) VXLAN device with no FDB: Cilium's eBPF names the tunnel endpoint per packet (${shape}) — use overlay-blocked or node-route-missing instead`;
      if (cni === 'vpc') return `fault stale-neighbor needs a per-peer neighbor entry; under overlay routed a node's only next hop toward other nodes' pods is the VPC router (${shape}) — use node-route-missing (removes the router's route) instead`;
      return null;
    case 'hairpin-off':
    case 'bridge-nf-off':
      return cni === 'flannel' ? null : `fault ${fault} needs a Linux bridge between the pods (flannel's cni0); ${cni} routes every pod through its own veth with no bridge (${shape})`;
    default:
      return null;
  }
}

/** Where a fault applies, for `packetwalk lab faults`: "every family", or the families/overlays that have its mechanism. */
export function faultWhere(fault: string): string {
  const combos = CNIS.flatMap((cni) => FAMILY_OVERLAYS[cni].allowed.map((overlay) => ({ cni, overlay })));
  const ok = combos.filter((x) => faultInapplicable(fault, x) === null);
  if (ok.length === combos.length) return 'every family';
  const byCni = CNIS.map((cni) => {
    const o = ok.filter((x) => x.cni === cni).map((x) => x.overlay);
    return o.length === 0 ? '' : o.length === FAMILY_OVERLAYS[cni].allowed.length ? cni : `${cni} ${o.join('/')}`;
  }).filter(Boolean);
  return byCni.join(', ');
}
