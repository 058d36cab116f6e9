// `packetwalk serve` (the dashboard) and `packetwalk demo` (lab up + serve; Ctrl-C stops both and runs
// `lab down`). DESIGN §2. Flags are checked before anything starts; errors name the flag and the fix.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { listenErrorSentence, startServer, ROOT, type RunningServer } from '../index';
import { wallIntervalMs } from '../wall/scheduler';
import { parseFlags, usageOf, type CommandSpec } from './args';
import { debugNamespaceProblem, msEnvProblems } from '../../lib/schema/flags';
import { termBlock } from '../../lib/text';
import { ClusterError, UsageError } from '../cluster/errors';
import { loadCluster } from '../cluster/kubeconfig';
import { makeDir } from '../store/dir';
import { reportCommandError } from './errors';
import { DEMO_SPEC, SERVE_SPEC } from './commands';
import { parseKeepSeconds } from '../../lib/kube/nodeDebug';

export { DEMO_SPEC, SERVE_SPEC };

export const SERVE_USAGE = usageOf(SERVE_SPEC);

export interface ServeFlags {
  host: string;
  port: number;
  kubeconfig?: string;
  context?: string;
  dataDir?: string;
  wallInterval?: string;
  allowedHosts: string[];
}

/** serve's flags (or demo's, `spec` DEMO_SPEC: a subset of them) from argv; a usage error shows that command's usage. */
export function parseServeFlags(argv: string[], spec: CommandSpec = SERVE_SPEC): ServeFlags {
  const f: ServeFlags = { host: '127.0.0.1', port: 3000, allowedHosts: [] };
  const parsed = parseFlags({ ...spec, flags: spec.flags.filter((x) => x.name !== 'help') }, argv);
  if ('error' in parsed) throw new Error(`${parsed.error}\n${usageOf(spec)}`);
  // each value given (every one of a repeatable flag), each checked below
  const given = Object.entries(parsed.values).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : typeof v === 'string' ? [[k, v] as const] : []));
  for (const [flag, v] of given) {
    switch (flag) {
      case 'host':
        f.host = v;
        break;
      case 'port': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: "${v}" is not a port number (0-65535)`);
        f.port = n;
        break;
      }
      case 'kubeconfig':
        f.kubeconfig = v;
        break;
      case 'context':
        f.context = v;
        break;
      case 'data-dir':
        f.dataDir = v;
        break;
      case 'wall-interval':
        f.wallInterval = v;
        break;
      case 'debug-namespace': {
        // Read by diagnose() for every run of this server (pages, wallboard, matrix); diagnose() checks it the same way.
        const bad = debugNamespaceProblem(v);
        if (bad) throw new Error(bad);
        process.env.PACKETWALK_DEBUG_NAMESPACE = v;
        break;
      }
      case 'keep-node-pods': {
        // Read by diagnose() for every run of this server, like --debug-namespace.
        const keep = parseKeepSeconds(v, '--keep-node-pods');
        if (typeof keep === 'string') throw new Error(keep);
        process.env.PACKETWALK_KEEP_NODE_PODS = String(keep);
        break;
      }
      case 'allowed-host':
        if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(v)) throw new Error(`--allowed-host: "${v}" is not a host name (NAME or NAME:PORT, e.g. dash.example.org)`);
        f.allowedHosts.push(v);
        break;
    }
  }
  return f;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function serveWith(f: ServeFlags): Promise<RunningServer> {
  const s = await startServer({
    host: f.host,
    port: f.port,
    kubeconfig: f.kubeconfig,
    context: f.context,
    dataDir: f.dataDir,
    token: process.env.PACKETWALK_TOKEN,
    allowedHosts: f.allowedHosts,
    wallIntervalMs: wallIntervalMs(f.wallInterval, process.env.PACKETWALK_WALL_INTERVAL),
  });
  process.stdout.write(`packetwalk dashboard: ${s.url}${process.env.PACKETWALK_TOKEN ? '/?token=<PACKETWALK_TOKEN>' : ''}\n`);
  return s;
}

/**
 * What serve refuses to start with, said on stderr before anything runs; returns the exit code (2), or undefined
 * when it may start. A --kubeconfig or --context that `diagnose` would refuse gets diagnose's own sentence and fix
 * (loadCluster: every API call would answer 502 otherwise); a data directory that cannot be made names --data-dir
 * (or $PACKETWALK_DATA) and the errno (server/store/dir.ts makeDir: no endless mkdir under /proc); a deadline
 * variable that is no deadline ($PACKETWALK_API_TIMEOUT_MS=abc, lib/schema/flags msEnvProblem) names it.
 */
export function startupProblem(f: Pick<ServeFlags, 'kubeconfig' | 'context' | 'dataDir'>): number | undefined {
  const env = msEnvProblems(process.env);
  if (env) return reportCommandError('serve', new UsageError(env.problem, env.name));
  if (f.kubeconfig !== undefined || f.context !== undefined) {
    try {
      loadCluster({ ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}), ...(f.context !== undefined ? { context: f.context } : {}) });
    } catch (e) {
      return reportCommandError('serve', e instanceof ClusterError ? e : new ClusterError((e as Error).message, 'check the kubeconfig'));
    }
  }
  const flag = f.dataDir !== undefined ? '--data-dir' : process.env.PACKETWALK_DATA ? 'PACKETWALK_DATA' : undefined;
  const dir = f.dataDir ?? (process.env.PACKETWALK_DATA || join(process.cwd(), 'data'));
  try {
    makeDir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    process.stderr.write(`packetwalk serve: ${termBlock(`${flag ?? 'the data directory'} ${dir} cannot be made (${code}${code === 'ENOENT' ? ': a parent refuses new directories' : ''})`)}\n  fix: ${termBlock(`pass a writable directory to --data-dir (or PACKETWALK_DATA)`)}\n`);
    return 2;
  }
  return undefined;
}

export async function serveMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const f = parseServeFlags(argv);
  const refused = startupProblem(f);
  if (refused !== undefined) return refused;
  if (!(await ensureProductionBuild('serve'))) return 2;
  const s = await serveWith(f);
  const sig = await waitForSignal();
  process.stderr.write(`packetwalk serve: ${sig}, stopping\n`);
  await closeWithin(s, CLOSE_MS);
  exitOnceIdle(0);
  return 0;
}

/** How long stopping may wait for the server to close (in-flight requests, sockets) before it goes anyway (ms). */
const CLOSE_MS = 5000;

/** Closes the server, giving up after `ms` (a client holding a socket open must not keep the process). */
async function closeWithin(s: RunningServer, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([s.close().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Ends the process shortly after a server command has stopped, even if something still holds the event loop:
 * Next.js in dev mode keeps file watchers and workers that its close does not end, so one SIGTERM left the process
 * running (a newcomer's trial, 2026-11-30). The timer is unref'd: when nothing else is alive the process ends
 * first, on its own, with its exit code; stderr and stdout have been written by then.
 */
function exitOnceIdle(code: number): void {
  // by then the bin has set process.exitCode from the command's return value
  setTimeout(() => process.exit(typeof process.exitCode === 'number' ? process.exitCode : code), 300).unref();
}

/** Runs `packetwalk lab …` as a child (argv, no shell, bounded) and returns its stdout. */
function labCli(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'lab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const cap = 1 << 20;
    child.stdout.on('data', (b: Buffer) => {
      if (stdout.length < cap) stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < cap) stderr += b.toString();
      process.stderr.write(b);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/**
 * A fresh checkout has no Next.js build; serve and demo make one once: dev mode compiles every page on first view,
 * and Next.js allows one dev server per checkout (a second serve on another port could not start).
 */
async function ensureProductionBuild(command: 'serve' | 'demo'): Promise<boolean> {
  if (existsSync(join(ROOT, '.next', 'BUILD_ID'))) return true;
  process.stderr.write(`packetwalk ${command}: building the dashboard once (next build, about a minute)…\n`);
  const code = await new Promise<number>((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    p.on('error', () => resolve(1));
    p.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) process.stderr.write(`packetwalk ${command}: next build exited ${code}; fix the build or run \`npx next build\` to see why\n`);
  return code === 0;
}

/** Would a listen on host:port fail with a reason the user fixes by a flag? The sentence (listenErrorSentence), else undefined. */
function listenProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => done(listenErrorSentence(e.code, host, port)));
    probe.listen(port, host, () => probe.close(() => done(undefined)));
  });
}

export async function demoMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usageOf(DEMO_SPEC)}${DEMO_SPEC.summary}\n`);
    return 0;
  }
  const f = parseServeFlags(argv, DEMO_SPEC);
  // the address first: a port in use is said before the lab is built (and torn down again) for nothing
  const taken = await listenProblem(f.host, f.port);
  if (taken) {
    process.stderr.write(`packetwalk demo: ${taken}\n`);
    return 2;
  }
  if (!(await ensureProductionBuild('demo'))) return 2;
  process.stderr.write('packetwalk demo: building the lab (packetwalk lab up)…\n');
  const up = await labCli(['up'], 300_000);
  const kubeconfig = up.stdout.trim().split('\n').filter((l) => l.trim()).pop()?.trim();
  if (up.code !== 0 || !kubeconfig) {
    process.stderr.write(`packetwalk demo: lab up failed (exit ${up.code}); nothing is served\n`);
    await labCli(['down'], 120_000);
    return 2;
  }
  let s: RunningServer | null = null;
  try {
    s = await serveWith({ ...f, kubeconfig });
    process.stdout.write(`lab kubeconfig: ${kubeconfig}\nCtrl-C stops the dashboard and tears the lab down.\n`);
    const sig = await waitForSignal();
    process.stderr.write(`packetwalk demo: ${sig}, stopping\n`);
    return 0;
  } finally {
    if (s) await closeWithin(s, CLOSE_MS);
    const down = await labCli(['down'], 120_000);
    process.stderr.write(down.code === 0 ? 'packetwalk demo: lab torn down\n' : `packetwalk demo: lab down exited ${down.code}; run \`packetwalk lab down\`\n`);
    exitOnceIdle(0);
  }
}
