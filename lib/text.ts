// Cluster text → terminal (issue 10): the one function every human output passes cluster-controlled text
// through (pod, Service and policy names, labels, probe output, API error messages). A name or an annotation
// can carry ESC sequences (clear the screen, set the window title, fake a prompt), BEL, C1 controls, or
// bidi overrides that make `evil‮txt.sh` read backwards; and one 10,000-character token makes every line
// explode. Here controls become visible escapes (`\x1b`, `\u202e`) and over-long tokens are cut with `…`.
// The page's equivalent is CSS (components/ClusterText: `unicode-bidi: isolate`, `overflow-wrap: anywhere`,
// truncation with the whole value in a title), the bundle's is fencing (server/web/bundle.ts).

/** Longest run of non-space characters kept whole in terminal output; longer ones end with `…`. */
export const MAX_TOKEN = 200;

/**
 * Characters that must never reach a terminal raw: C0 controls (incl. ESC, BEL), DEL, C1 controls,
 * bidi embeddings/overrides/isolates (U+202A–202E, U+2066–2069), the marks U+200E/U+200F/U+061C,
 * line/paragraph separators U+2028/2029, and the zero-width/format characters U+200B–U+200D, U+2060–U+2064, U+FEFF.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function escapeChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (c < 0x100) return `\\x${c.toString(16).padStart(2, '0')}`;
  return `\\u${c.toString(16).padStart(4, '0')}`;
}

/** Cuts every run of non-whitespace longer than `max` to `max - 1` characters plus `…` (code points, not UTF-16 units). */
export function capTokens(s: string, max = MAX_TOKEN): string {
  if (max < 2) max = 2;
  return s.replace(/\S+/gu, (tok) => {
    const cps = Array.from(tok);
    return cps.length > max ? `${cps.slice(0, max - 1).join('')}…` : tok;
  });
}

/**
 * One line of cluster text for a terminal: every control, C1, bidi and invisible format character becomes a
 * visible escape (`\x1b`, `\n`, `\u202e`), tokens longer than `maxToken` end with `…`.
 * Pure; safe on any input (non-strings are String()ed).
 */
export function termText(s: unknown, maxToken = MAX_TOKEN): string {
  return capTokens(String(s ?? '').replace(UNSAFE, escapeChar), maxToken);
}

/** Multi-line cluster text (probe output): like termText but newlines and tabs stay; CR and every other control is escaped. */
export function termBlock(s: unknown, maxToken = MAX_TOKEN): string {
  return capTokens(String(s ?? '').replace(UNSAFE_KEEP_LINES, escapeChar), maxToken);
}

/**
 * Cluster text for the page: like termBlock (controls, C1, bidi overrides/isolates and invisible format
 * characters become visible escapes, newlines and tabs stay) but no token is cut — the page wraps and truncates
 * with CSS and ClusterText. An RLO inside a pod name then shows as `\u202e` instead of reversing what follows.
 */
export function pageText(s: unknown): string {
  return String(s ?? '').replace(UNSAFE_KEEP_LINES, escapeChar);
}

/** True when `s` holds a character termText would escape (for tests and for the page's warnings). */
export function hasUnsafeText(s: string): boolean {
  return new RegExp(UNSAFE.source).test(s);
}

/**
 * `s` on one line (whitespace runs become one space), at most `max` characters: cut at the last word boundary
 * before the cap with "…" (never mid-word, unless one word is longer than the cap).
 */
export function clipAtWord(s: string, max = 300): string {
  const one = s.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const cut = one.slice(0, max - 1);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > max / 2 ? cut.slice(0, sp) : cut).replace(/[\s,;:.]+$/, '')}…`;
}
