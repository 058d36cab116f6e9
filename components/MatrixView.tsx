'use client';
// /matrix: pick namespaces (and a context), Run; the grid fills live over the socket (matrix:plan, matrix:cell,
// matrix:done folded by lib/matrix/events applyMatrixEvent). A click on a cell starts the walk for that pair
// and opens /d/<id>; a what-if upload overlays the cells a policy change would cut or open; "Pin to wall"
// puts a compact tile on /wall that the server re-probes.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { remember, remembered } from './remember';
import { useRouter, useSearchParams } from 'next/navigation';
import { cellKey, partialCount, summarize, walkTarget, type Matrix, type MatrixCell, type MatrixTarget } from '../lib/matrix';
import { applyMatrixEvent, type MatrixCellEvent, type MatrixDoneEvent, type MatrixPlanEvent } from '../lib/matrix/events';
import { getSocket } from './socket';
import { MatrixGrid, CELL_LOOK } from './MatrixGrid';

interface ApiError {
  error: string;
  fix?: string;
  field?: string;
}

async function call<T>(url: string, init?: RequestInit): Promise<{ ok: true; v: T } | { ok: false; e: ApiError }> {
  try {
    const r = await fetch(url, init);
    const body = (await r.json().catch(() => ({ error: `HTTP ${r.status}` }))) as T & ApiError;
    return r.ok ? { ok: true, v: body } : { ok: false, e: body };
  } catch (e) {
    return { ok: false, e: { error: `the packetwalk server did not answer (${(e as Error).message})` } };
  }
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * Joins the matrix's room and folds its events; `m` is null until the snapshot arrives. When the server has no
 * snapshot to give (ack null), GET /api/matrix/<id> says why: `error` is its sentence (not found, or a stored row
 * the server cannot read: 503 with the matrix, the field and the fix).
 */
function useLiveMatrix(id: string | null): { m: Matrix | null; error: string | null } {
  const [m, setM] = useState<Matrix | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!id) return;
    let alive = true;
    setM(null);
    setError(null);
    const s = getSocket();
    const why = () =>
      void call<Matrix>(`/api/matrix/${encodeURIComponent(id)}`).then((r) => {
        if (!alive) return;
        if (r.ok) setM((cur) => cur ?? r.v);
        else setError(r.e.error);
      });
    const join = () => s.emit('matrix:join', id, (snap) => (snap ? setM((cur) => (cur && cur.status === 'done' && snap.status !== 'done' ? cur : snap)) : why()));
    const onPlan = (e: MatrixPlanEvent) => e.id === id && setM((cur) => applyMatrixEvent(cur, { type: 'matrix:plan', payload: e }));
    const onCell = (e: MatrixCellEvent) => e.id === id && setM((cur) => applyMatrixEvent(cur, { type: 'matrix:cell', payload: e }));
    const onDone = (e: MatrixDoneEvent) => e.id === id && setM((cur) => applyMatrixEvent(cur, { type: 'matrix:done', payload: e }));
    s.on('connect', join);
    s.on('matrix:plan', onPlan);
    s.on('matrix:cell', onCell);
    s.on('matrix:done', onDone);
    if (s.connected) join();
    return () => {
      alive = false;
      s.off('connect', join);
      s.off('matrix:plan', onPlan);
      s.off('matrix:cell', onCell);
      s.off('matrix:done', onDone);
    };
  }, [id]);
  return { m, error };
}

export function MatrixView() {
  const router = useRouter();
  const params = useSearchParams();
  const id = params.get('id');
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string[]>(() => (params.get('n') ?? '').split(',').filter(Boolean));
  const [contexts, setContexts] = useState<{ name: string }[]>([]);
  const [context, setContext] = useState<string>('');
  const [allPods, setAllPods] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [whatIf, setWhatIf] = useState<Matrix | null>(null);
  const [pinned, setPinned] = useState(false);
  const { m, error: loadError } = useLiveMatrix(id);
  useEffect(() => {
    // /matrix without an id opens the last run this browser made (the stored copy, live if it still runs)
    const last = remembered('matrix:last');
    if (!id && last) router.replace(`/matrix?id=${encodeURIComponent(last)}`);
  }, [id, router]);
  useEffect(() => {
    // a remembered run that is gone (the store was reset) is forgotten, so /matrix opens empty next time
    if (loadError && id && id === remembered('matrix:last')) remember('matrix:last', null);
  }, [loadError, id]);

  useEffect(() => {
    void call<{ contexts: { name: string }[]; current: string | null }>('/api/contexts').then((r) => {
      if (r.ok) {
        setContexts(r.v.contexts);
        setContext((c) => c || r.v.current || '');
      }
    });
  }, []);
  useEffect(() => {
    void call<{ namespaces: string[] }>(`/api/namespaces${context ? `?context=${encodeURIComponent(context)}` : ''}`).then((r) => r.ok && setNamespaces(r.v.namespaces));
  }, [context]);
  useEffect(() => {
    // a matrix opened by link shows its own namespaces in the picker
    if (m && chosen.length === 0) setChosen(m.namespaces);
  }, [m, chosen.length]);

  const run = async () => {
    setError(null);
    setWhatIf(null);
    setBusy(true);
    const r = await call<{ id: string }>('/api/matrix', post({ namespaces: chosen, ...(context ? { context } : {}), allPods }));
    setBusy(false);
    if (!r.ok) return setError(r.e);
    setPinned(false);
    remember('matrix:last', r.v.id);
    router.push(`/matrix?id=${r.v.id}`);
  };

  const open = useCallback(
    async (c: MatrixCell, t: MatrixTarget) => {
      setError(null);
      const r = await call<{ id: string }>('/api/diagnoses', post({ from: c.from, to: walkTarget(c.from, t), ...(m?.context ? { context: m.context } : {}) }));
      if (!r.ok) return setError(r.e);
      // the diagnosis page links back here (a cell click leaves the matrix)
      router.push(`/d/${r.v.id}${id ? `?matrix=${encodeURIComponent(id)}` : ''}`);
    },
    [m?.context, router, id],
  );

  const upload = async (file: File | undefined) => {
    if (!file || !m) return;
    setError(null);
    const policy = await file.text();
    const r = await call<Matrix>('/api/matrix/whatif', post({ namespaces: m.namespaces, ...(m.context ? { context: m.context } : {}), allPods: m.allPods, policy }));
    if (!r.ok) return setError(r.e);
    setWhatIf(r.v);
  };

  const pin = async () => {
    if (!m?.id) return;
    const r = await call<{ pinned: boolean }>(`/api/matrix/${m.id}/pin`, pinned ? { method: 'DELETE' } : post({}));
    if (!r.ok) return setError(r.e);
    setPinned(r.v.pinned);
  };

  const overlay = useMemo(() => (whatIf ? new Map(whatIf.cells.map((c) => [cellKey(c.from, c.to), c])) : undefined), [whatIf]);
  const s = m ? summarize(m) : null;
  const w = whatIf ? summarize(whatIf) : null;

  return (
    <div className="flex flex-col gap-5">
      <section className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold">Connectivity matrix</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Every pod of the namespaces × every Service port and pod port: what the NetworkPolicies predict, what real connects observe (a Service: its ClusterIP and each ready endpoint), and where they disagree.
        </p>
        <div className="mt-3 flex flex-wrap items-end gap-4">
          {contexts.length > 1 ? (
            <label className="flex flex-col text-sm">
              context
              <select className="mt-1 rounded border border-slate-300 bg-transparent px-2 py-1 dark:border-slate-700" value={context} onChange={(e) => setContext(e.target.value)}>
                {contexts.map((c) => (
                  <option key={c.name}>{c.name}</option>
                ))}
              </select>
            </label>
          ) : null}
          <fieldset className="flex flex-wrap gap-2 text-sm" data-testid="matrix-namespaces">
            <legend className="mb-1">namespaces</legend>
            {namespaces.map((n) => (
              <label key={n} className={`cursor-pointer rounded-full border px-3 py-1 ${chosen.includes(n) ? 'border-sky-500 bg-sky-50 text-sky-900 dark:bg-sky-950 dark:text-sky-100' : 'border-slate-300 dark:border-slate-700'}`}>
                <input type="checkbox" className="sr-only" checked={chosen.includes(n)} onChange={(e) => setChosen((cur) => (e.target.checked ? [...cur, n] : cur.filter((x) => x !== n)))} />
                {n}
              </label>
            ))}
          </fieldset>
          <label className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={allPods} onChange={(e) => setAllPods(e.target.checked)} /> every pod (not one per workload)
          </label>
          <button type="button" data-testid="matrix-run" disabled={busy || chosen.length === 0} onClick={() => void run()} className="rounded-lg bg-sky-600 px-4 py-1.5 font-semibold text-white disabled:opacity-50">
            {busy ? 'Starting…' : 'Run matrix'}
          </button>
        </div>
        {error ? (
          <p className="mt-3 text-sm text-red-600 dark:text-red-400" role="alert" data-testid="matrix-error">
            {error.error}
            {error.fix && !error.error.includes(error.fix) ? <span className="block text-slate-600 dark:text-slate-400">fix: {error.fix}</span> : null}
          </p>
        ) : null}
      </section>

      {id && !m && loadError ? (
        <p className="text-sm text-red-600 dark:text-red-400" role="alert" data-testid="matrix-load-error">
          {loadError}
        </p>
      ) : null}
      {id && !m && !loadError ? <p className="text-slate-500">Loading matrix {id}…</p> : null}
      {m ? (
        <section className="flex flex-col gap-3" data-testid="matrix" data-status={m.status ?? ''} data-id={m.id}>
          <div className="flex flex-wrap items-center gap-x-5 gap-y-2 text-sm">
            <span className="font-semibold" data-testid="matrix-summary">
              {m.status === 'running' ? 'probing… ' : ''}
              {s!.observed}/{s!.cells} observed · {s!.agree} agree ·{' '}
              <span className={s!.disagree ? 'text-red-600 dark:text-red-400' : ''}>{s!.disagree} disagree</span>
              {/* partial cells are disagreements too (the CLI counts them apart from timeout: the same words) */}
              {s!.partial ? (
                <span className="text-amber-700 dark:text-amber-300" data-testid="matrix-summary-partial" data-partial={s!.partial}>
                  , of which {partialCount(s!.partial)}
                </span>
              ) : null}
            </span>
            <span className="text-slate-500">
              {m.namespaces.join(', ')}
              {m.context ? ` · context ${m.context}` : ''}
            </span>
            {/* what "observed" means, so a green grid is not read as "every path is healthy" */}
            <span className="text-slate-500" data-testid="matrix-observed-means">
              observed: one small connect per cell (a TCP handshake, a UDP datagram): an MTU blackhole shows in a diagnosis of the pair
            </span>
            <span className="flex-1" />
            <label className="cursor-pointer rounded-lg border border-slate-300 px-3 py-1 dark:border-slate-700">
              What-if: upload NetworkPolicy YAML
              <input type="file" accept=".yaml,.yml,.json" className="sr-only" data-testid="matrix-whatif" onChange={(e) => void upload(e.target.files?.[0])} />
            </label>
            <button type="button" onClick={() => void pin()} data-testid="matrix-pin" className="rounded-lg border border-slate-300 px-3 py-1 dark:border-slate-700">
              {pinned ? 'Unpin from wall' : 'Pin to wall'}
            </button>
          </div>
          {whatIf ? (
            <div className="rounded-lg border border-fuchsia-300 bg-fuchsia-50 p-2 text-sm text-fuchsia-950 dark:border-fuchsia-800 dark:bg-fuchsia-950/40 dark:text-fuchsia-100" data-testid="matrix-whatif-summary">
              What-if ({(whatIf.withPolicy ?? []).join(', ')}): <b>{w!.cut} cut</b> (✂), <b>{w!.opened} opened</b> (↗){w!.unjudged ? <>, <b>{w!.unjudged} not judged</b> (a pod reaching itself through its own Service while isolated: hover the cell)</> : null} — predicted only, nothing was probed.{' '}
              <button type="button" className="underline" onClick={() => setWhatIf(null)}>
                clear
              </button>
            </div>
          ) : null}
          <MatrixGrid matrix={m} overlay={overlay} onOpen={(c, t) => void open(c, t)} />
          <ul className="flex flex-wrap gap-4 text-xs text-slate-600 dark:text-slate-400">
            {Object.entries(CELL_LOOK).map(([k, v]) => (
              <li key={k} className="flex items-center gap-1">
                <span className={`inline-flex h-4 min-w-[1.25rem] items-center justify-center rounded px-0.5 text-[10px] font-bold ${v.cls.replace('animate-pulse', '')}`} data-testid={`matrix-legend-${k}`}>
                  {v.mark}
                </span>
                {v.word}
              </li>
            ))}
            <li className="flex items-center gap-1" data-testid="matrix-legend-self">
              <span className="inline-flex h-4 items-center justify-center rounded border border-slate-400 px-1 text-[9px] font-semibold">↺ self</span>
              the source itself: through its own Service (hairpin) or on its own IP — not counted in &quot;N of M open&quot;
            </li>
          </ul>
          {m.notes.length ? (
            <ul className="list-disc pl-5 text-xs text-slate-500" data-testid="matrix-notes">
              {m.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
