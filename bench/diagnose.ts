// Wall time of whole diagnoses on the lab (figures for BENCHMARKS.md, not a test): a healthy cross-node
// Service diagnosis (target < 2 s) and failing paths bounded by probe timeouts (target < 5 s). Each is the
// real engine through the lab's Kubernetes API: read objects, plan, footholds, every probe, verdict.
// Usage: npx tsx bench/diagnose.ts [runs=15]   (builds its own lab, instance "enb", and removes it)
//        npx tsx bench/diagnose.ts --family all|flannel|calico|cilium|kindnet|vpc [--runs 9]   (bench/family.ts)
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../server/diagnose';
import { median, numberFlag } from './harness';

const ROOT = join(import.meta.dirname, '..');
const INSTANCE = 'enb';
// --family F: healthy-path time per dataplane family instead (bench/family.ts), median of --runs (default 9).
const familyAt = process.argv.indexOf('--family');
if (familyAt > 0) {
  const { benchFamilies } = await import('./family');
  await benchFamilies(process.argv[familyAt + 1] ?? 'all', numberFlag('runs', 9));
  process.exit(0);
}
const runs = Number(process.argv[2] ?? 15);
const env = { ...process.env, PACKETWALK_LAB: INSTANCE };
const lab = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'packetwalk.mjs'), 'lab', ...args], { env, encoding: 'utf8', timeout: 300_000 });


async function timeIt(from: string, to: string, kubeconfig: string, n: number, want: string) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const d = await diagnose({ from, to }, { kubeconfig });
    ms.push(performance.now() - t0);
    const got = `${d.verdict}/${d.firstFailure?.cause ?? '-'}`;
    if (got !== want) throw new Error(`${from} → ${to}: got ${got}, want ${want}`);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms), n };
}

const out = lab('up', '--config', join(ROOT, 'test', 'lab', 'fixtures', 'mesh-vxlan-iptables.yaml'));
const kubeconfig = out.trim().split('\n').pop()!.trim();
try {
  const rows: string[] = [];
  const row = (what: string, r: { median: number; min: number; max: number; n: number }) => rows.push(`| ${what} | ${r.n} | ${Math.round(r.median)} | ${Math.round(r.min)} | ${Math.round(r.max)} |`);
  // First diagnosis of a pod pays for its debug containers; later ones reuse them.
  const cold = performance.now();
  await diagnose({ from: 'shop/frontend-0', to: 'backend.shop:80' }, { kubeconfig });
  const coldMs = performance.now() - cold;
  row('healthy cross-node Service `shop/frontend-0 → backend:80` (debug containers exist)', await timeIt('shop/frontend-0', 'backend:80', kubeconfig, runs, 'reachable/-'));
  row('healthy cross-node pod target `→ pod:shop/backend-0:8080`', await timeIt('shop/frontend-0', 'pod:shop/backend-0:8080', kubeconfig, runs, 'reachable/-'));
  row('object-level: selector matches nothing `→ lonely.shop:80`', await timeIt('shop/frontend-0', 'lonely.shop:80', kubeconfig, 5, 'unreachable/no-endpoints'));
  row('ingress NetworkPolicy deny `→ postgres.db:5432`', await timeIt('shop/frontend-0', 'postgres.db:5432', kubeconfig, 5, 'unreachable/policy-denied'));
  for (const [fault, to, want] of [
    ['proxy-rules-missing:service=shop/backend', 'backend.shop:80', 'unreachable/proxy-rules-missing'],
    ['dns-down', 'backend.shop:80', 'unreachable/dns-timeout'],
    ['overlay-blocked:node=worker-2', 'pod:shop/backend-0:8080', 'unreachable/overlay-blocked'],
    ['mtu-blackhole:node=worker-2', 'pod:shop/backend-0:8080', 'degraded/mtu-blackhole'],
  ] as const) {
    lab('fault', 'add', fault);
    try {
      row(`fault \`${fault}\` \`→ ${to}\``, await timeIt('shop/frontend-0', to, kubeconfig, 5, want));
    } finally {
      lab('fault', 'clear');
    }
  }
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
  console.log(`first diagnosis of the pod (creates 2 ephemeral debug containers): ${Math.round(coldMs)} ms`);
  console.log('\n| diagnosis | runs | median (ms) | min (ms) | max (ms) |\n|---|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
} finally {
  lab('down');
}
