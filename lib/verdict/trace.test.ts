// The trace-consistency step on real lab runs (fixtures/trace-*.json: `packetwalk diagnose --json` on the
// vxlan-ignore contract lab with a fault): a first packet seen past a hop clears that hop only when the
// answer came back through it too; a reply-direction cause or a receive-side drop stands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../model';
import { applyTrace } from './trace';
import type { Judgement } from '.';

const load = (n: string) => (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${n}.json`), 'utf8')) as { diagnosis: Diagnosis & { trace: Parameters<typeof applyTrace>[1] } }).diagnosis;
const judgement = (d: Diagnosis): Judgement => ({ hops: d.hops.map((h) => ({ ...h, evidence: h.evidence.filter((e) => e.probe !== 'tcpdump') })), verdict: d.verdict, firstFailure: d.firstFailure, warnings: d.warnings, summary: d.summary ?? '' });

describe('applyTrace', () => {
  it.each([
    ['trace-node-route-missing', 'node-route', 'dst-node'],
    ['trace-stale-neighbor', 'neighbor-stale', 'overlay'],
  ])('%s: the SYN seen past the hop without an answer back does not clear %s', (name, cause, hop) => {
    const d = load(name);
    expect(d.trace.points.some((p) => p.seen)).toBe(true);
    const j = applyTrace(judgement(d), d.trace);
    expect(j.firstFailure).toMatchObject({ cause, hop });
    expect(j.hops.find((h) => h.id === hop)!.status).toBe('fail');
  });
  it('the same capture with the answer seen back at the source pod clears it (model-mismatch)', () => {
    const d = load('trace-node-route-missing');
    const trace = { ...d.trace, points: d.trace.points.map((p) => (p.hop === 'src-pod' ? { ...p, replySeen: true } : p)) };
    const j = applyTrace(judgement(d), trace);
    expect(j.hops.find((h) => h.id === 'dst-node')!.cause).toBe('model-mismatch');
  });
  it('a flow captured end to end does not clear a DNS failure: the trace dials the address, the queries go elsewhere', () => {
    const d = load('trace-dns-overlay-blocked');
    expect(d.trace.points.some((p) => p.replySeen)).toBe(true);
    const j = applyTrace(judgement(d), d.trace);
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'overlay-blocked' });
    expect(j.hops.find((h) => h.id === 'dns')!.status).toBe('fail');
  });
});
