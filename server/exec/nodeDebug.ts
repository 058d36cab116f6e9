// The node-side runner (DESIGN §5): a privileged hostNetwork pod pinned to the node, like
// `kubectl debug node/NAME --profile=sysadmin`, labelled as packetwalk's, deleted when the diagnosis
// ends, and swept at start-up when a crashed run left one behind.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { admissionRefusal, stuckWaiting } from './startFailure';
import { instanceLabels, trackPod, untrackPod } from './reconcile';
import { waitForPod } from './podWait';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ROLE_LABEL = 'packetwalk.dev/role';
export const NODE_DEBUG_SELECTOR = `${MANAGED_BY}=packetwalk,${ROLE_LABEL}=node-debug`;
/** A node debug pod older than this belongs to a run that died (a diagnosis takes seconds). */
const STALE_MS = 10 * 60_000;

export interface NodeDebugPod {
  namespace: string;
  pod: string;
  container: string;
  node: string;
}

function podName(node: string): string {
  const rand = Math.random().toString(36).slice(2, 7);
  return `packetwalk-node-${node}`.slice(0, 52).replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '') + `-${rand}`;
}

/**
 * Creates the node debug pod for `node` in `namespace` and resolves once it runs. Rejects with a StartFailure
 * (admission refused it, the image does not pull), an Error (it ended, or is not Running after `readyTimeoutMs`),
 * the API's error, or PodWaitAborted when `signal` is aborted while it starts; a pod it created is deleted
 * before any of these rejections.
 */
export async function createNodeDebugPod(kc: KubeConfig, node: string, namespace: string, image: string, readyTimeoutMs = 60_000, signal?: AbortSignal): Promise<NodeDebugPod> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = podName(node);
  const body: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { [MANAGED_BY]: 'packetwalk', [ROLE_LABEL]: 'node-debug', 'packetwalk.dev/node': node, ...instanceLabels() } },
    spec: {
      nodeName: node,
      hostNetwork: true,
      hostPID: true,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'debugger', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '600'], securityContext: { privileged: true } }],
    },
  };
  const what = `the node debug pod ${namespace}/${name} on ${node}`;
  trackPod(namespace, name); // the periodic sweep (reconcile.ts) leaves pods of live runs alone
  try {
    await core.createNamespacedPod({ namespace, body });
  } catch (e) {
    untrackPod(namespace, name);
    // Pod Security (a privileged hostNetwork pod breaks baseline) or a webhook: the server's own sentence.
    const refused = admissionRefusal(e, `${what} (privileged, hostNetwork, hostPID; choose a namespace that allows it with --debug-namespace)`);
    throw refused ?? e;
  }
  const gone = () => deleteNodeDebugPod(kc, { namespace, pod: name, container: 'debugger', node }).catch(() => undefined);
  try {
    await waitForPod(kc, namespace, name, {
      timeoutMs: readyTimeoutMs,
      ...(signal ? { signal } : {}),
      settled: (pod) => {
        if (pod.status?.phase === 'Running') return true;
        const stuck = stuckWaiting(pod.status?.containerStatuses?.find((c) => c.name === 'debugger'), what);
        if (stuck) throw stuck;
        if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') throw new Error(`node debug pod ${namespace}/${name} ended (${pod.status.phase}) before it ran`);
        return undefined;
      },
      onTimeout: () => new Error(`node debug pod ${namespace}/${name} on ${node} is not Running after ${Math.round(readyTimeoutMs / 1000)} s`),
    });
  } catch (e) {
    await gone();
    throw e;
  }
  return { namespace, pod: name, container: 'debugger', node };
}

export async function deleteNodeDebugPod(kc: KubeConfig, p: NodeDebugPod): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  untrackPod(p.namespace, p.pod); // from here on, a failed delete is the sweep's to retry
  try {
    await core.deleteNamespacedPod({ name: p.pod, namespace: p.namespace, gracePeriodSeconds: 0 });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
}

/** Deletes node debug pods a dead run left behind (older than STALE_MS); returns their names. */
export async function sweepNodeDebugPods(kc: KubeConfig, namespace: string, now = Date.now()): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespacedPod({ namespace, labelSelector: NODE_DEBUG_SELECTOR });
  const stale = list.items.filter((p) => {
    const t = p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).getTime() : 0;
    return now - t > STALE_MS;
  });
  for (const p of stale) await deleteNodeDebugPod(kc, { namespace, pod: p.metadata!.name!, container: 'debugger', node: '' }).catch(() => undefined);
  return stale.map((p) => p.metadata!.name!);
}
