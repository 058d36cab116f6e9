'use client';
// The box around the hops of one Kubernetes node.
import { memo } from 'react';
import type { Node, NodeProps } from '@xyflow/react';
import type { GroupNodeData } from '../lib/graph/layout';

export type GroupFlowNode = Node<GroupNodeData, 'group-node'>;

const BORDER: Record<string, string> = {
  fail: 'border-red-400/70',
  warn: 'border-amber-400/70',
};

function NodeGroupImpl({ data, width, height }: NodeProps<GroupFlowNode>) {
  return (
    <div
      {...(data.outside ? { 'data-group': 'outside' } : { 'data-k8s-node': data.node })}
      style={{ width, height }}
      className={`rounded-xl border-2 border-dashed ${data.outside ? 'bg-violet-50/80 dark:bg-violet-950/30' : 'bg-slate-100/70 dark:bg-slate-800/40'} ${BORDER[data.status] ?? (data.outside ? 'border-violet-300 dark:border-violet-700' : 'border-slate-300 dark:border-slate-600')}`}
    >
      {/* one line: a group one hop wide (an external server alone) would wrap its label over the hop */}
      <div
        title={data.outside ? 'outside the cluster' : `node ${data.node}`}
        className="truncate px-3 pt-1.5 text-[11px] font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400"
      >
        {data.outside ? (
          <>
            {/* a group one hop wide (an external server alone) has room for the short form only */}
            <span aria-hidden>◌</span> {(width ?? 0) >= 220 ? 'outside the cluster' : 'outside'}
          </>
        ) : (
          <>
            <span aria-hidden>▣</span> node {data.node}
          </>
        )}
      </div>
    </div>
  );
}

export const NodeGroup = memo(NodeGroupImpl);
