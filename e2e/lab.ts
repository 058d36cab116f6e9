// Helpers for the e2e run: the lab CLI and the dashboard server as child processes (argv, no shell, bounded).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_DIR, E2E_LAB, E2E_PORT, ROOT, STATE_FILE, BASE } from './env';

export interface E2eState {
  kubeconfig: string;
  serverPid: number;
  dataDir: string;
}

const BIN = join(ROOT, 'bin', 'packetwalk.mjs');

export function lab(args: string[], timeoutMs = 120_000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'lab', ...args], { env: { ...process.env, PACKETWALK_LAB: E2E_LAB }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 4 << 20 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function readState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
}

export function writeState(s: E2eState): void {
  mkdirSync(E2E_DIR, { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(s));
}

/** Starts `packetwalk serve` on the e2e lab (wallboard re-probes every 2 s) and waits until it answers. */
export async function startServer(kubeconfig: string, dataDir: string): Promise<number> {
  // A server already answering here is not ours (a leftover e2e run): testing it would test the wrong lab.
  const foreign = await fetch(`${BASE}/api/health`).then((r) => r.ok, () => false);
  if (foreign) throw new Error(`something already serves on ${BASE} (a leftover e2e server?): stop it, or set PACKETWALK_E2E_PORT (and PACKETWALK_E2E_LAB) for this run`);
  mkdirSync(E2E_DIR, { recursive: true });
  const log = openSync(join(E2E_DIR, 'serve.log'), 'a');
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(E2E_PORT), '--kubeconfig', kubeconfig, '--data-dir', dataDir, '--wall-interval', '2'], {
    env: { ...process.env, PACKETWALK_LAB: E2E_LAB, NODE_ENV: 'production' },
    stdio: ['ignore', log, log],
    detached: false,
  });
  child.unref();
  const pid = child.pid!;
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (exited !== null) throw new Error(`packetwalk serve exited (${exited}) before it answered on ${BASE}; see ${join(E2E_DIR, 'serve.log')}`);
    try {
      const r = await fetch(`${BASE}/api/health`);
      if (r.ok) return pid;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`packetwalk serve did not answer on ${BASE} within 60 s; see ${join(E2E_DIR, 'serve.log')}`);
}

export async function stopServer(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Stops the running server and starts a new one on the same data directory (the permalink-after-restart check). */
export async function restartServer(): Promise<void> {
  const s = readState();
  await stopServer(s.serverPid);
  const pid = await startServer(s.kubeconfig, s.dataDir);
  writeState({ ...s, serverPid: pid });
}

export function stateExists(): boolean {
  return existsSync(STATE_FILE);
}

/** Real kubectl against the e2e lab (object-level changes the wallboard must notice). */
export function kubectl(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', readState().kubeconfig, ...args], { input, encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 20 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
