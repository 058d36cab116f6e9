// `conntrack -S`: per-CPU conntrack counters (found, invalid, insert_failed, drop, early_drop, error …).
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export interface ConntrackStats {
  /** One record per CPU line, counter name → value, as the kernel names them. */
  perCpu: { cpu: number; counters: Record<string, number> }[];
  /** Sums over the CPUs. */
  total: Record<string, number>;
}

const TOOL = 'conntrack';

export function parseConntrackStats(text: string, run?: ToolRun): Result<ConntrackStats, ParseError> {
  const lines = splitLines(text).filter((l) => l.trim() !== '');
  if (lines.length === 0) {
    const why = (run?.stderr ?? '').trim();
    return parseError(TOOL, 0, 'one "cpu=N counter=value …" line per CPU', why === '' ? '' : why);
  }
  const perCpu: ConntrackStats['perCpu'] = [];
  const total: Record<string, number> = {};
  for (let i = 0; i < lines.length; i++) {
    const pairs = lines[i].trim().split(/\s+/);
    const counters: Record<string, number> = {};
    let cpu: number | undefined;
    for (const p of pairs) {
      const m = /^([a-z_]+)=(\d+)$/.exec(p);
      if (!m) return parseError(TOOL, i + 1, 'name=number pairs', p);
      if (m[1] === 'cpu') cpu = Number(m[2]);
      else counters[m[1]] = Number(m[2]);
    }
    if (cpu === undefined) return parseError(TOOL, i + 1, 'a "cpu=N" field first', lines[i]);
    perCpu.push({ cpu, counters });
    for (const [k, v] of Object.entries(counters)) total[k] = (total[k] ?? 0) + v;
  }
  return ok({ perCpu, total });
}
