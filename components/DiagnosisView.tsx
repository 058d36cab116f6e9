'use client';
// /d/<id>: the permalink. Live while the run goes on, from the store afterwards (and after a restart).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { Diagnosis, HopId } from '../lib/model';
import { compareRuns, type HopDiff } from '../lib/graph/compare';
import { useLiveDiagnosis } from './useLiveDiagnosis';
import { PathGraph } from './PathGraph';
import { HopPanel } from './HopPanel';
import { VerdictBanner } from './VerdictBanner';
import { CopyButton } from './CopyButton';
import { STATUS_LOOK } from './statusStyles';
import { ClusterText } from './ClusterText';
import { dialledPort, dialledProto } from '../lib/target';
import { sentElsewhereNote } from '../lib/graph/layout';

/** `matrix`: the matrix run this diagnosis was opened from (a cell click), linked back to above the title. */
export function DiagnosisView({ id, matrix }: { id: string; matrix?: string }) {
  const live = useLiveDiagnosis(id);
  const d = live.d;
  const router = useRouter();
  const [selected, setSelected] = useState<HopId | null>(null);
  const [busy, setBusy] = useState<'again' | 'pin' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  /** the diagnosis pinned from this page (the wall keeps one tile per path: a second pin would answer the same tile) */
  const [pinnedId, setPinnedId] = useState<string | null>(null);
  const pinned = !!d && pinnedId === d.id;
  const [previous, setPrevious] = useState<Diagnosis | null>(null);
  const select = useCallback((h: HopId) => setSelected((cur) => (cur === h ? null : h)), []);

  useEffect(() => {
    if (!d?.previousId) return;
    let alive = true;
    fetch(`/api/diagnoses/${encodeURIComponent(d.previousId)}`)
      .then((r) => (r.ok ? (r.json() as Promise<Diagnosis>) : null))
      .then((p) => alive && setPrevious(p))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [d?.previousId]);

  const diffs: HopDiff[] = useMemo(() => (previous && d && d.verdict !== 'running' ? compareRuns(previous.hops, d.hops) : []), [previous, d]);
  const changed = useMemo(() => new Set(diffs.map((x) => x.id)), [diffs]);
  const port = useMemo(() => (d ? dialledPort(d.spec.to, d.hops) : undefined), [d]);
  // the Service box marks where NAT really sent the traced packet; the hops are drawn to the plan's endpoint
  const sentElsewhere = useMemo(() => (d ? sentElsewhereNote(d.hops, d.trace) : undefined), [d]);
  const proto = useMemo(() => (d ? dialledProto(d.spec.to, d.hops) : undefined), [d]);

  if (live.notFound) {
    return (
      <div className="mx-auto max-w-xl rounded-xl border border-slate-300 p-6 dark:border-slate-700" data-testid="not-found">
        <h1 className="text-xl font-semibold">Diagnosis {id} not found</h1>
        <p className="mt-2 text-slate-600 dark:text-slate-300">This server has no diagnosis with that id. Permalinks are stored per server (its data directory); it may have been made elsewhere.</p>
        <a className="mt-4 inline-block text-sky-600 underline" href="/">
          Start a new diagnosis
        </a>
      </div>
    );
  }
  if (!d) {
    return <div className="h-[420px] animate-pulse rounded-xl bg-slate-200/60 dark:bg-slate-800/60" aria-busy="true" aria-label="Loading diagnosis" />;
  }
  const hop = selected ? d.hops.find((h) => h.id === selected) : undefined;

  const runAgain = async () => {
    setBusy('again');
    setNote(null);
    const r = await fetch('/api/diagnoses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...d.spec, previousId: d.id }) });
    const body = (await r.json().catch(() => ({}))) as { id?: string; error?: string; fix?: string };
    setBusy(null);
    if (r.status === 201 && body.id) router.push(`/d/${body.id}`);
    else setNote(`${body.error ?? `HTTP ${r.status}`}${body.fix ? ` — ${body.fix}` : ''}`);
  };
  const pin = async () => {
    setBusy('pin');
    const r = await fetch('/api/pins', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ diagnosisId: d.id }) });
    const body = (await r.json().catch(() => ({}))) as { error?: string };
    setBusy(null);
    if (r.ok) setPinnedId(d.id);
    setNote(r.ok ? 'Pinned to the wallboard.' : (body.error ?? `HTTP ${r.status}`));
  };

  const link = typeof window !== 'undefined' ? `${window.location.origin}/d/${d.id}` : `/d/${d.id}`;
  return (
    <div className="flex flex-col gap-4">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          {matrix ? (
            <a href={`/matrix?id=${encodeURIComponent(matrix)}`} className="text-sm text-sky-700 hover:underline dark:text-sky-300" data-testid="back-to-matrix">
              ← back to the matrix
            </a>
          ) : null}
          <div className="text-xs uppercase tracking-wide text-slate-500">
            context <ClusterText value={d.cluster || d.spec.context || 'default'} /> · {new Date(d.createdAt).toLocaleString()}
            {!live.connected && d.verdict === 'running' ? <span className="ml-2 text-amber-600">reconnecting…</span> : null}
          </div>
          <h1 className="font-mono text-xl font-semibold" data-testid="spec">
            <ClusterText value={d.spec.from} /> <span className="text-slate-400">→</span> <ClusterText value={d.spec.to} />
            {proto && port === undefined ? <span data-testid="dialled-proto" title="the target named no protocol: the Service or pod port is UDP">/{proto}</span> : null}
            {port !== undefined ? <span className="ml-2 text-sm font-normal text-slate-500" data-testid="dialled-port" title="the target named no port: the Service's port the path was walked on">port {port}{proto ? `/${proto}` : ''}</span> : null}
          </h1>
        </div>
        <div className="flex flex-wrap gap-2">
          <CopyButton text={link} label="Copy link" caption="Copy link" className="!px-3 !py-1.5 !text-sm" />
          <button type="button" onClick={() => void runAgain()} disabled={busy !== null || d.verdict === 'running'} className="rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800" data-testid="run-again">
            {busy === 'again' ? 'Starting…' : 'Run again'}
          </button>
          <button type="button" onClick={() => void pin()} disabled={busy !== null || pinned} className="rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800" data-testid="pin">
            {pinned ? 'Pinned ✓' : 'Pin to wall'}
          </button>
          <a href={`/api/diagnoses/${d.id}/bundle.md?download`} className="rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
            Bundle .md
          </a>
          <a href={`/api/diagnoses/${d.id}/bundle.json`} className="rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
            JSON
          </a>
        </div>
      </header>
      {note ? (
        <p role="status" className="text-sm text-slate-700 dark:text-slate-300">
          {note}
        </p>
      ) : null}
      <VerdictBanner d={d} />
      {d.previousId ? (
        <div className="rounded-lg border border-fuchsia-300 px-4 py-2 text-sm dark:border-fuchsia-800" data-testid="run-diff">
          Re-run of{' '}
          <a className="font-mono text-sky-600 underline" href={`/d/${d.previousId}`}>
            {d.previousId}
          </a>
          {d.verdict === 'running' ? ': comparing when this run ends.' : diffs.length ? ': ' : ': no hop changed.'}
          {diffs.map((x, i) => (
            <span key={x.id}>
              {i ? ', ' : ''}
              <span className="font-mono">{x.id}</span> {x.before === 'absent' ? 'new' : STATUS_LOOK[x.before].word} → {x.after === 'absent' ? 'gone' : STATUS_LOOK[x.after].word}
            </span>
          ))}
        </div>
      ) : null}
      {sentElsewhere ? (
        <p className="rounded-lg border border-sky-300 bg-sky-50 px-4 py-2 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950/40 dark:text-sky-100" data-testid="sent-elsewhere">
          The hops are drawn to <b className="font-mono">
            <ClusterText value={sentElsewhere.drawn} />
          </b>; the traced packet went to <b className="font-mono">
            <ClusterText value={sentElsewhere.sent} />
          </b>, which the Service box marks &ldquo;sent here&rdquo;: kube-proxy picks an endpoint per connection.
        </p>
      ) : null}
      <PathGraph hops={d.hops} selected={selected} onSelect={select} changed={changed} {...(d.trace ? { trace: d.trace } : {})} />
      <p className="text-xs text-slate-500">Click a hop, or focus it with Tab and press Enter, to see its evidence.</p>
      {hop ? <HopPanel hop={hop} onClose={() => setSelected(null)} {...(d.trace ? { trace: d.trace } : {})} /> : null}
    </div>
  );
}
