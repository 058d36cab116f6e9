// `ping -c N -W 1 [-M do -s SIZE] <ip>` (iputils): counts, rtt, and which failure form it was.
// Measured (fixtures/ping): a hop with a smaller MTU answers "From HOP icmp_seq=1 Frag needed and DF set
// (mtu = N)" on stdout; once the kernel has learnt that PMTU, sends fail locally with "ping: local error:
// message too long, mtu=N" on stderr. With the ICMP dropped there is only silence (100% loss).
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export type PingOutcome =
  | 'ok' // every probe answered
  | 'partial-loss'
  | 'frag-needed' // a hop said the packet is too big (and said its MTU)
  | 'message-too-long' // the local kernel refused: it knows the path MTU (EMSGSIZE)
  | 'unreachable' // an ICMP error from a hop (destination unreachable, prohibited, time exceeded): see icmpErrors[].kind
  | 'silent' // nothing came back: 100% loss without any error
  | 'no-route' // "connect: Network is unreachable": no route, nothing sent
  | 'other';

export interface PingReply {
  seq: number;
  ttl: number;
  timeMs: number;
  bytes: number;
}

/** What an ICMP error says, from iputils' wording for ICMPv4 and ICMPv6. */
export type IcmpErrorKind =
  | 'net-unreachable'
  | 'host-unreachable'
  | 'port-unreachable'
  | 'protocol-unreachable'
  | 'admin-prohibited' // "Packet filtered", "… Prohibited", "Administratively prohibited": a firewall said no
  | 'frag-needed' // "Frag needed and DF set (mtu = N)" / ICMPv6 "Packet too big: mtu=N"
  | 'ttl-exceeded' // "Time to live exceeded" / "Time exceeded: Hop limit": a loop, or -t too small
  | 'redirect'
  | 'other';

export interface PingIcmpError {
  from: string;
  seq: number;
  /** The words ping prints: "Destination Host Unreachable", "Frag needed and DF set (mtu = 1200)" … */
  text: string;
  kind: IcmpErrorKind;
}

const ICMP_KINDS: [RegExp, IcmpErrorKind][] = [
  [/Frag needed|Packet too big/i, 'frag-needed'],
  [/Packet filtered|Prohibited|Administratively prohibited|Communication prohibited/i, 'admin-prohibited'],
  [/Destination Net Unreachable|Destination Net Unknown|unreachable: No route/i, 'net-unreachable'],
  [/Destination Host Unreachable|Destination Host Unknown|unreachable: Address unreachable|Source Host Isolated/i, 'host-unreachable'],
  [/Port Unreachable|unreachable: Port unreachable/i, 'port-unreachable'],
  [/Protocol Unreachable/i, 'protocol-unreachable'],
  [/Time to live exceeded|Time exceeded/i, 'ttl-exceeded'],
  [/Redirect/i, 'redirect'],
];

export function icmpErrorKind(text: string): IcmpErrorKind {
  return ICMP_KINDS.find(([re]) => re.test(text))?.[1] ?? 'other';
}

export interface PingResult {
  outcome: PingOutcome;
  target?: string;
  /** -s size and the IP packet size ping announces: "1400(1428) bytes of data" (IPv6 prints no packet size). */
  payloadBytes?: number;
  packetBytes?: number;
  transmitted: number;
  received: number;
  errors: number;
  lossPercent: number;
  timeMs?: number;
  rtt?: { min: number; avg: number; max: number; mdev: number };
  replies: PingReply[];
  icmpErrors: PingIcmpError[];
  /** From a hop's frag-needed ICMP. */
  fragNeeded?: { from: string; mtu: number };
  /** From the local "message too long, mtu=N". */
  localMtu?: number;
  /** A message that ended ping before it sent anything (e.g. "ping: connect: Network is unreachable"). */
  fatal?: string;
}

const TOOL = 'ping';

export function parsePing(text: string, run?: ToolRun): Result<PingResult, ParseError> {
  const out = splitLines(text);
  const err = splitLines(run?.stderr ?? '');
  const res: PingResult = { outcome: 'other', transmitted: 0, received: 0, errors: 0, lossPercent: 100, replies: [], icmpErrors: [] };
  let sawStats = false;
  let sawHeader = false;
  const all = [...out, ...err];
  for (let i = 0; i < all.length; i++) {
    const line = all[i].trim();
    const where = i + 1;
    let m: RegExpExecArray | null;
    // IPv4: "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data."  IPv6: "PING fd00::2(fd00::2) 56 data bytes"
    if ((m = /^PING (\S+?) ?\(([^)]+)\) (\d+)(?:\((\d+)\))? (?:bytes of data\.|data bytes)$/.exec(line))) {
      sawHeader = true;
      res.target = m[2];
      res.payloadBytes = Number(m[3]);
      if (m[4] !== undefined) res.packetBytes = Number(m[4]);
    } else if ((m = /^(\d+) bytes from (\S+?):? icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms/.exec(line))) {
      res.replies.push({ bytes: Number(m[1]), seq: Number(m[3]), ttl: Number(m[4]), timeMs: Number(m[5]) });
    } else if ((m = /^From (\S+?):? icmp_seq=(\d+) (.+)$/.exec(line))) {
      const e: PingIcmpError = { from: m[1], seq: Number(m[2]), text: m[3], kind: icmpErrorKind(m[3]) };
      res.icmpErrors.push(e);
      const mtu = /Frag needed and DF set \(mtu = (\d+)\)|Packet too big: mtu=(\d+)/.exec(e.text);
      if (mtu && !res.fragNeeded) res.fragNeeded = { from: e.from, mtu: Number(mtu[1] ?? mtu[2]) };
    } else if ((m = /^ping: local error: message too long, mtu(?:=|: )(\d+)$/.exec(line))) {
      res.localMtu = Number(m[1]);
    } else if ((m = /^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?, ([\d.]+)% packet loss(?:, time (\d+)ms)?/.exec(line))) {
      sawStats = true;
      res.transmitted = Number(m[1]);
      res.received = Number(m[2]);
      res.errors = m[4] ? Number(m[4]) : 0;
      res.lossPercent = Number(m[5]);
      if (m[6] !== undefined) res.timeMs = Number(m[6]);
    } else if ((m = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(line))) {
      res.rtt = { min: Number(m[1]), avg: Number(m[2]), max: Number(m[3]), mdev: Number(m[4]) };
    } else if (/^ping: /.test(line) && !sawHeader && res.fatal === undefined) {
      res.fatal = line;
    } else if (line !== '' && !/^--- .* ping statistics ---$/.test(line) && !/^ping: /.test(line)) {
      return parseError(TOOL, where, 'a line of iputils ping output', line);
    }
  }
  if (res.fatal !== undefined && !sawStats) {
    res.outcome = /Network is unreachable/i.test(res.fatal) ? 'no-route' : 'other';
    return ok(res);
  }
  if (!sawStats) return parseError(TOOL, all.length, 'the "N packets transmitted, N received" line (output truncated?)', all[all.length - 1] ?? '');
  res.outcome = res.fragNeeded
    ? 'frag-needed'
    : res.localMtu !== undefined
      ? 'message-too-long'
      : res.received === res.transmitted && res.transmitted > 0
        ? 'ok'
        : res.received > 0
          ? 'partial-loss'
          : res.icmpErrors.length > 0
            ? 'unreachable'
            : 'silent';
  return ok(res);
}
