// The packet's own walk (DESIGN §4 `trace`), I/O half. Picks a source port of the trace's own and, at once,
// starts one bounded `tcpdump -i any` in every network namespace of the path (the source and destination pods
// and nodes: lib/plan/trace.ts netnsFilter), while the hop probes that name the interfaces place the capture
// points (lib/plan/trace.ts planCapturePoints). As soon as each capture says "listening on" — not waiting for the
// points, which only say afterwards which interface is which hop — it runs the end-to-end connect from that port
// (nc -p), stops the captures once every point has seen the flow both ways (at most SETTLE_MS after the connect:
// no fixed sleep), reads the flow's conntrack entries on each node of the path, splits each capture into its
// points by the interface tcpdump names on every line (linesOn), and turns it all into the Diagnosis's `trace`
// (lib/verdict/trace.ts). Every capture is a registry probe (lib/probes.ts: capture / node-capture /
// trace-connect / conntrack-flow), run in the diagnosis's own footholds. One capture per namespace instead of one
// per interface: 4 execs instead of 10 on a cross-node VXLAN path, and the connect one exec round sooner.
import type { KubeConfig } from '@kubernetes/client-node';
import { podWithIP } from '../../lib/kube/ports';
import type { Evidence, Trace, TracePoint } from '../../lib/model';
import type { PathPlan, PlannedProbe, ClusterSnapshot } from '../../lib/plan';
import { netnsFilter, offPathPoints, planCapturePoints, traceInputKeys, traceSourcePort, type CapturePoint, type TraceFlow } from '../../lib/plan/trace';
import { probeDef } from '../../lib/probes';
import { linesOn, parseConntrackList, parseIpAddr, parseIpRouteGet, parseTcpdump, type IpLink, type RouteGet, type TcpdumpCapture } from '../../lib/parse';
import { parseRun } from '../../lib/verdict/read';
import { apiStoppedSentence, type ProbeRun } from '../../lib/verdict';
import { buildTrace, conntrackNat, onPoint, otherInterfaces, sawBothWays, sentToOf, summarizeCapture, withUntunnelled } from '../../lib/verdict/trace';
import { runProbe, startProbe, type ExecResult, type StreamingExec } from '../exec/probe';

type Where = { namespace: string; pod: string; container: string; target?: string };
type Hold = { ok: true; value: Where } | { ok: false; reason: string };

export interface TraceContext {
  kc: KubeConfig;
  plan: PathPlan;
  runs: ReadonlyMap<string, ProbeRun>;
  snap: ClusterSnapshot;
  image: string;
  /** the diagnosis's foothold for a pod or a node (made once, shared with the hop probes) */
  /** `probe` picks the foothold the probe needs (a meshed pod's connects run as its proxy's uid: server/exec/mesh.ts) */
  hold: (p: Pick<PlannedProbe, 'where' | 'pod' | 'node'> & { probe?: string }) => Promise<Hold>;
  signal?: AbortSignal;
  /** for tests and benchmarks: a fixed source port */
  sport?: number;
}

/** How long a capture may take to print "listening on" before the connect goes ahead without it. */
const READY_MS = 8000;
/** After the connect ends: time for the last packets (an answer crossing the far node) to reach every capture. */
const SETTLE_MS = 60;

function runOf(ctx: TraceContext, pred: (p: PlannedProbe) => boolean): ProbeRun | undefined {
  for (const p of ctx.plan.probes) if (pred(p)) {
    const r = ctx.runs.get(p.key);
    if (r && !r.notRun) return r;
  }
  return undefined;
}

function linksOf(r: ProbeRun | undefined): IpLink[] | undefined {
  if (!r) return undefined;
  const x = parseRun(r, parseIpAddr);
  return x.ok ? x.value.entries : undefined;
}
function routeOf(r: ProbeRun | undefined): RouteGet | undefined {
  if (!r) return undefined;
  const x = parseRun(r, parseIpRouteGet);
  return x.ok ? x.value : undefined;
}

/**
 * The flow the trace sends: UDP for a UDP Service port or a target asked as PORT/udp (an outside host's
 * `time.example:123/udp`: the plan's edge.udp), TCP otherwise.
 */
export function traceFlow(plan: PathPlan, sport: number): TraceFlow | undefined {
  // a pod dialling itself: the packet stays on lo in its own netns, nothing on the way to capture (PathPlan.loopback)
  if (!plan.dstIP || !plan.dstPort || plan.loopback) return undefined;
  const udp = (plan.service?.port as { protocol?: string } | undefined)?.protocol === 'UDP' || !!plan.edge?.udp || plan.target.proto === 'udp';
  const proto = udp ? 'udp' : 'tcp';
  return { proto, srcIP: plan.src.ip, sport, dstIP: plan.dstIP, dport: plan.dstPort };
}

function evidenceFor(run: { argv: string[]; reproduce: string; probe: string; location: string } & ExecResult, finding: string): Evidence {
  return {
    probe: run.probe, where: run.location, command: run.argv, reproduce: run.reproduce, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, durationMs: run.durationMs,
    ...(run.truncated ? { truncated: true } : {}), ...(run.timedOut ? { timedOut: true } : {}), finding,
  };
}


/** Waits (polling every 20 ms, at most `maxMs`) until the hop probes the points depend on have run, so the trace can start while the other probes still run. */
async function inputsReady(ctx: TraceContext, maxMs = 20_000): Promise<void> {
  const keys = traceInputKeys(ctx.plan);
  const end = Date.now() + maxMs;
  while (!keys.every((k) => ctx.runs.has(k)) && Date.now() < end && !ctx.signal?.aborted) await new Promise((r) => setTimeout(r, 20));
}

/**
 * A UDP Service's conntrack entries on the source node (probe conntrack-service) that NAT a flow to an address
 * that is neither a ready endpoint nor the VIP itself: the kube-proxy trap where a fixed-port UDP client keeps
 * talking to an endpoint that is gone (DESIGN §4 conntrack-stale). TCP flows end and re-resolve; only UDP here.
 */
async function staleEntries(ctx: TraceContext, f: TraceFlow): Promise<NonNullable<Trace['stale']>> {
  const svc = ctx.plan.service;
  if (f.proto !== 'udp' || !svc) return [];
  const node = ctx.plan.src.node;
  const def = probeDef('conntrack-service');
  const argv = def.argv({ proto: 'udp', ip: svc.vip, port: svc.port.port });
  const h = await ctx.hold({ where: 'node', node });
  if (!h.ok) return [];
  const r = await runProbe(ctx.kc, h.value, 'conntrack-service', { proto: 'udp', ip: svc.vip, port: svc.port.port }).catch(() => undefined);
  if (!r) return [];
  const parsed = parseConntrackList(r.stdout, { exitCode: r.exitCode, stderr: r.stderr });
  if (!parsed.ok) return [];
  const ready = new Set(svc.endpoints.ready.map((e) => e.replace(/:\d+$/, '')));
  const run = { ...r, argv, probe: 'conntrack-service', location: `node ${node}`, reproduce: def.reproduce({ argv, image: ctx.image, node }) };
  return parsed.value
    .filter((e) => e.original.sport !== f.sport && e.reply.src !== svc.vip && !ready.has(e.reply.src))
    .map((e) => {
      const flow = `${e.original.src}:${e.original.sport} > ${e.original.dst}:${e.original.dport}/udp`;
      const target = `${e.reply.src}:${e.reply.sport}`;
      const reason = `a conntrack entry on ${node} keeps NATing ${flow} to ${target}, which is not an endpoint of ${svc.key} any more (ready: ${svc.endpoints.ready.join(', ') || 'none'}); a client that keeps its source port keeps sending there (${e.ttl} s left, renewed by every datagram)`;
      return { node, flow, target, reason, evidence: evidenceFor(run, reason) };
    });
}

/** One capture of the trace: every interface of one pod's or node's network namespace (`tcpdump -i any`). */
interface Space {
  key: string;
  where: 'pod' | 'node';
  pod?: { namespace: string; name: string };
  node: string;
  probe: 'capture' | 'node-capture';
  filter: string;
  /** tcpdump -s: headers only (a pod's: SLL2 20 + IP 20 + TCP with options 60; a node's adds VXLAN's 50) */
  size: number;
}

/** The namespaces the path's packets cross: the source pod and node, and the destination's when they are others. */
function spacesOf(plan: PathPlan, flow: TraceFlow): Space[] {
  const opts = { hairpin: !!plan.hairpin, egress: !plan.dst && !!plan.edge?.external };
  // a hostNetwork destination on the source's node has no point of its own (lib/plan/trace.ts): its netns is the node's
  const pods = [plan.src, ...(plan.dst && !plan.hairpin && !(plan.dst.hostNetwork && plan.sameNode) ? [plan.dst] : [])];
  const nodes = [...new Set([plan.src.node, ...(plan.dst && !plan.hairpin ? [plan.dst.node] : [])])];
  const out: Space[] = [];
  for (const p of pods) {
    const key = `pod ${p.namespace}/${p.name}`;
    if (!out.some((x) => x.key === key)) out.push({ key, where: 'pod', pod: { namespace: p.namespace, name: p.name }, node: p.node, probe: 'capture', filter: netnsFilter(flow, 'pod', opts), size: 100 });
  }
  for (const n of nodes) out.push({ key: `node ${n}`, where: 'node', node: n, probe: 'node-capture', filter: netnsFilter(flow, 'node', opts), size: 160 });
  return out;
}

const spaceOf = (point: CapturePoint) => (point.where === 'pod' ? `pod ${point.pod!.namespace}/${point.pod!.name}` : `node ${point.node}`);

/** Runs the trace. Resolves undefined when the path has no address/port to connect to; never rejects (a capture that cannot run is a point with seen: null). */
export async function runTrace(ctx: TraceContext): Promise<Trace | undefined> {
  const { plan } = ctx;
  const flow = traceFlow(plan, ctx.sport ?? traceSourcePort(Math.random()));
  if (!flow) return undefined;
  const nodes = [...new Set([plan.src.node, ...(plan.dst ? [plan.dst.node] : [])])];

  // 1. one capture per namespace of the path, on every interface, started now: none waits for the probes that name
  // the interfaces. Meanwhile those probes place the points (which interface is which hop); each capture waits for
  // its "listening on" line.
  type Started = Space & { argv: string[]; reproduce: string; location: string; exec?: StreamingExec; notRun?: string; ready?: boolean };
  const startedP = Promise.all(spacesOf(plan, flow).map(async (sp): Promise<Started> => {
    const def = probeDef(sp.probe);
    const args = { iface: 'any', filter: sp.filter, size: sp.size };
    const argv = def.argv(args);
    const location = sp.where === 'pod' ? `pod ${sp.pod!.namespace}/${sp.pod!.name}` : `node ${sp.node}`;
    const h = await ctx.hold(sp.where === 'pod' ? { where: 'pod', pod: sp.pod! } : { where: 'node', node: sp.node });
    const reproduce = def.reproduce({ argv, image: (sp.where === 'pod' && h.ok ? (h.value as { image?: string }).image : undefined) ?? ctx.image, ...(sp.where === 'pod' ? { namespace: sp.pod!.namespace, pod: sp.pod!.name, ...(h.ok && h.value.target ? { targetContainer: h.value.target } : {}) } : { node: sp.node }) });
    const base = { ...sp, argv, reproduce, location };
    if (!h.ok) return { ...base, notRun: h.reason };
    try {
      const exec = await startProbe(ctx.kc, h.value, sp.probe, args);
      const ready = await exec.ready(/listening on /, READY_MS);
      return { ...base, exec, ready };
    } catch (e) {
      return { ...base, notRun: `the capture could not start: ${(e as Error).message}` };
    }
  }));
  const placedP = inputsReady(ctx).then(() => {
    const nodeLinks = new Map<string, IpLink[]>();
    for (const n of nodes) {
      const l = linksOf(runOf(ctx, (p) => p.probe === 'node-link' && p.node === n));
      if (l) nodeLinks.set(n, l);
    }
    const podLinks = (ns: string, name: string) => linksOf(runOf(ctx, (p) => p.probe === 'addr' && p.pod?.namespace === ns && p.pod?.name === name));
    return planCapturePoints(plan, {
      srcPodLinks: podLinks(plan.src.namespace, plan.src.name),
      ...(plan.dst ? { dstPodLinks: podLinks(plan.dst.namespace, plan.dst.name) } : {}),
      nodeLinks,
      ...(plan.dst ? { srcNodeRoute: routeOf(runOf(ctx, (p) => p.probe === 'node-route-get' && p.node === plan.src.node && p.args.ip === plan.dst!.ip)) } : {}),
      ...(plan.dst ? { dstNodeRoute: routeOf(runOf(ctx, (p) => p.probe === 'node-route-get' && p.node === plan.dst!.node && p.args.ip === plan.src.ip)) } : {}),
      ...(plan.edge?.external ? { egressRoute: routeOf(runOf(ctx, (p) => p.probe === 'node-route-get' && p.node === plan.src.node && p.args.ip === flow.dstIP)) } : {}),
      nodes: ctx.snap.nodes,
    }, flow);
  });
  // the connect waits for the captures only: which interface is which hop matters once there are packets to read
  const started = await startedP;

  // 2. the connect from the trace's own source port
  const src = { namespace: plan.src.namespace, name: plan.src.name };
  const cdef = probeDef('trace-connect');
  const cargv = cdef.argv({ ip: flow.dstIP, port: flow.dport, sport: flow.sport, proto: flow.proto });
  const ch = await ctx.hold({ where: 'pod', pod: src, probe: 'trace-connect' });
  let connect: (ExecResult & { argv: string[]; reproduce: string; probe: string; location: string }) | undefined;
  if (ch.ok && !ctx.signal?.aborted) {
    // an exec that could not start or that the API broke off is no connect: the trace says so instead of "never sent"
    const r: ExecResult = await runProbe(ctx.kc, ch.value, 'trace-connect', { ip: flow.dstIP, port: flow.dport, sport: flow.sport, proto: flow.proto }).catch((e: Error) => ({ exitCode: null, stdout: '', stderr: '', durationMs: 0, timedOut: false, truncated: false, transportError: `the exec could not start (${e.message})` }));
    connect = { ...r, argv: cargv, probe: 'trace-connect', location: `pod ${src.namespace}/${src.name}`, reproduce: cdef.reproduce({ argv: cargv, image: (ch.value as { image?: string }).image ?? ctx.image, namespace: src.namespace, pod: src.name, ...(ch.value.target ? { targetContainer: ch.value.target } : {}) }) };
  }

  // 3. read the flow's conntrack entries (there since the connect's first packet), then stop every capture as
  // soon as the last packets have had time to reach them
  const conntrackP = Promise.all(nodes.map(async (node) => {
    const def = probeDef('conntrack-flow');
    const argv = def.argv({ proto: flow.proto, sport: flow.sport });
    const h = await ctx.hold({ where: 'node', node });
    if (!h.ok) return undefined;
    const r = await runProbe(ctx.kc, h.value, 'conntrack-flow', { proto: flow.proto, sport: flow.sport }).catch(() => undefined);
    if (!r) return undefined;
    const entries = r.stdout.split('\n').filter((l) => /^(tcp|udp|icmp)\s/.test(l));
    const run = { ...r, argv, probe: 'conntrack-flow', location: `node ${node}`, reproduce: def.reproduce({ argv, image: ctx.image, node }) };
    return { node, entries, evidence: evidenceFor(run, entries.length ? `${entries.length} conntrack entr${entries.length === 1 ? 'y' : 'ies'} of the flow on ${node}` : `no conntrack entry of the flow on ${node}`) };
  }));
  const staleP = staleEntries(ctx, flow);
  const { points, missing } = await placedP;
  // A point that has seen the flow both ways has nothing left to show (the answer crossed it); one that has not
  // may yet: a capture waits for the last packets at most SETTLE_MS, less once each of its points is done. On a
  // healthy path that is within a few ms of the connect; a silent point (the loss being diagnosed, a path
  // kube-proxy did not take, an egress point after SNAT) waits it out.
  await Promise.all(started.map((s) => {
    const mine = points.filter((p) => spaceOf(p) === s.key);
    const done = (out: string) => {
      const cap = mine.length ? parseTcpdump(out) : undefined;
      return !!cap?.ok && mine.every((p) => sawBothWays(cap.value, flow, p));
    };
    return s.exec && s.ready ? s.exec.until(done, SETTLE_MS) : undefined;
  }));
  // each namespace's capture, read once: every point of it, and the interfaces no point is on, come from that
  const stopped = new Map(await Promise.all(started.map(async (s) => {
    const r = s.exec ? await s.exec.stop() : undefined;
    return [s.key, { s, r, parsed: r ? parseTcpdump(r.stdout, { exitCode: r.exitCode, stderr: r.stderr }) : undefined }] as const;
  })));
  const conntrack = (await conntrackP).filter((x): x is NonNullable<typeof x> => !!x);
  const stale = await staleP;
  // each point's share of its namespace's capture: the lines tcpdump printed for its interface (its evidence), and
  // the packets that are the point's (lib/verdict/trace.ts onPoint: a tunnel point's are the encapsulated ones)
  const results = points.map((point) => {
    const { s, r, parsed } = stopped.get(spaceOf(point))!;
    return { s: { ...s, point }, r: r ? { ...r, stdout: linesOn(r.stdout, point.iface) } : undefined, parsed };
  });

  // 4. what each point saw; where the flow leaves masqueraded, by its source port before and after SNAT
  const caps: { point: CapturePoint; cap?: TcpdumpCapture }[] = [];
  // the flow's conntrack entries, read once: where DNAT sent it and the source ports SNAT gave it
  const parsedCt = parseConntrackList(conntrack.flatMap((c) => c.entries).join('\n'));
  const nat = conntrackNat(parsedCt.ok ? parsedCt.value : [], flow);
  const natPorts = [flow.sport, ...nat.snatPorts];
  const tracePoints: TracePoint[] = results.map(({ s, r, parsed }) => {
    const common = { hop: s.point.hop, node: s.point.node, iface: s.point.iface, label: s.point.label, ...(s.point.encapsulated ? { encapsulated: true } : {}), filter: s.point.filter };
    const run = { argv: s.argv, reproduce: s.reproduce, probe: s.probe, location: s.location };
    if (!r) {
      caps.push({ point: s.point });
      const why = s.notRun ?? 'the capture did not start';
      return { ...common, seen: null, packets: 0, summary: `not captured: ${why}`, lines: [], evidence: evidenceFor({ ...run, exitCode: null, stdout: '', stderr: '', durationMs: 0, timedOut: false, truncated: false }, `not captured: ${why}`) };
    }
    if (r.transportError !== undefined) {
      caps.push({ point: s.point });
      const why = apiStoppedSentence(r.transportError);
      return { ...common, seen: null, packets: 0, summary: `not captured: ${why}`, lines: [], evidence: evidenceFor({ ...run, ...r }, `not captured: ${why}`) };
    }
    if (!parsed?.ok || !parsed.value.listening) {
      caps.push({ point: s.point });
      const why = !parsed ? 'the capture did not start' : !parsed.ok ? `tcpdump's output could not be read (line ${parsed.error.line}: expected ${parsed.error.expected})` : `tcpdump never said it was listening${r.stderr ? `: ${r.stderr.trim().split('\n').pop()}` : ''}`;
      return { ...common, seen: null, packets: 0, summary: `not captured: ${why}`, lines: [], evidence: evidenceFor({ ...run, ...r }, `not captured: ${why}`) };
    }
    if (!s.ready) {
      // It began listening only after the connect had started: silence there proves nothing.
      caps.push({ point: s.point });
      const why = `tcpdump was not yet listening when the connect ran (it took over ${READY_MS / 1000} s to start)`;
      return { ...common, seen: null, packets: 0, summary: `not captured: ${why}`, lines: [], evidence: evidenceFor({ ...run, ...r }, `not captured: ${why}`) };
    }
    const cap = onPoint(parsed.value, s.point);
    caps.push({ point: s.point, cap });
    let sum = summarizeCapture(cap, flow, s.point.natted ? natPorts : undefined);
    // the same interface's packets of the flow outside the tunnel (a node routing the answer out by its default
    // route): said beside the point; its evidence holds every line of the interface (so the pcap has them too)
    if (s.point.encapsulated) sum = withUntunnelled(sum, onPoint(parsed.value, { iface: s.point.iface, encapsulated: false }), flow, s.point.iface);
    const ev = evidenceFor({ ...run, ...r }, `${s.point.label}: ${sum.summary}`);
    return { ...common, ...sum, evidence: r.exitCode === null && !r.timedOut ? { ...ev, stopped: true } : ev };
  });
  // kube-proxy may pick another endpoint than the drawn one: the points only the drawn path crosses are then off this flow's path.
  const sentTo = sentToOf(caps, flow) ?? nat.sentTo;
  const sentIP = sentTo?.split(':')[0];
  const sentPod = sentIP ? podWithIP(ctx.snap.pods, sentIP) : undefined;
  const off = offPathPoints(points, plan, sentIP, sentPod?.spec?.nodeName);
  // An endpoint on the source's own node: a bridge hands the DNATed flow port to port (br_netfilter) once the
  // endpoint's neighbour entry is known, so the bridge's own interface may see none of it — silence there proves nothing.
  const bridgedHere = !!sentIP && !!plan.dst && sentIP !== plan.dst.ip && sentPod?.spec?.nodeName === plan.src.node;
  for (const [i, p] of tracePoints.entries()) {
    if (bridgedHere && p.seen === false && points[i].hop === 'src-node') {
      tracePoints[i] = { ...p, seen: null, summary: `not necessarily on this flow's path: kube-proxy sent it to ${sentTo} (${sentPod?.metadata?.namespace}/${sentPod?.metadata?.name}) on this node, and the bridge can pass it port to port without its own interface seeing it` };
      continue;
    }
    if (!off.has(points[i].key)) continue;
    tracePoints[i] = { ...p, seen: null, summary: `not on this flow's path: kube-proxy sent it to ${sentTo} (${sentPod?.metadata?.namespace}/${sentPod?.metadata?.name} on ${sentPod?.spec?.nodeName})${p.packets ? `; ${p.summary}` : ''}` };
  }
  const connectText = connect ? `${connect.argv.join(' ')}: ${(connect.stderr || connect.stdout).trim().split('\n').pop() ?? ''} (exit ${connect.exitCode ?? 'none'})` : undefined;
  // where else on the path's nodes the flow went (another endpoint's veth when kube-proxy picked one on this node)
  const elsewhere = [...stopped.values()].flatMap(({ s, parsed }) => (s.where === 'node' && parsed?.ok ? otherInterfaces(parsed.value, s.node, new Set(points.filter((p) => spaceOf(p) === s.key).map((p) => p.iface)), flow) : []));
  const connectNotRun = connect?.transportError !== undefined ? apiStoppedSentence(connect.transportError) : undefined;
  const trace = buildTrace(flow, tracePoints, { ...(connectText ? { connectOutput: connectText } : {}), ...(connectNotRun ? { connectNotRun } : {}), missing, ...(sentTo ? { sentTo } : {}), ...(elsewhere.length ? { elsewhere } : {}) });
  if (conntrack.length) trace.conntrack = conntrack;
  if (connect) trace.connect = evidenceFor(connect, connectNotRun ? `not run: ${connectNotRun}` : (connectText ?? ''));
  if (missing.length) trace.missing = missing;
  if (stale.length) trace.stale = stale;
  return trace;
}
