// The packet's own walk (DESIGN §4 `trace`), judging half: what each capture point saw of the flow (a
// one-line summary like "SYN ×2, no SYN-ACK"), where the flow's first packet was last seen, the address
// NAT really sent it to, and the trace-consistency step run after judge(): a `fail` at a hop is backed by
// where the packet stopped, and where the capture contradicts an inference, the capture wins and the hop
// says so. Pure. The captures come from server/diagnose/capture.ts, the points from lib/plan/trace.ts.
import { CAUSES, failureHead, type CauseCode } from '../causes';
import type { Evidence, Hop, HopId, Trace, TracePoint } from '../model';
import { parseTcpdump, type CapturedPacket, type DecodedIp, type TcpdumpCapture } from '../parse/tcpdump';
import { parseDig } from '../parse/dig';
import { SOURCE_SIDE } from './observed';
import { parseSs } from '../parse/ss';
import type { ConntrackEntry } from '../parse/conntrackList';
import { LINK_TYPES, sll2ToSll, writePcapng, type PcapInterface, type PcapPacket } from '../pcap';
import type { CapturePoint, TraceFlow } from '../plan/trace';
import { flowText } from '../plan/trace';
import type { Judgement } from './index';

const ICMP_NAMES: Record<string, string> = {
  '3/0': 'net unreachable', '3/1': 'host unreachable', '3/3': 'port unreachable', '3/4': 'fragmentation needed',
  '3/9': 'net prohibited', '3/10': 'host prohibited', '3/13': 'admin prohibited', '11/0': 'TTL exceeded',
};

/**
 * Forward: sent by the trace's source socket (the source address may be masqueraded on a hairpin). With `ports`
 * (a masqueraded point: the flow's source ports before and after SNAT) the packet must also go to the far end.
 */
function isForward(d: DecodedIp, f: TraceFlow, ports?: number[]): boolean {
  const proto = d.proto === 6 ? f.proto === 'tcp' : d.proto === 17 && f.proto === 'udp';
  if (!ports) return d.sport === f.sport && proto;
  return proto && ports.includes(d.sport ?? -1) && d.dst === f.dstIP && d.dport === f.dport;
}
function isReply(d: DecodedIp, f: TraceFlow, ports?: number[]): boolean {
  const proto = d.proto === (f.proto === 'tcp' ? 6 : 17);
  if (!ports) return (d.dport === f.sport && proto) || d.icmp?.quoted?.sport === f.sport;
  if (proto && d.src === f.dstIP && d.sport === f.dport && ports.includes(d.dport ?? -1)) return true;
  const q = d.icmp?.quoted;
  return !!q && q.dst === f.dstIP && q.dport === f.dport && ports.includes(q.sport ?? -1);
}

function kind(p: CapturedPacket, f: TraceFlow, ports?: number[]): string | undefined {
  const d = p.decoded;
  if (!d) return undefined;
  if (d.icmp) return `ICMP ${ICMP_NAMES[`${d.icmp.type}/${d.icmp.code}`] ?? `type ${d.icmp.type} code ${d.icmp.code}`}`;
  if (d.proto === 17) return isForward(d, f, ports) ? 'UDP' : 'UDP reply';
  const fl = d.tcpFlags ?? '';
  if (fl === 'S') return 'SYN';
  if (fl === 'S.') return 'SYN-ACK';
  if (fl.includes('R')) return 'RST';
  if (fl.includes('F')) return 'FIN';
  if ((d.payloadLength ?? 0) > 0) return 'data';
  return 'ACK';
}

/**
 * What the flow's conntrack entries (lib/parse conntrack -L, keyed by the trace's source port) say NAT did:
 * `sentTo`, the DNAT target (the reply tuple's source when it is not what was dialled), and `snatPorts`, the
 * source ports SNAT gave the flow (the reply tuple's destination port when it is not the trace's own).
 */
export function conntrackNat(entries: ConntrackEntry[], f: TraceFlow): { sentTo?: string; snatPorts: number[] } {
  const dnat = entries.find((e) => e.reply.src !== f.dstIP || e.reply.sport !== f.dport);
  const snatPorts = [...new Set(entries.flatMap((e) => (e.original.sport === f.sport && e.reply.dport !== undefined && e.reply.dport !== f.sport ? [e.reply.dport] : [])))];
  return { ...(dnat ? { sentTo: `${dnat.reply.src}:${dnat.reply.sport}` } : {}), snatPorts };
}

/**
 * What one point saw: counts in order of first appearance ("SYN, SYN-ACK, ACK, FIN ×2"), and whether an answer
 * came. `ports`: at a masqueraded point (CapturePoint.natted), the flow's source ports before and after SNAT (the
 * trace's own and the one conntrack's reply tuple names); packets are then the flow's when they also go to, or
 * come from, the far end's address and port.
 */
export function summarizeCapture(cap: TcpdumpCapture, f: TraceFlow, ports?: number[]): Pick<TracePoint, 'seen' | 'replySeen' | 'replyKinds' | 'resetSent' | 'packets' | 'summary' | 'lines'> {
  const mine = cap.packets.filter((p) => p.decoded && (isForward(p.decoded, f, ports) || isReply(p.decoded, f, ports)));
  const counts = new Map<string, number>();
  for (const p of mine) {
    const k = kind(p, f, ports);
    if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const seen = mine.some((p) => isForward(p.decoded!, f, ports));
  const replySeen = mine.some((p) => isReply(p.decoded!, f, ports));
  const parts = [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
  let summary = parts.join(', ') || 'no packet of the flow';
  if (seen && !replySeen) summary += f.proto === 'tcp' ? ', no SYN-ACK' : ', no reply';
  const lines = mine.slice(0, 24).map((p) => `${p.time.toFixed(6)} ${p.line}`);
  // which way each kind went: what came back (a SYN-ACK is an answer, a RST is a refusal) and whether the flow's own end reset it
  const replyKinds = [...new Set(mine.filter((p) => isReply(p.decoded!, f, ports)).map((p) => kind(p, f, ports)).filter((k): k is string => !!k))];
  const resetSent = mine.some((p) => isForward(p.decoded!, f, ports) && kind(p, f, ports) === 'RST');
  return { seen, replySeen, ...(replyKinds.length ? { replyKinds } : {}), ...(resetSent ? { resetSent } : {}), packets: mine.length, summary, lines };
}

/**
 * A tunnel point's summary with the flow's packets that crossed the same interface outside the tunnel (`plain`:
 * that interface's unencapsulated packets of the capture): a node without the route back through the tunnel sends
 * the answer out by its default route, plain — seen, but not where the overlay carries it. Unchanged when there are none.
 */
export function withUntunnelled<T extends Pick<TracePoint, 'summary' | 'lines'>>(sum: T, plain: TcpdumpCapture, f: TraceFlow, iface: string): T {
  const out = summarizeCapture(plain, f);
  if (!out.packets) return sum;
  // the point's lines show them too, in time order (each line starts with its -tt timestamp)
  const lines = [...sum.lines, ...out.lines].sort((a, b) => parseFloat(a) - parseFloat(b));
  return { ...sum, summary: `${sum.summary}; outside the tunnel on ${iface}: ${out.summary.replace(/, no (SYN-ACK|reply)$/, '')}`, lines };
}

/**
 * A point's packets of its namespace's capture (`tcpdump -i any`): those on its interface, and on a tunnel point
 * only the encapsulated ones (its evidence is the interface's lines: lib/parse/tcpdump.ts linesOn). A
 * one-interface capture (no interface in its packets) is the point's whole.
 */
export function onPoint(cap: TcpdumpCapture, point: Pick<CapturePoint, 'iface' | 'encapsulated'>): TcpdumpCapture {
  if (!cap.packets.some((p) => p.ifname !== undefined)) return cap;
  return { ...cap, packets: cap.packets.filter((p) => p.ifname === point.iface && !!p.decoded?.encap === point.encapsulated) };
}

/**
 * Whether a capture so far holds the point's flow both ways: a forward packet and an answer. A natted point
 * (the egress after SNAT) is never done early: the ports SNAT chose are known only from conntrack, read later.
 */
export function sawBothWays(cap: TcpdumpCapture, flow: TraceFlow, point: Pick<CapturePoint, 'natted' | 'iface' | 'encapsulated'>): boolean {
  if (point.natted) return false;
  const s = summarizeCapture(onPoint(cap, point), flow);
  return s.seen === true && s.replySeen === true;
}

/**
 * The interfaces of a namespace's capture (`tcpdump -i any`) that carried the flow but are no point of the drawn
 * path, each "NODE IFACE (what it saw)": the veth of another endpoint on that node when kube-proxy picked it, a
 * device the flow left by that the model did not expect. `planned`: the interfaces that are points there.
 */
export function otherInterfaces(cap: TcpdumpCapture, node: string, planned: ReadonlySet<string>, f: TraceFlow): string[] {
  const out: string[] = [];
  for (const iface of new Set(cap.packets.map((p) => p.ifname).filter((i): i is string => !!i && !planned.has(i)))) {
    const sum = summarizeCapture({ ...cap, packets: cap.packets.filter((p) => p.ifname === iface) }, f);
    if (sum.packets) out.push(`${node} ${iface} (${sum.summary})`);
  }
  return out;
}

/**
 * What came back to the source (its point's replyKinds), said truthfully: a RST is no answer to a connect.
 * "the answer came back", "a reset (RST) came back instead of a SYN-ACK", "a SYN-ACK and then a reset (RST) came
 * back", "the answer came back … and the source reset the connection (RST)". `where`: " from 10.244.1.4:8080" or
 * " to the source". A point recorded before replyKinds existed reads as before ("the answer came back").
 */
export function cameBack(src: Pick<TracePoint, 'replyKinds' | 'resetSent'> | undefined, where: string): string {
  const k = src?.replyKinds ?? [];
  const rst = k.includes('RST');
  if (rst && !k.includes('SYN-ACK')) return `a reset (RST) came back${where} instead of a SYN-ACK: the connection was refused`;
  if (rst) return `a SYN-ACK and then a reset (RST) came back${where}: the connection was reset`;
  // Only an ICMP error came back (a router or the destination node refusing the packet): not an answer.
  const icmp = k.filter((x) => x.startsWith('ICMP '));
  // (a router or node sent it: not "from" the address the flow was sent to)
  if (icmp.length && icmp.length === k.length) return `only an error came back${where.startsWith(' from ') ? ` for the flow sent to ${where.slice(6)}` : where}: ${icmp.join(', ')}, not an answer`;
  return `the answer came back${where}${src?.resetSent ? ', and the source reset the connection (RST)' : ''}`;
}

/** "; also on worker-1 shop-backend-1 (SYN, SYN-ACK), …": the trace's sentence and the CLI's last-seen line alike. */
const alsoOn = (elsewhere: readonly string[] | undefined) => (elsewhere?.length ? `; also on ${elsewhere.join(', ')}` : '');

/**
 * The point off the drawn path where the packet's walk really ended, when the answer came back (the source's
 * point saw it) yet the flow left the drawn path after its last seen point (the points after it saw nothing or are
 * off this flow's path) and an `elsewhere` entry saw the answer: the endpoint kube-proxy picked for this connection
 * when it is not the drawn one. Its "NODE IFACE (what it saw)" entry, else undefined.
 */
function answeredOffPath(points: readonly TracePoint[], last: TracePoint | undefined, elsewhere: readonly string[] | undefined): string | undefined {
  if (!last || !points[0]?.replySeen) return undefined;
  const after = points.slice(points.indexOf(last) + 1);
  if (after.length === 0 || after.some((x) => x.seen === true)) return undefined;
  return elsewhere?.find((e) => /\b(SYN-ACK|reply)\b/.test(e.replace(/, no (SYN-ACK|reply)\b/, '')));
}

/** The point the trace's `lastSeen` names, if any. */
function lastSeenPoint(trace: Trace): TracePoint | undefined {
  const l = trace.lastSeen;
  return l ? trace.points.find((x) => x.hop === l.hop && x.iface === l.iface && x.node === l.node) : undefined;
}

/** Did the traced connection's walk end off the drawn path (answeredOffPath)? What the graph asks before it marks a drawn hop "packet last seen". */
export function walkEndedOffPath(trace: Trace): boolean {
  return answeredOffPath(trace.points, lastSeenPoint(trace), trace.elsewhere) !== undefined;
}

/** The points in path order with what they saw → the Trace (lastSeen, the address NAT sent it to, one sentence). */
export function buildTrace(f: TraceFlow, points: TracePoint[], opts: { connectOutput?: string; connectNotRun?: string; missing?: string[]; sentTo?: string; elsewhere?: string[] } = {}): Trace {
  // The traced connect did not run (its exec could not start, or the API server broke it off): silence at every
  // point proves nothing, so no point is judged and the walk says why — never "the source never sent it".
  if (opts.connectNotRun !== undefined) {
    const why = `not judged: the traced connect did not run (${opts.connectNotRun})`;
    return { flow: flowText(f), proto: f.proto, points: points.map(({ replySeen: _r, replyKinds: _k, resetSent: _s, ...p }) => ({ ...p, seen: null, summary: p.seen === null ? p.summary : why })), lastSeen: null, summary: `the traced connect did not run: ${opts.connectNotRun}` };
  }
  // When the answer reached the source, a point that saw only the way out is one the answer does not cross
  // (cilium_host on the source node): "no SYN-ACK" there would read as a loss.
  // (an ICMP error alone — a TTL exceeded from a routing loop — is no answer: those points keep "no SYN-ACK")
  const answered = !!points[0]?.replySeen && (points[0].replyKinds === undefined || points[0].replyKinds.some((k) => !k.startsWith('ICMP ')));
  if (answered) points = points.map((p) => (p.seen && !p.replySeen ? { ...p, summary: p.summary.replace(/, no (SYN-ACK|reply)$/, ', the answer took another way') } : p));
  let last = -1;
  points.forEach((p, i) => {
    if (p.seen) last = i;
  });
  const lp = last >= 0 ? points[last] : undefined;
  const lastSeen = lp ? { hop: lp.hop, iface: lp.iface, ...(lp.node ? { node: lp.node } : {}), summary: lp.summary } : null;
  const ran = points.filter((p) => p.seen !== null);
  const where = (p: TracePoint) => (p.node && !p.label.startsWith('pod ') ? `${p.node} ${p.iface}` : p.label);
  const off = answeredOffPath(points, lp, opts.elsewhere);
  let summary: string;
  if (ran.length === 0) summary = `no capture could run${opts.missing?.length ? ` (${opts.missing.join('; ')})` : ''}`;
  else if (!lp) summary = `no packet of the flow was captured anywhere, not even on the source pod's ${points[0]?.iface ?? 'eth0'}: the source never sent it${opts.connectOutput ? ` (${opts.connectOutput})` : ''}`;
  else if (off) summary = `the answer came back from ${off}, off the drawn path; on the drawn path last seen at ${where(lp)} (${lp.summary})`;
  else {
    const back = points[0]?.replySeen;
    const notAfter = points.slice(last + 1).filter((p) => p.seen === false);
    summary = `last seen at ${where(lp)} (${lp.summary})`;
    if (notAfter.length) summary += `; not seen at ${where(notAfter[0])}${notAfter.length > 1 ? ' or after' : ''}`;
    if (back) summary += `; ${cameBack(points[0], ' to the source')}`;
    else {
      // The answer travels the path backwards: the first point (in path order) that saw it is as far back as it got.
      const answered = points.find((p) => p.replySeen);
      if (answered) summary += `; the answer got back only as far as ${where(answered)}`;
    }
  }
  summary += alsoOn(opts.elsewhere?.filter((e) => e !== off));
  // UDP: the traced connect is `nc -u -z` (lib/probes.ts trace-connect), whose datagrams are a few probe bytes, not
  // the service's protocol: a DNS server or statsd ignores them, so a missing reply is no loss (the service hop's own
  // exchange — a real query where there is one — says whether the service answers)
  if (udpSilent(f.proto, points)) summary += UDP_NO_REPLY;
  return { flow: flowText(f), proto: f.proto, points, lastSeen, ...(opts.sentTo ? { sentTo: opts.sentTo } : {}), ...(opts.elsewhere?.length ? { elsewhere: opts.elsewhere } : {}), summary };
}

/** The address the packet was really sent to: the first forward packet whose destination differs from what was dialled (DNAT), read from the capture. */
export function sentToOf(caps: { point: CapturePoint; cap?: TcpdumpCapture }[], f: TraceFlow): string | undefined {
  for (const { cap } of caps) {
    for (const p of cap?.packets ?? []) {
      const d = p.decoded;
      if (d && isForward(d, f) && (d.dst !== f.dstIP || d.dport !== f.dport)) return `${d.dst}:${d.dport}`;
    }
  }
  return undefined;
}

/**
 * A capture point as hop evidence: the same argv, reproduce line and finding, with tcpdump's packet lines as
 * its output — the -xx hex stays once, in trace.points[].evidence, where the pcap is rebuilt from.
 */
function hopEvidence(p: TracePoint): Evidence {
  const more = p.packets > p.lines.length ? `\n… ${p.packets - p.lines.length} more packets (all of them in the pcap)` : '';
  return { ...p.evidence, stdout: p.lines.length ? `${p.lines.join('\n')}${more}\n` : '' };
}

/** Causes that name a place on the path where the packet stops: a capture past that place contradicts them. */
const LOCAL_CAUSES: ReadonlySet<CauseCode> = new Set<CauseCode>(['veth-down', 'pod-network', 'node-route', 'overlay-blocked', 'neighbor-stale', 'node-firewall']);

/**
 * The trace-consistency step, after judge(): each failing hop is checked against the capture. Backed (the
 * packet was last seen at or before this hop, and nowhere after it): the hop's summary says where it
 * stopped. Contradicted (a cause that names a place the packet stops, yet a later point captured it): the
 * capture wins — the hop becomes a `model-mismatch` warning saying where the packet was seen. A verdict
 * that no hop explained gets the capture's sentence. Each point is added as evidence to its hop.
 * `drawnIP`: the endpoint the hops are drawn to (a Service's pod). When kube-proxy sent the traced connection to
 * another endpoint (trace.sentTo), its walk past the source's own side (SOURCE_SIDE: the pod, its veth) is not the
 * drawn path's: a packet seen on the source node's tunnel on its way to 10.32.2.2 says nothing against "no route to
 * 10.32.3.3" (found by the truth sweep on test/lab/fixtures/varied-3node-nftables.yaml, node-route-missing, 2026-12-03),
 * so those hops keep their finding and get no capture sentence.
 */
export function applyTrace(j: Judgement, trace: Trace, drawnIP?: string): Judgement {
  const order = new Map<HopId, number>(j.hops.map((h, i) => [h.id, i]));
  const sentIP = trace.sentTo?.split(':')[0];
  const offPath = (h: HopId) => drawnIP !== undefined && sentIP !== undefined && sentIP !== drawnIP && !SOURCE_SIDE.has(h);
  const seenAfter = (h: HopId): TracePoint | undefined => trace.points.find((p) => p.seen && (order.get(p.hop) ?? -1) > (order.get(h) ?? 99));
  const where = (p: TracePoint) => (p.label.startsWith('pod ') ? p.label : `${p.node} ${p.iface}`);
  const demoted = new Set<HopId>();
  const hops: Hop[] = j.hops.map((h) => {
    const evidence: Evidence[] = [...h.evidence, ...trace.points.filter((p) => p.hop === h.id).map(hopEvidence)];
    if (h.status !== 'fail' || !h.cause || offPath(h.id)) return { ...h, evidence };
    const past = seenAfter(h.id);
    // A packet seen past the hop clears it only when the answer came back through it too: a reply-direction
    // cause (dst-node's route back, a tunnel filter on the source node) or a receive-side drop (a wrong inner
    // MAC dies on the remote tunnel device, after its capture point) still lets the first packet pass.
    const answeredThrough = trace.points.some((p) => p.replySeen && (order.get(p.hop) ?? 99) < (order.get(h.id) ?? -1));
    // DNS is a look-up beside the path, not a stop on it: the trace dials the address directly, so a flow
    // captured end to end says nothing against a name that does not resolve (its queries take another way).
    if (h.id !== 'dns' && past && answeredThrough && LOCAL_CAUSES.has(h.cause as CauseCode)) {
      demoted.add(h.id);
      const reason = `${CAUSES[h.cause as CauseCode].title} was inferred here (${h.summary}), but the capture saw the packet past this hop, at ${where(past)} (${past.summary}): the capture wins`;
      return { ...h, status: 'warn', cause: 'model-mismatch', summary: reason, observed: reason, evidence };
    }
    // The trace dials the address directly: it says nothing about a name that does not resolve.
    if (trace.lastSeen && h.id !== 'dns') return { ...h, summary: `${h.summary} — capture: ${trace.summary}`, evidence };
    return { ...h, evidence };
  });
  markUnreached(hops, trace);
  if (!demoted.size) {
    const summary = j.firstFailure || !trace.lastSeen || j.verdict !== 'unreachable' ? j.summary : `${j.summary} The capture: ${trace.summary}.`;
    return withStale({ ...j, hops, summary }, trace);
  }
  const warnings = [...j.warnings, ...hops.filter((h) => demoted.has(h.id)).map((h) => ({ hop: h.id, cause: 'model-mismatch' as const, reason: h.summary }))];
  const fails = hops.filter((h) => h.status === 'fail' && h.cause);
  const first = j.firstFailure && !demoted.has(j.firstFailure.hop) ? j.firstFailure : fails[0] ? { hop: fails[0].id, cause: fails[0].cause as CauseCode, reason: fails[0].summary, nextStep: CAUSES[fails[0].cause as CauseCode].nextStep } : null;
  // the first failure unchanged: its summary stands, lead and all ("small connections work; …", "1 of 2 … answer …")
  const summary = first && first === j.firstFailure ? j.summary : first ? `${failureHead(first.cause as CauseCode, first.hop)}: ${first.reason}` : `${j.summary} The capture: ${trace.summary}.`;
  return withStale({ ...j, hops, firstFailure: first, warnings, summary }, trace);
}

/**
 * A passing hop past the first failing one, where every capture point of the hop ran and saw no packet of the
 * flow: its own probes found nothing wrong (an address, a listener), but traffic never got there, and its
 * summary says so — "pass" beside "no answer within 2 s" would read as the pod's fault or as a contradiction.
 * Mutates `hops` (the array applyTrace just built).
 */
function markUnreached(hops: Hop[], trace: Trace): void {
  const failAt = hops.findIndex((h) => h.status === 'fail');
  if (failAt < 0 || !trace.lastSeen) return;
  hops.forEach((h, i) => {
    const points = trace.points.filter((p) => p.hop === h.id);
    if (i <= failAt || h.status !== 'pass' || !points.length || !points.every((p) => p.seen === false)) return;
    const last = trace.lastSeen!;
    hops[i] = { ...h, summary: `${h.summary} — capture: no packet of the flow reached this hop (last seen at ${`${last.node ?? ''} ${last.iface}`.trim()}; the path fails at ${hops[failAt].id})` };
  });
}

/**
 * A UDP conntrack entry toward the Service that NATs a flow to an address that is no longer an endpoint
 * (trace.stale, from server/diagnose/capture.ts): the Service hop fails with `conntrack-stale` and its
 * reproduce line, whatever the trace's own fresh flow did. New flows still reach a live endpoint, so a
 * `reachable` verdict becomes `degraded` (the stuck client is the one that cannot get through).
 */
function withStale(j0: Judgement, trace: Trace): Judgement {
  const j = withUdpDelivery(j0, trace);
  const stale = trace.stale?.[0];
  const i = j.hops.findIndex((h) => h.id === 'service');
  if (!stale || i < 0) return j;
  const hops = [...j.hops];
  const h = hops[i];
  hops[i] = { ...h, status: 'fail', cause: 'conntrack-stale', summary: stale.reason, observed: stale.reason, nextStep: CAUSES['conntrack-stale'].nextStep, evidence: [...h.evidence, ...(trace.stale ?? []).map((s) => s.evidence)] };
  const firstFailure = j.firstFailure ?? { hop: 'service' as const, cause: 'conntrack-stale' as const, reason: stale.reason, nextStep: CAUSES['conntrack-stale'].nextStep };
  const verdict = j.verdict === 'reachable' ? 'degraded' : j.verdict;
  const summary = j.firstFailure ? j.summary : `${verdict === 'degraded' ? 'new flows reach a live endpoint, but ' : ''}${CAUSES['conntrack-stale'].title} at service: ${stale.reason}`;
  return { ...j, hops, verdict, firstFailure, summary };
}

/**
 * UDP (a datagram with no ICMP error proves nothing): the trace's own datagram captured in the destination
 * pod is delivery. A judgement left `undetermined` with no failing hop — no datagram came back, as from a
 * server that never answers (statsd, syslog) — becomes `reachable` on that capture; nothing else changes.
 */
function withUdpDelivery(j: Judgement, trace: Trace): Judgement {
  if (trace.proto !== 'udp' || j.verdict !== 'undetermined' || j.firstFailure || j.hops.some((h) => h.status === 'fail')) return j;
  const at = trace.points.find((p) => p.hop === 'dst-pod' && p.seen);
  if (!at) return j;
  const silentDns = dnsServerSilent(j, trace);
  if (silentDns) return silentDns;
  return { ...j, verdict: 'reachable', summary: `The capture saw the datagram arrive in ${at.label} (${at.summary}): the path delivers it; no hop showed a fault.` };
}

/**
 * A UDP diagnosis to a DNS server (the target's DNS port: `dns-exchange`, a real query, lib/plan/egress isDnsPort)
 * whose query went unanswered — dig timed out, no ICMP error — while the capture saw the flow arrive in the
 * destination pod and a socket is bound to the port there (`ss-listen-udp`): the path delivers, the DNS server
 * receives and does not answer (its process stopped or hung, or no longer reading its socket). That is the
 * DNS-specific cause at dst-pod, `dns-timeout`, observed, with a next step in that pod (its logs, its listener) —
 * not a reachable path nor a generic one. Undefined when any query was answered (the exchange is then `open` and the
 * judgement is not undetermined), when no reply-less capture in the pod shows the arrival, or when nothing says the
 * socket is bound (app-not-listening is judged there). A Recv-Q on the bound socket (datagrams queued, unread) is quoted.
 */
function dnsServerSilent(j: Judgement, trace: Trace): Judgement | undefined {
  const i = j.hops.findIndex((h) => h.id === 'dst-pod');
  const hop = j.hops[i];
  const at = trace.points.find((p) => p.hop === 'dst-pod' && p.seen);
  if (!hop || !at || trace.points.some((p) => p.replySeen)) return undefined;
  const port = Number(/:(\d+)\/udp$/.exec(trace.flow)?.[1] ?? NaN);
  // the query to the dialled DNS server, unanswered: dig's own timeout (an ICMP error is an outcome judged before)
  // the query straight to this pod when one was made (a Service's VIP may send the other to another endpoint)
  const exchanges = j.hops.flatMap((h) => h.evidence).filter((e) => e.probe === 'dns-exchange' && e.command.includes(String(port)));
  const asked = hop.evidence.find((e) => exchanges.includes(e)) ?? exchanges[0];
  const dig = asked ? parseDig(asked.stdout, { exitCode: asked.exitCode ?? undefined, stderr: asked.stderr }) : undefined;
  if (!asked || !dig?.ok || dig.value.outcome !== 'no-response' || dig.value.reason !== 'timeout') return undefined;
  const ss = hop.evidence.find((e) => e.probe === 'ss-listen-udp' && e.exitCode === 0);
  const socks = ss ? parseSs(ss.stdout) : undefined;
  const bound = socks?.ok ? socks.value.filter((x) => x.local.port === port && !x.local.loopback) : [];
  const pod = ss?.where.startsWith('pod ') ? ss.where.slice(4) : undefined;
  if (!bound.length || !pod) return undefined;
  const [ns, name] = pod.split('/');
  const queued = bound.filter((x) => x.recvQ > 0);
  const recv = queued.length ? `, its receive queue holding ${queued.map((x) => `${x.recvQ} bytes on ${x.local.address}:${x.local.port}`).join(', ')} unread` : '';
  const server = asked.command.find((a) => a.startsWith('@'))?.slice(1) ?? '';
  const reason = `the DNS server in ${pod} receives the queries but does not answer: the capture saw the traced datagrams to UDP ${port} arrive in the pod (${at.summary}) and UDP ${port} is bound there (${bound.map((x) => `${x.local.address}:${x.local.port}`).join(', ')}${recv}), yet \`dig @${server} -p ${port}\` timed out with no answer and no ICMP error`;
  const nextStep = `Check the DNS server process in ${pod}: \`kubectl logs -n ${ns} ${name}\` (and \`--previous\` after a restart) for errors or a hang; inside the pod \`ss -u -l -n -p\` shows who holds UDP ${port} (a Recv-Q that grows means the process no longer reads it) and \`kubectl describe pod -n ${ns} ${name}\` its readiness and restarts. A stopped or hung server is replaced by deleting the pod (\`kubectl delete pod -n ${ns} ${name}\`; its controller starts another).`;
  const hops = [...j.hops];
  hops[i] = { ...hop, status: 'fail', cause: 'dns-timeout', summary: reason, observed: hop.observed ? `${hop.observed}; capture: ${at.summary}` : `capture: ${at.summary}`, nextStep };
  return { ...j, hops, verdict: 'unreachable', firstFailure: { hop: 'dst-pod', cause: 'dns-timeout', reason, nextStep }, summary: `${CAUSES['dns-timeout'].title} at dst-pod: ${reason}` };
}

/** What a UDP trace with no reply anywhere adds to its summary and its CLI line (buildTrace, lastSeenLine). */
const UDP_NO_REPLY = "; no reply is expected to nc's UDP probe datagrams (not the service's protocol: a DNS server ignores them)";
const udpSilent = (proto: Trace['proto'], points: readonly Pick<TracePoint, 'seen' | 'replySeen'>[]) => proto === 'udp' && points.some((p) => p.seen) && !points.some((p) => p.replySeen);

/** One line for the CLI: "last seen: worker-2 flannel.1 (SYN ×3, no SYN-ACK)". */
export function lastSeenLine(trace: Trace): string {
  if (!trace.lastSeen) return `last seen: nowhere — ${trace.summary}`;
  const p = lastSeenPoint(trace);
  const where = p?.label.startsWith('pod ') ? p.label : `${trace.lastSeen.node ?? ''} ${trace.lastSeen.iface}`.trim();
  // the answer came back: from where NAT really sent the flow (an endpoint the drawn path may not reach)
  const back = trace.points[0]?.replySeen;
  const from = back && trace.sentTo ? `; ${cameBack(trace.points[0], ` from ${trace.sentTo}`)}` : '';
  // the packet's walk ended off the drawn path (answeredOffPath): there it leads; the drawn path's last point follows
  const answeredOff = answeredOffPath(trace.points, p, trace.elsewhere);
  if (answeredOff) {
    const rest = trace.elsewhere!.filter((e) => e !== answeredOff);
    return `last seen: ${answeredOff}, off the drawn path${from}; on the drawn path: ${where} (${trace.lastSeen.summary})${alsoOn(rest)}`;
  }
  // past the drawn points: where else the flow went (a device the model did not expect)
  return `last seen: ${where} (${trace.lastSeen.summary})${alsoOn(trace.elsewhere)}${from}${udpSilent(trace.proto, trace.points) ? UDP_NO_REPLY : ''}`;
}

/**
 * The merged capture of a trace as pcapng (lib/pcap.ts): one interface per point that ran, named by its
 * label ("worker-2 flannel.1"), described by its filter; the packets re-read from each point's evidence
 * (tcpdump's -xx bytes). undefined when no point captured anything.
 */
export function tracePcap(trace: Trace): Uint8Array | undefined {
  const ifaces: PcapInterface[] = [];
  const packets: PcapPacket[] = [];
  for (const p of trace.points) {
    if (p.seen === null && !p.evidence.stdout) continue;
    const r = parseTcpdump(p.evidence.stdout, { exitCode: p.evidence.exitCode, stderr: p.evidence.stderr });
    if (!r.ok || !r.value.listening) continue;
    const i = ifaces.length;
    // -i any captures (LINUX_SLL2) go in as LINUX_SLL: each point is its own interface already (lib/pcap.ts sll2ToSll)
    const sll2 = r.value.linkType === 'LINUX_SLL2';
    ifaces.push({ name: p.label, description: p.filter, linkType: sll2 ? LINK_TYPES.LINUX_SLL : (LINK_TYPES[r.value.linkType ?? 'EN10MB'] ?? 1), snaplen: (r.value.snaplen ?? 262144) - (sll2 ? 4 : 0) });
    for (const k of r.value.packets) packets.push({ iface: i, time: k.time, length: k.length - (sll2 ? 4 : 0), bytes: sll2 ? sll2ToSll(k.bytes) : k.bytes });
  }
  return ifaces.length && packets.length ? writePcapng(ifaces, packets) : undefined;
}

/** An endpoint pod as withSentElsewhere names it. */
export interface EndpointRef {
  /** "ns/name" */
  pod: string;
  ip: string;
  node?: string;
}

/**
 * kube-proxy picks an endpoint per connection, so the traced connection may reach another ready endpoint than the
 * one the hops were drawn to (`trace.sentTo`, the address after DNAT). The Service hop's details then get both ends
 * (`drawnEndpoint` "shop/backend-0 10.244.2.3 on worker-2", `sentEndpoint` "shop/backend-1 (10.244.1.4:8080 on
 * worker-1)"), which the graph shows beside the Service box (lib/graph/layout sentElsewhereNote); the CLI's trace line
 * says where the answer came from (lastSeenLine). The summary is left alone: it must read the same on every run of
 * the same path, and this fact changes with kube-proxy's pick. `sent` is the pod behind trace.sentTo, when the objects
 * know it. Unchanged when the trace went to the drawn endpoint, or there is no drawn endpoint or no sentTo.
 */
export function withSentElsewhere(j: Judgement, trace: Trace, drawn: EndpointRef | undefined, sent: EndpointRef | undefined): Judgement {
  const sentIP = trace.sentTo?.split(':')[0];
  if (!drawn || !sentIP || sentIP === drawn.ip) return j;
  const to = `${sent ? `${sent.pod} (${trace.sentTo}${sent.node ? ` on ${sent.node}` : ''})` : trace.sentTo}`;
  return { ...j, hops: j.hops.map((h) => (h.id === 'service' ? { ...h, details: { ...h.details, drawnEndpoint: `${drawn.pod} ${drawn.ip}${drawn.node ? ` on ${drawn.node}` : ''}`, sentEndpoint: to } } : h)) };
}
