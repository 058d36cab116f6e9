// IP addresses and CIDRs (lib/ip.ts), through one well-kept library (ipaddr.js) instead of hand-written parsers (issue 9).
// Strict forms only: IPv4 as four decimal parts ("10.0.0.1", never "10.1" or "0x0a.0.0.1", which some
// parsers accept and the kernel would read differently), IPv6 in any RFC 4291 text form, optional %zone.
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

/** True for a dotted-decimal IPv4 address ("10.244.1.5"); false for short, hex or octal forms. */
export function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
}

/** True for an IPv6 address in RFC 4291 text form (with or without a %zone). */
export function isIPv6(s: string): boolean {
  return s.includes(':') && ipaddr.IPv6.isValid(s);
}

/** 4, 6, or null when `s` is not an address in a strict form. */
export function ipFamily(s: string): Family | null {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : null;
}

/** An address as an unsigned integer and its width in bits (32 or 128), or null. */
export function ipToBigInt(s: string): { value: bigint; bits: 32 | 128 } | null {
  const fam = ipFamily(s);
  if (!fam) return null;
  const bytes = ipaddr.parse(s).toByteArray();
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { value: v, bits: fam === 4 ? 32 : 128 };
}

/** An IPv4 address as a 32-bit unsigned number, or null. */
export function ipv4ToNumber(s: string): number | null {
  if (!isIPv4(s)) return null;
  return ipaddr.IPv4.parse(s).toByteArray().reduce((n, b) => n * 256 + b, 0);
}

/** The dotted-decimal text of a 32-bit unsigned number. */
export function numberToIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface ParsedCidr {
  /** the network address (host bits cleared), as text */
  network: string;
  prefix: number;
  family: Family;
  /** true when the text had host bits set ("10.0.0.1/8"): Kubernetes and the kernel refuse or mask those */
  hostBits: boolean;
}

/** Parses "10.244.0.0/16" or "fd00::/64" (a bare address is a /32 or /128); null when malformed. */
export function parseCidr(s: string): ParsedCidr | null {
  const [addr, len, extra] = s.trim().split('/');
  if (extra !== undefined) return null;
  const family = ipFamily(addr);
  if (!family) return null;
  const max = family === 4 ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return null;
  const ip = ipaddr.parse(addr.split('%')[0]);
  const bytes = ip.toByteArray();
  const masked = bytes.map((b, i) => {
    const bitsLeft = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bitsLeft)) & 0xff);
  });
  const text = family === 4 ? masked.join('.') : ipaddr.fromByteArray(masked).toString();
  return { network: text, prefix, family, hostBits: masked.some((b, i) => b !== bytes[i]) };
}

/** The `n`th address of an IPv4 CIDR ("10.244.1.0/24", 1 → "10.244.1.1"); null for IPv6, a malformed CIDR or `n` past its end. */
export function cidrHost(cidr: string, n: number): string | null {
  const c = parseCidr(cidr);
  if (!c || c.family !== 4 || n < 0 || n >= 2 ** (32 - c.prefix)) return null;
  return numberToIPv4((ipv4ToNumber(c.network)! + n) >>> 0);
}

/** Whether `ip` lies inside `cidr` (same family only). */
export function cidrContains(cidr: ParsedCidr, ip: string): boolean {
  if (ipFamily(ip) !== cidr.family) return false;
  return ipaddr.parse(ip.split('%')[0]).match(ipaddr.parse(cidr.network), cidr.prefix);
}

/** Whether two CIDRs share any address. */
export function cidrsOverlap(a: ParsedCidr, b: ParsedCidr): boolean {
  return a.family === b.family && (cidrContains(a, b.network) || cidrContains(b, a.network));
}

/** The range class of an address: "loopback", "linkLocal", "multicast", "private", "unicast", … (ipaddr.js names). */
export function ipRange(ip: string): string | null {
  return ipFamily(ip) ? ipaddr.parse(ip.split('%')[0]).range() : null;
}
