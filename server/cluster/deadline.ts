// The whole diagnosis's deadline (DESIGN §5: "every request and the whole diagnosis have deadlines; a
// timeout is a sentence, not a hang"). Requests have their own (credentials.ts); this one bounds the sum.
import { ClusterError } from './errors';

export const DIAGNOSIS_DEADLINE_MS = 180_000;

/**
 * Runs `fn`, rejecting with a ClusterError sentence when `ms` passes first (default $PACKETWALK_DIAGNOSIS_DEADLINE_MS
 * or 180 s; 0 = no deadline). The run itself goes on to its own `finally` (node debug pods are still deleted).
 */
export function withDiagnosisDeadline<T>(fn: () => Promise<T>, ms?: number, signal?: AbortSignal): Promise<T> {
  const limit = ms ?? (Number(process.env.PACKETWALK_DIAGNOSIS_DEADLINE_MS) || DIAGNOSIS_DEADLINE_MS);
  const run = fn();
  if (!limit) return run;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (signal?.aborted) return;
      reject(new ClusterError(`the diagnosis did not finish within ${Math.round(limit / 1000)} s: the API server or a probe footing (debug container, node debug pod) is too slow`, 'retry; check the control plane (kubectl get --raw /readyz) and that debug containers start (kubectl describe pod); raise the limit with PACKETWALK_DIAGNOSIS_DEADLINE_MS'));
    }, limit);
    timer.unref?.();
  });
  run.catch(() => undefined);
  return Promise.race([run, late]).finally(() => clearTimeout(timer));
}
