// IPv4/IPv6 CIDR containment for NetworkPolicy ipBlock, without node built-ins.

/** Parses an IPv4 or IPv6 address into a bigint and its width (32/128), or null. */
export function parseIP(ip: string): { value: bigint; bits: 32 | 128 } | null {
  if (ip.includes(':')) return parseIPv6(ip);
  const m = ip.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return null;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = (v << 8n) | BigInt(o);
  }
  return { value: v, bits: 32 };
}

function parseIPv6(ip: string): { value: bigint; bits: 128 } | null {
  const zone = ip.indexOf('%');
  let s = zone >= 0 ? ip.slice(0, zone) : ip;
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = s.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  let tail: number[] = [];
  if (v4) {
    const p = parseIP(v4[2]);
    if (!p) return null;
    tail = [Number((p.value >> 16n) & 0xffffn), Number(p.value & 0xffffn)];
    s = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = [...head, ...rest].map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  if (groups.some(Number.isNaN)) return null;
  const total = groups.length + tail.length;
  if (halves.length === 1 && total !== 8) return null;
  if (halves.length === 2 && total > 7) return null;
  const fill = new Array<number>(8 - total).fill(0);
  const all = [...head.map((g) => parseInt(g, 16)), ...(halves.length === 2 ? fill : []), ...rest.map((g) => parseInt(g, 16)), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return { value: v, bits: 128 };
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
