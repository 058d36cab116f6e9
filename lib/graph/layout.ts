// layoutPath(hops, trace?) → positioned React Flow nodes and edges for the packet path (pure, deterministic).
// The hops the packet crosses flow left to right in path order on the lower row; the hops of one Kubernetes
// node (hop.node) sit inside ONE group box for that node. The look-ups that decide the path but are not
// stops on it — DNS (the name → the VIP) and the Service (the VIP → the endpoint kube-proxy's NAT picks on
// the source node) — sit on a row above, over the source pod and the source node, joined by dashed edges.
// The overlay hop is drawn as the link between the node groups, labelled from its details. With the
// packet's own walk (Diagnosis.trace): each captured hop is marked seen / not seen, the last-seen hop is
// flagged, the edges the packet really travelled carry it, and the Service shows the address the packet
// was really sent to (a stale DNAT target included).
import type { Hop, HopId, HopStatus, Trace } from '../model';
import { walkEndedOffPath } from '../verdict/trace';

/** a hop box's width (px): room for the longest hop id and status word on one line ("◎ EXTERNAL  SKIPPED") */
export const HOP_W = 164;
/** the Service box is wider: it shows VIP:port → endpoints */
export const SERVICE_W = 236;

export function hopWidth(hop: Pick<Hop, 'kind'>): number {
  return hop.kind === 'service' ? SERVICE_W : HOP_W;
}
export const HOP_H = 84;
/** the hop node's handle size in px (components/HopNode: !h-1.5 !w-1.5) */
const HANDLE = 6;
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
  /** the packet's walk: captured at this hop (seen) or captured for and absent (not-seen); unset: no capture here */
  trace?: 'seen' | 'not-seen';
  /** the last point the flow's first packet was seen is at this hop */
  lastSeen?: boolean;
  /** look-ups (dns, service) sit beside the path, not on it */
  lookup?: boolean;
}
export interface GroupNodeData extends Record<string, unknown> {
  node: string;
  /** the world outside the cluster (an outside client, a load balancer, an external server), not a Kubernetes node */
  outside?: boolean;
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
  /**
   * Where the node's two handles sit (relative to its top-left), so React Flow can draw the edges without
   * measuring the DOM: a controlled node without `measured` loses its measured handle bounds on every update
   * (@xyflow/system parseHandles), and the edges then vanish until something resizes — the live graph lost
   * all its edges when the trace arrived.
   */
  handles: { id: HandleId; type: 'source' | 'target'; position: 'left' | 'right' | 'top' | 'bottom'; x: number; y: number; width: number; height: number }[];
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

/**
 * A hop box's handles: the path enters on the left and leaves on the right; a look-up edge (dashed) leaves or
 * enters through the top or bottom, so the chain src-pod → DNS → Service → src-node runs up from the source pod,
 * along the look-up row and down into the source node instead of doubling back across the boxes.
 */
export type HandleId = 'left' | 'right' | 'top-out' | 'top-in' | 'bottom-out' | 'bottom-in';

export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: HandleId;
  targetHandle: HandleId;
  animated: boolean;
  /** 'path': the packet's way; 'lookup': a look-up that decides it (dashed); 'return': the reply's way back where SNAT decides it */
  type: 'path' | 'lookup' | 'return';
  /** seen: the packet was captured at both ends of this edge (the graph animates a packet along it) */
  data: { status: HopStatus; trace?: 'seen' | 'not-seen' };
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
    // one endpoint and how many more: the box cuts what does not fit, and "10.244.2.3:80…" would read as port 80
    const shown = eps[0] + (eps.length > 1 ? ` (+${eps.length - 1})` : '');
    // the engine's label often carries the VIP already; then the box needs only where it leads
    const head = hop.label.includes(vip) ? '' : `${vip} `;
    return eps.length ? `${head}→ ${shown}` : `${head}→ no endpoints`;
  }
  if (hop.kind === 'overlay') return overlayLabel(hop);
  if (hop.kind === 'lb' && typeof d.nodePort === 'number' && d.nodePort) {
    const port = typeof d.ingress === 'string' ? d.ingress.slice(d.ingress.lastIndexOf(':')) : '';
    return `${port} → NodePort${d.externalTrafficPolicy === 'Local' ? ' (Local)' : ''}`;
  }
  if (hop.kind === 'node' && typeof d.mode === 'string' && d.mode !== 'none') return `routing + ${d.mode} NAT`;
  return '';
}

/** "VXLAN/UDP 4789" or "routed (host-gw)" — short enough for the box; the device is in the hop panel. */
export function overlayLabel(hop: Hop): string {
  const d = hop.details ?? {};
  const mode = typeof d.mode === 'string' ? d.mode : '';
  // a family other than flannel names its own tunnel (lib/kube tunnelLabel): "vxlan.calico VNI 4096 UDP 4789", "routed via the VPC"
  if (typeof d.label === 'string' && d.label && typeof d.family === 'string' && d.family !== 'flannel') return d.label;
  if (mode === 'vxlan') {
    const port = typeof d.port === 'number' || typeof d.port === 'string' ? d.port : 4789;
    return `VXLAN/UDP ${port}`;
  }
  if (mode === 'host-gw' || mode === 'routed') return 'routed (host-gw)';
  return mode ? mode : 'overlay';
}

/** Hops outside the cluster (DESIGN §4): drawn in one "outside" group of their own. */
export const OUTSIDE_HOPS: ReadonlySet<HopId> = new Set<HopId>(['client', 'lb', 'external']);
/** The extra room under the path for the reply's way back (a loop under the boxes). */
const RETURN_ROOM = 44;

function groupId(node: string, index: number): string {
  return `group:${index}:${node}`;
}

/** Hops that decide the path without being stops on it: drawn beside it. */
export const LOOKUP_HOPS: ReadonlySet<HopId> = new Set<HopId>(['dns', 'service']);
const ROW_GAP = 26; // between the look-up row and the path row

/**
 * Per hop, what the packet's walk saw there (only hops with a capture point that ran). No hop of the drawn path is
 * "packet last seen" when the walk ended off it (kube-proxy picked another endpoint: lib/verdict/trace.ts
 * walkEndedOffPath): the Service box says where the packet was sent.
 */
export function traceMarks(trace: Trace | undefined): Map<HopId, { trace: 'seen' | 'not-seen'; lastSeen: boolean }> {
  const m = new Map<HopId, { trace: 'seen' | 'not-seen'; lastSeen: boolean }>();
  if (!trace) return m;
  const off = walkEndedOffPath(trace);
  for (const p of trace.points) {
    if (p.seen === null) continue;
    const cur = m.get(p.hop);
    m.set(p.hop, { trace: cur?.trace === 'seen' || p.seen ? 'seen' : 'not-seen', lastSeen: !off && trace.lastSeen?.hop === p.hop });
  }
  return m;
}

/**
 * The Service's sub-label when the capture shows where NAT really sent the packet: "→ 10.244.1.4:8080 (sent here)",
 * "→ 10.244.2.9:8080 (sent here: no endpoint)" — short enough for the box, which cuts the rest (the hop panel and
 * the verdict say it whole).
 */
export function sentToLabel(hop: Hop, trace: Trace | undefined): string | undefined {
  if (hop.kind === 'service' && trace?.stale?.length) return `→ ${trace.stale[0].target} (conntrack: no endpoint)`;
  if (hop.kind !== 'service' || !trace?.sentTo) return undefined;
  const eps = Array.isArray(hop.details?.endpoints) ? hop.details.endpoints : [];
  return eps.includes(trace.sentTo) ? `→ ${trace.sentTo} (sent here)` : `→ ${trace.sentTo} (sent here: no endpoint)`;
}

/**
 * When the capture says NAT sent the traced flow to another endpoint than the one the path is drawn to, the two
 * ends in words, for a line beside the graph: the Service box marks trace.sentTo ("sent here") while the hops walk
 * to the drawn pod, and without the line the two marks contradict each other silently. The drawn end is the Service
 * hop's `drawnEndpoint` (lib/verdict/trace withSentElsewhere), else the dst-pod hop's label (older diagnoses);
 * the sent end its `sentEndpoint`, else the address. Undefined when they are the same endpoint or either is unknown.
 */
export function sentElsewhereNote(hops: readonly Hop[], trace: Trace | undefined): { drawn: string; sent: string } | undefined {
  const sentTo = trace?.sentTo;
  const svc = hops.find((h) => h.kind === 'service');
  if (!sentTo || !svc) return undefined;
  const dstPod = hops.find((h) => h.id === 'dst-pod');
  // the plan's dst-pod label: "ns/name IP[:port][ (host network of NODE)]" (IPv4 only: an IPv6 address and its port do not split)
  const fromLabel = dstPod ? /^(\S+\/\S+) (\d+\.\d+\.\d+\.\d+)(?::\d+)?(?: |$)/.exec(dstPod.label) : null;
  const drawn = typeof svc.details?.drawnEndpoint === 'string' ? svc.details.drawnEndpoint : fromLabel ? `${fromLabel[1]} ${fromLabel[2]}${dstPod?.node ? ` on ${dstPod.node}` : ''}` : undefined;
  const drawnIP = drawn?.split(' ')[1];
  const sentIP = sentTo.startsWith('[') ? sentTo.slice(1, sentTo.indexOf(']')) : sentTo.includes('.') ? sentTo.replace(/:\d+$/, '') : sentTo;
  if (!drawn || !drawnIP || drawnIP === sentIP) return undefined;
  const eps = Array.isArray(svc.details?.endpoints) ? svc.details.endpoints : [];
  const sent = typeof svc.details?.sentEndpoint === 'string' ? svc.details.sentEndpoint : `${sentTo}${eps.length && !eps.includes(sentTo) ? ' (not a ready endpoint)' : ''}`;
  return { drawn, sent };
}

/** Lays the hops out in the order given (the engine's path order). Same hops (and trace) in, same layout out. */
export function layoutPath(hops: Hop[], trace?: Trace): PathLayout {
  const path = hops.filter((h) => !LOOKUP_HOPS.has(h.id));
  const lookups = hops.filter((h) => LOOKUP_HOPS.has(h.id));
  const marks = traceMarks(trace);
  // Runs of consecutive path hops that share a Kubernetes node become its one group; the overlay hop (the
  // link between nodes) and hops without a node stand alone.
  // Hops outside the cluster (client, load balancer, external server) share one "outside" group per run.
  type Run = { node: string | null; hops: Hop[]; outside?: boolean };
  const runs: Run[] = [];
  for (const hop of path) {
    const outside = OUTSIDE_HOPS.has(hop.id);
    const node = hop.kind === 'overlay' ? null : outside ? 'outside' : (hop.node ?? null);
    const last = runs[runs.length - 1];
    if (node !== null && last && last.node === node && !!last.outside === outside) last.hops.push(hop);
    else runs.push({ node, hops: [hop], ...(outside ? { outside: true } : {}) });
  }

  const groups: LayoutGroupNode[] = [];
  const hopNodes: LayoutHopNode[] = [];
  const absX = new Map<HopId, number>();
  let x = 0;
  const top = lookups.length ? HOP_H + ROW_GAP : 0;
  const groupH = GROUP_PAD_TOP + HOP_H + GROUP_PAD_BOTTOM;
  const looseY = top + GROUP_PAD_TOP; // loose hops line up with the hops inside groups
  const mk = (hop: Hop, position: { x: number; y: number }, parentId?: string) => hopNode(hop, position, parentId, marks.get(hop.id), sentToLabel(hop, trace));
  runs.forEach((run, i) => {
    if (run.node !== null) {
      const w = GROUP_PAD_X * 2 + run.hops.reduce((sum, h) => sum + hopWidth(h), 0) + (run.hops.length - 1) * GAP;
      const gid = groupId(run.node, i);
      groups.push({
        id: gid,
        type: 'group-node',
        position: { x, y: top },
        data: { node: run.node, status: worstStatus(run.hops.map((h) => h.status)), ...(run.outside ? { outside: true } : {}) },
        width: w,
        height: groupH,
        style: { width: w, height: groupH },
        draggable: false,
        selectable: false,
      });
      let hx = GROUP_PAD_X;
      for (const hop of run.hops) {
        hopNodes.push(mk(hop, { x: hx, y: GROUP_PAD_TOP }, gid));
        absX.set(hop.id, x + hx);
        hx += hopWidth(hop) + GAP;
      }
      x += w + GAP;
    } else {
      hopNodes.push(mk(run.hops[0], { x, y: looseY }));
      absX.set(run.hops[0].id, x);
      x += hopWidth(run.hops[0]) + GAP;
    }
  });
  const width = Math.max(0, x - GAP);

  // Look-ups above what they decide: DNS over the source pod, the Service over the source node (its NAT);
  // never overlapping each other, never past the path's right end.
  let lx = 0;
  const lookupNodes: LayoutHopNode[] = [];
  for (const hop of lookups) {
    const anchor = hop.id === 'dns' ? absX.get('src-pod') : (absX.get('src-node') ?? absX.get('src-veth'));
    const want = anchor ?? lx;
    const px = Math.max(lx, Math.min(want, Math.max(0, width - hopWidth(hop))));
    lookupNodes.push({ ...mk(hop, { x: px, y: 0 }), data: { ...mk(hop, { x: px, y: 0 }).data, lookup: true } });
    lx = px + hopWidth(hop) + GAP;
  }

  const edges: LayoutEdge[] = [];
  // a look-up edge between the rows leaves upward / enters from above (the look-up row is on top)
  const handlesOf = (a: Hop, b: Hop, type: LayoutEdge['type']): [HandleId, HandleId] => {
    if (type !== 'lookup') return ['right', 'left'];
    const up = LOOKUP_HOPS.has(b.id) && !LOOKUP_HOPS.has(a.id);
    const down = LOOKUP_HOPS.has(a.id) && !LOOKUP_HOPS.has(b.id);
    return up ? ['top-out', 'bottom-in'] : down ? ['bottom-out', 'top-in'] : ['right', 'left'];
  };
  const edge = (a: Hop, b: Hop, type: LayoutEdge['type']) => {
    const ta = marks.get(a.id)?.trace;
    const tb = marks.get(b.id)?.trace;
    const t = ta === 'seen' && tb === 'seen' ? 'seen' : ta || tb ? (ta === 'seen' && tb === 'not-seen' ? 'not-seen' : undefined) : undefined;
    // The edge into a hop animates while that hop is being probed.
    edges.push({
      id: `edge:${a.id}->${b.id}`,
      source: a.id,
      target: b.id,
      sourceHandle: handlesOf(a, b, type)[0],
      targetHandle: handlesOf(a, b, type)[1],
      type,
      animated: b.status === 'running' || (b.status === 'pending' && a.status === 'running'),
      // An edge leaving a failed hop is no way the traffic went on (a name that did not resolve, a dropped tunnel):
      // not drawn in the next hop's colour, unless the capture saw the packet at both ends (an MTU blackhole's
      // small packets do pass).
      data: { status: a.status === 'fail' && t !== 'seen' ? 'skip' : b.status, ...(t ? { trace: t } : {}) },
    });
  };
  for (let i = 1; i < path.length; i++) edge(path[i - 1], path[i], 'path');
  // src-pod → dns → service → src-node: the name, then the VIP, decide where the source node sends it.
  const srcPod = path.find((h) => h.id === 'src-pod');
  const chain = [srcPod, ...lookups, path.find((h) => h.id === 'src-node') ?? path.find((h) => h.id === 'src-veth')].filter((h): h is Hop => !!h);
  if (lookups.length) for (let i = 1; i < chain.length; i++) edge(chain[i - 1], chain[i], 'lookup');

  // The reply's way back where SNAT decides it: from the external server to the node's egress (DESIGN §3.2).
  const egress = path.find((h) => h.id === 'egress');
  const external = path.find((h) => h.id === 'external');
  if (egress && external) edges.push({ id: 'edge:external->egress:return', source: external.id, target: egress.id, sourceHandle: 'right', targetHandle: 'left', type: 'return', animated: false, data: { status: egress.status } });

  return { nodes: [...groups, ...hopNodes, ...lookupNodes], edges, width: Math.max(width, lx - GAP), height: top + groupH + (egress && external ? RETURN_ROOM : 0) };
}

function hopNode(hop: Hop, position: { x: number; y: number }, parentId?: string, mark?: { trace: 'seen' | 'not-seen'; lastSeen: boolean }, sub?: string): LayoutHopNode {
  return {
    id: hop.id,
    type: 'hop',
    position,
    data: { hopId: hop.id, kind: hop.kind, label: hop.label, status: hop.status, sub: sub ?? hopSubLabel(hop), ...(mark ? { trace: mark.trace, ...(mark.lastSeen ? { lastSeen: true } : {}) } : {}) },
    ...(parentId ? { parentId, extent: 'parent' as const } : {}),
    width: hopWidth(hop),
    height: HOP_H,
    handles: handlesFor(hopWidth(hop)),
    draggable: false,
    selectable: true,
  };
}

/**
 * Where the top and bottom handles sit from a box's left edge (px): toward its right end, so a look-up edge
 * rising out of a node group clears the group's title (components/NodeGroup, top left).
 */
export function verticalHandleX(width: number): number {
  return width - 28;
}

/** The six handles of a hop box of this width, positioned as components/HopNode renders them. */
function handlesFor(w: number): LayoutHopNode['handles'] {
  const h = HANDLE / 2;
  const vx = verticalHandleX(w) - h;
  return [
    { id: 'left', type: 'target', position: 'left', x: -h, y: HOP_H / 2 - h, width: HANDLE, height: HANDLE },
    { id: 'right', type: 'source', position: 'right', x: w - h, y: HOP_H / 2 - h, width: HANDLE, height: HANDLE },
    { id: 'top-out', type: 'source', position: 'top', x: vx, y: -h, width: HANDLE, height: HANDLE },
    { id: 'top-in', type: 'target', position: 'top', x: vx, y: -h, width: HANDLE, height: HANDLE },
    { id: 'bottom-out', type: 'source', position: 'bottom', x: vx, y: HOP_H - h, width: HANDLE, height: HANDLE },
    { id: 'bottom-in', type: 'target', position: 'bottom', x: vx, y: HOP_H - h, width: HANDLE, height: HANDLE },
  ];
}
