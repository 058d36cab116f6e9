// Cluster text on the page (issue 10), the page's side of lib/text: a name, reason or summary that came from the
// cluster is isolated for bidi (`unicode-bidi: isolate`, so an RLO in a pod name cannot reorder the sentence
// around it), may break anywhere (`overflow-wrap: anywhere`, so a 10,000-character token cannot widen the page),
// and is cut to `max` characters with `…`, the whole value in the title on hover. React escapes markup itself.
import { truncateText } from './clusterTextCut';

export function ClusterText({ value, max = 160, className = '', testId }: { value: unknown; max?: number; className?: string; testId?: string }) {
  const full = String(value ?? '');
  const { text, cut } = truncateText(full, max);
  return (
    <span className={`cluster-text ${className}`} title={cut ? full : undefined} data-testid={testId} data-truncated={cut ? 'true' : undefined}>
      {text}
    </span>
  );
}
