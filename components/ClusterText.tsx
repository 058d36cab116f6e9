// Cluster text on the page (issue 10), the page's side of lib/text: a name, reason or summary that came from the
// cluster has its control and bidi characters shown as escapes (lib/text pageText: an RLO reads `\u202e`
// instead of reversing the text), is isolated for bidi (`unicode-bidi: isolate`), may break anywhere
// (`overflow-wrap: anywhere`, so a 10,000-character token cannot widen the page), and is cut to `max`
// characters with `…`, the whole (escaped) value in the title on hover. React escapes markup itself.
import { pageText } from '../lib/text';
import { truncateText } from './clusterTextCut';

export function ClusterText({ value, max = 160, className = '', testId }: { value: unknown; max?: number; className?: string; testId?: string }) {
  const full = pageText(value);
  const { text, cut } = truncateText(full, max);
  return (
    <span className={`cluster-text ${className}`} title={cut ? full : undefined} data-testid={testId} data-truncated={cut ? 'true' : undefined}>
      {text}
    </span>
  );
}
