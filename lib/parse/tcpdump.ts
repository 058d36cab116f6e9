// `tcpdump -i IFACE -nn -tt -e -xx -l -s SNAP -c N FILTER` (text mode, the engine's 'capture' probe in
// lib/probes.ts): per packet one header line (epoch seconds, MACs, tcpdump's own decode; a VXLAN packet
// adds a second line for the inner frame) and the captured bytes as hex (`-xx`: from the link header on).
// With `-i any` (every interface of the netns, link type LINUX_SLL2) each header line names the packet's
// interface and direction and the bytes start with the 20-byte SLL2 header; linesOn splits one interface out.
// Text is what travels over pods/exec safely (utf8 all the way); the hex keeps the real bytes, so
// lib/pcap.ts writes a pcapng that `tcpdump -r` reads, and decodePacket reads the flow facts (addresses,
// ports, TCP flags, ICMP errors, the VXLAN inner packet) from the bytes, never from tcpdump's prose.
// stderr carries "listening on IF, link-type EN10MB (Ethernet), snapshot length N bytes" and the counts.
// Fixtures: lib/parse/fixtures/tcpdump/*.txt, captured in the lab by capture-tcpdump.sh.
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

/** A packet's IPv4/IPv6 + L4 facts, read from its bytes. */
export interface DecodedIp {
  src: string;
  dst: string;
  /** 6 tcp, 17 udp, 1 icmp, 58 icmpv6, … */
  proto: number;
  sport?: number;
  dport?: number;
  /** TCP flags in tcpdump's letters: S, S., ., F., R, R., P. … */
  tcpFlags?: string;
  /** UDP/TCP payload length (bytes on the wire, from the IP total length) */
  payloadLength?: number;
  icmp?: { type: number; code: number; /** the packet an ICMP error quotes */ quoted?: DecodedIp };
}

export interface DecodedPacket extends DecodedIp {
  /** Set when the packet is VXLAN-encapsulated: the outer header; src/dst/proto/ports above are the INNER packet's. */
  encap?: { kind: 'vxlan'; vni: number; outerSrc: string; outerDst: string; port: number };
}

export interface CapturedPacket {
  /** seconds since the epoch, as -tt prints it */
  time: number;
  /**
   * `tcpdump -i any` (LINUX_SLL2): the interface the packet was on and its direction as tcpdump prints them
   * ("In", "Out", "P" another host's, "B" broadcast, "M" multicast); absent on a one-interface capture.
   */
  ifname?: string;
  direction?: string;
  /** tcpdump's own text for the packet (outer and inner line joined with " | ") */
  line: string;
  /** frame length on the wire ("length N:" of the first line) */
  length: number;
  /** the captured bytes (up to the snapshot length), from the link-layer header on (Ethernet, or LINUX_SLL2 with ifname) */
  bytes: Uint8Array;
  /** undefined when the bytes are not Ethernet + IP */
  decoded?: DecodedPacket;
}

export interface TcpdumpCapture {
  iface?: string;
  /** libpcap's name, e.g. EN10MB */
  linkType?: string;
  snaplen?: number;
  /** the "listening on" line was printed: the capture was running */
  listening: boolean;
  packets: CapturedPacket[];
  /** "N packets captured" (printed when tcpdump stops cleanly) */
  captured?: number;
  droppedByKernel?: number;
}

/** UDP ports read as VXLAN: IANA's 4789 and Linux's/flannel's/Cilium's 8472. */
export const VXLAN_PORTS: readonly number[] = [4789, 8472];

const HEADER = /^(\d+\.\d+) (.*)$/;
/** The LINUX_SLL2 header line of `tcpdump -i any -e` (print-sll.c): "<time> <ifname> <In|Out|P|B|M> ifindex <n> <MAC> ethertype …". */
const SLL2_HEADER = /^(\d+\.\d+) (\S+)\s+(In|Out|P|B|M)\s+ifindex \d+ /;
/** Bytes of the LINUX_SLL2 link header (protocol 2, reserved 2, ifindex 4, hatype 2, packet type 1, address length 1, address 8). */
const SLL2_LEN = 20;
const HEX = /^\t0x([0-9a-f]{4}):\s+((?:[0-9a-f]{2,4}\s?)+)$/;

const ipv4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
function ipv6(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(u16(b, o + i).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** tcpdump's letters for TCP flags (print-tcp.c order: F S R P U E W then '.' for ACK). */
export function tcpFlagLetters(f: number): string {
  let s = '';
  if (f & 0x01) s += 'F';
  if (f & 0x02) s += 'S';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x20) s += 'U';
  if (f & 0x40) s += 'E';
  if (f & 0x80) s += 'W';
  if (f & 0x10) s += '.';
  return s || 'none';
}

/** Decodes an IP packet starting at `o` (IPv4 or IPv6 without extension headers). */
function decodeIp(b: Uint8Array, o: number, depth = 0): DecodedIp | undefined {
  if (b.length < o + 20) return undefined;
  const version = b[o] >> 4;
  let src: string, dst: string, proto: number, l4: number, totalEnd: number;
  if (version === 4) {
    const ihl = (b[o] & 0x0f) * 4;
    src = ipv4(b, o + 12);
    dst = ipv4(b, o + 16);
    proto = b[o + 9];
    l4 = o + ihl;
    totalEnd = o + u16(b, o + 2);
  } else if (version === 6 && b.length >= o + 40) {
    src = ipv6(b, o + 8);
    dst = ipv6(b, o + 24);
    proto = b[o + 6];
    l4 = o + 40;
    totalEnd = l4 + u16(b, o + 4);
  } else return undefined;
  const d: DecodedIp = { src, dst, proto };
  if ((proto === 6 || proto === 17) && b.length >= l4 + 4) {
    d.sport = u16(b, l4);
    d.dport = u16(b, l4 + 2);
    if (proto === 6 && b.length >= l4 + 14) {
      d.tcpFlags = tcpFlagLetters(b[l4 + 13]);
      d.payloadLength = Math.max(0, totalEnd - l4 - (b[l4 + 12] >> 4) * 4);
    }
    if (proto === 17) d.payloadLength = Math.max(0, totalEnd - l4 - 8);
  }
  if ((proto === 1 || proto === 58) && b.length >= l4 + 2) {
    d.icmp = { type: b[l4], code: b[l4 + 1] };
    const isError = proto === 1 ? [3, 4, 5, 11, 12].includes(b[l4]) : b[l4] < 128;
    if (isError && depth === 0) {
      const q = decodeIp(b, l4 + 8, 1);
      if (q) d.icmp.quoted = q;
    }
  }
  return d;
}

/**
 * Decodes an Ethernet frame's IP packet, looking through VXLAN (UDP to one of `vxlanPorts` with the I
 * flag): the result's addresses and ports are then the inner packet's, `encap` the outer header's.
 */
export function decodePacket(b: Uint8Array, vxlanPorts: readonly number[] = VXLAN_PORTS): DecodedPacket | undefined {
  if (b.length < 14) return undefined;
  let type = u16(b, 12);
  let o = 14;
  if (type === 0x8100 && b.length >= 18) {
    type = u16(b, 16);
    o = 18;
  }
  if (type !== 0x0800 && type !== 0x86dd) return undefined;
  const outer = decodeIp(b, o);
  if (!outer) return undefined;
  if (outer.proto === 17 && outer.dport !== undefined && vxlanPorts.includes(outer.dport)) {
    const ihl = (b[o] >> 4) === 4 ? (b[o] & 0x0f) * 4 : 40;
    const vx = o + ihl + 8;
    if (b.length >= vx + 8 + 14 && b[vx] & 0x08) {
      const vni = (b[vx + 4] << 16) | (b[vx + 5] << 8) | b[vx + 6];
      const inner = decodePacket(b.subarray(vx + 8), []);
      if (inner) return { ...inner, encap: { kind: 'vxlan', vni, outerSrc: outer.src, outerDst: outer.dst, port: outer.dport } };
    }
  }
  return outer;
}

/** Decodes a LINUX_SLL2 frame (`tcpdump -i any`): the protocol type at offset 0, the packet after the 20-byte header. */
export function decodeSll2(b: Uint8Array, vxlanPorts: readonly number[] = VXLAN_PORTS): DecodedPacket | undefined {
  if (b.length < SLL2_LEN + 20) return undefined;
  // the same frame as an Ethernet one: a 12-byte stand-in for the MACs, then the protocol type and the packet
  const eth = new Uint8Array(b.length - SLL2_LEN + 14);
  eth.set(b.subarray(0, 2), 12);
  eth.set(b.subarray(SLL2_LEN), 14);
  return decodePacket(eth, vxlanPorts);
}

/**
 * One interface's share of a `tcpdump -i any` output: the packets (header line, inner line, hex rows) tcpdump
 * printed for `ifname`, verbatim and in order — itself a tcpdump output parseTcpdump reads (with the capture's
 * stderr). Output of a one-interface capture (no interface in its lines) comes back whole. Which of them are a
 * point's (a tunnel point: the encapsulated ones) is lib/verdict/trace.ts onPoint's to say, on the parsed packets.
 */
export function linesOn(stdout: string, ifname: string): string {
  const lines = splitLines(stdout);
  if (!lines.some((l) => SLL2_HEADER.test(l))) return stdout;
  const out: string[] = [];
  let keep = false;
  for (const l of lines) {
    if (HEADER.test(l)) keep = SLL2_HEADER.exec(l)?.[2] === ifname;
    if (keep) out.push(l);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * A `tcpdump -tt` line for a reader: its leading epoch seconds (`1764550000.123456 …`) as tcpdump prints
 * time without -tt, the UTC time of day to the microsecond (`00:46:40.123456 …`). Lines without a leading
 * timestamp (hex rows, a second line of a packet) come back unchanged. The Diagnosis keeps -tt's form (the
 * lines sort by it and the reproduce command prints it); this is for the page only.
 */
export function timeOfDayLine(line: string): string {
  const m = /^(\d{9,11})\.(\d{1,9})(?=\s)/.exec(line);
  if (!m) return line;
  const day = new Date(Number(m[1]) * 1000).toISOString().slice(11, 19);
  return `${day}.${m[2].padEnd(6, '0').slice(0, 6)}${line.slice(m[0].length)}`;
}

/**
 * Parses tcpdump's text output (stdout) and its stderr (run.stderr: the "listening on" line and the
 * counts). Errors name the line: hex without a packet before it, a hex row that does not continue the
 * packet's bytes. A capture cut off mid-packet (killed, truncated) keeps the packets before the cut.
 */
export function parseTcpdump(text: string, run?: ToolRun): Result<TcpdumpCapture, ParseError> {
  const cap: TcpdumpCapture = { listening: false, packets: [] };
  const err = run?.stderr ?? '';
  const listen = /listening on (\S+), link-type (\S+)(?: \([^)]*\))?, snapshot length (\d+) bytes/.exec(err);
  if (listen) {
    cap.listening = true;
    cap.iface = listen[1];
    cap.linkType = listen[2];
    cap.snaplen = Number(listen[3]);
  }
  const captured = /^(\d+) packets? captured$/m.exec(err);
  if (captured) cap.captured = Number(captured[1]);
  const dropped = /^(\d+) packets? dropped by kernel$/m.exec(err);
  if (dropped) cap.droppedByKernel = Number(dropped[1]);

  let cur: { time: number; lines: string[]; length: number; hex: number[]; ifname?: string; direction?: string } | undefined;
  const flush = () => {
    if (!cur) return;
    const bytes = Uint8Array.from(cur.hex);
    const decoded = cur.ifname !== undefined ? decodeSll2(bytes) : decodePacket(bytes);
    cap.packets.push({ time: cur.time, ...(cur.ifname !== undefined ? { ifname: cur.ifname, direction: cur.direction } : {}), line: cur.lines.join(' | '), length: cur.length, bytes, ...(decoded ? { decoded } : {}) });
    cur = undefined;
  };
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '') continue;
    const hex = HEX.exec(l);
    if (hex) {
      if (!cur) return parseError('tcpdump', i + 1, 'a packet header line before its hex bytes', l);
      const off = parseInt(hex[1], 16);
      if (off !== cur.hex.length) return parseError('tcpdump', i + 1, `hex offset 0x${cur.hex.length.toString(16).padStart(4, '0')} (continuing the packet)`, l);
      for (const word of hex[2].trim().split(/\s+/)) for (let k = 0; k < word.length; k += 2) cur.hex.push(parseInt(word.slice(k, k + 2), 16));
      continue;
    }
    const h = HEADER.exec(l);
    if (h) {
      flush();
      const len = /length (\d+):/.exec(h[2]);
      const sll = SLL2_HEADER.exec(l);
      cur = { time: Number(h[1]), lines: [h[2]], length: len ? Number(len[1]) : 0, hex: [], ...(sll ? { ifname: sll[2], direction: sll[3] } : {}) };
      continue;
    }
    // The inner frame of an encapsulated packet: tcpdump prints it on its own line without a timestamp.
    if (cur && cur.hex.length === 0) {
      cur.lines.push(l);
      continue;
    }
    return parseError('tcpdump', i + 1, 'a packet line "<epoch seconds> <src MAC> > <dst MAC>, …" (tcpdump -tt -e) or a hex row (-xx)', l);
  }
  flush();
  return ok(cap);
}
