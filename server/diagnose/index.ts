// The engine's one entry point (HACKING.md "The engine's surface"): the server and the CLI both call
// diagnose(spec, opts). Validate → read objects → plan → get footholds (debug containers, node debug
// pods) → run every probe concurrently (bounded) → judge → events → Diagnosis. Footholds we create on
// nodes are deleted in `finally`, whatever happened.
import { randomBytes } from 'node:crypto';
import type { Diagnosis, DiagnosisSpec, Depth, Hop } from '../../lib/model';
import type { DiagnosisEvent } from '../../lib/events';
import { parseFrom, parseTarget, targetText } from '../../lib/target';
import { planPath, PlanError, candidateNames, type PathPlan, type PlannedProbe } from '../../lib/plan';
import { probeDef, DEFAULT_DEBUG_IMAGE } from '../../lib/probes';
import { judge, assemble, type ProbeRun } from '../../lib/verdict';
import { readResolvConf } from '../../lib/verdict/read';
import { loadCluster } from '../cluster/kubeconfig';
import { explainApiError, permissionNeeded } from '../cluster/explain';
import { readSnapshot } from '../cluster/snapshot';
import { ClusterError, UsageError } from '../cluster/errors';
import { execInContainer } from '../exec/exec';
import { ensureDebugContainer, type DebugContainer } from '../exec/debugContainer';
import { createNodeDebugPod, deleteNodeDebugPod, sweepNodeDebugPods, type NodeDebugPod } from '../exec/nodeDebug';

export { UsageError, ClusterError };

export interface DiagnoseOptions {
  kubeconfig?: string;
  context?: string;
  id?: string;
  onEvent?: (ev: DiagnosisEvent) => void;
  signal?: AbortSignal;
  /** debug image for ephemeral containers and node debug pods (default nicolaka/netshoot) */
  image?: string;
  /** parallel probes (default 12) */
  concurrency?: number;
  /** namespace for node debug pods (default: the context's namespace) */
  debugNamespace?: string;
}

export function newDiagnosisId(): string {
  return randomBytes(9).toString('base64url');
}

let swept = false;

/** A foothold or the sentence saying why there is none. */
type Foothold<T> = { ok: true; value: T } | { ok: false; reason: string; forbidden: boolean };

async function foothold<T>(p: Promise<T>, ctx: { verb: string; resource: string; namespace?: string; name?: string; context: string }): Promise<Foothold<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    const x = explainApiError(e, ctx);
    return { ok: false, reason: x.kind === 'forbidden' ? permissionNeeded({ verb: /cannot (\w+) resource/.exec(x.raw)?.[1] ?? ctx.verb, resource: /resource "([^"]+)"/.exec(x.raw)?.[1] ?? ctx.resource, ...(ctx.namespace ? { namespace: ctx.namespace } : {}) }) : x.sentence, forbidden: x.kind === 'forbidden' };
  }
}

/** Runs async jobs with at most `n` at once. */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export async function diagnose(spec: DiagnosisSpec, opts: DiagnoseOptions = {}): Promise<Diagnosis> {
  // 1. input — nothing runs before this passes
  const from = parseFrom(spec.from ?? '');
  if (!from.ok) throw new UsageError(from.error.message, from.error.field);
  const target = parseTarget(spec.to ?? '');
  if (!target.ok) throw new UsageError(target.error.message, target.error.field);
  const context = spec.context ?? opts.context;
  if (context !== undefined && !/^[A-Za-z0-9@._:/-]{1,253}$/.test(context)) throw new UsageError(`--context "${context}" is not a context name; list them with kubectl config get-contexts`, 'context');

  // 2. cluster
  let cl;
  try {
    cl = loadCluster({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(context ? { context } : {}) });
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    throw new ClusterError((e as Error).message, 'check the kubeconfig');
  }
  const kc = cl.kc;
  const snap = await readSnapshot(kc, cl.context, cl.server);

  // 3. plan
  let plan: PathPlan;
  try {
    plan = planPath(from.value, target.value, snap);
  } catch (e) {
    if (e instanceof PlanError) throw new UsageError(`${e.message} (context ${cl.context})`, e.field);
    throw e;
  }
  const image = opts.image ?? DEFAULT_DEBUG_IMAGE;
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
  const debugNs = opts.debugNamespace ?? cl.namespace;
  if (!swept) {
    swept = true;
    await sweepNodeDebugPods(kc, debugNs).catch(() => undefined);
  }
  const podKeys = [...new Set(plan.probes.filter((p) => p.where === 'pod').map((p) => `${p.pod!.namespace}/${p.pod!.name}`))];
  const nodeNames = [...new Set(plan.probes.filter((p) => p.where === 'node').map((p) => p.node!))];
  for (const h of plan.hops) if (plan.probes.some((p) => p.hop === h.id || p.alsoHops?.includes(h.id))) sendHop({ ...h, status: 'running', summary: 'probing' });

  const nodePods: NodeDebugPod[] = [];
  const runs = new Map<string, ProbeRun>();
  let depth: Depth = 'live';
  let configReason: string | undefined;
  try {
    const [podHolds, nodeHolds] = await Promise.all([
      Promise.all(podKeys.map(async (k) => {
        const [ns, name] = k.split('/');
        return [k, await foothold(ensureDebugContainer(kc, ns, name, { image }), { verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: ns, name, context: cl.context })] as const;
      })),
      Promise.all(nodeNames.map(async (n) => {
        const h = await foothold(createNodeDebugPod(kc, n, debugNs, image), { verb: 'create', resource: 'pods', namespace: debugNs, context: cl.context });
        if (h.ok) nodePods.push(h.value);
        return [n, h] as const;
      })),
    ]);
    const podHold = new Map<string, Foothold<DebugContainer>>(podHolds);
    const nodeHold = new Map<string, Foothold<NodeDebugPod>>(nodeHolds);
    const all = [...podHold.values(), ...nodeHold.values()];
    if (all.length && all.every((h) => !h.ok && h.forbidden)) {
      depth = 'config';
      configReason = [...new Set(all.map((h) => (!h.ok ? h.reason : '')))].join('; ');
    }

    // 5. probes, concurrently (bounded); DNS candidates come from the pod's real resolv.conf
    const limit = limiter(opts.concurrency ?? 12);
    const runOne = async (p: PlannedProbe): Promise<void> => {
      const def = probeDef(p.probe);
      const argv = def.argv(p.args);
      const location = p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name}` : `node ${p.node}`;
      const hold = p.where === 'pod' ? podHold.get(`${p.pod!.namespace}/${p.pod!.name}`) : nodeHold.get(p.node!);
      const reproduce = def.reproduce({
        argv,
        image,
        ...(p.where === 'pod' ? { namespace: p.pod!.namespace, pod: p.pod!.name, ...(hold?.ok ? { targetContainer: (hold.value as DebugContainer).target } : {}) } : { node: p.node! }),
      });
      const baseRun = { key: p.key, probe: p.probe, hop: p.hop, location, argv, reproduce };
      if (!hold || !hold.ok) {
        runs.set(p.key, { ...baseRun, exitCode: null, stdout: '', stderr: '', durationMs: 0, timedOut: false, truncated: false, notRun: hold && !hold.ok ? hold.reason : 'no foothold' });
        return;
      }
      if (opts.signal?.aborted) return;
      const where = hold.value as { namespace: string; pod: string; container: string };
      const r = await limit(async () => {
        try {
          return await execInContainer(kc, { namespace: where.namespace, pod: where.pod, container: where.container, argv, timeoutMs: def.timeoutMs, maxBytes: def.maxBytes });
        } catch (e) {
          const x = explainApiError(e, { verb: 'create', resource: 'pods/exec', namespace: where.namespace, name: where.pod, context: cl.context });
          return { notRun: x.kind === 'forbidden' ? permissionNeeded({ verb: 'create', resource: 'pods/exec', namespace: where.namespace }) : x.sentence };
        }
      });
      if ('notRun' in r) runs.set(p.key, { ...baseRun, exitCode: null, stdout: '', stderr: '', durationMs: 0, timedOut: false, truncated: false, notRun: r.notRun });
      else runs.set(p.key, { ...baseRun, ...r });
      progress();
    };
    const progress = () => {
      // Re-judge with what we have and send hops whose probes have all finished.
      const j = judge({ plan, runs, snapshot: snap, depth, ...(configReason ? { configReason } : {}) });
      for (const h of j.hops) {
        const mine = plan.probes.filter((p) => p.hop === h.id || p.alsoHops?.includes(h.id));
        if (mine.length && mine.every((p) => runs.has(p.key))) sendHop(h);
      }
    };
    const phase1 = plan.probes.filter((p) => p.phase === 1);
    const resolv = phase1.find((p) => p.probe === 'resolv-conf');
    const phase2 = (async () => {
      if (!plan.name) return;
      if (resolv) await runOne(resolv);
      const rc = resolv ? runs.get(resolv.key) : undefined;
      if (rc && !rc.notRun && rc.exitCode === 0) {
        const conf = readResolvConf(rc.stdout);
        const names = candidateNames(plan.name.name, conf.search, conf.ndots);
        const src = { namespace: plan.src.namespace, name: plan.src.name };
        plan.probes = plan.probes.filter((p) => p.probe !== 'dig');
        for (const name of names) plan.probes.push({ key: `${src.namespace}/${src.name}:dig:${name}`, probe: 'dig', hop: 'dns', where: 'pod', pod: src, args: { name }, phase: 2 });
      }
      await Promise.all(plan.probes.filter((p) => p.phase === 2).map(runOne));
    })();
    await Promise.all([...phase1.filter((p) => p !== resolv).map(runOne), phase2]);
  } finally {
    await Promise.all(nodePods.map((p) => deleteNodeDebugPod(kc, p).catch(() => undefined)));
  }

  // Nothing ran at all, and permissions are why: the diagnosis reached config depth only.
  const all = [...runs.values()];
  if (depth === 'live' && all.length && all.every((r) => r.notRun)) {
    depth = 'config';
    configReason = [...new Set(all.map((r) => r.notRun!))].join('; ');
  }
  // 6. verdict
  const j = judge({ plan, runs, snapshot: snap, depth, ...(configReason ? { configReason } : {}) });
  for (const h of j.hops) sendHop(h);
  const finishedAt = new Date().toISOString();
  const d = assemble(base, depth, opts.signal?.aborted ? { ...j, verdict: 'interrupted' } : j, finishedAt);
  emit({ type: 'diagnosis:done', payload: { id, verdict: d.verdict, depth: d.depth, firstFailure: d.firstFailure, warnings: d.warnings, ...(d.summary ? { summary: d.summary } : {}), finishedAt } });
  return d;
}

