// serve refuses to start with what diagnose refuses (a --kubeconfig or --context it cannot load) and with a data
// directory it cannot make, instead of answering 502 to every API call or spinning in mkdir under /proc.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startupProblem } from './serve';
import { makeDir } from '../store/dir';

function stderrOf(run: () => number | undefined): { code: number | undefined; err: string } {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((b: string | Uint8Array) => ((err += String(b)), true));
  try {
    return { code: run(), err };
  } finally {
    spy.mockRestore();
  }
}

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: lab, context: {cluster: c, user: u}}]
current-context: lab
`;

describe('serve startup checks', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-serve-'));
    dirs.push(d);
    return d;
  };

  it('--kubeconfig /nonexistent: exit 2 with the sentence diagnose gives', () => {
    const r = stderrOf(() => startupProblem({ kubeconfig: '/nonexistent', dataDir: tmp() }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^packetwalk serve: kubeconfig file \/nonexistent does not exist\n {2}fix: pass an existing file to --kubeconfig/);
  });

  it('--context nope: exit 2 naming the contexts there are', () => {
    const d = tmp();
    writeFileSync(join(d, 'kc'), KUBECONFIG);
    const r = stderrOf(() => startupProblem({ kubeconfig: join(d, 'kc'), context: 'nope', dataDir: d }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^packetwalk serve: context "nope" is not in kubeconfig .*\n {2}fix: use one of: lab/);
    expect(stderrOf(() => startupProblem({ kubeconfig: join(d, 'kc'), context: 'lab', dataDir: d })).code).toBeUndefined();
  });

  it('--data-dir /proc/nope: exit 2 naming --data-dir, at once (Node\'s recursive mkdir loops forever there)', () => {
    const r = stderrOf(() => startupProblem({ dataDir: '/proc/nope/deeper' }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^packetwalk serve: --data-dir \/proc\/nope\/deeper cannot be made \(ENOENT/);
  });

  it('PACKETWALK_API_TIMEOUT_MS=abc: exit 2 naming it (was: ignored)', () => {
    vi.stubEnv('PACKETWALK_API_TIMEOUT_MS', 'abc');
    try {
      const r = stderrOf(() => startupProblem({ dataDir: tmp() }));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^packetwalk serve: PACKETWALK_API_TIMEOUT_MS "abc" is not a whole number of milliseconds of at least 1000/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('makeDir makes the missing levels, and refuses a file in the way', () => {
    const d = tmp();
    makeDir(join(d, 'a', 'b', 'c'));
    makeDir(join(d, 'a', 'b', 'c'));
    writeFileSync(join(d, 'f'), '');
    expect(() => makeDir(join(d, 'f', 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});
