// What the packet's own walk (DESIGN §4 `trace`, server/diagnose/capture.ts) adds to a healthy diagnosis:
// wall time with and without the captures (median of N each, interleaved so load drifts hit both alike;
// target: under 300 ms added) and the bytes the stored Diagnosis grows by (the captures' text, from which
// the pcap is rebuilt on request), plus the pcap's own size. Real engine on its own lab (instance "trb").
// Usage: npx tsx bench/trace.ts [--runs 9]
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../server/diagnose';
import { tracePcap } from '../lib/verdict/trace';
import { benchLab, median, numberFlag, ROOT } from './harness';

const runs = numberFlag('runs', 9);
const lab = benchLab('trb');
const kubeconfig = lab.up(join(ROOT, 'test', 'lab', 'fixtures', 'trace.yaml'));
try {
  const spec = { from: 'shop/frontend-0', to: 'api.shop:80' };
  // warm: the first diagnosis of a pod creates its debug containers
  await diagnose(spec, { kubeconfig });
  await diagnose(spec, { kubeconfig, trace: false });
  const on: number[] = [];
  const off: number[] = [];
  const bytesOn: number[] = [];
  const bytesOff: number[] = [];
  const traceBytes: number[] = [];
  const pcapBytes: number[] = [];
  const captureMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const a = await diagnose(spec, { kubeconfig });
    on.push(performance.now() - t0);
    t0 = performance.now();
    const b = await diagnose(spec, { kubeconfig, trace: false });
    off.push(performance.now() - t0);
    if (a.verdict !== 'reachable' || b.verdict !== 'reachable') throw new Error(`want reachable, got ${a.verdict} / ${b.verdict}`);
    if (!a.trace || a.trace.lastSeen?.hop !== 'dst-pod') throw new Error(`trace did not reach the pod: ${a.trace?.summary}`);
    bytesOn.push(JSON.stringify(a).length);
    bytesOff.push(JSON.stringify(b).length);
    traceBytes.push(JSON.stringify(a.trace).length);
    pcapBytes.push(tracePcap(a.trace)?.length ?? 0);
    captureMs.push(Math.max(...a.trace.points.map((p) => p.evidence.durationMs)));
  }
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
  console.log(`healthy cross-node Service shop/frontend-0 → api.shop:80, ${runs} runs each, interleaved`);
  console.log('| | median (ms) | min | max |\n|---|---:|---:|---:|');
  console.log(`| with trace (10 capture points + conntrack) | ${Math.round(median(on))} | ${Math.round(Math.min(...on))} | ${Math.round(Math.max(...on))} |`);
  console.log(`| without trace | ${Math.round(median(off))} | ${Math.round(Math.min(...off))} | ${Math.round(Math.max(...off))} |`);
  console.log(`| added by the trace (difference of medians) | ${Math.round(median(on) - median(off))} | | |`);
  console.log(`| longest capture (start → stopped), per run | ${Math.round(median(captureMs))} | ${Math.round(Math.min(...captureMs))} | ${Math.round(Math.max(...captureMs))} |`);
  console.log(`stored Diagnosis JSON: ${Math.round(median(bytesOn))} bytes with trace, ${Math.round(median(bytesOff))} without (+${Math.round(median(bytesOn) - median(bytesOff))}); the trace object alone ${Math.round(median(traceBytes))} bytes; the pcap rebuilt from it ${Math.round(median(pcapBytes))} bytes`);
} finally {
  lab.run(['down']);
}
