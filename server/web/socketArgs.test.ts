// The join events' arguments come from any client: only an id of the right form joins a room, and the ack is
// called only when it is a function (server/web/socketArgs.ts).
import { describe, expect, it } from 'vitest';
import { DiagnosisIdSchema, MatrixIdSchema, joinArgs } from './socketArgs';

describe('joinArgs', () => {
  it('passes a well-formed id and the ack', () => {
    const got: unknown[] = [];
    const j = joinArgs<string>(DiagnosisIdSchema, 'Ab3_-x9Q', (v: string) => got.push(v));
    expect(j.id).toBe('Ab3_-x9Q');
    j.ack('snap');
    expect(got).toEqual(['snap']);
    expect(joinArgs(MatrixIdSchema, 'm-abc123', undefined).id).toBe('m-abc123');
  });
  it('refuses anything else as an id, and never calls a non-function ack', () => {
    for (const bad of [42, null, undefined, {}, ['Ab3_-x9Q'], '../../etc', 'short', 'x'.repeat(41), 'Ab3 -x9Q']) {
      expect(joinArgs(DiagnosisIdSchema, bad, undefined).id, JSON.stringify(bad)).toBeNull();
    }
    expect(joinArgs(MatrixIdSchema, 'm-ABC123', undefined).id).toBeNull();
    expect(() => joinArgs(DiagnosisIdSchema, 'Ab3_-x9Q', 'not a function').ack(null)).not.toThrow();
  });
});
