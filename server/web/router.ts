// The routing both HTTP APIs of `serve` share (server/web/api.ts, server/matrix/web.ts): a table of routes, each
// one method and one path pattern, and the JSON answers every route writes — one error mapping for both.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClusterError, UsageError } from '../cluster/errors';
import { StoreError } from '../store/errors';
import { BodyTooLarge } from './body';

/** What every handler gets besides its API's own parts: the match of its route's pattern. */
export interface Matched {
  match: RegExpExecArray;
}

/** One route: `method` on the paths `path` matches (anchored; its groups reach the handler as `match`). */
export interface Route<C extends Matched> {
  method: string;
  path: RegExp;
  run: (c: C) => unknown;
}

/**
 * Runs the route of `routes` for the request's method and path, with `call` and the pattern's match. A path some
 * route matches, asked with a method none answers, gets 405 and an Allow header listing the methods that do (RFC
 * 9110 §15.5.6); a path none matches gets 404. Whatever a handler throws is answered by `failWith`. Never throws.
 */
export async function dispatch<C extends Matched>(routes: readonly Route<C>[], req: IncomingMessage, res: ServerResponse, path: string, call: Omit<C, 'match'>): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    const onPath = routes.filter((r) => r.path.test(path));
    const route = onPath.find((r) => r.method === method);
    if (route) await route.run({ ...call, match: route.path.exec(path) } as C);
    else if (onPath.length) {
      const allowed = onPath.map((r) => r.method);
      fail(res, 405, `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`, {}, { allow: allowed.join(', ') });
    } else fail(res, 404, `no API route ${method} ${path}`);
  } catch (e) {
    failWith(res, e);
  }
}

/** The server's own origin as the request named it (`http://HOST`), for the links an answer carries. */
export function origin(req: IncomingMessage): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}

/** Writes `body` as JSON with `status` (never cached). */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Writes `{error, ...extra}` with `status`. Bad input — every 400, and any answer that names a `field` (413, a
 * missing diagnosisId's 404) — always carries `{error, field, errors}` (docs/contracts.md): `errors` is every bad
 * field as `{field, error}`, the one problem when the caller found one, so a client reads one shape whoever refused.
 */
export function fail(res: ServerResponse, status: number, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  const body: Record<string, unknown> = { error, ...extra };
  if (status === 400 || 'field' in extra) {
    body.field ??= null;
    body.errors ??= [{ field: body.field, error }];
  }
  send(res, status, body, headers);
}

/**
 * The answer to an error a handler threw: a storage failure its own status with the file and the fix; bad input
 * 400 (413 for a body over the limit) with the field; a cluster error 502 with the fix and the API's status;
 * anything else 500 with its message.
 */
export function failWith(res: ServerResponse, e: unknown): void {
  if (e instanceof StoreError) return fail(res, e.status, e.message, { file: e.file, fix: e.fix, code: e.code });
  // the engine words its input errors for the CLI ("--to: Service shop/backend has no port 81"); the HTTP API names the field
  if (e instanceof UsageError) return fail(res, e instanceof BodyTooLarge ? e.status : 400, e.message.replace(/^--(from|to|context)\b(:? ?)/, '$1$2'), { field: e.field ?? fieldFromMessage(e.message) ?? null });
  if (e instanceof ClusterError) return fail(res, 502, e.message, { fix: e.fix, status: e.status ?? null });
  fail(res, 500, `internal error: ${(e as Error)?.message ?? String(e)}`);
}

/** UsageError messages start with the field ("to: …"); use it when the engine gave no field. */
function fieldFromMessage(m: string): string | undefined {
  const f = /^(from|to|context|--from|--to|--context)\b/.exec(m)?.[1];
  return f?.replace(/^--/, '');
}

/**
 * Makes `res` answer with status `code` whatever the handler after us sets when it succeeds (a 200 becomes `code`;
 * a redirect or an error it sets stays): for a page a framework renders with its own status (Next's app router
 * answers 200 for a page that shows "not found" client-side). Wraps writeHead (every answer goes through it,
 * implicit headers too) and pins `statusCode` for code that reads it.
 */
export function pinStatus(res: ServerResponse, code: number): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  let set = code;
  Object.defineProperty(res, 'statusCode', { configurable: true, get: () => set, set: (v: number) => void (set = v === 200 ? code : v) });
  res.writeHead = ((status: number, ...rest: unknown[]) => writeHead(status === 200 ? code : status, ...rest)) as ServerResponse['writeHead'];
}
