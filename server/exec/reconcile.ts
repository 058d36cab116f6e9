// Nothing left behind (issue 10): every node debug pod a server makes carries that server's instance id
// (packetwalk.dev/instance, persisted in its store), so the next start of the same server deletes every one
// its predecessor left — after a kill -9, whatever their age — and a periodic sweep deletes those no live run
// holds. The node debug runner (nodeDebug.ts) only calls instanceLabels() and track/untrack. With a keep window
// (serve --keep-node-pods) the pods it keeps stay tracked, so the sweep spares them until the kubelet ends them.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { listContexts, loadCluster, type KubeconfigOptions } from '../cluster/kubeconfig';
import { NODE_DEBUG_SELECTOR, keptPodEnded } from '../../lib/kube/nodeDebug';

export const INSTANCE_LABEL = 'packetwalk.dev/instance';

let instance: string | undefined;
const live = new Set<string>();

/** Sets (or clears) this process's server instance id; node debug pods made afterwards carry it. */
export function setServerInstance(id: string | undefined): void {
  instance = id;
}

/** `{ 'packetwalk.dev/instance': id }` when a server runs in this process, else `{}` (the CLI's pods). */
export function instanceLabels(): Record<string, string> {
  return instance ? { [INSTANCE_LABEL]: instance } : {};
}

/** A node debug pod this process is about to create / has created (call before the create request). */
export function trackPod(namespace: string, name: string): void {
  live.add(`${namespace}/${name}`);
}

/** A node debug pod this process deleted (or gave up on). */
export function untrackPod(namespace: string, name: string): void {
  live.delete(`${namespace}/${name}`);
}

export interface ReconcileResult {
  context: string;
  deleted: string[];
  error?: string;
}

function isTracked(p: V1Pod): boolean {
  return live.has(`${p.metadata?.namespace}/${p.metadata?.name}`);
}

/**
 * Deletes the node debug pods labelled with `id` in one context that no live run of this process holds.
 * Lists across namespaces; where that is forbidden, lists the context's namespace. Returns `ns/name`s deleted.
 */
export async function reconcileContext(opts: KubeconfigOptions, id: string): Promise<ReconcileResult> {
  const cl = loadCluster({ ...opts, requestTimeoutMs: opts.requestTimeoutMs ?? 5000 });
  const core = cl.kc.makeApiClient(CoreV1Api);
  const labelSelector = `${NODE_DEBUG_SELECTOR},${INSTANCE_LABEL}=${id}`;
  let pods: V1Pod[];
  try {
    pods = (await core.listPodForAllNamespaces({ labelSelector })).items;
  } catch {
    pods = (await core.listNamespacedPod({ namespace: cl.namespace, labelSelector })).items;
  }
  const deleted: string[] = [];
  for (const p of pods) {
    // A pod this process holds is spared — unless it is a kept one the kubelet has ended (its keep window and
    // activeDeadlineSeconds are over: nothing runs in it and no diagnosis will use it again).
    if ((isTracked(p) && !keptPodEnded(p)) || !p.metadata?.name || !p.metadata.namespace) continue;
    try {
      await core.deleteNamespacedPod({ name: p.metadata.name, namespace: p.metadata.namespace, gracePeriodSeconds: 0 });
      untrackPod(p.metadata.namespace, p.metadata.name);
      deleted.push(`${p.metadata.namespace}/${p.metadata.name}`);
    } catch (e) {
      if ((e as { code?: number }).code === 404) continue;
      throw e;
    }
  }
  return { context: cl.context, deleted };
}

/**
 * One pass over the kubeconfig's contexts (at most `maxContexts`): each context's orphans of `id` are deleted.
 * Never throws: a context that cannot be reached reports its error and the others go on.
 */
export async function reconcileAll(opts: KubeconfigOptions, id: string, maxContexts = 20): Promise<ReconcileResult[]> {
  let names: string[];
  try {
    names = opts.context ? [opts.context, ...listContexts(opts).map((c) => c.name).filter((n) => n !== opts.context)] : listContexts(opts).map((c) => c.name);
  } catch (e) {
    return [{ context: opts.context ?? '', deleted: [], error: (e as Error).message }];
  }
  const out: ReconcileResult[] = [];
  for (const context of names.slice(0, maxContexts)) {
    try {
      out.push(await reconcileContext({ ...opts, context }, id));
    } catch (e) {
      out.push({ context, deleted: [], error: (e as Error).message });
    }
  }
  return out;
}

export interface ReconcilerOptions extends KubeconfigOptions {
  instanceId: string;
  /** period of the sweep after the start-up pass (ms); default 5 minutes */
  intervalMs?: number;
  log?: (line: string) => void;
}

/** The server's reconciler: a pass at start (in the background, not delaying the server), then every intervalMs. */
export class Reconciler {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<ReconcileResult[]> | null = null;
  /** resolves when the start-up pass is done (tests and shutdown wait on it) */
  startup: Promise<ReconcileResult[]> = Promise.resolve([]);

  constructor(private readonly o: ReconcilerOptions) {}

  start(): void {
    setServerInstance(this.o.instanceId);
    this.startup = this.pass('start-up');
    this.timer = setInterval(() => void this.pass('sweep'), this.o.intervalMs ?? 5 * 60_000);
    this.timer.unref();
  }

  /** One pass now (skipped while one runs); logs what it deleted and which contexts could not be reached. */
  pass(why: string): Promise<ReconcileResult[]> {
    if (this.running) return this.running;
    this.running = reconcileAll(this.o, this.o.instanceId).then((rs) => {
      for (const r of rs) {
        if (r.deleted.length) this.o.log?.(`serve: ${why}: deleted ${r.deleted.length} node debug pod(s) left by an earlier run in context ${r.context}: ${r.deleted.join(', ')}`);
      }
      return rs;
    });
    void this.running.finally(() => (this.running = null));
    return this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    setServerInstance(undefined);
  }
}
