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

describe('limiter with first jobs', () => {
  it('starts waiting `first` jobs before the others, in their own order, and still at most n at once', async () => {
    const run = limiter(1);
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const job = (name: string, first = false) => run(async () => {
      order.push(name);
      await new Promise<void>((r) => gates.push(r));
    }, first);
    const all = [job('a'), job('b'), job('c'), job('x', true), job('y', true), job('d')];
    // release one job at a time: each release lets exactly the next queued one start
    for (let i = 0; i < all.length; i++) {
      await new Promise((r) => setTimeout(r, 1));
      gates.shift()!();
    }
    await Promise.all(all);
    expect(order).toEqual(['a', 'x', 'y', 'b', 'c', 'd']);
  });
});

describe('limiter with reserved slots', () => {
  it('keeps `reserve` slots for first jobs: the others never hold more than n - reserve', async () => {
    const run = limiter(3, 1);
    let rest = 0;
    let peakRest = 0;
    let peakAll = 0;
    let all = 0;
    const gates: (() => void)[] = [];
    const job = (first: boolean) => run(async () => {
      all++;
      if (!first) rest++;
      peakRest = Math.max(peakRest, rest);
      peakAll = Math.max(peakAll, all);
      await new Promise<void>((r) => gates.push(r));
      all--;
      if (!first) rest--;
    }, first);
    const jobs = [job(false), job(false), job(false), job(false)];
    await new Promise((r) => setTimeout(r, 1));
    expect(gates).toHaveLength(2); // two of the four others run; the third slot waits for a first job
    jobs.push(job(true));
    await new Promise((r) => setTimeout(r, 1));
    expect(gates).toHaveLength(3); // the first job took the reserved slot at once
    while (gates.length) {
      gates.shift()!();
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(jobs);
    expect(peakRest).toBe(2);
    expect(peakAll).toBe(3);
  });
});
