// The CLI as the bins load it when dist/cli is current: built by scripts/build-cli.mjs, diagnose from its
// CommonJS bundle with a V8 code cache (bin/codecache.mjs). Exercised in a fresh process each, as a user runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM JavaScript without types (the bins' own helper)
import { requireCached, writeCodeCache } from '../../bin/codecache.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });

describe('bin/codecache.mjs', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-codecache-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a CommonJS file with the cache it wrote, and without one', () => {
    const file = join(dir, 'm.cjs');
    writeFileSync(file, "const path = require('node:path'); exports.twice = (x) => 2 * x; exports.base = path.basename(__filename);");
    expect(requireCached(file).twice(21)).toBe(42); // no cache yet
    expect(writeCodeCache(file)).toBeGreaterThan(0);
    const m = requireCached(file);
    expect(m.twice(4)).toBe(8);
    expect(m.base).toBe('m.cjs');
  });

  it('a cache made for other source is rejected by V8 and the file still loads as written', () => {
    const file = join(dir, 'n.cjs');
    writeFileSync(file, 'exports.v = 1;');
    writeCodeCache(file);
    writeFileSync(file, 'exports.v = 2; exports.w = 3;');
    expect(requireCached(file)).toEqual({ v: 2, w: 3 });
  });
});

describe('the built CLI (dist/cli)', () => {
  beforeAll(async () => {
    const b = await run(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/code caches \d+\.\d MB/);
  }, 120_000);

  it('diagnose --help comes from the cached CommonJS bundle', async () => {
    const r = await run(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--help'], { PACKETWALK_BUNDLE: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('packetwalk diagnose');
    expect(r.stdout).toContain('--debug-namespace');
  });

  it('a bad --to is a usage error (exit 2, the field and the fix) before any cluster is read', async () => {
    const r = await run(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--from', 'shop/frontend-0', '--to', 'backend:99999', '--kubeconfig', '/nonexistent'], { PACKETWALK_BUNDLE: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/packetwalk diagnose: .*99999/);
  });

  it('diagnose --server runs from its own cached bundle (bin/run.mjs asks route.js first): its sentences, no stack trace', async () => {
    const bin = join(ROOT, 'bin', 'packetwalk.mjs');
    const down = await run(process.execPath, [bin, 'diagnose', '--server', 'http://127.0.0.1:1', '--from', 'shop/a', '--to', 'b:80'], { PACKETWALK_BUNDLE: '1' });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^packetwalk diagnose: cannot reach the packetwalk server at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)\n {2}fix: /);
    const bad = await run(process.execPath, [bin, 'diagnose', '--from', 'shop/a', '--to', 'b:80', '--kubeconfig', 'x'], { PACKETWALK_BUNDLE: '1', PACKETWALK_SERVER: 'http://127.0.0.1:1' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kubeconfig does not go with --server/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('a kubeconfig that does not exist is a cluster error said as such (exit 2), not a crash', async () => {
    const r = await run(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--from', 'shop/frontend-0', '--to', 'backend:80', '--kubeconfig', '/nonexistent/kubeconfig'], { PACKETWALK_BUNDLE: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/packetwalk diagnose: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
