// The dns hop: the pod's resolv.conf, each search candidate's dig, names that exist in another
// namespace, egress policy that denies DNS, and a DNS timeout a node-to-node fault explains.
import { clusterDnsIPs, dnsPods, namespaceOfName, serviceNamesOf, servicesUnreadable } from '../plan';
import { didYouMean, nearNames } from '../suggest';
import { candidateNames, clusterDnsService, compareWithEndpoints, endpointsForServicePort, evaluate, kubeProxyView, nodeZone, nsName, parseServiceFqdn, podResolver, queryCount, traceService, type Pod, type PodResolver } from '../kube';
import { digAddresses, parseDig, parseIpRouteGet, parseResolvConf } from '../parse';
import { finding, internalIP, links, observe, one, onNode, onPod, problem, RANK, read, routeText, tunnelOf, warn, type Ctx, type Problem } from './context';
import { nodeRules } from './dumps';
import { routeNextStep, routeShape, routerAnswer } from './node';
import { overlayBlockedStep, tunnelFdb, tunnelNeighbor, underlayNeighbor } from './overlay';
import { podNetworkState, podRouteState, vethState } from './pod';
import { droppingRule } from './firewall';
import { familyOn, isExternalTunnel, isRouted } from './family';
import { policyRulesOnNodes } from './policy';
import { CAUSES, concreteNextStep } from '../causes';
import { joinClauses } from '../clauses';
import { proxyDump } from './service';
import { dnsServerListenStep } from './listener';

/**
 * The cluster DNS Service's kube-proxy rules on the source node, read as the service hop reads a path's Service
 * (lib/kube traceService, kubeProxyView, compareWithEndpoints): when the pod's resolver is that Service's ClusterIP and
 * the node has no rules for it, or DNATs it to an address that is no ready endpoint, the queries go nowhere — the
 * DNS timeout's cause (proxy-rules-missing / proxy-rules-stale at dns). Undefined when the resolver is another address
 * (e.g. NodeLocal DNSCache's 169.254.20.10), the dumps were not read, or the rules match the EndpointSlices.
 */
function dnsServiceRules(c: Ctx): Problem | undefined {
  // the pod's own resolver as its resolv.conf says (read by judgeDns), else the objects' default
  const nameservers = c.resolvConf?.nameservers ?? c.plan.name?.nameservers;
  const svc = clusterDnsService(c.snap.services, nameservers?.[0]);
  const vip = svc?.spec?.clusterIP;
  if (!svc || !vip || vip === 'None' || (nameservers && !nameservers.includes(vip))) return undefined;
  const sp = svc.spec?.ports?.find((x) => (x.protocol ?? 'TCP').toUpperCase() === 'UDP' && x.port === 53) ?? svc.spec?.ports?.[0];
  if (!sp) return undefined;
  const src = c.plan.src.node;
  const { dump, run } = proxyDump(c, src);
  if (!dump || run?.truncated) return undefined;
  const eps = endpointsForServicePort(svc, sp, c.snap.endpointSlices);
  const view = kubeProxyView(svc, eps, { node: src, vip, zone: nodeZone(c.snap.nodes, src) });
  const cmp = compareWithEndpoints(traceService(dump, vip, sp.port, sp.protocol ?? 'TCP'), view.expected, [], { ...view, node: src });
  if (cmp.status !== 'missing' && cmp.status !== 'stale') return undefined;
  finding(c, run, cmp.sentence);
  const cause = cmp.status === 'missing' ? 'proxy-rules-missing' : 'proxy-rules-stale';
  // the cause's next step about the DNS Service's address, not the path's Service
  const nextStep = concreteNextStep(CAUSES[cause].nextStep, { vip, node: src });
  return { hop: 'dns', cause, reason: `the DNS queries go to Service ${nsName(svc)} ${vip}:${sp.port}/${sp.protocol ?? 'TCP'}, and on node ${src}: ${cmp.sentence}`, rank: RANK[cause], nodes: [src], nextStep };
}

/** veth-down's next step for a cluster DNS pod: its host-side veth by name, and the pod its ReplicaSet replaces. */
const dnsVethStep = (node: string, veth: string, ns: string, name: string) =>
  `On ${node}, \`ip link show ${veth}\` is the host side of ${ns}/${name}'s veth: bring it up (\`ip link set ${veth} up\`) or recreate the pod (\`kubectl delete pod -n ${ns} ${name}\`; its ReplicaSet starts another), then check why the CNI left it down.`;

/** pod-network's next step for a cluster DNS pod: its sandbox, read as the cause's own advice says, and the node's CNI logs. */
const dnsPodNetworkStep = (node: string, ns: string, name: string) =>
  `Check ${ns}/${name}'s sandbox: \`ip addr\` and \`ip route\` inside it (\`kubectl debug -n ${ns} ${name} -it --image=nicolaka/netshoot -- ip route\`); the CNI plugin failed to set up its eth0 or default route. Recreate the pod (\`kubectl delete pod -n ${ns} ${name}\`; its ReplicaSet starts another) and read the CNI logs on ${node}.`;

/**
 * A DNS timeout that a fault on the cluster DNS pods' own way explains is that fault, named at the dns hop: DESIGN
 * §4's root-cause rule. The way is read with the pod path's own readings of a destination pod — each DNS pod's
 * host-side veth, its interface and its route back to the source (lib/verdict/pod.ts; their probes run only once no
 * lookup answered, lib/plan/ops withDnsWay) — and, for DNS pods on other nodes than the source's, the source node's
 * route and neighbor toward the DNS node (lib/verdict/node.ts routeShape, lib/verdict/overlay.ts tunnelNeighbor /
 * underlayNeighbor), the DNS node's neighbor toward the source node (the answers' way back) and each end's filter for
 * tunnel packets from the other.
 */
export function explainDnsTimeout(c: Ctx) {
  const dns = c.problems.find((p) => p.hop === 'dns' && p.cause === 'dns-timeout');
  if (!dns) return;
  // a pod that does not ask the cluster DNS (dnsPolicy Default or None): the CoreDNS pods' way explains nothing
  if (!resolverOf(c).cluster) return;
  const rules = dnsServiceRules(c);
  if (rules) {
    Object.assign(dns, { cause: rules.cause, reason: rules.reason, nodes: rules.nodes, nextStep: rules.nextStep });
    return;
  }
  const pods = dnsPods(c.snap);
  const dnsNodes = pods.map((d) => d.node);
  const src = c.plan.src.node;
  if (!dnsNodes.length) return;
  const extra: Problem[] = [];
  // which DNS pod (its address) each of the DNS way's findings is about: several replicas broken are each named
  const podOf = new Map<Problem, string>();
  const push = (ip: string, p: Problem) => {
    extra.push(p);
    podOf.set(p, ip);
  };
  // The DNS pods' own ends, as the pod path reads its destination pod: a finding on a run only where it fails (a
  // node's link listing is the path's veth evidence too, and keeps the path's words when all is well).
  for (const d of pods) {
    if (!d.pod) continue;
    const { namespace: ns, name } = d.pod;
    const v = vethState(c, ns, name, d.node);
    if (v.run && v.down && v.veth) {
      finding(c, v.run, `${v.seen} (the host side of ${ns}/${name}'s veth)`);
      push(d.ip, { hop: 'dns', cause: 'veth-down', reason: v.down, rank: RANK['veth-down'], nodes: [d.node], nextStep: dnsVethStep(d.node, v.veth.ifname, ns, name) });
    }
    const net = podNetworkState(c, ns, name, d.ip);
    if (net.run && net.seen) finding(c, net.run, net.seen);
    if (net.broken) push(d.ip, { hop: 'dns', cause: 'pod-network', reason: net.broken, rank: RANK['pod-network'], nodes: [d.node], nextStep: dnsPodNetworkStep(d.node, ns, name) });
    const back = podRouteState(c, ns, name, c.plan.src.ip, `${c.plan.src.namespace}/${c.plan.src.name}, where its answers go`);
    if (back.run && back.finding) finding(c, back.run, back.finding);
    // behind a down veth a route may be refused too (a kernel that ignores routes on a link without carrier): the veth
    // is the cause then, not the routes
    if (back.refused && !v.down) push(d.ip, { hop: 'dns', cause: 'pod-network', reason: back.refused, rank: RANK['pod-network'], nodes: [d.node], nextStep: dnsPodNetworkStep(d.node, ns, name) });
  }
  // The DNS pods' way between nodes (none when a DNS pod shares the source's node: its queries cross no other): the
  // source node's route and neighbor toward each DNS node, the DNS node's tunnel filter (the queries) and the source
  // node's (the answers), each naming the node that drops and the node it drops from.
  for (const d of dnsNodes.includes(src) ? [] : pods) {
    // A node's route on the DNS way, read as the node hop reads it (tunnel, peer, cilium_host, or a VPC's gateway): a
    // missing or wrong one is node-route at dns (`say` its sentence from how the route leaves), a good one a finding.
    const wayRoute = (from: string, toward: string, towardNode: string, say: (leaves: string, refused: string) => string, ok: string) => {
      const run = one(c.plan, c.runs, onNode(from, 'node-route-get', toward));
      const got = read(c, run, parseIpRouteGet);
      const r = got?.outcome === 'route' ? got.route : undefined;
      const peerIP = internalIP(c, towardNode);
      const shape = r ? routeShape(c, from, r, peerIP ? [peerIP] : []) : undefined;
      if (got && (!r || !shape?.ok)) {
        const s = say(r ? `would leave ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'}` : '', got.outcome === 'refused' ? got.error.message : '');
        finding(c, run, s);
        push(d.ip, { hop: 'dns', cause: 'node-route', reason: s, rank: RANK['node-route'], nodes: [from, towardNode], nextStep: routeNextStep(from, toward) });
        return;
      }
      if (got?.outcome === 'route') finding(c, run, `${from} → ${toward} (${ok}): ${routeText(got)}`);
      // Routed via a VPC router: the node's route is the family's healthy shape, the router's table is on no node; its
      // answer to the node's ping (withDnsWay plans it) says whether it has the route to the other node's pod CIDR.
      if (r?.gateway && shape?.viaRouter) {
        const no = routerAnswer(c, from, toward, towardNode, r.gateway)?.noRoute;
        if (no) push(d.ip, { hop: 'dns', cause: 'node-route', reason: no.reason, rank: RANK['node-route'], nodes: [from, towardNode], nextStep: no.nextStep });
      }
    };
    wayRoute(src, d.ip, d.node, (leaves, refused) => `${src} has no route to ${d.node}'s pod CIDR: ${d.ip} ${leaves || `is refused ("${refused}")`}`, `DNS pod on ${d.node}`);
    // ...and the DNS node's route back to the source pod: the answers leave that way (a node that lacks the route to
    // the source's pod CIDR receives the queries and loses every answer)
    wayRoute(d.node, c.plan.src.ip, src, (leaves, refused) => `${d.node} has no route to ${src}'s pod CIDR, so the answers of the DNS pod there to ${c.plan.src.ip} ${leaves || `are refused ("${refused}")`}`, "the DNS answers' way back");
    const tunnel = tunnelOf(c, src);
    // The source node's neighbor entry for the DNS node: its tunnel endpoint's and FDB entry (VXLAN) or, on host-gw,
    // its underlay address's — read as the overlay hop reads the path's peer.
    const dnsTun = tunnelOf(c, d.node);
    const dnsLinks = links(c, one(c.plan, c.runs, onNode(d.node, 'node-link')));
    // An external VXLAN device (Cilium) has no FDB or tunnel neighbor entries by design: nothing to read there.
    const external = isExternalTunnel(c, src) || isExternalTunnel(c, d.node);
    const neigh = tunnel && dnsTun
      ? external ? [] : [tunnelNeighbor(c, src, d.node, tunnel, dnsTun), tunnelFdb(c, src, d.node, tunnel, dnsTun)]
      : !tunnel && !dnsTun && dnsLinks && !isRouted(familyOn(c, src)) ? [underlayNeighbor(c, src, d.node, dnsLinks, d.ip)] : [];
    for (const n of neigh) if (n?.stale) push(d.ip, { hop: 'dns', cause: 'neighbor-stale', reason: n.stale.reason, rank: RANK['neighbor-stale'], nodes: [src, d.node], nextStep: n.stale.nextStep });
    // ...and the DNS node's entry for the source node: the answers' way back (a stale one there loses every answer
    // while the queries arrive), read the same way
    const srcLinks = links(c, one(c.plan, c.runs, onNode(src, 'node-link')));
    const back = tunnel && dnsTun
      ? external ? [] : [tunnelNeighbor(c, d.node, src, dnsTun, tunnel), tunnelFdb(c, d.node, src, dnsTun, tunnel)]
      : !tunnel && !dnsTun && srcLinks && !isRouted(familyOn(c, d.node)) ? [underlayNeighbor(c, d.node, src, srcLinks, c.plan.src.ip)] : [];
    for (const n of back) if (n?.stale) push(d.ip, { hop: 'dns', cause: 'neighbor-stale', reason: `${n.stale.reason} (the DNS answers' way back)`, rank: RANK['neighbor-stale'], nodes: [d.node, src], nextStep: n.stale.nextStep });
    // Each end's filter for tunnel packets from the other, in rule order (lib/verdict/firewall): the DNS node's
    // (the queries arrive there from the source node) and the source node's (the answers arrive from the DNS node).
    const port = dnsTun?.vxlan?.port ?? familyOn(c, d.node).tunnel?.port;
    if (dnsTun && port) {
      const ways = [
        { at: d.node, from: src, what: 'the DNS queries' },
        { at: src, from: d.node, what: 'the DNS answers' },
      ];
      for (const w of ways) {
        const { save, nft } = nodeRules(c, w.at);
        const from = internalIP(c, w.from);
        const own = internalIP(c, w.at);
        const drop = droppingRule(save, nft, { hook: 'input', proto: 'udp', port, ...(from ? { src: from } : {}), ...(own ? { dst: own } : {}) }).drop;
        if (drop) push(d.ip, { hop: 'dns', cause: 'overlay-blocked', reason: `${w.at} drops tunnel traffic arriving on UDP ${port} from ${w.from} (${w.what}): \`${drop.text}\` in ${drop.where}`, rank: RANK['overlay-blocked'], nodes: [w.at], nextStep: overlayBlockedStep(w.at, drop, port, w.from, from) });
      }
    }
  }
  // A finding of the DNS way explains the timeout; of the path's, a tunnel drop only where it is on the DNS way: at a
  // DNS node (on the path, so the destination's, dropping what the source sends). One at the source names the path's
  // peer, not the DNS node: the source's own filter for the DNS answers is read above instead. A route or neighbor
  // the path found explains it between the source and a DNS node.
  const explains = (p: Problem) =>
    extra.includes(p) ||
    (!!p.nodes &&
      ((p.cause === 'overlay-blocked' && p.nodes.some((n) => dnsNodes.includes(n))) ||
        ((p.cause === 'node-route' || p.cause === 'neighbor-stale') && p.nodes.includes(src) && p.nodes.some((n) => dnsNodes.includes(n)))));
  // the DNS way's own findings first: among equal ranks they name the right nodes and pods
  const root = [...extra, ...c.problems.filter((p) => p !== dns)].sort((a, b) => a.rank - b.rank).find(explains);
  if (!root) return;
  // Several DNS pods (replicas) broken the same way: every one of them, not only the first — kube-proxy spreads the
  // queries over all, so each must be fixed (their reasons and next steps each name their own pod and node).
  const others = new Map<string, Problem>();
  // some replicas answer when asked directly (c.dnsPartial): a finding on the way to one of those explains nothing
  const answering = new Set(c.dnsPartial?.answeringIPs ?? []);
  for (const p of extra) {
    const ip = podOf.get(p)!;
    if (answering.has(ip)) continue;
    if (p.cause === root.cause && ip !== podOf.get(root) && !others.has(ip) && p.reason !== root.reason && ![...others.values()].some((o) => o.reason === p.reason)) others.set(ip, p);
  }
  const all = extra.includes(root) ? [root, ...others.values()] : [root];
  dns.cause = root.cause;
  // the root's nodes and next step with it: the hop's next step is filled from them (the node that lacks the route)
  const nodes = [...new Set(all.flatMap((p) => p.nodes ?? []))];
  if (nodes.length) dns.nodes = nodes;
  // replicas that refused the query (nothing listens) beside the ones timing out: not part of what times out, said after it
  const refusing = c.dnsRefusing;
  const steps = [...new Set([...all.map((p) => p.nextStep), refusing?.step].filter((x): x is string => !!x))];
  if (steps.length) dns.nextStep = steps.join(' ');
  else delete dns.nextStep;
  const timingOut = c.dnsPartial?.failing.filter((l) => !refusing?.labels.includes(l));
  const to = timingOut?.length ? `DNS queries kube-proxy sends to ${timingOut.join(', ')}` : `DNS queries to the cluster DNS on ${[...new Set(dnsNodes)].join(', ')}`;
  dns.reason = `${to} time out because ${joinClauses(all.map((p) => p.reason.replace(/^./, (x) => x.toLowerCase())))}${refusing ? `; ${refusing.say}` : ''}`;
}

/** One cluster DNS pod as dug directly from the source (dig-replica): what it did with the query. */
interface ReplicaDig {
  ip: string;
  node: string;
  pod?: { namespace: string; name: string };
  /** "kube-system/coredns-x (10.244.1.2) on worker-1" */
  label: string;
  /** where its DNS server listens (the DNS Service's targetPort): 53 but for a Service port mapped elsewhere */
  port: number;
  /** answer: any DNS answer (whatever its rcode: the server is there); refused: an ICMP port unreachable (nothing listens on its port) */
  outcome: 'answer' | 'timeout' | 'refused' | 'unreachable';
  /** dig's own line for a query that got no answer (";; communications error to 10.244.1.2#53: connection refused") */
  message?: string;
}

/** The words for a replica that did not answer, after its label. */
const REPLICA_FAILS: Record<Exclude<ReplicaDig['outcome'], 'answer'>, string> = {
  timeout: 'does not answer (timed out)',
  refused: 'refuses the query (an ICMP port unreachable: nothing listens on its UDP port PORT)',
  unreachable: 'cannot be reached (network unreachable)',
};

const failText = (o: ReplicaDig['outcome'], port: number) => (o === 'answer' ? 'answers' : REPLICA_FAILS[o].replace('PORT', String(port)));

/**
 * The cluster DNS pods as the source's queries sent to each directly found them (planPath's dig-replica when there are
 * several, lib/plan/ops withDnsWay once a lookup failed): a finding on each run, and the replicas in EndpointSlice
 * order. Only runs that were read count; none for a pod that does not ask the cluster DNS.
 */
function judgeDnsReplicas(c: Ctx): ReplicaDig[] {
  const pods = dnsPods(c.snap);
  const out: ReplicaDig[] = [];
  for (const d of pods) {
    const run = one(c.plan, c.runs, (p) => p.probe === 'dig-replica' && p.args.ip === d.ip);
    const port = d.port ?? 53;
    const r = read(c, run, parseDig);
    if (!r || !run) continue;
    const label = `${d.pod ? `${d.pod.namespace}/${d.pod.name} ` : ''}(${d.ip}) on ${d.node}`;
    const outcome: ReplicaDig['outcome'] = r.outcome === 'answer' || r.stray ? 'answer' : r.reason === 'connection-refused' ? 'refused' : r.reason === 'network-unreachable' ? 'unreachable' : 'timeout';
    const rep: ReplicaDig = { ip: d.ip, node: d.node, ...(d.pod ? { pod: d.pod } : {}), label, port, outcome, ...(r.outcome === 'no-response' ? { message: r.message } : {}) };
    finding(c, run, outcome === 'answer' ? `${label}: ${r.outcome === 'answer' ? `${r.rcode}${r.queryTimeMs !== undefined ? ` in ${r.queryTimeMs} ms` : ''}` : 'a reply came back'}` : `${label} ${failText(outcome, port)}`);
    out.push(rep);
  }
  return out;
}

/**
 * The dns hop's problem when some cluster DNS pods dug directly fail: every failing one refusing is app-not-listening
 * (the pods run, nothing listens on their port 53 — observed: the query drew an ICMP port unreachable from the pod's
 * own address, never inferred from a refusal through the Service, which kube-proxy's reject of a Service without
 * endpoints gives too); otherwise dns-timeout naming each failing pod (explainDnsTimeout may find why). `head`: what
 * the lookup through the Service did. Some answering: c.dnsPartial, the verdict `degraded`.
 */
function replicaProblem(c: Ctx, reps: readonly ReplicaDig[], head: string, asked: string) {
  const failing = reps.filter((r) => r.outcome !== 'answer');
  const answering = reps.filter((r) => r.outcome === 'answer');
  if (!failing.length) return false;
  if (answering.length) c.dnsPartial = { answering: answering.map((r) => r.label), failing: failing.map((r) => r.label), answeringIPs: answering.map((r) => r.ip) };
  const src = `${c.plan.src.namespace}/${c.plan.src.name}`;
  const each = failing.map((r) => `${r.label} ${failText(r.outcome, r.port)}${r.outcome === 'refused' && r.message ? `: "${r.message}"` : ''}`);
  const ports = [...new Set(failing.map((r) => r.port))].join(', ');
  if (failing.every((r) => r.outcome === 'refused')) {
    problem(c, 'dns', 'app-not-listening', `${head}: asked directly from ${src}, ${joinClauses(each)} — the pod${failing.length === 1 ? ' runs but its DNS server does' : 's run but their DNS servers do'} not serve port ${ports}`, [...new Set(failing.map((r) => r.node))], dnsServerListenStep(failing, src, asked));
  } else {
    problem(c, 'dns', 'dns-timeout', `${head}: asked directly from ${src}, ${joinClauses(each)}`, [...new Set(failing.map((r) => r.node))]);
    const refusing = failing.filter((r) => r.outcome === 'refused');
    if (refusing.length) c.dnsRefusing = { labels: refusing.map((r) => r.label), say: joinClauses(refusing.map((r) => `${r.label} ${failText(r.outcome, r.port)}`)), step: dnsServerListenStep(refusing, src, asked) };
  }
  return true;
}

// ------------------------------------------------------------------ DNS ----

export function judgeDns(c: Ctx) {
  const { plan } = c;
  const name = plan.name;
  if (!name) return;
  const rc = one(plan, c.runs, onPod(plan.src.namespace, plan.src.name, 'resolv-conf'));
  let candidates = name.candidates;
  // A resolv.conf that could not be read (missing, cut) leaves the planned candidates: never an empty config.
  const conf = read(c, rc, parseResolvConf);
  // one parse for every DNS judgement after this one (dnsServiceRules)
  if (conf) c.resolvConf = conf;
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
    // Candidates in namespaces whose Services this user may not read: unknown, neither "no such Service" nor outside.
    const hidden = name.matched ? [] : candidates.map((x) => parseServiceFqdn(x, name.clusterDomain)).filter((x): x is NonNullable<typeof x> => !!x && servicesUnreadable(c.snap, x.namespace));
    if (name.matched) observe(c, 'dns', `objects: ${name.matched.fqdn} is Service ${name.matched.service}`);
    else if (hidden.length) {
      const which = [...new Set(hidden.map((h) => `${h.namespace}/${h.service}`))];
      const text = `"${name.name}" may be Service ${which.join(' or ')}, which this user may not read (get on services in ${[...new Set(hidden.map((h) => h.namespace))].join(', ')}): the objects cannot say whether it exists, where it leads or which policies apply`;
      observe(c, 'dns', text);
      c.unknowns.push(text);
    } else if (isClusterName(name.name, name.clusterDomain) || !name.name.includes('.') || c.snap.namespaces.some((n) => n.metadata?.name === name.name.split('.')[1])) {
      problem(c, 'dns', 'dns-nxdomain', `no Service matches "${name.name}" from namespace ${plan.src.namespace}: the resolver would try ${candidates.join(', ')} and none is a Service${shortNameHint(c)}`, undefined, noSuchServiceStep(c));
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
  // the cluster DNS pods dug directly (several replicas, or once a lookup failed): the ones that fail are observed too
  const who = resolverOf(c);
  const reps = who.cluster ? judgeDnsReplicas(c) : [];
  const repFailing = reps.filter((r) => r.outcome !== 'answer');
  observe(c, 'dns', [...lines, ...repFailing.map((r) => `${r.label}: no answer (${r.outcome === 'refused' ? NO_RESPONSE['connection-refused'] : r.outcome === 'unreachable' ? NO_RESPONSE['network-unreachable'] : NO_RESPONSE.timeout})`)].join('; '));
  // the name the replicas were asked (lib/plan planPath, ops withDnsWay): the next step's dig asks it again
  const asked = name.matched?.fqdn ?? name.name;
  if (resolvedAt >= 0) {
    // The lookup answered this time, yet a replica fails a query sent to it: the lookups kube-proxy sends there fail.
    replicaProblem(c, reps, `the lookup of ${candidates[resolvedAt]} through ${resolver || 'the resolver'} answered this time, but ${repFailing.length} of ${reps.length} cluster DNS pods ${repFailing.length === 1 ? 'does' : 'do'} not`, asked);
    if (vip && !answer.includes(vip)) problem(c, 'dns', 'dns-wrong-answer', `${candidates[resolvedAt]} resolves to ${answer.join(', ')}, but Service ${plan.service?.key} has ClusterIP ${vip}`);
    if (resolvedAt > 0) {
      const queries = queryCount(candidates, resolvedAt);
      // glibc: a name with at least ndots dots is tried as-is first, then with each search suffix; fewer dots → the search names first.
      const ndots = conf?.options.ndots ?? 5;
      const asIsFirst = candidates[0] === name.name.replace(/\.$/, '');
      const dots = (name.name.match(/\./g) ?? []).length;
      const before = candidates.slice(0, resolvedAt);
      const why = asIsFirst
        ? `"${name.name}" has ${dots} dot${dots === 1 ? '' : 's'} (ndots ${ndots}), so the resolver tries it as-is first and then the search names: ${before.length} name${before.length === 1 ? '' : 's'} (${before.join(', ')}) before ${candidates[resolvedAt]} answers`
        : `"${name.name}" has fewer than ${ndots} dots, so the resolver tries ${resolvedAt} search name${resolvedAt === 1 ? '' : 's'} first (${before.join(', ')})`;
      // the name that answered, absolute: one query per type, no search list (lib/causes' text has a generic example)
      const fqdn = `${candidates[resolvedAt].replace(/\.$/, '')}.`;
      warn(c, 'dns', 'ndots-amplification', `${why}: ${queries} queries (A and AAAA each) for one lookup`, `Use the FQDN with a trailing dot (\`${fqdn}\`) or lower \`ndots\` in the pod's dnsConfig.`);
    }
    return;
  }
  if (timeouts > 0 && timeouts === ran.length && !who.cluster) {
    // The pod's own resolver (dnsPolicy Default: the node's; None: its dnsConfig's) is silent: that server, not
    // CoreDNS, is the one to check — the pod never asks the cluster DNS.
    const why = policyRulesOnNodes(c).found === false ? undefined : foreignPolicyDenial(c, who.nameservers);
    if (why) problem(c, 'dns', 'policy-denied', `DNS queries to ${resolver} (${who.how}) time out because ${why}`);
    else problem(c, 'dns', 'dns-timeout', silentWhy ? `no query reached ${plan.src.namespace}/${plan.src.name}'s resolver ${resolver} (${who.how}, not the cluster DNS): ${silentWhy} from the pod` : `${plan.src.namespace}/${plan.src.name}'s resolver ${resolver} (${who.how}, not the cluster DNS) ${ran.length === 1 ? 'did not answer the 1 query (it waited 2 s)' : `answered none of ${ran.length} queries (each waited 2 s)`}`, undefined, foreignTimeoutStep(c, who, silentWhy, candidates[0] ?? name.name));
    return;
  }
  if (timeouts > 0 && timeouts === ran.length) {
    // a policy the path's nodes do not enforce (no policy engine's rules on them) drops nothing
    const why = policyRulesOnNodes(c).found === false ? undefined : dnsPolicyDenial(c);
    const vipHead = `the resolver ${resolver} ${ran.length === 1 ? `did not answer the 1 query (${silentWhy ?? 'it waited 2 s'})` : `answered none of ${ran.length} queries (${silentWhy ?? 'each waited 2 s'})`}`;
    if (why) problem(c, 'dns', 'policy-denied', `DNS queries time out because ${why}`);
    // the cluster DNS pods dug directly: some answer (a lookup works when kube-proxy draws one of them), or every one
    // refuses (nothing listens on port 53) — each named; every one silent is the cluster DNS not answering, below
    else if ((repFailing.length < reps.length || (reps.length && repFailing.every((r) => r.outcome === 'refused'))) && replicaProblem(c, reps, vipHead, asked)) return;
    else if (silentWhy) {
      // the pod's own network is why no query left (src-pod's pod-network, judged on its route to the resolver): the
      // lookup's root cause is that, named at dns too (DESIGN §4: the root cause where the evidence shows it)
      const own = c.problems.find((p) => p.hop === 'src-pod' && p.cause === 'pod-network');
      if (own) problem(c, 'dns', 'pod-network', `no query reached the resolver ${resolver}: ${silentWhy} from the pod, whose own network is broken (src-pod)`, own.nodes, own.nextStep);
      else problem(c, 'dns', 'dns-timeout', `no query reached the resolver ${resolver}: ${silentWhy} from the pod`);
    }
    else {
      // the cluster DNS's pods by name, every one: the queries went to whichever kube-proxy picked
      const pods = dnsPods(c.snap).map((d) => `${d.pod ? `${d.pod.namespace}/${d.pod.name}` : d.ip} on ${d.node}`);
      const which = pods.length ? ` (its pod${pods.length === 1 ? '' : 's'}: ${pods.join(', ')})` : '';
      problem(c, 'dns', 'dns-timeout', `the resolver ${resolver} ${ran.length === 1 ? 'did not answer the 1 query (it waited 2 s)' : `answered none of ${ran.length} queries (each waited 2 s)`}: cluster DNS is not answering${which}`);
    }
    return;
  }
  // A resolver that is not the cluster DNS (dnsPolicy Default: the node's resolv.conf; None with a dnsConfig of its
  // own) knows no cluster name: that, not the name, is why a Service's name does not resolve. Told by both signs, as
  // kubelet writes ClusterFirst: no `svc.<cluster domain>` search entry, and not the cluster DNS Service's ClusterIP —
  // a node-local cache (NodeLocal DNSCache's 169.254.20.10) keeps the search list, so it is not mistaken for one.
  const cluster = clusterDnsService(c.snap.services)?.spec?.clusterIP;
  const clusterSearch = conf?.search.some((d) => d.replace(/\.$/, '').endsWith(`svc.${name.clusterDomain}`));
  // The pod's dnsPolicy and dnsConfig say so too (podResolver): Default and None ask no cluster DNS, whatever search
  // list a dnsConfig adds (a None pod may well list `<ns>.svc.cluster.local` and still ask an outside server).
  const foreign = !who.cluster || (conf && conf.nameservers.length && !conf.nameservers.includes(cluster ?? '') && !clusterSearch);
  const src = `${plan.src.namespace}/${plan.src.name}`;
  if (conf && cluster && conf.nameservers.length && foreign && (name.matched || elsewhere(c))) {
    const how = who.cluster ? `dnsPolicy ${who.policy}` : who.how;
    const none = who.policy === 'None' ? `list ${cluster} first in its dnsConfig.nameservers with the cluster search domains, or use dnsPolicy: ClusterFirst` : `dnsPolicy: ClusterFirst in its pod spec (or a dnsConfig naming ${cluster} with the cluster search domains)`;
    problem(c, 'dns', 'dns-nxdomain', `"${name.name}" does not resolve because ${src}'s resolver is ${conf.nameservers.join(', ')} (${how}), not the cluster DNS ${cluster}: it knows no cluster name (search ${conf.search.join(' ') || '(none)'})${name.matched ? `; Service ${name.matched.service} itself is not at fault` : ''}`, undefined, `Give ${src} the cluster DNS: ${none}; meanwhile dial the Service's ClusterIP${plan.service?.vip ? ` ${plan.service.vip}` : ''}.`);
    return;
  }
  if (conf && !who.cluster && who.nameservers.length) {
    // a name the pod's own resolver (not the cluster DNS) says does not exist: that server's answer, not CoreDNS's
    const first = candidates[0] ?? name.name;
    problem(c, 'dns', 'dns-nxdomain', `"${name.name}" does not resolve: ${src}'s resolver ${resolver} (${who.how}, not the cluster DNS) answers NXDOMAIN or no address for every candidate it tries (${candidates.join(', ')})${shortNameHint(c)}`, undefined, `Check the name against the resolver ${src} really asks: \`dig @${who.nameservers[0]} ${first.replace(/\.$/, '')}.\` from the pod (${who.how}) — the cluster DNS is not asked; if the name is in another DNS, point the pod's dnsConfig.nameservers (or dnsPolicy) at a resolver that holds it.`);
    return;
  }
  problem(c, 'dns', 'dns-nxdomain', `"${name.name}" does not resolve: every candidate the resolver tries (${candidates.join(', ')}) is NXDOMAIN or empty${shortNameHint(c)}`, undefined, noSuchServiceStep(c) ?? outsideNameStep(c));
}

/**
 * dns-nxdomain's next step for a name outside the cluster (dotted, not in the cluster domain, its second label no
 * namespace of the cluster, no Service of its first label anywhere): the cluster DNS forwarded it and its upstream
 * said it does not exist — the name or its zone is what to check, not a Service or a namespace. Undefined otherwise.
 */
function outsideNameStep(c: Ctx): string | undefined {
  const name = c.plan.name;
  if (!name || name.matched || elsewhere(c)) return undefined;
  const n = name.name.replace(/\.$/, '');
  const labels = n.split('.');
  if (labels.length < 2 || isClusterName(n, name.clusterDomain) || c.snap.namespaces.some((x) => x.metadata?.name === labels[1])) return undefined;
  const { namespace: ns, name: pod } = c.plan.src;
  return `${n} is a name outside the cluster: the cluster DNS forwards it upstream, and the answer is that it does not exist. Check its spelling and that the record exists in the zone that holds it: \`dig ${n}.\` from the pod (\`kubectl debug -n ${ns} ${pod} -it --image=nicolaka/netshoot -- dig ${n}.\`) and from a machine outside the cluster; a name only your internal DNS holds needs CoreDNS to forward that zone there (a \`forward\` block in its Corefile, or a stub domain).`;
}

/** The resolver the source pod really asks (lib/kube podResolver): its resolv.conf as read, its dnsPolicy and dnsConfig. */
function resolverOf(c: Ctx): PodResolver {
  return podResolver(c.plan.src.pod, c.resolvConf, { ips: clusterDnsIPs(c.snap) });
}

/**
 * dns-timeout's next step when the pod's resolver is not the cluster DNS (dnsPolicy Default or None): that server by
 * address, asked from the pod, and where its address comes from — not CoreDNS, which the pod never asks.
 */
function foreignTimeoutStep(c: Ctx, who: PodResolver, silentWhy: string | undefined, asked: string): string {
  const q = `${asked.replace(/\.$/, '')}.`;
  const src = `${c.plan.src.namespace}/${c.plan.src.name}`;
  const ns = who.nameservers[0] ?? '?';
  const from = who.policy === 'None' ? `its dnsConfig.nameservers (${who.nameservers.join(', ')})` : who.policy === 'Default' ? `the /etc/resolv.conf of its node ${c.plan.src.node} (dnsPolicy Default)` : `its /etc/resolv.conf (${who.how})`;
  const refused = silentWhy === NO_RESPONSE['connection-refused'];
  return `${src} asks ${ns}, from ${from}, not the cluster DNS: \`dig @${ns} ${q}\` from the pod (\`kubectl debug -n ${c.plan.src.namespace} ${c.plan.src.name} -it --image=nicolaka/netshoot -- dig @${ns} ${q}\`) must answer — check that ${ns} runs a DNS server ${refused ? '(nothing listens on its port 53: the query drew an ICMP port-unreachable) ' : ''}reachable from ${c.plan.src.node} on UDP/TCP 53, or correct ${who.policy === 'None' ? 'dnsConfig.nameservers' : "the node's resolv.conf"}; dnsPolicy: ClusterFirst gives the pod the cluster DNS instead.`;
}

/** Does an egress policy of the source deny UDP 53 to a resolver that is not the cluster DNS (an ipBlock matter)? */
function foreignPolicyDenial(c: Ctx, nameservers: readonly string[]): string | undefined {
  for (const ip of nameservers) {
    const ev = evaluate({ src: { pod: c.plan.src.pod }, dst: { ip }, protocol: 'UDP', port: 53 }, c.snap.policies, c.snap.pods, c.snap.namespaces);
    if (!ev.egress.allowed) return ev.egress.reason ?? ev.sentence;
  }
  return undefined;
}

/**
 * dns-nxdomain's next step when no Service has the name's first label where it points (the source's namespace for
 * a short name, NS for NAME.NS…) nor anywhere else: that namespace's Services, the near ones first ("did you
 * mean backend?"). Undefined — the cause's own text — when the name exists elsewhere (the reason says where),
 * points nowhere, or the snapshot knows no Service there.
 */
export function noSuchServiceStep(c: Ctx): string | undefined {
  const n = (c.plan.name?.name ?? '').replace(/\.$/, '');
  const ns = namespaceOfName(n, c.plan.src.namespace);
  const e = elsewhere(c);
  // a namespace-qualified name in the wrong namespace: the cause's text speaks of short names
  if (e?.qualified) return `Check the namespace: \`${e.use}\` is the Service ${e.first} in namespace ${e.use.split('.')[1]} (\`kubectl get svc -A --field-selector metadata.name=${e.first}\` lists every namespace that has one).`;
  if (!n || !ns || e) return undefined;
  if (ns !== c.plan.src.namespace && !c.snap.namespaces.some((x) => x.metadata?.name === ns)) return undefined;
  const names = [...serviceNamesOf(c.snap, ns)].sort();
  if (!names.length) return undefined;
  const first = n.split('.')[0];
  const near = nearNames(first, names).map((x) => `${x}${n.slice(first.length)}`);
  const shown = `${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`;
  return `Check the name: namespace ${ns} has no Service ${first}${didYouMean(near) || '.'} Its Services: ${shown} (\`kubectl get svc -n ${ns}\`).`;
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

/**
 * A Service of the name's first label in other namespaces than the name points into: where, and the name to use —
 * for a short name (`backend` from db: backend.shop) or a namespace-qualified one whose namespace is wrong
 * (`backend.shopp`: backend.shop, the nearest namespace first; a typed .svc… suffix is kept).
 */
function elsewhere(c: Ctx): { first: string; nss: string[]; qualified?: string; use: string } | undefined {
  const n = (c.plan.name?.name ?? '').replace(/\.$/, '');
  const labels = n.split('.');
  const first = labels[0];
  const nss = c.snap.services.filter((s) => s.metadata?.name === first && (labels.length === 1 || !c.plan.name?.matched)).map((s) => nsName(s).split('/')[0]);
  if (!nss.length) return undefined;
  if (labels.length === 1) return { first, nss, use: `${first}.${nss[0]}` };
  const best = nearNames(labels[1], nss)[0] ?? nss[0];
  // the cluster suffix typed after the namespace (svc, svc.cluster.local) stays; anything else was not a Service name
  const rest = labels[2] === 'svc' ? labels.slice(2) : [];
  return { first, nss, qualified: labels[1], use: [first, best, ...rest].join('.') };
}

/** A name that exists as a Service in another namespace: say so. */
function shortNameHint(c: Ctx): string {
  const e = elsewhere(c);
  if (!e) return '';
  if (e.qualified) return `; namespace ${e.qualified} has no Service ${e.first}, but namespace ${e.nss.join(', ')} ${e.nss.length === 1 ? 'has' : 'have'} one — use ${e.use}`;
  return `; a Service named ${e.first} exists in namespace ${e.nss.join(', ')} — a short name only resolves in its own namespace, use ${e.use}`;
}

/** Does an egress policy of the source deny DNS (UDP 53 to the cluster DNS pods)? */
function dnsPolicyDenial(c: Ctx): string | undefined {
  const dnsSvc = clusterDnsService(c.snap.services, c.plan.name?.nameservers?.[0]);
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
