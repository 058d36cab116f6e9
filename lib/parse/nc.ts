// `nc -z -v -w 2 <ip> <port>` (netcat-openbsd; its messages go to stderr): did the TCP connect succeed?
import { ok, type ParseError, type Result } from '../result';
import { allText, parseError, splitLines, type ToolRun } from './common';

export type NcOutcome =
  | 'succeeded'
  | 'refused' // RST: reached the host, nothing listens (or a REJECT with tcp-reset)
  | 'timed-out' // no answer within -w: a silent drop on the path or at the peer
  | 'network-unreachable' // no route from this netns, a blackhole route in it (EINVAL), or ICMP net-unreachable from a router
  | 'no-route-to-host' // ICMP host-unreachable or admin-prohibited (a REJECT said so): measured, fixtures/nc
  | 'permission-denied' // ICMP admin-prohibited / a local firewall
  | 'name-not-resolved'
  | 'other';

export interface NcAttempt {
  host: string;
  /** The address tried, when `host` is a name nc resolved ("name (10.0.0.1)"); else the same as host. */
  address: string;
  port: number;
  outcome: NcOutcome;
  /** nc's own line. */
  message: string;
}

export interface NcResult {
  outcome: NcOutcome;
  /** One per address tried (a name can resolve to several). */
  attempts: NcAttempt[];
}

const TOOL = 'nc';

const ERRNO: [RegExp, NcOutcome][] = [
  [/Connection refused/i, 'refused'],
  [/Network is unreachable/i, 'network-unreachable'],
  // a blackhole route in the sender's own netns: ip-route(8) "the local senders get an EINVAL error" (fixtures/nc/blackhole-route)
  [/Invalid argument/i, 'network-unreachable'],
  [/No route to host/i, 'no-route-to-host'],
  [/Permission denied|Operation not permitted/i, 'permission-denied'],
  [/timed out/i, 'timed-out'],
];

function readLine(line: string): NcAttempt | undefined {
  // A name is printed with the address it resolved to: "Connection to web (10.0.0.1) 80 port …".
  const ok1 = /^Connection to (\S+)(?: \(([^)]+)\))? (\d+) port \[[^\]]*\] succeeded!/.exec(line);
  if (ok1) return { host: ok1[1], address: ok1[2] ?? ok1[1], port: Number(ok1[3]), outcome: 'succeeded', message: line };
  const fail = /^nc: connect to (\S+)(?: \(([^)]+)\))? port (\d+) \(\w+\) (?:failed|timed out): (.+)$/.exec(line);
  if (fail) {
    const outcome = line.includes(') timed out:') ? 'timed-out' : (ERRNO.find(([re]) => re.test(fail[4]))?.[1] ?? 'other');
    return { host: fail[1], address: fail[2] ?? fail[1], port: Number(fail[3]), outcome, message: line };
  }
  const gai = /^nc: getaddrinfo for host "([^"]*)" port (\d+): (.+)$/.exec(line);
  if (gai) return { host: gai[1], address: '', port: Number(gai[2]), outcome: 'name-not-resolved', message: line };
  return undefined;
}

export function parseNc(text: string, run?: ToolRun): Result<NcResult, ParseError> {
  const lines = splitLines(allText(text, run)).filter((l) => l.trim() !== '');
  const attempts: NcAttempt[] = [];
  for (const l of lines) {
    const a = readLine(l.trim());
    if (a) attempts.push(a);
  }
  const success = attempts.find((a) => a.outcome === 'succeeded');
  if (success) return ok({ outcome: 'succeeded', attempts });
  const last = attempts[attempts.length - 1];
  if (last) return ok({ outcome: last.outcome, attempts });
  // Without -v nc prints nothing: then only the exit code speaks.
  if (lines.length === 0 && run?.exitCode === 0) return ok({ outcome: 'succeeded', attempts });
  return parseError(TOOL, lines.length > 0 ? 1 : 0, 'a "Connection to … succeeded!" or "nc: connect to … failed/timed out: …" line (run with -v)', lines[0] ?? '');
}
