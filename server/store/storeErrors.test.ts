// Storage failures as sentences (issue 10), on real file systems: a corrupt store, a read-only one (a tmpfs
// remounted read-only), and a full disk (a 320 KiB tmpfs: SQLite gets a real ENOSPC) under a running server —
// the run ends instead of staying `running`, POST answers 507 naming the file and the fix, and a restart with
// room marks what the store still held as interrupted. Also: an unknown context in POST is a 400 on `context`.
// Mounting needs root (CI and the lab run as root); without it those cases are skipped and say so.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './index';
import { StoreError, toStoreError } from './errors';
import { startServer, type RunningServer } from '../index';
import type { DiagnoseFn } from '../web/runs';
import type { Diagnosis } from '../../lib/model';

const fixture = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pw-storeerr-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'kubeconfig'), `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lab, context: {cluster: c, user: u}}]\ncurrent-context: lab\n`);
  return d;
}

/** A tmpfs of `size` at a fresh directory, unmounted after the test; null when mounting is not permitted. */
function tmpfs(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'pw-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  cleanup.push(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
const canMount = (() => {
  const d = mkdtempSync(join(tmpdir(), 'pw-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
})();

/** An engine that plans, then sends hop updates carrying `bytes` of evidence each, until aborted. */
function bulky(bytes: number, steps: number): () => Promise<DiagnoseFn> {
  const fn: DiagnoseFn = async (spec, opts) => {
    const id = opts.id!;
    const hops = fixture.hops.map((h) => ({ ...h, status: 'pending' as const, evidence: [] }));
    opts.onEvent?.({ type: 'diagnosis:plan', payload: { id, diagnosis: { ...fixture, id, spec, verdict: 'running', firstFailure: null, hops } } });
    for (let i = 0; i < steps; i++) {
      await new Promise((r) => setTimeout(r, 5));
      if (opts.signal?.aborted) throw new Error('aborted');
      const h = fixture.hops[i % fixture.hops.length];
      const ev = { ...(h.evidence[0] ?? fixture.hops.flatMap((x) => x.evidence)[0]), stdout: `${i}:`.padEnd(bytes, 'x') };
      opts.onEvent?.({ type: 'hop:update', payload: { id, seq: i + 1, hop: { ...h, evidence: [...h.evidence, ev] } } });
    }
    const done: Diagnosis = { ...fixture, id, spec, finishedAt: new Date().toISOString() };
    opts.onEvent?.({ type: 'diagnosis:done', payload: { id, verdict: done.verdict, depth: done.depth, firstFailure: done.firstFailure, warnings: done.warnings, finishedAt: done.finishedAt } });
    return done;
  };
  return async () => fn;
}

async function serve(dataDir: string, kubeconfigDir: string, diagnose: () => Promise<DiagnoseFn>): Promise<RunningServer> {
  const s = await startServer({ port: 0, pages: false, dataDir, kubeconfig: join(kubeconfigDir, 'kubeconfig'), diagnose, log: () => undefined });
  cleanup.push(() => s.close());
  return s;
}

const post = async (s: RunningServer, body: unknown) => {
  const r = await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('storage errors name the file and the fix', () => {
  it('a corrupt store: 503-class StoreError at open, and serve refuses to start with the sentence', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'packetwalk.db'), 'this is not a database, just text '.repeat(200));
    let err: unknown;
    try {
      new Store(join(dir, 'data'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    const se = err as StoreError;
    expect(se.status).toBe(503);
    expect(se.code).toBe('SQLITE_NOTADB');
    expect(se.message).toContain(join(dir, 'data', 'packetwalk.db'));
    expect(se.message).toMatch(/is not a SQLite database or is damaged.*fix: stop serve, move it aside \(mv .*packetwalk\.db .*packetwalk\.db\.bad\)/);
    await expect(startServer({ port: 0, pages: false, dataDir: join(dir, 'data'), log: () => undefined })).rejects.toThrow(/packetwalk\.db is not a SQLite database.*fix: /);
  });

  it('a data dir that is a file: cannot be opened, says which and what to do', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'data'), 'x');
    expect(() => new Store(join(dir, 'data'))).toThrow(/store .*data\/packetwalk\.db cannot be opened \(E\w+\); fix: check that .*data exists, is a directory and is writable/);
  });

  it('translates the codes it knows and leaves other errors alone', () => {
    expect(toStoreError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), '/d/p.db')?.status).toBe(507);
    expect(toStoreError(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DBMOVED' }), '/d/p.db')?.status).toBe(503);
    expect(toStoreError(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }), '/d/p.db')?.message).toMatch(/locked by another process/);
    expect(toStoreError(new TypeError('x is undefined'), '/d/p.db')).toBeNull();
  });

  it.skipIf(!canMount)('a read-only store (tmpfs remounted ro): StoreError naming the file, at open or at the first write', () => {
    const mnt = tmpfs('1m')!;
    const s = new Store(mnt);
    s.saveDiagnosis({ ...fixture, id: 'before-ro' }, 1);
    s.close();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    let err: unknown;
    try {
      const s2 = new Store(mnt);
      s2.saveDiagnosis({ ...fixture, id: 'after-ro' }, 1);
      s2.close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).status).toBe(503);
    expect((err as StoreError).message).toContain(join(mnt, 'packetwalk.db'));
    expect((err as StoreError).message).toMatch(/read-only|cannot be opened/);
    expect((err as StoreError).fix).toMatch(/writable|--data-dir/);
  });

  it.skipIf(!canMount)('a full disk (320 KiB tmpfs, a real ENOSPC): the run ends, POST answers 507, nothing stays running; a restart with room marks it interrupted', async () => {
    const kdir = tmp();
    const mnt = tmpfs('320k')!;
    const s = await serve(mnt, kdir, bulky(24_000, 200));
    const first = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    expect(first.status).toBe(201);
    const id = first.body.id as string;
    // the run writes ~24 KB per step into a 320 KiB disk: it must end, not hang in `running`
    const end = Date.now() + 15_000;
    let d: Diagnosis | undefined;
    while (Date.now() < end) {
      d = (await (await fetch(`${s.url}/api/diagnoses/${id}`)).json()) as Diagnosis;
      if (d.verdict !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(d?.verdict).toBe('undetermined');
    expect(d?.summary).toMatch(/^The run stopped: the store .*packetwalk\.db cannot be written: the disk is full \(SQLITE_FULL\); fix: free space/);
    expect(d?.hops.some((h) => h.status === 'running' || h.status === 'pending')).toBe(false);
    // new diagnoses: each may still store its small plan and then stop; once even the plan does not fit,
    // POST answers 507 with the file and the fix (bounded: the disk fills within a few runs)
    const ids = [id];
    let second = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    for (let i = 0; i < 30 && second.status === 201; i++) {
      ids.push(second.body.id as string);
      await new Promise((r) => setTimeout(r, 300));
      second = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    }
    expect(second.status).toBe(507);
    for (const x of ids) {
      const v = ((await (await fetch(`${s.url}/api/diagnoses/${x}`)).json()) as Diagnosis).verdict;
      expect(v, x).not.toBe('running');
    }
    expect(second.body).toMatchObject({ file: join(mnt, 'packetwalk.db'), code: 'SQLITE_FULL' });
    expect(second.body.fix).toMatch(/free space on the filesystem of .*--data-dir/);
    // the server is still up for reads
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
    await s.close();
    // room again: the store comes back and the stored copy of the run is not `running`
    execFileSync('mount', ['-o', 'remount,size=8m', mnt]);
    const s2 = await serve(mnt, kdir, bulky(10, 1));
    const again = (await (await fetch(`${s2.url}/api/diagnoses/${id}`)).json()) as Diagnosis;
    expect(again.verdict).not.toBe('running');
  });
});

describe('a file size limit (prlimit --fsize: a real EFBIG in a child process)', () => {
  const hasPrlimit = (() => {
    try {
      execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasPrlimit)('SQLite says "disk I/O error"; the store says 507, the limit, the file and the fix', () => {
    const dir = tmp();
    const storeModule = new URL('./index.ts', import.meta.url).pathname;
    const script = `
      import { Store } from ${JSON.stringify(storeModule)};
      const s = new Store(${JSON.stringify(join(dir, 'data'))});
      const d = ${JSON.stringify({ ...fixture, summary: '' })};
      try {
        for (let i = 0; i < 1000; i++) s.saveDiagnosis({ ...d, id: 'd' + i, summary: 'x'.repeat(50000) }, 1);
        console.log(JSON.stringify({ none: true }));
      } catch (e) {
        console.log(JSON.stringify({ name: e.constructor.name, status: e.status, code: e.code, message: e.message }));
      }`;
    const out = execFileSync('prlimit', ['--fsize=600000', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { name: string; status: number; code: string; message: string };
    expect(r.name).toBe('StoreError');
    expect(r.status).toBe(507);
    expect(r.code).toMatch(/^SQLITE_(IOERR|FULL)/);
    expect(r.message).toContain(join(dir, 'data', 'packetwalk.db'));
    expect(r.message).toMatch(/file size limit of this process is reached \(ulimit -f: 600000 bytes\).*fix: /);
  });
});

describe('POST with an unknown context', () => {
  it('answers 400 naming the field context and the contexts there are', async () => {
    const dir = tmp();
    const s = await serve(join(dir, 'data'), dir, bulky(10, 1));
    const r = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80', context: 'no-such-context' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: 'context' });
    expect(r.body.error).toMatch(/^context: "no-such-context" is not a context of this server's kubeconfig; use one of "lab"/);
    const pin = await fetch(`${s.url}/api/pins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/a', to: 'b:80', context: 'nope' }) });
    expect(pin.status).toBe(400);
    expect(((await pin.json()) as { field: string }).field).toBe('context');
    const pods = await fetch(`${s.url}/api/pods?context=nope`);
    expect(pods.status).toBe(400);
  });
});
