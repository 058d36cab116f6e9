// Observed beats inferred (DESIGN §4): once every hop is judged, the end-to-end connect and the
// listener decide which findings still stand. A finding on a hop the traffic provably crossed is only a
// model of the hop that looked wrong: it becomes a `model-mismatch` warning that says what packetwalk
// expected and what it saw. A `fail` needs evidence that traffic stops.
import type { HopId } from '../model';
import { CAUSES, type CauseCode } from '../causes';
import { listenerOnPort, parseSs } from '../parse';
import { connectText, notAnswering, type ConnectOutcome } from './read';
import { one, onPod, read, type Ctx, type Problem } from './context';
import { endpointPort as endpointPortOf, readyEndpoints } from '../plan/ops';

/**
 * Findings that stand even while a small end-to-end connect opens: big packets vanish (mtu-blackhole),
 * kube-proxy DNATs part of the connections to an endpoint that no longer exists (proxy-rules-stale), a pod
 * cannot turn around on its own bridge port (hairpin), a same-node endpoint's replies skip iptables
 * (bridge-netfilter). They make the verdict `degraded`, not `unreachable`.
 */
export const STANDING_CAUSES: ReadonlySet<CauseCode> = new Set<CauseCode>(['mtu-blackhole', 'proxy-rules-stale', 'hairpin', 'bridge-netfilter']);

/** Hops a connect that opened has crossed whatever endpoint kube-proxy chose: the source side. */
export const SOURCE_SIDE: ReadonlySet<HopId> = new Set<HopId>(['src-pod', 'src-veth', 'service']);

/** What one reconciliation did: the problems that stand, and whether the end-to-end connect opened. */
export interface Reconciled {
  /** the connect as the app dials it opened (a name resolved, the drawn path is not a hairpin) */
  opened: boolean;
  standing: Problem[];
}

/**
 * A numeric targetPort that no backend declares as a containerPort is no fault when the backend listens on
 * it: containerPort is informational (Kubernetes routes to the targetPort whatever is declared). Such a
 * port-mismatch becomes a model-mismatch warning. Returns true when it did so.
 */
function declaredPortOnlyLooksWrong(c: Ctx, p: Problem): boolean {
  const { plan } = c;
  const check = plan.service?.check;
  if (p.cause !== 'port-mismatch' || !check?.problem || check.problem.kind !== 'port-not-declared' || typeof check.targetPort !== 'number' || !plan.dst) return false;
  const ss = one(plan, c.runs, onPod(plan.dst.namespace, plan.dst.name, 'ss-listen'));
  const sockets = read(c, ss, parseSs);
  if (!sockets) return false;
  const { verdict, listeners } = listenerOnPort(sockets, check.targetPort, plan.dst.ip);
  if (verdict !== 'reachable') return false;
  const at = listeners.map((l) => `${l.local.address}:${l.local.port}`).join(', ');
  const opened = c.connect === 'open' ? `, and the connect to ${plan.dstIP}:${plan.dstPort} opened` : '';
  mismatch(c, 'service', `expected a backend to declare the targetPort: ${check.problem.sentence} Saw ${plan.dst.namespace}/${plan.dst.name} listen on ${at}${opened}: containerPort is informational, traffic goes to the targetPort`);
  return true;
}

function mismatch(c: Ctx, hop: HopId, reason: string) {
  if (!c.warnings.some((w) => w.hop === hop && w.cause === 'model-mismatch' && w.reason === reason)) c.warnings.push({ hop, cause: 'model-mismatch', reason });
}

/**
 * Reconciles c.problems with what the traffic did (mutates c.problems and c.warnings):
 * - a port-mismatch whose backend listens on the targetPort → model-mismatch;
 * - when the connect opened (live depth, the name resolved, not a hairpin path), a finding on a hop the
 *   traffic crossed → model-mismatch ("expected …, saw …"); a STANDING_CAUSES finding, or one on a hop the
 *   open connect did not prove (another endpoint answered and the drawn one's own connect failed), stands.
 */
export function reconcileObserved(c: Ctx): Reconciled {
  const { plan } = c;
  c.problems = c.problems.filter((p) => !declaredPortOnlyLooksWrong(c, p));
  const dnsFailed = c.problems.some((p) => p.hop === 'dns');
  const opened = c.depth === 'live' && c.connect === 'open' && !plan.hairpin && !dnsFailed;
  if (!opened) return { opened, standing: c.problems };
  // Did the traffic cross the drawn endpoint's own path? A pod target: yes. A Service: when the drawn
  // endpoint is the only ready one, or its own direct connect opened too.
  const endpointPort = endpointPortOf(plan);
  const direct = plan.dst && endpointPort ? c.directConnect.get(`${plan.dst.ip}:${endpointPort}`) : undefined;
  const readyCount = plan.service?.endpoints.ready.length ?? 0;
  const drawnProven = !plan.service || direct === 'open' || (direct === undefined && readyCount === 1);
  const standing: Problem[] = [];
  for (const p of c.problems) {
    if (STANDING_CAUSES.has(p.cause) || (!drawnProven && !SOURCE_SIDE.has(p.hop))) {
      standing.push(p);
      continue;
    }
    const how = plan.service && p.hop !== 'service' && drawnProven && direct === 'open'
      ? `the direct connect from ${plan.src.namespace}/${plan.src.name} to ${plan.dst!.ip}:${endpointPort} opened (and so did ${plan.dstIP}:${plan.dstPort})`
      : `the connect from ${plan.src.namespace}/${plan.src.name} to ${plan.dstIP}:${plan.dstPort} opened (${connectText('open')})`;
    mismatch(c, p.hop, `expected ${CAUSES[p.cause].title.toLowerCase()} here: ${p.reason.replace(/\.$/, '')}; saw the traffic pass: ${how}`);
  }
  c.problems = standing;
  return { opened, standing };
}

/**
 * `endpoints` split by their direct connect's `outcome`: the ones it opened to, and the ones that do not answer
 * (read.ts notAnswering); an endpoint not dialled, or whose outcome proves nothing, is in neither. One rule for the
 * pod path (partialService) and north-south (northSouth.ts, each endpoint dialled from the entry node).
 */
export function splitAnswers<E>(endpoints: readonly E[], outcome: (e: E) => ConnectOutcome | undefined): { answering: E[]; failing: E[] } {
  return { answering: endpoints.filter((e) => outcome(e) === 'open'), failing: endpoints.filter((e) => notAnswering(outcome(e))) };
}

/**
 * The lead of a half-answering Service's `degraded` summary, e.g. "1 of 2 ready endpoints of Service shop/backend
 * answer from worker-1 (10.244.1.4:8080); connections kube-proxy sends to 10.244.2.3:8080 fail". `what`: "ready
 * endpoints of Service NS/NAME", "ready pods of headless Service NS/NAME" or (north-south, externalTrafficPolicy
 * Local) "nodes the load balancer sends to for Service NS/NAME …"; `sender`: who picks the endpoint ("kube-proxy sends",
 * "the client makes"); `from`: the node the endpoints were dialled from, when not the source itself.
 */
export function partialLead(p: PartialService, what: string, sender: string, from?: string): string {
  const large = p.large ?? [];
  // An endpoint whose small connect opened but whose full-size packets vanish answers: its connections open and
  // stall on their first full-size packet, so it is named with the packet size, never as failing to connect.
  const vanish = large.length ? `IP packets over ${large.map((l) => `${l.fits} bytes to ${l.name}`).join(', ')} vanish, so connections ${sender} there stall on their first full-size packet` : '';
  const answering = [...p.answering, ...large.map((l) => l.name)];
  if (!p.failing.length) return `small connections work (all ${answering.length} ${what} answer${from ? ` from ${from}` : ''}: ${answering.join(', ')}); ${vanish}`;
  return `${answering.length} of ${answering.length + p.failing.length} ${what} answer${from ? ` from ${from}` : ''} (${answering.join(', ')}); connections ${sender} to ${p.failing.join(', ')} fail${vanish ? `; ${vanish}` : ''}`;
}

/**
 * The lead of a `degraded` summary when some cluster DNS pods answer and some do not (lib/verdict/dns.ts, c.dnsPartial),
 * as partialLead says it of a Service: "1 of 3 cluster DNS pods answer (kube-system/coredns-c (10.244.3.2) on worker-3);
 * lookups kube-proxy sends to … fail".
 */
export function dnsPartialLead(p: { answering: readonly string[]; failing: readonly string[] }): string {
  return `${p.answering.length} of ${p.answering.length + p.failing.length} cluster DNS pods answer (${p.answering.join(', ')}); lookups kube-proxy sends to ${p.failing.join(', ')} fail`;
}

/** A Service that answers through some of its ready endpoints and not others (partialService). */
export interface PartialService {
  /** "ns/pod ip:port" (or "ip:port") of the ready endpoints the source reached */
  answering: string[];
  /** the same for the ready endpoints it did not: their direct connect failed, or (hairpin) the source itself */
  failing: string[];
  /**
   * the ready endpoints whose small connect opened but whose DF pings show an MTU blackhole: `name` as above plus
   * " on NODE", `fits` the largest IP packet that passes (connections sent there stall on their first full-size packet)
   */
  large?: { name: string; fits: number }[];
}

/**
 * Half a Service is not an outage: with several ready endpoints, kube-proxy sends each connection to one of them
 * at random, so one broken endpoint fails only the connections that land on it (an SRE's hand test: "3 of 8
 * worked"). Live depth, a Service target whose name resolved, no finding on the source side (DNS, the source
 * pod and veth, the Service's own rules — those break every connection), and the source's direct connects
 * (nc -z to each ready endpoint, lib/plan) opened to at least one endpoint and failed to at least one. On a
 * hairpin path the failing endpoint is the source itself (its own connections to the VIP cannot turn around:
 * a `hairpin` finding), and the other endpoints' direct connects must open. An endpoint whose direct connect opened
 * but whose DF pings from the source show an MTU blackhole (`c.mtuFailing`, overlay.ts judgeMtu / judgeEndpointMtu)
 * fails too, named with its node and the largest packet that passes: connections sent there stall on their first
 * full-size packet. Undefined otherwise — then the
 * single end-to-end connect decides, as before. The verdict is then `degraded` whichever endpoint the one
 * end-to-end connect happened to land on, so the same fault gives the same verdict run after run.
 */
export function partialService(c: Ctx): PartialService | undefined {
  const { plan } = c;
  const headless = plan.edge?.headless;
  if (c.depth !== 'live' || !(plan.service || headless) || !plan.src || plan.edge?.udp) return undefined;
  const hairpinOnly = plan.hairpin && c.problems.length > 0 && c.problems.every((p) => p.cause === 'hairpin');
  if (!hairpinOnly && c.problems.some((p) => p.hop === 'dns' || SOURCE_SIDE.has(p.hop))) return undefined;
  const name = (e: { ip: string; port: number; pod?: string }) => `${e.pod ? `${e.pod} ` : ''}${e.ip}:${e.port}`;
  // a headless Service's ready pods carry no pod name in the plan: found by IP
  const podAt = (ip: string) => c.snap.pods.find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork);
  const ready = readyEndpoints(plan).map((e) => {
    const p = plan.service || e.pod ? undefined : podAt(e.ip);
    return p ? { ...e, pod: `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name}` } : e;
  });
  if (ready.length < 2) return undefined;
  const self = (e: { ip: string }) => plan.hairpin && e.ip === plan.dst?.ip;
  const split = splitAnswers(ready, (e) => c.directConnect.get(`${e.ip}:${e.port}`));
  // An endpoint that answers a small connect but whose DF pings show an MTU blackhole (overlay.ts) fails too: every
  // connection sent there stalls on its first full-size packet.
  const mtu = (e: { ip: string }) => c.mtuFailing.get(e.ip);
  const answering = split.answering.filter((e) => !self(e) && !mtu(e));
  const failing = hairpinOnly ? ready.filter(self) : split.failing;
  const nodeOf = (ip: string) => plan.service?.endpoints.endpoints.find((x) => x.ip === ip)?.nodeName ?? c.snap.pods.find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork)?.spec?.nodeName;
  const large = split.answering.filter((e) => !self(e) && mtu(e)).map((e) => {
    const node = nodeOf(e.ip);
    return { name: `${name(e)}${node ? ` on ${node}` : ''}`, fits: mtu(e)! };
  });
  return answering.length && (failing.length || large.length) ? { answering: answering.map(name), failing: failing.map(name), ...(large.length ? { large } : {}) } : undefined;
}
