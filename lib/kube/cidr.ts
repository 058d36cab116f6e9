// IPv4/IPv6 CIDR containment for NetworkPolicy ipBlock, without node built-ins (addresses parsed by lib/ip).
import { ipToBigInt } from '../ip';

/** Parses an IPv4 or IPv6 address into a bigint and its width (32/128), or null (lib/ip, ipaddr.js). */
export function parseIP(ip: string): { value: bigint; bits: 32 | 128 } | null {
  return ipToBigInt(ip);
}

export interface Cidr {
  text: string;
  base: bigint;
  prefix: number;
  bits: 32 | 128;
}

export function parseCidr(text: string): Cidr | null {
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined) return null;
  const ip = parseIP(addr);
  if (!ip) return null;
  const prefix = len === undefined ? ip.bits : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= ip.bits)) return null;
  const shift = BigInt(ip.bits - prefix);
  return { text, base: (ip.value >> shift) << shift, prefix, bits: ip.bits };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const p = parseIP(ip);
  if (!p || p.bits !== c.bits) return false;
  const shift = BigInt(c.bits - c.prefix);
  return (p.value >> shift) << shift === c.base;
}
