// A concurrency bound for async jobs (probes per diagnosis, connects per matrix). Pure: no I/O, no timers.

/**
 * A tighter bound on the jobs that are starting: at most `slots` jobs run for less than `settleMs`; a job still
 * running after that stops counting against it (it is waiting — on a timeout, on a far end — not working), so
 * the next can start, up to `n` in all. `after(ms, fn)` schedules fn and returns its cancel (the caller's timer:
 * this module keeps none of its own).
 */
export interface BusyBound {
  slots: number;
  settleMs: number;
  after: (ms: number, fn: () => void) => () => void;
}

/**
 * Returns a runner that starts at most `n` jobs at once; later ones wait in FIFO order for a free slot. A job run
 * with `first` true waits ahead of every job without it, and `reserve` of the slots are kept for such jobs
 * (the others start only while fewer than `slots - reserve` run): what others wait on — the probes that place the
 * packet trace's capture points — neither queues behind nor finds every slot taken by what nobody waits on.
 * With `busy`, the slots are busy.slots jobs that have run for less than busy.settleMs (see BusyBound), still at
 * most `n` in all. `run(fn)` resolves or rejects with fn's own result; a rejected job frees its slot like a
 * resolved one.
 */
export function limiter(n: number, reserve = 0, busy?: BusyBound): <T>(fn: () => Promise<T>, first?: boolean) => Promise<T> {
  const slots = Math.max(1, Math.min(busy?.slots ?? n, n));
  const kept = Math.max(0, Math.min(reserve, slots - 1)); // at least one slot for the others, or they would never start
  let active = 0; // jobs holding a slot (all running ones without `busy`; those still starting with it)
  let running = 0;
  const firsts: (() => void)[] = [];
  const rest: (() => void)[] = [];
  const pump = () => {
    for (;;) {
      if (running >= n) return;
      if (firsts.length && active < slots) firsts.shift()!();
      else if (rest.length && active < slots - kept) rest.shift()!();
      else return;
      active++;
      running++;
    }
  };
  return async <T>(fn: () => Promise<T>, first = false): Promise<T> => {
    await new Promise<void>((start) => {
      (first ? firsts : rest).push(start);
      pump();
    });
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      active--;
    };
    const cancel = busy ? busy.after(busy.settleMs, () => {
      release();
      pump();
    }) : undefined;
    try {
      return await fn();
    } finally {
      cancel?.();
      release();
      running--;
      pump();
    }
  };
}
