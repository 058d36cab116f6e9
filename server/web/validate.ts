// Input checks for POST /api/diagnoses (and POST /api/matrix, checkMatrixRequest): the message names the field and shows the accepted forms.
// The body's shape is a zod schema; the strings are read by the engine's own parsers (lib/target: parseSource,
// parseTarget), so the HTTP API, the CLI and the engine accept exactly the same sources and targets.
import { z } from 'zod';
import { parseSource, parseTarget, TARGET_FORMS as TARGET_FORMS_TEXT } from '../../lib/target';
import { isLabelName } from '../../lib/kube/names';
import { distance } from 'fastest-levenshtein';
import { didYouMean } from '../../lib/suggest';

export interface FieldError {
  field: string;
  error: string;
}

/** The target forms (lib/target.ts, one wording for the CLI's help and the HTTP API's errors), on one line. */
export const TARGET_FORMS = TARGET_FORMS_TEXT.replaceAll('\n', ' ');
const FROM_FORMS = 'NS/POD, node/NAME or outside (e.g. shop/frontend-0, node/worker-1)';

/** POST /api/diagnoses body: from and to as strings (checked below), context an optional kubeconfig context name. */
/** A missing field asks for it; a field of another type says it must be a string, then what it holds. */
const asString = (field: string, ask: string) => (iss: { input?: unknown }) => (iss.input === undefined ? `${field}: ${ask}` : `${field}: must be a string (got ${Array.isArray(iss.input) ? 'an array' : typeof iss.input}); ${ask}`);

export const DiagnosisRequest = z.object({
  from: z.string({ error: asString('from', `choose the source as ${FROM_FORMS}`) }).trim().min(1, { error: `from: choose the source as ${FROM_FORMS}` }),
  to: z.string({ error: asString('to', `type what the application dials: ${TARGET_FORMS}`) }).trim().min(1, { error: `to: type what the application dials: ${TARGET_FORMS}` }),
  context: z
    .string({ error: 'context: give a context name from the kubeconfig (GET /api/contexts lists them)' })
    .max(253, { error: 'context: give a context name from the kubeconfig (GET /api/contexts lists them)' })
    .optional(),
});

/** The fields of a POST /api/diagnoses body (docs/contracts.md; previousId: the run a re-run replaces). */
const SPEC_FIELDS = ['from', 'to', 'context', 'previousId'];

/** Strips the CLI flag spelling ("--to: ", "--to \"x\": ") from a lib/target message, for a field-named HTTP error. */
const reason = (m: string) => m.replace(/^--(from|to)\b:? ?/, '');

/**
 * Checks a POST /api/diagnoses (or a wall pin's) body. On bad input `e` is the first bad field in the order a
 * person fills the form in (from, to, context) and `errors` every bad field, one sentence each, so a form can
 * mark all of them at once (an empty form: both from and to).
 */
export function checkSpec(body: unknown): { ok: true; from: string; to: string; context?: string } | { ok: false; e: FieldError; errors: FieldError[] } {
  const failed = (errors: FieldError[]) => ({ ok: false as const, e: errors[0], errors });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return failed([{ field: 'body', error: 'body: send a JSON object {"from": "NS/POD", "to": "TARGET"}' }]);
  const r = DiagnosisRequest.safeParse(body);
  const errors: FieldError[] = [];
  const bad = (field: string) => errors.some((x) => x.field === field);
  const raw = body as Record<string, unknown>;
  // A misspelt field ("form", "contxt") would be ignored and the run started without it: name it, for the field it
  // was meant to be. Other extra fields are let through (a client may send more than this server reads).
  for (const k of Object.keys(raw)) {
    if (SPEC_FIELDS.includes(k)) continue;
    // (nearNames allows 1 edit for a name this short; a swapped pair, "form", is 2)
    const near = SPEC_FIELDS.filter((f) => distance(k.toLowerCase(), f.toLowerCase()) <= 2 && !Object.hasOwn(raw, f) && !bad(f));
    if (near.length) errors.push({ field: near[0], error: `${k}: is not a field of this request${didYouMean(near)} (the fields: ${SPEC_FIELDS.join(', ')})` });
  }
  if (!r.success) for (const issue of r.error.issues) if (!bad(String(issue.path[0] ?? 'body'))) errors.push({ field: String(issue.path[0] ?? 'body'), error: issue.message });
  const from = typeof raw.from === 'string' ? raw.from.trim() : '';
  const to = typeof raw.to === 'string' ? raw.to.trim() : '';
  if (from && !bad('from')) {
    const src = parseSource(from);
    if (!src.ok) errors.push({ field: 'from', error: `from: "${from.slice(0, 80)}" is not ${FROM_FORMS}: ${reason(src.error.message)}` });
  }
  if (to && !bad('to')) {
    const dst = parseTarget(to);
    if (!dst.ok) errors.push({ field: 'to', error: `to: "${to.slice(0, 80)}" is not a target (${reason(dst.error.message)}); use ${TARGET_FORMS}` });
  }
  // report fields in the order a person fills them in
  const order = ['body', 'from', 'to', 'context'];
  errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  if (errors.length || !r.success) return failed(errors);
  const context = r.data.context ? r.data.context : undefined;
  return { ok: true, from, to, ...(context ? { context } : {}) };
}

/** A namespace name as the HTTP API's matrix routes take it (lib/kube/names: the API server's rule). */
const NAMESPACES_FORM = 'a JSON list of namespace names, e.g. {"namespaces": ["shop"]}';
const MAX_MATRIX_NAMESPACES = 20;
/** a kubeconfig context name as the engines accept it (server/matrix/index.ts, server/diagnose/index.ts) */
const CONTEXT_RE = /^[A-Za-z0-9@._:/-]{1,253}$/;

/** What a JSON value is, for "got …" in a type error. */
const jsonKind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 80))}` : typeof v);

/**
 * Checks the body of POST /api/matrix and POST /api/matrix/whatif ({namespaces: string[], context?, allPods?}) before
 * anything is started or named: field + fix in the HTTP API's own words (a JSON list, GET /api/contexts), never the
 * CLI's flags. A string where the list belongs is named as such, with the list it should have been.
 */
export function checkMatrixRequest(body: unknown): { ok: true; namespaces: string[]; context?: string; allPods: boolean } | { ok: false; e: FieldError } {
  const failed = (field: string, error: string) => ({ ok: false as const, e: { field, error } });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return failed('body', 'body: send a JSON object {"namespaces": ["NS"]}');
  const b = body as Record<string, unknown>;
  const ns = b.namespaces;
  if (ns === undefined) return failed('namespaces', `namespaces: name the namespaces whose pods and Services make the matrix, as ${NAMESPACES_FORM}`);
  if (!Array.isArray(ns)) {
    const asList = typeof ns === 'string' && ns.trim() ? ` (send ${JSON.stringify(ns.split(/[\s,]+/).filter(Boolean))})` : '';
    return failed('namespaces', `namespaces: must be ${NAMESPACES_FORM} (got ${jsonKind(ns)})${asList}`);
  }
  if (ns.length === 0) return failed('namespaces', `namespaces: the list is empty; give at least one namespace, e.g. {"namespaces": ["shop"]}`);
  if (ns.length > MAX_MATRIX_NAMESPACES) return failed('namespaces', `namespaces: at most ${MAX_MATRIX_NAMESPACES} namespaces in one matrix (got ${ns.length})`);
  for (const [i, n] of ns.entries()) {
    if (typeof n !== 'string' || !isLabelName(n)) return failed('namespaces', `namespaces[${i}]: ${JSON.stringify(n)} is not a namespace name (lower-case letters, digits and -, at most 63)`);
  }
  const ctx = b.context;
  if (ctx !== undefined && ctx !== '' && (typeof ctx !== 'string' || !CONTEXT_RE.test(ctx))) return failed('context', `context: ${JSON.stringify(ctx)} is not a context name; give one from the kubeconfig (GET /api/contexts lists them)`);
  return { ok: true, namespaces: [...new Set(ns as string[])], ...(typeof ctx === 'string' && ctx ? { context: ctx } : {}), allPods: b.allPods === true };
}
