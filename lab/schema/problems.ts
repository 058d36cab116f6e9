// How the lab file's zod schemas (lab/schema/*.ts) speak: every issue carries a problem AND its fix, and
// parseLabFile (lab/spec.ts) turns the first issue into a LabFileError naming the document, the field path
// ("cluster.nodes[1]", `metadata.annotations["packetwalk/ready"]`) and the fix. zod keeps one message per
// issue, so the two travel in that message, joined by a separator a lab file does not hold (YAML forbids raw
// C0 control characters other than tab and newline; JSON.stringify escapes an escaped one): `says` builds the `error`
// option of a schema, `report` adds a custom issue from a superRefine, `firstProblem` splits them again.
import type { z } from 'zod';

const SEP = '\u001f';

/** A field's problem and how to fix it; `field` is the path as the file spells it. */
export interface Problem {
  path: PropertyKey[];
  field: string;
  problem: string;
  fix: string;
}

type Text = string | ((input: unknown) => string);
const text = (t: Text, input: unknown) => (typeof t === 'function' ? t(input) : t);

/** One zod message carrying both halves. */
export const message = (problem: string, fix: string): string => `${problem}${SEP}${fix}`;

/**
 * zod's `error` option: every failure of that schema (its type and its built-in checks: int, min, max, regex)
 * reads `problem` + `fix`; either may be a function of the offending input. Pass it to a `.refine` too, which
 * has its own. Unknown keys of a strict object read `unknownKey` when given (the key joins the path: `cluster.tunnel`).
 */
export function says(problem: Text, fix: Text, unknownKey?: { problem: string; fix: string }) {
  return {
    error: (iss: { code?: string; input?: unknown }) =>
      iss.code === 'unrecognized_keys' && unknownKey ? message(unknownKey.problem, unknownKey.fix) : message(text(problem, iss.input), text(fix, iss.input)),
  };
}

/** Adds a field + fix issue at `path` (relative to the value being refined). */
export function report(ctx: z.RefinementCtx, path: PropertyKey[], problem: string, fix: string): void {
  ctx.addIssue({ code: 'custom', path, message: message(problem, fix), input: undefined });
}

/** A path as the lab file spells it: `spec.containers[0].ports[1].name`, `metadata.annotations["a/b"]`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`))
    .join('')
    .replace(/^\./, '');
}

/** The inverse of fieldOf for the API server's field strings (lab/api/validation.ts: `spec.ports[0].name`). */
export function pathOf(field: string): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const m of field.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : m[3]);
  return out;
}

/** The first issue of a failed parse as a Problem, its path under `prefix`. */
export function firstProblem(e: z.ZodError, prefix: readonly PropertyKey[] = []): Problem {
  const i = e.issues[0];
  const path = [...prefix, ...i.path, ...(i.code === 'unrecognized_keys' ? [i.keys[0]] : [])];
  // the last separator: a problem may quote a value written with a YAML escape ("\x1f"); a fix is ours alone
  const at = i.message.lastIndexOf(SEP);
  const [problem, fix] = at >= 0 ? [i.message.slice(0, at), i.message.slice(at + 1)] : [i.message, 'see docs/contracts.md, "The lab file"'];
  return { path, field: fieldOf(path), problem, fix };
}
