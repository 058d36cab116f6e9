// IPv4 addresses and CIDRs as plain numbers: parsing, containment, overlap, the n-th address.
import { ipv4ToNumber, numberToIPv4 } from '../lib/ip';

export interface Cidr {
  base: number; // network address (host bits zero)
  bits: number; // prefix length
}

/** A dotted-decimal IPv4 address as a 32-bit unsigned number, or null (lib/ip, ipaddr.js). */
export function parseIp(s: string): number | null {
  return ipv4ToNumber(s.trim());
}

export const formatIp = numberToIPv4;

const mask = (bits: number) => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** Parses "10.244.0.0/16"; null when malformed or when host bits are set. */
export function parseCidr(s: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(String(s).trim());
  if (!m) return null;
  const ip = parseIp(m[1]);
  const bits = Number(m[2]);
  if (ip === null || bits > 32) return null;
  if ((ip & ~mask(bits)) >>> 0 !== 0) return null;
  return { base: ip, bits };
}

export const cidrSize = (c: Cidr) => 2 ** (32 - c.bits);
export const formatCidr = (c: Cidr) => `${formatIp(c.base)}/${c.bits}`;
export const cidrContains = (c: Cidr, ip: number) => ((ip & mask(c.bits)) >>> 0) === c.base;
export const cidrsOverlap = (a: Cidr, b: Cidr) => cidrContains(a, b.base) || cidrContains(b, a.base);

/** The i-th /`bits` subnet of `c` (i from 0). */
export function subnet(c: Cidr, bits: number, i: number): Cidr {
  return { base: (c.base + i * 2 ** (32 - bits)) >>> 0, bits };
}

/** The address at offset `i` inside `c` (0 = network address). */
export const nthIp = (c: Cidr, i: number) => formatIp((c.base + i) >>> 0);
