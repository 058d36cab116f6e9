// Re-judging a recorded diagnosis (tests, fixtures): the plan rebuilt from the recorded API objects and
// each recorded evidence item mapped back to its planned probe. Pure: the caller reads the file.
import { clusterDnsIPs, dnsPods, planPath, withMtuLadder, type ClusterSnapshot, type PathPlan, type PlannedProbe } from '../plan';
import { egressProbes } from '../plan/egress';
import { entryDownloads, followFailureNorthSouth, planNorthSouth, replyRouteProbes, resolvedProbes, type NorthSouthPlan } from '../plan/northSouth';
import { parseSource } from '../target';
import type { ProbeId } from '../probes';
import { probeDef } from '../probes';
import { keyed, withDnsWay } from '../plan/ops';
import { parseTarget } from '../target';
import type { Diagnosis, Evidence } from '../model';
import { probeRunOf, type ProbeRun, type RunBase } from './context';

/** A recorded diagnosis: the API objects it planned from and the Diagnosis with every probe's output. */
export interface RecordedDiagnosis {
  header: { command: string; version: string; captured: string };
  snapshot: ClusterSnapshot;
  diagnosis: Diagnosis;
}

/**
 * Plan + runs of a recorded diagnosis. Throws Error when the recorded target does not parse.
 * dig runs are taken as they ran (their candidates came from the pod's real resolv.conf).
 */
export function replay(fx: RecordedDiagnosis): { plan: PathPlan; runs: Map<string, ProbeRun> } {
  const [ns, pod] = fx.diagnosis.spec.from.split('/');
  const t = parseTarget(fx.diagnosis.spec.to);
  if (!t.ok) throw new Error(t.error.message);
  const plan = planPath({ namespace: ns, name: pod }, t.value, fx.snapshot);
  const evidence = fx.diagnosis.hops.flatMap((h) => h.evidence).filter((e) => e.where !== 'api');
  const digs = evidence.filter((e) => e.probe === 'dig');
  plan.probes = plan.probes.filter((p) => p.probe !== 'dig');
  for (const e of digs) {
    const name = e.command[e.command.length - 2].replace(/\.$/, '');
    plan.probes.push(keyed({ probe: 'dig', hop: 'dns', where: 'pod', pod: { namespace: plan.src.namespace, name: plan.src.name }, args: { name }, phase: 2 }));
  }
  const runs = new Map<string, ProbeRun>();
  const map = (probes: readonly PlannedProbe[]) => {
    for (const p of probes) {
      const argv = probeDef(p.probe).argv(p.args);
      const location = p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name}` : `node ${p.node}`;
      const e = evidence.find((x) => x.where === location && JSON.stringify(x.command) === JSON.stringify(argv));
      if (e) runs.set(p.key, recordedRun({ key: p.key, probe: p.probe, hop: p.hop, location, argv }, e));
    }
  };
  map(plan.probes);
  // No lookup answered: the way to the DNS pods, as the engine adds it (lib/plan/ops withDnsWay).
  const way = withDnsWay(plan, dnsPods(fx.snapshot), runs, clusterDnsIPs(fx.snapshot));
  map(way.added);
  const dnsWay = way.plan;
  // The MTU ladder's second stage, as the engine decides it (lib/plan/mtu.ts): recordings made before the ladder
  // had two stages hold every size, and only what the engine would now ask for is read.
  // Asked again after each step, as the engine does (another endpoint's ladder may wait for the drawn pod's).
  let laddered = dnsWay;
  for (let i = 0; i < 4; i++) {
    const ladder = withMtuLadder(laddered, runs);
    if (!ladder.added.length) break;
    map(ladder.added);
    laddered = ladder.plan;
  }
  return { plan: laddered, runs };
}

/** A recorded probe's evidence as the engine would have made it a ProbeRun (through probeRunOf, the one place). */
function recordedRun(base: Omit<RunBase, 'reproduce'>, e: Evidence): ProbeRun {
  return probeRunOf({ ...base, reproduce: e.reproduce }, { exitCode: e.exitCode, stdout: e.stdout, stderr: e.stderr, durationMs: e.durationMs, timedOut: !!e.timedOut, truncated: !!e.truncated });
}

/** The recorded evidence of the probes (not the API reads). */
const probeEvidence = (fx: RecordedDiagnosis) => fx.diagnosis.hops.flatMap((h) => h.evidence).filter((e) => e.where !== 'api');

/** A recorded run for a planned probe: same place, same argv. */
export function runFor(fx: RecordedDiagnosis, p: { key: string; probe: ProbeId; hop: ProbeRun['hop']; where: string; pod?: { namespace: string; name: string }; node?: string; args: object }): ProbeRun | undefined {
  const argv = probeDef(p.probe).argv(p.args);
  const location = p.where === 'pod' ? `pod ${p.pod!.namespace}/${p.pod!.name}` : p.where === 'node' ? `node ${p.node}` : 'outside';
  const e = probeEvidence(fx).find((x) => x.where.startsWith(location) && JSON.stringify(x.command) === JSON.stringify(argv));
  return e ? recordedRun({ key: p.key, probe: p.probe, hop: p.hop, location, argv }, e) : undefined;
}

export function replayNorthSouth(fx: RecordedDiagnosis): { plan: NorthSouthPlan; runs: Map<string, ProbeRun> } {
  const s = parseSource(fx.diagnosis.spec.from);
  const t = parseTarget(fx.diagnosis.spec.to);
  if (!s.ok || !t.ok) throw new Error('recorded spec does not parse');
  let plan = planNorthSouth(s.value, t.value, fx.snapshot);
  const runs = new Map<string, ProbeRun>();
  // Follow-up probes asked again after each round, as the engine does, until a round adds nothing recorded (at most `rounds`).
  const askUntilDone = (rounds: number, ask: () => PlannedProbe[]) => {
    for (let i = 0; i < rounds; i++) {
      const found = ask().flatMap((p) => {
        const r = runFor(fx, p);
        return r ? [{ p, r }] : [];
      });
      if (!found.length) break;
      for (const { p, r } of found) {
        runs.set(p.key, r);
        plan.probes.push(p);
      }
    }
  };
  const stageOne = () => {
    for (const p of plan.probes) {
      const r = runs.has(p.key) ? undefined : runFor(fx, p);
      if (r) runs.set(p.key, r);
    }
    // The MTU ladder's second stage from the leaving node, as the engine adds it (lib/plan/mtu.ts), asked again after each step.
    askUntilDone(4, () => withMtuLadder(plan, runs).added);
  };
  stageOne();
  // The failure followed to an endpoint that does not answer (a node's own network → ClusterIP; lib/plan/northSouth
  // followFailureNorthSouth), as the engine re-draws it.
  const followed = followFailureNorthSouth(plan, runs, (redraw) => planNorthSouth(s.value, t.value, fx.snapshot, undefined, redraw));
  if (followed) {
    plan = followed;
    stageOne();
  }
  // The downloads through the entry when its own DF pings stopped below 1472 (lib/plan/northSouth entryDownloads).
  for (const p of entryDownloads(plan, runs)) {
    const r = runFor(fx, p);
    if (!r) continue;
    runs.set(p.key, r);
    plan.probes.push(p);
  }
  // The pod's way back when the connect toward it failed (lib/plan/northSouth replyRouteProbes).
  askUntilDone(3, () => replyRouteProbes(plan, fx.snapshot, runs));
  // A name resolved by the client itself: its answer's probes (phase 2) as the engine adds them.
  const connect = plan.via === 'external' && !plan.dstIP ? probeEvidence(fx).find((e) => /(tcp|udp)-connect$/.test(e.probe)) : undefined;
  if (connect) {
    plan.dstIP = connect.command[connect.command.length - 2];
    for (const p of resolvedProbes(plan, plan.dstIP)) {
      const r = runFor(fx, p);
      if (r) runs.set(p.key, r);
    }
  }
  return { plan, runs };
}

/** A pod path with a name outside the cluster: the phase-2 probes follow the address the resolver answered. */
export function replayPod(fx: RecordedDiagnosis): { plan: PathPlan; runs: Map<string, ProbeRun> } {
  const { plan, runs } = replay(fx);
  for (const p of plan.probes) if (!runs.has(p.key)) {
    const r = runFor(fx, p);
    if (r) runs.set(p.key, r);
  }
  if (plan.edge?.external && !plan.dstIP) {
    const connect = probeEvidence(fx).find((e) => e.probe === 'tcp-connect' || e.probe === 'udp-connect');
    if (connect) {
      plan.dstIP = connect.command[connect.command.length - 2];
      for (const p of egressProbes(plan, plan.dstIP)) {
        plan.probes.push(p);
        const r = runFor(fx, p);
        if (r) runs.set(p.key, r);
      }
    }
  }
  return { plan, runs };
}
