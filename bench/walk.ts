// The in-process walk on running labs, alternating between them: per lab, the median wall time of a diagnosis
// (healthy `shop/frontend-0 → backend.shop:80`, kept node debug pods, one engine process warm for all) and the CPU its
// lab API daemon spent per diagnosis (/proc/PID/stat utime+stime, in ms). With two labs brought up from two builds
// of the lab (e.g. a checkout before and after a change under lab/api), the runs alternate, so both see the same
// machine load: the A/B BENCHMARKS.md records for the lab's exec starter (2026-11-30).
// Usage: npx tsx bench/walk.ts --lab NAME [--lab NAME2 ...] [--runs 25]
//        (each lab running: `PACKETWALK_LAB=NAME npx packetwalk lab up`; they are only read, never changed)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { diagnose } from '../server/diagnose';
import { labDir } from '../lab/state';
import { median } from './harness';

const { values } = parseArgs({ options: { lab: { type: 'string', multiple: true }, runs: { type: 'string', default: '25' } } });
const labs = values.lab ?? [];
const runs = Number(values.runs);
if (!labs.length || !(runs > 0)) {
  process.stderr.write('bench/walk.ts: give --lab NAME (repeatable) of running labs, and --runs N (default 25)\n');
  process.exit(2);
}

const dirOf = (lab: string) => labDir(lab);
/** The lab's API daemon pid, from its state.json (the daemon it runs now). */
const daemonPid = (lab: string): number => {
  const pid = (JSON.parse(readFileSync(`${dirOf(lab)}/state.json`, 'utf8')) as { api?: { pid?: number } }).api?.pid;
  if (!pid) throw new Error(`lab ${lab}: no API daemon in its state.json; is it up?`);
  return pid;
};
/** utime + stime of `pid` in ms (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms). */
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const walk = (lab: string) => diagnose({ from: 'shop/frontend-0', to: 'backend.shop:80' }, { kubeconfig: `${dirOf(lab)}/kubeconfig`, keepNodePods: 120 });

// warm-up: the debug containers, the kept node pods, the engine's JIT
for (const lab of labs) for (let i = 0; i < 3; i++) await walk(lab);
const res = new Map(labs.map((l) => [l, { wall: [] as number[], cpu: 0 }]));
for (let i = 0; i < runs; i++) {
  for (const lab of labs) {
    const pid = daemonPid(lab);
    const c0 = cpuMs(pid);
    const t0 = performance.now();
    const d = await walk(lab);
    if (d.verdict !== 'reachable') throw new Error(`lab ${lab}: the healthy path was ${d.verdict}: ${d.firstFailure?.cause ?? ''} at ${d.firstFailure?.hop ?? ''}`);
    res.get(lab)!.wall.push(performance.now() - t0);
    res.get(lab)!.cpu += cpuMs(pid) - c0;
  }
}
console.log(`${runs} diagnoses per lab, alternating\n| lab | wall median (ms) | lab API daemon CPU per diagnosis (ms) |\n|---|---:|---:|`);
for (const [lab, r] of res) console.log(`| ${lab} | ${median(r.wall).toFixed(0)} | ${(r.cpu / runs).toFixed(0)} |`);
