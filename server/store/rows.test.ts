// Stored rows are checked on the way out (server/store/rows.ts): a real store on disk whose row was broken
// behind its back (as another version or a hand edit could) reads as a StoreError naming the row and the field.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './index';
import { StoreError } from './errors';
import type { Diagnosis } from '../../lib/model';
import { emptyPinState, foldProbe, probeFromDiagnosis } from '../../lib/wall';

const fixture = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const store = () => {
  const d = mkdtempSync(join(tmpdir(), 'pw-rows-'));
  dirs.push(d);
  return new Store(d);
};

describe('stored rows', () => {
  it('reads a good diagnosis back whole', () => {
    const s = store();
    s.saveDiagnosis(fixture, 3);
    expect(s.getDiagnosis(fixture.id)?.diagnosis).toEqual(fixture);
    s.close();
  });

  it('refuses a row that is no longer a Diagnosis, naming the field; start-up goes on', () => {
    const s = store();
    s.saveDiagnosis({ ...fixture, id: 'bad1', verdict: 'running' }, 1);
    const broken = JSON.parse(JSON.stringify({ ...fixture, id: 'bad1', verdict: 'running' })) as Diagnosis;
    (broken.hops[2] as { status: string }).status = 'sideways';
    s.db.prepare('UPDATE diagnoses SET json = ? WHERE id = ?').run(JSON.stringify(broken), 'bad1');
    let err: unknown;
    try {
      s.getDiagnosis('bad1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain('diagnosis "bad1" in the store is not readable (hops[2].status: ');
    expect((err as StoreError).status).toBe(503);
    expect(s.markInterrupted()).toBe(1);
    s.db.prepare('UPDATE diagnoses SET json = ? WHERE id = ?').run('{"id": "bad1", "hops": [', 'bad1');
    expect(() => s.getDiagnosis('bad1')).toThrow(/not JSON/);
    s.close();
  });

  it('refuses a pin whose spec lost a field', () => {
    const s = store();
    s.addPin({ id: 'p1', from: 'shop/frontend-0', to: 'backend:80', createdAt: '2026-11-23T01:31:00.000Z' });
    expect(s.listPins().map((p) => p.spec.id)).toEqual(['p1']);
    s.db.prepare('UPDATE pins SET spec = ? WHERE id = ?').run(JSON.stringify({ id: 'p1', from: 'x' }), 'p1');
    expect(() => s.listPins()).toThrow(/a pin in the store is not readable \(to: /);
    s.close();
  });

  it('reads a pin\'s wall state back whole, and refuses a corrupted one naming the pin and the field', () => {
    const s = store();
    const spec = { id: 'p2', from: 'shop/frontend-0', to: 'backend:80', createdAt: '2026-11-23T01:31:00.000Z' };
    s.addPin(spec);
    const state = foldProbe(emptyPinState(spec), probeFromDiagnosis(fixture, [{ key: 'Service shop/backend', lines: ['port 80'] }]));
    s.savePinState('p2', state);
    expect(s.listPins()[0].state).toEqual(state);
    const broken = JSON.parse(JSON.stringify(state)) as { current: { hops: { status: string }[] } };
    broken.current.hops[1].status = 'sideways';
    s.db.prepare('UPDATE pins SET state = ? WHERE id = ?').run(JSON.stringify(broken), 'p2');
    let err: unknown;
    try {
      s.listPins();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('EBADROW');
    expect((err as StoreError).status).toBe(503);
    expect((err as StoreError).message).toContain('the wall state of pin "p2" in the store is not readable (current.hops[1].status: ');
    expect((err as StoreError).message).toMatch(/fix: delete that row/);
    s.db.prepare('UPDATE pins SET state = ? WHERE id = ?').run('{"pin": ', 'p2');
    expect(() => s.listPins()).toThrow(/the wall state of pin "p2" in the store is not readable \(not JSON/);
    s.close();
  });
});
