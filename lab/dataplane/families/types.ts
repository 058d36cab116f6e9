// What one dataplane family (DESIGN §3.1) builds in a node and its pods, and what the faults need to
// know of it. lab/dataplane/network.ts builds the parts every family shares (underlay, node eth0 and
// its default route, ip_forward) and asks the family for the rest; lab/dataplane/faults.ts asks it where
// a fault's mechanism lives.
import type { LabNode, LabPod, LabState } from '../../types';

export interface FamilyTunnel {
  /** the tunnel device in every node netns */
  device: string;
  /** UDP port of the encapsulation (overlay-blocked drops it) */
  port: number;
  /** per-peer FDB + neighbor entries exist (stale-neighbor can make them wrong) */
  perPeerEntries: boolean;
}

export interface Family {
  /** `ip -batch` lines in the node netns, after lo, eth0, its address and default route. */
  nodeLines(st: LabState, n: LabNode, pods: LabPod[]): string[];
  /** `ip -batch` lines in a pod netns after `link set lo up` (eth0 exists: the node made the pair). */
  podLines(st: LabState, p: LabPod, n: LabNode): string[];
  /** What cannot go in a batch: FDB entries, per-link sysctls, the family's own filter chains. */
  finish(st: LabState, n: LabNode, pods: LabPod[]): Promise<void>;
  /** A node's route toward another node's pod CIDR, as `ip route` args (node-route-missing removes it); null when nodes have none (routed). */
  peerRoute(st: LabState, from: LabNode, to: LabNode): string | null;
  /** `ip -batch` lines (node netns) that restore a pod's host side after its veth was set down (the kernel drops its routes). */
  hostSideUp(st: LabState, p: LabPod): string[];
  /** The route a pod's default route is, as `ip route` args (pod-default-route-missing heals with it). */
  podDefault(n: LabNode): string;
  tunnel(st: LabState): FamilyTunnel | null;
  /** pods hang off a Linux bridge (hairpin-off, bridge-nf-off apply) */
  bridge: boolean;
}
