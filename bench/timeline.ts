// Where a diagnosis spends its time: one line per exec (start, socket open) and per engine event, in ms from the
// start of the run, for the last of `--runs` in-process diagnoses (the ones before warm the JIT and the debug
// containers), then each run's total. What BENCHMARKS.md "CLI wall time" was profiled with (issue 9).
// Usage: npx tsx bench/timeline.ts --kubeconfig FILE [--from shop/frontend-0] [--to backend.shop:80] [--runs 3] [--keep SECONDS] [--no-trace]
//        (--keep: the node debug pods are kept and reused, as `diagnose --keep-node-pods` does)
//        (a running lab: `PACKETWALK_LAB=x npx packetwalk lab up` prints the kubeconfig last)
import { Exec } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { diagnose } from '../server/diagnose';
import type { DiagnosisEvent } from '../lib/events';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, from: { type: 'string', default: 'shop/frontend-0' }, to: { type: 'string', default: 'backend.shop:80' }, runs: { type: 'string', default: '3' }, keep: { type: 'string', default: '0' }, 'no-trace': { type: 'boolean', default: false } } });
if (!values.kubeconfig) {
  process.stderr.write('bench/timeline.ts: --kubeconfig FILE is required (the last line `packetwalk lab up` prints)\n');
  process.exit(2);
}

let t0 = performance.now();
let lines: string[] = [];
const at = () => (performance.now() - t0).toFixed(0).padStart(5);

// Every exec of the engine goes through client-node's Exec (server/exec/socket.ts builds it): time its start and open.
const exec = Exec.prototype.exec;
let n = 0;
Exec.prototype.exec = async function (this: Exec, ...args: Parameters<Exec['exec']>) {
  const i = ++n;
  const start = performance.now();
  const [, pod, container, command] = args;
  lines.push(`${at()} exec#${i} start ${pod}/${container} ${(Array.isArray(command) ? command : [command]).join(' ').slice(0, 80)}`);
  const ws = await exec.apply(this, args);
  lines.push(`${at()} exec#${i} open after ${(performance.now() - start).toFixed(0)} ms`);
  ws.on('close', () => lines.push(`${at()} exec#${i} closed after ${(performance.now() - start).toFixed(0)} ms`));
  return ws;
};

const totals: number[] = [];
for (let r = 0; r < Number(values.runs); r++) {
  t0 = performance.now();
  lines = [];
  const onEvent = (ev: DiagnosisEvent) => lines.push(`${at()} ${ev.type}${ev.type === 'hop:update' ? ` ${ev.payload.hop.id} ${ev.payload.hop.status}` : ''}`);
  const d = await diagnose({ from: values.from, to: values.to }, { kubeconfig: values.kubeconfig, onEvent, keepNodePods: Number(values.keep), trace: !values['no-trace'] });
  totals.push(performance.now() - t0);
  lines.push(`${at()} done: ${d.verdict}`);
}
console.log(lines.join('\n'));
console.log(`\nruns (ms): ${totals.map((x) => x.toFixed(0)).join(', ')}`);
