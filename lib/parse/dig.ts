// `dig +tries=1 +time=2 +nocookie @server name TYPE`: the answer, or the fact that no server answered.
// Measured on DiG 9.18 (fixtures/dig): a timeout prints ";; communications error to S#53: timed out" and
// ";; no servers could be reached" on stdout with exit 9; older digs print ";; connection timed out; no
// servers could be reached". Both are results (outcome 'no-response'), not parse errors.
import { ok, type ParseError, type Result } from '../result';
import { allText, parseError, splitLines, type ToolRun } from './common';

export interface DnsRecord {
  name: string;
  ttl: number;
  class: string;
  type: string; // A, AAAA, CNAME, SOA …
  data: string;
}

export interface DigServer {
  address: string;
  port: number;
  transport?: string; // UDP | TCP (dig 9.18+)
}

export interface DigAnswer {
  outcome: 'answer';
  /** NOERROR | NXDOMAIN | SERVFAIL | REFUSED | FORMERR | NOTIMP … as dig prints it. */
  rcode: string;
  id: number;
  flags: string[]; // qr aa rd ra tc …
  counts: { query: number; answer: number; authority: number; additional: number };
  question?: { name: string; class: string; type: string };
  answers: DnsRecord[];
  authority: DnsRecord[];
  queryTimeMs?: number;
  server?: DigServer;
  /** Extended DNS error, e.g. "14 (Not Ready)". */
  ede?: string;
}

export interface DigNoResponse {
  outcome: 'no-response';
  reason: 'timeout' | 'network-unreachable' | 'connection-refused' | 'other';
  /** dig's own line. */
  message: string;
  /** The server it tried, if dig named it. */
  server?: string;
  /**
   * dig's warning when a datagram came back that is not a DNS answer to its query (a UDP server that is not DNS):
   * ";; Warning: short (< header size) message received", "… ID mismatch …", ";; Got bad packet: …". Something
   * answered from the server's address, so the path delivered both ways (fixtures/dig/not-dns-reply).
   */
  stray?: string;
}

export type DigResult = DigAnswer | DigNoResponse;

const TOOL = 'dig';

function readRecord(line: string): DnsRecord | undefined {
  const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
  if (!m) return undefined;
  return { name: m[1], ttl: Number(m[2]), class: m[3], type: m[4], data: m[5].trim() };
}

function noResponse(lines: string[]): DigNoResponse | undefined {
  const notReached = lines.some((l) => /no servers could be reached/.test(l));
  const comm = lines.find((l) => /^;; communications error to /.test(l));
  const setup = lines.find((l) => /^;; (UDP|TCP) setup with /.test(l));
  const older = lines.find((l) => /^;; connection timed out/.test(l));
  if (!notReached && !comm && !older) return undefined;
  // One try refused and another timed out (its ICMP port-unreachable rate-limited, or the second server silent): the
  // refusal is the telling one — a host answered that nothing listens — so it wins over a timeout, as an unreachable does.
  const errors = lines.filter((l) => /^;; (communications error to |(UDP|TCP) setup with )/.test(l));
  const telling = errors.find((l) => /connection refused/i.test(l)) ?? errors.find((l) => /network unreachable|host unreachable/i.test(l));
  const line = telling ?? setup ?? comm ?? older ?? lines.find((l) => /no servers could be reached/.test(l)) ?? '';
  const server = /(?:error to|setup with) ([^#\s]+)#/.exec(line)?.[1];
  const lower = line.toLowerCase();
  const reason: DigNoResponse['reason'] = /timed out/.test(lower)
    ? 'timeout'
    : /network unreachable|host unreachable/.test(lower)
      ? 'network-unreachable'
      : /connection refused/.test(lower)
        ? 'connection-refused'
        : 'other';
  const r: DigNoResponse = { outcome: 'no-response', reason, message: line.replace(/^;; /, '') };
  if (server !== undefined) r.server = server;
  const stray = lines.find((l) => /^;; (Warning: (short \(< header size\) message received|ID mismatch)|Got bad packet)/.test(l));
  if (stray) r.stray = stray.replace(/^;; /, '');
  return r;
}

export function parseDig(text: string, run?: ToolRun): Result<DigResult, ParseError> {
  const lines = splitLines(allText(text, run));
  const headerAt = lines.findIndex((l) => l.startsWith(';; ->>HEADER<<-'));
  if (headerAt < 0) {
    const nr = noResponse(lines);
    if (nr) return ok(nr);
    return parseError(TOOL, 0, 'a ";; ->>HEADER<<-" line or a "no servers could be reached" line', lines.find((l) => l.trim() !== '') ?? '');
  }
  const h = /status: ([A-Z0-9]+), id: (\d+)/.exec(lines[headerAt]);
  if (!h) return parseError(TOOL, headerAt + 1, '"status: RCODE, id: N" in the header line', lines[headerAt]);
  const flagsAt = headerAt + 1;
  const fl = /^;; flags:([^;]*); QUERY: (\d+), ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+)/.exec(lines[flagsAt] ?? '');
  if (!fl) return parseError(TOOL, flagsAt + 1, '";; flags: …; QUERY: n, ANSWER: n, AUTHORITY: n, ADDITIONAL: n"', lines[flagsAt] ?? '');
  const result: DigAnswer = {
    outcome: 'answer',
    rcode: h[1],
    id: Number(h[2]),
    flags: fl[1].trim().split(/\s+/).filter(Boolean),
    counts: { query: Number(fl[2]), answer: Number(fl[3]), authority: Number(fl[4]), additional: Number(fl[5]) },
    answers: [],
    authority: [],
  };
  let section = '';
  let sawServer = false;
  for (let i = flagsAt + 1; i < lines.length; i++) {
    const line = lines[i];
    const sec = /^;; ([A-Z ]+) SECTION:$/.exec(line);
    if (sec) {
      section = sec[1];
      continue;
    }
    if (line.trim() === '') {
      section = '';
      continue;
    }
    const qt = /^;; Query time: (\d+) msec/.exec(line);
    if (qt) result.queryTimeMs = Number(qt[1]);
    const sv = /^;; SERVER: ([^#\s]+)#(\d+)(?:\([^)]*\))?(?: \((\w+)\))?/.exec(line);
    if (sv) {
      sawServer = true;
      result.server = sv[3] ? { address: sv[1], port: Number(sv[2]), transport: sv[3] } : { address: sv[1], port: Number(sv[2]) };
    }
    const ede = /^; EDE: (.+)$/.exec(line);
    if (ede) result.ede = ede[1];
    if (line.startsWith(';')) {
      if (section === 'QUESTION') {
        const q = /^;(\S+)\s+(\S+)\s+(\S+)$/.exec(line);
        if (q) result.question = { name: q[1], class: q[2], type: q[3] };
      }
      continue;
    }
    if (section === 'ANSWER' || section === 'AUTHORITY') {
      const rec = readRecord(line);
      if (!rec) return parseError(TOOL, i + 1, `a resource record "name ttl class type data" in the ${section} section`, line);
      (section === 'ANSWER' ? result.answers : result.authority).push(rec);
    }
  }
  // The header says how many records follow: fewer means the output was cut short.
  if (result.answers.length !== result.counts.answer)
    return parseError(TOOL, lines.length, `${result.counts.answer} answer record(s) as the header says (output truncated?)`, String(result.answers.length));
  if (!sawServer) return parseError(TOOL, lines.length, 'the ";; SERVER:" line (output truncated?)', lines[lines.length - 1] ?? '');
  return ok(result);
}

/** The A/AAAA addresses in the answer (CNAME chains followed by the server already). */
export function digAddresses(a: DigAnswer): string[] {
  return a.answers.filter((r) => r.type === 'A' || r.type === 'AAAA').map((r) => r.data);
}
