// The whole diagnosis's deadline (DESIGN §5: "every request and the whole diagnosis have deadlines; a
// timeout is a sentence, not a hang"). Requests have their own (credentials.ts); this one bounds the sum —
// including the run's own cleanup, which waits on the same API server that may have stopped answering.
import { ClusterError } from './errors';
import { msEnv } from '../../lib/schema/flags';

export const DIAGNOSIS_DEADLINE_MS = 180_000;
/** ms the run has, once its deadline passed (and it was told to stop), to delete its node debug pods */
export const DEADLINE_CLEANUP_MS = 4_000;

/** The diagnosis's deadline passed: its ClusterError sentence, and the node debug pods (`ns/name`) not known to be deleted. */
export class DiagnosisDeadline extends ClusterError {
  constructor(readonly limitMs: number, readonly leftPods: string[]) {
    super(
      `the diagnosis did not finish within ${Math.round(limitMs / 1000)} s: the API server or a probe footing (debug container, node debug pod) is too slow${leftPods.length ? `; ${leftText(leftPods)}` : ''}`,
      'retry; check the control plane (kubectl get --raw /readyz) and that debug containers start (kubectl describe pod); raise the limit with PACKETWALK_DIAGNOSIS_DEADLINE_MS',
    );
  }
}

/** The pods (`ns/name`) a stopped run could not delete, and the command that deletes them once the API server answers. */
function leftText(pods: string[]): string {
  const byNs = new Map<string, string[]>();
  for (const p of pods) {
    const [ns, name] = p.split('/');
    byNs.set(ns, [...(byNs.get(ns) ?? []), name]);
  }
  const cmds = [...byNs].map(([ns, names]) => `kubectl delete pods -n ${ns} ${names.join(' ')}`).join('; ');
  const one = pods.length === 1;
  return `node debug pod${one ? '' : 's'} ${pods.join(', ')} could not be deleted in time: ${cmds} (a later diagnosis sweeps ${one ? 'it' : 'them'} once 10 minutes old, serve's start-up at once)`;
}

export interface DeadlineRun {
  /** aborted when the caller's signal is, or when the deadline passes: the run stops its waits and probes */
  signal: AbortSignal;
  /** true once the deadline passed: what the run does after is dropped (no events, no result) */
  late(): boolean;
}

/**
 * Runs `fn`, rejecting with a DiagnosisDeadline when `ms` passes first (default $PACKETWALK_DIAGNOSIS_DEADLINE_MS
 * or 180 s; 0 = no deadline). At the deadline the run's signal is aborted (it stops like an interrupted run and
 * deletes its node debug pods) and it gets `cleanupMs` more to settle; the rejection then names the pods
 * `leftPods()` still lists (those whose delete the API server did not answer). The run's result after the
 * deadline is dropped: a diagnosis that timed out stays timed out.
 */
export function withDiagnosisDeadline<T>(fn: (run: DeadlineRun) => Promise<T>, ms?: number, signal?: AbortSignal, o: { cleanupMs?: number; leftPods?: () => string[] } = {}): Promise<T> {
  const limit = ms ?? msEnv('PACKETWALK_DIAGNOSIS_DEADLINE_MS', process.env, DIAGNOSIS_DEADLINE_MS);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (signal?.aborted) stop.abort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let passed = false;
  const run = fn({ signal: stop.signal, late: () => passed });
  if (!limit) return run.finally(() => signal?.removeEventListener('abort', onAbort));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (signal?.aborted) return;
      passed = true;
      stop.abort();
      // The run's own cleanup (node debug pods deleted), bounded: a frozen API server does not hold the caller.
      let grace: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((r) => {
        grace = setTimeout(r, o.cleanupMs ?? DEADLINE_CLEANUP_MS);
        grace.unref?.();
      });
      void Promise.race([run.then(() => undefined, () => undefined), bounded]).then(() => {
        clearTimeout(grace);
        reject(new DiagnosisDeadline(limit, o.leftPods?.() ?? []));
      });
    }, limit);
    timer.unref?.();
  });
  run.catch(() => undefined);
  return Promise.race([run.then((v) => (passed ? late : v)), late]).finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  });
}
