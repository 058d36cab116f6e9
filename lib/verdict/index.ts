// The verdict (like Headlamp's getPodDiagnostics: pure, findings in → statuses and sentences out).
// Each hop is judged from what the objects predict (plan: `expected`) beside what its probes saw
// (`observed`); a disagreement is the finding. The root cause is the first failing check in the seeds'
// bottom-up falsification order, while every probe already ran concurrently. No evidence → `skip`
// with the reason, never `pass`.
import type { Depth, Diagnosis, Evidence, Finding, Hop, HopId, Verdict } from '../model';
import type { CauseCode, WarningCause } from '../causes';
import { CAUSES, nextStepFor } from '../causes';
import type { PathPlan, PlannedProbe, ClusterSnapshot } from '../plan';
import { dnsPods } from '../plan';
import { candidateNames, compareWithEndpoints, detectProxyMode, evaluate, guessCni, queryCount, traceService, nsName, type ProxyDump, type PolicyEvaluation, type Pod, endpointsForServicePort } from '../kube';
import { parseIptablesSave, parseIpvsadm, parseNft, type IpvsTable, type IptablesSave, type NftRuleset } from '../kube';
import {
  digAddresses, listenerOnPort, parseBridgeFdb, parseBridgeLink, parseConntrackStats, parseDig, parseIpAddr, parseIpNeigh, parseIpRouteGet, parseNc, parsePing,
  parseResolvConf, parseSs, parseSysctl, sysctlNumber, vethForPeerIndex, type IpLink, type ResolvConf, type RouteGet,
} from '../parse';
import { connectOutcome, connectText, parseRun, pingOutcome, podInterface, unreadableFinding, type ConnectOutcome, type Parser } from './read';

/** One probe as it ran (or why it could not). */
/** What one command printed and how it ended: server/exec's ExecResult is this record. */
export interface ProbeOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
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
}

export type Runs = ReadonlyMap<string, ProbeRun>;

interface Problem {
  hop: HopId;
  cause: CauseCode;
  reason: string;
  rank: number;
  observed?: string;
  /** nodes a node-to-node problem is between (or the one node it is on), to tell what else it explains */
  nodes?: string[];
}

interface Warn {
  hop: HopId;
  cause: WarningCause;
  reason: string;
}

/** The seeds' bottom-up falsification order: lower ranks are closer to the root. */
const RANK: Record<CauseCode, number> = {
  'pod-network': 10, 'veth-down': 20, 'dns-timeout': 30, 'dns-nxdomain': 30, 'dns-wrong-answer': 30,
  'no-endpoints': 40, 'port-mismatch': 41, 'proxy-rules-missing': 50, 'proxy-rules-stale': 51, 'policy-denied': 60,
  hairpin: 65, 'node-route': 70, 'node-firewall': 72, 'neighbor-stale': 80, 'overlay-blocked': 81, 'mtu-blackhole': 90,
  'app-not-listening': 100,
};

/** Tunnel encapsulation overhead of VXLAN over IPv4: outer IP 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD = 50;

function runsOf(plan: PathPlan, runs: Runs, pred: (p: PlannedProbe) => boolean): ProbeRun[] {
  return plan.probes.filter(pred).map((p) => runs.get(p.key)).filter((r): r is ProbeRun => !!r && !r.notRun);
}
function one(plan: PathPlan, runs: Runs, pred: (p: PlannedProbe) => boolean): ProbeRun | undefined {
  return runsOf(plan, runs, pred)[0];
}
const onPod = (ns: string, name: string, probe: string, ip?: string) => (p: PlannedProbe) => p.probe === probe && p.pod?.namespace === ns && p.pod?.name === name && (ip === undefined || p.args.ip === ip);
const onNode = (node: string, probe: string, ip?: string) => (p: PlannedProbe) => p.probe === probe && p.node === node && (ip === undefined || p.args.ip === ip);

/** Context shared by the hop judges. */
interface Ctx {
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
}

/** A run's output through its lib/parse parser; a ParseError becomes the run's finding ("could not be read"). */
function read<T>(c: Ctx, r: ProbeRun | undefined, parse: Parser<T>, opts: { supplementary?: boolean } = {}): T | undefined {
  if (!r) return undefined;
  const res = parseRun(r, parse);
  if (res.ok) return res.value;
  // A supplementary probe (extra figures beside a readable main one) cannot turn its hop's result.
  if (!opts.supplementary) c.unreadable.add(r.key);
  c.findings.set(r.key, unreadableFinding(res.error));
  return undefined;
}
/** `ip -j [-d] addr show`: the links, or undefined when the output was unreadable or the tool refused. */
function links(c: Ctx, r: ProbeRun | undefined): IpLink[] | undefined {
  const v = read(c, r, parseIpAddr);
  return v && !v.error ? v.entries : undefined;
}
/** What a refused `ip route get` means, measured on this kernel (lib/parse/fixtures/ip-route-get). */
const REFUSED_ROUTE: Record<'no-route' | 'unreachable-route' | 'blackhole-route' | 'prohibit-route' | 'other', string> = {
  'no-route': 'the pod lacks its default route',
  'unreachable-route': 'an "unreachable" route in the pod matches it',
  'blackhole-route': 'a "blackhole" route in the pod matches it',
  'prohibit-route': 'a "prohibit" route in the pod matches it',
  other: 'the kernel refused the route lookup',
};
/** The node's VXLAN device, from its `ip -j -d addr show` (undefined on host-gw or when unread). */
function tunnelOf(c: Ctx, node: string): IpLink | undefined {
  return links(c, one(c.plan, c.runs, onNode(node, 'node-link')))?.find((l) => l.kind === 'vxlan');
}
/** The node's InternalIP as the Node object reports it. */
function internalIP(c: Ctx, node: string | undefined): string | undefined {
  return c.snap.nodes.find((n) => n.metadata?.name === node)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}
function routeText(r: RouteGet & { outcome: 'route' }): string {
  const x = r.route;
  return `${x.gateway ? `via ${x.gateway} ` : ''}dev ${x.dev ?? '?'}${x.prefsrc ? ` src ${x.prefsrc}` : ''}${x.mtu ? ` (cached path MTU ${x.mtu}${x.expires !== undefined ? `, expires in ${x.expires} s` : ''})` : ''}`;
}
function resolvConf(c: Ctx, r: ProbeRun | undefined): ResolvConf | undefined {
  return read(c, r, parseResolvConf);
}

function observe(c: Ctx, hop: HopId, s: string) {
  const l = c.observed.get(hop) ?? [];
  l.push(s);
  c.observed.set(hop, l);
}
function problem(c: Ctx, hop: HopId, cause: CauseCode, reason: string, nodes?: string[]) {
  // Whatever explains it, a failure at the DNS hop is met before anything after it on the path.
  const rank = hop === 'dns' ? RANK['dns-timeout'] : RANK[cause];
  if (!c.problems.some((p) => p.hop === hop && p.cause === cause)) c.problems.push({ hop, cause, reason, rank, ...(nodes ? { nodes } : {}) });
}

/**
 * A DNS timeout that a node-to-node fault explains (the cluster DNS pod sits behind a blocked overlay, a
 * missing route, a stale neighbor) is that fault, named at the dns hop: DESIGN §4's root-cause rule.
 */
function explainDnsTimeout(c: Ctx) {
  const dns = c.problems.find((p) => p.hop === 'dns' && p.cause === 'dns-timeout');
  if (!dns) return;
  const pods = dnsPods(c.snap);
  const dnsNodes = pods.map((d) => d.node);
  const src = c.plan.src.node;
  if (!dnsNodes.length || dnsNodes.includes(src)) return; // DNS on the source's own node crosses no overlay
  const explains = (p: Problem) =>
    p.nodes &&
    ((p.cause === 'overlay-blocked' && (p.nodes.includes(src) || p.nodes.some((n) => dnsNodes.includes(n)))) ||
      ((p.cause === 'node-route' || p.cause === 'neighbor-stale') && p.nodes.includes(src) && p.nodes.some((n) => dnsNodes.includes(n))));
  // The DNS pods' own way: the source node's route to them, and the DNS node's tunnel filter.
  const extra: Problem[] = [];
  for (const d of pods) {
    const rg = one(c.plan, c.runs, onNode(src, 'node-route-get', d.ip));
    const got = read(c, rg, parseIpRouteGet);
    const r = got?.outcome === 'route' ? got.route : undefined;
    const tunnel = tunnelOf(c, src);
    const peerIP = internalIP(c, d.node);
    if (got && (!r || (!(tunnel && r.dev === tunnel.ifname) && r.gateway !== peerIP))) {
      const s = `${src} has no route to ${d.node}'s pod CIDR: ${d.ip} ${r ? `would leave ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'}` : `is refused ("${got.outcome === 'refused' ? got.error.message : ''}")`}`;
      finding(c, rg, s);
      extra.push({ hop: 'dns', cause: 'node-route', reason: s, rank: RANK['node-route'], nodes: [src, d.node] });
    }
    // The source node's neighbor entry for the DNS node's tunnel endpoint must carry that node's VTEP MAC.
    const dnsTun = tunnelOf(c, d.node);
    const vtep = dnsTun?.addresses.find((a) => a.family === 'inet')?.local;
    const nrun = one(c.plan, c.runs, onNode(src, 'neigh'));
    const entry = read(c, nrun, parseIpNeigh)?.entries.find((n) => n.dst === vtep && n.lladdr);
    if (tunnel && dnsTun?.address && entry?.lladdr && entry.lladdr.toLowerCase() !== dnsTun.address.toLowerCase()) {
      const s = `${src}'s neighbor entry for ${d.node}'s tunnel endpoint ${vtep} says ${entry.lladdr}, but ${d.node}'s ${dnsTun.ifname} has MAC ${dnsTun.address}`;
      finding(c, nrun, s);
      extra.push({ hop: 'dns', cause: 'neighbor-stale', reason: s, rank: RANK['neighbor-stale'], nodes: [src, d.node] });
    }
    const ipt = one(c.plan, c.runs, onNode(d.node, 'iptables-save'));
    const hit = ipt?.stdout.split('\n').find((l) => /--dport 4789\b/.test(l) && /-p udp/.test(l) && / -j (DROP|REJECT)/.test(l));
    if (hit) extra.push({ hop: 'dns', cause: 'overlay-blocked', reason: `${d.node} drops tunnel traffic arriving on UDP 4789: \`${hit.trim()}\``, rank: RANK['overlay-blocked'], nodes: [d.node] });
  }
  const root = [...c.problems.filter((p) => p !== dns), ...extra].sort((a, b) => a.rank - b.rank).find(explains);
  if (!root) return;
  dns.cause = root.cause;
  dns.reason = `DNS queries to the cluster DNS on ${[...new Set(dnsNodes)].join(', ')} time out because ${root.reason.replace(/^./, (x) => x.toLowerCase())}`;
}
function warn(c: Ctx, hop: HopId, cause: WarningCause, reason: string) {
  if (!c.warnings.some((w) => w.cause === cause)) c.warnings.push({ hop, cause, reason });
}
function finding(c: Ctx, r: ProbeRun | undefined, s: string) {
  if (r) c.findings.set(r.key, s);
}

// ------------------------------------------------------------------ src-pod / dst-pod network ----

function judgePodNetwork(c: Ctx, hop: 'src-pod' | 'dst-pod', ns: string, name: string, ip: string, toward: string | undefined) {
  const addr = one(c.plan, c.runs, onPod(ns, name, 'addr'));
  const addrLinks = links(c, addr);
  if (addr && addrLinks) {
    const eth = podInterface(addrLinks);
    if (!eth) {
      finding(c, addr, 'no interface with an IPv4 address besides lo');
      problem(c, hop, 'pod-network', `${ns}/${name} has no network interface with an address (only lo)`);
    } else {
      const v4 = eth.addresses.find((a) => a.family === 'inet');
      const up = eth.flags.includes('UP');
      const s = `${eth.ifname} ${up ? 'up' : 'DOWN'}${eth.operstate && eth.operstate !== 'UP' ? ` (${eth.operstate})` : ''}, ${v4 ? `${v4.local}/${v4.prefixlen}` : 'no IPv4 address'}, mtu ${eth.mtu}`;
      finding(c, addr, s);
      observe(c, hop, s);
      if (!v4) problem(c, hop, 'pod-network', `${ns}/${name}'s ${eth.ifname} has no IPv4 address (the pod status says ${ip})`);
      else if (v4.local !== ip) problem(c, hop, 'pod-network', `${ns}/${name}'s ${eth.ifname} has ${v4.local}, the pod status says ${ip}`);
      else if (!up) problem(c, hop, 'pod-network', `${ns}/${name}'s ${eth.ifname} is down`);
    }
  }
  if (toward) {
    const rg = one(c.plan, c.runs, onPod(ns, name, 'route-get', toward));
    if (rg) {
      const r = read(c, rg, parseIpRouteGet);
      if (r?.outcome === 'refused') {
        const why = r.error.message.replace(/^RTNETLINK answers: /, '');
        finding(c, rg, `no route to ${toward}: ${why}`);
        observe(c, hop, `no route to ${toward} (${why})`);
        problem(c, hop, 'pod-network', `${ns}/${name} has no route to ${toward}: "${why}" — ${REFUSED_ROUTE[r.meaning]}`);
      } else if (r) {
        const s = `to ${toward}: ${routeText(r)}`;
        finding(c, rg, s);
        observe(c, hop, s);
      }
    }
  }
}

// ------------------------------------------------------------------ veth ----

function hostVeth(c: Ctx, ns: string, name: string, node: string): { veth?: IpLink; nodeLinks?: IpLink[]; run?: ProbeRun } {
  const addr = one(c.plan, c.runs, onPod(ns, name, 'addr'));
  const nl = one(c.plan, c.runs, onNode(node, 'node-link'));
  if (!nl) return {};
  const nodeLinks = links(c, nl) ?? [];
  const eth = addr ? podInterface(links(c, addr)) : undefined;
  // The pod's eth0 names its peer's ifindex in the node's netns (eth0@ifN): the host-side veth.
  const veth = eth?.linkIndex !== undefined ? vethForPeerIndex(nodeLinks, eth.linkIndex) : undefined;
  return { veth, nodeLinks, run: nl };
}

function judgeVeth(c: Ctx, hop: 'src-veth' | 'dst-veth', ns: string, name: string, node: string) {
  const { veth, run } = hostVeth(c, ns, name, node);
  if (!run) return;
  if (!veth) {
    observe(c, hop, `could not match ${ns}/${name}'s eth0 to a veth on ${node}`);
    return;
  }
  const up = veth.flags.includes('UP');
  const s = `${veth.ifname} on ${node}: ${up ? 'up' : 'DOWN'}${veth.master ? `, in bridge ${veth.master}` : ''}, mtu ${veth.mtu}`;
  observe(c, hop, s);
  finding(c, run, s);
  if (!up) problem(c, hop, 'veth-down', `the host side of ${ns}/${name}'s veth, ${veth.ifname} on ${node}, is down (state ${veth.operstate ?? 'DOWN'})`);
}

function judgeHairpin(c: Ctx) {
  const { plan } = c;
  if (!plan.hairpin) return;
  const { veth } = hostVeth(c, plan.src.namespace, plan.src.name, plan.src.node);
  const bl = one(plan, c.runs, onNode(plan.src.node, 'bridge-link'));
  if (!veth || !bl) return;
  const port = read(c, bl, parseBridgeLink)?.entries.find((p) => p.ifname === veth.ifname);
  if (port?.hairpin === undefined) return;
  const s = `bridge port ${veth.ifname}: hairpin ${port.hairpin ? 'on' : 'off'}`;
  finding(c, bl, s);
  observe(c, 'src-veth', s);
  // The flag itself is the evidence: whenever kube-proxy picks this pod for its own connection the packet
  // must turn around on this bridge port, and with hairpin off it cannot (the VIP connect may still have
  // landed on another endpoint by chance).
  if (!port.hairpin) {
    const luck = c.connect === 'open' ? ' (this time the VIP connect landed on another endpoint)' : '';
    problem(c, 'src-veth', 'hairpin', `${plan.src.namespace}/${plan.src.name} reaches its own Service ${plan.service?.key} only back through its own bridge port, and hairpin is off on ${veth.ifname} (${plan.src.node}): the packet cannot turn around${luck}`);
  }
}

// ------------------------------------------------------------------ DNS ----

function judgeDns(c: Ctx) {
  const { plan } = c;
  const name = plan.name;
  if (!name) return;
  const rc = one(plan, c.runs, onPod(plan.src.namespace, plan.src.name, 'resolv-conf'));
  let candidates = name.candidates;
  // A resolv.conf that could not be read (missing, cut) leaves the planned candidates: never an empty config.
  const conf = resolvConf(c, rc);
  if (rc && conf) {
    candidates = candidateNames(name.name, conf.search, conf.options.ndots);
    finding(c, rc, `nameserver ${conf.nameservers.join(', ') || 'none'}; search ${conf.search.join(' ') || '(none)'}; ndots ${conf.options.ndots}`);
  }
  const resolver = conf?.nameservers.join(', ') ?? '';
  const digs = candidates.map((cand) => {
    const run = one(plan, c.runs, (p) => p.probe === 'dig' && p.args.name === cand);
    return { cand, run, dig: read(c, run, parseDig) };
  });
  // Only readable answers count: an unreadable dig is neither an answer nor a timeout.
  const ran = digs.filter((d) => d.dig);
  const vip = plan.service?.vip;
  if (ran.length === 0) {
    if (name.matched) observe(c, 'dns', `objects: ${name.matched.fqdn} is Service ${name.matched.service}`);
    else if (isClusterName(name.name, name.clusterDomain) || !name.name.includes('.') || c.snap.namespaces.some((n) => n.metadata?.name === name.name.split('.')[1])) {
      problem(c, 'dns', 'dns-nxdomain', `no Service matches "${name.name}" from namespace ${plan.src.namespace}: the resolver would try ${candidates.join(', ')} and none is a Service${shortNameHint(c)}`);
    }
    return;
  }
  const lines: string[] = [];
  let resolvedAt = -1;
  let answer: string[] = [];
  let timeouts = 0;
  let silentWhy: string | undefined;
  for (const [i, d] of digs.entries()) {
    const r = d.dig;
    if (!r || !d.run) continue;
    let line: string;
    if (r.outcome === 'no-response') {
      line = `${d.cand}: no answer (${NO_RESPONSE[r.reason]})`;
      timeouts++;
      if (r.reason !== 'timeout') silentWhy = NO_RESPONSE[r.reason];
    } else {
      const addrs = digAddresses(r);
      line = `${d.cand}: ${r.rcode}${addrs.length ? ` ${addrs.join(',')}` : ''}${r.queryTimeMs !== undefined ? ` in ${r.queryTimeMs} ms` : ''}${r.server ? ` from ${r.server.address}` : ''}`;
      if (resolvedAt < 0 && r.rcode === 'NOERROR' && addrs.length) {
        resolvedAt = i;
        answer = addrs;
      }
    }
    finding(c, d.run, line);
    lines.push(line);
  }
  observe(c, 'dns', lines.join('; '));
  if (resolvedAt >= 0) {
    if (vip && !answer.includes(vip)) problem(c, 'dns', 'dns-wrong-answer', `${candidates[resolvedAt]} resolves to ${answer.join(', ')}, but Service ${plan.service?.key} has ClusterIP ${vip}`);
    if (resolvedAt > 0) {
      const queries = queryCount(candidates, resolvedAt);
      warn(c, 'dns', 'ndots-amplification', `"${name.name}" has fewer than ${conf?.options.ndots ?? 5} dots, so the resolver tries ${resolvedAt} search name${resolvedAt === 1 ? '' : 's'} first (${candidates.slice(0, resolvedAt).join(', ')}): ${queries} queries (A and AAAA each) for one lookup`);
    }
    return;
  }
  if (timeouts > 0 && timeouts === ran.length) {
    const why = dnsPolicyDenial(c);
    if (why) problem(c, 'dns', 'policy-denied', `DNS queries time out because ${why}`);
    else if (silentWhy) problem(c, 'dns', 'dns-timeout', `no query reached the resolver ${resolver}: ${silentWhy} from the pod`);
    else problem(c, 'dns', 'dns-timeout', `the resolver ${resolver} answered none of ${ran.length} queries (each waited 2 s): cluster DNS is not answering`);
    return;
  }
  problem(c, 'dns', 'dns-nxdomain', `"${name.name}" does not resolve: every candidate the resolver tries (${candidates.join(', ')}) is NXDOMAIN or empty${shortNameHint(c)}`);
}

/** dig's "no servers could be reached" reasons, in words. */
const NO_RESPONSE: Record<'timeout' | 'network-unreachable' | 'connection-refused' | 'other', string> = {
  timeout: 'timed out',
  'network-unreachable': 'the network is unreachable',
  'connection-refused': 'connection refused',
  other: 'no server could be reached',
};

function isClusterName(n: string, domain: string) {
  return n.endsWith(`.${domain}`) || n.endsWith(`.${domain}.`) || /\.svc$/.test(n);
}

/** A short name that exists as a Service in another namespace: say so. */
function shortNameHint(c: Ctx): string {
  const n = c.plan.name?.name ?? '';
  const first = n.split('.')[0];
  const elsewhere = c.snap.services.filter((s) => s.metadata?.name === first && (n.split('.').length === 1 || !c.plan.name?.matched)).map(nsName);
  const nss = elsewhere.map((k) => k.split('/')[0]);
  return nss.length ? `; a Service named ${first} exists in namespace ${nss.join(', ')} — a short name only resolves in its own namespace, use ${first}.${nss[0]}` : '';
}

/** Does an egress policy of the source deny DNS (UDP 53 to the cluster DNS pods)? */
function dnsPolicyDenial(c: Ctx): string | undefined {
  const dnsSvc = c.snap.services.find((s) => s.metadata?.namespace === 'kube-system' && s.metadata?.name === 'kube-dns');
  const sp = dnsSvc?.spec?.ports?.find((p) => (p.protocol ?? 'TCP').toUpperCase() === 'UDP') ?? dnsSvc?.spec?.ports?.[0];
  if (!dnsSvc || !sp) return undefined;
  const eps = endpointsForServicePort(dnsSvc, sp, c.snap.endpointSlices).endpoints;
  const dnsPods = eps.map((e) => c.snap.pods.find((p) => p.status?.podIP === e.ip)).filter((p): p is Pod => !!p);
  const targets = dnsPods.length ? dnsPods.map((pod) => ({ pod })) : eps.map((e) => ({ ip: e.ip }));
  for (const dst of targets) {
    const ev = evaluate({ src: { pod: c.plan.src.pod }, dst, protocol: (sp.protocol ?? 'UDP').toUpperCase(), port: eps[0]?.port ?? 53 }, c.snap.policies, c.snap.pods, c.snap.namespaces);
    if (!ev.egress.allowed) return ev.egress.reason ?? ev.sentence;
  }
  return undefined;
}

// ------------------------------------------------------------------ Service + kube-proxy ----

/** The node's kube-proxy dumps, parsed once per run (parseRun memoizes), only from runs that exited 0. */
const parseIptDump: Parser<IptablesSave> = (t) => parseIptablesSave(t);
const parseNftDump: Parser<NftRuleset> = (t) => parseNft(t);
const parseIpvsDump: Parser<IpvsTable> = (t) => parseIpvsadm(t);
function dumpRun<T>(r: ProbeRun | undefined, parse: Parser<T>): T | undefined {
  if (!r || r.exitCode !== 0) return undefined;
  const v = parseRun(r, parse);
  return v.ok ? v.value : undefined;
}

/** Which kube-proxy mode the node shows (lib/kube detectProxyMode, ConfigMap beside the dumps) and its dump. */
function proxyDump(c: Ctx, node: string): { dump?: ProxyDump; run?: ProbeRun; detected: 'iptables' | 'nftables' | 'ipvs' | 'none' | 'unread' } {
  const ipt = one(c.plan, c.runs, onNode(node, 'iptables-save'));
  const nft = one(c.plan, c.runs, onNode(node, 'nft-ruleset'));
  const ipvs = one(c.plan, c.runs, onNode(node, 'ipvsadm'));
  if (!ipt && !nft) return { detected: 'unread' };
  const save = dumpRun(ipt, parseIptDump);
  const ruleset = dumpRun(nft, parseNftDump);
  const table = dumpRun(ipvs, parseIpvsDump);
  const mode = detectProxyMode(c.snap.kubeProxyConfig, { ...(save ? { iptablesSave: save } : {}), ...(ruleset ? { nft: ruleset } : {}), ...(table ? { ipvs: table } : {}) }).mode;
  if (mode === 'ipvs' && table) return { dump: { mode: 'ipvs', ipvs: table }, run: ipvs, detected: 'ipvs' };
  if (mode === 'nftables' && ruleset) return { dump: { mode: 'nftables', ruleset }, run: nft, detected: 'nftables' };
  if (mode === 'iptables' && save) return { dump: { mode: 'iptables', save }, run: ipt, detected: 'iptables' };
  if (mode === 'unknown') return { detected: 'unread' };
  return { detected: 'none', run: ipt ?? nft };
}

function judgeService(c: Ctx) {
  const { plan } = c;
  const svc = plan.service;
  if (!svc) return;
  const check = svc.check;
  const ready = svc.endpoints.ready;
  observe(c, 'service', `EndpointSlice: ${ready.length ? ready.join(', ') : 'no ready endpoint'}${svc.endpoints.notReady.length ? ` (not ready: ${svc.endpoints.notReady.join(', ')})` : ''}`);
  if (check.problem) {
    problem(c, 'service', check.problem.cause, check.problem.sentence);
  } else if (ready.length === 0) {
    problem(c, 'service', 'no-endpoints', `Service ${svc.key} has no ready endpoint in its EndpointSlices`);
  }
  const { dump, run, detected } = proxyDump(c, plan.src.node);
  if (detected === 'unread') return;
  if (detected === 'none' || !dump) {
    warn(c, 'service', 'proxy-mode-unknown', `no kube-proxy rules on ${plan.src.node} (no KUBE-SERVICES in iptables-save, no table ip kube-proxy in nft, no IPVS): the cluster may replace kube-proxy (e.g. Cilium); inspect it with \`cilium bpf lb list\``);
    finding(c, run, 'no kube-proxy rules found');
    return;
  }
  const trace = traceService(dump, svc.vip, svc.port.port, svc.port.protocol ?? 'TCP');
  const cmp = compareWithEndpoints(trace, ready);
  finding(c, run, cmp.sentence);
  observe(c, 'service', `kube-proxy (${dump.mode}) on ${plan.src.node}: ${cmp.sentence.replace(/\.$/, '')}`);
  c.serviceDetails = { chain: trace.chains.filter((x) => /^(KUBE-SVC-|service-[A-Z2-7]{8}-)/.test(x))[0] ?? trace.chains.join(' → '), mode: dump.mode };
  if (cmp.status === 'missing') problem(c, 'service', 'proxy-rules-missing', `${cmp.sentence.replace(/\.$/, '')} on node ${plan.src.node}`);
  else if (cmp.status === 'stale') problem(c, 'service', 'proxy-rules-stale', `on node ${plan.src.node}: ${cmp.sentence}`);
}

// ------------------------------------------------------------------ policy ----

function judgePolicy(c: Ctx) {
  const { plan } = c;
  if (!plan.dst || !plan.dstPort) return;
  const port = plan.service ? (plan.service.endpoints.endpoints.find((e) => e.ip === plan.dst!.ip)?.port ?? plan.dstPort) : plan.dstPort;
  const ev = evaluate({ src: { pod: plan.src.pod }, dst: { pod: plan.dst.pod }, protocol: (plan.service?.port.protocol ?? 'TCP').toUpperCase(), port }, c.snap.policies, c.snap.pods, c.snap.namespaces);
  c.policy = ev;
  const hop: HopId = !ev.egress.allowed ? 'src-pod' : 'dst-pod';
  if (ev.allowed) {
    if (ev.egress.isolated || ev.ingress.isolated) observe(c, hop, ev.sentence);
    return;
  }
  const blocked = c.directConnect.get(`${plan.dst.ip}:${port}`) ?? c.connect;
  if (c.depth === 'config' || blocked === undefined || blocked !== 'open') {
    problem(c, hop, 'policy-denied', ev.sentence);
  } else {
    const rules = policyRulesOnNodes(c);
    warn(c, hop, 'policy-not-enforced', `${ev.sentence.replace(/\.$/, '')} — yet the connection to ${plan.dst.ip}:${port} succeeded${rules === false ? ' and the nodes carry no NetworkPolicy rules' : ''}: the CNI does not enforce NetworkPolicy`);
  }
}

/** Known NetworkPolicy engines' rule markers in a node's rulesets; undefined when no ruleset was read. */
const POLICY_MARKERS = [/PACKETWALK-(ING|EGR|FORWARD)/, /\bcali-/, /KUBE-NWPLCY-/, /kube-network-policies/, /KUBE-POD-FW-/, /antrea/i];
function policyRulesOnNodes(c: Ctx): boolean | undefined {
  const nodes = [c.plan.src.node, c.plan.dst?.node].filter((n): n is string => !!n);
  let read = false;
  for (const n of nodes) {
    for (const probe of ['iptables-save', 'nft-ruleset']) {
      const r = one(c.plan, c.runs, onNode(n, probe));
      if (!r || r.exitCode !== 0) continue;
      read = true;
      if (POLICY_MARKERS.some((m) => m.test(r.stdout))) return true;
    }
  }
  return read ? false : undefined;
}

/** policies exist in a namespace of the path, and connections pass where they should be denied → see judgePolicy. Also: policies exist but the nodes have no policy rules at all. */
function judgePolicyEnforcement(c: Ctx) {
  if (c.depth !== 'live' || c.warnings.some((w) => w.cause === 'policy-not-enforced')) return;
  const nss = new Set([c.plan.src.namespace, c.plan.dst?.namespace].filter(Boolean));
  const relevant = c.snap.policies.filter((p) => nss.has(p.metadata?.namespace ?? 'default'));
  if (!relevant.length) return;
  // An eBPF policy engine (Cilium) leaves no iptables/nft trace: absence of rules only counts when the
  // CNI found in kube-system is not one that enforces (the connect-based check above is the firm one).
  const cni = guessCni(c.snap.pods);
  if (cni.enforcesNetworkPolicy === true) return;
  if (policyRulesOnNodes(c) === false) {
    warn(c, c.plan.dst ? 'dst-pod' : 'src-pod', 'policy-not-enforced', `NetworkPolicies ${relevant.map(nsName).join(', ')} exist in the path's namespaces, but neither node's iptables/nft rules carry any NetworkPolicy rule: the CNI does not enforce them (${cni.sentence})`);
  }
}

// ------------------------------------------------------------------ nodes, routes, firewall ----

function judgeNodeRoute(c: Ctx, hop: 'src-node' | 'dst-node', node: string, toward: string, towardNode: string | undefined) {
  const rg = one(c.plan, c.runs, onNode(node, 'node-route-get', toward));
  if (!rg) return;
  const got = read(c, rg, parseIpRouteGet);
  if (!got) return;
  const tunnel = tunnelOf(c, node);
  const peer = c.snap.nodes.find((n) => n.metadata?.name === towardNode);
  const peerIPs = (peer?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  if (got.outcome === 'refused') {
    const why = got.error.message.replace(/^RTNETLINK answers: /, '');
    finding(c, rg, `no route to ${toward}: ${why}`);
    problem(c, hop, 'node-route', `${node} has no route to ${toward}${towardNode ? ` (pod CIDR of ${towardNode})` : ''}: "${why}"${got.meaning !== 'no-route' ? ` — ${REFUSED_ROUTE[got.meaning].replace(' in the pod', ` on ${node}`)}` : ''}`, [node, ...(towardNode ? [towardNode] : [])]);
    return;
  }
  const r = got.route;
  const s = `${node} → ${toward}: ${routeText(got)}`;
  finding(c, rg, s);
  observe(c, hop, s);
  if (!towardNode || towardNode === node) return;
  const viaTunnel = tunnel && r.dev === tunnel.ifname;
  const viaPeer = r.gateway !== undefined && peerIPs.includes(r.gateway);
  if (!viaTunnel && !viaPeer) {
    problem(c, hop, 'node-route', `${node} has no route to ${towardNode}'s pod CIDR: ${toward} would leave ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'} (the default route), not through ${tunnel ? tunnel.ifname : `${towardNode} (${peerIPs.join(', ') || 'its InternalIP'})`}`, [node, towardNode]);
  }
}

/** A node's own DROP/REJECT for the destination port in the forward path (not kube-proxy's, not a policy's). */
function judgeFirewall(c: Ctx, hop: 'src-node' | 'dst-node', node: string, port: number | undefined) {
  if (!port) return;
  const ipt = one(c.plan, c.runs, onNode(node, 'iptables-save'));
  const nft = one(c.plan, c.runs, onNode(node, 'nft-ruleset'));
  const hits: string[] = [];
  if (ipt?.exitCode === 0) {
    let table = '';
    for (const line of ipt.stdout.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1).trim();
      if (table !== 'filter' || !line.startsWith('-A ')) continue;
      const chain = line.split(' ')[1];
      if (/^(KUBE-|PACKETWALK-(ING|EGR))/.test(chain)) continue;
      if (new RegExp(`--dport ${port}\\b`).test(line) && / -j (DROP|REJECT)\b/.test(line) && !/ -d \d/.test(line.replace(/ -d 127\.0\.0\.0\/8/, ''))) hits.push(line.trim());
    }
  }
  if (nft?.exitCode === 0) {
    let table = '';
    for (const line of nft.stdout.split('\n')) {
      const t = /^table (\S+ \S+)/.exec(line);
      if (t) table = t[1];
      if (/kube-proxy|kube-network-policies/.test(table)) continue;
      if (new RegExp(`tcp dport ${port}\\b.*\\b(drop|reject)\\b`).test(line)) hits.push(`${table}: ${line.trim()}`);
    }
  }
  if (hits.length) {
    finding(c, ipt ?? nft, `filter rule drops TCP ${port}: ${hits[0]}`);
    problem(c, hop, 'node-firewall', `${node}'s own firewall drops forwarded TCP to port ${port}: \`${hits[0]}\``);
  }
}

/** nf_conntrack_count against nf_conntrack_max on a node of the path; `conntrack -S` counters beside them. */
function judgeConntrack(c: Ctx, hop: 'src-node' | 'dst-node', node: string) {
  const r = one(c.plan, c.runs, onNode(node, 'sysctl'));
  const s = read(c, r, parseSysctl);
  if (!r || !s) return;
  const count = sysctlNumber(s, 'net.netfilter.nf_conntrack_count');
  const max = sysctlNumber(s, 'net.netfilter.nf_conntrack_max');
  if (count === undefined || max === undefined || max <= 0) {
    finding(c, r, `conntrack usage unknown: ${s.missing.length ? `${s.missing.join(', ')} not present (nf_conntrack not loaded in this namespace)` : 'no count/max printed'}`);
    return;
  }
  const pct = Math.round((count / max) * 1000) / 10;
  const statsRun = one(c.plan, c.runs, onNode(node, 'conntrack-stats'));
  const stats = read(c, statsRun, parseConntrackStats, { supplementary: true });
  const counters = stats ? ['drop', 'early_drop', 'insert_failed'].filter((k) => stats.total[k] !== undefined).map((k) => `${k} ${stats.total[k]}`).join(', ') : '';
  if (stats) finding(c, statsRun, `conntrack -S totals: ${Object.entries(stats.total).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  finding(c, r, `conntrack ${count}/${max} (${pct}%)`);
  observe(c, hop, `conntrack ${count} of ${max} entries (${pct}%) on ${node}`);
  if (count / max > 0.8) warn(c, hop, 'conntrack-pressure', `${node}: nf_conntrack_count ${count} of nf_conntrack_max ${max} (${pct}%, above 80%)${counters ? `; conntrack -S: ${counters}` : ''} — new connections are dropped once the table is full`);
}

// ------------------------------------------------------------------ overlay ----

function judgeOverlay(c: Ctx) {
  const { plan } = c;
  const dst = plan.dst;
  if (!dst || plan.sameNode) return;
  const srcLinks = links(c, one(plan, c.runs, onNode(plan.src.node, 'node-link'))) ?? [];
  const dstLinks = links(c, one(plan, c.runs, onNode(dst.node, 'node-link'))) ?? [];
  const srcTun = srcLinks.find((l) => l.kind === 'vxlan');
  const dstTun = dstLinks.find((l) => l.kind === 'vxlan');
  if (srcLinks.length || dstLinks.length) {
    c.overlayDetails = srcTun ? { mode: 'vxlan', port: srcTun.vxlan?.port ?? 4789, device: srcTun.ifname, mtu: srcTun.mtu } : { mode: 'host-gw' };
    observe(c, 'overlay', srcTun ? `VXLAN ${srcTun.ifname} (UDP ${srcTun.vxlan?.port ?? 4789}), mtu ${srcTun.mtu} on ${plan.src.node}${dstTun ? `, ${dstTun.mtu} on ${dst.node}` : ''}` : 'routed (host-gw): no tunnel device');
  }
  // Neighbor/FDB: each node's entry for the peer's tunnel endpoint must carry the peer's VTEP MAC.
  if (srcTun && dstTun) {
    for (const [node, peerNode, ownTun, peerTun] of [
      [plan.src.node, dst.node, srcTun, dstTun],
      [dst.node, plan.src.node, dstTun, srcTun],
    ] as const) {
      const peerVtep = peerTun.addresses.find((a) => a.family === 'inet')?.local;
      const peerIP = internalIP(c, peerNode);
      const neighRun = one(plan, c.runs, onNode(node, 'neigh'));
      const fdbRun = one(plan, c.runs, onNode(node, 'fdb'));
      const neigh = read(c, neighRun, parseIpNeigh)?.entries.find((n) => n.dst === peerVtep && n.dev === ownTun.ifname);
      const fdb = read(c, fdbRun, parseBridgeFdb)?.entries.filter((f) => f.ifname === ownTun.ifname && f.dst);
      if (neighRun && peerVtep && peerTun.address) {
        if (neigh?.lladdr && neigh.lladdr.toLowerCase() !== peerTun.address.toLowerCase()) {
          const s = `${node}'s neighbor entry for ${peerNode}'s tunnel endpoint ${peerVtep} says ${neigh.lladdr}, but ${peerNode}'s ${peerTun.ifname} has MAC ${peerTun.address}`;
          finding(c, neighRun, s);
          problem(c, 'overlay', 'neighbor-stale', s, [node, peerNode]);
        } else if (neigh?.lladdr) finding(c, neighRun, `${peerVtep} → ${neigh.lladdr} (matches ${peerNode}'s ${peerTun.ifname})`);
      }
      if (fdbRun && fdb && peerTun.address && peerIP) {
        const entry = fdb.find((f) => f.mac.toLowerCase() === peerTun.address!.toLowerCase());
        if (!entry) {
          const s = `${node}'s FDB has no entry for ${peerNode}'s VTEP MAC ${peerTun.address} (entries: ${fdb.map((f) => `${f.mac}→${f.dst}`).join(', ') || 'none'})`;
          finding(c, fdbRun, s);
          problem(c, 'overlay', 'neighbor-stale', s, [node, peerNode]);
        } else if (entry.dst !== peerIP) {
          const s = `${node}'s FDB sends ${peerTun.address} to ${entry.dst}, but ${peerNode} is ${peerIP}`;
          finding(c, fdbRun, s);
          problem(c, 'overlay', 'neighbor-stale', s, [node, peerNode]);
        } else finding(c, fdbRun, `${peerTun.address} → ${entry.dst} (${peerNode})`);
      }
    }
  }
  // host-gw: each node's ARP entry for the peer's underlay address must carry the peer's MAC.
  if (!srcTun && !dstTun && srcLinks.length && dstLinks.length) {
    for (const [node, peerNode, peerLinks] of [
      [plan.src.node, dst.node, dstLinks],
      [dst.node, plan.src.node, srcLinks],
    ] as const) {
      const peerIP = internalIP(c, peerNode);
      const peerLink = peerLinks.find((l) => l.addresses.some((a) => a.local === peerIP));
      const neighRun = one(plan, c.runs, onNode(node, 'neigh'));
      const entry = read(c, neighRun, parseIpNeigh)?.entries.find((n) => n.dst === peerIP && n.lladdr);
      if (!neighRun || !peerLink?.address || !entry?.lladdr) continue;
      if (entry.lladdr.toLowerCase() !== peerLink.address.toLowerCase()) {
        const s = `${node}'s neighbor entry for ${peerNode} (${peerIP}) says ${entry.lladdr}, but ${peerNode}'s ${peerLink.ifname} has MAC ${peerLink.address}`;
        finding(c, neighRun, s);
        problem(c, 'overlay', 'neighbor-stale', s, [node, peerNode]);
      } else finding(c, neighRun, `${peerIP} → ${entry.lladdr} (matches ${peerNode}'s ${peerLink.ifname})`);
    }
  }
  // Overlay drop: tunnel packets arriving at a node are filtered (UDP to the VXLAN port).
  if (srcTun) {
    const port = srcTun.vxlan?.port ?? 4789;
    for (const node of [dst.node, plan.src.node]) {
      for (const probe of ['iptables-save', 'nft-ruleset']) {
        const r = one(plan, c.runs, onNode(node, probe));
        if (!r || r.exitCode !== 0) continue;
        const hit = r.stdout.split('\n').find((l) => (new RegExp(`--dport ${port}\\b`).test(l) && /-p udp/.test(l) && / -j (DROP|REJECT)/.test(l)) || new RegExp(`udp dport ${port}\\b.*\\b(drop|reject)\\b`).test(l));
        if (hit) {
          finding(c, r, `drops VXLAN: ${hit.trim()}`);
          problem(c, 'overlay', 'overlay-blocked', `${node} drops tunnel traffic arriving on UDP ${port}: \`${hit.trim()}\``, [node]);
        }
      }
    }
  }
}

// ------------------------------------------------------------------ MTU ----

function judgeMtu(c: Ctx) {
  const { plan } = c;
  if (!plan.dst || plan.hairpin) return;
  const pings = plan.probes
    .filter((p) => p.probe === 'ping-df')
    .map((p) => ({ size: p.args.size!, run: c.runs.get(p.key) }))
    .filter((x): x is { size: number; run: ProbeRun } => !!x.run && !x.run.notRun)
    .sort((a, b) => a.size - b.size);
  if (!pings.length) return;
  // Unreadable pings are left out: they prove neither a reply nor silence.
  const res = pings.flatMap((p) => {
    const parsed = read(c, p.run, parsePing);
    return parsed ? [{ ...p, r: pingOutcome(parsed) }] : [];
  });
  if (!res.length) return;
  for (const x of res) finding(c, x.run, `${x.size} bytes DF: ${x.r.outcome}${x.r.mtu ? ` (mtu ${x.r.mtu})` : ''}${x.r.icmp ? ` (${x.r.icmp})` : ''}`);
  const small = res[0];
  if (small.r.outcome !== 'reply') {
    // ICMP itself does not pass (e.g. a policy admits only the app's TCP port): ask TCP instead.
    judgeBulk(c);
    return;
  }
  const passed = res.filter((x) => x.r.outcome === 'reply');
  const largest = passed[passed.length - 1];
  const firstBad = res.find((x) => x.size > largest.size);
  const hop: HopId = plan.sameNode ? 'dst-pod' : 'overlay';
  const srcAddr = links(c, one(plan, c.runs, onPod(plan.src.namespace, plan.src.name, 'addr')));
  const podMtu = podInterface(srcAddr)?.mtu;
  const tunnels = [plan.src.node, plan.dst.node].map((n) => ({ n, t: tunnelOf(c, n) })).filter((x) => x.t);
  // host-gw has no tunnel: the bottleneck is then a node's underlay link (the one holding its InternalIP).
  const underlays = [plan.src.node, plan.dst.node].map((n) => {
    const ip = internalIP(c, n);
    return { n, t: (links(c, one(plan, c.runs, onNode(n, 'node-link'))) ?? []).find((l) => l.addresses.some((a) => a.local === ip)) };
  }).filter((x) => x.t);
  const minTun = tunnels.sort((a, b) => a.t!.mtu - b.t!.mtu)[0];
  const minUnder = underlays.sort((a, b) => a.t!.mtu - b.t!.mtu)[0];
  const obs = `DF pings to ${plan.dst.ip}: up to ${largest.size} bytes pass${firstBad ? `, ${firstBad.size} ${firstBad.r.outcome === 'lost' ? 'vanishes silently' : firstBad.r.outcome === 'too-big-local' ? 'is refused locally ("message too long")' : firstBad.r.outcome === 'frag-needed' ? `gets ICMP frag-needed${firstBad.r.mtu ? ` (mtu ${firstBad.r.mtu})` : ''}` : `gets ${firstBad.r.icmp ?? firstBad.r.outcome}`}` : ''}`;
  observe(c, hop, obs);
  if (!firstBad || firstBad.r.outcome !== 'lost') return; // a local error or frag-needed is PMTU discovery working
  // Silence above a size while smaller ones pass: a blackhole. Say the arithmetic.
  const lostAll = res.filter((x) => x.size > largest.size).every((x) => x.r.outcome === 'lost');
  if (!lostAll) return;
  const fits = largest.size + 28;
  const tunText = minTun
    ? `tunnel MTU ${minTun.t!.mtu} on ${minTun.n} (${minTun.t!.ifname}, VXLAN overhead ${VXLAN_OVERHEAD})`
    : minUnder && podMtu && minUnder.t!.mtu < podMtu
      ? `node link MTU ${minUnder.t!.mtu} on ${minUnder.n} (${minUnder.t!.ifname}, routed host-gw: no encapsulation)`
      : 'a link on the path';
  problem(c, hop, 'mtu-blackhole', `DF probes above ${largest.size} bytes (${fits}-byte packets) are lost without an ICMP error while ${small.size}-byte probes pass; ${tunText}${podMtu ? ` < pod MTU ${podMtu}` : ''}, and fragmentation-needed never comes back`);
}

/** A connection that opens but whose bulk download stalls: big segments vanish on the path. */
function judgeBulk(c: Ctx) {
  const { plan } = c;
  const bulk = plan.probes.filter((x) => x.probe === 'tcp-bulk').sort((a, b) => (a.args.size ?? 0) - (b.args.size ?? 0));
  if (bulk.length < 2 || !plan.dst) return;
  const [small, big] = [bulk[0], bulk[bulk.length - 1]].map((p) => ({ p, r: c.runs.get(p.key) }));
  if (!small.r || !big.r || small.r.notRun || big.r.notRun) return;
  // curl's own -w line ("%{http_code} %{size_download} %{time_total}", our format: no lib/parse parser).
  const written = (r: ProbeRun) => {
    const [code, got, secs] = r.stdout.trim().split(/\s+/);
    return { code: Number(code) || 0, got: Number(got) || 0, secs: Number(secs) || 0, exit: r.exitCode };
  };
  const hop: HopId = plan.sameNode ? 'dst-pod' : 'overlay';
  const sm = written(small.r);
  const bg = written(big.r);
  for (const x of [small, big]) {
    const v = written(x.r!);
    const s = `GET /bytes/${x.p.args.size} from ${x.p.args.ip}:${x.p.args.port}: ${v.exit === 0 ? `HTTP ${v.code}, ${v.got} bytes in ${v.secs} s` : v.exit === 28 ? `stalled: ${v.got} bytes after ${v.secs} s` : `curl exit ${v.exit}`}`;
    finding(c, x.r, s);
    if (sm.exit === 0) observe(c, hop, s);
  }
  // Not even the one-packet request completes: the path is blocked before size matters; say so once,
  // pointing at the hop that explains it (explainLater), instead of two "stalled" lines on a passing hop.
  if (sm.exit !== 0) c.later.push({ hop, text: `MTU not sized: DF pings get no reply and even a ${small.p.args.size}-byte answer from ${small.p.args.ip}:${small.p.args.port} does not arrive` });
  // Only a server that answered the one-packet request and then stalled on the bulk one says "big packets vanish".
  if (sm.exit === 0 && sm.code > 0 && bg.exit === 28 && bg.got < (big.p.args.size ?? 0)) {
    const srcAddr = links(c, one(plan, c.runs, onPod(plan.src.namespace, plan.src.name, 'addr')));
    const podMtu = podInterface(srcAddr)?.mtu;
    const tun = [plan.src.node, plan.dst.node]
      .map((n) => ({ n, t: tunnelOf(c, n) }))
      .filter((x) => x.t)
      .sort((a, b) => a.t!.mtu - b.t!.mtu)[0];
    problem(c, hop, 'mtu-blackhole', `over TCP to ${big.p.args.ip}:${big.p.args.port}, a ${small.p.args.size}-byte answer arrives but a ${big.p.args.size}-byte download stalls after ${bg.got} bytes (ICMP does not pass here, so DF pings cannot size it)${tun && podMtu && tun.t!.mtu < podMtu ? `; tunnel MTU ${tun.t!.mtu} on ${tun.n} (${tun.t!.ifname}, VXLAN overhead ${VXLAN_OVERHEAD}) < pod MTU ${podMtu}` : ''}: full-size segments vanish without an ICMP error`);
  }
}

// ------------------------------------------------------------------ listener ----

function judgeListener(c: Ctx) {
  const { plan } = c;
  const dst = plan.dst;
  if (!dst) return;
  const port = plan.service ? plan.service.endpoints.endpoints.find((e) => e.ip === dst.ip)?.port : plan.dstPort;
  if (!port) return;
  const ss = one(plan, c.runs, onPod(dst.namespace, dst.name, 'ss-listen'));
  const sockets = read(c, ss, parseSs);
  if (!ss || !sockets) return;
  const at = (xs: typeof sockets) => xs.map((l) => `${l.local.address}:${l.local.port}`).join(', ');
  const { verdict, listeners } = listenerOnPort(sockets, port);
  if (verdict === 'reachable') {
    const s = `listening on ${at(listeners)}`;
    finding(c, ss, s);
    observe(c, 'dst-pod', s);
    return;
  }
  if (verdict === 'loopback-only') {
    const s = `listens on ${at(listeners)} only (loopback): unreachable from other pods`;
    finding(c, ss, s);
    problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name} ${s}; it must listen on 0.0.0.0:${port} or ${dst.ip}:${port}`);
    return;
  }
  const all = sockets.filter((x) => x.state === 'LISTEN');
  const s = `nothing listens on TCP ${port}${all.length ? ` (listening: ${at(all)})` : ''}`;
  finding(c, ss, s);
  problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name}: ${s}`);
}

// ------------------------------------------------------------------ connects ----

function judgeConnects(c: Ctx) {
  const { plan } = c;
  for (const p of plan.probes.filter((x) => x.probe === 'tcp-connect')) {
    const r = c.runs.get(p.key);
    if (!r || r.notRun) continue;
    const parsed = parseRun(r, parseNc);
    const o = connectOutcome(parsed, r.timedOut);
    const target = `${p.args.ip}:${p.args.port}`;
    if (o === undefined) {
      read(c, r, parseNc); // records "could not be read"
      continue;
    }
    finding(c, r, `TCP ${target}: ${connectText(o)}`);
    if (p.args.ip === plan.dstIP && p.args.port === plan.dstPort) c.connect = o;
    c.directConnect.set(target, o);
  }
  // A Service's failed connect is described once every hop is judged (explainLater): the Service hop
  // is judged on its own evidence and must point at the hop that explains the failure.
  if (c.connect !== undefined && (!plan.service || c.connect === 'open')) observe(c, plan.service ? 'service' : 'dst-pod', `TCP to ${plan.dstIP}:${plan.dstPort} from ${plan.src.namespace}/${plan.src.name}: ${connectText(c.connect)}`);
}

/**
 * Lines about a failure another hop explains (a failed connect through the VIP, an MTU that could not be
 * sized), written once every hop is judged: what failed, and which hop says why.
 */
function explainLater(c: Ctx) {
  const { plan } = c;
  if (plan.service && c.connect !== undefined && c.connect !== 'open') {
    c.later.unshift({ hop: 'service', text: `the connect from ${plan.src.namespace}/${plan.src.name} to ${plan.dstIP}:${plan.dstPort} failed (${connectText(c.connect)})` });
  }
  const first = [...c.problems].sort((a, b) => a.rank - b.rank)[0];
  for (const l of c.later) {
    const at = !first ? '; no hop explains it' : first.hop === l.hop ? `: ${CAUSES[first.cause].title}` : `; the ${first.hop} hop explains it (${CAUSES[first.cause].title})`;
    observe(c, l.hop, `${l.text}${at}`);
  }
}

// ------------------------------------------------------------------ assemble ----

export interface Judgement {
  hops: Hop[];
  verdict: Verdict;
  firstFailure: Finding | null;
  warnings: Finding[];
  summary: string;
}

function evidenceOf(c: Ctx, hop: HopId): Evidence[] {
  return c.plan.probes
    .filter((p) => p.hop === hop || p.alsoHops?.includes(hop))
    .map((p) => c.runs.get(p.key))
    .filter((r): r is ProbeRun => !!r && !r.notRun)
    .map((r) => ({
      probe: r.probe,
      where: r.location,
      command: r.argv,
      reproduce: r.reproduce,
      exitCode: r.exitCode,
      stdout: r.stdout,
      stderr: r.stderr,
      durationMs: r.durationMs,
      ...(r.truncated ? { truncated: true } : {}),
      ...(r.timedOut ? { timedOut: true } : {}),
      finding: c.findings.get(r.key) ?? (r.timedOut ? 'timed out' : `exit ${r.exitCode}`),
    }));
}

/** API-object evidence for the hops the objects decide (Service, policy, DNS names). */
function apiEvidence(c: Ctx, hop: HopId): Evidence[] {
  const { plan } = c;
  const ev = (finding: string, reproduce: string): Evidence => ({ probe: 'api', where: 'api', command: [], reproduce, exitCode: null, stdout: '', stderr: '', durationMs: 0, finding });
  if (hop === 'service' && plan.service) {
    const s = plan.service;
    const [ns, name] = s.key.split('/');
    return [
      ev(`Service ${s.key} ${s.vip}:${s.port.port} → targetPort ${s.check.targetPort}, selector ${s.check.selector || '(none)'}; ready endpoints ${s.endpoints.ready.join(', ') || 'none'}${s.check.problem ? `. ${s.check.problem.sentence}` : ''}`, `kubectl get svc,endpointslices -n ${ns} -l kubernetes.io/service-name=${name} -o wide; kubectl get svc -n ${ns} ${name} -o yaml`),
    ];
  }
  if (hop === 'dns' && plan.name) {
    return [ev(plan.name.matched ? `${plan.name.matched.fqdn} names Service ${plan.name.matched.service}` : `no Service matches ${plan.name.candidates.join(', ')}`, `kubectl get svc -A --field-selector metadata.name=${plan.name.name.split('.')[0]}`)];
  }
  if ((hop === 'dst-pod' || hop === 'src-pod') && c.policy && (c.policy.egress.isolated || c.policy.ingress.isolated)) {
    const dir = hop === 'src-pod' ? c.policy.egress : c.policy.ingress;
    if (!dir.isolated) return [];
    const ns = hop === 'src-pod' ? plan.src.namespace : plan.dst?.namespace;
    return [ev(`${dir.direction} of ${dir.pod} is selected by ${dir.selectedBy.join(', ')}: ${dir.allowed ? 'admitted' : (dir.reason ?? 'denied')}`, `kubectl get networkpolicy -n ${ns} -o yaml`)];
  }
  return [];
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
  const c: Ctx = {
    plan, runs, snap: snapshot, depth, problems: [], warnings: [], observed: new Map(), findings: new Map(), directConnect: new Map(), unreadable: new Set(), later: [],
  };
  judgeConnects(c);
  judgePodNetwork(c, 'src-pod', plan.src.namespace, plan.src.name, plan.src.ip, plan.dstIP ?? plan.dst?.ip);
  judgeVeth(c, 'src-veth', plan.src.namespace, plan.src.name, plan.src.node);
  judgeDns(c);
  judgeService(c);
  judgePolicy(c);
  judgeHairpin(c);
  if (plan.dst) {
    judgeNodeRoute(c, 'src-node', plan.src.node, plan.dst.ip, plan.dst.node);
    judgeFirewall(c, 'src-node', plan.src.node, plan.service ? plan.service.endpoints.endpoints.find((e) => e.ip === plan.dst!.ip)?.port : plan.dstPort);
    if (!plan.sameNode) {
      judgeNodeRoute(c, 'dst-node', plan.dst.node, plan.src.ip, plan.src.node);
      judgeFirewall(c, 'dst-node', plan.dst.node, plan.service ? plan.service.endpoints.endpoints.find((e) => e.ip === plan.dst!.ip)?.port : plan.dstPort);
      judgeConntrack(c, 'dst-node', plan.dst.node);
    }
    judgeOverlay(c);
    judgeMtu(c);
    judgeVeth(c, 'dst-veth', plan.dst.namespace, plan.dst.name, plan.dst.node);
    if (!plan.hairpin) judgePodNetwork(c, 'dst-pod', plan.dst.namespace, plan.dst.name, plan.dst.ip, plan.src.ip);
    judgeListener(c);
  }
  judgeConntrack(c, 'src-node', plan.src.node);
  judgePolicyEnforcement(c);
  explainDnsTimeout(c);
  explainLater(c);
  c.warnings = c.warnings.filter((w) => w.reason);

  const hops: Hop[] = plan.hops.map((h) => {
    const probs = c.problems.filter((p) => p.hop === h.id).sort((a, b) => a.rank - b.rank);
    const ws = c.warnings.filter((w) => w.hop === h.id);
    const evidence = [...apiEvidence(c, h.id), ...evidenceOf(c, h.id)];
    const observed = (c.observed.get(h.id) ?? []).join('; ');
    const probeEvidence = evidence.filter((e) => e.where !== 'api');
    let details = h.details;
    if (h.id === 'service' && c.serviceDetails) details = { ...details, ...c.serviceDetails };
    if (h.id === 'service' && plan.dstChoice) details = { ...details, drawn: plan.dstChoice };
    if (h.id === 'overlay' && c.overlayDetails) details = { ...details, ...c.overlayDetails };
    if (probs.length) {
      const p = probs[0];
      return { ...h, status: 'fail', cause: p.cause, summary: p.reason, observed: observed || p.reason, nextStep: CAUSES[p.cause].nextStep, evidence, ...(details ? { details } : {}) };
    }
    const hopRuns = plan.probes.filter((p) => p.hop === h.id || p.alsoHops?.includes(h.id)).map((p) => runs.get(p.key)).filter((r): r is ProbeRun => !!r);
    const unread = hopRuns.filter((r) => c.unreadable.has(r.key));
    if (unread.length) {
      // Output we could not read proves nothing: not a pass, and not a failure either.
      const what = [...new Set(unread.map((r) => `${r.probe} on ${r.location}: ${c.findings.get(r.key) ?? 'unreadable'}`))].join('; ');
      return { ...h, status: 'skip', cause: null, summary: `not judged: ${what}${observed ? `; ${observed}` : ''}`, ...(observed ? { observed } : {}), evidence, ...(details ? { details } : {}) };
    }
    if (probeEvidence.length === 0) {
      // Each hop says what its own probes would need (pod probes and node probes need different rights).
      const own = [...new Set(hopRuns.map((r) => r.notRun).filter((x): x is string => !!x))].join('; ');
      const reason = own ? `not probed: ${own}` : depth === 'config' ? `not probed: ${input.configReason ?? 'live probes are not permitted'}` : 'no probe could run for this hop';
      return { ...h, status: 'skip', cause: null, summary: h.id === 'service' || h.id === 'dns' || h.id === 'dst-pod' || h.id === 'src-pod' ? `${observed ? `${observed}; ` : ''}${reason}` : reason, ...(observed ? { observed } : {}), evidence, ...(details ? { details } : {}) };
    }
    if (ws.length) {
      return { ...h, status: 'warn', cause: ws[0].cause, summary: ws[0].reason, observed, nextStep: nextStepFor(ws[0].cause), evidence, ...(details ? { details } : {}) };
    }
    return { ...h, status: 'pass', cause: null, summary: observed || 'probes found nothing wrong', observed, evidence, ...(details ? { details } : {}) };
  });

  const sorted = [...c.problems].sort((a, b) => a.rank - b.rank || plan.hops.findIndex((h) => h.id === a.hop) - plan.hops.findIndex((h) => h.id === b.hop));
  const first = sorted[0];
  const firstFailure: Finding | null = first ? { hop: first.hop, cause: first.cause, reason: first.reason, nextStep: CAUSES[first.cause].nextStep } : null;
  const warnings: Finding[] = c.warnings.map((w) => ({ hop: w.hop, cause: w.cause, reason: w.reason, nextStep: nextStepFor(w.cause) }));

  let verdict: Verdict;
  let summary: string;
  if (depth === 'config') {
    verdict = first ? 'unreachable' : 'undetermined';
    summary = first ? `${CAUSES[first.cause].title} at ${first.hop} (from the objects alone): ${first.reason}` : `The objects show no fault, but the path could not be proven: ${input.configReason ?? 'live probes are not permitted'}.`;
  } else if (first) {
    const onlyMtu = sorted.every((p) => p.cause === 'mtu-blackhole');
    verdict = onlyMtu && (c.connect === 'open' || c.connect === undefined) ? 'degraded' : 'unreachable';
    // The verdict word is printed beside the summary (CLI, banner): the summary does not repeat it.
    summary = `${verdict === 'degraded' ? 'small connections work; ' : ''}${CAUSES[first.cause].title} at ${first.hop}: ${first.reason}`;
  } else if (c.connect === 'open') {
    verdict = 'reachable';
    summary = `${plan.src.namespace}/${plan.src.name} reaches ${plan.target.text}${plan.dst ? ` (${plan.dst.namespace}/${plan.dst.name} ${plan.dst.ip})` : ''}; every hop checked.`;
  } else if (c.connect === undefined) {
    verdict = 'undetermined';
    summary = 'No end-to-end connection could be tried and no hop showed a fault.';
  } else {
    verdict = 'unreachable';
    summary = `The connection to ${plan.dstIP}:${plan.dstPort} ${c.connect === 'refused' ? 'is refused' : 'gets no answer'}, and no hop's probes explain it.`;
  }
  return { hops, verdict, firstFailure, warnings, summary };
}

/** Builds the final Diagnosis object around a judgement. */
export function assemble(base: Pick<Diagnosis, 'id' | 'createdAt' | 'cluster' | 'spec'>, depth: Depth, j: Judgement, finishedAt: string): Diagnosis {
  return { ...base, verdict: j.verdict, depth, hops: j.hops, firstFailure: j.firstFailure, warnings: j.warnings, summary: j.summary, finishedAt };
}
