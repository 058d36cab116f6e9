'use client';
// The packet path as a read-only React Flow graph (STYLE.md: module-level nodeTypes, no drag/connect/delete).
// Positions come from layoutPath and do not depend on status, so colours stream in without layout shift.
import { useMemo } from 'react';
import { ReactFlow, ReactFlowProvider, Background, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { layoutPath, HOP_H } from '../lib/graph/layout';

/** a layout taller than one row of node groups has the look-up row */
const HOP_ROW_ONLY = HOP_H + 60;
import type { Hop, HopId, Trace } from '../lib/model';
import { HopNode } from './HopNode';
import { NodeGroup } from './NodeGroup';
import { GraphViewContext } from './graphContext';
import { STATUS_LOOK } from './statusStyles';
import { TraceEdge } from './PathGraphEdge';

const nodeTypes = { hop: HopNode, 'group-node': NodeGroup };
const edgeTypes = { path: TraceEdge, lookup: TraceEdge, return: TraceEdge };
export const GRAPH_HEIGHT = 230;
/** with the look-up row (DNS, Service) above the path */
export const GRAPH_HEIGHT_TALL = 300;

export interface PathGraphProps {
  hops: Hop[];
  selected: HopId | null;
  onSelect(id: HopId): void;
  changed?: ReadonlySet<HopId>;
  /** the packet's own walk: marks hops seen / not seen and animates the packet along the seen edges */
  trace?: Trace;
}

export function PathGraph({ hops, selected, onSelect, changed, trace }: PathGraphProps) {
  // Layout depends on hop identity and order only; statuses are patched onto the same positions.
  const layout = useMemo(() => layoutPath(hops, trace), [hops, trace]);
  const height = layout.height > HOP_ROW_ONLY ? GRAPH_HEIGHT_TALL : GRAPH_HEIGHT;
  const nodes = layout.nodes as unknown as Node[];
  const edges: Edge[] = useMemo(
    () =>
      layout.edges.map((e) => ({
        ...e,
        style: { stroke: STATUS_LOOK[e.data.status].stroke, strokeWidth: 2.5, strokeDasharray: e.data.status === 'skip' ? '4 4' : undefined },
        labelBgPadding: [6, 3] as [number, number],
        labelBgBorderRadius: 4,
      })),
    [layout],
  );
  const view = useMemo(() => ({ selected, select: onSelect, changed: changed ?? new Set<HopId>() }), [selected, onSelect, changed]);
  // fitView keyed on the path's shape only, so it happens when the plan arrives, not on every update
  const shapeKey = hops.map((h) => `${h.id}@${h.node ?? ''}`).join(',');

  if (!hops.length) {
    return (
      <div style={{ height }} className="flex items-center justify-center rounded-xl border border-dashed border-slate-300 text-sm text-slate-500 dark:border-slate-700">
        Planning the path…
      </div>
    );
  }
  return (
    <GraphViewContext.Provider value={view}>
      <div style={{ height }} data-trace-last={trace?.lastSeen ? `${trace.lastSeen.hop}` : undefined} className="w-full overflow-hidden rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900/60" data-testid="path-graph">
        <ReactFlowProvider>
          <ReactFlow
            key={shapeKey}
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            fitView
            fitViewOptions={{ padding: 0.08, maxZoom: 1.1 }}
            minZoom={0.3}
            maxZoom={1.6}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            nodesFocusable={false}
            edgesFocusable={false}
            deleteKeyCode={null}
            zoomOnScroll={false}
            preventScrolling={false}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} size={1} />
          </ReactFlow>
        </ReactFlowProvider>
      </div>
    </GraphViewContext.Provider>
  );
}
