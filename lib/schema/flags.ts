// Checks of the engine's options that both front ends take (`diagnose --debug-namespace`, `serve --debug-namespace`,
// $PACKETWALK_DEBUG_NAMESPACE): one sentence for one mistake, whichever command met it. Pure.
import { isDNS1123Label } from '../kube/names';

/**
 * Why `v` cannot be the namespace of packetwalk's node debug pods (an RFC 1123 label: lowercase letters, digits and
 * '-', at most 63, as the API server's own namespace validation), naming `flag`; undefined when it can.
 * e.g. `--debug-namespace: "Bad_NS" is not a namespace name (lowercase letters, digits and '-', at most 63)`.
 */
export function debugNamespaceProblem(v: string, flag = '--debug-namespace'): string | undefined {
  if (isDNS1123Label(v).length === 0) return undefined;
  const why = v.length > 63 ? `${v.length} characters, at most 63` : "lowercase letters, digits and '-', starting and ending with a letter or digit";
  return `${flag}: ${JSON.stringify(v)} is not a namespace name (${why})`;
}
