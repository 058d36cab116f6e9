// The live judgement's coalescing (server/diagnose/progress.ts) on vitest's fake clock: at most one report per
// INTERVAL_MS with the latest state, none without a listener, none after stop().
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INTERVAL_MS, progressReporter } from './progress';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('progressReporter', () => {
  it('reports a first poke at once, then at most once per interval however many pokes came', () => {
    let n = 0;
    const p = progressReporter(true, () => n++);
    p.poke();
    vi.advanceTimersByTime(0);
    expect(n).toBe(1);
    for (let i = 0; i < 10; i++) {
      p.poke();
      vi.advanceTimersByTime(2);
    }
    // 20 ms after the first report: the pokes since wait for the interval
    expect(n).toBe(1);
    vi.advanceTimersByTime(INTERVAL_MS);
    expect(n).toBe(2);
    vi.advanceTimersByTime(INTERVAL_MS * 3);
    expect(n).toBe(2); // nothing new poked: no report
  });
  it('never reports without a listener, nor after stop()', () => {
    let n = 0;
    const quiet = progressReporter(false, () => n++);
    quiet.poke();
    vi.advanceTimersByTime(INTERVAL_MS * 2);
    const p = progressReporter(true, () => n++);
    p.poke();
    p.stop();
    vi.advanceTimersByTime(INTERVAL_MS * 2);
    expect(n).toBe(0);
  });
});
