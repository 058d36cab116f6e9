// The Diagnosis (lib/model.ts, DESIGN §5 "Diagnosis JSON") as a zod schema (issue 9: one schema layer where data
// crosses a boundary): what `diagnose --json` prints, what the store reads back, what the page receives. The
// TypeScript types in lib/model.ts stay the source of the shape; this schema is checked against them at compile
// time (`satisfies z.ZodType<Diagnosis>` below), so the two cannot drift apart silently. Pure.
// Unknown extra fields are kept (loose objects): a newer engine may add one, and an older reader must still read it.
import { z } from 'zod';
import { HOP_IDS, HOP_STATUSES, VERDICTS, type Diagnosis } from '../model';
import { CAUSES, WARNING_CAUSES, type CauseCode, type WarningCause } from '../causes';

const causeIds = [...Object.keys(CAUSES), ...Object.keys(WARNING_CAUSES)] as [CauseCode | WarningCause, ...(CauseCode | WarningCause)[]];
const Cause = z.enum(causeIds, { error: (i) => `${JSON.stringify(i.input)} is not a cause of lib/causes.ts` });
const HopIdSchema = z.enum(HOP_IDS, { error: (i) => `${JSON.stringify(i.input)} is not a hop id (${HOP_IDS.join(', ')})` });

export const EvidenceSchema = z.looseObject({
  probe: z.string(),
  where: z.string(),
  command: z.array(z.string()),
  reproduce: z.string(),
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  durationMs: z.number().nonnegative(),
  truncated: z.boolean().optional(),
  timedOut: z.boolean().optional(),
  stopped: z.boolean().optional(),
  finding: z.string(),
});

export const FindingSchema = z.looseObject({ hop: HopIdSchema, cause: Cause, reason: z.string(), nextStep: z.string().optional() });

export const HopSchema = z.looseObject({
  id: HopIdSchema,
  kind: z.enum(['pod', 'dns', 'service', 'veth', 'node', 'overlay', 'client', 'lb', 'egress', 'external']),
  label: z.string(),
  node: z.string().optional(),
  status: z.enum(HOP_STATUSES),
  cause: Cause.nullable(),
  summary: z.string(),
  expected: z.string().optional(),
  observed: z.string().optional(),
  nextStep: z.string().optional(),
  evidence: z.array(EvidenceSchema),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional(),
});

const TracePointSchema = z.looseObject({
  hop: HopIdSchema,
  node: z.string().optional(),
  iface: z.string(),
  label: z.string(),
  encapsulated: z.boolean().optional(),
  seen: z.boolean().nullable(),
  replySeen: z.boolean().optional(),
  replyKinds: z.array(z.string()).optional(),
  resetSent: z.boolean().optional(),
  packets: z.number().int().nonnegative(),
  summary: z.string(),
  lines: z.array(z.string()),
  filter: z.string(),
  evidence: EvidenceSchema,
});

export const TraceSchema = z.looseObject({
  flow: z.string(),
  proto: z.enum(['tcp', 'udp']),
  points: z.array(TracePointSchema),
  lastSeen: z.looseObject({ hop: HopIdSchema, iface: z.string(), node: z.string().optional(), summary: z.string() }).nullable(),
  sentTo: z.string().optional(),
  elsewhere: z.array(z.string()).optional(),
  summary: z.string(),
  conntrack: z.array(z.looseObject({ node: z.string(), entries: z.array(z.string()), evidence: EvidenceSchema })).optional(),
  connect: EvidenceSchema.optional(),
  stale: z.array(z.looseObject({ node: z.string(), flow: z.string(), target: z.string(), reason: z.string(), evidence: EvidenceSchema })).optional(),
  missing: z.array(z.string()).optional(),
});

export const DiagnosisSchema = z.looseObject({
  id: z.string().min(1),
  createdAt: z.iso.datetime({ error: 'must be an ISO 8601 time (new Date().toISOString())' }),
  finishedAt: z.iso.datetime({ error: 'must be an ISO 8601 time (new Date().toISOString())' }).optional(),
  cluster: z.string(),
  spec: z.looseObject({ from: z.string(), to: z.string(), context: z.string().optional() }),
  verdict: z.enum(VERDICTS),
  depth: z.enum(['live', 'config']),
  hops: z.array(HopSchema),
  firstFailure: FindingSchema.nullable(),
  warnings: z.array(FindingSchema),
  summary: z.string().optional(),
  previousId: z.string().optional(),
  trace: TraceSchema.optional(),
  notRead: z.array(z.string()).optional(),
}) satisfies z.ZodType<Diagnosis>;

/** The first problem of a failed parse as "field.path: what it must be" (the path as JSON would name it). */
export function schemaProblem(e: z.ZodError): string {
  const i = e.issues[0];
  const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path || '(the whole value)'}: ${i.message}`;
}

/** `v` as a Diagnosis, or the first problem ("hops[2].status: …") when it is not one. */
export function checkDiagnosis(v: unknown): { ok: true; value: Diagnosis } | { ok: false; error: string } {
  const r = DiagnosisSchema.safeParse(v);
  return r.success ? { ok: true, value: r.data as Diagnosis } : { ok: false, error: schemaProblem(r.error) };
}
