// Why a foothold (ephemeral debug container, node debug pod) could not start, as DESIGN §4's causes:
// `image-pull` (the kubelet's waiting reason and message) or `admission-denied` (Pod Security or a webhook
// refused it, in the API server's own sentence). The engine turns these into a verdict that is
// `undetermined` or config depth, never a false `fail`.
import { ApiException, type V1ContainerStatus } from '@kubernetes/client-node';
import { CAUSES } from '../../lib/causes';
import type { Judgement } from '../../lib/verdict';

export type StartCause = 'image-pull' | 'admission-denied';

export class StartFailure extends Error {
  override readonly name = 'StartFailure';
  constructor(
    readonly startCause: StartCause,
    /** a sentence naming the container and the reason the server or kubelet gave */
    message: string,
    /** the kubelet's waiting reason (ErrImagePull …) or the server's Status reason (Forbidden) */
    readonly reason: string,
  ) {
    super(message);
  }
}

/**
 * Waiting reasons after which a container will not run by itself soon (kubectl debug gives up on the pull
 * ones too): image pulls that failed, and a container the kubelet cannot create from its spec.
 * Source: kubelet's images/types.go (ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull)
 * and kuberuntime (CreateContainerConfigError, CreateContainerError).
 */
const PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable', 'SignatureValidationFailed']);
const CREATE = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** A StartFailure for a waiting container that will not start, or null while it may still start. */
export function stuckWaiting(st: V1ContainerStatus | undefined, what: string): StartFailure | null {
  const w = st?.state?.waiting;
  if (!w?.reason) return null;
  const msg = w.message ? `: ${w.message}` : '';
  if (PULL.has(w.reason)) return new StartFailure('image-pull', `${what} cannot start: the kubelet reports ${w.reason}${msg} (image ${st?.image ?? '?'})`, w.reason);
  if (CREATE.has(w.reason)) return new StartFailure('admission-denied', `${what} cannot start: the kubelet refused to create it (${w.reason}${msg})`, w.reason);
  return null;
}

/** The API server's refusal of a debug container or pod by Pod Security admission or a webhook, else null. */
export function admissionRefusal(e: unknown, what: string): StartFailure | null {
  if (!(e instanceof ApiException) && !(e && typeof e === 'object' && 'code' in e)) return null;
  const code = (e as { code?: number }).code;
  let body: unknown = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* plain text */
    }
  }
  const message = typeof body === 'object' && body !== null ? String((body as { message?: unknown }).message ?? '') : String(body ?? '');
  // RBAC's 403 names a user and a verb; admission's names the policy (PodSecurity, a webhook).
  if (code === 403 && /violates PodSecurity|admission webhook|denied the request|is forbidden: (?!User ")/.test(message)) {
    return new StartFailure('admission-denied', `${what} was refused by admission: ${message}`, /PodSecurity/.test(message) ? 'PodSecurity' : 'Webhook');
  }
  if (code === 400 && /admission webhook .* denied/.test(message)) return new StartFailure('admission-denied', `${what} was refused by admission: ${message}`, 'Webhook');
  return null;
}

/**
 * Says in the verdict why live probes did not start: when the judgement found no fault (undetermined), the
 * first StartFailure becomes firstFailure (cause image-pull / admission-denied, the kubelet's or server's
 * words) at the hop whose probes it stopped; a fault the objects or other probes show stays first, and the
 * summary names the start failure too. Never turns anything into a `fail`.
 */
export function applyStartFailures(j: Judgement, failures: StartFailure[]): Judgement {
  const f = failures[0];
  if (!f) return j;
  const hop = /node debug pod/.test(f.message) ? 'src-node' : 'src-pod';
  if (j.firstFailure || j.verdict !== 'undetermined') return { ...j, summary: `${j.summary} Live probes could not all start: ${f.message}.` };
  return {
    ...j,
    firstFailure: { hop: j.hops.some((h) => h.id === hop) ? hop : (j.hops[0]?.id ?? hop), cause: f.startCause, reason: f.message, nextStep: CAUSES[f.startCause].nextStep },
    summary: `Live probes could not start, so the path is not proven: ${f.message}. ${j.summary}`,
  };
}
