// Live hop updates while probes run (both orchestrators: index.ts and northSouth.ts). Re-judging after every
// probe costs ~1 ms of CPU each on this machine (~50 per diagnosis), so the judgement runs once per turn of the
// event loop however many probes ended in it, only when someone listens (the CLI's --json and pipes print the
// end only), and never after stop() (the final judgement is the orchestrator's own).

export interface Progress {
  /** a probe ended: judge again soon (coalesced) */
  poke(): void;
  /** the probes are over: a poke still queued does nothing */
  stop(): void;
}

/** `report` re-judges and sends the hops whose probes have all finished; it runs only when `listening`. */
export function progressReporter(listening: boolean, report: () => void): Progress {
  let queued = false;
  let stopped = false;
  return {
    poke() {
      if (!listening || queued || stopped) return;
      queued = true;
      setImmediate(() => {
        queued = false;
        if (!stopped) report();
      });
    },
    stop() {
      stopped = true;
    },
  };
}
