'use client';
// The side panel of one hop: summary, expected vs observed, its cause and next step, every evidence item.
import { useCallback } from 'react';
import type { Hop, Trace } from '../lib/model';
import { CAUSES, WARNING_CAUSES, isCauseCode, isWarningCause } from '../lib/causes';
import { STATUS_LOOK } from './statusStyles';
import { EvidenceView } from './EvidenceView';
import { ClusterText } from './ClusterText';
import { StepText } from './StepText';
import { isStatusFinding } from '../lib/verdict/finding';
import { timeOfDayLine } from '../lib/parse/tcpdump';

export function HopPanel({ hop, onClose, trace }: { hop: Hop; onClose(): void; trace?: Trace }) {
  // A click on a hop opens its panel below the graph; on a laptop screen that is below the fold, so the click
  // seemed to do nothing. Scroll just enough that the panel starts mid-screen, the graph still in sight above it.
  const shown = useCallback(
    (el: HTMLElement | null) => {
      const top = el?.getBoundingClientRect().top;
      if (top !== undefined && top > window.innerHeight - 160) window.scrollBy({ top: top - window.innerHeight / 2, behavior: 'smooth' });
    },
    [hop.id],
  );
  const points = trace?.points.filter((p) => p.hop === hop.id) ?? [];
  const look = STATUS_LOOK[hop.status];
  const cause = hop.cause && (isCauseCode(hop.cause) ? CAUSES[hop.cause] : isWarningCause(hop.cause) ? WARNING_CAUSES[hop.cause] : null);
  const details = Object.entries(hop.details ?? {});
  // what the judge read from each probe; a bare exit status says nothing the evidence card below does not
  const findings = hop.evidence.filter((e) => e.finding && !isStatusFinding(e.finding));
  return (
    <aside ref={shown} aria-label={`hop ${hop.id}`} data-testid="hop-panel" data-panel-hop={hop.id} className="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-start justify-between gap-2">
        <div>
          <div className="text-xs font-semibold uppercase tracking-wide text-slate-500">
            {hop.id}
            {hop.kind !== hop.id ? ` · ${hop.kind}` : ''}
            {hop.node ? ` · node ${hop.node}` : ''}
          </div>
          <h2 className="text-lg font-semibold leading-tight"><ClusterText value={hop.label} /></h2>
        </div>
        <button type="button" onClick={onClose} className="rounded px-2 text-lg leading-none text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" aria-label="Close hop panel">
          ×
        </button>
      </div>
      <div className={`rounded-lg border-2 px-3 py-2 text-sm ${look.box}`}>
        <span className="font-semibold">{look.word}</span>
        {hop.summary ? <> — <ClusterText value={hop.summary} max={1000} /></> : null}
      </div>
      {cause ? (
        <div className="text-sm">
          <div className="font-semibold">
            {cause.title} <span className="font-mono text-xs text-slate-500">({hop.cause})</span>
          </div>
          <p className="mt-1 text-slate-700 dark:text-slate-300">
            <span className="font-semibold">Next step: </span>
            <StepText text={hop.nextStep ?? cause.nextStep} />
          </p>
        </div>
      ) : null}
      {hop.expected || hop.observed ? (
        <dl className="grid grid-cols-[auto,1fr] gap-x-3 gap-y-1 text-sm">
          <dt className="text-slate-500">expected</dt>
          <dd>{hop.expected ?? '—'}</dd>
          <dt className="text-slate-500">observed</dt>
          <dd>{hop.observed ?? '—'}</dd>
        </dl>
      ) : null}
      {details.length ? (
        <dl className="grid grid-cols-[auto,1fr] gap-x-3 gap-y-0.5 font-mono text-xs">
          {details.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd className="break-all">{Array.isArray(v) ? v.join(', ') : String(v)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {points.length ? (
        <div data-testid="hop-capture">
          <h3 className="text-sm font-semibold">Packet capture <span className="font-mono text-xs font-normal text-slate-500">{trace!.flow}</span> <span className="text-xs font-normal text-slate-500">(times UTC)</span></h3>
          <ul className="mt-1 flex flex-col gap-2">
            {points.map((p) => (
              <li key={`${p.node}/${p.iface}/${p.label}`} data-capture-point={p.label} data-seen={p.seen === null ? 'not-captured' : String(p.seen)} className="text-sm">
                <div>
                  <span className="font-semibold"><ClusterText value={p.label} /></span>
                  {p.encapsulated ? <span className="text-slate-500"> (outer, inside VXLAN)</span> : null}:{' '}
                  <span className={p.seen ? 'text-sky-700 dark:text-sky-300' : 'text-slate-500'}>{p.seen === null ? 'not captured' : p.seen ? 'seen' : 'not seen'}</span> — <ClusterText value={p.summary} max={400} />
                  {trace!.lastSeen && trace!.lastSeen.hop === p.hop && trace!.lastSeen.iface === p.iface && trace!.lastSeen.node === p.node ? <span className="ml-1 rounded bg-sky-600 px-1 text-[10px] font-bold text-white">last seen</span> : null}
                </div>
                {p.lines.length ? (
                  <pre className="mt-1 max-h-40 overflow-auto rounded bg-slate-100 p-2 font-mono text-[10.5px] leading-snug dark:bg-slate-800"><ClusterText value={p.lines.map(timeOfDayLine).join('\n')} max={8000} /></pre>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {findings.length ? (
        <div>
          <h3 className="text-sm font-semibold">Findings</h3>
          <ul className="mt-1 list-disc pl-5 text-sm">
            {findings.map((e, i) => (
              <li key={`${e.probe}-${i}`}>
                <span className="font-mono text-xs text-slate-500">{e.probe}</span> <ClusterText value={e.finding} max={1000} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div>
        <h3 className="text-sm font-semibold">Evidence ({hop.evidence.length})</h3>
        {hop.evidence.length ? (
          <ul className="mt-2 flex flex-col gap-2">
            {hop.evidence.map((e, i) => (
              <EvidenceView key={`${e.probe}-${i}`} e={e} />
            ))}
          </ul>
        ) : (
          <p className="mt-1 text-sm text-slate-500">{hop.status === 'pending' || hop.status === 'running' ? 'Probes are still running for this hop.' : 'No probe ran at this hop.'}</p>
        )}
      </div>
    </aside>
  );
}
