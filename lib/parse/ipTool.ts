// The failure forms iproute2 (`ip`, `bridge`) prints on stderr, as a small typed outcome.
// Measured on iproute2-6.1.0 (lib/parse/fixtures/ip-*/): a missing device, RTNETLINK errno text,
// a missing routing table (which also leaves a lone "[" on stdout), a malformed argument.
import { ok, type ParseError, type Result } from '../result';
import { FieldReader, parseError, parseJsonArray, readEntries, type ToolRun } from './common';

export type IpToolErrorKind =
  | 'no-such-device' // Device "x" does not exist. / Cannot find device "x"
  | 'network-unreachable' // RTNETLINK answers: Network is unreachable (no route at all)
  | 'no-route-to-host' // RTNETLINK answers: No route to host (an `unreachable` route matched)
  | 'invalid-argument' // RTNETLINK answers: Invalid argument (`ip route get` through a `blackhole` route)
  | 'permission-denied' // RTNETLINK answers: Permission denied (a `prohibit` route, or no CAP_NET_ADMIN)
  | 'no-such-table' // Error: ipv4: FIB table does not exist.
  | 'bad-argument' // Error: any valid prefix is expected rather than "…".
  | 'other';

export interface IpToolError {
  kind: IpToolErrorKind;
  /** The tool's own words, first stderr line. */
  message: string;
  device?: string;
}

const RTNETLINK: Record<string, IpToolErrorKind> = {
  'network is unreachable': 'network-unreachable',
  'no route to host': 'no-route-to-host',
  'invalid argument': 'invalid-argument',
  'permission denied': 'permission-denied',
  'operation not permitted': 'permission-denied',
  'no such device': 'no-such-device',
};

/** Reads iproute2's error text; undefined when there is none. */
export function classifyIpError(stderr: string): IpToolError | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'Dump terminated');
  const first = lines[0];
  if (first === undefined) return undefined;
  const dev = /^Device "([^"]*)" does not exist\.?$/.exec(first) ?? /^Cannot find device "([^"]*)"$/.exec(first);
  if (dev) return { kind: 'no-such-device', message: first, device: dev[1] };
  const rt = /^RTNETLINK answers: (.+)$/.exec(first);
  if (rt) return { kind: RTNETLINK[rt[1].toLowerCase()] ?? 'other', message: first };
  if (/^Error: .*table does not exist/i.test(first)) return { kind: 'no-such-table', message: first };
  if (/^Error: .* is expected rather than/.test(first) || /^Error: (argument|inet prefix)/.test(first))
    return { kind: 'bad-argument', message: first };
  return { kind: 'other', message: first };
}

/** The error the run reported, if stdout did not carry a complete answer. */
export function ipRunError(text: string, run?: ToolRun): IpToolError | undefined {
  const stderr = run?.stderr ?? '';
  const fromStderr = classifyIpError(stderr);
  if (fromStderr) return fromStderr;
  // A caller that merged the streams: the error text is the whole "stdout".
  const t = text.trim();
  if (t !== '' && !t.startsWith('[') && !t.startsWith('{')) {
    const e = classifyIpError(t);
    if (e && e.kind !== 'other') return e;
  }
  return undefined;
}

/** Output of a listing command (`ip -j … show`, `bridge -j … show`): the entries, or the tool's refusal. */
export interface IpListing<T> {
  entries: T[];
  /** Set when the tool refused (e.g. no such device); entries is then empty. */
  error?: IpToolError;
}

export function parseIpListing<T>(
  tool: string,
  text: string,
  run: ToolRun | undefined,
  read: (r: FieldReader, obj: Record<string, unknown>) => T,
): Result<IpListing<T>, ParseError> {
  const error = ipRunError(text, run);
  const trimmed = text.trim();
  // A refusal leaves stdout empty, or a lone "[" when a dump was cut short (measured: missing table).
  if (error && (trimmed === '' || trimmed === '[' || !trimmed.startsWith('['))) return ok({ entries: [], error });
  if (trimmed === '') return parseError(tool, 0, 'a JSON array on stdout (run with -j)', '');
  const arr = parseJsonArray(tool, trimmed);
  if (!arr.ok) return arr;
  const entries = readEntries(tool, arr.value, read);
  if (!entries.ok) return entries;
  return ok(error ? { entries: entries.value, error } : { entries: entries.value });
}
