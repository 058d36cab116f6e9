// What the benchmarks share: numeric --flags, the median, a lab instance of their own driven through the
// real CLI, `packetwalk serve` awaited on /api/health, and one teardown for their `finally` blocks (browser,
// server, lab, data dir), so each benchmark leaves nothing behind the same way.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'packetwalk.mjs');

/** `--name N` from the command line (or `argv`) as a number, or `d` when the flag is absent. */
export function numberFlag(name: string, d: number, argv = process.argv.slice(2)): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface BenchLab {
  /** `packetwalk lab <a…>` with PACKETWALK_LAB set to this instance; throws with its stderr on failure. */
  run(a: string[]): string;
  /** `lab up --config <file>`; returns the kubeconfig path, the last line it prints. */
  up(config: string): string;
}

export function benchLab(instance: string): BenchLab {
  const run = (a: string[]): string => {
    const r = spawnSync(process.execPath, [BIN, 'lab', ...a], { env: { ...process.env, PACKETWALK_LAB: instance }, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`lab ${a.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  return { run, up: (config) => run(['up', '--config', config]).trim().split('\n').pop()!.trim() };
}

/** Polls GET /api/health every 250 ms until it answers ok; gives up after about a minute. */
export async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      /* starting */
    }
    if (i > 240) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Closes the browser, stops the server (SIGTERM, waits for its exit), takes the lab down, removes the data dir. */
export async function tearDown(t: { browser: Browser; server: ChildProcess | null; lab: BenchLab; dataDir: string }): Promise<void> {
  await t.browser.close().catch(() => undefined);
  const server = t.server;
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  try {
    t.lab.run(['down']);
  } catch (e) {
    console.error((e as Error).message);
  }
  rmSync(t.dataDir, { recursive: true, force: true });
}
