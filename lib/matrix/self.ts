// Self cells of the matrix: a source that is (one of) its own destination. One source of truth for the page's grid
// (components/MatrixGrid.tsx), the wall's tiles and the CLI's table (renderMatrixTable), which all mark them: such a
// cell is not a path to another workload, so the open counts leave it out and say so.
import type { MatrixTarget } from './types';

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
