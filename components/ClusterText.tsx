// Cluster text on the page (issue 10), the page's side of lib/text: a name, reason or summary that came from the
// cluster has its control and bidi characters shown as escapes (lib/text pageText: an RLO reads `\u202e`
// instead of reversing the text), is isolated for bidi (`unicode-bidi: isolate`), may break anywhere
// (`overflow-wrap: anywhere`, so a 10,000-character token cannot widen the page; after a dot, colon or slash first),
// and is cut to `max`
// characters with `…`, the whole (escaped) value in the title on hover. React escapes markup itself.
import { pageText } from '../lib/text';
import { truncateText } from './clusterTextCut';

export function ClusterText({ value, max = 160, className = '', testId }: { value: unknown; max?: number; className?: string; testId?: string }) {
  const full = pageText(value);
  const { text, cut } = truncateText(full, max);
  // a line break, where one is needed, after a dot, colon or slash first (`api.partner.` / `example:443`), before
  // `overflow-wrap: anywhere` breaks mid-word; <wbr> adds no text (copying and tests read the same string)
  // (only in long tokens: a short name never needs one)
  const parts = /[^\s]{17}/.test(text) ? text.split(/(?<=[^\s]{4}[.:/])(?=[^\s.:/])/) : [text];
  return (
    <span className={`cluster-text ${className}`} title={cut ? full : undefined} data-testid={testId} data-truncated={cut ? 'true' : undefined}>
      {parts.length > 1 && parts.length <= 200 ? parts.map((p, i) => (i ? [<wbr key={i} />, p] : p)) : text}
    </span>
  );
}
