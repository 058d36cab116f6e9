'use client';
// /wall: one strip per pinned path, large type, dark; flips live (socket.io `wall:update`). A tile that is not
// green says what changed since it was last green: which hops, and the objects that feed them.
import { useEffect, useState } from 'react';
import type { PinState } from '../lib/wall';
import { sinceText } from '../lib/wall';
import { getSocket } from './socket';
import { STATUS_LOOK, VERDICT_LOOK } from './statusStyles';
import { MatrixWallTiles } from './MatrixWallTiles';
import { ClusterText } from './ClusterText';
import { pageText } from '../lib/text';

function Tile({ t, now, onUnpin }: { t: PinState; now: number; onUnpin(id: string): void }) {
  const cur = t.current;
  const verdict = cur?.verdict ?? 'running';
  const green = verdict === 'reachable';
  const look = VERDICT_LOOK[verdict];
  return (
    <li
      data-testid="wall-tile"
      data-pin-id={t.pin.id}
      data-verdict={verdict}
      data-cause={cur?.firstFailure?.cause ?? ''}
      className={`flex flex-col gap-3 rounded-2xl border-l-[10px] bg-slate-900 p-5 ${look.tile}`}
    >
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="font-mono text-2xl font-semibold leading-snug text-slate-50 [overflow-wrap:anywhere]" title={pageText(`${t.pin.from} → ${t.pin.to}`)}>
            <ClusterText value={t.pin.from} /> <span className="text-slate-500">→</span> <ClusterText value={t.pin.to} />
          </div>
          <div className="mt-0.5 text-sm text-slate-400">{t.pin.context ? <>context <ClusterText value={t.pin.context} /></> : "the kubeconfig's current context"}</div>
        </div>
        <div className="shrink-0 whitespace-nowrap text-right">
          <div className={`text-3xl font-black ${green ? 'text-emerald-400' : verdict === 'degraded' ? 'text-amber-400' : verdict === 'running' ? 'text-sky-300' : 'text-red-400'}`}>{cur ? look.word : 'Waiting…'}</div>
          <div className="text-sm text-slate-400" data-testid="since">
            for {sinceText(t.lastChangeAt, now)}
          </div>
        </div>
      </div>
      <ol className="flex gap-1.5" aria-label="hops">
        {(cur?.hops ?? []).map((h) => (
          <li key={h.id} data-hop-id={h.id} data-status={h.status} title={pageText(`${h.id}: ${h.label} (${STATUS_LOOK[h.status].word})`)} className="min-w-0 flex-1">
            <div className={`h-5 rounded ${STATUS_LOOK[h.status].fill}`} />
            <div className="mt-1 text-center font-mono text-[12px] leading-tight text-slate-400 [overflow-wrap:anywhere]">{h.id}</div>
          </li>
        ))}
        {!cur ? <li className="h-5 flex-1 animate-pulse rounded bg-slate-700" /> : null}
      </ol>
      {cur?.error ? <p className="text-base text-amber-300">{cur.error}</p> : null}
      {cur?.firstFailure ? (
        <p className="text-lg text-slate-100">
          <span className="font-mono">{cur.firstFailure.hop}</span>: <ClusterText value={cur.firstFailure.reason} max={1000} />
        </p>
      ) : null}
      {t.change ? (
        <div className="rounded-lg bg-slate-800 p-3 text-sm text-slate-200" data-testid="wall-change">
          <div className="font-semibold">Since last green ({sinceText(t.change.since, now)} ago):</div>
          {t.change.hops.length ? (
            <div>
              hops{' '}
              {t.change.hops.map((h, i) => (
                <span key={h.id} className="font-mono">
                  {i ? ', ' : ''}
                  {h.id} {h.from}→{h.to}
                </span>
              ))}
            </div>
          ) : (
            <div>no hop status changed</div>
          )}
          {t.change.objects.length ? (
            <ul className="mt-1 space-y-1 font-mono text-xs">
              {t.change.objects.slice(0, 6).map((o) => (
                <li key={o.key}>
                  <span className="text-slate-400">{o.change}</span> {o.key}
                  {o.removed.map((l) => (
                    <div key={`-${l}`} className="pl-3 text-red-300">
                      − {l}
                    </div>
                  ))}
                  {o.added.map((l) => (
                    <div key={`+${l}`} className="pl-3 text-emerald-300">
                      + {l}
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          ) : (
            <div className="text-slate-400">no change in Services, EndpointSlices, NetworkPolicies or nodes — look at the dataplane (the red hop&apos;s evidence).</div>
          )}
        </div>
      ) : null}
      <div className="flex gap-3 text-sm">
        {cur?.diagnosisId ? (
          <a className="text-sky-300 underline" href={`/d/${cur.diagnosisId}`}>
            evidence
          </a>
        ) : null}
        <button type="button" className="text-slate-400 underline hover:text-slate-200" onClick={() => onUnpin(t.pin.id)}>
          unpin
        </button>
      </div>
    </li>
  );
}

export function Wallboard() {
  const [tiles, setTiles] = useState<PinState[] | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [connected, setConnected] = useState(true);

  useEffect(() => {
    const s = getSocket();
    const join = () => {
      setConnected(true);
      s.emit('wall:join');
    };
    const onUpdate = (e: { pins: unknown[] }) => setTiles(e.pins as PinState[]);
    const onDown = () => setConnected(false);
    s.on('connect', join);
    s.on('disconnect', onDown);
    s.on('wall:update', onUpdate);
    if (s.connected) join();
    fetch('/api/pins')
      .then((r) => (r.ok ? (r.json() as Promise<{ pins: PinState[] }>) : null))
      .then((b) => b && setTiles((cur) => cur ?? b.pins))
      .catch(() => undefined);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      s.off('connect', join);
      s.off('disconnect', onDown);
      s.off('wall:update', onUpdate);
      clearInterval(tick);
    };
  }, []);

  const unpin = (id: string) => {
    void fetch(`/api/pins/${encodeURIComponent(id)}`, { method: 'DELETE' }).then(() => setTiles((t) => t?.filter((x) => x.pin.id !== id) ?? null));
  };
  // counted in the tiles' own words: an unreachable path fails, a degraded one works with a finding standing
  const count = (v: string) => tiles?.filter((t) => t.current?.verdict === v).length ?? 0;
  const unreachable = count('unreachable');
  const degraded = count('degraded');
  const unknown = count('undetermined') + count('interrupted');

  return (
    <div className="min-h-screen bg-slate-950 p-6 text-slate-100">
      <header className="mb-5 flex items-baseline justify-between">
        <h1 className="text-3xl font-bold">
          packetwalk <span className="text-slate-500">wall</span>
        </h1>
        <div className="text-lg text-slate-300">
          {tiles ? [`${tiles.length} ${tiles.length === 1 ? 'path' : 'paths'}`, `${unreachable} unreachable`, ...(degraded ? [`${degraded} degraded`] : []), ...(unknown ? [`${unknown} undetermined`] : [])].join(' · ') : 'loading…'}
          {!connected ? <span className="ml-3 text-amber-400">reconnecting…</span> : null}
          <a href="/" className="ml-5 text-base text-sky-300 underline">
            new diagnosis
          </a>
        </div>
      </header>
      <MatrixWallTiles />
      {tiles && tiles.length === 0 ? (
        <div className="rounded-2xl border border-dashed border-slate-700 p-10 text-center text-xl text-slate-400" data-testid="wall-empty">
          No pinned paths yet. Open a diagnosis and press <span className="font-semibold text-slate-200">Pin to wall</span>; the server re-probes pinned paths on an interval.
        </div>
      ) : (
        <ul className="grid gap-4 xl:grid-cols-2" data-testid="wall">
          {(tiles ?? []).map((t) => (
            <Tile key={t.pin.id} t={t} now={now} onUnpin={unpin} />
          ))}
        </ul>
      )}
    </div>
  );
}
