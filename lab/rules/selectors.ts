// metav1.LabelSelector matching (matchLabels AND matchExpressions), as the API server defines it:
// an empty selector matches everything; a bad operator is an input error, never "no match".
import { RulesInputError } from './objects';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function matchesSelector(sel: LabelSelector | undefined, labels: Record<string, string>, where: string): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default:
        throw new RulesInputError(`${where}.matchExpressions[${i}].operator: ${JSON.stringify(e.operator)} is not In, NotIn, Exists or DoesNotExist`);
    }
  }
  return true;
}

/** Reject a malformed selector up front, even when no object would reach the bad expression. */
export function validateSelector(sel: unknown, where: string): LabelSelector | undefined {
  if (sel === undefined || sel === null) return undefined;
  if (typeof sel !== 'object' || Array.isArray(sel)) throw new RulesInputError(`${where}: expected a label selector object ({matchLabels, matchExpressions})`);
  const s = sel as LabelSelector;
  (s.matchExpressions ?? []).forEach((e, i) => {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e?.operator)) {
      throw new RulesInputError(`${where}.matchExpressions[${i}].operator: ${JSON.stringify(e?.operator)} is not In, NotIn, Exists or DoesNotExist`);
    }
    if ((e.operator === 'In' || e.operator === 'NotIn') && !(Array.isArray(e.values) && e.values.length > 0)) {
      throw new RulesInputError(`${where}.matchExpressions[${i}].values: ${e.operator} needs a non-empty list of values`);
    }
  });
  return s;
}
