// The connectivity Matrix (lib/matrix/types.ts, DESIGN §7) as a zod schema (issue 9: data crossing a boundary is
// checked, not cast): what server/matrix/store.ts reads back from SQLite. The TypeScript types stay the source of
// the shape (`satisfies z.ZodType<Matrix>` below keeps the two from drifting); the literal unions come from the
// const arrays in lib/matrix/types.ts, and `depth` is the Diagnosis schema's own (lib/schema/diagnosis.ts), so a
// matrix and a diagnosis cannot disagree about what a depth is. Loose objects: a newer server may add a field,
// and an older one must still read the row. Pure.
import { z } from 'zod';
import { CHANGES, MATRIX_STATUSES, OBSERVATIONS, PREDICTIONS, TARGET_KINDS, type Matrix } from '../matrix/types';
import { DiagnosisSchema, schemaProblem } from './diagnosis';

const oneOf = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: (i) => `${JSON.stringify(i.input)} is not ${what} (${values.join(', ')})` });

const Predicted = oneOf(PREDICTIONS, 'a prediction');

export const MatrixGroupSchema = z.looseObject({
  id: z.string().min(1),
  namespace: z.string(),
  kind: z.string(),
  name: z.string(),
  pods: z.array(z.string()),
  probed: z.array(z.string()),
});

export const MatrixTargetSchema = z.looseObject({
  id: z.string().min(1),
  kind: oneOf(TARGET_KINDS, 'a target kind'),
  namespace: z.string(),
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  protocol: z.string(),
  ip: z.string(),
  group: z.string().optional(),
  walkTo: z.string(),
  endpoints: z.array(z.looseObject({ ip: z.string(), port: z.number().int().min(1).max(65535), pod: z.string().optional() })).optional(),
});

export const MatrixCellSchema = z.looseObject({
  from: z.string().min(1),
  to: z.string().min(1),
  predicted: Predicted,
  policies: z.array(z.string()),
  reason: z.string(),
  split: z.boolean().optional(),
  observed: oneOf(OBSERVATIONS, 'an observation').nullable(),
  agree: z.boolean().nullable(),
  explain: z.string().optional(),
  detail: z.string().optional(),
  endpoints: z.array(z.looseObject({ endpoint: z.string(), pod: z.string().optional(), observed: oneOf(OBSERVATIONS, 'an observation').nullable() })).optional(),
  partial: z.boolean().optional(),
  predictedAfter: Predicted.optional(),
  change: oneOf(CHANGES, 'a change').nullable().optional(),
});

export const MatrixSchema = z.looseObject({
  id: z.string().min(1).optional(),
  createdAt: z.iso.datetime({ error: 'must be an ISO 8601 time (new Date().toISOString())' }).optional(),
  context: z.string().optional(),
  namespaces: z.array(z.string()),
  sources: z.array(z.string()),
  targets: z.array(MatrixTargetSchema),
  cells: z.array(MatrixCellSchema),
  depth: DiagnosisSchema.shape.depth,
  groups: z.array(MatrixGroupSchema),
  allPods: z.boolean(),
  notes: z.array(z.string()),
  withPolicy: z.array(z.string()).optional(),
  status: oneOf(MATRIX_STATUSES, 'a matrix status').optional(),
}) satisfies z.ZodType<Matrix>;

/** `v` as a Matrix, or the first problem ("cells[3].observed: …") when it is not one. */
export function checkMatrix(v: unknown): { ok: true; value: Matrix } | { ok: false; error: string } {
  const r = MatrixSchema.safeParse(v);
  return r.success ? { ok: true, value: r.data as Matrix } : { ok: false, error: schemaProblem(r.error) };
}
