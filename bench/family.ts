// Healthy-path diagnosis time per dataplane family (DESIGN §3.1): one lab per family on the same topology
// (test/contract/calico-vxlan.yaml with cluster.cni/overlay swapped: flannel vxlan, calico vxlan, cilium
// vxlan, kindnet host-gw, vpc routed; kube-proxy iptables, NetworkPolicy enforced), then a median of N
// whole diagnose() calls for a cross-node Service (`app/client-0 → web.app:80`) and a cross-node pod target
// (`→ pod:app/web-0:8080`) after one cold diagnosis. Figures for BENCHMARKS.md, not a test.
// Usage: npx tsx bench/diagnose.ts --family all|flannel|calico|cilium|kindnet|vpc [--runs 9]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../server/diagnose';
import { BIN, ROOT, median } from './harness';

const SHAPES: Record<string, { overlay: string }> = { flannel: { overlay: 'vxlan' }, calico: { overlay: 'vxlan' }, cilium: { overlay: 'vxlan' }, kindnet: { overlay: 'host-gw' }, vpc: { overlay: 'routed' } };

async function timeIt(from: string, to: string, kubeconfig: string, n: number): Promise<{ median: number; min: number; max: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const d = await diagnose({ from, to }, { kubeconfig });
    ms.push(performance.now() - t0);
    if (d.verdict !== 'reachable') throw new Error(`${from} → ${to}: got ${d.verdict}/${d.firstFailure?.cause ?? '-'}, want reachable`);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms) };
}

export async function benchFamilies(which: string, runs: number): Promise<void> {
  const families = which === 'all' ? Object.keys(SHAPES) : [which];
  for (const f of families) if (!SHAPES[f]) throw new Error(`--family: unknown family "${f}"; use all | ${Object.keys(SHAPES).join(' | ')}`);
  const base = readFileSync(join(ROOT, 'test', 'contract', 'calico-vxlan.yaml'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-family-'));
  const rows: string[] = [];
  try {
    for (const f of families) {
      const file = join(dir, `${f}.yaml`);
      writeFileSync(file, base.replace(/^ {2}cni: \S+$/m, `  cni: ${f}`).replace(/^ {2}overlay: \S+$/m, `  overlay: ${SHAPES[f].overlay}`));
      const env = { ...process.env, PACKETWALK_LAB: `bf${f.slice(0, 3)}` };
      const lab = (...args: string[]) => execFileSync('node', [BIN, 'lab', ...args], { env, encoding: 'utf8', timeout: 300_000 });
      const kubeconfig = lab('up', '--config', file).trim().split('\n').pop()!.trim();
      try {
        const cold = performance.now();
        await diagnose({ from: 'app/client-0', to: 'web.app:80' }, { kubeconfig });
        const coldMs = performance.now() - cold;
        const svc = await timeIt('app/client-0', 'web.app:80', kubeconfig, runs);
        const pod = await timeIt('app/client-0', 'pod:app/web-0:8080', kubeconfig, runs);
        rows.push(`| ${f} (${SHAPES[f].overlay}) | ${runs} | ${Math.round(svc.median)} | ${Math.round(svc.min)}–${Math.round(svc.max)} | ${Math.round(pod.median)} | ${Math.round(pod.min)}–${Math.round(pod.max)} | ${Math.round(coldMs)} |`);
      } finally {
        lab('down');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
  console.log('\n| family (overlay) | runs | Service median (ms) | min–max | pod target median (ms) | min–max | cold first (ms) |\n|---|---:|---:|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
}
