// A concurrency bound for async jobs (probes per diagnosis, connects per matrix). Pure: no I/O, no timers.

/**
 * Returns a runner that starts at most `n` jobs at once; later ones wait in FIFO order for a free slot. A job run
 * with `first` true waits ahead of every job without it, and `reserve` of the `n` slots are kept for such jobs
 * (the others start only while fewer than `n - reserve` run): what others wait on — the probes that place the
 * packet trace's capture points — neither queues behind nor finds every slot taken by what nobody waits on.
 * `run(fn)` resolves or rejects with fn's own result; a rejected job frees its slot like a resolved one.
 */
export function limiter(n: number, reserve = 0): <T>(fn: () => Promise<T>, first?: boolean) => Promise<T> {
  const kept = Math.max(0, Math.min(reserve, n - 1)); // at least one slot for the others, or they would never start
  let active = 0;
  const firsts: (() => void)[] = [];
  const rest: (() => void)[] = [];
  const pump = () => {
    for (;;) {
      if (firsts.length && active < n) firsts.shift()!();
      else if (rest.length && active < n - kept) rest.shift()!();
      else return;
      active++;
    }
  };
  return async <T>(fn: () => Promise<T>, first = false): Promise<T> => {
    await new Promise<void>((start) => {
      (first ? firsts : rest).push(start);
      pump();
    });
    try {
      return await fn();
    } finally {
      active--;
      pump();
    }
  };
}
