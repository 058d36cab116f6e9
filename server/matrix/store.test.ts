// Stored matrices are checked on the way out (server/store/rows.ts matrixRow, lib/schema/matrix.ts): a real
// store on disk whose matrix row was broken behind its back (another version, a hand edit) reads as a StoreError
// naming the matrix and the field, and start-up goes on.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store';
import { StoreError } from '../store/errors';
import { MatrixStore } from './store';
import type { Matrix } from '../../lib/matrix/types';

/** A live matrix as runMatrix leaves it: one Service target, one observed cell, one the foothold could not reach. */
export const goodMatrix: Matrix = {
  id: 'm-abc123',
  createdAt: '2026-11-30T07:00:00.000Z',
  context: 'pw',
  namespaces: ['shop'],
  sources: ['shop/web-5d8f7c9b4-aaaaa', 'shop/batch'],
  targets: [{ id: 'svc:shop/db:5432', kind: 'svc', namespace: 'shop', name: 'db', port: 5432, protocol: 'TCP', ip: '10.96.0.10', walkTo: 'db.shop:5432' }],
  cells: [
    { from: 'shop/web-5d8f7c9b4-aaaaa', to: 'svc:shop/db:5432', predicted: 'allow', policies: ['shop/db-from-web'], reason: 'shop/db-from-web admits app=web on TCP 5432', observed: 'open', agree: true, detail: 'Connection to 10.96.0.10 5432 port [tcp/postgresql] succeeded!' },
    { from: 'shop/batch', to: 'svc:shop/db:5432', predicted: 'deny', policies: ['shop/db-from-web'], reason: 'shop/db-from-web isolates shop/db-0 and admits only app=web', observed: null, agree: null, detail: 'cannot add a debug container to shop/batch' },
  ],
  depth: 'live',
  groups: [
    { id: 'shop/Deployment/web', namespace: 'shop', kind: 'Deployment', name: 'web', pods: ['shop/web-5d8f7c9b4-aaaaa', 'shop/web-5d8f7c9b4-bbbbb'], probed: ['shop/web-5d8f7c9b4-aaaaa'] },
    { id: 'shop/Pod/batch', namespace: 'shop', kind: 'Pod', name: 'batch', pods: ['shop/batch'], probed: ['shop/batch'] },
  ],
  allPods: false,
  notes: ['shop/Deployment/web: 2 pods, probed shop/web-5d8f7c9b4-aaaaa'],
  status: 'done',
};

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const open = () => {
  const d = mkdtempSync(join(tmpdir(), 'pw-mstore-'));
  dirs.push(d);
  const store = new Store(d);
  return { store, db: new MatrixStore(store.db) };
};
const corrupt = (store: Store, id: string, json: string) => store.db.prepare('UPDATE matrices SET json = ? WHERE id = ?').run(json, id);
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('stored matrices', () => {
  it('reads a good matrix back whole, alone and among the pinned', () => {
    const { store, db } = open();
    db.save(goodMatrix);
    expect(db.get('m-abc123')).toEqual({ ...goodMatrix, pinned: false });
    expect(db.setPinned('m-abc123', true)).toBe(true);
    expect(db.get('m-abc123')?.pinned).toBe(true);
    expect(db.pinned()).toEqual([goodMatrix]);
    expect(db.get('m-nothere1')).toBeNull();
    store.close();
  });

  it('refuses a matrix whose cell lost its shape, naming the matrix, the field and the fix', () => {
    const { store, db } = open();
    db.save(goodMatrix);
    db.setPinned('m-abc123', true);
    const broken = JSON.parse(JSON.stringify(goodMatrix)) as { cells: { observed: string }[] };
    broken.cells[1].observed = 'sideways';
    corrupt(store, 'm-abc123', JSON.stringify(broken));
    for (const read of [() => db.get('m-abc123'), () => db.pinned()]) {
      const err = thrown(read);
      expect(err).toBeInstanceOf(StoreError);
      const se = err as StoreError;
      expect(se.status).toBe(503);
      expect(se.code).toBe('EBADROW');
      expect(se.file).toBe(store.file);
      expect(se.message).toContain('matrix "m-abc123" in the store is not readable (cells[1].observed: "sideways" is not an observation (open, refused, unreachable, timeout))');
      expect(se.fix).toMatch(/^delete that row, or move .*packetwalk\.db aside/);
    }
    // a target's port and a missing top-level field are named the same way
    corrupt(store, 'm-abc123', JSON.stringify({ ...goodMatrix, targets: [{ ...goodMatrix.targets[0], port: '5432' }] }));
    expect(() => db.get('m-abc123')).toThrow(/matrix "m-abc123" in the store is not readable \(targets\[0\]\.port: /);
    const { cells: _cells, ...noCells } = goodMatrix;
    corrupt(store, 'm-abc123', JSON.stringify(noCells));
    expect(() => db.get('m-abc123')).toThrow(/matrix "m-abc123" in the store is not readable \(cells: /);
    store.close();
  });

  it('refuses a row that is not JSON, naming the matrix', () => {
    const { store, db } = open();
    db.save(goodMatrix);
    corrupt(store, 'm-abc123', '{"id": "m-abc123", "cells": [');
    const err = thrown(() => db.get('m-abc123'));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('EBADROW');
    expect((err as StoreError).message).toMatch(/^matrix "m-abc123" in the store is not readable \(not JSON: .*\); fix: delete that row/);
    store.close();
  });

  it('on start-up marks a half-done run interrupted and leaves an unreadable row as it is, saying why', () => {
    const { store, db } = open();
    db.save({ ...goodMatrix, status: 'running' });
    db.save({ ...goodMatrix, id: 'm-bad456', status: 'running' });
    corrupt(store, 'm-bad456', JSON.stringify({ ...goodMatrix, id: 'm-bad456', status: 'running', depth: 'deep' }));
    const unreadable = db.markInterrupted();
    expect(unreadable.map((e) => e.message)).toEqual([expect.stringContaining('matrix "m-bad456" in the store is not readable (depth: ')]);
    const m = db.get('m-abc123');
    expect(m?.status).toBe('done');
    expect(m?.notes.at(-1)).toBe('the server stopped before this run finished; unobserved cells stay empty');
    // the bad row is untouched: reading it still says why
    expect(() => db.get('m-bad456')).toThrow(/matrix "m-bad456" in the store is not readable \(depth: /);
    store.close();
  });
});
