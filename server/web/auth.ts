// Token auth: binding beyond loopback requires PACKETWALK_TOKEN (loopback is decided on resolved addresses in
// gate.ts, never by spelling); the same check guards HTTP and socket.io.
// A browser proves the token once with ?token=… (the server answers with an HttpOnly cookie), scripts send
// `Authorization: Bearer …`.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'pw_token';

function same(a: string, b: string): boolean {
  // hash first so lengths match and the comparison is constant-time
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** The token the request carries (Authorization bearer, cookie, or ?token=). */
export function presentedToken(req: Pick<IncomingMessage, 'headers' | 'url'>): { token?: string; fromQuery: boolean } {
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return { token: auth.replace(/^Bearer\s+/i, ''), fromQuery: false };
  const c = cookieValue(req.headers.cookie, COOKIE);
  if (c) return { token: c, fromQuery: false };
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  return q ? { token: q, fromQuery: true } : { fromQuery: false };
}

export function tokenOk(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected) return true;
  return presented !== undefined && same(expected, presented);
}
