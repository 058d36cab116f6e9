// Observed beats inferred (DESIGN §4): once every hop is judged, the end-to-end connect and the
// listener decide which findings still stand. A finding on a hop the traffic provably crossed is only a
// model of the hop that looked wrong: it becomes a `model-mismatch` warning that says what packetwalk
// expected and what it saw. A `fail` needs evidence that traffic stops.
import type { HopId } from '../model';
import { CAUSES, type CauseCode } from '../causes';
import { listenerOnPort, parseSs } from '../parse';
import { connectText } from './read';
import { one, onPod, read, type Ctx, type Problem } from './context';
import { endpointPort as endpointPortOf } from '../plan/ops';

/**
 * Findings that stand even while a small end-to-end connect opens: big packets vanish (mtu-blackhole),
 * kube-proxy DNATs part of the connections to an endpoint that no longer exists (proxy-rules-stale), a pod
 * cannot turn around on its own bridge port (hairpin), a same-node endpoint's replies skip iptables
 * (bridge-netfilter). They make the verdict `degraded`, not `unreachable`.
 */
export const STANDING_CAUSES: ReadonlySet<CauseCode> = new Set<CauseCode>(['mtu-blackhole', 'proxy-rules-stale', 'hairpin', 'bridge-netfilter']);

/** Hops a connect that opened has crossed whatever endpoint kube-proxy chose: the source side. */
const SOURCE_SIDE: ReadonlySet<HopId> = new Set<HopId>(['src-pod', 'src-veth', 'service']);

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
  const { verdict, listeners } = listenerOnPort(sockets, check.targetPort);
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
