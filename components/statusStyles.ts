// Hop status and verdict → look, in one place. A Record over the unions, so a new status will not compile
// without its style (STYLE.md).
import type { HopStatus, Verdict } from '../lib/model';

export interface StatusLook {
  word: string;
  /** box around a hop */
  box: string;
  /** small filled dot / strip cell */
  fill: string;
  /** edge stroke colour (SVG) */
  stroke: string;
}

export const STATUS_LOOK: Record<HopStatus, StatusLook> = {
  pending: { word: 'pending', box: 'border-slate-300 bg-white text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300', fill: 'bg-slate-400 dark:bg-slate-600', stroke: '#94a3b8' },
  running: { word: 'probing', box: 'border-sky-400 bg-sky-50 text-sky-900 animate-probe dark:border-sky-400 dark:bg-sky-950 dark:text-sky-100', fill: 'bg-sky-400 animate-probe', stroke: '#38bdf8' },
  pass: { word: 'pass', box: 'border-emerald-500 bg-emerald-50 text-emerald-950 dark:border-emerald-500 dark:bg-emerald-950 dark:text-emerald-50', fill: 'bg-emerald-500', stroke: '#10b981' },
  warn: { word: 'warning', box: 'border-amber-500 bg-amber-50 text-amber-950 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-50', fill: 'bg-amber-400', stroke: '#f59e0b' },
  fail: { word: 'fail', box: 'border-red-500 bg-red-50 text-red-950 ring-2 ring-red-500/40 dark:border-red-500 dark:bg-red-950 dark:text-red-50', fill: 'bg-red-500', stroke: '#ef4444' },
  skip: { word: 'skipped', box: 'border-dashed border-slate-400 bg-slate-100 text-slate-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-400', fill: 'bg-slate-500/60', stroke: '#64748b' },
};

export interface VerdictLook {
  word: string;
  banner: string;
  tile: string;
}

export const VERDICT_LOOK: Record<Verdict, VerdictLook> = {
  running: { word: 'Probing…', banner: 'border-sky-400 bg-sky-50 text-sky-950 dark:bg-sky-950/60 dark:text-sky-50', tile: 'border-sky-500' },
  reachable: { word: 'Reachable', banner: 'border-emerald-500 bg-emerald-50 text-emerald-950 dark:bg-emerald-950/60 dark:text-emerald-50', tile: 'border-emerald-500' },
  unreachable: { word: 'Unreachable', banner: 'border-red-500 bg-red-50 text-red-950 dark:bg-red-950/60 dark:text-red-50', tile: 'border-red-500' },
  degraded: { word: 'Degraded', banner: 'border-amber-500 bg-amber-50 text-amber-950 dark:bg-amber-950/60 dark:text-amber-50', tile: 'border-amber-500' },
  undetermined: { word: 'Undetermined', banner: 'border-slate-400 bg-slate-100 text-slate-900 dark:bg-slate-900 dark:text-slate-100', tile: 'border-slate-500' },
  interrupted: { word: 'Interrupted', banner: 'border-slate-400 bg-slate-100 text-slate-900 dark:bg-slate-900 dark:text-slate-100', tile: 'border-slate-500' },
};

export const KIND_ICON: Record<string, string> = { pod: '◉', dns: '⌕', service: '⇄', veth: '⌇', node: '▣', overlay: '⇶', client: '◌', lb: '⚖', egress: '⇱', external: '◎' };
