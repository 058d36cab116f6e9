// One diagnosis through two checkouts of packetwalk, alternating, so both see the same machine load: each run is a
// fresh `node <checkout>/bin/packetwalk.mjs diagnose … --keep-node-pods 120 --json` (its own dist/cli bundle), one
// warm-up each, then the median, min and max wall ms and the verdicts each gave. For "what did this change cost":
// a worktree at the commit before (`git worktree add /tmp/pw-before REV && cd /tmp/pw-before && cp -a
// ../main/node_modules . && node scripts/build-cli.mjs`) against this checkout. BENCHMARKS.md session 18.
// Usage: npx tsx bench/ab.ts --before DIR --kubeconfig FILE --from FROM --to TO [--runs 7]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './harness';

const { values } = parseArgs({ options: { before: { type: 'string' }, kubeconfig: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
if (!values.before || !values.kubeconfig || !values.from || !values.to || !(runs > 0)) {
  process.stderr.write('bench/ab.ts: give --before DIR (another checkout, built), --kubeconfig FILE, --from FROM, --to TO, and --runs N (default 7)\n');
  process.exit(2);
}
const trees: Record<string, string> = { before: values.before, after: join(import.meta.dirname, '..') };
const times: Record<string, number[]> = { before: [], after: [] };
const verdicts: Record<string, Set<string>> = { before: new Set(), after: new Set() };
for (let i = 0; i <= runs; i++) {
  for (const [k, dir] of Object.entries(trees)) {
    const t0 = process.hrtime.bigint();
    let out: string;
    try {
      out = execFileSync('node', [join(dir, 'bin', 'packetwalk.mjs'), 'diagnose', '--kubeconfig', values.kubeconfig, '--from', values.from, '--to', values.to, '--keep-node-pods', '120', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      out = (e as { stdout?: string }).stdout ?? ''; // exit 1: unreachable or degraded, still a diagnosis
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) times[k].push(ms);
    try {
      verdicts[k].add((JSON.parse(out) as { verdict: string }).verdict);
    } catch {
      verdicts[k].add('(no diagnosis)');
    }
  }
}
for (const k of Object.keys(trees)) console.log(`${k} (${trees[k]}): median ${median(times[k]).toFixed(0)} ms (min ${Math.min(...times[k]).toFixed(0)}, max ${Math.max(...times[k]).toFixed(0)}), verdicts ${[...verdicts[k]].join(', ')}`);
