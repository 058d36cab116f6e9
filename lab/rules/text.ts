// Object text inside rule text (issue 10): iptables-restore and `nft -f` read their input line by line and
// token by token, so a name carrying a newline, a quote or a backslash could end the comment and add rules.
// The API validates names as kube-apiserver does (lab/api/validation.ts); this is the second wall: whatever
// reaches a rule comment is reduced to printable ASCII without quotes or backslashes and capped in length.

/** iptables' comment match holds at most 256 bytes (XT_MAX_COMMENT_LEN, including the NUL). */
export const MAX_RULE_COMMENT = 255;

/**
 * A comment text safe to place inside double quotes in iptables-restore or nft input: controls, non-ASCII,
 * `\` become `?`, `"` becomes `'`; longer than `max` bytes is cut and ends with `...`.
 */
export function ruleComment(text: string, max = MAX_RULE_COMMENT): string {
  let t = text.replace(/"/g, "'").replace(/[^\x20-\x7e]|\\/g, '?');
  if (t.length > max) t = `${t.slice(0, max - 3)}...`;
  return t;
}
