// Self cells of the matrix: a source that is (one of) its own destination. One source of truth for the page's grid
// (components/MatrixGrid.tsx), the wall's tiles and the CLI's table (renderMatrixTable), which all mark them: such a
// cell is not a path to another workload, so the open counts leave it out and say so.
// Also the one rule for the self cell the objects cannot judge (a pod reaching itself through its own Service while
// a NetworkPolicy isolates it for ingress): lib/matrix/predict.ts asks it per endpoint, the live matrix leaves such a
// cell unjudged (agree null) and a what-if leaves it neither cut nor opened (whatIfJudgement below).
import { policySelectsPod } from '../kube/networkPolicy';
import type { NetworkPolicy, Pod } from '../kube/types';
import { nsName } from '../kube/types';
import type { Change, MatrixTarget, Predicted } from './types';

/**
 * A cell whose source is (one of) its own destination:
 * - `hairpin`: a Service the source backs — the connect may come back to the source through its own Service, out
 *   through its veth and in again (the walk of this pair draws exactly that path: the source is the endpoint it picks);
 * - `own-ip`: the source's own pod port — the traffic never leaves its network namespace;
 * null otherwise.
 */
export type SelfKind = 'hairpin' | 'own-ip' | null;

export function selfKind(from: string, t: MatrixTarget): SelfKind {
  if (t.kind === 'pod') return `${t.namespace}/${t.name}` === from ? 'own-ip' : null;
  return (t.endpoints ?? []).some((e) => e.pod === from) ? 'hairpin' : null;
}

/** What the cell says about itself when it is a self cell: shown on the cell, in its tooltip and in the legend. */
export const SELF_WORD: Record<Exclude<SelfKind, null>, string> = {
  hairpin: 'self (hairpin)',
  'own-ip': 'self (own IP)',
};

/** The sentence before a self cell's explanation. */
export function selfSentence(kind: Exclude<SelfKind, null>, from: string, t: MatrixTarget): string {
  if (kind === 'own-ip') return `${SELF_WORD[kind]}: ${from} dialling its own IP; the traffic never leaves its network namespace`;
  const others = (t.endpoints ?? []).filter((e) => e.pod !== from).length;
  const also = others === 1 ? 'the other endpoint' : `one of the ${others} other endpoints`;
  return `${SELF_WORD[kind]}: ${from} backs this Service itself, so its walk is the hairpin back into it (pod → Service → itself)${others ? `; kube-proxy may also pick ${also}` : ''}`;
}

/**
 * The policies ("ns/name", sorted) that isolate `src` for ingress when `endpoint` is `src` itself — a Service hairpin
 * (pod → its own Service → itself) under isolation, which kube-proxy masquerades: whether policy admits it is
 * implementation-defined (kubernetes/kubernetes#95879, kubernetes-sigs/network-policy-api#343), so that endpoint
 * neither admits nor denies for sure. null when `endpoint` is another pod or nothing isolates `src`.
 */
export function isolatedHairpin(src: Pod, endpoint: Pod, policies: readonly NetworkPolicy[]): string[] | null {
  if (nsName(endpoint) !== nsName(src)) return null;
  const by = policies.filter((x) => policySelectsPod(x, endpoint, 'ingress')).map(nsName).sort();
  return by.length ? by : null;
}

/** Why an isolated hairpin is not judged, one clause. */
export function isolatedHairpinReason(from: string): string {
  return `${from} reaching itself through its own Service (hairpin) while isolated for ingress: the masqueraded source makes the outcome implementation-defined`;
}

/** What lib/matrix/predict.ts says of a cell, as far as judging a what-if needs it. */
export interface JudgedPrediction {
  predicted: Predicted;
  reason: string;
  /** the cell holds an isolated hairpin (isolatedHairpin): its prediction is not sure */
  hairpin?: boolean;
}

/**
 * A what-if's verdict on a cell, by the same rule as the live matrix: when today's or the after-change prediction
 * holds an isolated hairpin the cell is not judged — no change (neither cut nor opened, so not in the exit code) and
 * `unjudged` says why; otherwise the change (allow → deny is cut, deny → allow opened).
 */
export function whatIfJudgement(before: JudgedPrediction, after: JudgedPrediction): { change: Change; unjudged?: string } {
  if (before.hairpin || after.hairpin) {
    const side = before.hairpin && after.hairpin ? `today and after the change, ${after.reason}` : after.hairpin ? `after the change, ${after.reason}` : `today, ${before.reason}`;
    return { change: null, unjudged: `not judged: ${side}` };
  }
  if (before.predicted === after.predicted) return { change: null };
  return { change: before.predicted === 'allow' ? 'cut' : 'opened' };
}
