// The pod-side runner (DESIGN §5): an ephemeral debug container in the pod, sharing its netns, running a
// long sleep so later probes exec into it. Ephemeral containers cannot be removed, so we find ours again
// (by name prefix) and reuse it across diagnoses; a second one is added only when ours has terminated.
// Within this process, concurrent diagnoses of one pod share one in-flight creation.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1EphemeralContainer, type V1Pod } from '@kubernetes/client-node';

export const DEBUG_CONTAINER_PREFIX = 'packetwalk-debug';

export interface DebugContainerOptions {
  image: string;
  /** how long to wait for the container to run (image pulls on real clusters take a while) */
  readyTimeoutMs?: number;
}

export interface DebugContainer {
  namespace: string;
  pod: string;
  container: string;
  /** the app container whose process namespace we target (for the reproduce line) */
  target?: string;
  reused: boolean;
}

type ContainerState = 'running' | 'waiting' | 'terminated' | 'absent';

function stateOf(pod: V1Pod, name: string): ContainerState {
  const st = pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
  if (!st?.state) return 'absent';
  if (st.state.running) return 'running';
  if (st.state.terminated) return 'terminated';
  return 'waiting';
}

/** Our containers in the pod, newest last. */
function ours(pod: V1Pod): V1EphemeralContainer[] {
  return (pod.spec?.ephemeralContainers ?? []).filter((c) => c.name.startsWith(DEBUG_CONTAINER_PREFIX));
}

const inflight = new Map<string, Promise<DebugContainer>>();

export function ensureDebugContainer(kc: KubeConfig, namespace: string, pod: string, opts: DebugContainerOptions): Promise<DebugContainer> {
  const key = `${kc.getCurrentContext()}|${namespace}/${pod}`;
  const running = inflight.get(key);
  if (running) return running;
  const p = ensure(kc, namespace, pod, opts).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

async function ensure(kc: KubeConfig, namespace: string, name: string, opts: DebugContainerOptions): Promise<DebugContainer> {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await core.readNamespacedPod({ name, namespace });
  const target = pod.spec?.containers?.[0]?.name;
  const mine = ours(pod);
  const live = [...mine].reverse().find((c) => stateOf(pod, c.name) !== 'terminated');
  if (live) {
    if (stateOf(pod, live.name) !== 'running') await waitRunning(core, namespace, name, live.name, opts.readyTimeoutMs ?? 60_000);
    return { namespace, pod: name, container: live.name, target: live.targetContainerName ?? target, reused: true };
  }
  const container = mine.length === 0 ? DEBUG_CONTAINER_PREFIX : `${DEBUG_CONTAINER_PREFIX}-${mine.length + 1}`;
  const ec: V1EphemeralContainer = {
    name: container,
    image: opts.image,
    imagePullPolicy: 'IfNotPresent',
    // A long sleep: the container is our foothold in the pod's netns for later diagnoses.
    command: ['sleep', '2147483'],
    stdin: false,
    tty: false,
    ...(target ? { targetContainerName: target } : {}),
    // ping needs raw sockets; nothing here changes the pod's network.
    securityContext: { capabilities: { add: ['NET_RAW'] } },
  };
  await core.patchNamespacedPodEphemeralcontainers(
    { name, namespace, body: { spec: { ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), ec] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  await waitRunning(core, namespace, name, container, opts.readyTimeoutMs ?? 60_000);
  return { namespace, pod: name, container, target, reused: false };
}

async function waitRunning(core: CoreV1Api, namespace: string, name: string, container: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const pod = await core.readNamespacedPod({ name, namespace });
    const s = stateOf(pod, container);
    if (s === 'running') return;
    if (s === 'terminated') throw new Error(`debug container ${container} in ${namespace}/${name} terminated before it ran (check the image ${pod.spec?.ephemeralContainers?.find((c) => c.name === container)?.image})`);
    if (Date.now() > deadline) throw new Error(`debug container ${container} in ${namespace}/${name} is not running after ${Math.round(timeoutMs / 1000)} s (state ${s}); the image may still be pulling`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
