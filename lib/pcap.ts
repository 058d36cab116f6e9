// pcapng writer: the captures of one diagnosis merged into one file, one interface per capture point,
// named "<node or pod> <iface>" (if_name) and described by its filter (if_description), packets in time
// order. Pure (bytes out); the server serves it as GET /api/diagnoses/<id>/capture.pcap.
// Format: IETF draft-ietf-opsawg-pcapng (Section Header Block 0x0A0D0D0A, Interface Description Block 1,
// Enhanced Packet Block 6; options 2 = if_name, 3 = if_description; timestamps in microseconds, the default
// if_tsresol). `tcpdump -r` and Wireshark read it.

export interface PcapInterface {
  /** e.g. "worker-2 flannel.1" */
  name: string;
  description?: string;
  /** libpcap link type: 1 = Ethernet (EN10MB) */
  linkType: number;
  snaplen: number;
}

export interface PcapPacket {
  /** index into the interfaces */
  iface: number;
  /** seconds since the epoch */
  time: number;
  /** length on the wire */
  length: number;
  bytes: Uint8Array;
}

/** libpcap's link type numbers for the names tcpdump prints ("link-type EN10MB"). */
export const LINK_TYPES: Record<string, number> = { EN10MB: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 };

/**
 * A LINUX_SLL2 frame (`tcpdump -i any`) as LINUX_SLL (v1): the same packet type, hardware type and address and
 * protocol, without the interface index. A reader resolves SLL2's index against its OWN machine's interfaces
 * (tcpdump -r prints "ifb0", "?" and warns the names may be wrong), while the file already names each point's
 * interface in its own Interface Description Block. 4 bytes shorter; libpcap's sll.h gives both layouts.
 */
export function sll2ToSll(b: Uint8Array): Uint8Array {
  if (b.length < 20) return b;
  const out = new Uint8Array(b.length - 4);
  out[0] = 0;
  out[1] = b[10]; // packet type
  out.set(b.subarray(8, 10), 2); // ARPHRD type
  out[4] = 0;
  out[5] = b[11]; // address length
  out.set(b.subarray(12, 20), 6); // address
  out.set(b.subarray(0, 2), 14); // protocol
  out.set(b.subarray(20), 16);
  return out;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

class Writer {
  private parts: Uint8Array[] = [];
  size = 0;
  push(b: Uint8Array) {
    this.parts.push(b);
    this.size += b.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + body.length;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  b.set(body, 8);
  v.setUint32(total - 4, total, true);
  return b;
}

function options(opts: [number, Uint8Array][]): Uint8Array {
  const w = new Writer();
  for (const [code, value] of opts) {
    const h = new Uint8Array(4);
    const v = new DataView(h.buffer);
    v.setUint16(0, code, true);
    v.setUint16(2, value.length, true);
    w.push(h);
    w.push(value);
    w.push(new Uint8Array(pad4(value.length)));
  }
  if (opts.length) w.push(new Uint8Array(4)); // opt_endofopt
  return w.bytes();
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Writes a pcapng file (little-endian) with the interfaces and the packets in time order. */
export function writePcapng(ifaces: PcapInterface[], packets: PcapPacket[]): Uint8Array {
  const w = new Writer();
  // Section Header Block: byte-order magic, version 1.0, section length unknown (-1).
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, true);
  sv.setUint16(4, 1, true);
  sv.setUint16(6, 0, true);
  sv.setInt32(8, -1, true);
  sv.setInt32(12, -1, true);
  w.push(block(0x0a0d0d0a, shb));
  // libpcap (1.10) refuses a section whose interfaces differ in snapshot length ("an interface has a
  // snapshot length … different from … the first interface"), so every IDB carries the largest one.
  const snaplen = Math.max(0, ...ifaces.map((i) => i.snaplen));
  for (const i of ifaces) {
    const head = new Uint8Array(8);
    const hv = new DataView(head.buffer);
    hv.setUint16(0, i.linkType, true);
    hv.setUint32(4, snaplen, true);
    const opts = options([[2, utf8(i.name)], ...(i.description ? ([[3, utf8(i.description)]] as [number, Uint8Array][]) : [])]);
    const body = new Uint8Array(head.length + opts.length);
    body.set(head);
    body.set(opts, head.length);
    w.push(block(1, body));
  }
  const sorted = [...packets].sort((a, b) => a.time - b.time || a.iface - b.iface);
  for (const p of sorted) {
    const us = BigInt(Math.round(p.time * 1e6));
    const head = new Uint8Array(20);
    const hv = new DataView(head.buffer);
    hv.setUint32(0, p.iface, true);
    hv.setUint32(4, Number(us >> 32n), true);
    hv.setUint32(8, Number(us & 0xffffffffn), true);
    hv.setUint32(12, p.bytes.length, true);
    hv.setUint32(16, Math.max(p.length, p.bytes.length), true);
    const body = new Uint8Array(20 + p.bytes.length + pad4(p.bytes.length));
    body.set(head);
    body.set(p.bytes, 20);
    w.push(block(6, body));
  }
  return w.bytes();
}
