// layoutPath(hops) → positioned React Flow nodes and edges for the packet path (pure, deterministic).
// Hops flow left to right in path order. Consecutive hops on the same Kubernetes node (hop.node) sit inside
// one group box for that node; hops without a node (dns, service VIP, overlay) sit between groups. The
// overlay hop is drawn as the link between the two node groups, labelled from its details.
import type { Hop, HopId, HopStatus } from '../model';

export const HOP_W = 150;
/** the Service box is wider: it shows VIP:port → endpoints */
export const SERVICE_W = 236;

export function hopWidth(hop: Pick<Hop, 'kind'>): number {
  return hop.kind === 'service' ? SERVICE_W : HOP_W;
}
export const HOP_H = 84;
const GAP = 30; // between hop boxes
const GROUP_PAD_X = 12;
const GROUP_PAD_TOP = 34; // room for the group title
const GROUP_PAD_BOTTOM = 18;

export interface HopNodeData extends Record<string, unknown> {
  hopId: HopId;
  kind: Hop['kind'];
  label: string;
  status: HopStatus;
  /** one short line under the label, e.g. the Service's "VIP → endpoints" or the overlay mode */
  sub: string;
}
export interface GroupNodeData extends Record<string, unknown> {
  node: string;
  /** worst status of the hops inside, to tint the group border */
  status: HopStatus;
}

export interface LayoutHopNode {
  id: string;
  type: 'hop';
  position: { x: number; y: number };
  data: HopNodeData;
  parentId?: string;
  extent?: 'parent';
  width: number;
  height: number;
  draggable: false;
  selectable: true;
}
export interface LayoutGroupNode {
  id: string;
  type: 'group-node';
  position: { x: number; y: number };
  data: GroupNodeData;
  width: number;
  height: number;
  style: { width: number; height: number };
  draggable: false;
  selectable: false;
}
export type LayoutNode = LayoutHopNode | LayoutGroupNode;

export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  animated: boolean;
  data: { status: HopStatus };
}

export interface PathLayout {
  nodes: LayoutNode[]; // groups first, so parents precede children (React Flow sub-flow rule)
  edges: LayoutEdge[];
  width: number;
  height: number;
}

const STATUS_RANK: Record<HopStatus, number> = { pass: 0, skip: 1, pending: 2, running: 3, warn: 4, fail: 5 };

export function worstStatus(statuses: HopStatus[]): HopStatus {
  return statuses.reduce<HopStatus>((w, s) => (STATUS_RANK[s] > STATUS_RANK[w] ? s : w), 'pass');
}

/** The one-line sub-label a hop shows in the graph, from the engine's details (HACKING "Hop details"). */
export function hopSubLabel(hop: Hop): string {
  const d = hop.details ?? {};
  if (hop.kind === 'service') {
    const vip = typeof d.vip === 'string' ? d.vip : '';
    const eps = Array.isArray(d.endpoints) ? d.endpoints : [];
    if (!vip) return eps.length ? `→ ${eps.join(', ')}` : '';
    const shown = eps.slice(0, 2).join(', ') + (eps.length > 2 ? ` (+${eps.length - 2})` : '');
    // the engine's label often carries the VIP already; then the box needs only where it leads
    const head = hop.label.includes(vip) ? '' : `${vip} `;
    return eps.length ? `${head}→ ${shown}` : `${head}→ no endpoints`;
  }
  if (hop.kind === 'overlay') return overlayLabel(hop);
  if (hop.kind === 'node' && typeof d.mode === 'string' && d.mode !== 'none') return `routing + ${d.mode} NAT`;
  return '';
}

/** "VXLAN/UDP 4789" or "routed (host-gw)" — short enough for the box; the device is in the hop panel. */
export function overlayLabel(hop: Hop): string {
  const d = hop.details ?? {};
  const mode = typeof d.mode === 'string' ? d.mode : '';
  if (mode === 'vxlan') {
    const port = typeof d.port === 'number' || typeof d.port === 'string' ? d.port : 4789;
    return `VXLAN/UDP ${port}`;
  }
  if (mode === 'host-gw' || mode === 'routed') return 'routed (host-gw)';
  return mode ? mode : 'overlay';
}

function groupId(node: string, index: number): string {
  return `group:${index}:${node}`;
}

/** Lays the hops out in the order given (the engine's path order). Same hops in, same layout out. */
export function layoutPath(hops: Hop[]): PathLayout {
  // Runs of consecutive hops that share a Kubernetes node become one group; hops without a node, and the
  // overlay hop (the link between nodes), stand alone.
  type Run = { node: string | null; hops: Hop[] };
  const runs: Run[] = [];
  for (const hop of hops) {
    const node = hop.kind === 'overlay' ? null : (hop.node ?? null);
    const last = runs[runs.length - 1];
    if (node !== null && last && last.node === node) last.hops.push(hop);
    else runs.push({ node, hops: [hop] });
  }

  const groups: LayoutGroupNode[] = [];
  const hopNodes: LayoutHopNode[] = [];
  let x = 0;
  const groupH = GROUP_PAD_TOP + HOP_H + GROUP_PAD_BOTTOM;
  const looseY = GROUP_PAD_TOP; // loose hops line up with the hops inside groups
  runs.forEach((run, i) => {
    if (run.node !== null) {
      const w = GROUP_PAD_X * 2 + run.hops.reduce((sum, h) => sum + hopWidth(h), 0) + (run.hops.length - 1) * GAP;
      const gid = groupId(run.node, i);
      groups.push({
        id: gid,
        type: 'group-node',
        position: { x, y: 0 },
        data: { node: run.node, status: worstStatus(run.hops.map((h) => h.status)) },
        width: w,
        height: groupH,
        style: { width: w, height: groupH },
        draggable: false,
        selectable: false,
      });
      let hx = GROUP_PAD_X;
      for (const hop of run.hops) {
        hopNodes.push(hopNode(hop, { x: hx, y: GROUP_PAD_TOP }, gid));
        hx += hopWidth(hop) + GAP;
      }
      x += w + GAP;
    } else {
      hopNodes.push(hopNode(run.hops[0], { x, y: looseY }));
      x += hopWidth(run.hops[0]) + GAP;
    }
  });

  const edges: LayoutEdge[] = [];
  for (let i = 1; i < hops.length; i++) {
    const a = hops[i - 1];
    const b = hops[i];
    // The edge into a hop animates while that hop is being probed. The overlay hop itself is the labelled
    // link between the node groups (its box says VXLAN/UDP 4789 or routed); edges stay unlabelled so no
    // text overlaps the boxes.
    edges.push({
      id: `edge:${a.id}->${b.id}`,
      source: a.id,
      target: b.id,
      animated: b.status === 'running' || b.status === 'pending' && a.status === 'running',
      data: { status: b.status },
    });
  }

  return { nodes: [...groups, ...hopNodes], edges, width: Math.max(0, x - GAP), height: groupH };
}

function hopNode(hop: Hop, position: { x: number; y: number }, parentId?: string): LayoutHopNode {
  return {
    id: hop.id,
    type: 'hop',
    position,
    data: { hopId: hop.id, kind: hop.kind, label: hop.label, status: hop.status, sub: hopSubLabel(hop) },
    ...(parentId ? { parentId, extent: 'parent' as const } : {}),
    width: hopWidth(hop),
    height: HOP_H,
    draggable: false,
    selectable: true,
  };
}
