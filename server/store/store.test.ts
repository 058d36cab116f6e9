import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './index';
import type { Diagnosis } from '../../lib/model';

const fixture = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pw-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Store', () => {
  it('keeps diagnoses across reopen (WAL) and marks running ones interrupted, keeping their hops', () => {
    const dir = tmp();
    const s = new Store(dir);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const running: Diagnosis = { ...fixture, id: 'run1', verdict: 'running', firstFailure: null, hops: fixture.hops.map((h, i) => ({ ...h, status: i < 3 ? 'pass' : i === 3 ? 'running' : 'pending' })) };
    s.saveDiagnosis(running, 4);
    s.saveDiagnosis({ ...fixture, id: 'done1', createdAt: '2026-11-23T01:31:00.000Z' }, 9);
    s.close();

    const s2 = new Store(dir);
    expect(s2.markInterrupted('2026-11-23T02:00:00.000Z')).toBe(1);
    const got = s2.getDiagnosis('run1')!;
    expect(got.seq).toBe(4);
    expect(got.diagnosis.verdict).toBe('interrupted');
    expect(got.diagnosis.hops.map((h) => h.status)).toEqual(['pass', 'pass', 'pass', 'skip', 'skip', 'skip', 'skip', 'skip', 'skip']);
    expect(s2.getDiagnosis('done1')!.diagnosis.verdict).toBe('degraded');
    expect(s2.getDiagnosis('nope')).toBeNull();
    expect(s2.listDiagnoses().map((d) => d.id)).toEqual(['done1', 'run1']);
    expect(s2.recentTargets()).toEqual(['backend.shop:80']);
    s2.close();
  });

  it('stores pins and their state', () => {
    const s = new Store(tmp());
    s.addPin({ id: 'p1', from: 'shop/a', to: 'b:80', createdAt: '2026-11-23T01:00:00Z' });
    expect(s.listPins()).toEqual([{ spec: { id: 'p1', from: 'shop/a', to: 'b:80', createdAt: '2026-11-23T01:00:00Z' }, state: null }]);
    s.savePinState('p1', { pin: s.listPins()[0].spec, current: null, lastGreen: null, lastChangeAt: null, history: [], change: null });
    expect(s.listPins()[0].state?.history).toEqual([]);
    expect(s.removePin('p1')).toBe(true);
    expect(s.removePin('p1')).toBe(false);
    s.close();
  });
});

describe('store migrations', () => {
  it('brings a 0.1 store (tables, no user_version) forward without losing rows, and refuses a newer one', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const Database = (await import('better-sqlite3')).default;
    const { migrate, MIGRATIONS } = await import('./migrations');
    const dir = mkdtempSync(join(tmpdir(), 'pw-mig-'));
    const old = new Database(join(dir, 'packetwalk.db'));
    MIGRATIONS[0].up(old); // what 0.1 created, with user_version still 0
    old.prepare(`INSERT INTO pins (id, created_at, spec) VALUES ('p1', '2026-01-01', '{}')`).run();
    expect(old.pragma('user_version', { simple: true })).toBe(0);
    old.close();
    const s = new Store(dir);
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(s.db.prepare('SELECT id FROM pins').all()).toEqual([{ id: 'p1' }]);
    s.db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(s.db)).toThrow(/newer than this packetwalk knows/);
    s.db.close();
  });
  it('adopts the matrices table an earlier packetwalk created outside the migrations (user_version 1), keeping its rows', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const Database = (await import('better-sqlite3')).default;
    const { MIGRATIONS } = await import('./migrations');
    const dir = mkdtempSync(join(tmpdir(), 'pw-mig-'));
    const old = new Database(join(dir, 'packetwalk.db'));
    MIGRATIONS[0].up(old);
    old.pragma('user_version = 1');
    // what server/matrix/store.ts created on first use before the table was migration step 2
    old.exec(`CREATE TABLE matrices (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, namespaces TEXT NOT NULL, context TEXT, pinned INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL)`);
    old.prepare(`INSERT INTO matrices (id, created_at, namespaces, json) VALUES ('m1', '2026-01-01', 'shop', '{}')`).run();
    old.close();
    const s = new Store(dir);
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(s.db.prepare('SELECT id FROM matrices').all()).toEqual([{ id: 'm1' }]);
    expect(s.db.prepare(`SELECT name FROM sqlite_master WHERE name = 'matrices_created'`).all()).toEqual([{ name: 'matrices_created' }]);
    s.db.close();
  });
  it('rolls a failing step back whole', async () => {
    const Database = (await import('better-sqlite3')).default;
    const { migrate } = await import('./migrations');
    const db = new Database(':memory:');
    const steps = [{ what: 'ok', up: (d: typeof db) => d.exec('CREATE TABLE a (x)') },
      { what: 'bad', up: (d: typeof db) => { d.exec('CREATE TABLE b (x)'); d.exec('NOT SQL'); } }];
    expect(() => migrate(db, steps)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'b'`).all()).toEqual([]);
  });
});
