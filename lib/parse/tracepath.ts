// `tracepath -n [-l LEN] [-m HOPS] <ip>` (iputils): hops, where the path MTU drops, and the Resume line.
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export interface TracepathHop {
  ttl: number;
  /** "1?:" lines: the local probe of the first hop. */
  probe: boolean;
  host?: string; // address, or "[LOCALHOST]"
  rttMs?: number;
  /** "pmtu N" on this line: the path MTU learnt at this hop. */
  pmtu?: number;
  reached: boolean;
  noReply: boolean;
  sendFailed: boolean;
  asymm?: number;
}

export interface TracepathResult {
  hops: TracepathHop[];
  /** Every MTU drop in order: the hop that reported it and the new pmtu. */
  pmtuChanges: { ttl: number; host?: string; pmtu: number }[];
  /** "Resume: pmtu N hops N back N"; hops/back are absent when the target was not reached. */
  resume: { pmtu: number; hops?: number; back?: number };
  reached: boolean;
  tooManyHops: boolean;
}

const TOOL = 'tracepath';

export function parseTracepath(text: string, run?: ToolRun): Result<TracepathResult, ParseError> {
  const lines = splitLines(text);
  const hops: TracepathHop[] = [];
  const pmtuChanges: TracepathResult['pmtuChanges'] = [];
  let resume: TracepathResult['resume'] | undefined;
  let tooManyHops = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^Resume: pmtu (\d+)(?: hops (\d+) back (\d+))?/.exec(line))) {
      resume = m[2] !== undefined ? { pmtu: Number(m[1]), hops: Number(m[2]), back: Number(m[3]) } : { pmtu: Number(m[1]) };
      continue;
    }
    if (/^Too many hops: pmtu \d+/.test(line)) {
      tooManyHops = true;
      continue;
    }
    m = /^(\d+)(\?)?:\s+(.*)$/.exec(line);
    if (!m) return parseError(TOOL, i + 1, 'a hop line "N: host time" or the "Resume:" line', line);
    const hop: TracepathHop = { ttl: Number(m[1]), probe: m[2] === '?', reached: false, noReply: false, sendFailed: false };
    const rest = m[3];
    if (/^no reply/.test(rest)) hop.noReply = true;
    else if (/^send failed/.test(rest)) hop.sendFailed = true;
    else {
      const h = /^(\S+)/.exec(rest);
      if (h) hop.host = h[1];
      const rtt = /\s([\d.]+)ms/.exec(rest);
      if (rtt) hop.rttMs = Number(rtt[1]);
      const pmtu = /\bpmtu (\d+)/.exec(rest);
      if (pmtu) hop.pmtu = Number(pmtu[1]);
      hop.reached = /\breached\b/.test(rest);
      const asymm = /\basymm\s+(\d+)/.exec(rest);
      if (asymm) hop.asymm = Number(asymm[1]);
    }
    if (hop.pmtu !== undefined) {
      const prev = pmtuChanges[pmtuChanges.length - 1]?.pmtu;
      if (prev !== hop.pmtu) pmtuChanges.push(hop.host === undefined ? { ttl: hop.ttl, pmtu: hop.pmtu } : { ttl: hop.ttl, host: hop.host, pmtu: hop.pmtu });
    }
    hops.push(hop);
  }
  if (!resume) {
    const hint = lines.length === 0 && run?.exitCode !== 0 ? ' (empty: killed before it flushed its output? bound it with -m)' : ' (output truncated?)';
    return parseError(TOOL, lines.length, `the final "Resume: pmtu N" line${hint}`, lines[lines.length - 1] ?? '');
  }
  return ok({ hops, pmtuChanges, resume, reached: hops.some((h) => h.reached), tooManyHops });
}
