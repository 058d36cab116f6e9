// The plan's family parts (DESIGN §3.1): what each hop should show in the words of the cluster's dataplane
// family (from the kube-system pods; the verdict confirms it on the node), and the probes only some shapes
// need. Pure; planPath calls familyPlan once the hop list and probes are built.
import type { Hop, HopId } from '../model';
import { familyFromPods, type Family } from '../kube';
import type { PlannedProbe } from './index';
import type { ClusterSnapshot } from './snapshot';

type Words = Partial<Record<HopId, (x: { srcNode: string; dstNode?: string; dstIP?: string }) => string>>;

/** Each family's expected line per hop (flannel keeps the plan's own words: bridge cni0 + flannel.1). */
const WORDS: Record<Exclude<Family, 'flannel'>, Words> = {
  calico: {
    'src-veth': () => "the pod's cali… veth is up (no bridge): a /32 route to the pod and proxy ARP answering its gateway 169.254.1.1",
    'dst-veth': () => "the pod's cali… veth is up (no bridge): a /32 route to the pod and proxy ARP answering its gateway 169.254.1.1",
    'src-node': (x) => `a route from ${x.srcNode} toward ${x.dstIP ?? 'the destination'}: via the peer's VTEP on vxlan.calico (onlink), or via the peer node (BGP)`,
    overlay: (x) => `vxlan.calico (VNI 4096, UDP 4789) from ${x.srcNode} to ${x.dstNode}: neighbor + FDB entry for the peer's VTEP, Felix allowing VXLAN from known hosts`,
  },
  cilium: {
    'src-veth': () => "the pod's lxc… veth is up (no bridge) with a /32 route to the pod",
    'dst-veth': () => "the pod's lxc… veth is up (no bridge) with a /32 route to the pod",
    'src-node': (x) => `a route from ${x.srcNode} toward ${x.dstIP ?? 'the destination'} via cilium_host (Cilium encapsulates behind it)`,
    overlay: (x) => `cilium_vxlan (external, collect-metadata: no FDB; UDP 8472) from ${x.srcNode} to ${x.dstNode}`,
  },
  kindnet: {
    'src-veth': () => "the pod's veth… is up (point-to-point, no bridge) with a /32 route to the pod",
    'dst-veth': () => "the pod's veth… is up (point-to-point, no bridge) with a /32 route to the pod",
    'src-node': (x) => `a route from ${x.srcNode} toward ${x.dstIP ?? 'the destination'} via ${x.dstNode ?? 'the peer'}'s InternalIP (host-gw)`,
    overlay: (x) => `host-gw: ${x.srcNode} routes straight to ${x.dstNode}'s InternalIP, no tunnel`,
  },
  vpc: {
    'src-veth': () => "the pod's eni… veth is up (no bridge): a /32 route to the pod and proxy ARP answering its gateway 169.254.1.1",
    'dst-veth': () => "the pod's eni… veth is up (no bridge): a /32 route to the pod and proxy ARP answering its gateway 169.254.1.1",
    'src-node': (x) => `a route from ${x.srcNode} toward ${x.dstIP ?? 'the destination'}: routed via the VPC (the default gateway; the cloud route table holds every node's pod CIDR)`,
    overlay: (x) => `routed via the VPC: the cloud router forwards ${x.srcNode} → ${x.dstNode}, no tunnel`,
  },
};

export interface FamilyPlanInput {
  snap: ClusterSnapshot;
  hops: Hop[];
  src: { node: string; ip: string };
  dst?: { node: string; ip: string };
  sameNode: boolean;
  hairpin: boolean;
  /** the destination is a hostNetwork pod: its node's own address, reached over the underlay (the plan's own words stand for src-node and overlay) */
  hostDst?: boolean;
}

/**
 * Rewrites the hops' expected lines in the family's words (in place) and returns the probes the family's
 * shape adds: on a bridge family the source node's bridge-nf-call-iptables; on a cross-node path, one ping from
 * each node to the other node's pod, whose ICMP error names the router that has no route (a routed VPC's
 * route table is not on any node).
 */
export function familyPlan(x: FamilyPlanInput): Omit<PlannedProbe, 'key' | 'phase'>[] {
  const { family } = familyFromPods(x.snap.pods);
  const words = family && family !== 'flannel' ? WORDS[family] : undefined;
  if (words) {
    for (const h of x.hops) {
      // The family's words describe the way to another node's pod CIDR; a node's own address is not behind it.
      if (x.hostDst && (h.id === 'src-node' || h.id === 'overlay')) continue;
      const w = words[h.id];
      if (w) h.expected = w({ srcNode: x.src.node, ...(x.dst ? { dstNode: x.dst.node, dstIP: x.dst.ip } : {}) });
    }
  }
  const out: Omit<PlannedProbe, 'key' | 'phase'>[] = [];
  // A bridge family (flannel's cni0; or a family the pods do not name): does bridged traffic pass iptables?
  if (family === 'flannel' || family === null) out.push({ probe: 'bridge-nf', hop: 'src-node', where: 'node', node: x.src.node, args: {} });
  if (!x.dst || x.sameNode || x.hairpin) return out;
  out.push(
    { probe: 'node-ping', hop: 'src-node', where: 'node', node: x.src.node, args: { ip: x.dst.ip } },
    { probe: 'node-ping', hop: 'dst-node', where: 'node', node: x.dst.node, args: { ip: x.src.ip } },
    // the same runs are the overlay hop's evidence too (a routed path's router answers them)
    { probe: 'node-ping', hop: 'overlay', where: 'node', node: x.src.node, args: { ip: x.dst.ip } },
    { probe: 'node-ping', hop: 'overlay', where: 'node', node: x.dst.node, args: { ip: x.src.ip } },
  );
  return out;
}
