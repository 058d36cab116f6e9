// Waiting for a pod to reach a state (a debug container running, a node debug pod Running), as `kubectl debug`
// and `kubectl wait` do: one watch on the pod by name, so the kubelet's update arrives the moment the API server
// has it, with a slow GET poll beside it for an API path that does not stream (RBAC without watch, a proxy that
// buffers, a dropped watch). Whichever sees the state first settles the wait; both end with it.
import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

export interface PodWait<T> {
  /** a value once the pod is where we want it; undefined to keep waiting; throws to give up (the error is the wait's) */
  settled(pod: V1Pod): T | undefined;
  /** the error when `timeoutMs` passes first, from the last pod seen (undefined when none was read) */
  onTimeout(last: V1Pod | undefined): Error;
  /** ms (default 60 s) */
  timeoutMs?: number;
  /** first poll delay in ms, doubled up to 1 s (default 250; the watch usually answers first) */
  pollMs?: number;
  /** ends the wait with PodWaitAborted (a diagnosis interrupted: Ctrl-C in the CLI, the server stopping) */
  signal?: AbortSignal;
}

/** The wait ended because its signal was aborted. */
export class PodWaitAborted extends Error {
  override readonly name = 'PodWaitAborted';
}

/**
 * The pod (or its debug container) was created but is still not running when the wait's time ran out: the kubelet is
 * slow, nothing was refused. `what` names it for a sentence ("the debug container C in NS/NAME", "the node debug pod
 * NS/NAME on NODE"), `afterS` the limit in seconds, `state` the last state seen (a waiting reason such as
 * "ContainerCreating", else the container's state or phase, "unknown" when the pod was never read). The message keeps the sentence the waits said before this class ("… is not running after 60 s (…)").
 */
export class PodSlowToStart extends Error {
  override readonly name = 'PodSlowToStart';
  constructor(readonly kind: 'debug-container' | 'node-debug-pod', readonly pod: string, readonly afterS: number, readonly state: string, message: string, readonly node?: string) {
    super(message);
  }
}

/**
 * Resolves `w.settled(pod)`'s first defined value for pod `namespace/name`; rejects with what `settled` throws,
 * with `onTimeout(last)` after `timeoutMs`, or with the read's own error when the pod cannot be read at all
 * or stops being readable (404, 403: the caller explains it), or with PodWaitAborted when `w.signal` is aborted. Holds one watch connection (GET …/pods?watch=true&fieldSelector=
 * metadata.name=NAME) and a GET every 250 ms → 1 s until then; both are closed when it settles.
 */
export function waitForPod<T>(kc: KubeConfig, namespace: string, name: string, w: PodWait<T>): Promise<T> {
  const core = kc.makeApiClient(CoreV1Api);
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let last: V1Pod | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    let watch: AbortController | undefined;
    const onAbort = () => fail(new PodWaitAborted(`stopped waiting for pod ${namespace}/${name}: the diagnosis was interrupted`));
    const end = () => {
      done = true;
      clearTimeout(deadline);
      clearTimeout(pollTimer);
      watch?.abort();
      w.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (e: unknown) => {
      if (done) return;
      end();
      reject(e);
    };
    const consider = (pod: V1Pod) => {
      if (done) return;
      last = pod;
      let v: T | undefined;
      try {
        v = w.settled(pod);
      } catch (e) {
        return fail(e);
      }
      if (v === undefined) return;
      end();
      resolve(v);
    };
    const deadline = setTimeout(() => fail(w.onTimeout(last)), w.timeoutMs ?? 60_000);
    if (w.signal?.aborted) return onAbort();
    w.signal?.addEventListener('abort', onAbort, { once: true });

    // The watch: events are the pod as the API server has it after each change (ADDED first, then MODIFIED).
    new Watch(kc)
      .watch(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { fieldSelector: `metadata.name=${name}` }, (type: string, obj: V1Pod) => {
        if (type === 'ADDED' || type === 'MODIFIED') consider(obj);
      }, () => undefined /* ended or refused: the poll goes on */)
      .then(
        (c) => (done ? c.abort() : (watch = c)),
        () => undefined,
      );

    // The poll: at once, then backing off. A read that fails (the pod deleted, access withdrawn) ends the wait.
    let delay = w.pollMs ?? 250;
    const poll = async () => {
      if (done) return;
      try {
        consider(await core.readNamespacedPod({ name, namespace }));
      } catch (e) {
        return fail(e); // the pod gone (404) or no longer ours to read (403): the caller's to explain
      }
      if (done) return;
      pollTimer = setTimeout(() => void poll(), delay);
      delay = Math.min(delay * 2, 1000);
    };
    void poll();
  });
}
