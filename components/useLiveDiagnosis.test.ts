import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { reduce, type LiveState } from './useLiveDiagnosis';
import type { Diagnosis } from '../lib/model';

const fixture = JSON.parse(readFileSync(new URL('../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
const planned: Diagnosis = { ...fixture, verdict: 'running', firstFailure: null, hops: fixture.hops.map((h) => ({ ...h, status: 'pending' })) };
const empty: LiveState = { d: null, seq: 0, notFound: false, connected: true, error: null };

describe('live diagnosis reducer', () => {
  it('drops hop updates the snapshot already holds and never goes back in time', () => {
    let s = reduce(empty, { type: 'snapshot', d: planned, seq: 0 });
    const upd = (seq: number, i: number, status: 'pass' | 'fail') => ({ type: 'event' as const, ev: { type: 'hop:update' as const, payload: { id: fixture.id, seq, hop: { ...fixture.hops[i], status } } } });
    s = reduce(s, upd(1, 0, 'pass'));
    // reconnect: a snapshot at seq 5 (from the store) replaces; replayed older updates are ignored
    const at5: Diagnosis = { ...planned, hops: planned.hops.map((h, i) => (i < 5 ? { ...h, status: 'pass' } : h)) };
    s = reduce(s, { type: 'snapshot', d: at5, seq: 5 });
    s = reduce(s, upd(3, 1, 'fail'));
    expect(s.d!.hops[1].status).toBe('pass');
    s = reduce(s, upd(6, 5, 'fail'));
    expect(s.d!.hops[5].status).toBe('fail');
    // a stale snapshot (seq 2) does not replace newer state
    s = reduce(s, { type: 'snapshot', d: planned, seq: 2 });
    expect(s.seq).toBe(6);
    expect(s.d!.hops[0].status).toBe('pass');
  });
  it('takes the final verdict from the done event and from a finished snapshot', () => {
    let s = reduce(empty, { type: 'snapshot', d: planned, seq: 9 });
    s = reduce(s, { type: 'event', ev: { type: 'diagnosis:done', payload: { id: fixture.id, verdict: 'degraded', depth: 'live', firstFailure: fixture.firstFailure, warnings: [] } } });
    expect(s.d!.firstFailure?.cause).toBe('mtu-blackhole');
    const s2 = reduce(reduce(empty, { type: 'snapshot', d: planned, seq: 9 }), { type: 'snapshot', d: fixture, seq: 9 });
    expect(s2.d!.verdict).toBe('degraded');
  });
});

describe('a re-plan mid-run (issue 9: seq only grows)', () => {
  it("keeps the hops the server sends after a re-plan, numbered after the ones before it", () => {
    let s = reduce({ d: null, seq: 0, notFound: false, connected: true, error: null }, { type: 'snapshot', d: planned, seq: 0 });
    for (let seq = 1; seq <= 4; seq++) s = reduce(s, { type: 'event', ev: { type: 'hop:update', payload: { id: planned.id, seq, hop: { ...planned.hops[0], status: 'pass' } } } });
    s = reduce(s, { type: 'event', ev: { type: 'diagnosis:plan', payload: { id: planned.id, diagnosis: planned } } });
    expect(s.seq).toBe(4);
    s = reduce(s, { type: 'event', ev: { type: 'hop:update', payload: { id: planned.id, seq: 5, hop: { ...planned.hops[1], status: 'fail' } } } });
    expect(s.d?.hops[1].status).toBe('fail');
    expect(s.seq).toBe(5);
  });
});
