// The matrix grid's layout decisions, pure (MatrixGrid renders them): which rows get a workload heading, which
// cells are a pod reaching itself, and the per-row / per-column open counts (self cells left out, and said so).
import { isPartial, isUnjudged, partialCount, type Matrix, type MatrixCell, type MatrixGroup, type MatrixTarget } from '../lib/matrix';
// which cells are a source reaching itself: lib/matrix/self.ts (the CLI table and the wall tile mark them too)
import { selfKind } from '../lib/matrix/self';

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

export interface OpenCount {
  /** cells observed open, self cells left out */
  open: number;
  /** cells counted (self cells left out) */
  of: number;
  /** of those, cells marked partial (lib/matrix isPartial: some of a Service's endpoints answer, some not) — not open */
  partial: number;
  /** self cells left out of the count */
  self: number;
}

/** "2 of 7 open", what was left out, and the partial cells among the rest: "2 of 7 open (1 self cell not counted), 1 partial (…)". */
export function openCountText(c: OpenCount): string {
  return `${c.open} of ${c.of} open${c.self ? ` (${c.self} self cell${c.self === 1 ? '' : 's'} not counted)` : ''}${c.partial ? `, ${partialCount(c.partial)}` : ''}`;
}

function count(cells: readonly MatrixCell[], targets: ReadonlyMap<string, MatrixTarget>): OpenCount {
  const out: OpenCount = { open: 0, of: 0, partial: 0, self: 0 };
  for (const c of cells) {
    const t = targets.get(c.to);
    if (t && selfKind(c.from, t)) {
      out.self++;
      continue;
    }
    out.of++;
    if (c.observed === 'open') out.open++;
    if (isPartial(c)) out.partial++;
  }
  return out;
}

/**
 * Open counts per source row and per target column. A pod reaching itself (through its own Service or on its own
 * IP) is not a path to another workload, so it is left out of "N of M open" — and the count's text says so.
 */
export function openCounts(m: Pick<Matrix, 'cells' | 'targets'>): { rows: Map<string, OpenCount>; cols: Map<string, OpenCount> } {
  const targets = new Map(m.targets.map((t) => [t.id, t] as const));
  const byRow = new Map<string, MatrixCell[]>();
  const byCol = new Map<string, MatrixCell[]>();
  for (const c of m.cells) {
    byRow.set(c.from, [...(byRow.get(c.from) ?? []), c]);
    byCol.set(c.to, [...(byCol.get(c.to) ?? []), c]);
  }
  return {
    rows: new Map([...byRow].map(([k, cs]) => [k, count(cs, targets)] as const)),
    cols: new Map([...byCol].map(([k, cs]) => [k, count(cs, targets)] as const)),
  };
}

/**
 * What the what-if overlay says on a cell (tooltip and hover panel): the what-if cell's explanation when the change
 * cuts or opens it, or when it is not judged (lib/matrix isUnjudged: a pod reaching itself through its own Service
 * while isolated — the CLI's NOT JUDGED line); nothing for an unchanged cell.
 */
export function whatIfText(o: MatrixCell | undefined): string | undefined {
  if (!o || !(o.change || isUnjudged(o))) return undefined;
  return o.explain;
}
