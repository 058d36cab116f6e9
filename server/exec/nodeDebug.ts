// The node-side runner (DESIGN §5): a privileged hostNetwork pod pinned to the node, like
// `kubectl debug node/NAME --profile=sysadmin`, labelled as packetwalk's, deleted when the diagnosis
// ends, and swept at start-up when a crashed run left one behind. With a keep window (--keep-node-pods) it
// stays for the next diagnosis instead, bounded by its own activeDeadlineSeconds (lib/kube/nodeDebug.ts).
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KEEP_GRACE_S, KEEP_LABEL, KEEP_UNTIL, MANAGED_BY, NODE_DEBUG_CONTAINER, NODE_DEBUG_SELECTOR, NODE_LABEL, ROLE_LABEL, keptPodEnded, nodeDebugPodName, nodeLabelValue, reusableNodePods } from '../../lib/kube/nodeDebug';
import { admissionRefusal, stuckWaiting } from './startFailure';
import { instanceLabels, trackPod, untrackPod } from './reconcile';
import { PodSlowToStart, waitForPod } from './podWait';

export { NODE_DEBUG_SELECTOR };
/** A node debug pod older than this belongs to a run that died (a diagnosis takes seconds; a kept pod ends sooner). */
const STALE_MS = 10 * 60_000;

export interface NodeDebugPod {
  namespace: string;
  pod: string;
  container: string;
  node: string;
  /** a kept pod's keep-until (RFC 3339): the last moment a diagnosis may start using it */
  keepUntil?: string;
}

const podName = (node: string) => nodeDebugPodName(node, Math.random().toString(36).slice(2, 7).padEnd(5, '0'));

export interface NodeDebugOptions {
  /** ms to wait for Running (default 60 s) */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
  /** keep the pod this many seconds for later diagnoses (labelled, annotated keep-until, activeDeadlineSeconds = keep + KEEP_GRACE_S); 0/absent = an ordinary per-diagnosis pod */
  keepSeconds?: number;
  /** ms since the epoch the keep window starts from (tests); default now */
  now?: number;
  /** ms between deletes of a pod whose create got no answer (default 5 s; tests), for ORPHAN_WINDOW_MS */
  orphanRetryMs?: number;
  /** the run's pods not known to be gone (`ns/name`): added before the create is sent, removed once a delete (or the create's refusal) is answered */
  ledger?: Set<string>;
}

/**
 * Creates the node debug pod for `node` in `namespace` and resolves once it runs. Rejects with a StartFailure
 * (admission refused it, the image does not pull), an Error (it ended, or is not Running after `readyTimeoutMs`),
 * the API's error, or PodWaitAborted when `signal` is aborted while it starts; a pod it created is deleted
 * before any of these rejections.
 */
export async function createNodeDebugPod(kc: KubeConfig, node: string, namespace: string, image: string, o: NodeDebugOptions = {}): Promise<NodeDebugPod> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = podName(node);
  const readyTimeoutMs = o.readyTimeoutMs ?? 60_000;
  const signal = o.signal;
  const keep = o.keepSeconds ?? 0;
  const keepUntil = keep > 0 ? new Date((o.now ?? Date.now()) + keep * 1000).toISOString() : undefined;
  const body: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY]: 'packetwalk', [ROLE_LABEL]: 'node-debug', [NODE_LABEL]: nodeLabelValue(node), ...instanceLabels(), ...(keep > 0 ? { [KEEP_LABEL]: 'true' } : {}) },
      ...(keepUntil ? { annotations: { [KEEP_UNTIL]: keepUntil } } : {}),
    },
    spec: {
      ...(keep > 0 ? { activeDeadlineSeconds: keep + KEEP_GRACE_S } : {}),
      nodeName: node,
      hostNetwork: true,
      hostPID: true,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      terminationGracePeriodSeconds: 0,
      containers: [{ name: NODE_DEBUG_CONTAINER, image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '600'], securityContext: { privileged: true } }],
    },
  };
  const what = `the node debug pod ${namespace}/${name} on ${node}`;
  trackPod(namespace, name); // the periodic sweep (reconcile.ts) leaves pods of live runs alone
  o.ledger?.add(`${namespace}/${name}`);
  try {
    await core.createNamespacedPod({ namespace, body });
  } catch (e) {
    untrackPod(namespace, name);
    // Refused by the API server: no pod. A create that got no answer may still be carried out when the server
    // resumes: it stays listed, and a delete by name is tried until the server answers (deleteOrphan).
    if (answered(e)) o.ledger?.delete(`${namespace}/${name}`);
    else void deleteOrphan(kc, { namespace, pod: name, container: NODE_DEBUG_CONTAINER, node }, o.orphanRetryMs ?? 5000, o.ledger);
    // Pod Security (a privileged hostNetwork pod breaks baseline) or a webhook: the server's own sentence.
    const refused = admissionRefusal(e, `${what} (privileged, hostNetwork, hostPID; choose a namespace that allows it with --debug-namespace)`);
    throw refused ?? e;
  }
  const gone = () => deleteNodeDebugPod(kc, { namespace, pod: name, container: NODE_DEBUG_CONTAINER, node }, o.ledger).catch(() => undefined);
  try {
    await waitForPod(kc, namespace, name, {
      timeoutMs: readyTimeoutMs,
      ...(signal ? { signal } : {}),
      settled: (pod) => {
        if (pod.status?.phase === 'Running') return true;
        const stuck = stuckWaiting(pod.status?.containerStatuses?.find((c) => c.name === NODE_DEBUG_CONTAINER), what);
        if (stuck) throw stuck;
        if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') throw new Error(`node debug pod ${namespace}/${name} ended (${pod.status.phase}) before it ran`);
        return undefined;
      },
      onTimeout: (pod) => {
        const afterS = Math.round(readyTimeoutMs / 1000);
        return new PodSlowToStart('node-debug-pod', `${namespace}/${name}`, afterS, pod?.status?.phase ?? 'unknown', `node debug pod ${namespace}/${name} on ${node} is not Running after ${afterS} s`, node);
      },
    });
  } catch (e) {
    await gone();
    throw e;
  }
  return { namespace, pod: name, container: NODE_DEBUG_CONTAINER, node, ...(keepUntil ? { keepUntil } : {}) };
}

/** Whether `e` is the API server's answer (an HTTP status), not a request that got none (a timeout's DOMException has code 23). */
const answered = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code < 600;
};

/** How long after a create that got no answer its pod is still looked for (deleteOrphan). */
export const ORPHAN_WINDOW_MS = 120_000;

/**
 * A node debug pod whose create got no answer (the API server froze, the request's deadline passed) is created when
 * the server resumes and would stay Running until the 10-minute sweep: delete it by name every `everyMs` until the
 * server answers 200 (deleted), or 404 twice (the create never arrived), or ORPHAN_WINDOW_MS passes. Never rejects;
 * its timers do not hold the process (a CLI that leaves names the pod instead: server/cluster/deadline.ts).
 */
export async function deleteOrphan(kc: KubeConfig, p: NodeDebugPod, everyMs: number, ledger?: Set<string>): Promise<'deleted' | 'absent' | 'gave up'> {
  const core = kc.makeApiClient(CoreV1Api);
  const end = Date.now() + ORPHAN_WINDOW_MS;
  let absent = 0;
  while (Date.now() < end) {
    try {
      await core.deleteNamespacedPod({ name: p.pod, namespace: p.namespace, gracePeriodSeconds: 0 });
      ledger?.delete(`${p.namespace}/${p.pod}`);
      return 'deleted';
    } catch (e) {
      if ((e as { code?: number }).code === 404 && ++absent >= 2) {
        ledger?.delete(`${p.namespace}/${p.pod}`);
        return 'absent';
      }
    }
    await new Promise((r) => setTimeout(r, everyMs).unref());
  }
  return 'gave up';
}

/** Deletes node debug pod `p` (gone already is fine); rejects with the API's error. `ledger` (NodeDebugOptions) loses it once the API answers. */
export async function deleteNodeDebugPod(kc: KubeConfig, p: NodeDebugPod, ledger?: Set<string>): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  untrackPod(p.namespace, p.pod); // from here on, a failed delete is the sweep's to retry
  try {
    await core.deleteNamespacedPod({ name: p.pod, namespace: p.namespace, gracePeriodSeconds: 0 });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
  ledger?.delete(`${p.namespace}/${p.pod}`);
}

/**
 * packetwalk's node debug pods in `namespace`, kept or not: one namespaced LIST by label (NODE_DEBUG_SELECTOR),
 * what both the reuse of kept pods and the sweep below read. Rejects with the API's error.
 */
export async function listNodeDebugPods(kc: KubeConfig, namespace: string): Promise<V1Pod[]> {
  return (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: NODE_DEBUG_SELECTOR })).items;
}

/**
 * The kept node debug pods in `namespace` a diagnosis starting now may reuse (lib/kube/nodeDebug.ts
 * reusableNodePods), from `listed` (listNodeDebugPods; one made now when not given). Returns node name → pod;
 * rejects with the API's error.
 */
export async function keptNodeDebugPods(kc: KubeConfig, namespace: string, image: string, listed: Promise<V1Pod[]> = listNodeDebugPods(kc, namespace)): Promise<Map<string, NodeDebugPod>> {
  const items = await listed;
  return new Map([...reusableNodePods(items, image, Date.now())].map(([node, p]) => [node, { namespace, pod: p.name, container: NODE_DEBUG_CONTAINER, node, keepUntil: p.keepUntil }]));
}

/**
 * Deletes node debug pods a dead run left behind (older than STALE_MS) and kept pods that have ended (the
 * kubelet's deadline passed), from `listed` (listNodeDebugPods; one made now when not given); returns their names.
 */
export async function sweepNodeDebugPods(kc: KubeConfig, namespace: string, now = Date.now(), listed: Promise<V1Pod[]> = listNodeDebugPods(kc, namespace)): Promise<string[]> {
  const stale = (await listed).filter((p) => {
    const t = p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).getTime() : 0;
    return now - t > STALE_MS || keptPodEnded(p);
  });
  for (const p of stale) await deleteNodeDebugPod(kc, { namespace, pod: p.metadata!.name!, container: NODE_DEBUG_CONTAINER, node: '' }).catch(() => undefined);
  return stale.map((p) => p.metadata!.name!);
}
