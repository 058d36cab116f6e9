// "Recent diagnoses" on the home page, pure: consecutive runs of the same pair with the same outcome fold into one
// row with a count (a retried diagnosis no longer repeats an identical-looking line), and each row says when it ran —
// "3 min ago" with the UTC time in its tooltip. The relative time needs "now": before the page knows it (the server
// render and the first client render) a row shows the UTC time, which is the same on both, so hydration agrees.

export interface RecentItem {
  id: string;
  createdAt: string;
  from: string;
  to: string;
  context?: string | null;
  verdict: string;
  cause: string | null;
}

export interface RecentRow {
  /** the newest run of the group: the row links to it */
  latest: RecentItem;
  /** how many consecutive runs the row stands for (1 = one run) */
  count: number;
  /** the oldest run's createdAt (= latest.createdAt when count is 1) */
  oldestAt: string;
  /** every run's id, newest first */
  ids: string[];
}

const sameRun = (a: RecentItem, b: RecentItem) => a.from === b.from && a.to === b.to && (a.context ?? null) === (b.context ?? null) && a.verdict === b.verdict && a.cause === b.cause;

/**
 * Folds consecutive items (newest first, as GET /api/diagnoses lists them) that are the same pair in the same context
 * with the same verdict and cause into one row. A different outcome in between starts a new row, so a pair that went
 * red and green again reads as three rows, not one.
 */
export function groupRecent(items: readonly RecentItem[], max = Infinity): RecentRow[] {
  const out: RecentRow[] = [];
  for (const it of items) {
    const last = out.at(-1);
    if (last && sameRun(last.latest, it)) {
      last.count++;
      last.oldestAt = it.createdAt;
      last.ids.push(it.id);
      continue;
    }
    if (out.length >= max) break;
    out.push({ latest: it, count: 1, oldestAt: it.createdAt, ids: [it.id] });
  }
  return out;
}

/** "2026-12-01 04:16:49 UTC": the same string wherever it is rendered (no locale, no time zone). */
export function utcTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * "just now", "45 s ago", "3 min ago", "2 h ago", "yesterday", "4 days ago"; past a week the UTC date
 * ("2026-11-20"). A time a little in the future (clock skew between server and browser) is "just now".
 */
export function relativeTime(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.floor((nowMs - t) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 7) return `${d} days ago`;
  return new Date(t).toISOString().slice(0, 10);
}

/** What a row's time says: relative once `nowMs` is known, else the UTC time (server render, first client render). */
export function rowTime(row: RecentRow, nowMs: number | null): { text: string; title: string } {
  const title = row.count > 1 ? `${row.count} runs, ${utcTime(row.oldestAt)} – ${utcTime(row.latest.createdAt)}` : utcTime(row.latest.createdAt);
  return { text: nowMs === null ? utcTime(row.latest.createdAt) : relativeTime(row.latest.createdAt, nowMs), title };
}
