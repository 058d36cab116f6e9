// What a kubelet reports while it starts a container (DESIGN §3.3): a new ephemeral container or node
// debug pod is `waiting: ContainerCreating` first and `running` after `cluster.api.startDelayMs`; an image
// named `*:missing` never pulls — `waiting: ErrImagePull` with the runtime's message, then
// `ImagePullBackOff` ("Back-off pulling image …"), and it stays there, as a kubelet keeps backing off.
// Messages are shaped like containerd's and the kubelet's (kubelet/images/image_manager.go: "Back-off
// pulling image %q"; containerd: failed to pull and unpack image … not found).
import { randomBytes } from 'node:crypto';
import { updateState } from '../state';
import type { KubeObject } from '../types';
import { startDelayMs } from './manners';
import type { ObjectStore } from './store';

/* eslint-disable @typescript-eslint/no-explicit-any -- status objects are written field by field */

export const pullFails = (image: string | undefined) => typeof image === 'string' && /:missing$/.test(image);

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** docker.io/library/x:tag as containerd names a short reference. */
function fullRef(image: string): string {
  const first = image.split('/')[0];
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return image;
  return image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`;
}

export function waiting(c: any, reason: string, message?: string) {
  return { name: c.name, state: { waiting: { reason, ...(message ? { message } : {}) } }, lastState: {}, ready: false, restartCount: 0, image: c.image ?? '', imageID: '', started: false };
}

export function running(c: any, t: string, ready: boolean) {
  return { name: c.name, state: { running: { startedAt: t } }, lastState: {}, ready, restartCount: 0, image: c.image ?? '', imageID: '', containerID: `containerd://${randomBytes(32).toString('hex')}`, started: true };
}

export const errImagePull = (image: string) => `failed to pull and unpack image "${fullRef(image)}": failed to resolve reference "${fullRef(image)}": ${fullRef(image)}: not found`;
export const backOff = (image: string) => `Back-off pulling image "${image}"`;

export interface Target {
  namespace: string;
  pod: string;
  container: string;
  /** an ephemeral container (ephemeralContainerStatuses) or a node debug pod's container (containerStatuses + phase) */
  ephemeral: boolean;
  image: string;
}

/** Rewrites one container's status in state.json (and the daemon's store at once). */
function setStatus(store: ObjectStore, labDir: string, t: Target, status: object, phaseRunning: boolean): void {
  const s = updateState((st) => {
    const o = st.objects.find((x) => x.kind === 'Pod' && x.metadata.namespace === t.namespace && x.metadata.name === t.pod) as any;
    if (!o) return;
    const key = t.ephemeral ? 'ephemeralContainerStatuses' : 'containerStatuses';
    const list: any[] = [...(o.status?.[key] ?? [])];
    const i = list.findIndex((x) => x.name === t.container);
    if (i < 0) return;
    list[i] = status;
    o.status = { ...o.status, [key]: list };
    if (!t.ephemeral && phaseRunning) {
      const at = now();
      o.status.phase = 'Running';
      o.status.startTime ??= at;
      o.status.conditions = (o.status.conditions ?? []).map((c: any) => ({ ...c, status: 'True', lastTransitionTime: at }));
    }
  }, labDir);
  store.apply(s);
}

/** Timers of containers still starting, so a daemon that stops does not write after its lab is gone. */
const timers = new Set<NodeJS.Timeout>();
export function cancelStarts(): void {
  for (const t of timers) clearTimeout(t);
  timers.clear();
}

function later(ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    timers.delete(t);
    try {
      fn();
    } catch {
      /* the pod went away meanwhile */
    }
  }, ms);
  timers.add(t);
}

/**
 * Plays the kubelet for a container just added: running after the lab's start delay, or the pull
 * failures for `*:missing`. The caller has stored the container as waiting(ContainerCreating).
 */
export function startContainer(store: ObjectStore, labDir: string, t: Target): void {
  const delay = startDelayMs(store.state.cluster);
  if (pullFails(t.image)) {
    later(delay, () => setStatus(store, labDir, t, waiting({ name: t.container, image: t.image }, 'ErrImagePull', errImagePull(t.image)), false));
    later(delay + Math.max(1000, delay), () => setStatus(store, labDir, t, waiting({ name: t.container, image: t.image }, 'ImagePullBackOff', backOff(t.image)), false));
    return;
  }
  later(delay, () => setStatus(store, labDir, t, running({ name: t.container, image: t.image }, now(), !t.ephemeral), true));
}

/** kubelet's pod status when spec.activeDeadlineSeconds passes (pkg/kubelet/active_deadline.go: reason and message). */
export const DEADLINE_REASON = 'DeadlineExceeded';
export const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/**
 * Plays the kubelet's active-deadline handler for a pod just created with spec.activeDeadlineSeconds = `seconds`:
 * when they have passed since its start, its containers are killed (terminated, exit 137) and the pod is
 * Failed with reason DeadlineExceeded; exec into it is refused from then on (server.ts, containerState).
 */
export function enforceActiveDeadline(store: ObjectStore, labDir: string, namespace: string, pod: string, seconds: number): void {
  later(seconds * 1000, () => {
    const s = updateState((st) => {
      const o = st.objects.find((x) => x.kind === 'Pod' && x.metadata.namespace === namespace && x.metadata.name === pod) as any;
      if (!o || o.status?.phase === 'Failed' || o.status?.phase === 'Succeeded') return;
      const at = now();
      o.status = {
        ...o.status,
        phase: 'Failed',
        reason: DEADLINE_REASON,
        message: DEADLINE_MESSAGE,
        conditions: (o.status?.conditions ?? []).map((c: any) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodFailed', lastTransitionTime: at } : c)),
        containerStatuses: (o.status?.containerStatuses ?? []).map((c: any) => ({
          ...c,
          ready: false,
          started: false,
          state: { terminated: { exitCode: 137, reason: 'Error', startedAt: c.state?.running?.startedAt ?? at, finishedAt: at, ...(c.containerID ? { containerID: c.containerID } : {}) } },
        })),
      };
    }, labDir);
    store.apply(s);
  });
}

/** The container's state name in a pod as served: running, waiting, terminated, or absent. */
export function containerState(pod: KubeObject, name: string): 'running' | 'waiting' | 'terminated' | 'absent' {
  const st = pod.status as any;
  const s = [...(st?.containerStatuses ?? []), ...(st?.ephemeralContainerStatuses ?? [])].find((x: any) => x.name === name);
  if (!s?.state) return 'absent';
  if (s.state.running) return 'running';
  if (s.state.terminated) return 'terminated';
  return 'waiting';
}
