// The whole diagnosis's deadline (deadline.ts): when it passes the run is stopped, gets a bounded cleanup, and the
// rejection names the node debug pods not deleted; what the run does after the deadline is never the result.
import { describe, expect, it } from 'vitest';
import { DiagnosisDeadline, withDiagnosisDeadline } from './deadline';

const never = new Promise<never>(() => undefined);

describe('withDiagnosisDeadline', () => {
  it('a healthy run: its value, its signal never aborted', async () => {
    let sig: AbortSignal | undefined;
    await expect(withDiagnosisDeadline(async (r) => ((sig = r.signal), 'done'), 1000)).resolves.toBe('done');
    expect(sig!.aborted).toBe(false);
  });

  it('a run whose cleanup waits on a frozen API: stopped at the deadline, rejected after the bounded cleanup, naming the pods left', async () => {
    const ledger = new Set(['pw/packetwalk-node-a-1']);
    let abortedAt = 0;
    const t0 = Date.now();
    const p = withDiagnosisDeadline((r) => {
      r.signal.addEventListener('abort', () => (abortedAt = Date.now() - t0));
      return never; // its finally (the delete) never gets an answer
    }, 200, undefined, { cleanupMs: 300, leftPods: () => [...ledger] });
    const e = await p.catch((x: unknown) => x);
    const took = Date.now() - t0;
    expect(e).toBeInstanceOf(DiagnosisDeadline);
    expect((e as Error).message).toMatch(/did not finish within 0 s.*node debug pod pw\/packetwalk-node-a-1 could not be deleted in time: kubectl delete pods -n pw packetwalk-node-a-1 \(a later diagnosis sweeps it once 10 minutes old, serve's start-up at once\)/);
    expect(abortedAt).toBeGreaterThanOrEqual(190);
    expect(abortedAt).toBeLessThan(400);
    expect(took).toBeGreaterThanOrEqual(480);
    expect(took).toBeLessThan(1200);
  });

  it('a run that cleans up in time: rejected as soon as it settles, naming nothing; its late result is dropped', async () => {
    let late: (() => boolean) | undefined;
    const t0 = Date.now();
    const p = withDiagnosisDeadline((r) => {
      late = r.late;
      // stops when told to, and returns a (late) Diagnosis-like value 50 ms later
      return new Promise<string>((res) => r.signal.addEventListener('abort', () => setTimeout(() => res('reachable'), 50)));
    }, 200, undefined, { cleanupMs: 5000, leftPods: () => [] });
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DiagnosisDeadline);
    expect((e as Error).message).not.toMatch(/could not be deleted/);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(late!()).toBe(true);
  });

  it('the caller stopping it (Ctrl-C) aborts the run; the deadline then says nothing', async () => {
    const stop = new AbortController();
    const p = withDiagnosisDeadline((r) => new Promise<string>((res) => r.signal.addEventListener('abort', () => setTimeout(() => res('interrupted'), 300))), 100, stop.signal);
    stop.abort();
    await expect(p).resolves.toBe('interrupted');
  });
});
