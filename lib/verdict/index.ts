// The verdict (like Headlamp's getPodDiagnostics: pure, findings in → statuses and sentences out).
// Each hop is judged from what the objects predict (plan: `expected`) beside what its probes saw
// (`observed`); a disagreement is the finding. The root cause is the first failing check in the seeds'
// bottom-up falsification order, while every probe already ran concurrently. No evidence → `skip`
// with the reason, never `pass`.
import type { Depth, Diagnosis, Finding, Hop, Verdict } from '../model';
import { CAUSES, concreteNextStep, failureHead, nextStepFor, type NextStepValues } from '../causes';
import { endClause, joinClauses, joinReasons } from '../clauses';
import { clusterDnsService } from '../kube';
import { clusterResolverIP, endText, type PathPlan, type ClusterSnapshot } from '../plan';
import { newCtx, withApiFailure, type Ctx, type Problem, type ProbeRun, type Runs } from './context';
import { judgePodNetwork, judgePodRoute, judgeVeth, judgeHairpin } from './pod';
import { explainDnsTimeout, judgeDns } from './dns';
import { judgeService } from './service';
import { judgePolicy, judgePolicyEnforcement } from './policy';
import { judgeNodeRoute, judgeFirewall, judgeConntrack } from './node';
import { judgeOverlay, judgeMtu, judgeEndpointMtu, warnUnmeasuredMtu } from './overlay';
import { judgeListener, judgeConnects, explainLater } from './listener';
import { apiEvidence, evidenceOf } from './evidence';
import { judgeUdp, judgeHeadless, judgeExternalName, judgeUpstreamDns, judgeEgress } from './edge';
import { dnsPartialLead, partialLead, partialService, reconcileObserved } from './observed';
import { judgeBridgeNetfilter } from './bridge';
import { endpointPort, probesOf, readyEndpoints } from '../plan/ops';
import { uncheckedClause } from './unchecked';

export type { ProbeOutput, ProbeRun, Runs, RunBase } from './context';
export { probeRunOf, apiStoppedSentence, withApiFailure } from './context';
export { VXLAN_OVERHEAD } from './overlay';
export { uncheckedClause } from './unchecked';


export interface Judgement {
  hops: Hop[];
  verdict: Verdict;
  firstFailure: Finding | null;
  warnings: Finding[];
  summary: string;
}

export interface JudgeInput {
  plan: PathPlan;
  runs: Runs;
  snapshot: ClusterSnapshot;
  depth: Depth;
  /** why probes could not run at config depth (e.g. "needs create on pods/ephemeralcontainers in shop") */
  configReason?: string;
}

export function judge(input: JudgeInput): Judgement {
  const { plan, runs, snapshot, depth } = input;
  const c = newCtx(plan, runs, snapshot, depth);
  judgeConnects(c);
  judgeUdp(c);
  judgePodNetwork(c, 'src-pod', plan.src.namespace, plan.src.name, plan.src.ip, plan.dstIP ?? plan.dst?.ip);
  // A name with no address yet: the pod's route toward its resolver (planned by planPath, lib/plan clusterResolverIP)
  // says whether it can send off its link at all; without it the DNS timeout is a consequence, not the cause.
  const resolver = plan.name ? clusterResolverIP(snapshot, plan.src) : undefined;
  if (resolver && resolver !== (plan.dstIP ?? plan.dst?.ip)) {
    const dns = clusterDnsService(snapshot.services);
    judgePodRoute(c, 'src-pod', plan.src.namespace, plan.src.name, resolver, `its resolver, the cluster DNS Service ${dns?.metadata?.namespace}/${dns?.metadata?.name}`);
  }
  judgeVeth(c, 'src-veth', plan.src.namespace, plan.src.name, plan.src.node);
  judgeDns(c);
  judgeHeadless(c);
  judgeExternalName(c);
  judgeUpstreamDns(c);
  judgeService(c);
  judgePolicy(c);
  judgeEgress(c);
  judgeHairpin(c);
  if (plan.dst) {
    judgeNodeRoute(c, 'src-node', plan.src.node, plan.dst.ip, plan.dst.node);
    judgeFirewall(c, 'src-node', plan.src.node, endpointPort(plan));
    if (!plan.sameNode) {
      judgeNodeRoute(c, 'dst-node', plan.dst.node, plan.src.ip, plan.src.node);
      judgeFirewall(c, 'dst-node', plan.dst.node, endpointPort(plan));
      judgeConntrack(c, 'dst-node', plan.dst.node);
    }
    judgeOverlay(c);
    judgeMtu(c);
    judgeEndpointMtu(c);
    // A hostNetwork pod has no veth: it lives in its node's own netns.
    if (!plan.dst.hostNetwork) judgeVeth(c, 'dst-veth', plan.dst.namespace, plan.dst.name, plan.dst.node);
    if (!plan.hairpin) judgePodNetwork(c, 'dst-pod', plan.dst.namespace, plan.dst.name, plan.dst.ip, plan.src.ip);
    judgeListener(c);
    warnUnmeasuredMtu(c);
  } else if (plan.edge?.external && plan.dstIP && !plan.edge.udp) {
    // Egress to a host outside the cluster: the source node forwards it out (and SNATs it) — its own firewall too.
    judgeFirewall(c, 'src-node', plan.src.node, plan.dstPort);
  }
  judgeConntrack(c, 'src-node', plan.src.node);
  judgePolicyEnforcement(c);
  explainDnsTimeout(c);
  judgeBridgeNetfilter(c);
  // Observed beats inferred: what an open end-to-end connect contradicts becomes a model-mismatch warning.
  const rec = reconcileObserved(c);
  explainLater(c);
  c.warnings = c.warnings.filter((w) => w.reason);

  const fill = nextStepValues(c);
  // A name that did not resolve sent nothing: the hops after DNS whose own probes read state (a veth, conntrack
  // counters) pass on it and say that no traffic reached them; hops whose probes need the traffic or its address (the
  // egress's SNAT rule and conntrack flow, the external server) are not judged at all (c.notJudged: skip, with why).
  const dnsAt = plan.hops.findIndex((h) => h.id === 'dns');
  const unsent = c.depth === 'live' && c.connect === undefined && dnsAt >= 0 && c.problems.some((p) => p.hop === 'dns');
  const notReached = (h: Hop) => (unsent && plan.hops.indexOf(h) > dnsAt && h.id !== 'src-pod' ? ' — no traffic reached this hop: the name did not resolve, so nothing was sent' : '');
  const hops: Hop[] = plan.hops.map((h) => {
    const probs = c.problems.filter((p) => p.hop === h.id).sort((a, b) => a.rank - b.rank);
    const ws = c.warnings.filter((w) => w.hop === h.id);
    const evidence = [...apiEvidence(c, h.id), ...evidenceOf(c, h.id)];
    const observed = joinClauses(c.observed.get(h.id) ?? []);
    const probeEvidence = evidence.filter((e) => e.where !== 'api');
    let details = h.details;
    if (h.id === 'service' && c.serviceDetails) details = { ...details, ...c.serviceDetails };
    if (h.id === 'service' && plan.dstChoice) details = { ...details, drawn: plan.dstChoice };
    if (h.id === 'overlay' && c.overlayDetails) details = { ...details, ...c.overlayDetails };
    if (probs.length) {
      const p = probs[0];
      return { ...h, status: 'fail', cause: p.cause, summary: p.reason, observed: observed || p.reason, nextStep: p.nextStep ?? problemNextStep(p, fill, plan), evidence, ...(details ? { details } : {}) };
    }
    const stopped = c.notJudged.get(h.id);
    if (stopped) return { ...h, status: 'skip', cause: null, summary: joinClauses([`not judged: ${stopped}`, observed]), ...(observed ? { observed } : {}), evidence, ...(details ? { details } : {}) };
    const hopRuns = probesOf(plan, h.id).map((p) => runs.get(p.key)).filter((r): r is ProbeRun => !!r);
    const unread = hopRuns.filter((r) => c.unreadable.has(r.key));
    if (unread.length) {
      // Output we could not read proves nothing: not a pass, and not a failure either.
      const what = joinClauses([...new Set(unread.map((r) => `${r.probe} on ${r.location}: ${c.findings.get(r.key) ?? 'unreadable'}`))]);
      return { ...h, status: 'skip', cause: null, summary: joinClauses([`not judged: ${what}`, observed]), ...(observed ? { observed } : {}), evidence, ...(details ? { details } : {}) };
    }
    if (probeEvidence.length === 0) {
      // Each hop says what its own probes would need (pod probes and node probes need different rights).
      const own = joinReasons([...new Set(hopRuns.map((r) => r.notRun).filter((x): x is string => !!x))]);
      const reason = own ? `not probed: ${own}` : depth === 'config' ? `not probed: ${input.configReason ?? 'live probes are not permitted'}` : 'no probe could run for this hop';
      return { ...h, status: 'skip', cause: null, summary: h.id === 'service' || h.id === 'dns' || h.id === 'dst-pod' || h.id === 'src-pod' ? joinClauses([observed, reason]) : reason, ...(observed ? { observed } : {}), evidence, ...(details ? { details } : {}) };
    }
    // A veth hop is decided on its node (the host side's link state, lib/verdict/pod judgeVeth): the pod's own
    // `addr` read inside the pod is evidence about the pod side only, so a node probe that did not run leaves it unjudged.
    const nodeNotRun = (h.id === 'src-veth' || h.id === 'dst-veth') && !c.observed.get(h.id)?.length
      ? joinReasons([...new Set(probesOf(plan, h.id).filter((p) => p.where === 'node').map((p) => runs.get(p.key)?.notRun).filter((x): x is string => !!x))])
      : '';
    if (nodeNotRun) {
      return { ...h, status: 'skip', cause: null, summary: `pod side only: node not probed (${nodeNotRun})`, evidence, ...(details ? { details } : {}) };
    }
    if (ws.length) {
      return { ...h, status: 'warn', cause: ws[0].cause, summary: ws[0].reason, observed, nextStep: ws[0].nextStep ?? nextStepFor(ws[0].cause), evidence, ...(details ? { details } : {}) };
    }
    return { ...h, status: 'pass', cause: null, summary: `${observed || 'probes found nothing wrong'}${notReached(h)}`, observed, evidence, ...(details ? { details } : {}) };
  });

  const sorted = [...c.problems].sort((a, b) => a.rank - b.rank || plan.hops.findIndex((h) => h.id === a.hop) - plan.hops.findIndex((h) => h.id === b.hop));
  const first = sorted[0];
  const firstFailure: Finding | null = first ? { hop: first.hop, cause: first.cause, reason: first.reason, nextStep: first.nextStep ?? problemNextStep(first, fill, plan) } : null;
  const warnings: Finding[] = c.warnings.map((w) => ({ hop: w.hop, cause: w.cause, reason: w.reason, nextStep: w.nextStep ?? nextStepFor(w.cause) }));
  // A listener missing behind another failure of the same hop (a policy that drops the flow before it): the hop
  // shows the failure that stops traffic first, and the socket table — read inside the pod, whatever the path — says
  // what comes next once that is fixed. Kept as a warning, so the SRE who fixes the policy is not surprised twice.
  for (const h of plan.hops) {
    const probs = c.problems.filter((p) => p.hop === h.id).sort((a, b) => a.rank - b.rank);
    for (const p of probs.slice(1).filter((x) => x.cause === 'app-not-listening')) {
      warnings.push({ hop: p.hop, cause: p.cause, reason: `${p.reason} — hidden behind this hop's failure (${CAUSES[probs[0].cause].title}): once that is fixed, the connect will be refused`, nextStep: p.nextStep ?? problemNextStep(p, fill, plan) });
    }
  }

  let verdict: Verdict;
  let summary: string;
  if (depth === 'config') {
    verdict = first ? 'unreachable' : 'undetermined';
    summary = first ? `${failureHead(first.cause, first.hop)} (from the objects alone): ${first.reason}` : c.unknowns.length ? `${joinClauses([...c.unknowns, `and the path could not be probed: ${endClause(input.configReason ?? 'live probes are not permitted')}.`])}`.replace(/^./, (x) => x.toUpperCase()) : `The objects show no fault, but the path could not be proven: ${endClause(input.configReason ?? 'live probes are not permitted')}.`;
  } else {
    // Some of the Service's endpoints answer and some do not: connections fail only when kube-proxy (or, headless,
    // the client's pick among the DNS answers) lands on a broken one (lib/verdict/observed partialService).
    const partial = partialService(c);
    const lead = partial
      ? partialLead(partial, plan.service ? `ready endpoints of Service ${plan.service.key}` : `ready pods of headless Service ${plan.edge!.headless!.key}`, plan.service ? 'kube-proxy sends' : 'the client makes')
      : '';
    if (first) {
      const onlyMtu = sorted.every((p) => p.cause === 'mtu-blackhole');
      // The connect opened (a hairpin path's too: it landed on another endpoint): never unreachable; what still stands makes it degraded.
      const connectOpened = rec.opened || (plan.hairpin && c.connect === 'open' && !c.problems.some((p) => p.hop === 'dns'));
      // Some cluster DNS pods answer and some do not (dns.ts replicaProblem): a lookup works when kube-proxy draws one
      // that answers — not an outage of the whole DNS.
      const dnsPartial = first.hop === 'dns' && c.dnsPartial ? c.dnsPartial : undefined;
      verdict = connectOpened || partial || dnsPartial || (onlyMtu && (c.connect === 'open' || c.connect === undefined)) ? 'degraded' : 'unreachable';
      // The verdict word is printed beside the summary (CLI, banner): the summary does not repeat it.
      // Half a Service says which endpoints fail before the cause (an MTU blackhole behind one endpoint too).
      const prefix = verdict !== 'degraded' ? '' : dnsPartial ? `${dnsPartialLead(dnsPartial)}: ` : partial ? `${lead}: ` : onlyMtu ? 'small connections work; ' : `the connect to ${plan.dstIP}:${plan.dstPort} opened, but `;
      summary = `${prefix}${failureHead(first.cause, first.hop)}: ${first.reason}`;
    } else if (partial && c.connect !== undefined) {
      // a broken endpoint no probe explains: still not all of the Service, and not a clean bill of health either
      verdict = 'degraded';
      summary = `${lead}, and no hop's probes explain why (the direct connects from ${plan.src.namespace}/${plan.src.name} are the evidence).`;
    } else if (c.connect === 'open') {
      verdict = 'reachable';
      // Several endpoints: the drawn one is named as what the hops walk to, not as the one that answered (kube-proxy picks
      // per connection, so which one the traced connection reached varies run to run: the trace line says it).
      const many = readyEndpoints(plan).length;
      const drawn = plan.dst ? endText(plan.dst) : '';
      summary = `${plan.src.namespace}/${plan.src.name} reaches ${plan.target.text}${!drawn ? '' : many > 1 ? ` (the hops are drawn to ${drawn}, one of the ${many} ready endpoints ${plan.service ? 'kube-proxy picks from per connection' : 'the name resolves to'})` : ` (${drawn})`}; ${uncheckedClause(hops)}.`;
    } else if (c.connect === undefined) {
      verdict = 'undetermined';
      summary = plan.edge?.udp
        ? 'No datagram came back and no hop showed a fault: a UDP datagram without a reply proves nothing (a server that does not answer and a silent drop look alike).'
        : 'No end-to-end connection could be tried and no hop showed a fault.';
    } else {
      verdict = 'unreachable';
      summary = `The connection to ${plan.dstIP}:${plan.dstPort} ${c.connect === 'refused' ? 'is refused' : 'gets no answer'}, and no hop's probes explain it.`;
    }
  }
  return { hops, verdict, firstFailure, warnings, summary: depth === 'live' ? withApiFailure(summary, runs) : summary };
}


/**
 * The judgement of a run stopped before its walk finished (Ctrl-C, SIGTERM, a stopped server run): verdict
 * `interrupted`, and a summary that says so instead of one that reads as a finished walk ("every hop checked").
 * A failure already proven by probes that completed stays the first failure and is named; hops whose probes did
 * not run say why on their own. Pure.
 */
export function interruptedJudgement(j: Judgement): Judgement {
  const found = j.firstFailure ? ` Found before the stop: ${j.firstFailure.cause} at ${j.firstFailure.hop}: ${j.firstFailure.reason}` : '';
  const judged = j.hops.filter((h) => h.status !== 'skip' && h.status !== 'pending' && h.status !== 'running').length;
  return { ...j, verdict: 'interrupted', summary: `Stopped before the walk finished: ${judged} of ${j.hops.length} hops judged from the probes that had run.${found}` };
}

/** Builds the final Diagnosis object around a judgement. */
export function assemble(base: Pick<Diagnosis, 'id' | 'createdAt' | 'cluster' | 'spec'>, depth: Depth, j: Judgement, finishedAt: string): Diagnosis {
  return { ...base, verdict: j.verdict, depth, hops: j.hops, firstFailure: j.firstFailure, warnings: j.warnings, summary: j.summary, finishedAt };
}

/** What this diagnosis knows to fill the next-step texts' placeholders with (lib/causes.ts concreteNextStep). */
/**
 * A problem's cause's next step with this diagnosis's values: its own node, and for a policy that denies on the way
 * out (the source pod, its DNS, its egress) the source's namespace, where that egress policy lives.
 */
function problemNextStep(p: Problem, fill: NextStepValues, plan: PathPlan): string {
  const egress = p.cause === 'policy-denied' && (p.hop === 'src-pod' || p.hop === 'dns' || p.hop === 'egress');
  return concreteNextStep(CAUSES[p.cause].nextStep, { ...fill, ...(p.nodes?.[0] ? { node: p.nodes[0] } : {}), ...(egress ? { ns: plan.src.namespace } : {}) });
}

function nextStepValues(c: Ctx): NextStepValues {
  const { plan } = c;
  const dns = clusterDnsService(c.snap.services)?.spec?.clusterIP;
  const selector = Object.entries(plan.service?.service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const device = c.overlayDetails?.device;
  return {
    ns: plan.dst?.namespace ?? plan.service?.service.metadata?.namespace ?? plan.src.namespace,
    ...(typeof device === 'string' ? { vxlan: device } : {}),
    ...(dns && dns !== 'None' ? { kubeDnsIP: dns } : {}),
    ...(plan.service?.vip ? { vip: plan.service.vip } : {}),
    ...(selector ? { selector } : {}),
    ...(plan.dst?.ip ? { podIP: plan.dst.ip } : {}),
    ...(plan.edge?.external && plan.dstIP ? { externalIP: plan.dstIP } : {}),
  };
}
