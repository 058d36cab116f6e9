// How much of the walk a reachable verdict checked, in its summary: one clause for the pod path and the
// north-south one alike. Pure.
import type { Hop } from '../model';

/**
 * How much of the walk a reachable verdict checked: "every hop checked" only when no hop is `skip`; otherwise
 * "the end-to-end connect opened; src-node, dst-node not probed (why)", the hops grouped by the reason each
 * gives (its summary after "not probed: ", "not judged: " or "pod side only: node not probed (…)"). Pure.
 */
export function uncheckedClause(hops: Pick<Hop, 'id' | 'status' | 'summary'>[]): string {
  const byWhy = new Map<string, string[]>();
  for (const h of hops.filter((x) => x.status === 'skip')) {
    const s = h.summary ?? '';
    const why = shortReason(/^pod side only: node not probed \((.*)\)$/.exec(s)?.[1] ?? /(?:^|; )not (?:probed|judged): (.*)$/.exec(s)?.[1] ?? s);
    byWhy.set(why, [...(byWhy.get(why) ?? []), h.id]);
  }
  if (!byWhy.size) return 'every hop checked';
  return `the end-to-end connect opened; ${[...byWhy].map(([why, ids]) => `${ids.join(', ')} not probed${why ? ` (${why})` : ''}`).join('; ')}`;
}

/**
 * A hop's not-probed reason cut to its head for a summary; the hop's own line keeps it whole. Parentheses (a fix, a
 * detail) go, so does everything after the first ": " (the server's or kubelet's own words), and one node's debug
 * pod becomes "node debug pods", so the nodes refused alike share one clause: "node debug pods were refused by
 * admission", "node probes need create on pods and create on pods/exec in shop", "namespace nons does not exist".
 */
function shortReason(why: string): string {
  let s = why;
  for (let prev = ''; prev !== s; ) [prev, s] = [s, s.replace(/ ?\([^()]*\)/g, '')];
  s = s.split(': ')[0].split('; ')[0];
  s = s.replace(/\b(?:the )?node debug pod \S+ on \S+ (was|is)\b/g, (_, v: string) => `node debug pods ${v === 'was' ? 'were' : 'are'}`).replace(/\b(?:the )?node debug pod \S+ on \S+/g, 'node debug pods');
  return s.trim();
}
