// Orchestration of a north-south diagnosis (lib/plan/northSouth.ts): sources `outside` and `node/NAME`, and
// targets that enter through a node (NodePort, LoadBalancer). Same footholds as a pod path — a node debug
// pod per probed node, an ephemeral debug container per probed pod (server/exec) — plus the outside runner
// (./outside.ts). Footholds we create on nodes are deleted in `finally`, whatever happened (also when the run is aborted).
import { snapshotClusterDomain, snapshotLimits, withReadLimits } from '../cluster/snapshot';
import type { Diagnosis, Depth, Hop } from '../../lib/model';
import { joinReasons } from '../../lib/clauses';
import type { DiagnosisEvent } from '../../lib/events';
import type { Source, Target } from '../../lib/target';
import { sourceText, targetText } from '../../lib/target';
import type { ClusterSnapshot, PlannedProbe } from '../../lib/plan';
import { entryDownloads, followFailureNorthSouth, planNorthSouth, replyRouteProbes, resolvedProbes, type NorthSouthPlan, type RedrawOptions } from '../../lib/plan/northSouth';
import { withMtuLadder } from '../../lib/plan/mtu';
import { judgeNorthSouth, resolvedAddress } from '../../lib/verdict/northSouth';
import { assemble, interruptedJudgement, probeRunOf, type ProbeRun } from '../../lib/verdict';
import { probeDef, DEFAULT_DEBUG_IMAGE } from '../../lib/probes';
import type { KubeConfig } from '@kubernetes/client-node';
import { probeBatcher, runProbe } from '../exec/probe';
import { PROBE_SLOTS, probeLimiter, runInFoothold } from './run';
import { hopsProbed, probesOf } from '../../lib/plan/ops';
import { ensureDebugContainer, knownPod, type DebugContainer } from '../exec/debugContainer';
import type { NodeDebugPod } from '../exec/nodeDebug';
import { foothold, nodeFootholds, type Foothold } from './index';
import { progressReporter } from './progress';
import { outsideRunner } from './outside';

export interface NorthSouthRun {
  kc: KubeConfig;
  context: string;
  kubeconfig?: string;
  namespace: string;
  id: string;
  spec: { from: string; to: string; context?: string };
  image?: string;
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (ev: DiagnosisEvent) => void;
  /** the keep window diagnose() settled on (DiagnoseOptions.keepNodePods), and who hears of the pods kept */
  keepNodePods?: number;
  onNodePodsKept?: (pods: NodeDebugPod[]) => void;
  /** the run's node debug pods not known to be gone (diagnose(): named when its deadline passes) */
  ledger?: Set<string>;
  /** the plan for the same source and target re-drawn (planFor's RedrawOptions: another endpoint, another entry node) */
  replan?: (opts: RedrawOptions) => NorthSouthPlan;
}

/**
 * Plans with lib/plan/northSouth (PlanError propagates: the caller turns it into a UsageError), in the cluster's
 * own DNS domain (the Corefile's, server/cluster/snapshot.ts): a Service FQDN under a domain other than
 * cluster.local is a Service, not an outside name to ask the node's resolver for.
 */
export function planFor(source: Source, target: Target, snap: ClusterSnapshot, redraw: RedrawOptions = {}): NorthSouthPlan {
  return planNorthSouth(source, target, snap, snapshotClusterDomain(snap, target), redraw);
}

export async function runNorthSouth(plan: NorthSouthPlan, snap: ClusterSnapshot, o: NorthSouthRun): Promise<Diagnosis> {
  const image = o.image ?? DEFAULT_DEBUG_IMAGE;
  const base = { id: o.id, createdAt: new Date().toISOString(), cluster: o.context, spec: { from: /^[a-z0-9-]+\/[a-z0-9.-]+$/.test(o.spec.from.trim()) && !o.spec.from.startsWith('node/') ? o.spec.from.trim() : sourceText(plan.source), to: targetText(plan.target), ...(o.spec.context ? { context: o.spec.context } : {}) } };
  const emit = o.onEvent ?? (() => {});
  let seq = 0;
  emit({ type: 'diagnosis:plan', payload: { id: o.id, diagnosis: { ...base, verdict: 'running', depth: 'live', hops: plan.hops, firstFailure: null, warnings: [] } } });
  const lastSent = new Map<string, string>();
  const sendHop = (h: Hop) => {
    const key = JSON.stringify([h.status, h.summary, h.evidence.length, h.cause]);
    if (lastSent.get(h.id) === key) return;
    lastSent.set(h.id, key);
    emit({ type: 'hop:update', payload: { id: o.id, seq: ++seq, hop: h } });
  };
  for (const h of plan.hops) if (probesOf(plan, h.id).length) sendHop({ ...h, status: 'running', summary: 'probing' });

  const outside = outsideRunner(o.kubeconfig);
  const runs = new Map<string, ProbeRun>();
  const nodes = nodeFootholds(o.kc, { namespace: o.namespace, image, context: o.context, ...(o.signal ? { signal: o.signal } : {}), ...(o.keepNodePods ? { keepSeconds: o.keepNodePods } : {}), ...(o.onNodePodsKept ? { onKept: o.onNodePodsKept } : {}), ...(o.ledger ? { ledger: o.ledger } : {}) });
  const podHold = new Map<string, Promise<Foothold<DebugContainer>>>();
  const holdFor = (p: PlannedProbe): Promise<Foothold<DebugContainer | NodeDebugPod>> | undefined => {
    if (p.where === 'outside') return undefined;
    if (p.where === 'pod') {
      const k = `${p.pod!.namespace}/${p.pod!.name}`;
      let h = podHold.get(k);
      if (!h) podHold.set(k, (h = foothold(ensureDebugContainer(o.kc, p.pod!.namespace, p.pod!.name, { image, known: knownPod(snap.pods, p.pod!.namespace, p.pod!.name), ...(o.signal ? { signal: o.signal } : {}) }), { kind: 'pod', verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: p.pod!.namespace, name: p.pod!.name, context: o.context })));
      return h;
    }
    return nodes.hold(p.node!);
  };
  const limit = probeLimiter(o.concurrency ?? PROBE_SLOTS);
  const batch = probeBatcher(o.kc, limit);
  // Re-judge with what we have and send hops whose probes have all finished (coalesced: progress.ts).
  const progress = progressReporter(!!o.onEvent, () => {
    for (const h of hopsProbed(plan, runs, judgeNorthSouth({ plan, runs, snapshot: snap, depth: 'live' }).hops)) sendHop(h);
  });
  const runOne = async (p: PlannedProbe): Promise<void> => {
    if (runs.has(p.key)) return;
    const def = probeDef(p.probe);
    const argv = def.argv(p.args);
    const hold = holdFor(p);
    const h = hold ? await hold : undefined;
    const location = p.where === 'outside' ? outside.location : p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name}` : `node ${p.node}`;
    const reproduce = def.reproduce({ argv, image: (p.where === 'pod' && h?.ok ? (h.value as DebugContainer).image : undefined) ?? image, ...(p.where === 'pod' ? { namespace: p.pod!.namespace, pod: p.pod!.name, ...(h?.ok ? { targetContainer: (h.value as DebugContainer).target } : {}) } : p.where === 'node' ? { node: p.node! } : {}) });
    const baseRun = { key: p.key, probe: p.probe, hop: p.hop, location, argv, reproduce };
    if (h && !h.ok) {
      runs.set(p.key, probeRunOf(baseRun, { notRun: h.reason, ...(h.apiFailed ? { apiFailed: true } : {}) }));
      return;
    }
    if (o.signal?.aborted) return;
    const r = p.where === 'outside' ? await limit(() => runProbe(o.kc, outside, p.probe, p.args)) : await runInFoothold(o.kc, h!.value as { namespace: string; pod: string; container: string }, p, o.context, batch);
    runs.set(p.key, probeRunOf(baseRun, r));
    progress.poke();
  };

  try {
    for (const p of plan.probes) void holdFor(p);
    await Promise.all(plan.probes.filter((p) => p.phase === 1).map(runOne));
    // The MTU ladder's second stage from the node the packet leaves for the pod (lib/plan/mtu.ts): the sizes between
    // only when the largest DF ping vanished and the smallest came back; asked again after each step (another
    // endpoint's ladder may wait for the drawn pod's) until it adds nothing.
    for (let ladder = withMtuLadder(plan, runs); ladder.added.length; ladder = withMtuLadder(plan, runs)) {
      plan = ladder.plan;
      await Promise.all(ladder.added.map(runOne));
    }
    // Follow the failure (a node's own network dialling a ClusterIP): the drawn endpoint answered the node's direct
    // connect but another ready endpoint did not — draw the path to that one and probe what it adds (runs already made
    // are kept by key), as the pod path does.
    const followed = o.replan ? followFailureNorthSouth(plan, runs, o.replan) : undefined;
    if (followed) {
      plan = followed;
      emit({ type: 'diagnosis:plan', payload: { id: o.id, diagnosis: { ...base, verdict: 'running', depth: 'live', hops: plan.hops, firstFailure: null, warnings: [] } } });
      lastSent.clear();
      await Promise.all(plan.probes.filter((p) => p.phase === 1).map(runOne));
      for (let ladder = withMtuLadder(plan, runs); ladder.added.length; ladder = withMtuLadder(plan, runs)) {
        plan = ladder.plan;
        await Promise.all(ladder.added.map(runOne));
      }
    }
    // The entry node's own DF pings stopped below a full-size packet: the client's forwarded packets are sized by
    // two downloads through the entry (lib/plan/northSouth.ts entryDownloads); a healthy path adds nothing.
    const downloads = entryDownloads(plan, runs);
    if (downloads.length) {
      plan = { ...plan, probes: [...plan.probes, ...downloads] };
      await Promise.all(downloads.map(runOne));
    }
    // A connect toward a backend pod failed: where would that pod send its reply to the address it sees (lib/plan/
    // northSouth replyRouteProbes; an endpoint that is not drawn needs its node's route first, so asked again)? A
    // healthy path adds nothing.
    for (let back = replyRouteProbes(plan, snap, runs), i = 0; back.length && i < 3; back = replyRouteProbes(plan, snap, runs), i++) {
      plan = { ...plan, probes: [...plan.probes, ...back] };
      await Promise.all(back.map(runOne));
    }
    // A name the source's own resolver answers: connect to the address, as the app would.
    if (plan.resolve && !plan.dstIP) {
      const ip = resolvedAddress(plan, runs);
      if (ip) {
        plan.dstIP = ip;
        await Promise.all(resolvedProbes(plan, ip).map(runOne));
      }
    }
  } finally {
    progress.stop();
    await nodes.cleanup();
  }
  const holds = [...(await Promise.all(podHold.values())), ...(await nodes.settled())];
  let depth: Depth = 'live';
  let configReason: string | undefined;
  const all = [...runs.values()];
  // Config depth only when nothing ran at all (an outside client's own connect is live evidence).
  if (holds.length && holds.every((x) => !x.ok && x.forbidden) && all.every((r) => r.notRun)) {
    depth = 'config';
    configReason = joinReasons([...new Set(holds.map((x) => (!x.ok ? x.reason : '')))]);
  }
  // What the user could not read (a focused read since north-south paths read only their objects too).
  const notRead = snapshotLimits(snap);
  const j = withReadLimits(judgeNorthSouth({ plan, runs, snapshot: snap, depth, ...(configReason ? { configReason } : {}) }), notRead);
  for (const h of j.hops) sendHop(h);
  const finishedAt = new Date().toISOString();
  const d = assemble(base, depth, o.signal?.aborted ? interruptedJudgement(j) : j, finishedAt);
  if (notRead.length) d.notRead = notRead;
  emit({ type: 'diagnosis:done', payload: { id: o.id, verdict: d.verdict, depth: d.depth, firstFailure: d.firstFailure, warnings: d.warnings, ...(d.summary ? { summary: d.summary } : {}), finishedAt } });
  return d;
}
