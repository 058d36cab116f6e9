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

/**
 * Why probes did not run, as one line: the distinct reasons joined (joinClauses), and those that differ only in what
 * could not start — "the debug container … in shop/a cannot start: <the kubelet's words>", "the node debug pod … on
 * worker-1 cannot start: <the same words>" — said once: "the debug container … in shop/a and the node debug pod …
 * on worker-1 cannot start: <the kubelet's words>" (four footholds refused one image read four times before).
 */
export function joinReasons(reasons: readonly (string | null | undefined | false)[]): string {
  const groups = new Map<string, string[]>();
  const order: string[] = [];
  for (const r of reasons) {
    if (!r) continue;
    const m = /^(.+?) cannot start: (.+)$/s.exec(r.trim());
    const key = m ? `start:${m[2]}` : `whole:${r.trim()}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    const who = m ? m[1]! : r.trim();
    if (!groups.get(key)!.includes(who)) groups.get(key)!.push(who);
  }
  return joinClauses(order.map((k) => {
    const who = groups.get(k)!;
    if (k.startsWith('whole:')) return who[0]!;
    const names = who.length === 1 ? who[0]! : `${who.slice(0, -1).join(', ')} and ${who[who.length - 1]}`;
    return `${names} cannot start: ${k.slice('start:'.length)}`;
  }));
}
