// The MTU ladder (seeds: "MTU blackholes"), in two stages. A diagnosis first sends the smallest and the largest
// DF ping (PING_FIRST). When the largest comes back the path carries full-size packets and the sizes between
// prove nothing more, so a healthy path costs 2 execs instead of 9. Only when the largest does not come back
// (lost, refused locally, frag-needed) are the sizes between sent, to find where packets start to vanish; when
// not even the smallest comes back (ICMP filtered, e.g. a policy that admits only the app's port) and a TCP
// connect to the same endpoint opened, two HTTP downloads (a one-packet answer and a bulk one) ask TCP instead.
// Pure: the orchestrator (server/diagnose/index.ts) runs the first stage, then `withMtuLadder`'s additions.
import type { PathPlan, PlannedProbe } from './index';
import { endpointPort, keyed, type EndpointPortPlan, type RunOutcome } from './ops';

/** DF ping payload sizes (bytes; IP 20 + ICMP 8 on top): from a small one up to a 1500-byte packet. */
export const PING_SIZES = [56, 1000, 1172, 1272, 1372, 1400, 1422, 1450, 1472] as const;
/** The first stage: the smallest and the largest of PING_SIZES. */
export const PING_FIRST = [PING_SIZES[0], PING_SIZES[PING_SIZES.length - 1]] as const;
/** Size of the bulk TCP download (bytes): dozens of full-size segments. */
export const BULK_BYTES = 65536;
/** ...and an answer that fits in one packet (bytes). */
export const SMALL_BYTES = 100;

/**
 * What the ladder reads of a plan: the pod path's PathPlan, or north-south's. North-south's DF pings leave from a
 * node, so the tcp-bulk step (from a pod, at endpointPort) never reads its dstPort, which is the outside port.
 */
type LadderPlan = Pick<PathPlan, 'dst' | 'probes'> & EndpointPortPlan;

/** Where the DF pings leave from: the source pod (`ping-df`, when `pod` is given) or a node's own network (`node-ping-df`). */
export interface MtuFrom {
  node: string;
  pod?: { namespace: string; name: string };
  /** the source's own address (a pod's): never pinged as an endpoint */
  ip?: string;
}

/**
 * The MTU ladder's first stage toward a Service's other ready endpoints, from where the drawn pod's ladder leaves
 * (`from`: the source pod, or north-south the node the flow enters), on hop `dst-pod`, where the direct connects are
 * read: kube-proxy sends each connection to any ready endpoint, and an MTU blackhole is a property of the way between
 * two nodes, so the drawn pod's ladder says nothing of an endpoint on a third node. `endpoints`: the ready endpoints
 * dialled directly (lib/plan readyEndpoints / northSouth directEndpoints, the drawn one first, at most
 * MAX_DIRECT_CONNECTS) with their node (EndpointSlice nodeName, else the pod's spec.nodeName; unknown: left out). One
 * endpoint per node that is neither `from`'s nor the drawn pod's, the first listed: PING_FIRST's two sizes to it, so a
 * healthy path costs 2 execs per such node and none when every endpoint shares a node with the source or the drawn
 * pod. The rest of its ladder is withMtuLadder's. Pure.
 */
export function endpointMtuPings(from: MtuFrom, drawn: { ip: string; node: string } | undefined, endpoints: readonly { ip: string; node?: string }[]): PlannedProbe[] {
  const seen = new Set([from.node, ...(drawn ? [drawn.node] : [])]);
  const picked = endpoints.filter((e) => e.node && e.ip !== drawn?.ip && e.ip !== from.ip && !seen.has(e.node) && seen.add(e.node));
  const at = from.pod ? { probe: 'ping-df' as const, where: 'pod' as const, pod: from.pod } : { probe: 'node-ping-df' as const, where: 'node' as const, node: from.node };
  return picked.flatMap((e) => PING_FIRST.map((size) => keyed({ ...at, hop: 'dst-pod', args: { ip: e.ip, size }, phase: 1 })));
}

/** The probes whose runs withMtuLadder reads: every DF ping planned, and the end-to-end connects to the drawn pod. */
export function ladderInputs(plan: Pick<PathPlan, 'dst' | 'probes'>): PlannedProbe[] {
  const dst = plan.dst;
  return dst ? plan.probes.filter((p) => p.probe === 'ping-df' || p.probe === 'node-ping-df' || (p.probe === 'tcp-connect' && p.args.ip === dst.ip)) : [];
}

type Outcome = 'reply' | 'silent' | undefined;

/**
 * The MTU ladder's second stage, once the first stage and the end-to-end TCP connect to the drawn pod have run
 * (`runs` by probe key; a missing or not-run entry decides nothing). Toward the drawn pod: adds the DF pings between
 * PING_FIRST's two sizes when the smallest came back (exit 0) and the largest did not — from where the first ones
 * were sent: a pod (`ping-df`) or, north-south, the node the packet leaves for the pod (`node-ping-df`); from a pod,
 * adds the two tcp-bulk downloads when the smallest did not come back but `tcp-connect` to the drawn pod's endpoint
 * port opened. Toward another endpoint with first-stage pings (endpointMtuPings) whose smallest came back and largest
 * did not: the sizes between when the drawn pod's largest came back (or it has no ladder to compare with: a
 * hairpin, ICMP silent to it); when the drawn pod's largest did not come back either (a pod MTU below 1500 refuses
 * it locally everywhere), first one ping at the largest size that passed to the drawn pod, once its ladder is
 * complete, and the sizes between only when that one does not come back. Call it again after each addition has run
 * (the orchestrator loops until it adds nothing). Returns a new plan and the added probes (none: the plan as it
 * was, e.g. a healthy path, a hairpin, no drawn pod).
 */
export function withMtuLadder<P extends LadderPlan>(plan: P, runs: ReadonlyMap<string, RunOutcome>): { plan: P; added: PlannedProbe[] } {
  const none = { plan, added: [] };
  const dst = plan.dst;
  if (!dst) return none;
  const outcome = (p: PlannedProbe | undefined): Outcome => {
    const r = p ? runs.get(p.key) : undefined;
    return !r || r.notRun ? undefined : r.exitCode === 0 ? 'reply' : 'silent';
  };
  const pingsTo = (ip: string) => plan.probes.filter((p) => (p.probe === 'ping-df' || p.probe === 'node-ping-df') && p.args.ip === ip);
  const at = (ip: string, size: number) => pingsTo(ip).find((p) => p.args.size === size);
  const sizesBetween = (ip: string, base: PlannedProbe, sizes: readonly number[]) =>
    sizes.filter((size) => !at(ip, size)).map((size) => keyed({ hop: base.hop, where: base.where, ...(base.pod ? { pod: base.pod } : {}), ...(base.node ? { node: base.node } : {}), phase: 1, probe: base.probe, args: { ip, size } }));
  const [small, large] = PING_FIRST.map((size) => at(dst.ip, size));
  const [s, l] = [outcome(small), outcome(large)];
  let added: PlannedProbe[] = [];
  if (small && s === 'reply' && l === 'silent') {
    added = sizesBetween(dst.ip, small, PING_SIZES);
  } else if (small && s === 'silent' && l && small.where === 'pod') {
    const port = endpointPort(plan);
    const connect = port ? plan.probes.find((p) => p.probe === 'tcp-connect' && p.where === 'pod' && p.pod?.namespace === small.pod?.namespace && p.pod?.name === small.pod?.name && p.args.ip === dst.ip && p.args.port === port) : undefined;
    if (port && connect && outcome(connect) === 'reply') {
      added = [SMALL_BYTES, BULK_BYTES].map((size) => keyed({ hop: small.hop, where: small.where, ...(small.pod ? { pod: small.pod } : {}), phase: 1, probe: 'tcp-bulk', args: { ip: dst.ip, port, size } }));
    }
  }
  // What the drawn pod's ladder says a full path carries: 'full' (1472 came back), the largest size that came back
  // once every size was sent, 'none' (nothing to compare with: no ladder, ICMP silent, a ping that could not run),
  // or undefined (its ladder is still running).
  const drawnComplete = PING_SIZES.every((size) => outcome(at(dst.ip, size)) !== undefined);
  const drawnNotRun = PING_SIZES.some((size) => {
    const p = at(dst.ip, size);
    return !!p && !!runs.get(p.key)?.notRun;
  });
  const drawnLargest = [...PING_SIZES].reverse().find((size) => outcome(at(dst.ip, size)) === 'reply');
  const reference: number | 'full' | 'none' | undefined = l === 'reply' ? 'full' : !small || s === 'silent' || drawnNotRun ? 'none' : drawnComplete ? (drawnLargest ?? 'none') : undefined;
  const others = [...new Set(plan.probes.filter((p) => (p.probe === 'ping-df' || p.probe === 'node-ping-df') && p.args.ip && p.args.ip !== dst.ip).map((p) => p.args.ip!))];
  for (const ip of others) {
    const [es, el] = PING_FIRST.map((size) => at(ip, size));
    if (!es || !el || outcome(es) !== 'reply' || outcome(el) !== 'silent' || reference === undefined) continue;
    if (reference === 'full' || reference === 'none' || reference <= PING_FIRST[0]) {
      added.push(...sizesBetween(ip, es, PING_SIZES));
      continue;
    }
    const probe = at(ip, reference);
    if (!probe) added.push(...sizesBetween(ip, es, [reference]));
    else if (outcome(probe) === 'silent') added.push(...sizesBetween(ip, es, PING_SIZES));
  }
  added = added.filter((p, i) => !plan.probes.some((q) => q.key === p.key) && added.findIndex((q) => q.key === p.key) === i);
  return added.length ? { plan: { ...plan, probes: [...plan.probes, ...added] }, added } : none;
}
