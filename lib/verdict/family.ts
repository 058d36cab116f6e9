// The dataplane family of the path's nodes, as the judges need it (lib/kube/family.ts decides; this module
// only reads the node's `ip -j -d addr show` run once per judgement) and the family's own words for a hop.
import { detectFamily, type FamilyDetection } from '../kube';
import { links, one, onNode, type Ctx } from './context';

const memo = new WeakMap<Ctx, Map<string, FamilyDetection>>();

/** The family on `node`: its links (when read) confirm or overrule the kube-system pods. */
export function familyOn(c: Ctx, node: string): FamilyDetection {
  let m = memo.get(c);
  if (!m) memo.set(c, (m = new Map()));
  let d = m.get(node);
  if (!d) {
    const l = links(c, one(c.plan, c.runs, onNode(node, 'node-link')));
    d = detectFamily(c.snap.pods, l);
    m.set(node, d);
  }
  return d;
}

/** Nodes reach each other's pods through the cloud network's router (vpc), not a tunnel or the peer. */
export function isRouted(d: FamilyDetection): boolean {
  return d.family === 'vpc' && (d.tunnel?.kind ?? 'none') === 'none';
}

/**
 * An external (collect-metadata) VXLAN device on `node` (Cilium's cilium_vxlan): no VTEP address and no FDB entries by
 * design, the tunnel endpoints live in Cilium's eBPF map — so an empty FDB or neighbor table for it says nothing.
 */
export function isExternalTunnel(c: Ctx, node: string): boolean {
  return familyOn(c, node).tunnel?.kind === 'external-vxlan';
}
