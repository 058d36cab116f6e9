// The engine's one entry point (HACKING.md "The engine's surface"): the server and the CLI both call
// diagnose(spec, opts). Validate → read objects → plan → get footholds (debug containers, node debug
// pods) → run every probe concurrently (bounded) → judge → events → Diagnosis. Footholds we create on
// nodes are deleted before it returns or throws, whatever happened.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { podWithIP } from '../../lib/kube/ports';
import { joinReasons } from '../../lib/clauses';
import { randomBytes } from 'node:crypto';
import type { Diagnosis, DiagnosisSpec, Depth, Hop } from '../../lib/model';
import type { DiagnosisEvent } from '../../lib/events';
import { parseSource, parseTarget, targetText, type Source, type Target } from '../../lib/target';
import { northSouthPath } from '../../lib/plan/northSouth';
import { clusterDnsIPs, dnsPods, namedPortHint, planPath, PlanError, type ClusterSnapshot, type PathPlan, type PlannedProbe } from '../../lib/plan';
import { followFailure, hopsProbed, probesOf, withAddress, withDnsRest, withDnsWay, withResolvConf, type DigOutcome } from '../../lib/plan/ops';
import { probeDef, DEFAULT_DEBUG_IMAGE } from '../../lib/probes';
import { judge, assemble, interruptedJudgement, probeRunOf, type Judgement, type ProbeRun } from '../../lib/verdict';
import { PodSlowToStart, PodWaitAborted } from '../exec/podWait';
import { digAddresses, parseDig, parseResolvConf } from '../../lib/parse';
import { parseRun } from '../../lib/verdict/read';
import { isIPv4 } from '../../lib/target';
import { loadCluster } from '../cluster/kubeconfig';
import { explainApiError, permissionNeeded } from '../cluster/explain';
import { readSnapshot, snapshotClusterDomain, snapshotLimits, withReadLimits } from '../cluster/snapshot';
import { ClusterError, UsageError } from '../cluster/errors';
import { debugNamespaceProblem, msEnvProblems } from '../../lib/schema/flags';
import { probeBatcher } from '../exec/probe';
import { PROBE_SLOTS, probeLimiter, runInFoothold, TRACE_INPUT_SLOTS } from './run';
import { ensureDebugContainer, knownPod, type DebugContainer } from '../exec/debugContainer';
import { MAX_KEEP_S, parseKeepSeconds } from '../../lib/kube/nodeDebug';
import { primeExecTls } from '../exec/socket';
import { createNodeDebugPod, deleteNodeDebugPod, keptNodeDebugPods, listNodeDebugPods, sweepNodeDebugPods, type NodeDebugPod } from '../exec/nodeDebug';
import { applyStartFailures, StartFailure } from '../exec/startFailure';
import { withDiagnosisDeadline } from '../cluster/deadline';
import { applyMesh, MESH_CONNECT_PROBES, MESH_DEBUG_PREFIX, podSidecar, readMeshRules, type MeshReport } from '../exec/mesh';
import { runTrace } from './capture';
import { progressReporter, type Progress } from './progress';
import { traceInputKeys } from '../../lib/plan/trace';
import { ladderInputs, withMtuLadder } from '../../lib/plan/mtu';
import { applyTrace, withSentElsewhere } from '../../lib/verdict/trace';
import type { Trace } from '../../lib/model';

export { UsageError, ClusterError };

export interface DiagnoseOptions {
  kubeconfig?: string;
  context?: string;
  id?: string;
  onEvent?: (ev: DiagnosisEvent) => void;
  signal?: AbortSignal;
  /** debug image for ephemeral containers and node debug pods (default nicolaka/netshoot) */
  image?: string;
  /** parallel probes (default PROBE_SLOTS + TRACE_INPUT_SLOTS = 28, server/diagnose/run.ts; the latter kept for the probes the packet trace waits on) */
  concurrency?: number;
  /** namespace for node debug pods (default: $PACKETWALK_DEBUG_NAMESPACE, else the context's namespace) */
  debugNamespace?: string;
  /** the whole diagnosis's deadline in ms (default 180 s, $PACKETWALK_DIAGNOSIS_DEADLINE_MS; 0 = none) */
  deadlineMs?: number;
  /** capture the packet's own walk at live depth (server/diagnose/capture.ts; default true) */
  trace?: boolean;
  /**
   * seconds to keep the node debug pods for later diagnoses, which reuse them (0..300, lib/kube/nodeDebug.ts;
   * default $PACKETWALK_KEEP_NODE_PODS, else 0: deleted when the diagnosis ends, DESIGN §5). Each kept pod ends
   * by its activeDeadlineSeconds. The CLI's --keep-node-pods and serve's set it.
   */
  keepNodePods?: number;
  /** told of the node debug pods left running when the diagnosis ends (only with a keep window; each has its keepUntil) */
  onNodePodsKept?: (pods: NodeDebugPod[]) => void;
}

export function newDiagnosisId(): string {
  return randomBytes(9).toString('base64url');
}

let swept = false;

/** A foothold or the sentence saying why there is none. */
/** `apiFailed`: the foothold could not be made because the API server stopped answering (unreachable, timed out). */
export type Foothold<T> = { ok: true; value: T } | { ok: false; reason: string; forbidden: boolean; start?: StartFailure; apiFailed?: boolean };

/**
 * What a refused foothold needs, in full: a pod's probes run in an ephemeral container (patch
 * pods/ephemeralcontainers, then create pods/exec), a node's in a debug pod (create pods, then create
 * pods/exec) — both in one namespace, so one sentence names the whole grant.
 */
export function footholdNeeds(kind: 'pod' | 'node', namespace: string): string {
  return kind === 'pod'
    ? `pod probes need patch on pods/ephemeralcontainers and create on pods/exec in ${namespace}`
    : `node probes need create on pods and create on pods/exec in ${namespace} (the node debug pods' namespace)`;
}

/**
 * A debug container or node debug pod that was created but is not running by server/exec's start deadline
 * (debugContainer.ts `waitRunning`, nodeDebug.ts: readyTimeoutMs, 60 s, no flag or variable sets it: a
 * PodSlowToStart) said as what it is — the kubelet is slow, nothing was refused — instead of "patch … failed";
 * undefined for any other error.
 */
export function slowStart(e: unknown): string | undefined {
  if (!(e instanceof PodSlowToStart)) return undefined;
  if (e.kind === 'debug-container') return `the debug container in ${e.pod} was created but is not running after ${e.afterS} s (${e.state}): the kubelet is slow to start it; re-run (it is reused once running)`;
  return `node debug pod ${e.pod}${e.node ? ` on ${e.node}` : ''} was created but not Running after ${e.afterS} s: the kubelet is slow to start it; re-run, or --keep-node-pods to reuse them`;
}

export async function foothold<T>(p: Promise<T>, ctx: { kind: 'pod' | 'node'; verb: string; resource: string; namespace: string; name?: string; context: string }): Promise<Foothold<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    // The debug image does not pull, or admission refused the container: said as the kubelet/server said it.
    if (e instanceof StartFailure) return { ok: false, reason: e.message, forbidden: false, start: e };
    // Stopped while the debug pod or container was starting: not a permission or cluster problem.
    if (e instanceof PodWaitAborted) return { ok: false, reason: `the diagnosis was stopped while the ${ctx.kind === 'node' ? 'node debug pod' : 'debug container'} was starting`, forbidden: false };
    const slow = slowStart(e);
    if (slow) return { ok: false, reason: slow, forbidden: false };
    const x = explainApiError(e, ctx);
    // A node debug pod in a namespace that is not there: the API server's 404 names the namespace, not the pod.
    const noNs = x.kind === 'not-found' && ctx.kind === 'node' ? /namespaces "([^"]+)" not found/.exec(x.raw)?.[1] : undefined;
    if (noNs) return { ok: false, reason: `namespace ${noNs} does not exist (kubectl create namespace ${noNs}, or pick another --debug-namespace)`, forbidden: false };
    if (x.kind !== 'forbidden') return { ok: false, reason: x.sentence, forbidden: false, ...(x.kind === 'unreachable' || x.kind === 'timeout' ? { apiFailed: true } : {}) };
    const refused = permissionNeeded({ verb: /cannot (\w+) resource/.exec(x.raw)?.[1] ?? ctx.verb, resource: /resource "([^"]+)"/.exec(x.raw)?.[1] ?? ctx.resource, namespace: ctx.namespace });
    return { ok: false, reason: `${footholdNeeds(ctx.kind, ctx.namespace)} (refused: ${refused.replace(/^needs /, '')})`, forbidden: true };
  }
}


/** The node debug pods of one diagnosis (both orchestrators): `hold(node)` makes a node's once, when first asked for. */
export interface NodeFootholds {
  hold(node: string): Promise<Foothold<NodeDebugPod>>;
  /** every hold asked for, once each has settled */
  settled(): Promise<Foothold<NodeDebugPod>[]>;
  /** deletes every pod made (with a keep window: none, unless the run was stopped), after waiting for those still starting; never rejects */
  cleanup(): Promise<void>;
}

/** Kept node debug pods this process is starting, by API server, namespace, node and image: diagnoses that start at once share one. */
const keptStarting = new Map<string, Promise<NodeDebugPod>>();

/**
 * Node footholds in `namespace` (privileged hostNetwork debug pods with `image`); `signal` stops a start under way.
 * With `keepSeconds` > 0 a kept pod of an earlier diagnosis on the node is reused (from `listed`, listNodeDebugPods
 * started by the caller, else one LIST by label made on the first hold), else a new one is made and kept that long
 * for the next (server/exec/nodeDebug.ts); `onKept` hears of every pod left in place when the diagnosis ends.
 */
export function nodeFootholds(kc: KubeConfig, o: { namespace: string; image: string; context: string; signal?: AbortSignal; keepSeconds?: number; onKept?: (pods: NodeDebugPod[]) => void; listed?: Promise<V1Pod[]>; ledger?: Set<string> }): NodeFootholds {
  const made: NodeDebugPod[] = [];
  const used: NodeDebugPod[] = [];
  const held = new Map<string, Promise<Foothold<NodeDebugPod>>>();
  const keep = o.keepSeconds ?? 0;
  let kept: Promise<Map<string, NodeDebugPod>> | undefined;
  const start = async (node: string): Promise<NodeDebugPod> => {
    const key = `${kc.getCurrentCluster()?.server}|${o.namespace}|${node}|${o.image}`;
    if (keep > 0) {
      // Another diagnosis of this process is starting a kept pod there (a wallboard round starts many at once):
      // share it — unless that diagnosis is stopped meanwhile (its start is then abandoned: make our own).
      const join = async () => keptStarting.get(key)?.catch((e: unknown) => {
        if (e instanceof PodWaitAborted) return undefined;
        throw e;
      });
      const shared = await join();
      if (shared) return shared;
      // A LIST that fails (no list right on pods) only means nothing is reused: the create below says what is missing.
      kept ??= keptNodeDebugPods(kc, o.namespace, o.image, o.listed).catch(() => new Map());
      const reuse = (await kept).get(node) ?? (await join());
      if (reuse) return reuse;
    }
    const creating = createNodeDebugPod(kc, node, o.namespace, o.image, { ...(o.signal ? { signal: o.signal } : {}), ...(keep > 0 ? { keepSeconds: keep } : {}), ...(o.ledger ? { ledger: o.ledger } : {}) });
    if (keep > 0) {
      keptStarting.set(key, creating);
      void creating.catch(() => undefined).finally(() => keptStarting.delete(key));
    }
    const p = await creating;
    made.push(p);
    return p;
  };
  return {
    hold(node) {
      let h = held.get(node);
      if (!h) {
        h = foothold(start(node), { kind: 'node', verb: 'create', resource: 'pods', namespace: o.namespace, context: o.context }).then((x) => {
          if (x.ok) used.push(x.value);
          return x;
        });
        held.set(node, h);
      }
      return h;
    },
    settled: () => Promise.all(held.values()),
    async cleanup() {
      await Promise.all(held.values()).catch(() => undefined);
      // Stopped (Ctrl-C, SIGTERM): the pods this run made go, kept or not; a reused one is left to its window.
      if (keep > 0 && !o.signal?.aborted) {
        if (used.length) o.onKept?.(used);
        return;
      }
      await Promise.all(made.map((p) => deleteNodeDebugPod(kc, p, o.ledger).catch(() => undefined)));
    },
  };
}

/**
 * One diagnosis (HACKING.md "The engine's surface"), bounded by its deadline: when it passes, the run is stopped
 * (its waits and probes end as on Ctrl-C), its events stop, its node debug pods get a bounded cleanup, and it
 * rejects with a DiagnosisDeadline (a ClusterError sentence naming the pods not deleted); nothing it does later
 * is heard. `opts.signal` stops it as before (an `interrupted` Diagnosis).
 */
export function diagnose(spec: DiagnosisSpec, opts: DiagnoseOptions = {}): Promise<Diagnosis> {
  // a deadline variable that is no deadline (abc was ignored, -5 or 1 gave "did not finish within 0 s"): a usage error
  const env = msEnvProblems(process.env);
  if (env) return Promise.reject(new UsageError(env.problem, env.name));
  const ledger = new Set<string>();
  return withDiagnosisDeadline((run) => runDiagnosis(spec, {
    ...opts,
    signal: run.signal,
    ...(opts.onEvent ? { onEvent: (ev: DiagnosisEvent) => { if (!run.late()) opts.onEvent!(ev); } } : {}),
    ...(opts.onNodePodsKept ? { onNodePodsKept: (pods: NodeDebugPod[]) => { if (!run.late()) opts.onNodePodsKept!(pods); } } : {}),
  }, ledger), opts.deadlineMs, opts.signal, { leftPods: () => [...ledger].sort() });
}

/**
 * Which number a port name in --to is (`backend:http` → "Service shop/backend's port named http is 80/TCP; fix: use
 * --to backend:80"): the snapshot the port-less target would read, judged by lib/plan namedPortHint. Undefined when
 * the cluster cannot say (no such Service or pod, a read refused): the parser's sentence stands.
 */
async function portNameHint(spec: DiagnosisSpec, source: Source, named: { target: Target; name: string }, opts: DiagnoseOptions): Promise<string | undefined> {
  const context = spec.context ?? opts.context;
  if (context !== undefined && !/^[A-Za-z0-9@._:/-]{1,253}$/.test(context)) return undefined;
  const cl = loadCluster({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(context ? { context } : {}) });
  const from = source.kind === 'pod' ? source : source.kind === 'node' ? { node: source.node } : 'outside' as const;
  const snap = await readSnapshot(cl.kc, cl.context, cl.server, { from, target: named.target });
  const hint = namedPortHint(source, spec.to ?? '', named, snap, snapshotClusterDomain(snap, named.target));
  return hint ? `${hint} (context ${cl.context})` : undefined;
}

/** The run itself; `ledger` holds its node debug pods not known to be gone (`ns/name`, server/exec/nodeDebug.ts). */
async function runDiagnosis(spec: DiagnosisSpec, opts: DiagnoseOptions, ledger?: Set<string>): Promise<Diagnosis> {
  // 1. input — nothing runs before this passes
  const source = parseSource(spec.from ?? '');
  if (!source.ok) throw new UsageError(source.error.message, source.error.field);
  const target = parseTarget(spec.to ?? '');
  if (!target.ok) {
    // `backend:http`: a port name where the number goes; the cluster says which number it is, when it can
    const named = target.error.portName;
    const hint = named ? await portNameHint(spec, source.value, named, opts).catch(() => undefined) : undefined;
    throw new UsageError(hint ?? target.error.message, target.error.field);
  }
  const context = spec.context ?? opts.context;
  if (context !== undefined && !/^[A-Za-z0-9@._:/-]{1,253}$/.test(context)) throw new UsageError(`--context "${context}" is not a context name; list them with kubectl config get-contexts`, 'context');
  if (opts.keepNodePods !== undefined && !(Number.isInteger(opts.keepNodePods) && opts.keepNodePods >= 0 && opts.keepNodePods <= MAX_KEEP_S)) {
    throw new UsageError(`keepNodePods ${opts.keepNodePods} is not a whole number of seconds from 0 to ${MAX_KEEP_S}`, 'keepNodePods');
  }
  // The same check serve gives its --debug-namespace (lib/schema/flags), before anything is created there.
  const nsBad = opts.debugNamespace !== undefined ? debugNamespaceProblem(opts.debugNamespace) : process.env.PACKETWALK_DEBUG_NAMESPACE ? debugNamespaceProblem(process.env.PACKETWALK_DEBUG_NAMESPACE, 'PACKETWALK_DEBUG_NAMESPACE') : undefined;
  if (nsBad) throw new UsageError(nsBad, 'debugNamespace');
  const envKeep = process.env.PACKETWALK_KEEP_NODE_PODS;
  const keep = opts.keepNodePods ?? (envKeep ? parseKeepSeconds(envKeep, 'PACKETWALK_KEEP_NODE_PODS') : 0);
  if (typeof keep === 'string') throw new UsageError(keep, 'keepNodePods');

  // 2. cluster
  let cl;
  try {
    cl = loadCluster({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(context ? { context } : {}) });
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    throw new ClusterError((e as Error).message, 'check the kubeconfig');
  }
  const kc = cl.kc;
  // The exec sockets' TLS session, made while the snapshot is read (server/exec/socket.ts).
  void primeExecTls(kc);
  const image = opts.image ?? DEFAULT_DEBUG_IMAGE;
  const debugNs = opts.debugNamespace ?? (process.env.PACKETWALK_DEBUG_NAMESPACE || cl.namespace);
  // One LIST of packetwalk's node debug pods, read while the snapshot is: the kept ones to reuse (off the path's
  // critical chain: a node foothold no longer waits for it) and, once per process, the sweep's.
  const listed = keep > 0 || !swept ? listNodeDebugPods(kc, debugNs) : undefined;
  void listed?.catch(() => undefined); // its readers say what a failed LIST means; none may be left to hear it
  if (!swept) {
    // Node debug pods a dead run left behind (older than any live run's); in the background, it decides nothing here.
    swept = true;
    void sweepNodeDebugPods(kc, debugNs, Date.now(), listed).catch(() => undefined);
  }

  // Node footholds, made once per node when first needed and all deleted when the probes are over (nodes.cleanup):
  // a node debug pod takes the kubelet's pod start (~0.3 s on the lab, seconds on a real cluster), the longest
  // wait of a live diagnosis, so those of the path start while the snapshot is still being read (below).
  const nodes = nodeFootholds(kc, { namespace: debugNs, image, context: cl.context, ...(opts.signal ? { signal: opts.signal } : {}), ...(keep > 0 ? { keepSeconds: keep } : {}), ...(opts.onNodePodsKept ? { onKept: opts.onNodePodsKept } : {}), ...(keep > 0 && listed ? { listed } : {}), ...(ledger ? { ledger } : {}) });

  // Only what the path needs is read (server/cluster/snapshot.ts), whatever the source.
  // Once the source and the target's endpoints are read, the plan on that part names the nodes to probe.
  const onPathKnown = (partial: ClusterSnapshot) => {
    if (source.value.kind !== 'pod' || northSouthPath(source.value, target.value, partial)) return;
    const early = planPath(source.value, target.value, partial, { clusterDomain: snapshotClusterDomain(partial, target.value) });
    for (const p of early.probes) if (p.where === 'node' && p.node) void nodes.hold(p.node);
  };
  let snap: ClusterSnapshot;
  try {
    const from = source.value.kind === 'pod' ? source.value : source.value.kind === 'node' ? { node: source.value.node } : 'outside' as const;
    snap = await readSnapshot(kc, cl.context, cl.server, { from, target: target.value, onPathKnown });
  } catch (e) {
    await nodes.cleanup();
    throw e;
  }

  // North-south (lib/plan/northSouth.ts): an outside or node source, or a target entered through a node.
  if (northSouthPath(source.value, target.value, snap)) {
    await nodes.cleanup(); // none were started for a north-south path; nothing may outlive the run if one was
    const { planFor, runNorthSouth } = await import('./northSouth');
    let ns;
    try {
      ns = planFor(source.value, target.value, snap);
    } catch (e) {
      if (e instanceof PlanError) throw new UsageError(`${e.message} (context ${cl.context})`, e.field);
      throw e;
    }
    return runNorthSouth(ns, snap, { kc, context: cl.context, ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), namespace: debugNs, id: opts.id ?? newDiagnosisId(), spec: { from: spec.from, to: spec.to, ...(context ? { context } : {}) }, ...(opts.image ? { image: opts.image } : {}), ...(opts.concurrency ? { concurrency: opts.concurrency } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}), ...(keep > 0 ? { keepNodePods: keep } : {}), ...(opts.onNodePodsKept ? { onNodePodsKept: opts.onNodePodsKept } : {}), ...(ledger ? { ledger } : {}), replan: (redraw) => planFor(source.value, target.value, snap, redraw) });
  }
  const from = { ok: true as const, value: source.value as { namespace: string; name: string } };

  // 3. plan
  let plan: PathPlan;
  try {
    plan = planPath(from.value, target.value, snap, { clusterDomain: snapshotClusterDomain(snap, target.value) });
  } catch (e) {
    await nodes.cleanup();
    if (e instanceof PlanError) throw new UsageError(`${e.message} (context ${cl.context})`, e.field);
    throw e;
  }
  const id = opts.id ?? newDiagnosisId();
  const base = { id, createdAt: new Date().toISOString(), cluster: cl.context, spec: { from: `${from.value.namespace}/${from.value.name}`, to: targetText(target.value), ...(context ? { context } : {}) } };
  const emit = opts.onEvent ?? (() => {});
  let seq = 0;
  const running: Diagnosis = { ...base, verdict: 'running', depth: 'live', hops: plan.hops, firstFailure: null, warnings: [] };
  emit({ type: 'diagnosis:plan', payload: { id, diagnosis: running } });
  const lastSent = new Map<string, string>();
  const sendHop = (h: Hop) => {
    const key = JSON.stringify([h.status, h.summary, h.evidence.length, h.cause]);
    if (lastSent.get(h.id) === key) return;
    lastSent.set(h.id, key);
    emit({ type: 'hop:update', payload: { id, seq: ++seq, hop: h } });
  };

  // 4. footholds: one debug container per probed pod, one node debug pod per probed node
  for (const h of plan.hops) if (probesOf(plan, h.id).length) sendHop({ ...h, status: 'running', summary: 'probing' });

  let trace: Trace | undefined;
  const runs = new Map<string, ProbeRun>();
  let depth: Depth = 'live';
  let configReason: string | undefined;
  let progress: Progress | undefined;
  // Footholds, made once per pod/node when a probe first needs them (a re-plan may add a pod or node).
  const podHold = new Map<string, Promise<Foothold<DebugContainer>>>();
  const holdFor = (p: PlannedProbe): Promise<Foothold<DebugContainer | NodeDebugPod>> => {
    if (p.where === 'pod') {
      // A meshed pod's connects run as its proxy's uid, from a container of their own (server/exec/mesh.ts).
      const sc = MESH_CONNECT_PROBES.has(p.probe) ? podSidecar(snap, p.pod!) : undefined;
      const k = `${p.pod!.namespace}/${p.pod!.name}${sc ? '#mesh' : ''}`;
      let h = podHold.get(k);
      if (!h) {
        h = foothold(ensureDebugContainer(kc, p.pod!.namespace, p.pod!.name, { image, known: knownPod(snap.pods, p.pod!.namespace, p.pod!.name), ...(opts.signal ? { signal: opts.signal } : {}), ...(sc ? { runAsUser: sc.uid, prefix: MESH_DEBUG_PREFIX } : {}) }), { kind: 'pod', verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: p.pod!.namespace, name: p.pod!.name, context: cl.context });
        podHold.set(k, h);
      }
      return h;
    }
    return nodes.hold(p.node!);
  };
  try {
    // Start every foothold of the plan at once; probes wait on theirs.
    for (const p of plan.probes) void holdFor(p);
    // PROBE_SLOTS at once and TRACE_INPUT_SLOTS more kept for the trace's inputs, BUSY_SLOTS of them starting (run.ts).
    const limit = probeLimiter(opts.concurrency ?? PROBE_SLOTS + TRACE_INPUT_SLOTS, TRACE_INPUT_SLOTS);
    // A foothold's instant reads asked for together share one exec (lib/probeBatch.ts); each exec waits for `limit`.
    const batch = probeBatcher(kc, limit);
    // The probes that place the trace's capture points run ahead of the rest (lib/plan/trace.ts).
    const urgent = new Set(opts.trace !== false ? traceInputKeys(plan) : []);
    // Re-judge with what we have and send hops whose probes have all finished (coalesced: progress.ts).
    progress = progressReporter(!!opts.onEvent, () => {
      for (const h of hopsProbed(plan, runs, judge({ plan, runs, snapshot: snap, depth, ...(configReason ? { configReason } : {}) }).hops)) sendHop(h);
    });
    // One run per key: a probe asked for again while it runs (the MTU stage below) joins that run.
    const inflight = new Map<string, Promise<void>>();
    const runOne = (p: PlannedProbe): Promise<void> => {
      if (runs.has(p.key)) return Promise.resolve();
      let r = inflight.get(p.key);
      if (!r) {
        r = runProbeOf(p).finally(() => inflight.delete(p.key));
        inflight.set(p.key, r);
      }
      return r;
    };
    const runProbeOf = async (p: PlannedProbe): Promise<void> => {
      const def = probeDef(p.probe);
      const argv = def.argv(p.args);
      const location = p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name}` : `node ${p.node}`;
      const hold = await holdFor(p);
      const reproduce = def.reproduce({
        argv,
        // a reused debug container's own image (it may not be the one asked for)
        image: (p.where === 'pod' && hold.ok ? (hold.value as DebugContainer).image : undefined) ?? image,
        ...(p.where === 'pod' ? { namespace: p.pod!.namespace, pod: p.pod!.name, ...(hold.ok ? { targetContainer: (hold.value as DebugContainer).target } : {}) } : { node: p.node! }),
      });
      const baseRun = { key: p.key, probe: p.probe, hop: p.hop, location, argv, reproduce };
      if (!hold.ok) {
        runs.set(p.key, probeRunOf(baseRun, { notRun: hold.reason, ...(hold.apiFailed ? { apiFailed: true } : {}) }));
        return;
      }
      if (opts.signal?.aborted) return;
      const where = hold.value as { namespace: string; pod: string; container: string };
      const r = await runInFoothold(kc, where, p, cl.context, batch, urgent.has(p.key));
      runs.set(p.key, probeRunOf(baseRun, r));
      progress?.poke();
    };

    // The packet's own walk (capture.ts) on the plan as it is now; it starts as soon as the probes that place its
    // capture points have run.
    const startTrace = () => (opts.trace !== false ? runTrace({ kc, plan, runs, snap, image, hold: (p) => holdFor(p as PlannedProbe) as never, ...(opts.signal ? { signal: opts.signal } : {}) }).catch(() => undefined) : undefined);
    let lateTrace: Promise<Trace | undefined> | undefined;
    const phase1 = plan.probes.filter((p) => p.phase === 1);
    const resolv = phase1.find((p) => p.probe === 'resolv-conf');
    const phase2 = (async () => {
      if (!plan.name) return;
      // The digs of the resolv.conf the kubelet writes for the pod's DNS policy (the plan's candidates, and the direct
      // queries to each DNS replica, which do not depend on the search list) start beside
      // the read of the pod's own: when it says the same, they are the queries the resolver makes and the DNS hop is
      // one exec round shorter; when it does not, the right ones run after it and these are left out of the plan
      // (runOne: one run per key, so a dig asked for again joins the one already running).
      const guessed = plan.probes.filter((p) => p.phase === 2 && (p.probe === 'dig' || p.probe === 'dig-replica')).map(runOne);
      if (resolv) await runOne(resolv);
      const rc = resolv ? runs.get(resolv.key) : undefined;
      const conf = rc && !rc.notRun ? parseRun(rc, parseResolvConf) : undefined;
      if (conf?.ok) plan = withResolvConf(plan, { search: conf.value.search, ndots: conf.value.options.ndots, nameservers: conf.value.nameservers });
      await Promise.all([...plan.probes.filter((p) => p.phase === 2).map(runOne), ...guessed]);
      // The matched Service's name did not resolve after all: the candidates after it, as the resolver goes on.
      const rest = withDnsRest(plan, digOutcomes(plan, runs));
      plan = rest.plan;
      await Promise.all(rest.added.map(runOne));
      // No lookup answered, or a DNS replica did not: the way to the DNS pods as the pod path reads a destination pod's
      // (their veth, their routes).
      const way = withDnsWay(plan, dnsPods(snap), runs, clusterDnsIPs(snap));
      plan = way.plan;
      await Promise.all(way.added.map(runOne));
      // A name outside the cluster: connect to what the resolver answered, as the app would.
      if (!plan.dstIP && plan.target.kind === 'name' && plan.dstPort) {
        // The first candidate that answers with an IPv4 address, as the resolver would return it.
        const ip = plan.probes
          .filter((p) => p.probe === 'dig')
          .map((p) => digAnswer(runs.get(p.key))?.find((a) => isIPv4(a)))
          .find((a) => a !== undefined);
        if (ip) {
          // lib/plan/ops.ts: the external hop's connect, the routes out and (phase 3) the flow's conntrack entry.
          const next = withAddress(plan, ip);
          plan = next.plan;
          // The walk to that address starts now, beside the connect, not after it (a failing connect waits 2 s).
          lateTrace = startTrace();
          await Promise.all(next.added.filter((p) => p.phase === 2).map(runOne));
        }
      }
    })();
    // The MTU ladder's second stage (lib/plan/mtu.ts), once its first pings and the connect to the drawn pod ran, and
    // again after each step it adds (another endpoint's ladder may wait for the drawn pod's) until it adds nothing.
    const mtuStage = async () => {
      for (;;) {
        await Promise.all(ladderInputs(plan).map(runOne));
        const next = withMtuLadder(plan, runs);
        if (!next.added.length) return;
        plan = next.plan;
        await Promise.all(next.added.map(runOne));
      }
    };
    let redrawn = false;
    const tracing = startTrace(); // undefined flow (and so no trace) while an outside name is not yet resolved
    await Promise.all([...phase1.filter((p) => p !== resolv).map(runOne), phase2, mtuStage()]);
    // Phase 3: what can only be read after the end-to-end connect (the flow's conntrack entry).
    await Promise.all(plan.probes.filter((p) => p.phase === 3).map(runOne));

    // Follow the failure: the drawn endpoint worked but a direct connect to another ready endpoint did not —
    // draw the path to that one and probe what it adds (runs already made are kept by key).
    const domain = plan.name?.clusterDomain;
    const replanned = followFailure(plan, runs, (ip) => planPath(from.value, target.value, snap, { preferEndpoint: ip, clusterDomain: domain }));
    if (replanned) {
      plan = replanned;
      redrawn = true;
      emit({ type: 'diagnosis:plan', payload: { id, diagnosis: { ...running, hops: plan.hops } } });
      lastSent.clear();
      await Promise.all([...plan.probes.filter((p) => p.phase === 1).map(runOne), mtuStage()]);
    }
    // The walk of the final path: the one started on the resolved address, else again when the plan was re-drawn
    // to another endpoint (or the first could not run).
    trace = (await tracing) ?? (await lateTrace);
    if (tracing && !opts.signal?.aborted && (redrawn || !trace)) trace = await startTrace();
  } catch (e) {
    progress?.stop();
    await nodes.cleanup();
    throw e;
  }
  progress?.stop();
  // The node debug pods are deleted while the verdict is judged; the diagnosis returns once they are gone.
  const cleaning = nodes.cleanup();
  const holds = [...(await Promise.all(podHold.values())), ...(await nodes.settled())];
  // A sidecar in the source pod: its nat rules as evidence, and the mesh-intercepts warning (server/exec/mesh.ts).
  let mesh: MeshReport | undefined;
  const srcSidecar = plan.src ? podSidecar(snap, plan.src) : undefined;
  const srcHold = plan.src ? await podHold.get(`${plan.src.namespace}/${plan.src.name}`) : undefined;
  if (srcSidecar && srcHold?.ok) mesh = await readMeshRules(kc, srcHold.value as DebugContainer, srcSidecar, image, !!(await podHold.get(`${plan.src.namespace}/${plan.src.name}#mesh`))?.ok);
  const startFailures = holds.flatMap((h) => (!h.ok && h.start ? [h.start] : []));
  if (holds.length && holds.every((h) => !h.ok && (h.forbidden || h.start))) {
    depth = 'config';
    configReason = joinReasons([...new Set(holds.map((h) => (!h.ok ? h.reason : '')))]);
  }

  // Nothing ran at all, and permissions are why: the diagnosis reached config depth only (not when it was stopped).
  const all = [...runs.values()];
  // (not when the API server failing mid-run is why: the judgement says that instead)
  if (depth === 'live' && !opts.signal?.aborted && all.length && all.every((r) => r.notRun) && !all.some((r) => r.apiFailed)) {
    depth = 'config';
    configReason = joinReasons([...new Set(all.map((r) => r.notRun!))]);
  }
  // 6. verdict
  const j0 = judge({ plan, runs, snapshot: snap, depth, ...(configReason ? { configReason } : {}) });
  // A walk cut short proves nothing about where the packet stops ("never sent" when the connect never ran).
  if (depth !== 'live' || opts.signal?.aborted) trace = undefined;
  const notRead = snapshotLimits(snap);
  const j = applyMesh(withReadLimits(applyStartFailures(trace ? sentElsewhere(applyTrace(j0, trace, plan.dst?.ip), trace, plan, snap) : j0, startFailures), notRead), mesh);
  for (const h of j.hops) sendHop(h);
  const finishedAt = new Date().toISOString();
  const d = assemble(base, depth, opts.signal?.aborted ? interruptedJudgement(j) : j, finishedAt);
  if (trace) d.trace = trace;
  if (notRead.length) d.notRead = notRead;
  await cleaning;
  emit({ type: 'diagnosis:done', payload: { id, verdict: d.verdict, depth: d.depth, firstFailure: d.firstFailure, warnings: d.warnings, ...(d.summary ? { summary: d.summary } : {}), finishedAt, ...(d.trace ? { trace: d.trace } : {}) } });
  return d;
}


/** The addresses a dig run's NOERROR answer holds (lib/parse/dig); undefined when it did not run, timed out or said otherwise. */
function digAnswer(r: ProbeRun | undefined): string[] | undefined {
  const d = r && !r.notRun ? parseRun(r, parseDig) : undefined;
  return d?.ok && d.value.outcome === 'answer' && d.value.rcode === 'NOERROR' ? digAddresses(d.value) : undefined;
}

/** Each dig run of the plan as withDnsRest reads it: "answered" is a NOERROR answer with an address. */
function digOutcomes(plan: PathPlan, runs: ReadonlyMap<string, ProbeRun>): Map<string, DigOutcome> {
  const out = new Map<string, DigOutcome>();
  for (const p of plan.probes.filter((x) => x.probe === 'dig')) {
    const r = runs.get(p.key);
    if (r) out.set(p.key, { ...(r.notRun ? { notRun: r.notRun } : {}), exitCode: r.exitCode, answered: !!digAnswer(r)?.length });
  }
  return out;
}

/** withSentElsewhere with the drawn endpoint of the plan and the pod behind the trace's post-NAT address. */
function sentElsewhere(j: Judgement, trace: Trace, plan: PathPlan, snap: ClusterSnapshot): Judgement {
  const ip = trace.sentTo?.split(':')[0];
  const pod = ip ? podWithIP(snap.pods, ip) : undefined;
  const drawn = plan.dst ? { pod: `${plan.dst.namespace}/${plan.dst.name}`, ip: plan.dst.ip, node: plan.dst.node } : undefined;
  const sent = pod && ip ? { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, ip, ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}) } : undefined;
  return withSentElsewhere(j, trace, drawn, sent);
}
