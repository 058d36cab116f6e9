// `conntrack -L [-p tcp -d IP --dport P]`: the kernel's connection tracking entries of a flow. Each line is
// the original tuple (as the source sent it) and the reply tuple (as the far end answers): when SNAT applied,
// the reply's dst is the address the far end saw; `[UNREPLIED]` means no packet came back.
// Provenance: lib/parse/fixtures/conntrack-list/*.txt (conntrack v1.4.7, real netns, header says how).
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  protocol: string; // 'tcp' | 'udp' | 'icmp' | …
  /** seconds left */
  ttl: number;
  /** TCP state (SYN_SENT, ESTABLISHED, TIME_WAIT …); absent for UDP/ICMP */
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  unreplied: boolean;
  assured: boolean;
}

const TOOL = 'conntrack';

/** Parses the entry lines; the "N flow entries have been shown" summary goes to stderr and is not needed. */
export function parseConntrackList(text: string, run?: ToolRun): Result<ConntrackEntry[], ParseError> {
  const lines = splitLines(text).filter((l) => l.trim() !== '');
  if (lines.length === 0 && run?.exitCode !== undefined && run.exitCode !== null && run.exitCode !== 0) {
    return parseError(TOOL, 0, 'entry lines or an empty list (exit 0)', (run.stderr ?? '').trim());
  }
  const out: ConntrackEntry[] = [];
  for (const [i, line] of lines.entries()) {
    const tok = line.trim().split(/\s+/);
    if (tok.length < 4 || !/^\d+$/.test(tok[1]) || !/^\d+$/.test(tok[2])) return parseError(TOOL, i + 1, '"PROTO NUM TTL [STATE] src=… dst=…"', line);
    const tuples: Partial<ConntrackTuple>[] = [];
    let state: string | undefined;
    let unreplied = false;
    let assured = false;
    for (const t of tok.slice(3)) {
      if (t === '[UNREPLIED]') unreplied = true;
      else if (t === '[ASSURED]') assured = true;
      else if (/^[A-Z_]+$/.test(t) && tuples.length === 0) state = t;
      else {
        const m = /^(src|dst|sport|dport)=(.+)$/.exec(t);
        if (!m) continue; // type=, code=, id=, mark=, use=, zone= …: not needed
        if (m[1] === 'src') tuples.push({ src: m[2] });
        const cur = tuples[tuples.length - 1];
        if (!cur) return parseError(TOOL, i + 1, 'src= before dst/sport/dport', t);
        if (m[1] === 'dst') cur.dst = m[2];
        else if (m[1] === 'sport') cur.sport = Number(m[2]);
        else if (m[1] === 'dport') cur.dport = Number(m[2]);
      }
    }
    const [o, r] = tuples;
    if (!o?.src || !o.dst || !r?.src || !r.dst) return parseError(TOOL, i + 1, 'an original and a reply tuple (src=… dst=… twice)', line);
    out.push({ protocol: tok[0], ttl: Number(tok[2]), ...(state ? { state } : {}), original: o as ConntrackTuple, reply: r as ConntrackTuple, unreplied, assured });
  }
  return ok(out);
}

/** The address the far end saw for an entry: the reply tuple's destination (after SNAT, the node's). */
export function seenSource(e: ConntrackEntry): string {
  return e.reply.dst;
}
