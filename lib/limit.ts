// A concurrency bound for async jobs (probes per diagnosis, connects per matrix). Pure: no I/O, no timers.

/**
 * Returns a runner that starts at most `n` jobs at once; later ones wait in FIFO order for a free slot.
 * `run(fn)` resolves or rejects with fn's own result; a rejected job frees its slot like a resolved one.
 */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
