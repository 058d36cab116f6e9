// CLI wall time (issue 9): `packetwalk diagnose` for a healthy cross-node Service path on a lab of its own,
// run as a user runs it (a fresh `node bin/packetwalk.mjs` process each time), through the prebuilt bundle
// (dist/cli) and through the TypeScript sources (tsx), beside one hand probe `kubectl exec … nc -z` measured
// in the same run; plus the import time of each command's module in a fresh process (diagnose with its engine).
// The bundle is also timed with `--keep-node-pods 120`: node debug pods kept by the run before are reused, so
// no pod start is waited for (what a user re-running a diagnosis within the window gets); and with
// `--server URL`: a `packetwalk serve --keep-node-pods 120` on the same lab runs it (its engine warm, its
// node debug pods kept), the CLI only posts the spec and follows the run (server/cli/remote.ts).
// Usage: npx tsx bench/cli.ts [--runs 9]   (needs root for the lab and a built dashboard, `npx next build`,
// for serve; builds the CLI bundle first)
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, benchLab, median, numberFlag } from './harness';

const runs = numberFlag('runs', 9);
const instance = `bc${Math.random().toString(36).slice(2, 6)}`;
const lab = benchLab(instance);

/**
 * Set on some machines (this one's environment points it at the whole system bundle): node 20 parses the file at
 * every start, before any of our code runs (nodejs/node#40524; later nodes load it lazily, off the main thread).
 * kubectl, the hand probe, does not pay it; so the packetwalk runs are also timed without it, in the same run.
 */
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;

function wall(cmd: string, args: string[], env: Record<string, string> = {}, withoutExtraCa = false): number {
  const t = process.hrtime.bigint();
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (withoutExtraCa) delete full.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(cmd, args, { env: full, encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-300)}`);
  return ms;
}

function importMs(specifier: string, bundled: boolean): number {
  // a fresh process per sample: what a user's first command pays
  const code = `const t=performance.now(); ${bundled ? '' : "(await import('tsx/esm/api')).register();"} await import(${JSON.stringify(specifier)}); console.log(performance.now()-t)`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(build.stderr);
// The bundle runs are timed as a user runs the bin: with its freshness check (bin/freshness.mjs, ~5 ms over the
// sources), which must pick the bundle just built (a source edited meanwhile would make them tsx runs).
const AS_USER: Record<string, string> = { PACKETWALK_BUNDLE: '' };
const fresh = spawnSync(process.execPath, ['--input-type=module', '-e', `const { cliModule } = await import(${JSON.stringify(join(ROOT, 'bin', 'freshness.mjs'))}); process.exit(cliModule().bundled ? 0 : 1)`], { env: { ...process.env, ...AS_USER }, encoding: 'utf8' });
if (fresh.status !== 0) throw new Error('the CLI bundle is older than a source file right after the build: is something editing the sources?');
const load = () => (spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' '));
console.log(`machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores, node ${process.version}, load ${load()}`);
let server: ReturnType<typeof spawn> | undefined;
/** `packetwalk serve` on the lab (the bundle, a port of its own): resolves its URL once it listens. */
function serve(kubeconfig: string): Promise<string> {
  const port = 39000 + Math.floor(Math.random() * 1000);
  server = spawn(process.execPath, [BIN, 'serve', '--kubeconfig', kubeconfig, '--port', String(port), '--keep-node-pods', '120', '--data-dir', join('/tmp', `pw-bench-${instance}`)], { env: { ...process.env, PACKETWALK_BUNDLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    const on = (b: Buffer) => {
      out += b.toString();
      const url = /packetwalk dashboard: (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(t);
        resolve(url);
      }
    };
    server!.stdout!.on('data', on);
    server!.stderr!.on('data', on);
    server!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

try {
  const kubeconfig = lab.up(join(ROOT, 'lab', 'default.yaml'));
  const diag = ['diagnose', '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--kubeconfig', kubeconfig];
  wall(process.execPath, [BIN, ...diag], AS_USER); // first run creates the debug containers
  const keep = [...diag, '--keep-node-pods', '120'];
  wall(process.execPath, [BIN, ...keep], AS_USER); // ...and this one the kept node debug pods
  const url = await serve(kubeconfig);
  const remote = ['diagnose', '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--server', url];
  for (let i = 0; i < 2; i++) wall(process.execPath, [BIN, ...remote], AS_USER); // the server's pods, and its JIT
  const hand: number[] = [], bundled: number[] = [], sources: number[] = [], kept: number[] = [], served: number[] = [];
  // the same three bundle runs without NODE_EXTRA_CA_CERTS (only when it is set), and node's own start both ways
  const bare = { bundled: [] as number[], kept: [] as number[], served: [] as number[], node: [] as number[], nodeWith: [] as number[] };
  for (let i = 0; i < runs; i++) {
    hand.push(wall('kubectl', ['--kubeconfig', kubeconfig, 'exec', '-n', 'shop', 'frontend-0', '-c', 'web', '--', 'nc', '-z', '-w', '2', 'backend.shop', '80']));
    bundled.push(wall(process.execPath, [BIN, ...diag], AS_USER));
    kept.push(wall(process.execPath, [BIN, ...keep], AS_USER));
    served.push(wall(process.execPath, [BIN, ...remote], AS_USER));
    sources.push(wall(process.execPath, [BIN, ...diag], { PACKETWALK_BUNDLE: '0' }));
    if (EXTRA_CA) {
      bare.bundled.push(wall(process.execPath, [BIN, ...diag], AS_USER, true));
      bare.kept.push(wall(process.execPath, [BIN, ...keep], AS_USER, true));
      bare.served.push(wall(process.execPath, [BIN, ...remote], AS_USER, true));
      bare.nodeWith.push(wall(process.execPath, ['-e', '0']));
      bare.node.push(wall(process.execPath, ['-e', '0'], {}, true));
    }
  }
  const h = median(hand);
  console.log(`\nmedian of ${runs} (wall ms), load after: ${load()}`);
  const cell = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} | ${(median(xs) / h).toFixed(1)}` : 'n/a | n/a');
  console.log(`| what | median (ms) | × hand probe | without NODE_EXTRA_CA_CERTS (ms) | × hand probe |\n|---|---:|---:|---:|---:|`);
  console.log(`| kubectl exec … nc -z (hand probe) | ${h.toFixed(0)} | 1.0 | ${h.toFixed(0)} | 1.0 |`);
  console.log(`| packetwalk diagnose, bundle (dist/cli) | ${cell(bundled)} | ${cell(bare.bundled)} |`);
  console.log(`| packetwalk diagnose --keep-node-pods 120, bundle (node debug pods reused) | ${cell(kept)} | ${cell(bare.kept)} |`);
  console.log(`| packetwalk diagnose --server URL, bundle (serve --keep-node-pods 120 runs it) | ${cell(served)} | ${cell(bare.served)} |`);
  console.log(`| packetwalk diagnose, sources via tsx | ${cell(sources)} | n/a | n/a |`);
  if (EXTRA_CA) console.log(`\nNODE_EXTRA_CA_CERTS=${EXTRA_CA} is set: \`node -e 0\` takes ${median(bare.nodeWith).toFixed(0)} ms with it, ${median(bare.node).toFixed(0)} ms without (node parses the file at start: nodejs/node#40524)`);
  console.log(`\nimport time per command module (median of ${runs}, fresh process each):`);
  console.log(`| command | bundle (ms) | sources via tsx (ms) |\n|---|---:|---:|`);
  const bundleChunk = (name: string) => {
    const r = spawnSync('ls', [join(ROOT, 'dist', 'cli')], { encoding: 'utf8' }).stdout.split('\n').find((f) => f.startsWith(`${name}-`));
    return r ? join(ROOT, 'dist', 'cli', r) : '';
  };
  // diagnose: the command with its engine and client-node — the CommonJS bundle with its V8 code cache
  // (dist/cli/diagnose-cached.mjs → bin/codecache.mjs) against server/cli/diagnoseBundle.ts through tsx.
  for (const [cmd, src, file] of [
    ['diagnose (+ engine)', 'server/cli/diagnoseBundle.ts', join(ROOT, 'dist', 'cli', 'diagnose-cached.mjs')],
    ['lab', 'lab/cli.ts', bundleChunk('cli')],
    ['serve', 'server/cli/serve.ts', bundleChunk('serve')],
  ] as const) {
    const b: number[] = [], s: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (file) b.push(importMs(file, true));
      s.push(importMs(join(ROOT, src), false));
    }
    console.log(`| ${cmd} | ${file ? median(b).toFixed(0) : 'n/a'} | ${median(s).toFixed(0)} |`);
  }
} finally {
  server?.kill('SIGINT');
  await new Promise((r) => (server && server.exitCode === null ? server.once('exit', r) : r(undefined)));
  try { lab.run(['down']); } catch { /* already down */ }
  rmSync(join('/tmp', `pw-bench-${instance}`), { recursive: true, force: true });
}
