// The cut ClusterText makes (pure, for tests): at most `max` code points, the last one `…` when cut.

/** `{ text, cut }`: `text` is `s` when it has at most `max` code points, else its first `max - 1` plus `…`. */
export function truncateText(s: string, max: number): { text: string; cut: boolean } {
  const cps = Array.from(s);
  if (cps.length <= max) return { text: s, cut: false };
  return { text: `${cps.slice(0, Math.max(1, max - 1)).join('')}…`, cut: true };
}
