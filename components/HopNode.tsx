'use client';
// One hop box in the graph: the stable handles data-hop-id / data-status live here (DESIGN §4).
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { HOP_W, verticalHandleX, type HopNodeData } from '../lib/graph/layout';
import { KIND_ICON, STATUS_LOOK } from './statusStyles';
import { useGraphView } from './graphContext';
import { ClusterText } from './ClusterText';
import { pageText } from '../lib/text';

export type HopFlowNode = Node<HopNodeData, 'hop'>;

function HopNodeImpl({ data, width }: NodeProps<HopFlowNode>) {
  const view = useGraphView();
  const look = STATUS_LOOK[data.status];
  const selected = view.selected === data.hopId;
  const changed = view.changed.has(data.hopId);
  return (
    <div
      role="button"
      tabIndex={0}
      data-hop-id={data.hopId}
      data-status={data.status}
      data-trace={data.trace}
      data-last-seen={data.lastSeen ? 'true' : undefined}
      aria-label={`${data.hopId}: ${data.label}, ${look.word}`}
      aria-pressed={selected}
      onClick={() => view.select(data.hopId)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          view.select(data.hopId);
        }
      }}
      style={{ width: width ?? HOP_W }}
      className={`nodrag relative flex h-[84px] cursor-pointer flex-col justify-between rounded-lg border-2 px-2.5 py-1.5 text-left shadow-sm transition-colors ${look.box} ${selected ? 'outline outline-2 outline-offset-2 outline-sky-500' : ''} ${data.lastSeen ? 'ring-4 ring-sky-400/80' : ''} ${data.trace === 'not-seen' ? 'opacity-70' : ''}`}
    >
      <Handle id="left" type="target" position={Position.Left} className="!h-1.5 !w-1.5 !border-0 !bg-slate-400" isConnectable={false} />
      {/* the look-up edges' ends (lib/graph/layout handlesFor): invisible, at the same place the layout gives them */}
      {(['top-out', 'top-in', 'bottom-out', 'bottom-in'] as const).map((hid) => (
        <Handle key={hid} id={hid} type={hid.endsWith('-out') ? 'source' : 'target'} position={hid.startsWith('top') ? Position.Top : Position.Bottom} style={{ left: verticalHandleX(width ?? HOP_W) }} className="!h-1.5 !w-1.5 !border-0 !bg-transparent" isConnectable={false} />
      ))}
      <div className="flex items-center justify-between gap-1.5 whitespace-nowrap text-[10px] font-semibold uppercase tracking-wide opacity-80">
        <span className="min-w-0 truncate">
          <span aria-hidden>{KIND_ICON[data.kind] ?? '•'}</span> {data.hopId}
        </span>
        <span className="shrink-0">{look.word}</span>
      </div>
      <div className="line-clamp-2 text-[12px] [overflow-wrap:anywhere] font-semibold leading-[1.2]" title={pageText(data.label)}>
        <ClusterText value={data.label} max={400} />
      </div>
      <div className="truncate font-mono text-[10.5px] leading-tight opacity-80" title={data.sub}>
        {data.sub || '\u00a0'}
      </div>
      {data.lastSeen ? <span className="absolute -bottom-2.5 left-1/2 -translate-x-1/2 whitespace-nowrap rounded-full bg-sky-600 px-1.5 text-[9px] font-bold text-white">packet last seen</span> : data.trace === 'seen' ? <span aria-label="packet seen here" className="absolute -bottom-1.5 right-1.5 h-2.5 w-2.5 rounded-full bg-sky-500" /> : null}
      {changed ? <span className="absolute -right-2 -top-2 rounded-full bg-fuchsia-600 px-1.5 text-[9px] font-bold text-white">changed</span> : null}
      <Handle id="right" type="source" position={Position.Right} className="!h-1.5 !w-1.5 !border-0 !bg-slate-400" isConnectable={false} />
    </div>
  );
}

export const HopNode = memo(HopNodeImpl);
