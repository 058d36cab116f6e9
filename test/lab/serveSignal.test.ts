// `packetwalk serve` stops on one SIGTERM (server/cli/serve.ts exitOnceIdle): with Next.js in dev mode — what a
// checkout without `next build` runs, as CI's lab phase does before its build step — the process used to stay
// alive after "stopping" (Next's watchers and workers), for minutes, until a second signal or SIGKILL. No lab is
// needed: the kubeconfig points at a port where nothing listens (the background reconcile just logs that).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pw-serve-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('one SIGTERM ends `packetwalk serve` within seconds, exit 0, whichever Next.js mode it runs', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: nowhere, context: {cluster: c, user: u}}]
current-context: nowhere
`);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'serve', '--port', '0', '--kubeconfig', kubeconfig, '--data-dir', join(dir, 'data')], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const up = Date.now() + 90_000;
    while (!/packetwalk dashboard: http:\/\/\S+/.test(out) && Date.now() < up && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(out, err).toMatch(/packetwalk dashboard: http:\/\/127\.0\.0\.1:\d+/);
    const url = /packetwalk dashboard: (http:\/\/\S+)/.exec(out)![1];
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 10_000))]);
    expect(code, `still running 10 s after one SIGTERM; stderr:\n${err}`).toBe(0);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(err).toContain('packetwalk serve: SIGTERM, stopping');
  } finally {
    child.kill('SIGKILL');
  }
}, 150_000);

it('`packetwalk demo` on a port in use says so and exits 2 before it builds a lab', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  const port = (busy.address() as { port: number }).port;
  const instance = `dp${Math.random().toString(36).slice(2, 6)}`;
  try {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'demo', '--port', String(port)], { cwd: ROOT, env: { ...process.env, PACKETWALK_LAB: instance }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('exit', (code) => resolve({ code, err }));
    });
    expect(r.err).toBe(`packetwalk demo: --port ${port}: something already listens on 127.0.0.1:${port}; pick another port with --port\n`);
    expect(r.code).toBe(2);
  } finally {
    busy.close();
  }
}, 60_000);
