import { describe, expect, it } from 'vitest';
import { isStatusFinding, statusFinding } from './finding';

describe('statusFinding / isStatusFinding', () => {
  it('recognises exactly what it writes, and nothing the judge reads', () => {
    for (const r of [{ exitCode: 0 }, { exitCode: 1 }, { exitCode: -1 }, { exitCode: null }, { exitCode: null, timedOut: true }]) expect(isStatusFinding(statusFinding(r))).toBe(true);
    expect(isStatusFinding('DF ping of 1472 bytes lost')).toBe(false);
    expect(isStatusFinding('exit 0; listening on 0.0.0.0:8080')).toBe(false);
  });
});
