// A run whose engine gave up at its deadline (server/cluster/deadline.ts) while its work went on: the stored
// diagnosis is final once the run ended — what the engine says later (hops judged, a done, a result) never
// changes it — and no hop of it is left `running` or `pending`.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../index';
import type { DiagnoseFn } from './runs';
import { fixture, tmpServerDir } from './scripted';
import type { Diagnosis } from '../../lib/model';
import { DiagnosisDeadline } from '../cluster/deadline';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Plans, marks every hop running, rejects with the deadline at 150 ms — and goes on talking: hops pass at 300 ms, done at 350 ms. */
const lateTalker = (): (() => Promise<DiagnoseFn>) => async () => async (spec, opts) => {
  const id = opts.id!;
  const planned: Diagnosis = { ...fixture, id, spec, verdict: 'running', firstFailure: null, hops: fixture.hops.map((h) => ({ ...h, status: 'pending', evidence: [] })) };
  opts.onEvent?.({ type: 'diagnosis:plan', payload: { id, diagnosis: planned } });
  let seq = 0;
  for (const h of planned.hops.slice(0, 3)) opts.onEvent?.({ type: 'hop:update', payload: { id, seq: ++seq, hop: { ...h, status: 'running', summary: 'probing' } } });
  setTimeout(() => {
    for (const h of fixture.hops) opts.onEvent?.({ type: 'hop:update', payload: { id, seq: ++seq, hop: { ...h, status: 'pass', summary: 'late' } } });
  }, 300);
  setTimeout(() => opts.onEvent?.({ type: 'diagnosis:done', payload: { id, verdict: 'reachable', depth: 'live', firstFailure: null, warnings: [], summary: 'every hop checked', finishedAt: new Date().toISOString() } }), 350);
  await new Promise((r) => setTimeout(r, 150));
  throw new DiagnosisDeadline(20_000, []);
};

describe('a run stopped at its deadline', () => {
  it('stays undetermined with its unfinished hops skipped, whatever the engine says afterwards', async () => {
    const dir = tmpServerDir(cleanup);
    const s: RunningServer = await startServer({ port: 0, pages: false, dataDir: join(dir, 'data'), kubeconfig: join(dir, 'kubeconfig'), diagnose: lateTalker(), log: () => undefined });
    cleanup.push(() => s.close());
    const r = await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend:80' }) });
    const { id } = (await r.json()) as { id: string };
    const get = async () => (await (await fetch(`${s.url}/api/diagnoses/${id}`)).json()) as Diagnosis;
    await new Promise((res) => setTimeout(res, 250));
    const ended = await get();
    expect(ended.verdict).toBe('undetermined');
    expect(ended.summary).toMatch(/^The run stopped: the diagnosis did not finish within 20 s/);
    expect(ended.hops.filter((h) => h.status === 'running' || h.status === 'pending')).toEqual([]);
    expect(ended.hops.every((h) => h.status === 'skip' && h.summary === 'not judged: the run stopped at the deadline')).toBe(true);
    // after the engine's late hops and done (and the store's coalesced save): the same
    await new Promise((res) => setTimeout(res, 1500));
    const later = await get();
    expect(later.verdict).toBe('undetermined');
    expect(later.hops).toEqual(ended.hops);
    expect(later.summary).toBe(ended.summary);
  }, 10_000);
});
