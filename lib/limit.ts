// A concurrency bound for async jobs (probes per diagnosis, connects per matrix). Pure: no I/O, no timers.

/**
 * Returns a runner that starts at most `n` jobs at once; later ones wait in FIFO order for a free slot, except
 * that a job run with `first` true waits ahead of every job without it (FIFO among the first ones): what others
 * wait on (the probes that place the packet trace's capture points) is not queued behind what nobody waits on.
 * `run(fn)` resolves or rejects with fn's own result; a rejected job frees its slot like a resolved one.
 */
export function limiter(n: number): <T>(fn: () => Promise<T>, first?: boolean) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  let firsts = 0; // queue[0 .. firsts) are the `first` jobs
  return async <T>(fn: () => Promise<T>, first = false): Promise<T> => {
    if (active >= n) {
      await new Promise<void>((r) => {
        if (first) queue.splice(firsts++, 0, r);
        else queue.push(r);
      });
    }
    active++;
    try {
      return await fn();
    } finally {
      active--;
      const next = queue.shift();
      if (next && firsts > 0) firsts--;
      next?.();
    }
  };
}
