'use client';
// The edges of the path graph: 'path' (the packet's way) and 'lookup' (DNS/Service deciding it, dashed).
// Where the packet's own walk captured it at both ends (data.trace = 'seen'), a packet dot travels along
// the edge (SVG animateMotion); the edge past the last point that saw it is drawn broken.
import { memo } from 'react';
import { BaseEdge, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react';
import type { LayoutEdge } from '../lib/graph/layout';

export type TraceFlowEdge = Edge<LayoutEdge['data'], 'path' | 'lookup' | 'return'>;

/** 'return' (the reply from an external server back to the node that SNATed it): a loop under the boxes, right to left. */
function returnPath(sx: number, sy: number, tx: number, ty: number): string {
  const drop = 70;
  return `M ${sx} ${sy} C ${sx + 40} ${sy + drop}, ${tx - 40} ${ty + drop}, ${tx} ${ty}`;
}

function TraceEdgeImpl({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, style, data, type }: EdgeProps<TraceFlowEdge>) {
  const [bezier] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const d = type === 'return' ? returnPath(sourceX, sourceY, targetX, targetY) : bezier;
  const seen = data?.trace === 'seen';
  const stopped = data?.trace === 'not-seen';
  const dash = type === 'lookup' ? '5 5' : type === 'return' ? '3 4' : stopped ? '2 6' : style?.strokeDasharray;
  return (
    <g data-edge-trace={data?.trace ?? 'none'} {...(type === 'return' ? { 'data-edge-return': 'snat' } : {})}>
      <BaseEdge id={id} path={d} style={{ ...style, strokeDasharray: dash, opacity: type === 'lookup' ? 0.7 : 1 }} />
      {seen ? (
        <circle r={4.5} className="fill-sky-500 stroke-white" strokeWidth={1.5} data-testid="trace-packet">
          <animateMotion dur="1.6s" repeatCount="indefinite" path={d} />
        </circle>
      ) : null}
    </g>
  );
}

export const TraceEdge = memo(TraceEdgeImpl);
