// The checks every probe argument passes before it becomes an argv element (lib/probes.ts calls them from
// each registry entry, issue 9): an argument that is not what its kind says is a ProbeArgError naming the
// probe, the argument and what it must be — never a string handed to a program. Pure.
// Addresses through lib/ip.ts (ipaddr.js); DNS names in RFC 1123 host form (RFC 1123 §2.1 letters, digits and
// hyphens per label, RFC 1035 §2.3.4 at most 63 per label and 253 in all); interface names as the kernel's
// IFNAMSIZ allows (15 bytes); BPF filters only in the grammar lib/plan/trace.ts writes (innerFilter/outerFilter).
import { isIPv4, isIPv6 } from './ip';
import type { ProbeArgs } from './probes';

/** A probe argument that is missing or not of its kind: `probe` and `arg` name it, the message says what it must be. */
export class ProbeArgError extends Error {
  override readonly name = 'ProbeArgError';
  constructor(
    readonly probe: string,
    readonly arg: keyof ProbeArgs,
    message: string,
  ) {
    super(message);
  }
}

/** A DNS host name: labels of letters, digits and inner hyphens, 1–63 each, 253 in all, one optional trailing dot. */
export function isHostname(s: string): boolean {
  const body = s.endsWith('.') ? s.slice(0, -1) : s;
  if (body.length < 1 || body.length > 253) return false;
  return body.split('.').every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

/** A kernel interface name (IFNAMSIZ 16 with its NUL): 1–15 of letters, digits and `_ . : @ -`. */
export const isIfaceName = (s: string): boolean => /^[A-Za-z0-9_.:@-]{1,15}$/.test(s);

const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
/** The largest size any probe takes (ping payload, bulk download bytes, capture snap length): 64 MiB. */
export const MAX_PROBE_SIZE = 64 << 20;

/**
 * True when `f` is a capture filter in the grammar lib/plan/trace.ts writes: parenthesised `and`/`or` of the
 * primitives `[PROTO] host ADDR`, `[PROTO] port N`, `PROTO` (tcp, udp, icmp) and the byte tests `PROTO[OFF]` / `PROTO[OFF:LEN]` `= N`
 * (N decimal or 0x hex of at most 8 digits). Anything else (a `not`, a `-`, an unknown word) is refused.
 */
export function isCaptureFilter(f: string): boolean {
  if (f.length > 1200) return false;
  const toks = f.match(/\(|\)|[^\s()]+/g);
  if (!toks || toks.join('').length !== f.replace(/\s+/g, '').length) return false;
  let i = 0;
  let depth = 0;
  const num = (t: string | undefined) => t !== undefined && (/^\d{1,10}$/.test(t) || /^0x[0-9a-f]{1,8}$/i.test(t));
  // expr := term (('and'|'or') term)* ; term := '(' expr ')' | primitive
  const term = (): boolean => {
    const t = toks[i++];
    if (t === '(') {
      depth++;
      if (!expr() || toks[i++] !== ')') return false;
      depth--;
      return true;
    }
    if (t === 'tcp' || t === 'udp' || t === 'icmp') {
      // `udp port 4789`: a protocol qualifying the port or host that follows
      if (toks[i] === 'port' || toks[i] === 'host') return term();
      return true;
    }
    if (t === 'host') {
      const a = toks[i++];
      return a !== undefined && (isIPv4(a) || isIPv6(a));
    }
    if (t === 'port') {
      const p = toks[i++];
      return p !== undefined && /^\d{1,5}$/.test(p) && isPort(Number(p));
    }
    if (t !== undefined && /^(tcp|udp|icmp)\[\d{1,3}(:[124])?\]$/.test(t)) return toks[i++] === '=' && num(toks[i++]);
    return false;
  };
  const expr = (): boolean => {
    if (!term()) return false;
    while (toks[i] === 'and' || toks[i] === 'or') {
      i++;
      if (!term()) return false;
    }
    return true;
  };
  return expr() && i === toks.length && depth === 0;
}

const shown = (v: unknown): string => JSON.stringify(typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…` : v);

/**
 * Checks one argument of `probe` and returns it: ip (IPv4 or IPv6 via lib/ip.ts), port and sport (1–65535),
 * size (integer 0–64 MiB), name (a DNS host name), iface (a kernel interface name), filter (the capture
 * grammar above), proto (tcp or udp). Throws ProbeArgError when it is missing or not of its kind.
 */
export function checkProbeArg<K extends keyof ProbeArgs>(probe: string, arg: K, v: ProbeArgs[K] | undefined): NonNullable<ProbeArgs[K]> {
  const bad = (what: string) => new ProbeArgError(probe, arg, `probe ${probe}: argument ${arg} ${shown(v)} is not ${what}`);
  if (v === undefined || v === null) throw new ProbeArgError(probe, arg, `probe ${probe} needs ${arg}`);
  switch (arg) {
    case 'ip':
      if (typeof v !== 'string' || !(isIPv4(v) || isIPv6(v))) throw bad('an IPv4 or IPv6 address');
      break;
    case 'port':
    case 'sport':
      if (typeof v !== 'number' || !isPort(v)) throw bad('a port between 1 and 65535');
      break;
    case 'size':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_PROBE_SIZE) throw bad(`a whole number of bytes between 0 and ${MAX_PROBE_SIZE}`);
      break;
    case 'name':
      if (typeof v !== 'string' || !isHostname(v)) throw bad("a DNS name (letters, digits, '-' and '.', labels of at most 63, 253 in all)");
      break;
    case 'iface':
      if (typeof v !== 'string' || !isIfaceName(v)) throw bad('an interface name (1–15 of letters, digits and _ . : @ -)');
      break;
    case 'filter':
      if (typeof v !== 'string' || !isCaptureFilter(v)) throw bad("a capture filter of packetwalk's own grammar (lib/plan/trace.ts)");
      break;
    case 'proto':
      if (v !== 'tcp' && v !== 'udp') throw bad('tcp or udp');
      break;
  }
  return v as NonNullable<ProbeArgs[K]>;
}
