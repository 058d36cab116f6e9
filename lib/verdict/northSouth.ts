// Judgement of a north-south plan (lib/plan/northSouth.ts): an outside client or a node's own network
// reaching a LoadBalancer, a NodePort, a Service, a pod or a server outside the cluster. Observed beats
// inferred: the client's own connect decides reachability; a cause is named only when that connect did not
// open, from evidence that says where traffic stops (the entry node without a local endpoint under
// externalTrafficPolicy Local, no NodePort rule, no listener, no endpoint). Hops without their own finding
// pass only when the connection through them opened, and are skipped otherwise (never a guessed fail).
import type { Depth, Finding, Hop, HopId, Verdict } from '../model';
import { CAUSES, concreteNextStep, failureHead, nextStepFor, noSelectorNextStep, type CauseCode, type NextStepValues } from '../causes';
import { joinClauses } from '../clauses';
import { directEndpoints, lbTargetNodes, leavingNode, startsOnEntry, nodeInternalIP, nodeV4PodCidrs, podSeesFromRuns, podsWithoutAnswer, type NorthSouthPlan } from '../plan/northSouth';
import { lbIngressIPs } from '../plan/egress';
import { endText, type ClusterSnapshot, type PathPlan, type PodEnd } from '../plan';
import { digAddresses, parseDig, parseNc, parseSocatUdp, parseSs, parseIpRouteGet, listenerOnPort } from '../parse';
import { isIPv4 } from '../target';
import { cidrContains, parseCidr } from '../ip';
import { compareWithEndpoints, detectProxyMode, formatEndpoint, kubeProxyView, parseIptablesSave, parseNft, proxyObservation, traceNodePort, traceService, type ProxyDump } from '../kube';
import { proxyOnNode } from './service';
import { connectOutcome, connectText, parseRun, type ConnectOutcome } from './read';
import { externalListenerStep, udpOutcome } from './edge';
import { nodeListenStep, podListenStep } from './listener';
import { newCtx, RANK, withApiFailure, type Ctx, type ProbeRun, type Runs } from './context';
import { judgeFirewall, judgeNodeRoute } from './node';
import { judgeEndpointMtu, judgeEntryLinkDownloads, judgeMtu, judgeOverlay } from './overlay';
import { judgePodNetwork, judgePodRoute, judgePodRouteTable, judgeVeth } from './pod';
import type { Judgement } from './index';
import { statusFinding } from './finding';
import { partialLead, splitAnswers } from './observed';
import { policyDenial, policyNextStep } from './nsPolicy';
import { carriesPolicyRules } from './policy';
import { uncheckedClause } from './unchecked';

interface NsCtx {
  plan: NorthSouthPlan;
  runs: Runs;
  problems: { hop: HopId; cause: CauseCode; reason: string; nextStep?: string }[];
  observed: Map<HopId, string[]>;
  findings: Map<string, string>;
  connect?: ConnectOutcome;
  /** the source's own end-to-end connects (run keys) and how nc said each one ended */
  connectRuns: Map<string, string | undefined>;
}

const observe = (c: NsCtx, hop: HopId, s: string) => c.observed.set(hop, [...(c.observed.get(hop) ?? []), s]);
const runsOf = (c: NsCtx, pred: (p: NorthSouthPlan['probes'][number]) => boolean) =>
  c.plan.probes.filter(pred).map((p) => ({ p, r: c.runs.get(p.key) })).filter((x): x is { p: NorthSouthPlan['probes'][number]; r: ProbeRun } => !!x.r && !x.r.notRun);

/** The address a name answered (the first IPv4 the source's resolver returned), from the dig runs. */
export function resolvedAddress(plan: NorthSouthPlan, runs: Runs): string | undefined {
  for (const p of plan.probes.filter((x) => /dig$/.test(x.probe))) {
    const r = runs.get(p.key);
    if (!r || r.notRun) continue;
    const d = parseRun(r, parseDig);
    if (d.ok && d.value.outcome === 'answer' && d.value.rcode === 'NOERROR') {
      const a = digAddresses(d.value).find((x) => isIPv4(x));
      if (a) return a;
    }
  }
  return undefined;
}

/**
 * A connect's outcome. UDP: an ICMP error is one; no ICMP error proves nothing ('silent': a drop is silent
 * too) — a datagram that comes back (the udp-exchange probes, socat) is what makes it 'open'.
 */
function outcomeOf(r: ProbeRun): ConnectOutcome | 'silent' | undefined {
  if (/udp-exchange$/.test(r.probe)) {
    const x = parseRun(r, parseSocatUdp);
    if (!x.ok) return undefined;
    return x.value.outcome === 'reply' ? 'open' : x.value.outcome === 'refused' || x.value.outcome === 'unreachable' ? x.value.outcome : x.value.outcome === 'silent' ? 'silent' : undefined;
  }
  if (/udp-connect$/.test(r.probe)) {
    const o = udpOutcome(r);
    return o === 'refused' ? 'refused' : o === 'unreachable' ? 'unreachable' : o === 'no-icmp' ? 'silent' : undefined;
  }
  return connectOutcome(parseRun(r, parseNc));
}

/** nc's own words for a TCP connect that did not open ("Network is unreachable"), when it said any. */
function ncMessage(r: ProbeRun): string | undefined {
  if (/udp/.test(r.probe)) return undefined;
  const x = parseRun(r, parseNc);
  if (!x.ok || x.value.outcome === 'succeeded') return undefined;
  const m = x.value.attempts[0]?.message.match(/failed: (.+)$/);
  return m?.[1]?.trim();
}

/**
 * The summary of a hop whose only evidence is the source's own connect, which did not open: not judged, and where the
 * traffic stops — at the hop that names a cause, or, with none, what nc itself said ("Network is unreachable": the
 * client, or a router on its way, has no route to the address, so nothing reached the cluster).
 */
function failedConnectOnly(c: NsCtx, id: HopId, src: string, stopAt: HopId | undefined): string {
  const { plan } = c;
  const said = [...c.connectRuns.values()].find((x) => !!x);
  const outcome = `${src} → ${plan.dstIP}:${plan.dstPort}: ${said ? `nc says "${said}"` : connectText(c.connect!)}`;
  const noRoute = said === 'Network is unreachable';
  if (id === 'client') {
    if (stopAt) return `not judged: ${outcome}; the client only dials, and where the traffic stops is judged at ${stopAt}`;
    return noRoute
      ? `not judged: ${outcome}: the traffic stops here, before the cluster — the client, or a router on its way, has no route to ${plan.dstIP}; that is none of the causes packetwalk names (the summary says what to dial instead)`
      : `not judged: ${outcome}; no hop's probes say where the traffic stops`;
  }
  const where = stopAt ? `; the traffic stops at ${stopAt}` : noRoute ? '; the traffic stops before the cluster (see client)' : '';
  return `not judged: its only probe is the connect from ${src}, which did not open (${said ? `nc: ${said}` : connectText(c.connect!)}) and does not say whether the traffic got this far${where}`;
}

/**
 * The next step for a node port that nothing holds: the listener's (lib/verdict/listener nodeListenStep: no Service
 * has it as its nodePort, so kube-proxy has no rule for it), then how to list the NodePorts there are.
 */
export function noNodePortStep(node: string, proto: 'TCP' | 'UDP', port: number): string {
  return `${nodeListenStep(node, proto, port, false)} \`kubectl get svc -A -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,TYPE:.spec.type,NODEPORT:.spec.ports[*].nodePort\` lists the NodePorts there are (in \`kubectl get svc -A\` each is the number after the colon in PORT(S), e.g. 80:31864/TCP): dial one of them, or set the Service's nodePort to ${port}.`;
}

/** Whether the node's kube-proxy has a NodePort rule for the port (iptables KUBE-NODEPORTS, nft service-nodeports). */
export function nodePortRule(iptablesSave: string | undefined, nft: string | undefined, nodePort: number, proto = 'tcp'): string | undefined {
  const lines = iptablesSave?.split('\n').filter((l) => l.startsWith('-A KUBE-NODEPORTS') && new RegExp(`--dport ${nodePort}\\b`).test(l) && new RegExp(`-p ${proto}\\b`).test(l)) ?? [];
  const ipt = lines.find((l) => !l.includes('127.0.0.0/8')) ?? lines[0];
  if (ipt) return ipt.trim();
  const n = nft?.split('\n').find((l) => new RegExp(`\\b${proto} \\. ${nodePort} : (goto|jump)`).test(l));
  return n?.trim();
}

/**
 * The pod path's own judges of the way between the nodes and into the pod (lib/verdict/node judgeNodeRoute, overlay
 * judgeOverlay, pod judgeVeth), over this plan's probes: the node the packet leaves for the pod (leavingNode) stands
 * where the pod path has its source pod, with that node's InternalIP as the address. Its problems, findings and
 * observations are the pod judges' own; the caller decides whether the end-to-end connect lets them count.
 */
function judgeNodePath(plan: NorthSouthPlan, runs: Runs, snapshot: ClusterSnapshot, depth: Depth): Ctx | undefined {
  const d = plan.dst;
  const viewFrom = (node: string, ip: string): PathPlan => ({
    src: { namespace: '', name: `node ${node}`, ip, node, pod: {}, hostNetwork: true },
    target: plan.target, ...(d ? { dst: d } : {}), ...(plan.dstIP ? { dstIP: plan.dstIP } : {}), ...(plan.dstPort ? { dstPort: plan.dstPort } : {}),
    sameNode: d?.node === node, hairpin: false, kubeProxyMode: 'unknown', hops: plan.hops, probes: plan.probes,
  });
  // a pod source's own network (the pod path's src-pod and src-veth): its eth0, its route toward the address it dials,
  // the host side of its veth — broken, nothing it sends leaves its node
  const judgeSourcePod = (c: Ctx) => {
    const p = plan.srcPod;
    if (!p) return;
    judgePodNetwork(c, 'src-pod', p.namespace, p.name, p.ip, plan.dstIP);
    judgeVeth(c, 'src-veth', p.namespace, p.name, p.node);
  };
  if (!d) {
    // No pod at the end (a daemon in a node's own network): a pod source's own network is all there is to judge of the way.
    const at = plan.srcPod ? nodeInternalIP(snapshot, plan.srcPod.node) : undefined;
    if (!plan.srcPod || !at) return undefined;
    const c = newCtx(viewFrom(plan.srcPod.node, at), runs, snapshot, depth);
    judgeSourcePod(c);
    return c;
  }
  const from = leavingNode(plan);
  const fromIP = from ? nodeInternalIP(snapshot, from) : undefined;
  if (!from || !fromIP) {
    // No node the flow is known to leave from (an outside client dialling a pod address: nothing routes it in): the
    // pod's own veth is still judged, so a pod its own node cannot reach either has its stop named.
    const at = nodeInternalIP(snapshot, d.node);
    if (d.hostNetwork || !at) return undefined;
    const c = newCtx(viewFrom(d.node, at), runs, snapshot, depth);
    judgeVeth(c, 'dst-veth', d.namespace, d.name, d.node);
    return c;
  }
  const view = viewFrom(from, fromIP);
  const c = newCtx(view, runs, snapshot, depth);
  // The nodes' own filter rules on the forwarded flow to the endpoint port (TCP; the pod path's judgeFirewall): the
  // node it enters and, across nodes, the endpoint's node — where a rule read as its rules never shows a drop.
  if (plan.dstPodPort && plan.target.proto !== 'udp') {
    judgeFirewall(c, plan.source.kind === 'outside' || from === plan.srcNode ? 'src-node' : 'node-port', from, plan.dstPodPort);
    if (!view.sameNode) judgeFirewall(c, 'dst-node', d.node, plan.dstPodPort);
  }
  if (!view.sameNode) {
    const route = plan.probes.find((p) => p.probe === 'node-route-get' && p.node === from && p.args.ip === d.ip);
    if (route) judgeNodeRoute(c, route.hop, from, d.ip, d.node);
    // the way back: the pod's node toward the first node's pod CIDR (the address the flow arrives from)
    const back = plan.probes.find((p) => p.probe === 'node-route-get' && p.node === d.node && p.hop === 'dst-node' && p.args.ip !== d.ip);
    if (back?.args.ip && !answersOutsidePodCidr(plan, snapshot, runs, d.ip, from)) judgeNodeRoute(c, 'dst-node', d.node, back.args.ip, from);
    judgeOverlay(c);
    judgeMtu(c);
  }
  // the drawn pod on the node the flow enters: the downloads through it (lib/plan/northSouth entryDownloads)
  if (view.sameNode) judgeEntryLinkDownloads(c, plan.source.kind === 'outside' ? 'src-node' : 'node-port');
  // the other endpoints' ways from the same node (a blackhole behind one that is not drawn)
  judgeEndpointMtu(c);
  // a hostNetwork pod is its node's own network: no veth (as the pod path)
  if (!d.hostNetwork) judgeVeth(c, 'dst-veth', d.namespace, d.name, d.node);
  judgeSourcePod(c);
  judgeWayBack(c, plan, runs, snapshot, d);
  return c;
}

/**
 * Do the pod's answers go to an address of `from` outside its pod CIDR? The node's own `ip route get <pod IP>` names the
 * address it (and kube-proxy's masquerade) sends from (podSeesFromRuns, `known`). On host-gw, kindnet and a VPC that is
 * the node's InternalIP on the underlay, not the pod CIDR's first address (flannel VXLAN's VTEP .0): the pod's node then
 * answers over its on-link underlay route, and its route to `from`'s pod CIDR carries none of this flow's packets (was a
 * false `node-route` at dst-node for node/worker-1 → a pod on worker-2 that lacks its route to worker-1's pod CIDR).
 */
function answersOutsidePodCidr(plan: NorthSouthPlan, snapshot: ClusterSnapshot, runs: Runs, podIP: string, from: string): boolean {
  const seen = podSeesFromRuns(plan, snapshot, runs, podIP);
  if (!seen?.known || seen.node !== from || seen.ips.length !== 1) return false;
  const cidrs = nodeV4PodCidrs(snapshot, from).map(parseCidr).filter((x): x is NonNullable<typeof x> => !!x);
  return cidrs.length > 0 && !cidrs.some((cc) => cidrContains(cc, seen.ips[0]!));
}

/**
 * A pod's way back to the address it sees (lib/plan/northSouth replyRouteProbes, asked only on a failing path), into
 * `c`: a refused lookup is the pod path's own pod-network judgement (pod.ts judgePodRoute), with the source named as
 * the pod sees it; its route table is evidence beside it.
 */
function judgeWayBack(c: Ctx, plan: NorthSouthPlan, runs: Runs, snapshot: ClusterSnapshot, end: PodEnd) {
  const back = plan.probes.find((p) => p.probe === 'route-get' && p.hop === 'dst-pod' && p.pod?.namespace === end.namespace && p.pod?.name === end.name);
  if (!back?.args.ip) return;
  const seen = podSeesFromRuns(plan, snapshot, runs, end.ip);
  judgePodRoute(c, 'dst-pod', end.namespace, end.name, back.args.ip, `the source it sees${seen?.known ? `: ${seen.as}` : ''}`);
  judgePodRouteTable(c, 'dst-pod', end.namespace, end.name);
}

export function judgeNorthSouth(input: { plan: NorthSouthPlan; runs: Runs; snapshot: ClusterSnapshot; depth: Depth; configReason?: string }): Judgement {
  const { plan, runs, depth } = input;
  const c: NsCtx = { plan, runs, problems: [], observed: new Map(), findings: new Map(), connectRuns: new Map() };
  const s = plan.service;
  const problem = (hop: HopId, cause: CauseCode, reason: string, nextStep?: string) => {
    if (!c.problems.some((p) => p.hop === hop && p.cause === cause)) c.problems.push({ hop, cause, reason, ...(nextStep ? { nextStep } : {}) });
  };

  // --- the connects: the client's end-to-end one, and each node's NodePort ---
  const perNode: string[] = [];
  /** each node's NodePort connect from the source, by node name */
  const nodeConnect = new Map<string, ConnectOutcome>();
  const leaving = leavingNode(plan);
  const direct = new Map<string, ConnectOutcome | undefined>(directEndpoints(plan).map((e) => [`${e.ip}:${e.port}`, undefined]));
  /** the other nodes' direct connects to the endpoints (a load balancer with externalTrafficPolicy Cluster) */
  const lbDirect: string[] = [];
  /** the destination pod answered a connect from its own node (so the pod and its port are fine) */
  let podAnswersLocally = false;
  for (const { p, r } of runsOf(c, (p) => /(^|-)(tcp-connect|udp-connect|udp-exchange)$/.test(p.probe))) {
    const o = outcomeOf(r);
    const target = `${p.args.ip}:${p.args.port}`;
    if (o === undefined) {
      c.findings.set(r.key, 'the output could not be read');
      continue;
    }
    const udp = /udp/.test(p.probe);
    if (o === 'silent') {
      c.findings.set(r.key, `UDP ${target}: nothing came back and no ICMP error within 2 s, which proves nothing (a server that does not answer and a silent drop look alike)`);
      continue;
    }
    c.findings.set(r.key, `${udp ? 'UDP' : 'TCP'} ${target}: ${udp && o === 'open' ? 'a datagram came back' : connectText(o)}`);
    const fromSource = plan.source.kind === 'outside' ? p.where === 'outside' : plan.source.kind === 'node' ? p.where === 'node' && p.node === plan.source.node : p.where === 'pod';
    if (fromSource && p.args.ip === plan.dstIP && p.args.port === plan.dstPort) c.connectRuns.set(r.key, ncMessage(r));
    // The exchange's reply wins over the datagram's ICMP-less silence; an ICMP error from either stands.
    if (fromSource && p.args.ip === plan.dstIP && p.args.port === plan.dstPort && (c.connect === undefined || o === 'open')) c.connect = o;
    else if (s && p.hop === 'node-port' && s.nodePort === p.args.port) {
      const node = input.snapshot.nodes.find((n) => n.status?.addresses?.some((a) => a.address === p.args.ip))?.metadata?.name;
      const noLocal = s.etpLocal && node && !s.endpoints.endpoints.some((e) => e.ready && e.nodeName === node);
      if (node) nodeConnect.set(node, o);
      // (a connect that opened there was not dropped: a pod's own node short-circuits pod traffic to any endpoint)
      perNode.push(`${node ?? p.args.ip} ${p.args.ip}:${p.args.port} ${connectText(o)}${noLocal ? (o === 'open' ? ' (no local endpoint, yet answered: kube-proxy sends pod traffic to any endpoint)' : plan.source.kind === 'pod' ? " (no local endpoint there: externalTrafficPolicy Local; a pod's traffic is dropped there or sent on without SNAT and answered around that node)" : ' (no local endpoint: externalTrafficPolicy Local drops there)') : ''}`);
    }
    else if (p.probe === 'node-tcp-connect' && p.hop === 'node-port') lbDirect.push(`${p.node} → ${target} ${connectText(o)}`);
    else if (p.probe === 'node-tcp-connect' && p.hop === 'dst-pod' && p.node === plan.dst?.node && p.args.ip === plan.dst?.ip) {
      observe(c, 'dst-pod', `from its own node: ${target} ${connectText(o)}`);
      if (o === 'open') podAnswersLocally = true;
    }
    if (p.probe === 'node-tcp-connect' && p.node === leaving && direct.has(target)) direct.set(target, o);
  }
  // Each ready endpoint dialled from the node the flow enters: some answer and some do not — the client's connects
  // fail only when kube-proxy lands on a broken one (the pod path's partialService).
  // An endpoint that answers but whose way from there loses full-size packets (overlay.ts judgeEndpointMtu) fails
  // too: every connection sent there stalls on its first full-size packet.
  const shared = judgeNodePath(plan, runs, input.snapshot, depth);
  const mtuFits = (t: string) => shared?.mtuFailing.get(t.slice(0, t.lastIndexOf(':')));
  const epNode = (t: string) => s?.endpoints.endpoints.find((e) => `${e.ip}:${e.port}` === t)?.nodeName;
  const split = splitAnswers([...direct.keys()], (t) => direct.get(t));
  const epSplit = {
    answering: split.answering.filter((t) => !mtuFits(t)),
    failing: split.failing,
    // answering small connects, but full-size packets to them vanish (partialLead says so, not that they fail)
    large: split.answering.filter((t) => mtuFits(t)).map((t) => ({ name: `${t}${epNode(t) ? ` on ${epNode(t)}` : ''}`, fits: mtuFits(t)! })),
  };
  const { answering } = epSplit;
  const failing = [...epSplit.failing, ...epSplit.large.map((l) => l.name)];
  // externalTrafficPolicy Local behind a load balancer: it sends each connection to one of the nodes with a local
  // endpoint (lbNodes), so those nodes' NodePort connects from the client are the ways its traffic goes — some
  // answering and some not is half a Service, whichever node the client's one connect landed on.
  // With externalTrafficPolicy Cluster it sends to any node it targets (lbTargetNodes): each one's NodePort connect
  // from the client counts.
  const lbNodes = plan.lbNodes ?? [];
  const clusterLb = plan.via === 'lb' && !!s && !s.etpLocal && !!s.nodePort;
  const targets = clusterLb ? lbTargetNodes(input.snapshot) : [];
  const lbWays: { node: string; ip: string }[] = lbNodes.length ? lbNodes : [...nodeConnect.keys()].filter((node) => targets.includes(node)).map((node) => ({ node, ip: nodeInternalIP(input.snapshot, node) ?? '' }));
  const lbName = (n: { node: string; ip: string }) => `${n.node} ${n.ip}:${s?.nodePort}`;
  const lbSplitNodes = splitAnswers(lbWays, (n) => nodeConnect.get(n.node));
  // (with Cluster the client's own connect through the load balancer opening is a way that answers too: some node
  // forwarded it, even when every NodePort dialled directly happened to land on a broken way)
  const lbPartial = (lbSplitNodes.answering.length > 0 || (clusterLb && c.connect === 'open')) && lbSplitNodes.failing.length > 0;
  const entryAnswers = lbPartial && lbSplitNodes.answering.some((n) => n.node === plan.entry?.node);
  const partial = (answering.length > 0 && failing.length > 0) || lbPartial;
  if (lbDirect.length) observe(c, 'node-port', `each ready endpoint from the other nodes the load balancer sends to: ${joinClauses(lbDirect)}`);
  if (direct.size > 1 && [...direct.values()].every((o) => o !== undefined)) observe(c, 'dst-pod', `each ready endpoint from ${leaving}: ${joinClauses([...direct].map(([t, o]) => `${t} ${connectText(o as ConnectOutcome)}`))}`);
  const src = plan.source.kind === 'outside' ? 'the outside client' : plan.source.kind === 'node' ? `node ${plan.source.node}` : `${plan.source.namespace}/${plan.source.name}`;
  const mainHop: HopId = plan.hops.find((h) => h.id === 'lb') ? 'lb' : plan.via === 'node-port' || plan.via === 'host' ? 'node-port' : plan.via === 'cluster-ip' ? 'service' : plan.via === 'pod' ? 'dst-pod' : 'external';
  const connectLine = c.connect !== undefined ? `${s?.udp ? 'UDP' : 'TCP'} to ${plan.dstIP}:${plan.dstPort} from ${src}: ${s?.udp && c.connect === 'open' ? 'a datagram came back' : connectText(c.connect)}` : undefined;
  if (connectLine) observe(c, mainHop, connectLine);
  if (plan.source.kind === 'outside' && c.connect !== undefined) observe(c, 'client', `${src} → ${plan.dstIP}:${plan.dstPort}: ${connectText(c.connect)}`);
  if (perNode.length) observe(c, 'node-port', `each node's NodePort from ${src}: ${joinClauses(perNode)}`);
  if (plan.resolve) {
    const ip = resolvedAddress(plan, runs);
    const dig = runsOf(c, (p) => /dig$/.test(p.probe))[0];
    const d = dig ? parseRun(dig.r, parseDig) : undefined;
    // The source's own resolver is the DNS outside the cluster (a node's, or this machine's): silence or
    // SERVFAIL there is the upstream DNS failing; NXDOMAIN is a name that does not exist.
    const how = !d?.ok ? 'unreadable' : d.value.outcome === 'no-response' ? 'no answer' : d.value.rcode;
    if (dig) c.findings.set(dig.r.key, ip ? `${plan.resolve} → ${ip}` : `${plan.resolve}: ${how}`);
    const asker = plan.hostPodDns ? `${plan.hostPodDns.pod} (${src}'s resolver: hostNetwork, dnsPolicy ${plan.hostPodDns.dnsPolicy})` : src;
    observe(c, 'dns', ip ? `${plan.resolve} resolves to ${ip} (${asker === src ? `${src}'s resolver` : asker})` : `${plan.resolve} does not resolve from ${asker} (${how})`);
    if (!ip && d?.ok && plan.hostPodDns) {
      // A hostNetwork pod without ClusterFirstWithHostNet asks its node's resolver (Kubernetes DNS docs, "Pod's DNS
      // Policy"): a cluster name it dials does not resolve there unless that resolver forwards the cluster domain.
      const { pod, dnsPolicy } = plan.hostPodDns;
      const [first, second] = plan.resolve.split('.');
      const svc = s?.service ?? input.snapshot.services.find((x) => x.metadata?.name === first && x.metadata?.namespace === (second ?? pod.split('/')[0]));
      const addr = s?.vip ? `${s.vip}:${plan.dstPort}` : svc?.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? `${svc.spec.clusterIP}:${plan.dstPort}` : undefined;
      const why = svc ? ` — ${plan.resolve} is Service ${svc.metadata?.namespace}/${svc.metadata?.name}, a cluster name, and ${pod} runs in the host network with dnsPolicy ${dnsPolicy}, which asks ${src}'s own resolver, not the cluster DNS` : '';
      const fix = `${pod} runs in the host network with dnsPolicy ${dnsPolicy}, so it uses ${src}'s /etc/resolv.conf (Kubernetes DNS docs: hostNetwork pods fall back to the Default policy unless dnsPolicy is ClusterFirstWithHostNet). Set \`dnsPolicy: ClusterFirstWithHostNet\` in its spec (its controller's pod template) to resolve cluster names${addr ? `, or dial ${addr}` : ''}.`;
      if (d.value.outcome === 'answer' && d.value.rcode === 'NXDOMAIN') problem('dns', 'dns-nxdomain', `${plan.resolve} does not resolve for ${pod}: ${src}'s resolver answers NXDOMAIN${why}`, svc ? fix : undefined);
      else problem('dns', 'dns-timeout', `${src}'s resolver, which ${pod} uses, ${how === 'no answer' ? 'does not answer' : `answers ${how}`} for ${plan.resolve}${why}`, svc ? fix : undefined);
    } else if (!ip && d?.ok) {
      // A Service's name typed from outside: say where its addresses from outside are.
      const [first, second] = plan.resolve.split('.');
      const svc = input.snapshot.services.find((x) => x.metadata?.name === first && x.metadata?.namespace === second);
      const inside = !!svc && plan.source.kind === 'outside';
      const hint = inside ? `; ${plan.resolve} is Service ${second}/${first}, whose name resolves only inside the cluster — from outside dial its NodePort (node/NAME:PORT) or LoadBalancer address` : '';
      // the next step for a cluster name typed outside is where to dial instead, not the namespace advice of dns-nxdomain
      const nodePort = svc?.spec?.ports?.find((x) => x.nodePort)?.nodePort;
      const lb = svc ? lbIngressIPs(svc)[0] : undefined;
      const instead = inside
        ? `From outside the cluster dial the Service's ${[...(nodePort ? [`NodePort on any node (\`node/NAME:${nodePort}\`)`] : []), ...(lb ? [`LoadBalancer address \`${lb}\``] : [])].join(' or ') || 'NodePort or LoadBalancer address (it has neither: expose it with type NodePort or LoadBalancer, or an Ingress)'}; \`kubectl get svc -n ${second} ${first}\` lists them.`
        : undefined;
      if (d.value.outcome === 'answer' && d.value.rcode === 'NXDOMAIN') problem('dns', 'dns-nxdomain', `${plan.resolve} does not exist: ${src}'s resolver answers NXDOMAIN${hint}`, instead);
      else problem('dns', 'upstream-dns', `${src}'s resolver (the DNS outside the cluster) ${how === 'no answer' ? 'does not answer' : `answers ${how}`} for ${plan.resolve}`, `${src.replace(/^./, (x) => x.toUpperCase())} asks the DNS outside the cluster itself (its /etc/resolv.conf nameserver), not the cluster DNS: there \`dig ${plan.resolve}\` must answer; check that server is up and reachable from ${src}.`);
    }
  }
  const open = c.connect === 'open';

  // --- the Service behind it ---
  if (s) {
    c.observed.set(plan.via === 'cluster-ip' ? 'service' : 'node-port', [...(c.observed.get(plan.via === 'cluster-ip' ? 'service' : 'node-port') ?? []), `EndpointSlice ${s.key}: ${s.endpoints.ready.join(', ') || 'no ready endpoint'}`]);
    // A Service without a selector: its EndpointSlices are someone else's to write, so the next step is the pod
    // path's (lib/verdict/service.ts), not the selector advice of no-endpoints, which has no selector to name.
    const noSelector = !s.service.spec?.selector || !Object.keys(s.service.spec.selector).length ? noSelectorNextStep(s.service.metadata?.namespace ?? '', s.service.metadata?.name ?? '') : undefined;
    const pr = s.check.problem;
    if (!open && pr) problem(plan.via === 'cluster-ip' ? 'service' : 'node-port', pr.cause, pr.sentence, pr.cause === 'no-endpoints' && pr.kind === 'no-selector' ? noSelector : undefined);
    else if (!open && !s.endpoints.ready.length) problem(plan.via === 'cluster-ip' ? 'service' : 'node-port', 'no-endpoints', `Service ${s.key} has no ready endpoint in its EndpointSlices`, noSelector);
  }
  if (plan.entry) observe(c, plan.via === 'lb' ? 'lb' : plan.lb?.inCluster ? 'service' : 'node-port', plan.entry.why);

  /** A node's kube-proxy dump (iptables-save or nft ruleset, by lib/kube detectProxyMode) and the run it came from. */
  const proxyDumpOn = (node: string): { dump: ProxyDump; run: ProbeRun } | undefined => {
    const ipt = runsOf(c, (p) => p.probe === 'iptables-save' && p.node === node)[0]?.r;
    const nft = runsOf(c, (p) => p.probe === 'nft-ruleset' && p.node === node)[0]?.r;
    // a cut dump is not "no rules" (the pod path's service hop judges nothing from it either)
    if (ipt?.truncated || nft?.truncated) return undefined;
    const save = ipt?.exitCode === 0 ? parseRun(ipt, (t) => parseIptablesSave(t)) : undefined;
    const rules = nft?.exitCode === 0 ? parseRun(nft, (t) => parseNft(t)) : undefined;
    const mode = detectProxyMode(input.snapshot.kubeProxyConfig, { ...(save?.ok ? { iptablesSave: save.value } : {}), ...(rules?.ok ? { nft: rules.value } : {}) }).mode;
    if (mode === 'iptables' && save?.ok && ipt) return { dump: { mode, save: save.value }, run: ipt };
    if (mode === 'nftables' && rules?.ok && nft) return { dump: { mode, ruleset: rules.value }, run: nft };
    return undefined;
  };

  // --- a ClusterIP from a node: kube-proxy's rules on that node, judged as the pod path's service hop judges them
  // (service.ts proxyOnNode): internalTrafficPolicy Local on a node without a ready endpoint is kube-proxy's
  // deliberate drop (no-local-endpoint), not stale rules ---
  // A LoadBalancer address dialled from a pod or a node (plan.lb.inCluster) is traced the same way from its own rule on
  // the source's node (KUBE-SERVICES "loadbalancer IP", nft service-ips): without one, kube-proxy there does not DNAT it.
  const inClusterLb = plan.lb?.inCluster ? plan.lb.ip : undefined;
  if (s?.vip && plan.via === 'cluster-ip' && plan.srcNode) {
    const node = plan.srcNode;
    const at = proxyDumpOn(node);
    if (at) {
      const { dump, run } = at;
      // internalTrafficPolicy is for the ClusterIP: kube-proxy sends in-cluster traffic to the LoadBalancer address through
      // its external chain to the cluster-wide endpoints ("pod traffic for … external destinations"), so it is left out there
      const service = inClusterLb ? { ...s.service, spec: { ...s.service.spec, internalTrafficPolicy: undefined } } : s.service;
      const { cmp, problem: stops } = proxyOnNode(input.snapshot, dump, { ...s, service, vip: inClusterLb ?? s.vip }, node);
      observe(c, 'service', proxyObservation(dump.mode, node, cmp.sentence));
      c.findings.set(run.key, cmp.sentence);
      if (!open && c.connect !== undefined && stops) {
        const missingLb = inClusterLb && stops.cause === 'proxy-rules-missing';
        if (missingLb) {
          const look = dump.mode === 'nftables' ? `nft list map ip kube-proxy service-ips | grep ${inClusterLb}` : dump.mode === 'ipvs' ? `ipvsadm -Ln -t ${inClusterLb}:${s.port.port}` : `iptables-save -t nat | grep ${inClusterLb}`;
          problem('service', 'proxy-rules-missing', `kube-proxy on ${node}${plan.source.kind === 'pod' ? `, ${src}'s node,` : ''} holds no rule for LoadBalancer address ${inClusterLb}:${s.port.port} of Service ${s.key}: ${cmp.sentence.replace(/\.$/, '')}. Inside the cluster kube-proxy on the source's own node DNATs that address to an endpoint; without its rule the connection is not sent to an endpoint but routed out like any outside address, toward the load balancer`,
            `On ${node} run \`${look}\`: kube-proxy writes a rule for a LoadBalancer Service's ingress address on every node (iptables: KUBE-SERVICES "${s.key}${s.port.name ? `:${s.port.name}` : ''} loadbalancer IP"; nftables: an element of the service-ips map). With none there, check kube-proxy's logs on ${node} (\`kubectl -n kube-system logs\` its pod) and restart it to force a resync.`);
        } else problem('service', stops.cause, stops.sentence);
      }
    }
  }

  // --- the entry node: NodePort rules and externalTrafficPolicy Local ---
  if (s?.nodePort && plan.entry && (plan.via === 'lb' || plan.via === 'node-port')) {
    const entry = plan.entry.node;
    const ipt = runsOf(c, (p) => p.probe === 'iptables-save' && p.node === entry)[0]?.r;
    const nft = runsOf(c, (p) => p.probe === 'nft-ruleset' && p.node === entry)[0]?.r;
    const rule = nodePortRule(ipt?.exitCode === 0 ? ipt.stdout : undefined, nft?.exitCode === 0 ? nft.stdout : undefined, s.nodePort, s.udp ? 'udp' : 'tcp');
    if (rule) {
      observe(c, 'node-port', `kube-proxy on ${entry}: \`${rule}\``);
      if (ipt && !c.findings.has(ipt.key)) c.findings.set(ipt.key, `NodePort ${s.nodePort}: \`${rule}\``);
    }
    // Where kube-proxy on the entry node DNATs the flow — the LoadBalancer IP's rule (KUBE-SERVICES "loadbalancer IP",
    // nft service-ips), else the NodePort's (KUBE-NODEPORTS, nft service-nodeports) — against the EndpointSlice's
    // ready endpoints: the pod path's trace and comparison (lib/kube traceService / traceNodePort, compareWithEndpoints).
    const at = proxyDumpOn(entry);
    const entryHop: HopId = plan.hops.some((h) => h.id === 'node-port') ? 'node-port' : 'lb';
    if (at) {
      const proto = s.port.protocol ?? (s.udp ? 'UDP' : 'TCP');
      const viaLb = plan.via === 'lb' && plan.dstIP && plan.dstPort ? traceService(at.dump, plan.dstIP, plan.dstPort, proto) : undefined;
      const trace = viaLb?.found ? viaLb : traceNodePort(at.dump, s.nodePort, proto, plan.entry.ip);
      if (trace.found) {
        // kube-proxy's own choice there for outside traffic with externalTrafficPolicy Cluster: its topology hints
        // (lib/kube kubeProxyView `external`; a zone's endpoints only is not stale); Local keeps every ready endpoint
        // to compare with, its local-endpoint rules judged below
        const view = !s.etpLocal && s.vip ? kubeProxyView(s.service, s.endpoints, { node: entry, vip: s.vip, external: true, zone: plan.nodeZones?.[entry] }) : undefined;
        const cmp = view ? compareWithEndpoints(trace, view.expected, [], { ...view, node: entry }) : compareWithEndpoints(trace, s.endpoints.ready, s.endpoints.servingTerminating);
        observe(c, entryHop, proxyObservation(at.dump.mode, entry, cmp.sentence));
        c.findings.set(at.run.key, cmp.sentence);
        // A connect that opened does not clear rules that send part of the connections to an endpoint that is gone
        // (lib/verdict/observed STANDING_CAUSES, as on the pod path) — when another DNAT target is a ready endpoint,
        // which is how it could open; rules that send every connection elsewhere cannot have been what it crossed.
        const someReady = trace.endpoints.some((e) => s.endpoints.ready.includes(formatEndpoint(e.ip, e.port)));
        const counts = c.connect !== undefined && (!open || (cmp.status === 'stale' && cmp.extra.length > 0 && someReady));
        if (counts && cmp.status === 'stale') problem(entryHop, 'proxy-rules-stale', `on node ${entry}, for ${trace.nodePort ? `NodePort ${s.nodePort}` : `${plan.dstIP}:${plan.dstPort}`}: ${cmp.sentence}`);
      }
    }
    const localReady = s.endpoints.endpoints.filter((e) => e.ready && e.nodeName === entry);
    if (s.etpLocal) observe(c, 'node-port', `externalTrafficPolicy Local: ${localReady.length ? `${entry} has ${localReady.length} ready local endpoint${localReady.length === 1 ? '' : 's'}` : `${entry} has no ready local endpoint`}`);
    if (!open && c.connect !== undefined) {
      // (what starts on the entry node itself is sent on to any endpoint: not this drop — lib/plan startsOnEntry)
      if (s.etpLocal && !localReady.length && s.endpoints.ready.length && !startsOnEntry(plan)) {
        const where = [...new Set(s.endpoints.endpoints.filter((e) => e.ready).map((e) => e.nodeName).filter(Boolean))].join(', ');
        // A pod is not subject to externalTrafficPolicy: kube-proxy's "pod traffic for … external destinations" rule
        // sends it to any endpoint, without SNAT — so from another node the endpoint answers the pod directly, not
        // through the entry node, and the pod resets that unexpected answer (the traffic is not dropped).
        const podShortCircuit = plan.source.kind === 'pod' && plan.srcNode !== entry && ipt?.exitCode === 0 && ipt.stdout.includes(`pod traffic for ${s.key}`);
        if (podShortCircuit) {
          problem('node-port', 'no-local-endpoint', `${s.key} has externalTrafficPolicy Local and ${entry} has no ready local endpoint (ready endpoints are on ${where}); a pod's traffic is not dropped there but sent to an endpoint without SNAT (kube-proxy's "pod traffic for ${s.key} external destinations" rule on ${entry}), so the endpoint answers ${src} directly instead of through ${entry}, and ${src} resets that unexpected answer${perNode.length ? ` (${joinClauses(perNode)})` : ''}`, `From pods, dial the Service's ClusterIP (\`${s.vip ?? s.key}:${s.port.port}\`) or the NodePort on the pod's own node (${plan.srcNode}); a NodePort with externalTrafficPolicy Local on another node answers pods only asymmetrically.`);
        } else {
          problem('node-port', 'no-local-endpoint', `${s.key} has externalTrafficPolicy Local and ${entry} has no ready local endpoint (ready endpoints are on ${where}): kube-proxy on ${entry} drops NodePort ${s.nodePort} traffic${perNode.length ? ` (${joinClauses(perNode)})` : ''}`);
        }
      } else if ((ipt?.exitCode === 0 || nft?.exitCode === 0) && !rule && s.endpoints.ready.length) {
        problem('node-port', 'proxy-rules-missing', `kube-proxy on ${entry} has no NodePort rule for ${s.nodePort} (${s.key})`, `On ${entry}, \`iptables-save -t nat | grep -e KUBE-NODEPORTS -e ${s.nodePort}\` (nftables: \`nft list map ip kube-proxy service-nodeports\`) shows no rule for NodePort ${s.nodePort}: check that kube-proxy runs on ${entry} (\`kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${entry}\`) and read its pod's logs (\`kubectl -n kube-system logs POD\`) for errors syncing Service ${s.key}; restarting it rewrites the rules.`);
      }
    }
  }

  // --- a port in the entry node's own network (a hostNetwork pod's) ---
  if (plan.via === 'host' && plan.entry && plan.dstPort) {
    const node = plan.entry.node;
    const port = plan.dstPort;
    const ssRun = runsOf(c, (p) => p.probe === 'node-ss-listen' && p.node === node)[0]?.r;
    const socks = ssRun ? parseRun(ssRun, (t) => parseSs(t)) : undefined;
    const proto = plan.target.proto === 'udp' || ssRun?.argv.includes('-u') ? 'UDP' : 'TCP';
    const held = input.snapshot.services.some((x) => x.spec?.ports?.some((p) => p.nodePort === port));
    // The node refusing the connect is its own answer: a TCP reset (an ICMP port-unreachable for UDP) says the
    // packet arrived and nothing in its network holds the port — with no Service holding it as a NodePort either,
    // that is the whole story, whether or not the node's socket table could be read.
    const refusal = c.connect === 'refused' ? `${node} answers ${proto} ${port} with ${proto === 'UDP' ? 'an ICMP port-unreachable' : 'a reset (connection refused)'}` : undefined;
    const noService = held ? '' : `, and no Service has NodePort ${port}`;
    const step = held ? nodeListenStep(node, proto, port, true) : noNodePortStep(node, proto, port);
    if (ssRun && socks?.ok) {
      const on = socks.value.filter((x) => x.local.port === port && (x.state === 'LISTEN' || x.state === 'UNCONN'));
      const reach = on.filter((x) => !x.local.loopback);
      const line = reach.length ? `${node} listens on ${reach.map((x) => `${x.local.address}:${x.local.port}`).join(', ')}` : on.length ? `${node} listens on port ${port} on loopback only` : `nothing listens on port ${port} in ${node}'s own network`;
      c.findings.set(ssRun.key, line);
      observe(c, 'node-port', `${line}${plan.choice ? ` (${plan.choice})` : ''}`);
      if (!reach.length && !open && c.connect !== undefined) problem('node-port', 'app-not-listening', `${line}${refusal ? `: ${refusal}` : ''}${noService}`, step);
    } else if (refusal) {
      const ssPlanned = plan.probes.find((p) => p.probe === 'node-ss-listen' && p.node === node);
      const unread = ssRun ? 'its output could not be read' : ssPlanned ? runs.get(ssPlanned.key)?.notRun : undefined;
      problem('node-port', 'app-not-listening', `${refusal}: nothing listens on port ${port} in ${node}'s own network${noService}${unread ? ` (${node}'s socket table was not read: ${unread})` : ''}`, step);
    }
  }

  // --- the destination pod ---
  if (plan.dst && plan.dstPodPort) {
    const ssRun = runsOf(c, (p) => (p.probe === 'ss-listen' || p.probe === 'ss-listen-udp') && p.hop === 'dst-pod')[0]?.r;
    const socks = ssRun ? parseRun(ssRun, (t) => parseSs(t)) : undefined;
    if (ssRun && socks?.ok) {
      const udp = ssRun.probe === 'ss-listen-udp';
      const bound = udp ? socks.value.filter((x) => x.local.port === plan.dstPodPort && !x.local.loopback) : ((lp) => (lp.verdict === 'reachable' ? lp.listeners : []))(listenerOnPort(socks.value, plan.dstPodPort, plan.dst.ip));
      const line = bound.length ? `${udp ? 'UDP' : 'TCP'} ${plan.dstPodPort} bound on ${bound.map((x) => `${x.local.address}:${x.local.port}`).join(', ')}` : `nothing ${udp ? 'bound to UDP' : 'listens on TCP'} ${plan.dstPodPort} (or only on loopback)`;
      c.findings.set(ssRun.key, line);
      observe(c, 'dst-pod', line);
      if (!bound.length && !open) problem('dst-pod', 'app-not-listening', `${plan.dst.namespace}/${plan.dst.name}: ${line}`, podListenStep(plan.dst, udp ? 'UDP' : 'TCP', plan.dstPodPort));
      if (udp && bound.length && c.connect === 'open') observe(c, mainHop, 'the endpoint has a UDP socket on the port, and a datagram came back');
    }
  }
  // what fills the next steps' placeholders (lib/causes.ts concreteNextStep)
  const selector = Object.entries(plan.service?.service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const fill: NextStepValues = { ...(plan.dst ? { ns: plan.dst.namespace, podIP: plan.dst.ip } : {}), ...(plan.service?.vip ? { vip: plan.service.vip } : {}), ...(selector ? { selector } : {}), ...(plan.via === 'external' && plan.dstIP ? { externalIP: plan.dstIP } : {}) };
  // The way between the nodes and into the pod, judged as the pod path judges it. Observed beats inferred: its
  // findings are evidence always, its causes count only when the client's own connect did not open.
  if (shared) {
    for (const [k, v] of shared.findings) c.findings.set(k, v);
    for (const [h, l] of shared.observed) for (const x of l) if (!c.observed.get(h)?.includes(x)) observe(c, h, x);
    const drawnFails = !!plan.dst && (failing.some((t) => t.startsWith(`${plan.dst!.ip}:`)) || (lbPartial && !entryAnswers));
    // An MTU blackhole is itself observed (small DF pings pass, large ones vanish): it stands whatever the connect did.
    // (A failed connect the load balancer sent to another node says nothing about the drawn node, which answers.)
    const counts = (!open && c.connect !== undefined && !entryAnswers) || (partial && drawnFails);
    for (const p of shared.problems.filter((x) => counts || x.cause === 'mtu-blackhole')) problem(p.hop, p.cause, p.reason, p.nextStep ?? concreteNextStep(CAUSES[p.cause].nextStep, { ...fill, ...(p.nodes?.[0] ? { node: p.nodes[0] } : {}) }));
  }

  // The other ready endpoints that do not answer from the node the flow leaves (not drawn: the path is
  // re-drawn only to the first such endpoint, and only while the drawn one answers — lib/plan/northSouth
  // followFailureNorthSouth): each one's own way back, judged as the drawn pod's; its direct connect failing is the observed stop.
  if (shared && plan.dst) {
    for (const end of podsWithoutAnswer(plan, input.snapshot, runs).filter((e) => e.ip !== plan.dst!.ip)) {
      const other = newCtx(shared.plan, runs, input.snapshot, depth);
      judgeWayBack(other, plan, runs, input.snapshot, end);
      for (const [k, v] of other.findings) c.findings.set(k, v);
      for (const x of [...other.observed.values()].flat()) observe(c, 'dst-pod', `${end.namespace}/${end.name}: ${x}`);
      for (const p of other.problems) problem(p.hop, p.cause, p.reason, p.nextStep ?? concreteNextStep(CAUSES[p.cause].nextStep, { ...fill, ns: end.namespace, podIP: end.ip, node: end.node }));
    }
  }

  // The load balancer's other nodes that do not answer (externalTrafficPolicy Local): the pod path's judges over each
  // one's own way to its local endpoint, as on the drawn node; what they find is on the node-port hop, which lists
  // each node's NodePort.
  if (lbPartial) {
    for (const n of lbNodes.filter((x) => x.node !== plan.entry?.node && lbSplitNodes.failing.some((f) => f.node === x.node))) {
      const other = judgeNodePath({ ...plan, entry: { node: n.node, ip: n.ip, why: '' }, dst: n.end, dstPodPort: n.port }, runs, input.snapshot, depth);
      if (!other) continue;
      for (const [k, v] of other.findings) c.findings.set(k, v);
      for (const x of [...other.observed.values()].flat()) if (!c.observed.get('node-port')?.includes(x)) observe(c, 'node-port', x);
      const local = runsOf(c, (p) => p.probe === 'node-tcp-connect' && p.node === n.node && p.args.ip === n.end.ip && p.args.port === n.port)[0];
      const lo = local ? outcomeOf(local.r) : undefined;
      if (lo && lo !== 'silent') observe(c, 'node-port', `${n.end.namespace}/${n.end.name} from its own node ${n.node}: ${n.end.ip}:${n.port} ${connectText(lo)}`);
      for (const p of other.problems) problem('node-port', p.cause, p.reason, p.nextStep ?? concreteNextStep(CAUSES[p.cause].nextStep, { ...fill, ns: n.end.namespace, podIP: n.end.ip, node: p.nodes?.[0] ?? n.node }));
    }
  }

  // Routes the nodes take (evidence; a refused lookup is a node-route finding when traffic stopped); the ones the
  // shared judges read are theirs.
  for (const { p, r } of runsOf(c, (p) => p.probe === 'node-route-get')) {
    if (shared?.findings.has(r.key)) continue;
    const g = parseRun(r, parseIpRouteGet);
    if (!g.ok) continue;
    const txt = g.value.outcome === 'route' ? `${p.node} → ${p.args.ip}: ${g.value.route.gateway ? `via ${g.value.route.gateway} ` : ''}dev ${g.value.route.dev ?? '?'}` : `${p.node} has no route to ${p.args.ip}`;
    c.findings.set(r.key, txt);
    observe(c, p.hop, txt);
    if (g.value.outcome !== 'route' && !open && c.connect !== undefined) problem(p.hop, 'node-route', txt, concreteNextStep(CAUSES['node-route'].nextStep, { node: p.node, podIP: p.args.ip }));
  }

  // The client's own route toward the entry (externalTrafficPolicy Local only): its source address is what the pod sees.
  for (const { p, r } of runsOf(c, (p) => p.probe === 'outside-route-get')) {
    const g = parseRun(r, parseIpRouteGet);
    if (!g.ok) continue;
    const txt = g.value.outcome === 'route' ? `the client → ${p.args.ip}: ${g.value.route.gateway ? `via ${g.value.route.gateway} ` : ''}dev ${g.value.route.dev ?? '?'}${g.value.route.prefsrc ? ` src ${g.value.route.prefsrc}` : ''}` : `the client has no route to ${p.args.ip}`;
    c.findings.set(r.key, txt);
    observe(c, 'client', txt);
  }

  // NetworkPolicy with the source the pod really sees (lib/verdict/nsPolicy): a node's own address, the entry
  // node's after kube-proxy's masquerade, or the client's own with externalTrafficPolicy Local. Only where the nodes
  // carry policy rules (an unenforced policy drops nothing) and nothing else explains the silence; a reset is an
  // answer, not a policy drop.
  // A pod dialling a NodePort or a LoadBalancer address is judged the same way (podSeesFrom: the entry node's address
  // after kube-proxy's masquerade, or its own). Observed beats inferred: a connect that opened while the objects
  // predict this deny is a model-mismatch warning, never a failure.
  const warnings: Finding[] = [];
  const policyTried = c.connect !== undefined && c.connect !== 'refused' && plan.dst;
  if (policyTried && (open || !c.problems.length)) {
    const sources = podSeesFromRuns(plan, input.snapshot, runs);
    const denial = sources ? policyDenial(plan, input.snapshot, sources) : undefined;
    const enforced = runsOf(c, (p) => p.probe === 'iptables-save' || p.probe === 'nft-ruleset').some(({ r }) => r.exitCode === 0 && carriesPolicyRules(r.stdout));
    const denied = sources && denial && enforced ? `${(denial.ingress.reason ?? denial.sentence).replace(/\.$/, '')} — ${sources.why}, and no rule admits it` : undefined;
    // With the client's own address (externalTrafficPolicy Local) the fix is a rule for the clients, not the nodes;
    // for a pod through a NodePort, a rule for the address the endpoint sees, the ClusterIP, or Local (nsPolicy).
    if (denied && !open) problem('dst-pod', 'policy-denied', denied, policyNextStep(plan, sources!));
    else if (denied && open) warnings.push({ hop: 'dst-pod', cause: 'model-mismatch', reason: `the connection from ${src} opened, yet the NetworkPolicy objects predict a drop: ${denied}; the cluster's policy engine judges this flow otherwise (another source address, or rules the objects do not show)` });
  }

  // A server outside the cluster that resets the connection: it is reached, nothing listens on the port.
  if (plan.via === 'external' && c.connect === 'refused') {
    const proto = plan.target.proto === 'udp' || s?.udp ? 'UDP' : 'TCP';
    problem('external', 'app-not-listening', `${plan.resolve ?? plan.dstIP} (${plan.dstIP}) refuses ${proto} ${plan.dstPort}: the host answers, nothing listens there`);
    const pr = c.problems.find((x) => x.hop === 'external' && x.cause === 'app-not-listening');
    if (pr && plan.dstIP) pr.nextStep = externalListenerStep(plan.resolve ?? plan.dstIP, plan.dstIP, proto, plan.dstPort);
  }

  // --- hops ---
  const connected = c.connect === 'open';
  const sorted = [...c.problems].sort((a, b) => RANK[a.cause] - RANK[b.cause] || plan.hops.findIndex((h) => h.id === a.hop) - plan.hops.findIndex((h) => h.id === b.hop));
  const notJudged = (id: HopId) => failedConnectOnly(c, id, src, sorted[0]?.hop);
  const hops: Hop[] = plan.hops.map((h) => {
    const hopRuns = plan.probes
      .filter((p) => p.hop === h.id || p.alsoHops?.includes(h.id))
      .map((p) => runs.get(p.key))
      .filter((r): r is ProbeRun => !!r && !r.notRun);
    const evidence = hopRuns
      .map((r) => ({ probe: r.probe, where: r.location, command: r.argv, reproduce: r.reproduce, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs, ...(r.truncated ? { truncated: true } : {}), ...(r.timedOut ? { timedOut: true } : {}), finding: c.findings.get(r.key) ?? statusFinding(r) }));
    const observed = joinClauses(c.observed.get(h.id) ?? []);
    const details = { ...h.details, ...(h.id === (plan.via === 'lb' ? 'lb' : plan.via === 'pod' ? 'dst-pod' : plan.lb?.inCluster ? 'service' : 'node-port') && plan.choice ? { drawn: plan.choice } : {}), ...(h.id === 'overlay' ? shared?.overlayDetails : {}) };
    const pr = c.problems.filter((p) => p.hop === h.id).sort((a, b) => RANK[a.cause] - RANK[b.cause])[0];
    if (pr) return { ...h, status: 'fail', cause: pr.cause, summary: pr.reason, observed: observed || pr.reason, nextStep: pr.nextStep ?? concreteNextStep(CAUSES[pr.cause].nextStep, fill), evidence, details };
    const notRun = plan.probes.filter((p) => p.hop === h.id).map((p) => runs.get(p.key)?.notRun).filter((x): x is string => !!x);
    // The source's own connect did not open, and it is all this hop has (the client; a Service, load balancer or
    // address the client dials): it says the path fails, not that it fails here — `pass` beside "unreachable" would
    // read as all green. The hop that names a cause fails; this one is not judged, and says where the traffic stops.
    // (The client's route toward the entry, read beside it, is said with it: the client only dials.)
    if (!connected && c.connect !== undefined && hopRuns.length && hopRuns.every((r) => c.connectRuns.has(r.key) || (h.id === 'client' && r.probe === 'outside-route-get'))) {
      const route = h.id === 'client' ? (c.observed.get('client') ?? []).filter((x) => !x.startsWith(`${src} → `)) : [];
      return { ...h, status: 'skip', cause: null, summary: joinClauses([notJudged(h.id), ...route]), ...(observed ? { observed } : {}), evidence, details };
    }
    // The connection through it opened, yet none of its own probes ran (refused rights, a node pod that did not
    // start): skip, as the pod path says it, so the verdict's summary does not call the walk fully checked.
    if (connected && !evidence.length && notRun.length) return { ...h, status: 'skip', cause: null, summary: `the connection from ${src} through this hop opened; not probed: ${joinClauses([...new Set(notRun)])}`, evidence, details };
    if (connected) return { ...h, status: 'pass', cause: null, summary: observed || `the connection from ${src} through this hop opened`, observed, evidence, details };
    if (!evidence.length) return { ...h, status: 'skip', cause: null, summary: notRun.length ? `not probed: ${joinClauses([...new Set(notRun)])}` : depth === 'config' ? `not probed: ${input.configReason ?? 'live probes are not permitted'}` : c.connect === undefined ? 'no probe could run for this hop' : 'not judged: no probe here can tell where the traffic stopped', evidence, details };
    // its own probes found nothing wrong; the client's failed connect is said on the client hop, not here beside `pass`
    const own = plan.source.kind === 'outside' && connectLine ? joinClauses((c.observed.get(h.id) ?? []).filter((x) => x !== connectLine)) : observed;
    return { ...h, status: c.connect === undefined ? 'skip' : 'pass', cause: null, summary: own || (c.connect === undefined ? 'not judged: the end-to-end connect did not run' : 'probes found nothing wrong here'), observed, evidence, details };
  });

  // connected: only a standing cause is a failure — an MTU blackhole (small connections work, large packets vanish),
  // or kube-proxy DNATing part of the connections to an endpoint that is gone (the others work)
  // A hostNetwork pod whose resolver cannot answer the cluster name: its app never gets an address to dial, whatever
  // the Service's ClusterIP answers (the walk dials it from the objects).
  const nameFails = plan.hostPodDns && plan.via === 'cluster-ip' ? sorted.find((p) => p.hop === 'dns') : undefined;
  const first = nameFails ?? (connected && !partial ? sorted.find((p) => p.cause === 'mtu-blackhole' || p.cause === 'proxy-rules-stale') : sorted[0]);
  const firstFailure: Finding | null = first ? { hop: first.hop, cause: first.cause, reason: first.reason, nextStep: first.nextStep ?? concreteNextStep(CAUSES[first.cause].nextStep, fill) } : null;
  let verdict: Verdict;
  let summary: string;
  if (nameFails) {
    verdict = 'unreachable';
    summary = `${failureHead(nameFails.cause, 'dns')}: ${nameFails.reason}${connected ? `. ${plan.dstIP}:${plan.dstPort} itself answers from ${plan.srcNode}: the Service works by its address, the name does not resolve for this pod` : ''}.`;
  } else if (partial && c.connect !== undefined) {
    // Observed beats inferred both ways: never unreachable while an endpoint answers, never a clean bill while one does not.
    verdict = 'degraded';
    // (the endpoints' split, when there is one, names more than the nodes')
    const byNodes = lbPartial && !(answering.length > 0 && failing.length > 0);
    const lead = byNodes && !lbSplitNodes.answering.length
      ? `the client's connect through the load balancer opened, yet its connects to ${lbSplitNodes.failing.map(lbName).join(', ')} directly did not: connections the load balancer (externalTrafficPolicy Cluster: every node) sends fail whenever the node, and the endpoint it forwards to, make a broken way`
      : byNodes
      ? partialLead({ answering: lbSplitNodes.answering.map(lbName), failing: lbSplitNodes.failing.map(lbName) }, `nodes the load balancer sends to for Service ${s!.key} (${clusterLb ? 'externalTrafficPolicy Cluster: every node' : 'externalTrafficPolicy Local: those with a ready local endpoint'})`, 'it sends')
      : partialLead(epSplit, `ready endpoints of Service ${s!.key}`, 'kube-proxy sends', leaving);
    const evidence = byNodes ? `each node's NodePort connect from ${src} is the evidence` : `the direct connects from ${leaving} are the evidence`;
    summary = first ? `${lead}: ${failureHead(first.cause, first.hop)}: ${first.reason}` : `${lead}, and no hop's probes explain why (${evidence}).`;
  } else if (connected && first) {
    verdict = 'degraded';
    summary = `${first.cause === 'proxy-rules-stale' ? 'some connections work' : 'small connections work'}; ${failureHead(first.cause, first.hop)}: ${first.reason}`;
  } else if (connected) {
    verdict = 'reachable';
    // A Service name from a node was read from the objects (lib/plan/northSouth): the node's own resolver does not ask
    // the cluster DNS, so say what software on the node must dial (Kubernetes DNS docs: hostNetwork pods with the
    // default dnsPolicy use the node's resolver; ClusterFirstWithHostNet gives them the cluster DNS).
    const fromObjects = plan.source.kind === 'node' && !plan.clusterDnsNamespace && !plan.hostPodDns;
    const byName = fromObjects && plan.via === 'cluster-ip' && plan.target.kind === 'name' && s?.vip
      ? ` ${plan.target.name} was read from the objects as ClusterIP ${s.vip}: ${plan.srcNode}'s own resolver does not ask the cluster DNS, so software in the node's network dials ${s.vip}:${plan.dstPort}, or runs as a hostNetwork pod with dnsPolicy: ClusterFirstWithHostNet to use the name.`
      : fromObjects && plan.via === 'pod' && plan.choice
        ? ` ${plan.choice}; ${plan.srcNode}'s own resolver does not ask the cluster DNS, so software in the node's network dials a pod address, or runs as a hostNetwork pod with dnsPolicy: ClusterFirstWithHostNet to use the name.`
        : '';
    summary = `${src} reaches ${plan.target.text}${plan.dst ? ` (${endText(plan.dst)}${plan.entry ? ` via ${plan.entry.node}` : ''})` : ''}; ${uncheckedClause(hops)}.${byName}`;
  } else if (first) {
    verdict = 'unreachable';
    summary = `${failureHead(first.cause, first.hop)}: ${first.reason}`;
  } else if (c.connect === undefined) {
    verdict = depth === 'config' ? 'undetermined' : 'undetermined';
    summary = depth === 'config' ? `The objects show no fault, but the path could not be proven: ${input.configReason ?? 'live probes are not permitted'}.` : 'No end-to-end connection could be tried and no hop showed a fault.';
  } else if (plan.source.kind === 'outside' && plan.via === 'pod' && podAnswersLocally) {
    // A pod's own address dialled from outside: the pod answers on its node, so the pod network is what the
    // client cannot reach. Overlay CNIs (flannel, Calico VXLAN/IPIP, Cilium tunnel) never route pod IPs out;
    // routed ones (Calico BGP, Cilium native routing) only where the network peers with the nodes; VPC CNIs do.
    verdict = 'unreachable';
    summary = `The connection from ${src} to ${plan.dstIP}:${plan.dstPort} ${c.connect === 'refused' ? 'is refused' : 'gets no answer'}, yet the pod answers from its own node: ${plan.dstIP} is a pod address, and the pod network is not routed to the outside client (overlay CNIs keep pod IPs inside the cluster; routed ones only where your network peers with the nodes). Reach it from outside through a NodePort or LoadBalancer Service, or an Ingress.`;
  } else if (plan.source.kind === 'outside' && plan.via === 'cluster-ip' && s?.vip) {
    // A ClusterIP dialled from outside: a virtual address that kube-proxy's rules answer only on the cluster's own
    // nodes and pods; the outside reaches it only where the network routes the Service CIDR to the nodes (Calico
    // or Cilium BGP advertising Service IPs). None of DESIGN §4's causes is this, so no first failure: the summary
    // says what to dial instead (the Service's NodePort, its LoadBalancer address).
    const lb = lbIngressIPs(s.service)[0];
    const ways = [
      ...(s.nodePort ? [`its NodePort (node/${plan.hops.find((h) => h.node)?.node ?? 'NODE'}:${s.nodePort}, any node)`] : []),
      ...(lb ? [`its LoadBalancer address ${lb}:${s.port.port}`] : []),
    ];
    verdict = 'unreachable';
    summary = `The connection from ${src} to ${plan.dstIP}:${plan.dstPort} ${c.connect === 'refused' ? 'is refused' : 'gets no answer'}: ${plan.dstIP} is the ClusterIP of Service ${s.key}, a virtual address that kube-proxy answers only inside the cluster (on its nodes and pods); the outside reaches it only where your network routes the Service CIDR to the nodes (BGP Service advertisement). From outside, dial ${ways.length ? ways.join(' or ') : 'a NodePort or LoadBalancer Service (this one is ClusterIP only), or an Ingress'}.`;
  } else {
    verdict = 'unreachable';
    // From outside to an address no object of the cluster has: say so (e.g. a LoadBalancer pool address no Service holds).
    const unknown = plan.source.kind === 'outside' && plan.via === 'external' && plan.target.kind === 'ip'
      ? ` No Service has ${plan.dstIP} as its LoadBalancer ingress address and no node has it: if it is meant to be a Service's, \`kubectl get svc -A -o wide\` shows the EXTERNAL-IP each one got.`
      : '';
    summary = `The connection from ${src} to ${plan.dstIP}:${plan.dstPort} ${c.connect === 'refused' ? 'is refused' : 'gets no answer'}, and no hop's probes explain it.${unknown}`;
  }
  void nextStepFor;
  return { hops, verdict, firstFailure, warnings, summary: depth === 'live' ? withApiFailure(summary, runs) : summary };
}
