// What the verdict makes of parsed probe output. Parsing itself is lib/parse's alone (one parser per
// tool); this module only maps a parser's value onto the few outcomes the judges compare, and keeps a
// ParseError visible as "could not be read" instead of guessing.
import type { ParseError, Result } from '../result';
import { parseErrorText } from '../result';
import type { IpLink, NcResult, PingResult, ToolRun } from '../parse';

/** A probe as the parsers see it: Evidence and ProbeRun both have this shape. */
export interface RunOutput extends ToolRun {
  stdout: string;
  timedOut?: boolean;
}

export type Parser<T> = (stdout: string, run?: ToolRun) => Result<T, ParseError>;

/** Parses once per (run, parser): judge() runs again after every probe while a diagnosis is live. */
const memo = new WeakMap<object, Map<Parser<unknown>, Result<unknown, ParseError>>>();
export function parseRun<T>(run: RunOutput, parse: Parser<T>): Result<T, ParseError> {
  let m = memo.get(run);
  if (!m) memo.set(run, (m = new Map()));
  if (!m.has(parse as Parser<unknown>)) m.set(parse as Parser<unknown>, parse(run.stdout, { exitCode: run.exitCode ?? null, stderr: run.stderr ?? '' }));
  return m.get(parse as Parser<unknown>) as Result<T, ParseError>;
}

/** The finding of a probe whose output no parser could read. */
export function unreadableFinding(e: ParseError): string {
  return `the output could not be read (${parseErrorText(e)})`;
}

/** The pod's interface: eth0, else the first non-loopback link with an IPv4 address. */
export function podInterface(links: readonly IpLink[] | undefined): IpLink | undefined {
  return links?.find((l) => l.ifname === 'eth0') ?? links?.find((l) => l.ifname !== 'lo' && l.addresses.some((a) => a.family === 'inet'));
}

export type ConnectOutcome = 'open' | 'refused' | 'timeout' | 'unreachable' | 'unresolved' | 'error';

/**
 * `nc -z -v -w 2 IP PORT`: what nc itself said (it prints its verdict before exit, "timed out" after its own 2 s).
 * undefined = output not readable — also a run our timer killed before nc said anything, which is not a drop
 * (lib/verdict/context connectStoppedSentence: probeRunOf makes such a run a `notRun`).
 */
export function connectOutcome(r: Result<NcResult, ParseError>): ConnectOutcome | undefined {
  if (!r.ok) return undefined;
  switch (r.value.outcome) {
    case 'succeeded': return 'open';
    case 'refused': return 'refused';
    case 'timed-out': return 'timeout';
    case 'network-unreachable': case 'no-route-to-host': case 'permission-denied': return 'unreachable';
    case 'name-not-resolved': return 'unresolved';
    default: return 'error';
  }
}

/**
 * Whether a connect's outcome is evidence that the target does not answer: no answer, refused, or an ICMP error /
 * no route (a REJECT answers "no route to host" or "administratively prohibited"). `error` (an errno the nc
 * parser does not classify: a local failure as likely as a remote one) and `unresolved` say nothing about the
 * target; undefined (not run, unreadable) neither. What "a failing endpoint" means everywhere (observed.ts).
 */
export function notAnswering(o: ConnectOutcome | undefined): boolean {
  return o === 'timeout' || o === 'refused' || o === 'unreachable';
}

export function connectText(o: ConnectOutcome): string {
  switch (o) {
    case 'open': return 'connected';
    case 'refused': return 'connection refused';
    case 'timeout': return 'no answer within 2 s';
    case 'unreachable': return 'unreachable (an ICMP error or no route)';
    case 'unresolved': return 'the name did not resolve';
    default: return 'failed';
  }
}

/**
 * One DF ping: a reply; a local "message too long"; a frag-needed from the path; another ICMP error
 * (a REJECT, host unreachable, "Packet filtered", TTL exceeded) — somebody answered, so not a silent
 * drop; no route at all; or silence.
 */
export type PingOutcome = 'reply' | 'too-big-local' | 'frag-needed' | 'icmp-error' | 'no-route' | 'lost' | 'error';
export function pingOutcome(p: PingResult): { outcome: PingOutcome; mtu?: number; icmp?: string } {
  switch (p.outcome) {
    case 'ok': case 'partial-loss': return { outcome: p.received > 0 ? 'reply' : 'lost' };
    case 'message-too-long': return { outcome: 'too-big-local', ...(p.localMtu ? { mtu: p.localMtu } : {}) };
    case 'frag-needed': return { outcome: 'frag-needed', ...(p.fragNeeded ? { mtu: p.fragNeeded.mtu } : {}) };
    case 'unreachable': return { outcome: 'icmp-error', ...(p.icmpErrors[0] ? { icmp: `${p.icmpErrors[0].text} from ${p.icmpErrors[0].from}` } : {}) };
    case 'no-route': return { outcome: 'no-route' };
    case 'silent': return { outcome: 'lost' };
    default: return { outcome: 'error' };
  }
}
