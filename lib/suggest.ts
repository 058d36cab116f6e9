// "Did you mean …?": the names a mistyped one was probably meant to be — a pod, a Service, a flag. Edit distance
// from fastest-levenshtein (Myers' bit-parallel algorithm); the cut-off is ours.

import { distance } from 'fastest-levenshtein';

/**
 * Up to `max` of `candidates` close to `typed`, closest first (ties in the candidates' order): those within
 * an edit distance of one per three characters of `typed` (at least 1, at most 3: `backedn` → `backend`,
 * `fronted-0` → `frontend-0`), and those that contain `typed` or that it contains (`backend` for `backend-v2`),
 * whatever their distance. Case-insensitive; `typed` itself is never suggested. Pure; O(n·len) for n candidates.
 */
export function nearNames(typed: string, candidates: Iterable<string>, max = 3): string[] {
  const t = typed.toLowerCase();
  if (!t) return [];
  const limit = Math.min(3, Math.max(1, Math.floor(t.length / 3)));
  const scored: { name: string; d: number }[] = [];
  for (const name of new Set(candidates)) {
    const n = name.toLowerCase();
    if (n === t) continue;
    const d = distance(t, n);
    const contains = t.length >= 3 && (n.includes(t) || t.includes(n));
    if (d <= limit || contains) scored.push({ name, d });
  }
  return scored.sort((a, b) => a.d - b.d).slice(0, max).map((s) => s.name);
}

/** " (did you mean a or b?)"-style tail for a sentence: `; did you mean X, Y or Z?`, or '' when nothing is near. */
export function didYouMean(near: readonly string[]): string {
  if (!near.length) return '';
  return `; did you mean ${near.length === 1 ? near[0] : `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}`}?`;
}

/**
 * The choices a sentence lists ("use one of: a, b, c"): at most `cap` of `names`, those near `typed` (nearNames)
 * first, then ", … and N more" for the rest, so that a kubeconfig of 200 contexts stays one readable line.
 */
export function someOf(names: readonly string[], typed = '', cap = 10): string {
  const near = typed ? nearNames(typed, names) : [];
  const ordered = [...new Set([...near, ...names])];
  const shown = ordered.slice(0, cap).join(', ');
  return ordered.length > cap ? `${shown}, … and ${ordered.length - cap} more` : shown;
}
