// What a socket's client sends is checked, not trusted (issue 9): the join events' arguments go through one zod
// schema each (an id of the right form) before a room is joined or a snapshot sent; the ack is called only when
// the client sent a function. Ids: diagnoses as server/web/runs.ts makes them, matrices as server/matrix does.
import { z } from 'zod';
import { ID_RE } from './runs';
import { MATRIX_ID_RE } from '../matrix';

export const DiagnosisIdSchema = z.string().regex(ID_RE);
export const MatrixIdSchema = z.string().regex(MATRIX_ID_RE);

/**
 * A join's (id, ack) as received: `id` when it passes `schema` (else null: the caller acks null and joins
 * nothing), `ack` only when it is a function (a client may send anything, or nothing, in its place).
 */
export function joinArgs<T>(schema: z.ZodType<string>, id: unknown, ack: unknown): { id: string | null; ack: (v: T) => void } {
  const r = schema.safeParse(id);
  return { id: r.success ? r.data : null, ack: typeof ack === 'function' ? (ack as (v: T) => void) : () => undefined };
}
