// The matrix grid's layout decisions, pure (MatrixGrid renders them): which rows get a workload heading.
import type { Matrix, MatrixGroup } from '../lib/matrix';

export interface MatrixRowGroup {
  group: MatrixGroup;
  /**
   * The heading above the group's rows: the workload ("StatefulSet shop/backend"); for a bare pod — its group is the
   * pod itself, so its own name as a heading would name it twice — one heading over each run of bare pods of a
   * namespace ("shop · pods without a workload"), null for the rest of the run.
   */
  heading: string | null;
  /** "3 pods, 1 probed" when the workload has pods the matrix did not probe */
  extra: string | null;
  /** the probed pods ("ns/pod"), one row each */
  pods: string[];
  /** the group is a bare pod (no Deployment/StatefulSet/DaemonSet owns it) */
  bare: boolean;
}

/** The rows of the grid: each workload group with its probed sources, in the matrix's order. */
export function matrixRows(m: Pick<Matrix, 'groups' | 'sources'>): MatrixRowGroup[] {
  const out: MatrixRowGroup[] = [];
  for (const g of m.groups) {
    const pods = g.probed.filter((p) => m.sources.includes(p));
    if (!pods.length) continue;
    const bare = g.kind === 'Pod' && g.pods.length === 1;
    const prev = out.at(-1);
    const heading = !bare ? `${g.kind} ${g.namespace}/${g.name}` : prev?.bare && prev.group.namespace === g.namespace ? null : `${g.namespace} · pods without a workload`;
    out.push({ group: g, heading, extra: g.pods.length > g.probed.length ? `${g.pods.length} pods, ${g.probed.length} probed` : null, pods, bare });
  }
  return out;
}
