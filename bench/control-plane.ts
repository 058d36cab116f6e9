// A real control plane's size (issue 12): diagnosis time, this process's memory (it plays the server: the
// engine runs in-process, as in `packetwalk serve`) and the API bytes read per diagnosis, on a lab holding
// 1k and then 10k API-only Services × 3 endpoints and as many pods (cluster.api.bulk) beside a healthy
// cross-node shop path. "before" forces the cluster-wide read every diagnosis did before issue 12
// (PACKETWALK_FULL_SNAPSHOT=1); "after" is the focused read (server/cluster/snapshot.ts).
// Bytes come from the lab API's own counter (GET /metrics, JSON bodies it answered).
// Usage: npx tsx --expose-gc bench/control-plane.ts [--runs 5] [--sizes 1000,10000]   (needs root for the lab)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { diagnose } from '../server/diagnose';
import { benchLab, median, numberFlag } from './harness';

const runs = numberFlag('runs', 5);
const sizesArg = process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1] : '1000,10000';
const sizes = sizesArg.split(',').map(Number);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const labFile = (n: number) => `kind: Lab
cluster:
  nodes: [worker-1, worker-2]
  api: {bulk: {services: ${n}, endpointsPerService: 3, pods: ${n}}}
---
{apiVersion: v1, kind: Namespace, metadata: {name: shop}}
---
{apiVersion: v1, kind: Pod, metadata: {name: frontend, namespace: shop, labels: {app: frontend}}, spec: {nodeName: worker-1, containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}}
---
{apiVersion: v1, kind: Pod, metadata: {name: backend, namespace: shop, labels: {app: backend}}, spec: {nodeName: worker-2, containers: [{name: api, image: api, ports: [{containerPort: 8080}]}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: backend, namespace: shop}, spec: {selector: {app: backend}, ports: [{port: 80, targetPort: 8080}]}}
`;

/** The lab API's counters (bytes of JSON answered, requests). */
function metrics(labDir: string): Promise<{ bytes: number; requests: number }> {
  const port = JSON.parse(readFileSync(join(labDir, 'state.json'), 'utf8')).api.port as number;
  const token = JSON.parse(readFileSync(join(labDir, 'api', 'tokens.json'), 'utf8')).admin as string;
  const ca = readFileSync(join(labDir, 'api', 'ca.crt'));
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics', ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let t = '';
      res.on('data', (c) => (t += c));
      res.on('end', () => resolve({ bytes: Number(/response_bytes_total (\d+)/.exec(t)?.[1]), requests: Number(/requests_total (\d+)/.exec(t)?.[1]) }));
    }).on('error', reject).end();
  });
}

async function measure(kubeconfig: string, labDir: string) {
  gc();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 10);
  const before = await metrics(labDir);
  const t = performance.now();
  const d = await diagnose({ from: 'shop/frontend', to: 'backend:80' }, { kubeconfig, trace: false });
  const ms = performance.now() - t;
  clearInterval(sampler);
  const after = await metrics(labDir);
  if (d.verdict !== 'reachable') throw new Error(`diagnosis not right: ${d.verdict} ${d.summary}`);
  // the metrics request itself is counted once (before's); subtract it
  return { ms, heapMB: (peakHeap - base.heapUsed) / 1048576, rssMB: peakRss / 1048576, bytes: after.bytes - before.bytes, requests: after.requests - before.requests - 1 };
}

const load = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
console.log(`machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores, node ${process.version}, load ${load()}; ${runs} runs each, medians; trace capture off (it does not read the API)`);
console.log('size | read | diagnosis ms | peak heap growth MB | peak RSS MB | API bytes read | API requests');
for (const n of sizes) {
  const instance = `bq${Math.random().toString(36).slice(2, 6)}`;
  const lab = benchLab(instance);
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-cp-'));
  try {
    writeFileSync(join(dir, 'lab.yaml'), labFile(n));
    const kubeconfig = lab.up(join(dir, 'lab.yaml'));
    const labDir = join(kubeconfig, '..');
    await diagnose({ from: 'shop/frontend', to: 'backend:80' }, { kubeconfig, trace: false }); // debug containers made once
    for (const mode of ['before', 'after'] as const) {
      process.env.PACKETWALK_FULL_SNAPSHOT = mode === 'before' ? '1' : '0';
      const rs: Awaited<ReturnType<typeof measure>>[] = [];
      for (let i = 0; i < runs; i++) rs.push(await measure(kubeconfig, labDir));
      const m = (k: keyof (typeof rs)[number]) => median(rs.map((r) => r[k]));
      console.log(`${n} | ${mode === 'before' ? 'cluster-wide (before)' : 'focused (after)'} | ${m('ms').toFixed(0)} | ${m('heapMB').toFixed(1)} | ${m('rssMB').toFixed(0)} | ${(m('bytes') / 1024).toFixed(0)} KiB | ${m('requests')}`);
    }
  } finally {
    delete process.env.PACKETWALK_FULL_SNAPSHOT;
    try {
      lab.run(['down']);
    } catch (e) {
      console.error(`lab down: ${(e as Error).message}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(0);
