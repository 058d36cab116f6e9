'use client';
// The matrix grid (DESIGN §7): columns = targets, rows = source pods grouped under their workload. A cell
// shows what one connect observed, coloured by whether the prediction agreed; hovering a cell explains it
// ("predicted deny by shop/deny-all, observed open: policy not enforced"), clicking starts the walk for the
// pair. A what-if overlay marks the cells a policy change would cut or open.
import { memo, useMemo, useState } from 'react';
import { cellKey, cellState, PARTIAL_MARK, PARTIAL_WORDS, partialText, type CellState, type Change, type Matrix, type MatrixCell, type MatrixTarget } from '../lib/matrix';
import { ClusterText } from './ClusterText';
import { pageText } from '../lib/text';
import { matrixRows, openCounts, openCountText, whatIfText, type OpenCount } from './matrixRows';
import { selfKind, selfSentence, SELF_WORD, type SelfKind } from '../lib/matrix/self';

export const CELL_LOOK: Record<CellState, { cls: string; mark: string; word: string }> = {
  pending: { cls: 'bg-slate-200 animate-pulse dark:bg-slate-800', mark: '', word: 'probing' },
  open: { cls: 'bg-emerald-500 text-emerald-950', mark: '✓', word: 'open, as predicted' },
  blocked: { cls: 'bg-slate-400 text-slate-900 dark:bg-slate-600 dark:text-slate-100', mark: '×', word: 'blocked, as predicted' },
  disagree: { cls: 'bg-red-500 text-white ring-2 ring-red-300 dark:ring-red-700', mark: '!', word: 'disagrees with the prediction' },
  // a disagreement on some of a Service's endpoints only (lib/matrix isPartial): amber as a degraded walk, the red ring
  // of a disagreement, and the CLI's own mark in the cell, so it is not told apart by colour alone
  partial: { cls: 'bg-amber-400 text-amber-950 ring-2 ring-red-400 dark:ring-red-600', mark: PARTIAL_MARK, word: PARTIAL_WORDS },
  unjudged: { cls: 'bg-sky-300 text-sky-950 dark:bg-sky-800 dark:text-sky-50', mark: '~', word: 'not judged' },
  unobserved: { cls: 'border border-dashed border-slate-400 text-slate-500', mark: '?', word: 'not observed' },
};

const CHANGE_LOOK: Record<Exclude<Change, null>, string> = {
  cut: 'outline outline-[3px] outline-offset-[-3px] outline-fuchsia-600',
  opened: 'outline outline-[3px] outline-offset-[-3px] outline-dashed outline-amber-400',
};

/**
 * The sentence shown on hover: the explanation first, then (a partial cell) which endpoints answer and which do not,
 * the prediction's reason and what nc said. Cluster text, escaped by pageText: a title is text, never markup.
 */
export function cellText(c: MatrixCell, whatIfText?: string): string {
  const head = c.explain ?? `predicted ${c.predicted}${c.policies.length ? ` by ${c.policies.join(', ')}` : ''}${c.observed ? `, observed ${c.observed}` : ''}`;
  return pageText([head, partialText(c) ?? '', whatIfText ?? '', c.reason, c.detail ?? ''].filter(Boolean).join('\n'));
}

interface CellProps {
  c: MatrixCell;
  t: MatrixTarget;
  /** the source reaching itself: through its own Service (hairpin) or on its own IP */
  self: SelfKind;
  running: boolean;
  change?: Change;
  whatIf?: string;
  onHover(c: MatrixCell | null): void;
  onOpen(c: MatrixCell, t: MatrixTarget): void;
}

const Cell = memo(function Cell({ c, t, self, running, change, whatIf, onHover, onOpen }: CellProps) {
  const st = cellState(c, running);
  const look = CELL_LOOK[st];
  const mark = change === 'cut' ? '✂' : change === 'opened' ? '↗' : look.mark;
  return (
    <td className="p-0.5">
      <button
        type="button"
        data-testid="matrix-cell"
        data-from={c.from}
        data-to={c.to}
        data-observed={c.observed ?? (st === 'pending' ? 'pending' : 'none')}
        data-predicted={c.predicted}
        data-agree={c.agree === null ? '' : String(c.agree)}
        data-state={st}
        data-change={change ?? ''}
        data-self={self ?? ''}
        title={`${self ? `${selfSentence(self, c.from, t)}\n` : ''}${cellText(c, whatIf)}`}
        aria-label={`${c.from} to ${t.id}: ${self ? `${SELF_WORD[self]}, ` : ''}${look.word}`}
        onMouseEnter={() => onHover(c)}
        onFocus={() => onHover(c)}
        onClick={() => onOpen(c, t)}
        className={`flex h-8 w-10 flex-col items-center justify-center rounded ${st === 'partial' ? 'text-[11px]' : 'text-sm'} font-bold leading-none transition-colors ${look.cls} ${change ? CHANGE_LOOK[change] : ''}`}
      >
        {self ? (
          <>
            {/* a pod reaching itself is not a path to another workload: said on the cell, left out of the counts */}
            <span className="text-[11px]">{mark}</span>
            <span className="mt-0.5 text-[9px] font-semibold" data-testid="matrix-cell-self">
              {self === 'hairpin' ? '↺ self' : 'self'}
            </span>
          </>
        ) : (
          mark
        )}
      </button>
    </td>
  );
});

/** A row's "N of M open" and its partial cells (self cells left out: the column heading says so, the tooltip how many). */
function CountCell({ count, testId }: { count: OpenCount | undefined; testId: string }) {
  if (!count) return <td />;
  return (
    <td className="whitespace-nowrap pl-3 font-mono text-[11px] text-slate-600 dark:text-slate-300" data-testid={testId} data-open={count.open} data-of={count.of} data-partial={count.partial} data-self-cells={count.self} title={openCountText(count)}>
      {count.open} of {count.of} open
      {count.partial ? <span className="text-amber-700 dark:text-amber-300">, {count.partial} partial</span> : null}
    </td>
  );
}

export interface MatrixGridProps {
  matrix: Matrix;
  /** what-if overlay: cell key → the what-if's cell (predictedAfter, change, explain; a not-judged self cell has no change and says why) */
  overlay?: Map<string, MatrixCell>;
  onOpen(c: MatrixCell, t: MatrixTarget): void;
}

export function MatrixGrid({ matrix, overlay, onOpen }: MatrixGridProps) {
  const [hover, setHover] = useState<MatrixCell | null>(null);
  const running = matrix.status === 'running';
  const cells = useMemo(() => new Map(matrix.cells.map((c) => [cellKey(c.from, c.to), c])), [matrix.cells]);
  const rows = useMemo(() => matrixRows({ groups: matrix.groups, sources: matrix.sources }), [matrix.groups, matrix.sources]);
  const counts = useMemo(() => openCounts({ cells: matrix.cells, targets: matrix.targets }), [matrix.cells, matrix.targets]);
  const hoverTarget = hover ? matrix.targets.find((t) => t.id === hover.to) : undefined;
  const hoverSelf = hover && hoverTarget ? selfKind(hover.from, hoverTarget) : null;
  const hoverOverlay = hover ? overlay?.get(cellKey(hover.from, hover.to)) : undefined;
  return (
    <div className="flex flex-col gap-3">
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900" data-testid="matrix-grid">
        <table className="border-separate border-spacing-0 text-xs">
          <thead>
            <tr>
              <th className="sticky left-0 bg-white p-1 text-left align-bottom text-slate-500 dark:bg-slate-900">source ↓ · target →</th>
              {matrix.targets.map((t) => (
                <th key={t.id} className="h-40 w-10 p-0 align-bottom" data-testid="matrix-target" data-target={t.id}>
                  <div className="flex h-40 w-10 items-end justify-center">
                    <span className="rotate-180 whitespace-nowrap pb-1 font-mono text-[11px] font-normal text-slate-600 [writing-mode:vertical-rl] dark:text-slate-300" title={t.id}>
                      <span className={t.kind === 'svc' ? 'text-sky-600 dark:text-sky-400' : ''}>{t.kind === 'svc' ? '⇄ ' : '◉ '}</span>
                      {t.kind === 'svc' ? `${t.name}.${t.namespace}:${t.port}` : `${t.namespace}/${t.name}:${t.port}`}
                      {t.protocol !== 'TCP' ? `/${t.protocol.toLowerCase()}` : ''}
                    </span>
                  </div>
                </th>
              ))}
              <th className="h-40 p-0 pl-3 align-bottom">
                <span className="block pb-1 text-left text-[11px] font-semibold text-slate-500" data-testid="matrix-count-head">
                  open
                  <span className="block font-normal">self not counted</span>
                </span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ group: g, heading, extra, pods }) => [
              // a bare pod's group is the pod itself: its row alone names it (a run of them shares one heading)
              heading ? (
                <tr key={`g:${g.id}`} data-testid="matrix-group" data-group={g.id}>
                  <th colSpan={matrix.targets.length + 2} className="sticky left-0 bg-white pb-0.5 pt-2 text-left text-[11px] font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-900">
                    {heading}
                    {extra ? <span className="ml-2 font-normal normal-case text-slate-400">{extra}</span> : null}
                  </th>
                </tr>
              ) : null,
              ...pods.map((src) => (
                <tr key={src} data-testid="matrix-row" data-source={src} data-group={g.id}>
                  <th className={`sticky left-0 z-10 bg-white pr-3 text-left font-mono text-[12px] font-normal text-slate-700 dark:bg-slate-900 dark:text-slate-200`}>{src}</th>
                  {matrix.targets.map((t) => {
                    const c = cells.get(cellKey(src, t.id));
                    if (!c) return <td key={t.id} />;
                    const o = overlay?.get(cellKey(src, t.id));
                    return <Cell key={t.id} c={c} t={t} self={selfKind(src, t)} running={running} change={o?.change ?? undefined} whatIf={whatIfText(o)} onHover={setHover} onOpen={onOpen} />;
                  })}
                  <CountCell count={counts.rows.get(src)} testId="matrix-row-count" />
                </tr>
              )),
            ])}
          </tbody>
          <tfoot>
            <tr>
              <th className="sticky left-0 bg-white pr-3 pt-1 text-left align-top text-[11px] font-semibold text-slate-500 dark:bg-slate-900">
                open (self not counted)
              </th>
              {matrix.targets.map((t) => {
                const n = counts.cols.get(t.id);
                return (
                  <td key={t.id} className="p-0.5 pt-1 text-center align-top font-mono text-[11px] text-slate-600 dark:text-slate-300" data-testid="matrix-col-count" data-target={t.id} data-partial={n?.partial} title={n ? openCountText(n) : undefined}>
                    {n ? `${n.open}/${n.of}` : ''}
                    {n?.partial ? <span className="block text-amber-700 dark:text-amber-300">{`${n.partial} ${PARTIAL_MARK}`}</span> : null}
                  </td>
                );
              })}
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <div className="min-h-[4.5rem] rounded-xl border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="matrix-explain" aria-live="polite">
        {hover ? (
          <>
            <div className="font-mono text-[13px]">
              <ClusterText value={hover.from} /> → <ClusterText value={hover.to} />
              {hoverTarget ? <span className="ml-2 text-slate-500">({hoverTarget.ip}:{hoverTarget.port}/{hoverTarget.protocol.toLowerCase()})</span> : null}
            </div>
            {hoverSelf ? (
              <div className="mt-1 font-semibold text-violet-700 dark:text-violet-300" data-testid="matrix-explain-self">
                <ClusterText value={selfSentence(hoverSelf, hover.from, hoverTarget!)} max={1000} />
              </div>
            ) : null}
            <div className={`mt-1 font-semibold ${hover.agree === false ? 'text-red-600 dark:text-red-400' : ''}`}>{hover.explain ?? `predicted ${hover.predicted}${hover.policies.length ? ` by ${hover.policies.join(', ')}` : ''}${hover.observed ? `, observed ${hover.observed}` : ''}`}</div>
            {partialText(hover) ? (
              <div className="mt-1 font-semibold text-amber-700 dark:text-amber-300" data-testid="matrix-explain-partial">
                <ClusterText value={partialText(hover)} max={1000} />
              </div>
            ) : null}
            {whatIfText(hoverOverlay) ? <div className="mt-1 font-semibold text-fuchsia-700 dark:text-fuchsia-400">what-if: <ClusterText value={whatIfText(hoverOverlay)!} max={1000} /></div> : null}
            <div className="mt-1 text-slate-600 dark:text-slate-400"><ClusterText value={hover.reason} max={1000} /></div>
            {hover.detail ? <div className="mt-1 font-mono text-xs text-slate-500">{hover.detail}</div> : null}
            <div className="mt-1 text-xs text-slate-500">click the cell to walk this path hop by hop</div>
          </>
        ) : (
          <span className="text-slate-500">Hover a cell for why; click it to walk the path.</span>
        )}
      </div>
    </div>
  );
}
