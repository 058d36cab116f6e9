// Sentences joined into one line ("A; B"): the one place that knows a sentence's closing full stop goes before
// a separator, so "Allowed: … (ingress[0])." + "GET /bytes/100 …" reads "Allowed: … (ingress[0]); GET …",
// never ".;". Pure.

/** A trailing full stop that closes a sentence: not part of an ellipsis ("..."), nor an absolute DNS name ("backend.shop.svc.cluster.local."). */
function closingStop(s: string): boolean {
  if (!/[^.]\.$/.test(s)) return false;
  const last = /\S+$/.exec(s)?.[0] ?? '';
  // a name made absolute keeps its dot (an IPv4 address before a full stop does not: that dot ends the sentence)
  return !(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+\.$/.test(last) && !/^\d+(\.\d+){3}\.$/.test(last) && /[A-Za-z]/.test(last));
}

/** `s` without its closing full stop, for text that goes on after it ("…, so B"). */
export function endClause(s: string): string {
  const t = s.trimEnd();
  return closingStop(t) ? t.slice(0, -1) : t;
}

/**
 * Joins the non-empty clauses with `sep` ("; " unless told), dropping each closing full stop before a separator;
 * the last clause keeps its own ending.
 */
export function joinClauses(parts: readonly (string | null | undefined | false)[], sep = '; '): string {
  const kept = parts.map((p) => (p ? p.trim() : '')).filter(Boolean);
  return kept.map((p, i) => (i < kept.length - 1 ? endClause(p) : p)).join(sep);
}
