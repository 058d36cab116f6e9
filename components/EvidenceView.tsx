'use client';
// One evidence item: what ran, where, how it ended, what it printed, and the line to reproduce it.
// Cluster output is untrusted text: rendered as text in <pre>, never as HTML.
import type { Evidence } from '../lib/model';
import { CopyButton } from './CopyButton';
import { ClusterText } from './ClusterText';
import { pageText } from '../lib/text';

export function EvidenceView({ e }: { e: Evidence }) {
  const fromApi = e.command.length === 0; // read from API objects, not a process
  const ok = e.exitCode === 0 || !!e.stopped;
  const status = fromApi ? 'API objects' : e.stopped ? 'stopped after the connect' : e.timedOut ? 'timed out' : e.exitCode === null ? 'did not run' : `exit ${e.exitCode}`;
  const badge = fromApi ? 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100' : ok ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100' : 'bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100';
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-700" data-evidence={e.probe}>
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
        <span className="font-semibold">{e.probe}</span>
        <span className="text-slate-500 dark:text-slate-400"><ClusterText value={e.where} /></span>
        <span className={`rounded px-1.5 font-mono text-xs ${badge}`}>{status}</span>
        <span className="font-mono text-xs text-slate-500">{e.durationMs} ms</span>
        {e.truncated ? <span className="text-xs text-amber-600">output truncated</span> : null}
      </div>
      {e.finding ? <p className="mt-1 text-sm"><ClusterText value={e.finding} max={1000} /></p> : null}
      {e.command.length ? (
        <div className="mt-2 font-mono text-xs text-slate-600 dark:text-slate-300">
          <span className="select-none text-slate-400">$ </span>
          {e.command.join(' ')}
        </div>
      ) : null}
      <div className="mt-2 flex items-start gap-2">
        <code className="cluster-text block flex-1 overflow-x-auto whitespace-pre-wrap rounded bg-slate-100 px-2 py-1 font-mono text-xs dark:bg-slate-800" data-testid="reproduce">
          {pageText(e.reproduce)}
        </code>
        <CopyButton text={e.reproduce} label="Copy reproduce line" />
      </div>
      {e.stdout || e.stderr ? (
        <details className="mt-2">
          <summary className="cursor-pointer text-xs text-slate-500 hover:text-slate-800 dark:hover:text-slate-200">output ({e.stdout.length + e.stderr.length} bytes)</summary>
          {e.stdout ? <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-950 p-2 font-mono text-[11px] text-slate-100">{pageText(e.stdout)}</pre> : null}
          {e.stderr ? <pre className="mt-1 max-h-40 overflow-auto rounded bg-red-950 p-2 font-mono text-[11px] text-red-100">{pageText(e.stderr)}</pre> : null}
        </details>
      ) : null}
    </li>
  );
}
