// Matrix time against the lab (figures, not a test): `npx tsx bench/matrix.ts [--runs 5] [--sizes 4,10,30]
// [--baseline-runs 5] [--baseline-max 100] [--concurrency 32]` (--baseline-max 0 skips the baseline).
// For each size N it builds a lab of N bare pods (one port each,
// alternating over the two nodes; the second half admits ingress only from itself, so a quarter of the
// cells are policy drops that cost nc its 2 s timeout), then times runMatrix (N sources × N pod targets =
// N² cells): the first run (debug containers created) and the median of --runs warm runs. Beside it, the
// same cells as sequential `kubectl exec … -- nc -z -w 2 IP PORT` calls: every cell when N² ≤
// --baseline-max, else a sample of --baseline-max cells spread over the grid (same share of denied cells),
// scaled to N² — the table says which.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchLab, median, numberFlag } from './harness';
import { runMatrix } from '../server/matrix';
import type { Matrix } from '../lib/matrix';

const argv = process.argv.slice(2);
const runs = numberFlag('runs', 5);
const baselineRuns = numberFlag('baseline-runs', 5);
const baselineMax = numberFlag('baseline-max', 100);
const concurrency = numberFlag('concurrency', 32);
const sizesArg = argv.indexOf('--sizes');
const sizes = sizesArg >= 0 ? argv[sizesArg + 1].split(',').map(Number) : [4, 10, 30];

function labFile(n: number): string {
  const docs: string[] = [
    'kind: Lab\ncluster: {nodes: [worker-1, worker-2], overlay: vxlan, kubeProxy: iptables, networkPolicy: enforce, podCIDR: 10.244.0.0/16, serviceCIDR: 10.96.0.0/16}\nfaults: []',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}',
  ];
  for (let i = 0; i < n; i++) {
    const half = i < n / 2 ? 'a' : 'b';
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${String(i).padStart(2, '0')}, namespace: bench, labels: {half: ${half}}}\nspec:\n  nodeName: worker-${(i % 2) + 1}\n  containers: [{name: c, image: busybox:1.36, ports: [{containerPort: ${8000 + i}}]}]`);
  }
  docs.push('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b-from-b, namespace: bench}\nspec:\n  podSelector: {matchLabels: {half: b}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{podSelector: {matchLabels: {half: b}}}]}]');
  return `${docs.join('\n---\n')}\n`;
}

function kubectlConnect(kubeconfig: string, from: string, ip: string, port: number): void {
  const [ns, pod] = from.split('/');
  spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'exec', '-n', ns, pod, '-c', 'packetwalk-debug', '--', 'nc', '-z', '-w', '2', ip, String(port)], { timeout: 20_000 });
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

const dir = mkdtempSync(join(tmpdir(), 'pw-bench-matrix-'));
const lab = benchLab(`bm${Math.random().toString(36).slice(2, 6)}`);
const rows: string[] = [];
try {
  for (const n of sizes) {
    const file = join(dir, `matrix-${n}.yaml`);
    writeFileSync(file, labFile(n));
    const kubeconfig = lab.up(file);
    const go = () => runMatrix({ namespaces: ['bench'], kubeconfig, concurrency });
    const [cold, m0] = await timed(go);
    const cells = m0.cells.length;
    const agree = m0.cells.filter((c) => c.agree === true).length;
    const denied = m0.cells.filter((c) => c.predicted === 'deny').length;
    const warm: number[] = [];
    let m: Matrix = m0;
    for (let i = 0; i < runs; i++) {
      const [t, v] = await timed(go);
      warm.push(t);
      m = v;
    }
    // the baseline: the same connects, one sequential kubectl exec each
    const targets = new Map(m.targets.map((t) => [t.id, t]));
    const all = m.cells;
    const sample = baselineMax <= 0 ? [] : all.length <= baselineMax ? all : all.filter((_, i) => i % Math.ceil(all.length / baselineMax) === 0);
    const reps = all.length <= baselineMax ? baselineRuns : 1;
    const base: number[] = [];
    for (let r = 0; r < (sample.length ? reps : 0); r++) {
      const t0 = performance.now();
      for (const c of sample) {
        const t = targets.get(c.to)!;
        kubectlConnect(kubeconfig, c.from, t.ip, t.port);
      }
      base.push(((performance.now() - t0) * all.length) / sample.length);
    }
    const line = `| ${n}×${n} | ${cells} | ${denied} | ${agree} | ${(cold / 1000).toFixed(2)} | ${(median(warm) / 1000).toFixed(2)} | ${(Math.min(...warm) / 1000).toFixed(2)} | ${(median(base) / 1000).toFixed(1)}${sample.length < all.length ? ` (${sample.length} sampled, scaled)` : ` (median of ${reps})`} | ${(median(base) / median(warm)).toFixed(1)}× | ${loadavg()[0].toFixed(2)} |`;
    console.log(line);
    rows.push(line);
  }
} finally {
  try {
    lab.run(['down']);
  } catch (e) {
    console.error((e as Error).message);
  }
  rmSync(dir, { recursive: true, force: true });
}
console.log('\n| cells | N² | policy-denied | agree | first run (s) | median of warm runs (s) | best (s) | sequential kubectl exec nc -z (s) | speed-up | load (1 min) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
