// `packetwalk diagnose` against an API server that accepts and never answers (a frozen control plane): the
// diagnosis's deadline is a sentence and an exit, not a hang — the process leaves within the deadline plus the
// bounded cleanup (server/cluster/deadline.ts), though requests are still waiting on the server (bin/run.mjs).
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endsWhenDone } from './route';

const ROOT = join(import.meta.dirname, '..', '..');
const sockets: Socket[] = [];
const stall = createServer(() => undefined);
stall.on('connection', (s) => sockets.push(s));
afterAll(() => {
  for (const s of sockets) s.destroy();
  stall.close();
});

describe('endsWhenDone', () => {
  it('diagnose and matrix leave once main returns; serve, demo and lab do not', () => {
    expect(endsWhenDone(['diagnose', '--from', 'a/b', '--to', 'c:1'])).toBe(true);
    expect(endsWhenDone(['-n', 'shop', 'diagnose', '--from', 'b'])).toBe(true);
    expect(endsWhenDone(['matrix'])).toBe(true);
    for (const argv of [['serve'], ['demo'], ['lab', 'up'], [], ['--bogus', 'diagnose']]) expect(endsWhenDone(argv)).toBe(false);
  });
});

describe('diagnose on a frozen API server', () => {
  it('exits 2 with the deadline sentence soon after the deadline, not when the requests give up (30 s)', async () => {
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const port = (stall.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'pw-deadline-'));
    const kc = join(dir, 'kubeconfig');
    writeFileSync(kc, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'k', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }], 'current-context': 'c' }));
    const t0 = Date.now();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--kubeconfig', kc, '--from', 'shop/frontend-0', '--to', 'backend:80'], { cwd: ROOT, timeout: 25_000, env: { ...process.env, NO_COLOR: '1', PACKETWALK_SERVER: '', PACKETWALK_DIAGNOSIS_DEADLINE_MS: '1000', PACKETWALK_API_TIMEOUT_MS: '' } }, (e, _stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }));
    });
    expect(r.stderr).toMatch(/did not finish within 1 s/);
    expect(r.code).toBe(2);
    // the deadline, the bounded cleanup (4 s) and start-up (the sources through tsx when the bundle is stale)
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 30_000);
});
