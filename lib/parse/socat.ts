// `socat -v -t 2 -T 2 'EXEC:echo packetwalk' UDP:<ip>:<port>` (socat 1.7.4; -v dumps every transfer on
// stderr): one datagram out, and whether a datagram came back. Measured in the lab (fixtures/socat):
//   "> 2026/11/30 05:20:37.000039959  length=11 from=0 to=10"  a datagram sent (its text on the next lines)
//   "< 2026/11/30 05:20:37.000040516  length=9 from=0 to=8"    a datagram received (the reply)
//   "… socat[25903] E read(6, …): Connection refused"           ICMP port-unreachable came back
// After a reply socat writes it to the exited `echo` and ends with "E write(5, …): Broken pipe", exit 1:
// that line is the end of the run, not a failure. Silence: the sent line only, exit 0 after -t 2.
import { ok, type ParseError, type Result } from '../result';
import { allText, parseError, splitLines, type ToolRun } from './common';

export type UdpExchangeOutcome =
  | 'reply' // a datagram came back: the path delivered it both ways
  | 'refused' // ICMP port-unreachable: the host answered, nothing bound to the port
  | 'unreachable' // no route here, or an ICMP net/host-unreachable or prohibited came back
  | 'silent' // sent, nothing came back: proves nothing (a server that does not answer, or a drop)
  | 'error';

export interface UdpExchange {
  outcome: UdpExchangeOutcome;
  /** bytes of each datagram sent */
  sent: number[];
  /** the first line of each datagram received (the lab's listeners answer with their pod name) */
  replies: string[];
  /** socat's error line, when it printed one (the Broken pipe after a reply excluded) */
  error?: string;
}

const TOOL = 'socat';
const DUMP = /^([<>]) \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d+\s+length=(\d+) from=\d+ to=\d+$/;
const ERROR = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d socat\[\d+\] E (.+)$/;

/** Reads socat's -v transfer dump and error lines (stderr; pass the run). */
export function parseSocatUdp(text: string, run?: ToolRun): Result<UdpExchange, ParseError> {
  const lines = splitLines(allText(text, run));
  const sent: number[] = [];
  const replies: string[] = [];
  let error: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const d = DUMP.exec(lines[i]);
    if (d) {
      if (d[1] === '>') sent.push(Number(d[2]));
      else replies.push(lines[i + 1] ?? '');
      continue;
    }
    const e = ERROR.exec(lines[i]);
    if (e && !/Broken pipe$/.test(e[1])) error ??= e[1];
  }
  if (replies.length) return ok({ outcome: 'reply', sent, replies });
  if (error) {
    const outcome: UdpExchangeOutcome = /Connection refused$/.test(error) ? 'refused' : /Network is unreachable$|No route to host$|Permission denied$|Operation not permitted$/.test(error) ? 'unreachable' : 'error';
    return ok({ outcome, sent, replies, error });
  }
  if (sent.length && (run?.exitCode ?? 0) === 0) return ok({ outcome: 'silent', sent, replies });
  return parseError(TOOL, 1, 'a "> … length=N" transfer line from socat -v', lines[0] ?? '(no output)');
}
