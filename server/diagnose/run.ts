// One planned probe run at its foothold, the same way for both orchestrators (server/diagnose/index.ts and
// northSouth.ts): through the registry (server/exec/probe.ts runProbe), with an exec that cannot start turned into
// the sentence of why the probe did not run (explain.ts; a refusal names the whole grant a foothold needs).
import type { KubeConfig } from '@kubernetes/client-node';
import type { PlannedProbe } from '../../lib/plan';
import { runProbe, type BatchedRun, type ContainerFoothold, type ProbeResult } from '../exec/probe';
import { explainApiError } from '../cluster/explain';
import { ExecOpenTimeout } from '../exec/probe';
import { footholdNeeds } from './index';
import { limiter } from '../../lib/limit';

/**
 * Probes of one diagnosis that run at once (both orchestrators). Most of a failing path's probes only wait out
 * their timeouts, so a low bound queues the later ones behind them (12 cost a policy deny ~0.5 s on the lab);
 * the API server and the kubelets see at most this many exec streams per diagnosis.
 */
export const PROBE_SLOTS = 24;
/** Slots kept beside PROBE_SLOTS for the probes the packet trace waits on (lib/plan/trace.ts traceInputKeys). */
export const TRACE_INPUT_SLOTS = 4;
/**
 * Of those, the probes that may be *starting* at once (exec upgrade, process start, the tool's own work): a probe
 * still running after BUSY_MS is waiting (a timeout, a far end) and no longer counts (lib/limit.ts BusyBound). On the
 * lab, where the CLI and the API server share two cores, 12 instead of all 28 at once made a healthy diagnosis
 * ~35 ms and a policy-denied one ~100 ms faster (in-process, kept node pods, median of 7 and 5; 2026-11-30).
 */
export const BUSY_SLOTS = 12;
export const BUSY_MS = 100;

/** The probe bound of one diagnosis: at most `n` probes at once, BUSY_SLOTS of them starting, `reserve` kept for `first` jobs. */
export function probeLimiter(n: number, reserve = 0): ReturnType<typeof limiter> {
  return limiter(n, reserve, {
    slots: Math.min(BUSY_SLOTS, n),
    settleMs: BUSY_MS,
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  });
}

/**
 * Runs planned probe `p` in container `at` (kubeconfig context `context`, for the sentences) — through `batch`
 * (one diagnosis's server/exec/probe.ts probeBatcher: its instant reads at one foothold share an exec, and every
 * exec waits for the diagnosis's limiter there; `first` for what others wait on) when given. Resolves the output,
 * or `{ notRun }` when the exec could not start (refused create on pods/exec, the pod gone, the API stalled; `apiFailed`
 * when the API server stopped answering: unreachable or timed out). Hand the result to lib/verdict probeRunOf, which
 * also makes an exec the API broke off (`transportError`) a notRun.
 */
export async function runInFoothold(kc: KubeConfig, at: ContainerFoothold, p: PlannedProbe, context: string, batch?: BatchedRun, first = false): Promise<ProbeResult | { notRun: string; apiFailed?: boolean }> {
  try {
    return await (batch ? batch(at, p.probe, p.args, first) : runProbe(kc, at, p.probe, p.args));
  } catch (e) {
    const x = explainApiError(e, { verb: 'create', resource: 'pods/exec', namespace: at.namespace, name: at.pod, context });
    if (x.kind === 'forbidden') return { notRun: `${footholdNeeds(p.where === 'pod' ? 'pod' : 'node', at.namespace)} (refused: create on pods/exec)` };
    return { notRun: x.sentence, ...(x.kind === 'unreachable' || x.kind === 'timeout' || e instanceof ExecOpenTimeout ? { apiFailed: true } : {}) };
  }
}
