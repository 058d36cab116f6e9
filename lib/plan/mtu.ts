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

/**
 * The MTU ladder's second stage, once the first stage and the end-to-end TCP connect to the drawn pod have run
 * (`runs` by probe key; a missing or not-run entry decides nothing). Adds the DF pings between PING_FIRST's two
 * sizes when the smallest came back (exit 0) and the largest did not — from where the first ones were sent: a pod
 * (`ping-df`) or, north-south, the node the packet leaves for the pod (`node-ping-df`); from a pod, adds the two
 * tcp-bulk downloads when the smallest did not come back but `tcp-connect` to the drawn pod's endpoint port opened.
 * Returns a new plan and the added probes (none: the plan as it was, e.g. a healthy path, a hairpin, no drawn pod).
 */
export function withMtuLadder<P extends LadderPlan>(plan: P, runs: ReadonlyMap<string, RunOutcome>): { plan: P; added: PlannedProbe[] } {
  const none = { plan, added: [] };
  const dst = plan.dst;
  if (!dst) return none;
  const pings = plan.probes.filter((p) => (p.probe === 'ping-df' || p.probe === 'node-ping-df') && p.args.ip === dst.ip);
  const at = (size: number) => pings.find((p) => p.args.size === size);
  const [small, large] = PING_FIRST.map(at);
  if (!small || !large) return none;
  const outcome = (key: string) => {
    const r = runs.get(key);
    return !r || r.notRun ? undefined : r.exitCode === 0 ? 'reply' : 'silent';
  };
  const [s, l] = [outcome(small.key), outcome(large.key)];
  if (!s || !l) return none;
  const base = { hop: small.hop, where: small.where, ...(small.pod ? { pod: small.pod } : {}), ...(small.node ? { node: small.node } : {}), phase: 1 as const };
  let added: PlannedProbe[] = [];
  if (s === 'reply' && l === 'silent') {
    added = PING_SIZES.filter((size) => !at(size)).map((size) => keyed({ ...base, probe: small.probe, args: { ip: dst.ip, size } }));
  } else if (s === 'silent' && small.where === 'pod') {
    const port = endpointPort(plan);
    const connect = port ? plan.probes.find((p) => p.probe === 'tcp-connect' && p.where === 'pod' && p.pod?.namespace === small.pod?.namespace && p.pod?.name === small.pod?.name && p.args.ip === dst.ip && p.args.port === port) : undefined;
    if (port && connect && outcome(connect.key) === 'reply') {
      added = [SMALL_BYTES, BULK_BYTES].map((size) => keyed({ ...base, probe: 'tcp-bulk', args: { ip: dst.ip, port, size } }));
    }
  }
  added = added.filter((p) => !plan.probes.some((q) => q.key === p.key));
  return added.length ? { plan: { ...plan, probes: [...plan.probes, ...added] }, added } : none;
}
