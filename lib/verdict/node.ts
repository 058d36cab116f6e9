// The node hops: each node's route toward the other pod, its own firewall, and its conntrack table.
import type { HopId } from '../model';
import { parseConntrackStats, parseIpRouteGet, parseNc, parsePing, parseSysctl, sysctlNumber } from '../parse';
import { tunnelText } from '../kube';
import { parseRun, pingOutcome } from './read';
import { familyOn, isRouted } from './family';
import { finding, internalIP, links, observe, one, onNode, problem, read, REFUSED_ROUTE, routeText, runsOf, tunnelOf, warn, type Ctx, type ProbeRun } from './context';
import { nodeRules } from './dumps';
import { droppingRule } from './firewall';
import { CAUSES, concreteNextStep } from '../causes';

// ------------------------------------------------------------------ nodes, routes, firewall ----

/** The node-route next step for the node that lacks the route and the pod it has none to (the source pod, on the way back). */
export const routeNextStep = (node: string, toward: string) => concreteNextStep(CAUSES['node-route'].nextStep, { node, podIP: toward });

export function judgeNodeRoute(c: Ctx, hop: HopId, node: string, toward: string, towardNode: string | undefined) {
  const rg = one(c.plan, c.runs, onNode(node, 'node-route-get', toward));
  if (!rg) return;
  const got = read(c, rg, parseIpRouteGet);
  if (!got) return;
  const peer = c.snap.nodes.find((n) => n.metadata?.name === towardNode);
  const peerIPs = (peer?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  if (got.outcome === 'refused') {
    const why = got.error.message.replace(/^RTNETLINK answers: /, '');
    finding(c, rg, `no route to ${toward}: ${why}`);
    problem(c, hop, 'node-route', `${node} has no route to ${toward}${towardNode ? ` (pod CIDR of ${towardNode})` : ''}: "${why}"${got.meaning !== 'no-route' ? ` — ${REFUSED_ROUTE[got.meaning].replace(' in the pod', ` on ${node}`)}` : ''}`, [node, ...(towardNode ? [towardNode] : [])], routeNextStep(node, toward));
    return;
  }
  const r = got.route;
  const s = `${node} → ${toward}: ${routeText(got)}`;
  finding(c, rg, s);
  observe(c, hop, s);
  if (!towardNode || towardNode === node) return;
  // A hostNetwork destination is the peer node's own address: the node reaches it over the underlay, not
  // through the peer's pod CIDR (the answer's way back, judged at dst-node, is the pod-CIDR route).
  if (hop === 'src-node' && c.plan.dst?.hostNetwork && toward === c.plan.dst.ip) {
    judgeUnderlayRoute(c, hop, node, toward, towardNode, r);
    return;
  }
  const { fam, tunDev, viaTunnel, viaPeer, viaCiliumHost, viaRouter } = routeShape(c, node, r, peerIPs);
  if (viaCiliumHost) observe(c, hop, `cilium: ${towardNode}'s pod CIDR is routed via cilium_host${fam.tunnel && fam.tunnel.kind !== 'none' ? `, encapsulated on ${tunnelText(fam.tunnel)}` : ''}`);
  if (viaRouter) {
    observe(c, hop, `routed via the VPC: ${toward} goes to the gateway ${r.gateway} on ${r.dev ?? '?'}, the VPC router, which is to route ${towardNode}'s pod CIDR (the node cannot read its table)`);
    judgeRouterAnswer(c, hop, node, toward, towardNode, r.gateway!);
    return;
  }
  if (!viaTunnel && !viaPeer && !viaCiliumHost) {
    problem(c, hop, 'node-route', `${node} has no route to ${towardNode}'s pod CIDR: ${toward} would leave ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'} (the default route), not through ${tunDev ?? `${towardNode} (${peerIPs.join(', ') || 'its InternalIP'})`}`, [node, towardNode], routeNextStep(node, toward));
  }
}

/**
 * The route toward another node's own address (a hostNetwork pod's): it must leave by the node's underlay link,
 * the one holding its InternalIP (directly, or via a gateway there when the nodes sit in different subnets) —
 * never by the pod network's tunnel device or cilium_host, which carry pod CIDRs. The links unread: only observed.
 */
function judgeUnderlayRoute(c: Ctx, hop: HopId, node: string, toward: string, towardNode: string, r: { dev?: string; gateway?: string }) {
  const nodeLinks = links(c, one(c.plan, c.runs, onNode(node, 'node-link')));
  const underlay = nodeLinks?.find((l) => l.addresses.some((a) => a.local === internalIP(c, node)));
  if (!underlay) return;
  if (r.dev === underlay.ifname) {
    observe(c, hop, `${toward} is ${towardNode}'s own address (hostNetwork pod ${c.plan.dst!.namespace}/${c.plan.dst!.name}): reached over the underlay ${underlay.ifname}${r.gateway ? ` via ${r.gateway}` : ''}, no tunnel`);
    return;
  }
  problem(c, hop, 'node-route', `${node} does not route ${towardNode}'s own address ${toward} (hostNetwork pod ${c.plan.dst!.namespace}/${c.plan.dst!.name}) over the underlay: it would leave ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'}, not ${underlay.ifname} (the link holding ${node}'s InternalIP)`, [node, towardNode], routeNextStep(node, toward));
}

/**
 * How a node's route toward another node's pod fits the node's family: through its tunnel device, via the
 * peer's InternalIP (host-gw, BGP), via Cilium's own cilium_host, or (vpc) via the default gateway on the
 * underlay link. None of them true: the route leaves the wrong way (node-route).
 */
export function routeShape(c: Ctx, node: string, r: { dev?: string; gateway?: string }, peerIPs: readonly string[]) {
  const fam = familyOn(c, node);
  const nodeLinks = links(c, one(c.plan, c.runs, onNode(node, 'node-link'))) ?? [];
  const tunDev = fam.tunnel && fam.tunnel.kind !== 'none' ? fam.tunnel.device : tunnelOf(c, node)?.ifname;
  const viaTunnel = !!tunDev && r.dev === tunDev;
  const viaPeer = r.gateway !== undefined && peerIPs.includes(r.gateway);
  // Cilium routes remote pod CIDRs to its own cilium_host and encapsulates behind it (eBPF, or here policy
  // routing / encap routes): a route via cilium_host is the family's healthy shape.
  const viaCiliumHost = r.dev === 'cilium_host' && nodeLinks.some((l) => l.ifname === 'cilium_host');
  // A VPC-routed node hands every remote pod CIDR to its default gateway; the cloud route table does the rest.
  const underlay = nodeLinks.find((l) => l.addresses.some((a) => a.local === internalIP(c, node)));
  const viaRouter = isRouted(fam) && r.gateway !== undefined && !viaPeer && (!underlay || r.dev === underlay.ifname);
  return { fam, tunDev, viaTunnel, viaPeer, viaCiliumHost, viaRouter, ok: viaTunnel || viaPeer || viaCiliumHost || viaRouter };
}

/**
 * Routed (VPC) nodes: the router's route table is on no node, so its answer is the evidence. The node's own
 * ping to the remote pod (node-ping) getting "Destination Net/Host Unreachable" from the gateway means the
 * router has no route to that pod CIDR (the lab's node-route-missing under `routed`; a missing VPC route).
 * Silence proves nothing (a policy may drop the ping). Sets the ping's finding; `noRoute` (the sentence and the next
 * step) when the gateway answered with an error (to the ping, a DF ping of the MTU ladder, or the node's own connect).
 * Undefined when none of them ran or could be read. One reading for the path (node-route at the overlay hop) and the
 * way to the cluster DNS pods (lib/verdict/dns.ts).
 */
export function routerAnswer(c: Ctx, node: string, toward: string, towardNode: string, gateway: string): { run: ProbeRun; noRoute?: { reason: string; nextStep: string } } | undefined {
  const run = one(c.plan, c.runs, onNode(node, 'node-ping', toward));
  const p = read(c, run, parsePing, { supplementary: true });
  // The router rate-limits its ICMP errors (one a second per sender, as Linux does): of several pings the node sent the
  // same pod at once (the MTU ladder's DF pings beside this one) only one may get the answer, so theirs count too
  // (a "Net/Host Unreachable" from the gateway, never a frag-needed, which is path MTU discovery working).
  const ladder = runsOf(c.plan, c.runs, onNode(node, 'node-ping-df', toward))
    .map((r) => ({ r, err: read(c, r, parsePing, { supplementary: true })?.icmpErrors.find((e) => e.from === gateway && /(net|host) unreachable/i.test(e.text)) }))
    .find((x) => x.err);
  const o = p ? pingOutcome(p) : undefined;
  const err = o?.outcome === 'icmp-error' && p!.icmpErrors[0]?.from === gateway ? p!.icmpErrors[0] : ladder?.err;
  // ...and so do the node's own connects to the pod (a node source's; they leave beside the pings and may take the
  // router's one error of the second): "Network is unreachable" while the node's route to the pod leaves via the
  // router (the caller's reading: a route, no blackhole, so not the node's own EINVAL/ENETUNREACH) is its ICMP net
  // unreachable, the kernel's errno for it
  // The connect to the Service's address counts too when the node connects to no other endpoint than this pod (the
  // plan's direct connects are every ready endpoint kube-proxy there sends to: the VIP's packets went to this one).
  const connects = c.plan.probes.filter((x) => x.probe === 'node-tcp-connect' && x.node === node);
  const vip = c.plan.dstIP && c.plan.dstIP !== toward && connects.every((x) => x.args.ip === toward || x.args.ip === c.plan.dstIP) ? c.plan.dstIP : undefined;
  const connect = err ? undefined : [...runsOf(c.plan, c.runs, onNode(node, 'node-tcp-connect', toward)), ...(vip ? runsOf(c.plan, c.runs, onNode(node, 'node-tcp-connect', vip)) : [])]
    .map((r) => ({ r, a: (() => {
      const nc = parseRun(r, parseNc);
      return nc.ok ? nc.value.attempts.find((x) => /Network is unreachable/i.test(x.message)) : undefined;
    })() }))
    .find((x) => x.a);
  const at = run ?? ladder?.r ?? connect?.r;
  if (!at) return undefined;
  if (o?.outcome === 'reply') {
    finding(c, at, `${toward} answers ${node}'s ping through the VPC router`);
    return { run: at };
  }
  if (err || connect) {
    const via = connect && connect.a!.address !== toward ? ` (kube-proxy sends it to ${toward})` : '';
    const answer = err ? `answers ${node}'s ping to ${toward} with "${err.text}"` : `answers ${node}'s connect to ${connect!.a!.address}:${connect!.a!.port}${via} with an ICMP net unreachable ("Network is unreachable"; ${node}'s route to ${toward} leaves via the router)`;
    const reason = `the VPC router ${gateway} ${answer}: its route table has no route to ${towardNode}'s pod CIDR`;
    // the DF ping's and the connect's own findings are theirs (the MTU ladder's, the connect's)
    if (run && err && !ladder?.err) finding(c, run, reason);
    else if (run && o) finding(c, run, `ping ${toward} from ${node}: ${o.outcome}${o.icmp ? ` (${o.icmp})` : ''}`);
    // the fix is in the cloud's route table, not on a node (the generic step says the CNI did not program a node route)
    const nextStep = `The nodes hand ${towardNode}'s pod CIDR to the VPC router ${gateway}: add the route for ${towardNode}'s pod CIDR (target: ${towardNode}'s instance or ENI) to the VPC/subnet route table (AWS: \`aws ec2 describe-route-tables\`; GCP: \`gcloud compute routes list\`), or check the cloud controller manager that programs it; \`ping ${toward}\` from ${node} answers "${err?.text ?? 'Destination Net Unreachable'}" until it is there.`;
    return { run: at, noRoute: { reason, nextStep } };
  }
  if (run && o) finding(c, run, `ping ${toward} from ${node}: ${o.outcome}${o.icmp ? ` (${o.icmp})` : ''}`);
  return run && o ? { run } : undefined;
}

/** The router's answer on the path: node-route at the overlay hop, the routed path between the nodes where the router sits. */
function judgeRouterAnswer(c: Ctx, hop: HopId, node: string, toward: string, towardNode: string, gateway: string) {
  const no = routerAnswer(c, node, toward, towardNode, gateway)?.noRoute;
  // The router sits between the nodes: the overlay hop (the routed path), not the node that asked.
  if (no) problem(c, c.plan.sameNode ? hop : 'overlay', 'node-route', no.reason, [node, towardNode], no.nextStep);
}

/**
 * A node's own DROP/REJECT for the flow in its forward path, read in rule order (lib/verdict/firewall): the
 * first rule that names the destination port decides; kube-proxy's own rules (e.g. its "has no endpoints"
 * REJECT for another Service's VIP on the same port, also in `nft list ruleset` on iptables-nft nodes) and
 * NetworkPolicy chains are their owners' business, not the node's firewall.
 */
export function judgeFirewall(c: Ctx, hop: 'src-node' | 'dst-node' | 'node-port', node: string, port: number | undefined) {
  if (!port) return;
  const { save, nft, iptRun, nftRun } = nodeRules(c, node);
  // A hostNetwork destination's node takes the flow as its own (hook input), it does not forward it.
  const local = !!c.plan.dst?.hostNetwork && node === c.plan.dst.node;
  const dst = c.plan.dst?.ip ?? c.plan.dstIP;
  const { drop } = droppingRule(save, nft, { hook: local ? 'input' : 'forward', proto: 'tcp', port, src: c.plan.src.ip, ...(dst ? { dst } : {}) });
  if (!drop || drop.owner !== 'node') return;
  const after = drop.before.length ? ` (after ${drop.before.length} rule${drop.before.length === 1 ? '' : 's'} that let it pass elsewhere)` : '';
  finding(c, drop.where.startsWith('nft') ? (nftRun ?? iptRun) : (iptRun ?? nftRun), `filter rule drops TCP ${port} (${drop.where}): ${drop.text}`);
  // the node and its rule by name (the cause's text says "the node's own filter rules … matching the port")
  const list = drop.where.startsWith('nft') ? '`nft list ruleset`' : '`iptables-save -t filter`';
  problem(c, hop, 'node-firewall', `${node}'s own firewall drops ${local ? 'incoming' : 'forwarded'} TCP to port ${port}: \`${drop.text}\` in ${drop.where}${after}`, [node],
    `On ${node}, ${list} shows \`${drop.text}\` (${drop.where}), the first rule for TCP port ${port}: remove or narrow it.`);
}

/** nf_conntrack_count against nf_conntrack_max on a node of the path; `conntrack -S` counters beside them. */
export function judgeConntrack(c: Ctx, hop: 'src-node' | 'dst-node', node: string) {
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
