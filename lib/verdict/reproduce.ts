// Which evidence item reproduces a failing hop for the user: the `reproduce:` line of the CLI and the evidence
// bundle. Its own module, apart from the hop evidence (evidence.ts, which needs the planner), so that printing a
// Diagnosis — `packetwalk diagnose --server`, which loads no engine — stays light.
import type { Diagnosis, Evidence, HopId } from '../model';
import { isIPv4 } from '../ip';
import type { ProbeId } from '../probes';
import { failureHead, isCauseCode } from '../causes';

/** Probes that send traffic along the path: their failure is the symptom itself, so they reproduce it best. */
const TRAFFIC_PROBES: ReadonlySet<string> = new Set<ProbeId>([
  'tcp-connect', 'udp-connect', 'udp-exchange', 'dns-exchange', 'ping-df', 'tcp-bulk', 'trace-connect', 'dig', 'dig-replica', 'dig-control', 'getent', 'node-ping',
  'node-tcp-connect', 'node-udp-exchange', 'node-udp-connect', 'node-dig', 'outside-tcp-connect', 'outside-udp-exchange', 'outside-udp-connect', 'outside-dig', 'outside-tcp-bulk', 'node-tcp-bulk',
]);

/** Among failed traffic probes, the ones that show a failure best first: a stalled download over an open connection
 * (an MTU blackhole where ICMP is filtered) before a connect, a connect before a ping (which ICMP filtering alone fails). */
const TRAFFIC_RANK: readonly string[] = ['tcp-bulk', 'outside-tcp-bulk', 'node-tcp-bulk', 'tcp-connect', 'node-tcp-connect', 'outside-tcp-connect', 'udp-exchange', 'dns-exchange', 'ping-df'];
/** A capture of packetwalk's own flow (filtered on its own source port) reproduces nothing for the user. */
const OWN_FLOW: ReadonlySet<string> = new Set<ProbeId>(['capture', 'node-capture', 'trace-connect', 'conntrack-flow']);

/**
 * Reads that show a hop's fault in their own output, before the hop's first read: conntrack's entry of the flow (the
 * address the far end saw, SNAT or not, in one line where the nat table is a dump) and the bridge's port flags
 * (hairpin off), where `ip addr` shows nothing wrong.
 */
const TELLING_READS: ReadonlySet<string> = new Set<ProbeId>(['conntrack-list', 'bridge-link']);

/**
 * A cause whose fault one read shows in its own output, when no traffic probe failed to show the symptom (UDP: `nc -u`
 * "succeeds" on a dead path): the veth's state is in the node's link listing, not in the pod's own addresses.
 */
const SHOWN_BY: Readonly<Record<string, ProbeId>> = { 'veth-down': 'node-link', 'bridge-netfilter': 'bridge-nf', hairpin: 'bridge-link' };

/**
 * Causes that break only the connections kube-proxy sends to some of a Service's endpoints, so that with more than one
 * ready endpoint one `nc` to the VIP fails or opens by kube-proxy's draw: bridge-netfilter (an endpoint on the source's
 * own bridge: a direct connect to it opens, as does one the VIP sends elsewhere) and hairpin (the pod itself). A ping or
 * connect to the drawn endpoint — the healthy one on another node — shows nothing either. There the read that shows the
 * fault (the node's `sysctl net.bridge.bridge-nf-call-iptables` = 0, the bridge port's "hairpin": false) comes before
 * any connect that is not the hop's own: it says the same every time it runs, on the node the finding is about.
 */
const DRAWN: ReadonlySet<string> = new Set(['bridge-netfilter', 'hairpin']);

/** Probes that send ICMP echo. */
const PINGS: ReadonlySet<string> = new Set<ProbeId>(['ping-df', 'node-ping']);

/** A probe that opens a connection or exchanges a datagram, from a pod, a node or outside. */
const CONNECT = /(^|-)tcp-connect$|(^|-)(udp|dns)-exchange$/;

/**
 * The one evidence item whose reproduce line best shows a failing hop's failure: a probe that sends traffic and
 * failed on the hop (a stalled download, a refused connect, a lost DF ping — in that order), else the failed
 * end-to-end connect from `elsewhere` (the rest of the diagnosis's evidence: a hop judged from rules and routes is
 * best reproduced by the connect that fails), else any probe of the hop that failed, else its first probe that sends
 * traffic — a lookup that answered NXDOMAIN exits 0 yet is the failure, where the resolv.conf read before it only
 * shows the configuration — (not the control query of the cluster DNS's own name), else its first. Captures and the
 * trace's connect are never chosen: they filter on packetwalk's own source port. With `cause` (the failure's) other
 * than mtu-blackhole, a failed ping ranks after any failed connect: ICMP may be dropped on a healthy path. With
 * `vipDraw` (the Service has more than one ready endpoint) a cause of DRAWN is shown by its read before any connect
 * elsewhere. Undefined when nothing is runnable.
 */
export function reproducingEvidence(evidence: readonly Evidence[], elsewhere: readonly Evidence[] = [], cause?: string, vipDraw = false): Evidence | undefined {
  const runnable = (xs: readonly Evidence[]) => xs.filter((e) => e.reproduce && e.where !== 'api' && !OWN_FLOW.has(e.probe));
  const failed = (e: Evidence) => e.timedOut || (e.exitCode !== null && e.exitCode !== 0);
  const rank = (e: Evidence) => (TRAFFIC_RANK.includes(e.probe) ? TRAFFIC_RANK.indexOf(e.probe) : TRAFFIC_RANK.length);
  // A ping shows only what ICMP does, which a NetworkPolicy or a firewall may drop on a healthy path: for any cause but
  // an MTU blackhole (whose DF ladder is the evidence) a failed connect, the hop's own or elsewhere, comes first.
  const ping = (e: Evidence) => cause !== undefined && cause !== 'mtu-blackhole' && PINGS.has(e.probe);
  const traffic = (xs: readonly Evidence[], pings: boolean) => runnable(xs).filter((e) => failed(e) && TRAFFIC_PROBES.has(e.probe) && ping(e) === pings).sort((a, b) => rank(a) - rank(b))[0];
  const connect = runnable(elsewhere).find((e) => failed(e) && CONNECT.test(e.probe));
  const mine = runnable(evidence);
  const shows = cause !== undefined && SHOWN_BY[cause] ? mine.find((e) => e.probe === SHOWN_BY[cause]) : undefined;
  const readFirst = vipDraw && cause !== undefined && DRAWN.has(cause) ? shows : undefined;
  const best = traffic(evidence, false) ?? readFirst ?? connect ?? traffic(evidence, true) ?? shows ?? mine.find(failed) ?? mine.find((e) => TRAFFIC_PROBES.has(e.probe) && e.probe !== 'dig-control') ?? mine.find((e) => TELLING_READS.has(e.probe)) ?? mine[0];
  // `nc -u -z` "succeeds" whenever no ICMP error comes back, broken path or not: where a datagram exchange ran (socat,
  // which shows whether anything came back), that is the line to paste
  const exchange = runnable([...evidence, ...elsewhere]).find((e) => /(^|-)udp-exchange$/.test(e.probe));
  return best && /(^|-)udp-connect$/.test(best.probe) && exchange ? exchange : best;
}

/** Hops every connection of the source crosses, whichever endpoint kube-proxy picks. */
const SOURCE_SIDE: ReadonlySet<string> = new Set<HopId>(['client', 'src-pod', 'dns', 'service', 'src-veth']);

/** The IPv4 addresses a sentence names ("no route to 10.96.0.50", "10.244.2.3:8080 fail"). */
function namedAddresses(sentence: string): ReadonlySet<string> {
  return new Set(sentence.split(/[^0-9.]+/).map((t) => t.replace(/\.+$/, '')).filter(isIPv4));
}

/**
 * What a report shows under a diagnosis's first failure (the CLI's `evidence:` and `reproduce:` lines, the page's
 * banner): the evidence item that reproduces it (reproducingEvidence, the rest of the diagnosis's evidence as
 * `elsewhere`), and as `observed` what shows that traffic stops, unless the reason already says it. A hop judged
 * from rules and routes (a firewall rule, a missing SNAT, a tunnel drop) is reproduced by a connect elsewhere on
 * the path: that connect's finding ("TCP 10.244.2.3:8080: no answer within 2 s") is the evidence, not the hop's
 * own observations of its routes and rules (which read as if all were well). A hop whose own traffic probe
 * reproduces it (a DF ping, a lookup) shows what that hop observed. Both undefined without a first failure.
 */
export function firstFailureShown(d: Pick<Diagnosis, 'hops' | 'firstFailure'> & Partial<Pick<Diagnosis, 'summary'>>): { observed?: string; reproduce?: Evidence; lead?: string } {
  const ff = d.firstFailure;
  if (!ff) return {};
  const hop = d.hops.find((h) => h.id === ff.hop);
  const own = hop?.evidence ?? [];
  // the direct connects to the endpoints (dst-pod) before the VIP's: with one endpoint broken, the VIP connect fails
  // only when kube-proxy picks it, so the endpoint's own connect is the command that reproduces every time
  const others = d.hops.filter((h) => h.id !== ff.hop);
  // (a fault of the Service itself — its rules, its endpoints — or of the source's side, which every connection crosses
  // as the app dials it — the pod's own routes, its veth — is what the VIP connect shows, so not then: a
  // source pod without its default route "has no route to <VIP>", and the endpoint's connect is another address)
  const endpointFirst = !SOURCE_SIDE.has(ff.hop);
  const order = endpointFirst ? [...others.filter((h) => h.id === 'dst-pod'), ...others.filter((h) => h.id !== 'dst-pod')] : others;
  // a failed connect to an address the failure names (the endpoint a partial Service fails on, the VIP a pod has no
  // route to) before one to another: that connect is the failing step, the others its consequences or the healthy ones
  const named = namedAddresses(ff.reason);
  const dials = (e: Evidence) => e.command.some((a) => named.has(a));
  const rest = order.flatMap((h) => h.evidence);
  const elsewhere = [...rest.filter(dials), ...rest.filter((e) => !dials(e))];
  // A lookup of the name the path is walked on (the dns hop's `matched` Service FQDN): the search candidates before it
  // answer NXDOMAIN on a healthy cluster too, so a line digging one of them reproduces nothing.
  const matched = ff.hop === 'dns' && typeof hop?.details?.matched === 'string' ? `${hop.details.matched}.` : undefined;
  // A cluster DNS pod the reason names, dug directly, before it: a lookup through the Service fails only when kube-proxy
  // draws a failing replica, the direct query to that replica every time.
  const first = (e: Evidence) => (e.probe === 'dig-replica' && e.command.some((a) => named.has(a.replace(/^@/, ''))) ? 0 : matched && e.probe === 'dig' && e.command.includes(matched) ? 1 : 2);
  const ownFirst = ff.hop === 'dns' ? [...own].sort((a, b) => first(a) - first(b)) : own;
  // kube-proxy draws among the Service's ready endpoints (the service hop's details.endpoints): more than one, and a
  // connect to the VIP shows a fault of some of them only when the draw lands there
  const ready = d.hops.find((h) => h.id === 'service')?.details?.endpoints;
  const reproduce = reproducingEvidence(ownFirst, elsewhere, ff.cause, Array.isArray(ready) && ready.length > 1);
  // a connect (the hop's own, as a node's connect to a policy-isolated pod, or one elsewhere) says it in one finding
  const fromElsewhere = !!reproduce && ((!own.includes(reproduce) && TRAFFIC_PROBES.has(reproduce.probe)) || CONNECT.test(reproduce.probe));
  // a finding that says no more than the exit status, or that the probe proves nothing, is no evidence
  const telling = (f: string | undefined): f is string => !!f && !/^exit \d+$/.test(f) && !/proves nothing/.test(f);
  const observed = fromElsewhere && telling(reproduce.finding) ? reproduce.finding : hop?.observed;
  // what the summary says before the cause (lib/verdict/index.ts): "1 of 2 ready endpoints … answer …: ", "small
  // connections work; " — the part a page that shows the cause on its own line would otherwise drop
  const at = d.summary && isCauseCode(ff.cause) ? d.summary.indexOf(`${failureHead(ff.cause, ff.hop)}: `) : -1;
  const lead = at > 0 ? d.summary!.slice(0, at).replace(/[:;,]?\s*$/, '') : undefined;
  return { ...(observed && !ff.reason.includes(observed) ? { observed } : {}), ...(reproduce ? { reproduce } : {}), ...(lead ? { lead } : {}) };
}
