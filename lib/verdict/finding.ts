// An evidence item's `finding` when the judge read nothing from its probe: the probe's exit status. One place for
// the words, so that the engine writes them (evidence.ts, northSouth.ts) and the page recognises them (HopPanel's
// findings list, which leaves them to the evidence card) from the same source. Pure; safe in the browser bundle.

/** "timed out", or "exit N": the finding of a probe the judge drew nothing from. */
export function statusFinding(r: { timedOut?: boolean; exitCode: number | null }): string {
  return r.timedOut ? 'timed out' : `exit ${r.exitCode}`;
}

/** Is `finding` only the exit status (statusFinding), nothing the judge read? */
export function isStatusFinding(finding: string): boolean {
  return /^(timed out|exit (-?\d+|null))$/.test(finding);
}
