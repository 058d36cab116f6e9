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

describe('limiter with a busy bound', () => {
  it('starts at most `slots` jobs at once; one still running after settleMs frees its slot, up to n in all', async () => {
    // the caller's timer, driven by hand: fire() runs every pending callback
    let pending: (() => void)[] = [];
    const after = (_ms: number, fn: () => void) => {
      pending.push(fn);
      return () => (pending = pending.filter((f) => f !== fn));
    };
    const fire = () => {
      const now = pending;
      pending = [];
      for (const f of now) f();
    };
    const run = limiter(3, 0, { slots: 1, settleMs: 100, after });
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) => run(() => new Promise<void>((r) => {
      started.push(name);
      gates.set(name, r);
    }));
    const all = ['a', 'b', 'c', 'd'].map(job);
    const tick = () => new Promise((r) => setTimeout(r, 1));
    await tick();
    expect(started).toEqual(['a']); // one busy slot
    fire(); // a has run past settleMs: waiting, not busy
    await tick();
    expect(started).toEqual(['a', 'b']);
    fire();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    fire();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']); // n = 3 running in all: d waits for one to end
    gates.get('b')!();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    // a job that ends before settleMs frees its busy slot at once and cancels its timer
    for (const g of ['a', 'c', 'd']) gates.get(g)!();
    await Promise.all(all);
    const quick = limiter(2, 0, { slots: 1, settleMs: 100, after });
    pending = [];
    await quick(async () => 1);
    expect(pending).toEqual([]);
  });
});
