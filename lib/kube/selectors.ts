// Label selectors as Kubernetes defines them (apimachinery LabelSelectorAsSelector):
// matchLabels AND every matchExpression; an empty selector matches everything.
import type { LabelSelector, LabelSelectorRequirement, Labels } from './types';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** Why a selector is invalid (the API server would have rejected it), or null when it is fine. */
export function selectorError(sel: LabelSelector | null | undefined): string | null {
  for (const [i, r] of (sel?.matchExpressions ?? []).entries()) {
    if (!(OPERATORS as readonly string[]).includes(r.operator)) {
      return `matchExpressions[${i}].operator is "${r.operator}"; use one of ${OPERATORS.join(', ')}`;
    }
    const n = r.values?.length ?? 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) {
      return `matchExpressions[${i}] (${r.operator}) needs at least one value`;
    }
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) {
      return `matchExpressions[${i}] (${r.operator}) must have no values`;
    }
  }
  return null;
}

function requirementMatches(r: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(labels[r.key]);
    case 'NotIn':
      return !has || !values.includes(labels[r.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false; // an invalid selector selects nothing (the API server refuses it anyway)
  }
}

/** A LabelSelector (NetworkPolicy, Deployment…) against labels. `{}` matches all; null/absent matches all too —
 *  callers that give absent a different meaning (a NetworkPolicy peer, a Service) decide before calling. */
export function selectorMatches(sel: LabelSelector | null | undefined, labels: Labels | null | undefined): boolean {
  const l = labels ?? {};
  if (!sel) return true;
  if (selectorError(sel) !== null) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  return (sel.matchExpressions ?? []).every((r) => requirementMatches(r, l));
}

/** A Service's selector (a plain map). Absent, null or empty means "no selector": endpoints are managed by hand,
 *  so it selects no pods. */
export function serviceSelectorMatches(selector: Labels | null | undefined, labels: Labels | null | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

export function isEmptySelector(sel: LabelSelector | null | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** kubectl's way of printing a selector: `app=backend,tier in (a,b),!legacy`; empty → "" (everything). */
export function describeSelector(sel: LabelSelector | Labels | null | undefined): string {
  if (!sel) return '';
  const s = isLabelSelector(sel) ? sel : { matchLabels: sel };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of s.matchExpressions ?? []) {
    const vals = (r.values ?? []).join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${vals})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${vals})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator} (${vals})`);
  }
  return parts.join(',');
}

function isLabelSelector(s: LabelSelector | Labels): s is LabelSelector {
  const keys = Object.keys(s);
  return keys.length > 0 && keys.every((k) => k === 'matchLabels' || k === 'matchExpressions')
    && typeof (s as Record<string, unknown>)[keys[0]] !== 'string';
}

/** Labels printed like a selector: `app=frontend,tier=web`. */
export function describeLabels(labels: Labels | null | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}
