// What every hop judge shares: the probe runs, the context a judgement builds up (problems, warnings,
// observations, findings), the lookups over the plan's probes and the few readers several judges use.
import type { Depth, HopId } from '../model';
import type { CauseCode, WarningCause } from '../causes';
import type { PathPlan, PlannedProbe, ClusterSnapshot } from '../plan';
import type { PolicyEvaluation } from '../kube';
import { parseIpAddr, parseNc, type IpLink, type ResolvConf, type RouteGet } from '../parse';
import { parseRun, unreadableFinding, type ConnectOutcome, type Parser } from './read';

/** One probe as it ran (or why it could not). */
/** What one command printed and how it ended: server/exec's ExecResult is this record. */
export interface ProbeOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
  /**
   * Set when the exec ended without the command's exit status because the API connection failed (the socket closed
   * or errored with no Status frame, or the API server answered no ping once the probe's time ran out): what went
   * wrong, as text. Such a record is not output of the command — probeRunOf makes it a `notRun`, never a network outcome.
   */
  transportError?: string;
}

export interface ProbeRun extends ProbeOutput {
  key: string;
  probe: string;
  hop: HopId;
  /** 'pod shop/frontend-0' | 'node worker-1' */
  location: string;
  argv: string[];
  reproduce: string;
  /** set when the probe did not run: the sentence (e.g. "needs create on pods/ephemeralcontainers in shop") */
  notRun?: string;
  /** with notRun: the API server failed mid-run (an exec broken off, or one that could not start because the API stopped answering) */
  apiFailed?: boolean;
}

/** What a ProbeRun carries beside the command's output. */
export type RunBase = Pick<ProbeRun, 'key' | 'probe' | 'hop' | 'location' | 'argv' | 'reproduce'>;

/** The sentence of an exec the API server broke off (`detail`: ProbeOutput.transportError). */
export function apiStoppedSentence(detail: string): string {
  return `the API server stopped answering during the exec: ${detail}`;
}

/**
 * The one place a probe's result becomes a ProbeRun (both orchestrators): output (`ProbeOutput`), or `{ notRun }`
 * when the exec could not start. An exec that ended without an exit status because the API connection failed
 * (`transportError`) is not output of the command: it is `notRun` with apiStoppedSentence and `apiFailed`, so no
 * judge reads its empty output as a timeout, a closed port or a silent resolver.
 */
export function probeRunOf(base: RunBase, r: ProbeOutput | { notRun: string; apiFailed?: boolean }): ProbeRun {
  if ('notRun' in r) return { ...base, exitCode: null, stdout: '', stderr: '', durationMs: 0, timedOut: false, truncated: false, notRun: r.notRun, ...(r.apiFailed ? { apiFailed: true } : {}) };
  if (r.transportError !== undefined) return { ...base, exitCode: null, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs, timedOut: false, truncated: r.truncated, transportError: r.transportError, notRun: apiStoppedSentence(r.transportError), apiFailed: true };
  const { exitCode, stdout, stderr, durationMs, timedOut, truncated } = r;
  const stopped = timedOut ? connectStoppedSentence(base.probe, { stdout, stderr, exitCode }) : undefined;
  return { ...base, exitCode, stdout, stderr, durationMs, timedOut, truncated, ...(stopped ? { notRun: stopped } : {}) };
}

/**
 * A TCP connect probe (`nc -z -v -w 2`, pod, node or outside) that our own timer stopped before nc said anything:
 * nc gives up on a silent handshake after its own 2 s and prints "timed out", so a run killed at the probe's limit
 * (4 s, lib/probes) with nothing readable lost its time before or around the command — a slow exec on a loaded node
 * or API server — and says nothing about the network. The sentence that makes it a `notRun` (no judge reads it as a
 * drop: a false `degraded` on a healthy Service in a loaded CI run, session 16); undefined for every other probe or
 * when nc's own verdict is readable (nc's "timed out" is evidence).
 */
export function connectStoppedSentence(probe: string, out: Pick<ProbeOutput, 'stdout' | 'stderr' | 'exitCode'>): string | undefined {
  if (!/(^|-)tcp-connect$/.test(probe) || parseRun(out, parseNc).ok) return undefined;
  return "stopped at the probe's time limit before nc gave its own answer (nc gives up on a silent handshake after 2 s and says so): the exec itself ran slow, on a loaded node or API server, which says nothing about the network";
}

export type Runs = ReadonlyMap<string, ProbeRun>;

/**
 * The summary of a run during which the API server failed (some probes' execs broken off or unable to start:
 * ProbeRun.apiFailed): says so, with how many probes it cost and the first reason — the missing evidence is the
 * API's doing, not the network's. Unchanged otherwise.
 */
export function withApiFailure(summary: string, runs: Runs): string {
  const failed = [...runs.values()].filter((r) => r.apiFailed);
  if (!failed.length) return summary;
  return `${summary} The API server failed mid-run: ${failed.length} of ${runs.size} probes could not run or finish (${failed[0]!.notRun}); run again once it answers.`;
}

export interface Problem {
  hop: HopId;
  cause: CauseCode;
  reason: string;
  rank: number;
  observed?: string;
  /** nodes a node-to-node problem is between (or the one node it is on), to tell what else it explains */
  nodes?: string[];
  /** a next step that fits this place better than the cause's own (a host outside the cluster has no pod to exec into) */
  nextStep?: string;
}

export interface Warn {
  hop: HopId;
  /** a warning cause, or a failure cause the configuration points at but no probe could measure (an MTU too small) */
  cause: WarningCause | CauseCode;
  reason: string;
  /** a next step with this diagnosis's values (the name that answered), instead of the cause's generic one */
  nextStep?: string;
}

/** The seeds' bottom-up falsification order: lower ranks are closer to the root. */
export const RANK: Record<CauseCode, number> = {
  'pod-network': 10, 'veth-down': 20, 'dns-timeout': 30, 'dns-nxdomain': 30, 'dns-wrong-answer': 30,
  'no-endpoints': 40, 'port-mismatch': 41, 'proxy-rules-missing': 50, 'proxy-rules-stale': 51, 'conntrack-stale': 53, 'policy-denied': 60,
  hairpin: 65, 'node-route': 70, 'node-firewall': 72, 'neighbor-stale': 80, 'overlay-blocked': 81, 'mtu-blackhole': 90,
  'app-not-listening': 100,
  'bridge-netfilter': 52,
  'upstream-dns': 30, 'no-local-endpoint': 45, 'snat-missing': 85,
  // probes that could not start (server/exec/startFailure.ts): after every cause the evidence can show
  'image-pull': 200, 'admission-denied': 200,
};

export function runsOf(plan: PathPlan, runs: Runs, pred: (p: PlannedProbe) => boolean): ProbeRun[] {
  return plan.probes.filter(pred).map((p) => runs.get(p.key)).filter((r): r is ProbeRun => !!r && !r.notRun);
}
export function one(plan: PathPlan, runs: Runs, pred: (p: PlannedProbe) => boolean): ProbeRun | undefined {
  return runsOf(plan, runs, pred)[0];
}
export const onPod = (ns: string, name: string, probe: string, ip?: string) => (p: PlannedProbe) => p.probe === probe && p.pod?.namespace === ns && p.pod?.name === name && (ip === undefined || p.args.ip === ip);
export const onNode = (node: string, probe: string, ip?: string) => (p: PlannedProbe) => p.probe === probe && p.node === node && (ip === undefined || p.args.ip === ip);

/** Context shared by the hop judges. */
export interface Ctx {
  plan: PathPlan;
  runs: Runs;
  snap: ClusterSnapshot;
  depth: Depth;
  problems: Problem[];
  warnings: Warn[];
  /** per hop: sentences of what was observed, evidence findings by probe key */
  observed: Map<HopId, string[]>;
  findings: Map<string, string>;
  policy?: PolicyEvaluation;
  /** the end-to-end connect of the target as the app dials it */
  connect?: ConnectOutcome;
  directConnect: Map<string, ConnectOutcome>;
  serviceDetails?: Record<string, string>;
  overlayDetails?: Record<string, string | number>;
  /** probe keys whose output no parser could read: never evidence for a pass */
  unreadable: Set<string>;
  /** failures another hop explains, described once every hop is judged (explainLater) */
  later: { hop: HopId; text: string }[];
  /** DF pings could not size the path (ICMP does not pass): 'download' when TCP downloads did (server → client only), 'no' when nothing did; warnUnmeasuredMtu decides after the connect is read */
  mtuSized?: 'download' | 'no';
  /** endpoints of the Service whose DF pings show an MTU blackhole (overlay.ts judgeMtu, judgeEndpointMtu): IP → the largest IP packet that passes (bytes) */
  mtuFailing: Map<string, number>;
  /** what the objects could not settle because a read was refused (a Service the user may not get): the summary leads with it */
  unknowns: string[];
  /**
   * Hops whose probes could not be judged because an earlier hop stopped the walk (a name that did not resolve sends
   * nothing out: no address to find a SNAT rule for, no flow for conntrack): hop → why. Such a hop is `skip` with that
   * sentence, never `pass`; a problem found there still wins.
   */
  notJudged: Map<HopId, string>;
  /**
   * The source pod's /etc/resolv.conf as its `resolv-conf` run says (lib/parse parseResolvConf), read once by judgeDns
   * (lib/verdict/dns.ts) for every DNS judgement after it; undefined when not planned, not run or unreadable.
   */
  resolvConf?: ResolvConf;
  /**
   * Some cluster DNS pods answer a query sent to them directly and some do not (lib/verdict/dns.ts judgeDnsReplicas):
   * each as "ns/name (ip) on node". Lookups fail only when kube-proxy sends them to a failing one: not an outage of
   * the whole DNS, so the verdict is `degraded` and the summary leads with this.
   */
  dnsPartial?: { answering: string[]; failing: string[]; answeringIPs: string[] };
  /**
   * The failing cluster DNS pods that refused the query dug at them (an ICMP port unreachable: nothing listens), when
   * others failing beside them timed out (lib/verdict/dns.ts replicaProblem): `labels` as in dnsPartial, `say` their
   * clause, `step` their next step. explainDnsTimeout keeps them out of what times out and says them beside its cause.
   */
  dnsRefusing?: { labels: string[]; say: string; step: string };
}

/** A fresh judgement context over a plan's runs (the pod path's judge; the north-south judge's view of its node path). */
export function newCtx(plan: PathPlan, runs: Runs, snap: ClusterSnapshot, depth: Depth): Ctx {
  return { plan, runs, snap, depth, problems: [], warnings: [], observed: new Map(), findings: new Map(), directConnect: new Map(), mtuFailing: new Map(), unreadable: new Set(), later: [], unknowns: [], notJudged: new Map() };
}

/** A run's output through its lib/parse parser; a ParseError becomes the run's finding ("could not be read"). */
export function read<T>(c: Ctx, r: ProbeRun | undefined, parse: Parser<T>, opts: { supplementary?: boolean } = {}): T | undefined {
  if (!r) return undefined;
  const res = parseRun(r, parse);
  if (res.ok) return res.value;
  // A supplementary probe (extra figures beside a readable main one) cannot turn its hop's result.
  if (!opts.supplementary) c.unreadable.add(r.key);
  c.findings.set(r.key, unreadableFinding(res.error));
  return undefined;
}
/** `ip -j [-d] addr show`: the links, or undefined when the output was unreadable or the tool refused. */
export function links(c: Ctx, r: ProbeRun | undefined): IpLink[] | undefined {
  const v = read(c, r, parseIpAddr);
  return v && !v.error ? v.entries : undefined;
}
/** What a refused `ip route get` means, measured on this kernel (lib/parse/fixtures/ip-route-get). */
export const REFUSED_ROUTE: Record<'no-route' | 'unreachable-route' | 'blackhole-route' | 'prohibit-route' | 'other', string> = {
  'no-route': 'the pod lacks its default route',
  'unreachable-route': 'an "unreachable" route in the pod matches it',
  'blackhole-route': 'a "blackhole" route in the pod matches it',
  'prohibit-route': 'a "prohibit" route in the pod matches it',
  other: 'the kernel refused the route lookup',
};
/** The node's VXLAN device, from its `ip -j -d addr show` (undefined on host-gw or when unread). */
export function tunnelOf(c: Ctx, node: string): IpLink | undefined {
  return links(c, one(c.plan, c.runs, onNode(node, 'node-link')))?.find((l) => l.kind === 'vxlan');
}
/** The node's InternalIP as the Node object reports it. */
export function internalIP(c: Ctx, node: string | undefined): string | undefined {
  return c.snap.nodes.find((n) => n.metadata?.name === node)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}
export function routeText(r: RouteGet & { outcome: 'route' }): string {
  const x = r.route;
  return `${x.gateway ? `via ${x.gateway} ` : ''}dev ${x.dev ?? '?'}${x.prefsrc ? ` src ${x.prefsrc}` : ''}${x.mtu ? ` (cached path MTU ${x.mtu}${x.expires !== undefined ? `, expires in ${x.expires} s` : ''})` : ''}`;
}

export function observe(c: Ctx, hop: HopId, s: string) {
  const l = c.observed.get(hop) ?? [];
  l.push(s);
  c.observed.set(hop, l);
}
/** A failure at `hop`; `nextStep` when the judge knows better than the cause's own text with the diagnosis's values. */
export function problem(c: Ctx, hop: HopId, cause: CauseCode, reason: string, nodes?: string[], nextStep?: string) {
  // Whatever explains it, a failure at the DNS hop is met before anything after it on the path.
  const rank = hop === 'dns' ? RANK['dns-timeout'] : RANK[cause];
  if (!c.problems.some((p) => p.hop === hop && p.cause === cause)) c.problems.push({ hop, cause, reason, rank, ...(nodes ? { nodes } : {}), ...(nextStep ? { nextStep } : {}) });
}
export function warn(c: Ctx, hop: HopId, cause: WarningCause | CauseCode, reason: string, nextStep?: string) {
  if (!c.warnings.some((w) => w.cause === cause)) c.warnings.push({ hop, cause, reason, ...(nextStep ? { nextStep } : {}) });
}
export function finding(c: Ctx, r: ProbeRun | undefined, s: string) {
  if (r) c.findings.set(r.key, s);
}
