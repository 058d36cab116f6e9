// The hops of a run that ended without its judgement (server/web/runs.ts: the deadline passed, the engine failed).
// Its own small module: the server's run registry loads it without the verdict library.
import type { Hop } from '../model';

/** `hops` with every one still `running` or `pending` made `skip` "not judged: WHY": no finished diagnosis shows a hop under way. Pure. */
export function stoppedHops(hops: readonly Hop[], why: string): Hop[] {
  return hops.map((h) => (h.status === 'running' || h.status === 'pending' ? { ...h, status: 'skip' as const, cause: null, summary: `not judged: ${why}` } : h));
}
