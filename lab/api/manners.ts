// A real API server's manners (DESIGN §3.3), as the lab file sets them (`cluster.api`, `cluster.dnsDomain`,
// `cluster.dnsService`) and as the daemon reads them: start delays, latency, the namespace-scoped viewer,
// generated API-only objects for scale, and Go's strconv.ParseBool for boolean query parameters.
import type { LabCluster } from '../types';
import { MannersSchema, type Manners } from '../schema/manners';
import { firstProblem } from '../schema/problems';
import { badRequest } from './status';

/** Defaults when the lab file says nothing: a kubelet takes a few hundred ms to start a container. */
export const DEFAULT_START_DELAY_MS = 300;

type At = (field: string, problem: string, fix: string) => Error;

/**
 * The manners part of `cluster:`: `{api?, dnsDomain?, dnsService?}` checked by lab/schema/manners.ts (the lab
 * file reads them as part of `cluster:`). Errors name the field (`cluster.api.latencyMs`) and the fix through `at`.
 */
export function parseManners(c: Record<string, unknown>, at: At): Manners {
  const r = MannersSchema.safeParse(c);
  if (r.success) return r.data;
  const p = firstProblem(r.error, ['cluster']);
  throw at(p.field, p.problem, p.fix);
}

export const startDelayMs = (c: LabCluster | undefined) => c?.api?.startDelayMs ?? DEFAULT_START_DELAY_MS;
export const latencyMs = (c: LabCluster | undefined) => c?.api?.latencyMs ?? 0;

/**
 * A boolean query parameter as the API server reads it (Go's strconv.ParseBool): 1 t T TRUE true True,
 * 0 f F FALSE false False; absent or empty → undefined; anything else a 400 worded like the server's.
 */
export function parseBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** `limit` of a LIST: a positive integer, or undefined (0 or absent = everything). */
export function parseLimit(q: URLSearchParams): number | undefined {
  const v = q.get('limit');
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`limit: Invalid value: ${JSON.stringify(v)}: must be an integer`);
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** A continue token: the resourceVersion of the first page and the key the next page starts after (opaque to clients). */
export function encodeContinue(rv: number, after: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: after })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof o.rv === 'number' && typeof o.start === 'string') return { rv: o.rv, start: o.start };
  } catch {
    /* below */
  }
  throw badRequest('continue key is not valid: the continue token is malformed; start the list again without continue');
}
