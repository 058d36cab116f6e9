// What the orchestrator learns while a diagnosis runs, folded back into the plan (issue 9: planning lives in
// lib/plan). Each function is pure and returns a NEW plan; the one it is given is left as it was. The order
// of `probes` is kept (what was planned first stays first), and a run's key is the same in every plan
// (probeKey), so runs made before a re-plan are found again by key.
import type { HopId } from '../model';
import { candidateNames, formatEndpoint, podResolver } from '../kube';
import { isHostname } from '../probeArgs';
import type { PathPlan, PlannedProbe } from './index';
import type { ProbeArgs } from '../probes';
import { egressProbes } from './egress';

/**
 * The key of a planned run: where it runs (`NS/POD`, `node/NODE` or `outside`), the probe, then each argument's
 * value in the order given, ':'-joined — e.g. "shop/frontend-0:tcp-connect:10.96.0.50:80". The same run planned
 * twice has one key (its output is read by every hop that planned it).
 */
export function probeKey(p: Pick<PlannedProbe, 'where' | 'pod' | 'node' | 'probe' | 'args'>): string {
  return [p.where === 'pod' ? `${p.pod!.namespace}/${p.pod!.name}` : p.where === 'outside' ? 'outside' : `node/${p.node}`, p.probe, ...Object.values(p.args).map(String)].join(':');
}

/** A planned probe with its key (probeKey): how every plan op makes the probes it adds. */
export function keyed(p: Omit<PlannedProbe, 'key'>): PlannedProbe {
  return { ...p, key: probeKey(p) };
}

/** What endpointPort reads of a plan: a PathPlan's Service, drawn pod and port. */
export interface EndpointPortPlan {
  service?: { endpoints: { endpoints: readonly { ip: string; port: number }[] } };
  dst?: { ip: string };
  dstPort?: number;
}

/**
 * The port the drawn destination pod is dialled on: for a Service, the endpoint port of that pod (undefined when
 * the pod is not one of its endpoints); otherwise dstPort (a pod or IP target).
 */
export function endpointPort(plan: EndpointPortPlan): number | undefined {
  return plan.service && plan.dst ? plan.service.endpoints.endpoints.find((e) => e.ip === plan.dst!.ip)?.port : plan.dstPort;
}

/**
 * The ready endpoints a path's Service answers on, as the source connects to them directly: a Service's ready
 * EndpointSlice endpoints (ip, endpoint port, the pod when the slice names it), or a headless Service's ready pod IPs
 * at the port the app dials. Empty for any other target. One list for the plan's direct connects and the judge's
 * partialService.
 */
export function readyEndpoints(plan: Pick<PathPlan, 'service' | 'edge' | 'dstPort'>): { ip: string; port: number; pod?: string }[] {
  // the ones kube-proxy on the source's node uses, when it narrows them (topology hints, internalTrafficPolicy Local)
  const used = plan.service?.used;
  if (plan.service) return plan.service.endpoints.endpoints.filter((e) => e.ready && (!used || used.includes(formatEndpoint(e.ip, e.port)))).map((e) => ({ ip: e.ip, port: e.port, ...(e.pod ? { pod: e.pod } : {}) }));
  const port = plan.dstPort;
  return plan.edge?.headless && port ? plan.edge.headless.ready.map((ip) => ({ ip, port })) : [];
}

/** The probes whose output is evidence for `hop`: planned for it, or for another hop and read by it too (alsoHops). */
export function probesOf(plan: Pick<PathPlan, 'probes'>, hop: HopId): PlannedProbe[] {
  return plan.probes.filter((p) => p.hop === hop || p.alsoHops?.includes(hop));
}

/** Of judged `hops`, those that have probes and whose every probe has a run in `runs` (keyed by probe key): what a live view may show as final. */
export function hopsProbed<H extends { id: HopId }>(plan: Pick<PathPlan, 'probes'>, runs: ReadonlyMap<string, unknown>, hops: H[]): H[] {
  return hops.filter((h) => {
    const mine = probesOf(plan, h.id);
    return mine.length > 0 && mine.every((p) => runs.has(p.key));
  });
}

/**
 * The plan once the source pod's resolv.conf is read: the dig probes are the candidates its resolver tries,
 * in order (lib/kube candidateNames over `search` and `ndots`), replacing the ones planned from the objects'
 * defaults, and the pod's nameservers kept. A candidate that is not a DNS host name (a hostile or broken search line) is not dug: it never
 * reaches argv. No name in the target: the plan as it was.
 */
export function withResolvConf(plan: PathPlan, conf: { search: string[]; ndots: number; nameservers?: string[] }): PathPlan {
  if (!plan.name) return plan;
  const candidates = candidateNames(plan.name.name, conf.search, conf.ndots).filter((name) => isHostname(name));
  const digs = digProbes(plan, firstDigNames(candidates, plan.name.matched?.fqdn));
  // the pod's real nameservers: the cluster DNS Service is the one with that ClusterIP (lib/kube clusterDnsService)
  const name = { ...plan.name, candidates, search: conf.search, ndots: conf.ndots, ...(conf.nameservers ? { nameservers: conf.nameservers } : {}) };
  return { ...plan, name, probes: [...plan.probes.filter((p) => p.probe !== 'dig'), ...digs] };
}

/**
 * The candidates dug first: up to and including the one the objects say is a Service (`matchedFqdn`), since the
 * resolver stops at the first name that answers and never asks the ones after it; every candidate when none
 * matches (a name outside the cluster, a typo) or the match is not among them. `withDnsRest` adds the rest when
 * the matched name does not answer after all.
 */
export function firstDigNames(candidates: readonly string[], matchedFqdn: string | undefined): string[] {
  const at = matchedFqdn ? candidates.indexOf(matchedFqdn) : -1;
  return at < 0 ? [...candidates] : candidates.slice(0, at + 1);
}

function digProbes(plan: PathPlan, names: readonly string[]): PlannedProbe[] {
  const pod = { namespace: plan.src.namespace, name: plan.src.name };
  return names.map((name) => keyed({ probe: 'dig', hop: 'dns', where: 'pod', pod, args: { name }, phase: 2 }));
}

/** What withDnsRest reads of a dig run: its exit code and whether its answer holds addresses (lib/parse/dig). */
export interface DigOutcome {
  notRun?: string;
  exitCode: number | null;
  /** NOERROR with at least one address */
  answered: boolean;
}

/**
 * The rest of the candidates, once the first ones were dug (`digs`: by probe key): added when the matched
 * candidate got an answer that is not an address (NXDOMAIN, an empty NOERROR — the objects and the cluster DNS
 * disagree, so what the resolver does next matters). Not when it timed out or could not run: the resolver is
 * not answering, and the later names would wait out the same timeout. Returns the new plan and the added digs.
 */
export function withDnsRest(plan: PathPlan, digs: ReadonlyMap<string, DigOutcome>): { plan: PathPlan; added: PlannedProbe[] } {
  const name = plan.name;
  const none = { plan, added: [] };
  if (!name?.matched) return none;
  const planned = new Set(plan.probes.filter((p) => p.probe === 'dig').map((p) => p.args.name));
  const rest = name.candidates.filter((c) => !planned.has(c));
  const matched = plan.probes.find((p) => p.probe === 'dig' && p.args.name === name.matched!.fqdn);
  const r = matched ? digs.get(matched.key) : undefined;
  if (!rest.length || !r || r.notRun || r.exitCode !== 0 || r.answered) return none;
  const added = digProbes(plan, rest);
  return { plan: { ...plan, probes: [...plan.probes, ...added] }, added };
}

/**
 * The DNS pods whose own probes withDnsWay adds, at most (EndpointSlice order): each costs an exec and a debug
 * container in that pod; a cluster runs two CoreDNS replicas by default, and a fault that silences every lookup shows
 * on any of them.
 */
export const MAX_DNS_WAY_PODS = 4;

/** A dig-replica's arguments: the DNS pod's address, its port when not 53 (the DNS Service's targetPort), the name asked. */
export function digReplicaArgs(d: { ip: string; port?: number }, name: string): ProbeArgs {
  return { ip: d.ip, ...(d.port && d.port !== 53 ? { port: d.port } : {}), name: name.replace(/\.$/, '') };
}

/** dig's exit status when no server answered (dig(1): "9: No reply from server"). */
export const DIG_NO_REPLY = 9;

/**
 * The way to the cluster DNS pods, once every lookup of the name went unanswered (each dig ran and exited
 * DIG_NO_REPLY) or a DNS replica dug directly did not answer (dig-replica, exit DIG_NO_REPLY): the probes the pod path reads at a destination pod, in each DNS pod (`dnsPods`, not a hostNetwork
 * one; the first MAX_DNS_WAY_PODS) — its `ip -j addr` (eth0's state and address, and its `link_index`, which names the host-side veth in its
 * node's `ip -j -d addr`) and its `ip -j route get` toward the source pod (the way the answers leave) — and its node's
 * links, and the source node's FDB when every DNS pod is on another node (VXLAN's entry for the DNS node's tunnel
 * endpoint), and each DNS node's rule dumps (iptables-save and nft list ruleset: its filter for the tunnel packets of
 * the queries; the first MAX_DNS_WAY_PODS nodes), route toward the source pod and neighbor and FDB entries (the answers' way), when the plan lacks them (a cross-node path plans both). The source node's route and neighbor toward
 * each DNS node are planned from the start (planPath). Only on this failing path: a lookup that answers adds
 * nothing. Returns the new plan and the added probes (phase 2, hop dns; lib/verdict/dns.ts explainDnsTimeout reads them).
 * Nothing either when the pod does not ask the cluster DNS (dnsPolicy Default or None, its nameservers none of
 * `clusterIPs` — the DNS Service's ClusterIPs — nor a DNS pod's: lib/kube podResolver): its lookups never went there.
 */
export function withDnsWay(plan: PathPlan, dns: readonly { ip: string; node: string; pod?: { namespace: string; name: string }; port?: number }[], runs: ReadonlyMap<string, RunOutcome>, clusterIPs: readonly string[] = []): { plan: PathPlan; added: PlannedProbe[] } {
  const none = { plan, added: [] };
  const digs = plan.probes.filter((p) => p.probe === 'dig');
  // a pod that does not ask the cluster DNS (dnsPolicy Default or None, lib/kube podResolver): its silence is not the DNS pods'
  const asks = podResolver(plan.src.pod, plan.name?.nameservers ? { nameservers: plan.name.nameservers } : undefined, { ips: [...clusterIPs, ...dns.map((d) => d.ip)] });
  if (!asks.cluster) return none;
  const noReply = (p: PlannedProbe) => {
    const r = runs.get(p.key);
    return !!r && !r.notRun && r.exitCode === DIG_NO_REPLY;
  };
  // every lookup unanswered, or a replica dug directly (planPath's dig-replica) that did not answer: a fault of some
  // DNS pods fails only the lookups kube-proxy sends there
  if (!plan.name || !digs.length || !(digs.every(noReply) || plan.probes.some((p) => p.probe === 'dig-replica' && noReply(p)))) return none;
  const have = new Set(plan.probes.map((p) => p.key));
  const added: PlannedProbe[] = [];
  const add = (p: Omit<PlannedProbe, 'key'>) => {
    const k = keyed(p);
    if (!have.has(k.key)) {
      have.add(k.key);
      added.push(k);
    }
  };
  // the source node's FDB toward a DNS node (a VXLAN tunnel endpoint's entry), when the path's overlay did not plan it
  const apart = dns.length > 0 && dns.every((d) => d.node !== plan.src.node);
  if (apart) add({ probe: 'fdb', hop: 'dns', where: 'node', node: plan.src.node, args: {}, phase: 2 });
  // each DNS pod dug directly from the source (planPath digs them from the start when there are several): whether it
  // answers, is silent or refuses (nothing listens on its port 53) — a refusal through the Service may be kube-proxy's
  // own reject of a Service without endpoints, a refusal from the pod's address is the pod's
  const srcPod = { namespace: plan.src.namespace, name: plan.src.name };
  for (const d of dns.slice(0, MAX_DNS_WAY_PODS)) add({ probe: 'dig-replica', hop: 'dns', where: 'pod', pod: srcPod, args: digReplicaArgs(d, plan.name.matched?.fqdn ?? plan.name.name), phase: 2 });
  for (const d of dns.filter((x) => x.pod && !(x.pod.namespace === plan.src.namespace && x.pod.name === plan.src.name)).slice(0, MAX_DNS_WAY_PODS)) {
    if (!d.pod) continue;
    add({ probe: 'addr', hop: 'dns', where: 'pod', pod: d.pod, args: {}, phase: 2 });
    add({ probe: 'route-get', hop: 'dns', where: 'pod', pod: d.pod, args: { ip: plan.src.ip }, phase: 2 });
    add({ probe: 'node-link', hop: 'dns', where: 'node', node: d.node, args: {}, phase: 2 });
  }
  // each DNS node's filter for the tunnel packets of the queries, in both dumps (a firewall may be in either,
  // whatever kube-proxy's mode), hostNetwork DNS pods' nodes too; the source node's are planned by the path
  // and its route back to the source pod (the way its DNS pods' answers leave it)
  for (const node of [...new Set(dns.map((d) => d.node))].filter((n) => n !== plan.src.node).slice(0, MAX_DNS_WAY_PODS)) {
    for (const probe of ['iptables-save', 'nft-ruleset'] as const) add({ probe, hop: 'dns', where: 'node', node, args: {}, phase: 2 });
    add({ probe: 'node-route-get', hop: 'dns', where: 'node', node, args: { ip: plan.src.ip }, phase: 2 });
    // and its neighbor and FDB entries for the source node (the answers' next hop there: host-gw, the source node's
    // address; VXLAN, its tunnel endpoint and the FDB entry behind it — a stale entry loses every answer while the
    // queries arrive)
    for (const probe of ['neigh', 'fdb'] as const) add({ probe, hop: 'dns', where: 'node', node, args: {}, phase: 2 });
    // and its ping to the source pod, which a VPC router without the route to the source node's pod CIDR answers with
    // "Destination Net Unreachable" (lib/verdict/dns.ts); only when every DNS pod is on another node than the
    // source's, as the way between nodes is
    if (apart) add({ probe: 'node-ping', hop: 'dns', where: 'node', node, args: { ip: plan.src.ip }, phase: 2 });
  }
  // the source node's ping to each DNS pod: the queries' way through a VPC router, answered the same way
  if (apart) for (const d of dns.slice(0, MAX_DNS_WAY_PODS)) add({ probe: 'node-ping', hop: 'dns', where: 'node', node: plan.src.node, args: { ip: d.ip }, phase: 2 });
  return added.length ? { plan: { ...plan, probes: [...plan.probes, ...added] }, added } : none;
}

/**
 * The plan once a name outside the cluster resolved to `ip` (the first IPv4 answer, as the app would get it):
 * `dstIP` set, and the probes that follow the way there added — an external hop's connect, routes and (phase 3)
 * conntrack (lib/plan/egress.ts egressProbes), else the connect and the pod's route. `added` are the new probes.
 */
export function withAddress(plan: PathPlan, ip: string): { plan: PathPlan; added: PlannedProbe[] } {
  const pod = { namespace: plan.src.namespace, name: plan.src.name };
  const added: PlannedProbe[] = plan.edge?.external
    ? egressProbes(plan, ip)
    : [
        ...(plan.dstPort ? [keyed({ probe: 'tcp-connect', hop: 'src-node', where: 'pod', pod, args: { ip, port: plan.dstPort }, phase: 2 })] : []),
        keyed({ probe: 'route-get', hop: 'src-pod', where: 'pod', pod, args: { ip }, phase: 2 }),
      ];
  return { plan: { ...plan, dstIP: ip, probes: [...plan.probes, ...added] }, added };
}

/** What followFailure reads of a run. */
export interface RunOutcome {
  exitCode: number | null;
  notRun?: string;
}

/** Whether planned probe `p` exited 0 in `runs` (by probe key): true / false, undefined when it is not planned, did not run or has no result yet. Pure. */
export function exitedZero(runs: ReadonlyMap<string, RunOutcome>, p: PlannedProbe | undefined): boolean | undefined {
  const r = p ? runs.get(p.key) : undefined;
  return !r || r.notRun ? undefined : r.exitCode === 0;
}

/**
 * Follows the failure: the drawn endpoint of a Service (or the drawn pod of a headless Service) answered a direct
 * connect but another ready endpoint did not — or, when every direct connect opened, another endpoint's DF pings from
 * the source (lib/plan/mtu.ts endpointMtuPings, withMtuLadder) came back at the smallest size but not at a size that
 * came back from the drawn pod (an MTU blackhole on that endpoint's way only) — the plan re-drawn to that endpoint
 * (`replan(ip)`, planPath with preferEndpoint; `dstChoice` then says which failure drew it), keeping the DNS probes
 * already planned (the dig candidates, and phase-2 probes the new plan lacks). Undefined when there is nothing to
 * follow (no Service, no drawn pod, the drawn connect failed too, or no other endpoint failed).
 */
export function followFailure(plan: PathPlan, runs: ReadonlyMap<string, RunOutcome>, replan: (preferEndpoint: string) => PathPlan): PathPlan | undefined {
  // (a hairpin too: the source backs the Service and its own direct connect opened, on lo — another endpoint that did
  // not answer is the way kube-proxy's other picks fail, and the path is re-drawn there)
  if (!(plan.service || plan.edge?.headless) || !plan.dst) return undefined;
  const drawn = plan.dst.ip;
  const ran = (p: PlannedProbe | undefined) => exitedZero(runs, p);
  const direct = plan.probes.filter((p) => p.probe === 'tcp-connect' && p.hop === 'dst-pod');
  const failing = direct.filter((p) => p.args.ip !== drawn).find((p) => ran(p) === false);
  const drawnRun = direct.find((p) => p.args.ip === drawn);
  if (!drawnRun || ran(drawnRun) !== true) return undefined;
  const mtu = failing ? undefined : mtuFailing(plan.probes.filter((p) => p.probe === 'ping-df' && p.where === 'pod'), drawn, ran);
  const ip = failing?.args.ip ?? mtu?.ip;
  if (!ip) return undefined;
  const replanned = replan(ip);
  const has = (p: PlannedProbe) => replanned.probes.some((q) => q.key === p.key);
  const dnsProbes = plan.probes.filter((p) => p.probe === 'dig' || (p.phase === 2 && !has(p)));
  const to = replanned.dst;
  const why = mtu && to?.ip === ip
    ? `DF pings from ${plan.src.namespace}/${plan.src.name} to endpoint ${to.namespace}/${to.name} (${ip}) on ${to.node} come back at ${mtu.small} bytes but not at ${mtu.size}, which came back from ${plan.dst.namespace}/${plan.dst.name} on ${plan.dst.node} (the path first drawn), so the path is drawn to it`
    : undefined;
  return { ...replanned, ...(why ? { dstChoice: why } : {}), probes: [...replanned.probes.filter((p) => p.probe !== 'dig'), ...dnsProbes.filter((p) => !has(p))] };
}

/**
 * The first endpoint (by plan order) other than the drawn pod (`drawn`, its address) whose DF pings (`pings`: the
 * source pod's ping-df, or the node's node-ping-df north-south) show an MTU failure the drawn pod's do not: its
 * smallest came back, and a size that came back from the drawn pod did not (exit codes only; lib/verdict reads the
 * outputs). `size`: the smallest such size (bytes of ICMP payload). Pure.
 */
export function mtuFailing(pings: readonly PlannedProbe[], drawn: string, ran: (p: PlannedProbe | undefined) => boolean | undefined): { ip: string; small: number; size: number } | undefined {
  const drawnAt = (size: number) => ran(pings.find((p) => p.args.ip === drawn && p.args.size === size));
  for (const ip of new Set(pings.map((p) => p.args.ip!).filter((x) => x !== drawn))) {
    const mine = pings.filter((p) => p.args.ip === ip).sort((a, b) => a.args.size! - b.args.size!);
    if (!mine.length || ran(mine[0]) !== true) continue;
    const lost = mine.find((p) => ran(p) === false && drawnAt(p.args.size!) === true);
    if (lost) return { ip, small: mine[0].args.size!, size: lost.args.size! };
  }
  return undefined;
}
