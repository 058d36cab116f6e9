'use client';
// The wall's matrix tiles: one compact grid per pinned matrix (GET /api/matrix?pinned=1), one square per
// cell, joined to the matrix's socket room so a square flips the moment the server's re-probe sees it change.
import { useEffect, useState } from 'react';
import { cellState, partialCount, partialText, summarize, type Matrix } from '../lib/matrix';
import { pageText } from '../lib/text';
import { applyMatrixEvent, type MatrixCellEvent, type MatrixDoneEvent, type MatrixPlanEvent } from '../lib/matrix/events';
import { getSocket } from './socket';
import { CELL_LOOK } from './MatrixGrid';
import { selfKind, selfSentence } from '../lib/matrix/self';

/** A partial square is striped over its amber, so it is told from a disagreement's without reading colour (the page's cell shows its mark). */
const PARTIAL_STRIPES = 'bg-[repeating-linear-gradient(135deg,transparent_0_3px,rgba(127,29,29,0.55)_3px_6px)]';

/** One pinned matrix on the wall (exported for its render test). */
export function MatrixTile({ m }: { m: Matrix }) {
  const s = summarize(m);
  const running = m.status === 'running';
  const cols = Math.max(1, m.targets.length);
  const bad = s.disagree > 0;
  return (
    <li data-testid="wall-matrix-tile" data-matrix-id={m.id} data-disagree={s.disagree} data-partial={s.partial} className={`flex flex-col gap-3 rounded-2xl border-l-[10px] bg-slate-900 p-5 ${bad ? 'border-red-500' : 'border-emerald-500'}`}>
      <div className="flex items-start justify-between gap-3">
        <div>
          <div className="font-mono text-2xl font-semibold text-slate-50">matrix {m.namespaces.join(', ')}</div>
          <div className="text-sm text-slate-400">
            {m.sources.length} sources × {m.targets.length} targets{m.context ? ` · context ${m.context}` : ''}
          </div>
        </div>
        <div className="text-right">
          <div className={`text-3xl font-black ${bad ? 'text-red-400' : running ? 'text-sky-300' : 'text-emerald-400'}`}>{bad ? `${s.disagree} disagree` : running ? 'Probing…' : 'All agree'}</div>
          {/* the partial cells among the disagreements: a Service half working is not a dead one */}
          {s.partial ? (
            <div className="text-sm font-semibold text-amber-300" data-testid="wall-matrix-partial" title={`of which ${partialCount(s.partial)}`}>
              of which {s.partial} partial
            </div>
          ) : null}
        </div>
      </div>
      <div className="grid gap-[3px]" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1.25rem))` }} aria-label="cells">
        {m.sources.flatMap((src) =>
          m.targets.map((t) => {
            const c = m.cells.find((x) => x.from === src && x.to === t.id);
            const st = c ? cellState(c, running) : 'unobserved';
            // a source reaching itself is not a path to another workload: dimmed and ringed, said in its title
            const self = selfKind(src, t);
            return (
              <span
                key={`${src}→${t.id}`}
                data-from={src}
                data-to={t.id}
                data-state={st}
                data-self={self ?? ''}
                title={pageText(`${self ? `${selfSentence(self, src, t)}\n` : ''}${src} → ${t.id}: ${c?.explain ?? CELL_LOOK[st].word}${c && partialText(c) ? `\n${partialText(c)}` : ''}`)}
                className={`h-5 rounded-sm ${CELL_LOOK[st].cls}${st === 'partial' ? ` ${PARTIAL_STRIPES}` : ''}${self ? ' opacity-50 ring-2 ring-inset ring-slate-300' : ''}`}
              />
            );
          }),
        )}
      </div>
      <a className="text-sm text-sky-300 underline" href={`/matrix?id=${m.id}`}>
        open the matrix
      </a>
    </li>
  );
}

export function MatrixWallTiles() {
  const [tiles, setTiles] = useState<Matrix[]>([]);
  // why the pinned matrices could not be read (a stored row the server cannot read: 503 with the matrix, the field and the fix)
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const s = getSocket();
    const fold = (ev: Parameters<typeof applyMatrixEvent>[1]) => setTiles((cur) => cur.map((m) => (m.id === ev.payload.id ? (applyMatrixEvent(m, ev) ?? m) : m)));
    const onPlan = (e: MatrixPlanEvent) => fold({ type: 'matrix:plan', payload: e });
    const onCell = (e: MatrixCellEvent) => fold({ type: 'matrix:cell', payload: e });
    const onDone = (e: MatrixDoneEvent) => fold({ type: 'matrix:done', payload: e });
    const load = () =>
      fetch('/api/matrix?pinned=1')
        .then(async (r) => {
          if (r.ok) return (await r.json()) as { matrices: Matrix[] };
          const e = ((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}`;
          if (alive) setError(`The pinned matrices cannot be shown: ${e}`);
          return null;
        })
        .then((b) => {
          if (!alive || !b) return;
          setError(null);
          setTiles(b.matrices);
          for (const m of b.matrices) if (m.id) s.emit('matrix:join', m.id);
        })
        .catch(() => undefined);
    s.on('matrix:plan', onPlan);
    s.on('matrix:cell', onCell);
    s.on('matrix:done', onDone);
    s.on('connect', load);
    void load();
    return () => {
      alive = false;
      s.off('matrix:plan', onPlan);
      s.off('matrix:cell', onCell);
      s.off('matrix:done', onDone);
      s.off('connect', load);
    };
  }, []);
  if (error) {
    return (
      <p className="mb-4 rounded-2xl border-l-[10px] border-red-500 bg-slate-900 p-5 text-lg text-red-300" role="alert" data-testid="wall-matrix-error">
        {error}
      </p>
    );
  }
  if (tiles.length === 0) return null;
  return (
    <ul className="mb-4 grid gap-4 xl:grid-cols-2" data-testid="wall-matrices">
      {tiles.map((m) => (
        <MatrixTile key={m.id} m={m} />
      ))}
    </ul>
  );
}
