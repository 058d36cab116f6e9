// The re-probe scheduler with the engine replaced by a function returning stored diagnoses (the real engine
// and lab are exercised by e2e/): flips, the since-green change, evidence copies only on flips, unpin.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store';
import { Catalog } from '../web/catalog';
import { WallScheduler, wallIntervalMs } from './scheduler';
import type { DiagnoseFn } from '../web/runs';
import type { Diagnosis } from '../../lib/model';

const failing = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
const healthy: Diagnosis = { ...failing, verdict: 'reachable', firstFailure: null, hops: failing.hops.map((h) => ({ ...h, status: 'pass', cause: null })) };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('WallScheduler', () => {
  it('flips a tile, explains it since green, stores one evidence copy per flip, and forgets unpinned paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-wall-'));
    dirs.push(dir);
    const store = new Store(dir);
    let next: Diagnosis = healthy;
    let calls = 0;
    const fn: DiagnoseFn = async (spec, o) => {
      calls++;
      return { ...next, id: o.id!, spec };
    };
    // a catalog with no kubeconfig: object snapshots fail and the tile must still work
    const wall = new WallScheduler({ store, catalog: new Catalog({ kubeconfig: join(dir, 'none') }), diagnose: async () => fn, intervalMs: 60_000 });
    const pin = wall.pin({ from: 'shop/frontend-0', to: 'backend.shop:80' });
    await wall.cycle();
    expect(wall.tiles()[0].current?.verdict).toBe('reachable');
    expect(wall.tiles()[0].current?.diagnosisId).toBeUndefined();

    next = failing;
    await wall.cycle();
    await wall.cycle();
    const t = wall.tiles()[0];
    expect(t.current?.verdict).toBe('degraded');
    expect(t.change?.hops).toEqual([{ id: 'overlay', from: 'pass', to: 'fail' }]);
    const evidence = t.current?.diagnosisId;
    expect(evidence).toBeDefined();
    expect(store.getDiagnosis(evidence!)?.diagnosis.firstFailure?.cause).toBe('mtu-blackhole');
    expect(store.listDiagnoses().length).toBe(1); // two red cycles, one stored copy

    // state survives a restart of the scheduler (from the store)
    const again = new WallScheduler({ store, catalog: new Catalog({ kubeconfig: join(dir, 'none') }), diagnose: async () => fn, intervalMs: 60_000 });
    expect(again.tiles()[0].change?.hops[0].id).toBe('overlay');

    expect(wall.unpin(pin.pin.id)).toBe(true);
    const before = calls;
    await wall.cycle();
    expect(calls).toBe(before); // nothing pinned: the engine is not called
    wall.stop();
    again.stop();
    store.close();
  });

  it('reads the interval from the flag or the environment, in seconds', () => {
    expect(wallIntervalMs(undefined, undefined)).toBe(30_000);
    expect(wallIntervalMs('2', '9')).toBe(2000);
    expect(wallIntervalMs(undefined, '1.5')).toBe(1500);
    expect(() => wallIntervalMs('soon', undefined)).toThrow(/--wall-interval 30/);
  });
});
