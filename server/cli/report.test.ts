// The text report of `packetwalk diagnose` (server/cli/diagnose.ts renderHuman) on recorded lab diagnoses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../lib/model';
import { renderHuman } from './diagnose';

const load = (name: string) => (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'lib', 'verdict', 'fixtures', `${name}.json`), 'utf8')) as { diagnosis: Diagnosis }).diagnosis;

describe('renderHuman', () => {
  it('a DNS failure beside a trace that got through says the trace dialled the address, not the name', () => {
    const d = load('trace-dns-overlay-blocked'); // DNS times out (its pod is behind the blocked tunnel); the trace dials the VIP
    expect(d.firstFailure?.hop).toBe('dns');
    expect(renderHuman(d, false)).toContain('last seen: pod ');
    expect(renderHuman(d, false)).toMatch(/\nlast seen: .*; the answer came back from 10\.32\.2\.2:9000 — the trace dials 10\.100\.85\.164:80 directly, not by the name\n/);
  });
  it('no such note when the failure is on the path itself', () => {
    const d = load('trace-node-route-missing');
    expect(d.firstFailure?.hop).not.toBe('dns');
    expect(renderHuman(d, false)).not.toContain('directly, not by the name');
    expect(renderHuman(d, false)).not.toContain('the answer came back'); // it did not
  });
});
