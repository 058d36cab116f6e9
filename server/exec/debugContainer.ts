// The pod-side runner (DESIGN §5): an ephemeral debug container in the pod, sharing its netns, running a
// long sleep so later probes exec into it. Ephemeral containers cannot be removed, so we find ours again
// (by name prefix) and reuse it across diagnoses — only while it runs (or is still being created): one that
// failed to pull or terminated is never reused, and a new container always takes a new name.
// Its security context is the least that runs the probes and passes the namespace's Pod Security level
// (kubectl debug's profiles are the model): `general` adds NET_RAW (ping, tcpdump); `restricted` runs as
// a non-root user with every capability dropped and the runtime's seccomp profile (ip, dig, nc still run).
// Its start is watched as `kubectl debug` watches it: a kubelet waiting reason that will not clear
// (ErrImagePull, ImagePullBackOff, CreateContainerConfigError …) is a StartFailure at once, with its message.
// Within this process, concurrent diagnoses of one pod share one in-flight creation.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1EphemeralContainer, type V1Pod, type V1SecurityContext } from '@kubernetes/client-node';
import { admissionRefusal, StartFailure, stuckWaiting } from './startFailure';
import { PodSlowToStart, PodWaitAborted, waitForPod } from './podWait';

export const DEBUG_CONTAINER_PREFIX = 'packetwalk-debug';
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export type DebugProfile = 'general' | 'restricted';

export interface DebugContainerOptions {
  image: string;
  /** how long to wait for the container to run (image pulls on real clusters take a while) */
  readyTimeoutMs?: number;
  /** run as this uid (a mesh proxy's, so connects bypass its redirect: server/exec/mesh.ts); its own name prefix */
  runAsUser?: number;
  prefix?: string;
  /**
   * The pod as the caller just read it (the diagnosis's snapshot, server/cluster/snapshot.ts): when it shows one
   * of our containers running, that container is used without reading the pod again (an API round trip less
   * before the first probe). Anything else (none of ours, one still starting) reads the pod afresh.
   */
  known?: V1Pod;
  /** ends the wait for the container to run with PodWaitAborted (Ctrl-C, the diagnosis's deadline) */
  signal?: AbortSignal;
}

export interface DebugContainer {
  namespace: string;
  pod: string;
  container: string;
  /** the app container whose process namespace we target (for the reproduce line) */
  target?: string;
  reused: boolean;
  /** the security profile it runs with (a reused one: what its spec says) */
  profile: DebugProfile;
  /**
   * the image it runs (a reused one: its spec's, which may not be the one asked for — a running container is reused
   * whatever image a later diagnosis asks for, DESIGN §5): what the reproduce lines name
   */
  image?: string;
}

/** The security context of each profile (kubectl debug --profile=general|restricted, plus a non-root uid so root images start). */
export function securityContextFor(profile: DebugProfile): V1SecurityContext {
  if (profile === 'restricted') {
    return { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  }
  // ping and tcpdump need raw sockets; nothing here changes the pod's network. Baseline allows NET_RAW.
  return { capabilities: { add: ['NET_RAW'] } };
}

type ContainerState = 'running' | 'waiting' | 'terminated' | 'absent';

function statusOf(pod: V1Pod, name: string) {
  return pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
}

function stateOf(pod: V1Pod, name: string): ContainerState {
  const st = statusOf(pod, name);
  if (!st?.state) return 'absent';
  if (st.state.running) return 'running';
  if (st.state.terminated) return 'terminated';
  return 'waiting';
}

/** Our containers of this kind (name prefix) in the pod, in creation order. */
function ours(pod: V1Pod, prefix = DEBUG_CONTAINER_PREFIX): V1EphemeralContainer[] {
  const uidded = /-mesh/.test(prefix);
  return (pod.spec?.ephemeralContainers ?? []).filter((c) => c.name.startsWith(prefix) && (uidded || !c.name.startsWith(`${DEBUG_CONTAINER_PREFIX}-mesh`)));
}

/** A container worth waiting for or using: running, or still being created (no failure reason yet). */
function usable(pod: V1Pod, c: V1EphemeralContainer): boolean {
  const s = stateOf(pod, c.name);
  if (s === 'running') return true;
  if (s === 'absent') return true; // just added; the kubelet has not reported it yet
  return s === 'waiting' && !stuckWaiting(statusOf(pod, c.name), '') && ['ContainerCreating', 'PodInitializing', undefined].includes(statusOf(pod, c.name)?.state?.waiting?.reason);
}

/** A name no container of the pod has: packetwalk-debug, then packetwalk-debug-2, -3 … */
export function nextName(pod: V1Pod, prefix = DEBUG_CONTAINER_PREFIX): string {
  const taken = new Set([...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name));
  if (!taken.has(prefix)) return prefix;
  for (let i = 2; ; i++) if (!taken.has(`${prefix}-${i}`)) return `${prefix}-${i}`;
}

const profileOf = (c: V1EphemeralContainer): DebugProfile => (c.securityContext?.runAsNonRoot ? 'restricted' : 'general');

const inflight = new Map<string, Promise<DebugContainer>>();

/**
 * Pod `namespace/name` among the pods a diagnosis read (ClusterSnapshot.pods), as DebugContainerOptions.known:
 * server/cluster/snapshot.ts keeps the objects client-node returned whole, so they are V1Pods (with the
 * ephemeral containers' spec and status) under the snapshot's narrower type.
 */
export function knownPod(pods: readonly { metadata?: { namespace?: string; name?: string } }[], namespace: string, name: string): V1Pod | undefined {
  return pods.find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name) as V1Pod | undefined;
}

export function ensureDebugContainer(kc: KubeConfig, namespace: string, pod: string, opts: DebugContainerOptions): Promise<DebugContainer> {
  const key = `${kc.getCurrentContext()}|${namespace}/${pod}|${opts.prefix ?? ''}`;
  const running = inflight.get(key);
  // Another diagnosis's start under way is shared — unless that one is stopped meanwhile (its wait ends with
  // PodWaitAborted): this one then waits on its own.
  if (running) return running.catch((e: unknown) => (e instanceof PodWaitAborted && !opts.signal?.aborted ? ensureDebugContainer(kc, namespace, pod, opts) : Promise.reject(e)));
  const p = ensure(kc, namespace, pod, opts).finally(() => {
    if (inflight.get(key) === p) inflight.delete(key);
  });
  inflight.set(key, p);
  return p;
}

/** The Pod Security level the namespace enforces, or undefined when we may not read the namespace. */
async function enforcedLevel(core: CoreV1Api, namespace: string): Promise<string | undefined> {
  try {
    const ns = await core.readNamespace({ name: namespace });
    return ns.metadata?.labels?.[ENFORCE_LABEL] ?? 'privileged';
  } catch {
    return undefined;
  }
}

async function ensure(kc: KubeConfig, namespace: string, name: string, opts: DebugContainerOptions): Promise<DebugContainer> {
  const core = kc.makeApiClient(CoreV1Api);
  const timeout = opts.readyTimeoutMs ?? 60_000;
  const prefix = opts.prefix ?? DEBUG_CONTAINER_PREFIX;
  /** Our newest container in `p` that `ok` accepts, as the foothold it is. */
  const reuse = (p: V1Pod, ok: (c: V1EphemeralContainer) => boolean): DebugContainer | undefined => {
    const c = [...ours(p, prefix)].reverse().find(ok);
    return c && { namespace, pod: name, container: c.name, target: c.targetContainerName ?? p.spec?.containers?.[0]?.name, reused: true, profile: profileOf(c), ...(c.image ? { image: c.image } : {}) };
  };
  const known = opts.known && reuse(opts.known, (c) => stateOf(opts.known!, c.name) === 'running');
  if (known) return known;
  let pod = await core.readNamespacedPod({ name, namespace });
  const target = pod.spec?.containers?.[0]?.name;
  const live = reuse(pod, (c) => usable(pod, c));
  if (live) {
    if (stateOf(pod, live.container) !== 'running') await waitRunning(kc, namespace, name, live.container, timeout, opts.signal);
    return live;
  }
  const level = await enforcedLevel(core, namespace);
  // restricted namespaces get the restricted profile at once; others the general one, and the restricted one
  // if admission refuses it (a namespace we may not read, or a webhook stricter than its label).
  const profiles: DebugProfile[] = level === 'restricted' ? ['restricted'] : ['general', 'restricted'];
  let refusal: StartFailure | null = null;
  for (const profile of profiles) {
    const container = nextName(pod, prefix);
    const ec: V1EphemeralContainer = {
      name: container,
      image: opts.image,
      imagePullPolicy: 'IfNotPresent',
      // A long sleep: the container is our foothold in the pod's netns for later diagnoses.
      command: ['sleep', '2147483'],
      stdin: false,
      tty: false,
      ...(target ? { targetContainerName: target } : {}),
      securityContext: opts.runAsUser !== undefined ? { ...securityContextFor(profile), runAsUser: opts.runAsUser, runAsGroup: opts.runAsUser, ...(opts.runAsUser > 0 ? { runAsNonRoot: true } : {}) } : securityContextFor(profile),
    };
    try {
      await core.patchNamespacedPodEphemeralcontainers(
        { name, namespace, body: { spec: { ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), ec] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (e) {
      refusal = admissionRefusal(e, `the debug container ${container} in ${namespace}/${name}`);
      if (!refusal) throw e;
      pod = await core.readNamespacedPod({ name, namespace });
      continue;
    }
    await waitRunning(kc, namespace, name, container, timeout, opts.signal);
    return { namespace, pod: name, container, target, reused: false, profile, image: opts.image };
  }
  throw refusal!;
}

/**
 * Waits (server/exec/podWait.ts: a watch on the pod, a slow poll beside it) until the container runs. A waiting
 * reason that will not clear by itself is a StartFailure at once; a terminated container or the deadline is an
 * Error that says so.
 */
function waitRunning(kc: KubeConfig, namespace: string, name: string, container: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const what = `the debug container ${container} in ${namespace}/${name}`;
  return waitForPod(kc, namespace, name, {
    timeoutMs,
    ...(signal ? { signal } : {}),
    settled: (pod) => {
      const s = stateOf(pod, container);
      if (s === 'running') return true;
      const stuck = stuckWaiting(statusOf(pod, container), what);
      if (stuck) throw stuck;
      if (s === 'terminated') {
        const t = statusOf(pod, container)?.state?.terminated;
        throw new Error(`${what} terminated before it ran (${t?.reason ?? 'exit'} ${t?.exitCode ?? ''}${t?.message ? `: ${t.message}` : ''}; image ${pod.spec?.ephemeralContainers?.find((c) => c.name === container)?.image})`);
      }
      return undefined;
    },
    onTimeout: (pod) => {
      const w = pod ? statusOf(pod, container)?.state?.waiting : undefined;
      const state = w?.reason ?? (pod ? stateOf(pod, container) : 'unknown');
      const afterS = Math.round(timeoutMs / 1000);
      return new PodSlowToStart('debug-container', `${namespace}/${name}`, afterS, state, `${what} is not running after ${afterS} s (${w?.reason ? `waiting: ${w.reason}${w.message ? `: ${w.message}` : ''}` : `state ${state}`})`);
    },
  }).then(() => undefined);
}
