// The Diagnosis schema (lib/schema/diagnosis.ts) against what `packetwalk diagnose --json` really printed on the
// lab: the recorded diagnoses under lib/verdict/fixtures (scripts/record-edge-fixtures.ts and the verdict
// fixtures, each a real run's JSON) and the graph fixture. Each must conform; a broken copy must not, and the
// message must name the field.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkDiagnosis } from './diagnosis';
import type { Diagnosis } from '../model';

const dir = (rel: string) => new URL(rel, import.meta.url);
const recorded: [string, Diagnosis][] = [
  ...readdirSync(dir('../verdict/fixtures/edge/')).filter((f) => f.endsWith('.json')).map((f): [string, Diagnosis] => [`edge/${f}`, (JSON.parse(readFileSync(dir(`../verdict/fixtures/edge/${f}`), 'utf8')) as { diagnosis: Diagnosis }).diagnosis]),
  ...readdirSync(dir('../verdict/fixtures/')).filter((f) => f.endsWith('.json')).map((f): [string, Diagnosis] => {
    const j = JSON.parse(readFileSync(dir(`../verdict/fixtures/${f}`), 'utf8')) as { diagnosis?: Diagnosis } & Diagnosis;
    return [f, j.diagnosis ?? j];
  }),
  ['graph/cross-node-mtu.json', JSON.parse(readFileSync(dir('../graph/fixtures/cross-node-mtu.json'), 'utf8')) as Diagnosis],
];

describe('Diagnosis schema', () => {
  it('has recorded diagnoses to check', () => expect(recorded.length).toBeGreaterThanOrEqual(15));
  for (const [name, d] of recorded) {
    it(`accepts the recorded diagnose --json output ${name}`, () => {
      const r = checkDiagnosis(d);
      expect(r.ok ? 'ok' : r.error).toBe('ok');
    });
  }

  it('names the field that is wrong', () => {
    const d = structuredClone(recorded[0][1]);
    (d.hops[1] as { status: string }).status = 'maybe';
    const r = checkDiagnosis(d);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^hops\[1\]\.status: /);
    const e = structuredClone(recorded[0][1]);
    (e.hops[0].evidence as unknown) = 'none';
    const r2 = checkDiagnosis(e);
    expect(!r2.ok && r2.error.startsWith('hops[0].evidence: ')).toBe(true);
    const c = checkDiagnosis({ ...recorded[0][1], firstFailure: { hop: 'dns', cause: 'gremlins', reason: 'x' } });
    expect(!c.ok && c.error).toBe('firstFailure.cause: "gremlins" is not a cause of lib/causes.ts');
    expect(checkDiagnosis({ ...recorded[0][1], createdAt: 'yesterday' }).ok).toBe(false);
    expect(checkDiagnosis(null).ok).toBe(false);
  });

  it('keeps fields a newer engine may add', () => {
    const r = checkDiagnosis({ ...recorded[0][1], newField: 1 });
    expect(r.ok && (r.value as unknown as { newField: number }).newField).toBe(1);
  });
});
