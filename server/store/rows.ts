// Rows read back from SQLite are checked, not cast (issue 9): a stored diagnosis passes the Diagnosis schema
// (lib/schema/diagnosis.ts) and a pin's spec the PinSpec schema before anything uses them. A row that does not
// is a StoreError naming the row, the field and the fix — never a page that crashes half-way through rendering.
import { z } from 'zod';
import type { Diagnosis } from '../../lib/model';
import type { PinSpec } from '../../lib/wall';
import { checkDiagnosis, schemaProblem } from '../../lib/schema/diagnosis';
import { StoreError } from './errors';

const PinSpecSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string(),
  to: z.string(),
  context: z.string().optional(),
  createdAt: z.string(),
  diagnosisId: z.string().optional(),
}) satisfies z.ZodType<PinSpec>;

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
