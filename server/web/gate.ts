// The one request gate of `packetwalk serve` (issue 10): every HTTP request and every socket.io handshake
// passes here before the token check, the JSON API or Next.js see it.
//  - The path is normalised once (percent-decoding per segment, `.`/`..` collapsed) and the request goes on
//    with that path, so the token check and the router decide on the same thing. Encoded slashes or
//    backslashes, raw backslashes, `%` left after one decoding (double encoding) and control bytes are refused:
//    no later layer can normalise them into another route.
//  - `Host` must name this server: the bound address with its port, loopback names when bound to loopback,
//    this machine's addresses when bound to a wildcard, or a name the operator allowed (`--allowed-host`).
//    That stops DNS rebinding (a foreign name that resolves to 127.0.0.1).
//  - State-changing methods (POST/PUT/PATCH/DELETE) take only `application/json` bodies and refuse a foreign
//    `Origin` (or `Sec-Fetch-Site: cross-site`): a web page the operator visits cannot start diagnoses.
//    These hold with or without a token.
//  - Token-free static files are only real files inside the build's static directory (realpath checked).
// Loopback is decided on resolved addresses (`resolvesToLoopback`), never on how the name is spelt.
import type { IncomingMessage } from 'node:http';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';

/** A refused request: HTTP status and one sentence saying what to do. */
export interface GateRefusal {
  ok: false;
  status: number;
  error: string;
  /** what of the request is wrong, when it is one part of it (a 400's `field`) */
  field?: string;
}

/** An admitted request: the normalised request target to hand on, its decoded path, and whether it is a public static file. */
export interface GateAdmit {
  ok: true;
  /** normalised request target (path + query) in its original encoding, for req.url */
  url: string;
  /** the decoded path the decisions were made on */
  path: string;
  /** a real file under the build's static directory (served without the token) */
  isStatic: boolean;
}

export type GateDecision = GateAdmit | GateRefusal;

/**
 * Normalises a raw request target (`/a/./b/%2e%2e/c?x`) → `{ url: '/a/c?x', path: '/a/c' }`.
 * Refuses (with the reason) targets that are not origin-form, carry a backslash, an encoded `/` or `\`,
 * a `%` left after decoding once, malformed percent-encoding, or control bytes.
 */
export function normaliseTarget(raw: string): { ok: true; url: string; path: string } | { ok: false; reason: string } {
  if (!raw.startsWith('/')) return { ok: false, reason: 'the request target must be a path starting with /' };
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const search = q < 0 ? '' : raw.slice(q);
  if (rawPath.includes('\\')) return { ok: false, reason: 'backslash in the path' };
  if (search.includes('#')) return { ok: false, reason: '# in the request target' };
  const rawSegs = rawPath.split('/').slice(1);
  const outRaw: string[] = [];
  const outDec: string[] = [];
  for (let i = 0; i < rawSegs.length; i++) {
    const seg = rawSegs[i];
    let dec: string;
    try {
      dec = decodeURIComponent(seg);
    } catch {
      return { ok: false, reason: 'malformed percent-encoding in the path' };
    }
    if (dec.includes('/') || dec.includes('\\')) return { ok: false, reason: 'encoded slash or backslash in the path' };
    if (dec.includes('%')) return { ok: false, reason: 'percent-encoding left after decoding (double-encoded path)' };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(dec)) return { ok: false, reason: 'control character in the path' };
    const last = i === rawSegs.length - 1;
    if (dec === '.' || dec === '..') {
      if (dec === '..') {
        outRaw.pop();
        outDec.pop();
      }
      // a trailing dot segment leaves a directory path: keep the trailing slash as URL resolution does
      if (last) {
        outRaw.push('');
        outDec.push('');
      }
      continue;
    }
    outRaw.push(seg);
    outDec.push(dec);
  }
  return { ok: true, url: `/${outRaw.join('/')}${search}`, path: `/${outDec.join('/')}` };
}

/** True for an IPv4/IPv6 literal in 127.0.0.0/8, ::1 or ::ffff:127.x.x.x. */
export function isLoopbackAddress(addr: string): boolean {
  const a = addr.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(a) === 4) return a.startsWith('127.');
  if (isIP(a) === 6) {
    if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return !!m && m[1].startsWith('127.');
  }
  return false;
}

/**
 * Whether `host` (an address or a name) reaches loopback only: an address literal is checked as is, a name
 * is resolved (every address it resolves to must be loopback). A name that does not resolve is not loopback.
 */
export async function resolvesToLoopback(host: string, resolve: (h: string) => Promise<string[]> = defaultResolve): Promise<boolean> {
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h)) return isLoopbackAddress(h);
  let addrs: string[];
  try {
    addrs = await resolve(h);
  } catch {
    return false;
  }
  return addrs.length > 0 && addrs.every(isLoopbackAddress);
}

async function defaultResolve(h: string): Promise<string[]> {
  return (await lookup(h, { all: true, verbatim: true })).map((a) => a.address);
}

/** `name:port` (IPv6 bracketed, lower case) — the form Host headers and origins are compared in. */
function authority(name: string, port: number): string {
  const n = name.replace(/^\[|\]$/g, '').toLowerCase();
  return `${isIP(n) === 6 ? `[${n}]` : n}:${port}`;
}

/** Splits a Host header value into name and port (port defaults to `defaultPort`); null when malformed. */
export function parseHostHeader(value: string, defaultPort = 80): { name: string; port: number } | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/@\s]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return null;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (m[2] !== undefined && (port < 1 || port > 65535)) return null;
  return { name: m[1].replace(/^\[|\]$/g, '').replace(/\.$/, ''), port };
}

export interface GateOptions {
  /** the --host the server binds */
  host: string;
  /** whether the bind address reaches loopback only (resolvesToLoopback) */
  loopback: boolean;
  /** `--allowed-host` values: `name` (any port) or `name:port` */
  allowedHosts?: string[];
  /** the build's static directory (…/.next/static); token-free files must be real files inside it */
  staticDir?: string;
  /** addresses of this machine, for wildcard binds (default: os.networkInterfaces()) */
  localAddresses?: () => string[];
}

/**
 * Headers on every answer: no framing by another site (clickjacking the Run again / Pin buttons), no MIME
 * sniffing of bundle.md or JSON into HTML, no Referer carrying a `?token=` or a diagnosis id to other sites.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const WILDCARD = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/** The gate; `listening(port)` must be called once the server has its port. */
export class Gate {
  private port = 0;
  private exact = new Set<string>();
  private anyPort = new Set<string>();
  private staticReal: string | undefined;

  constructor(private readonly o: GateOptions) {
    for (const a of o.allowedHosts ?? []) {
      const p = parseHostHeader(a, -1);
      if (!p) throw new Error(`--allowed-host ${a}: not a host name or address (NAME or NAME:PORT, e.g. dash.example.org)`);
      if (p.port === -1) this.anyPort.add(p.name);
      else this.exact.add(authority(p.name, p.port));
    }
    if (o.staticDir) {
      try {
        this.staticReal = realpathSync(o.staticDir);
      } catch {
        this.staticReal = undefined;
      }
    }
  }

  /** Records the port the server listens on and builds the set of names `Host` may carry. */
  listening(port: number): void {
    this.port = port;
    const names = [this.o.host];
    if (this.o.loopback) names.push('localhost', '127.0.0.1', '::1');
    if (WILDCARD.has(this.o.host)) {
      names.push('localhost', '127.0.0.1', '::1');
      const local = this.o.localAddresses?.() ?? Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address.replace(/%.*$/, '')));
      names.push(...local);
    }
    for (const n of names) this.exact.add(authority(n, port));
  }

  /** Whether a `name[:port]` (Host header or an origin's authority) names this server. */
  hostAllowed(value: string | undefined, defaultPort = 80): boolean {
    if (!value) return false;
    const p = parseHostHeader(value, defaultPort);
    if (!p) return false;
    return this.exact.has(authority(p.name, p.port)) || this.anyPort.has(p.name);
  }

  /** Whether an `Origin` header value is this server (http/https with an allowed authority). */
  originAllowed(origin: string): boolean {
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    if (u.pathname !== '/' || u.username || u.password) return false;
    return this.hostAllowed(u.host, u.protocol === 'https:' ? 443 : 80);
  }

  private hostRefusal(req: IncomingMessage): GateRefusal | null {
    const host = req.headers.host;
    if (this.hostAllowed(host)) return null;
    return {
      ok: false,
      status: 421,
      error: `Host "${(host ?? '').slice(0, 100)}" is not this server's address; open it by its bound address, or start serve with --allowed-host NAME for a name you trust`,
    };
  }

  private originRefusal(req: IncomingMessage): GateRefusal | null {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) {
      return { ok: false, status: 403, error: `Origin "${origin.slice(0, 100)}" is not this server: requests that change state must come from the dashboard itself` };
    }
    if (origin === undefined && req.headers['sec-fetch-site'] === 'cross-site') {
      return { ok: false, status: 403, error: 'cross-site request refused: requests that change state must come from the dashboard itself' };
    }
    return null;
  }

  /** Decides one HTTP request (not socket.io); on admit, hand `url` on as req.url. */
  check(req: IncomingMessage): GateDecision {
    const n = normaliseTarget(req.url ?? '/');
    if (!n.ok) return { ok: false, status: 400, error: `bad request path: ${n.reason}; send the plain path (no encoded slashes or dot segments)`, field: 'path' };
    const hostBad = this.hostRefusal(req);
    if (hostBad) return hostBad;
    const method = (req.method ?? 'GET').toUpperCase();
    if (STATE_CHANGING.has(method)) {
      const originBad = this.originRefusal(req);
      if (originBad) return originBad;
      const hasBody = method !== 'DELETE' || Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (hasBody && !isJson(req.headers['content-type'])) {
        return { ok: false, status: 415, error: `${method} takes only Content-Type: application/json (got ${JSON.stringify((req.headers['content-type'] ?? 'none').slice(0, 60))})` };
      }
    }
    return { ok: true, url: n.url, path: n.path, isStatic: method === 'GET' || method === 'HEAD' ? this.isStaticFile(n.path) : false };
  }

  /** Decides a socket.io/engine.io handshake: the same Host and Origin rules (the token is checked by io.use). */
  checkSocket(req: IncomingMessage): GateRefusal | null {
    const hostBad = this.hostRefusal(req);
    if (hostBad) return hostBad;
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) return { ok: false, status: 403, error: `Origin "${origin.slice(0, 100)}" is not this server` };
    return null;
  }

  /** A decoded path under /_next/static/ that is a real file inside the build's static directory. */
  private isStaticFile(path: string): boolean {
    if (!this.staticReal || !path.startsWith('/_next/static/')) return false;
    try {
      const real = realpathSync(this.staticReal + path.slice('/_next/static'.length));
      return real.startsWith(this.staticReal + sep) && statSync(real).isFile();
    } catch {
      return false;
    }
  }
}

function isJson(ct: string | undefined): boolean {
  if (!ct) return false;
  const mime = ct.split(';')[0].trim().toLowerCase();
  return mime === 'application/json';
}
