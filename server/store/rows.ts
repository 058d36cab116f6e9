// Rows read back from SQLite are checked, not cast (issue 9): a stored diagnosis passes the Diagnosis schema
// (lib/schema/diagnosis.ts), a pin's spec the PinSpec schema, its wall state the PinState schema and a stored
// connectivity matrix (server/matrix/store.ts) the Matrix schema (lib/schema/matrix.ts) before anything uses
// them. A row that does not is a StoreError naming the row, the field and the fix — never a page that crashes
// half-way through rendering.
import { z } from 'zod';
import type { Diagnosis } from '../../lib/model';
import type { PinSpec, PinState } from '../../lib/wall';
import { checkDiagnosis, DiagnosisSchema, FindingSchema, HopSchema, schemaProblem } from '../../lib/schema/diagnosis';
import { checkMatrix } from '../../lib/schema/matrix';
import type { Matrix } from '../../lib/matrix/types';
import { StoreError } from './errors';

const PinSpecSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string(),
  to: z.string(),
  context: z.string().optional(),
  createdAt: z.string(),
  diagnosisId: z.string().optional(),
}) satisfies z.ZodType<PinSpec>;

// PinState (lib/wall.ts) as the wall scheduler saves it after each re-probe; hop ids, statuses and verdicts are
// the Diagnosis schema's own, so the two cannot disagree about what a hop or a verdict is.
const HopId = HopSchema.shape.id;
const HopStatus = HopSchema.shape.status;
const PinProbeSchema = z.looseObject({
  at: z.string(),
  verdict: DiagnosisSchema.shape.verdict,
  hops: z.array(z.looseObject({ id: HopId, status: HopStatus, cause: z.string().nullable(), label: z.string() })),
  firstFailure: FindingSchema.nullable(),
  objects: z.array(z.looseObject({ key: z.string(), lines: z.array(z.string()) })),
  diagnosisId: z.string().optional(),
  error: z.string().optional(),
});
const PinStateSchema = z.looseObject({
  pin: PinSpecSchema,
  current: PinProbeSchema.nullable(),
  lastGreen: PinProbeSchema.nullable(),
  lastChangeAt: z.string().nullable(),
  history: z.array(z.looseObject({ at: z.string(), verdict: DiagnosisSchema.shape.verdict })),
  change: z
    .looseObject({
      since: z.string(),
      hops: z.array(z.looseObject({ id: HopId, from: z.union([HopStatus, z.literal('absent')]), to: z.union([HopStatus, z.literal('absent')]) })),
      objects: z.array(z.looseObject({ key: z.string(), change: z.enum(['added', 'removed', 'changed']), removed: z.array(z.string()), added: z.array(z.string()) })),
    })
    .nullable(),
}) satisfies z.ZodType<PinState>;

const bad = (file: string, what: string, problem: string) =>
  new StoreError(503, `${what} in the store is not readable (${problem})`, file, `delete that row, or move ${file} aside to start an empty store`, 'EBADROW');

function json(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(file, what, `not JSON: ${(e as Error).message}`);
  }
}

/** The stored JSON of diagnosis `id` as a Diagnosis; StoreError (503, code EBADROW) naming the field when it is not one. */
export function diagnosisRow(text: string, id: string, file: string): Diagnosis {
  const what = `diagnosis ${JSON.stringify(id.slice(0, 40))}`;
  const r = checkDiagnosis(json(text, file, what));
  if (!r.ok) throw bad(file, what, r.error);
  return r.value;
}

/** A pin's stored spec; StoreError naming the field when it is not one. */
export function pinSpecRow(text: string, file: string): PinSpec {
  const r = PinSpecSchema.safeParse(json(text, file, 'a pin'));
  if (!r.success) throw bad(file, 'a pin', schemaProblem(r.error));
  return r.data as PinSpec;
}

/** A pin's stored wall state (what the last re-probes found); StoreError (503, EBADROW) naming the field when it is not one. */
export function pinStateRow(text: string, id: string, file: string): PinState {
  const what = `the wall state of pin ${JSON.stringify(id.slice(0, 40))}`;
  const r = PinStateSchema.safeParse(json(text, file, what));
  if (!r.success) throw bad(file, what, schemaProblem(r.error));
  return r.data as PinState;
}

/**
 * The stored JSON of matrix `id` (the `matrices` table, server/matrix/store.ts) as a Matrix; StoreError (503,
 * code EBADROW) naming the matrix and the field ("cells[3].observed: …") when it is not one, or not JSON.
 */
export function matrixRow(text: string, id: string, file: string): Matrix {
  const what = `matrix ${JSON.stringify(id.slice(0, 40))}`;
  const r = checkMatrix(json(text, file, what));
  if (!r.ok) throw bad(file, what, r.error);
  return r.value;
}
