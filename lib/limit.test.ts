import { describe, expect, it } from 'vitest';
import { limiter } from './limit';

describe('limiter', () => {
  it('never runs more than n at once, runs them all, and frees a slot on rejection', async () => {
    const run = limiter(2);
    let active = 0;
    let peak = 0;
    const job = (i: number) => run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      if (i === 1) throw new Error('boom');
      return i;
    });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(job));
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
