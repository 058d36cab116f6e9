// Between the nodes: the tunnel (or host-gw) neighbors and FDB, tunnel traffic a node drops, and the
// path MTU sized by DF pings or, when ICMP does not pass, by a small and a bulk TCP download.
import type { HopId } from '../model';
import type { PlannedProbe } from '../plan';
import { parseBridgeFdb, parseIpNeigh, parseIpRouteGet, parsePing, type IpLink } from '../parse';
import { tunnelLabel, tunnelText } from '../kube';
import { nodeRules } from './dumps';
import { droppingRule } from './firewall';
import { familyOn, isExternalTunnel, isRouted } from './family';
import { pingOutcome, podInterface } from './read';
import { finding, internalIP, links, observe, one, onNode, onPod, problem, read, tunnelOf, warn, type Ctx, type ProbeRun } from './context';
import { CAUSES, concreteNextStep } from '../causes';

/** neighbor-stale's next step on the node whose entry is wrong, with its own tunnel device. */
export const staleTunnelStep = (node: string, device: string) => `On ${node}: ${concreteNextStep(CAUSES['neighbor-stale'].nextStep, { vxlan: device })}`;

/** Tunnel encapsulation overhead of VXLAN over IPv4: outer IP 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD = 50;

// ------------------------------------------------------------------ overlay ----

export function judgeOverlay(c: Ctx) {
  const { plan } = c;
  const dst = plan.dst;
  if (!dst || plan.sameNode) return;
  const srcLinks = links(c, one(plan, c.runs, onNode(plan.src.node, 'node-link'))) ?? [];
  const dstLinks = links(c, one(plan, c.runs, onNode(dst.node, 'node-link'))) ?? [];
  const srcTun = srcLinks.find((l) => l.kind === 'vxlan');
  const dstTun = dstLinks.find((l) => l.kind === 'vxlan');
  const srcFam = familyOn(c, plan.src.node);
  const tk = srcFam.tunnel ?? { kind: 'none' as const };
  const routed = isRouted(srcFam);
  const famWord = srcFam.family ? `${srcFam.family}: ` : '';
  if (srcLinks.length || dstLinks.length) {
    const tunnelPort = srcTun ? (srcTun.vxlan?.port ?? tk.port ?? 4789) : undefined;
    c.overlayDetails = srcTun
      // one MTU when the nodes agree; both, named, when they differ (an MTU fault lives in that difference)
      ? { mode: 'vxlan', port: tunnelPort!, device: srcTun.ifname, mtu: dstTun && dstTun.mtu !== srcTun.mtu ? `${srcTun.mtu} on ${plan.src.node}, ${dstTun.mtu} on ${dst.node}` : srcTun.mtu, tunnel: tunnelText(tk), label: tunnelLabel(tk, srcFam.family), ...(srcFam.family ? { family: srcFam.family } : {}) }
      : { mode: routed ? 'routed' : 'host-gw', tunnel: routed ? 'routed via the VPC' : 'no tunnel (host-gw)', label: tunnelLabel(tk, srcFam.family), ...(srcFam.family ? { family: srcFam.family } : {}) };
    observe(c, 'overlay', srcTun
      ? `${famWord}${tunnelText(tk)}, mtu ${srcTun.mtu} on ${plan.src.node}${dstTun ? `, ${dstTun.mtu} on ${dst.node}` : ''}`
      : routed ? `${famWord}routed via the VPC: no tunnel, the cloud router holds every node's pod CIDR` : `${famWord}routed (host-gw): no tunnel device`);
  }
  // A hostNetwork destination is the peer node's own address: the flow goes there over the underlay, not
  // through the tunnel; only the answer, addressed to the source pod, comes back through the pod network.
  const hostDst = !!dst.hostNetwork;
  if (hostDst) observe(c, 'overlay', `to ${dst.node}'s own address ${dst.ip} (hostNetwork pod ${dst.namespace}/${dst.name}): over the underlay, unencapsulated; the answer to ${plan.src.ip} comes back by ${dst.node}'s route to ${plan.src.node}'s pod CIDR`);
  // An external (collect-metadata) VXLAN device has no address and no FDB entries by design: the
  // endpoints live in Cilium's eBPF tunnel map, so an empty FDB says nothing.
  const external = isExternalTunnel(c, plan.src.node) || isExternalTunnel(c, dst.node);
  if (srcTun && dstTun && external) observe(c, 'overlay', `${srcTun.ifname} is an external VXLAN device (collect-metadata): no VTEP address and no FDB entries by design; Cilium keeps the tunnel endpoints in its eBPF map (\`cilium bpf tunnel list\`)`);
  // Neighbor/FDB: each node's entry for the peer's tunnel endpoint must carry the peer's VTEP MAC.
  if (srcTun && dstTun && !external) {
    for (const [node, peerNode, ownTun, peerTun] of [
      [plan.src.node, dst.node, srcTun, dstTun],
      [dst.node, plan.src.node, dstTun, srcTun],
    ] as const) {
      // To a hostNetwork pod only the answer (from its node back to the source pod) uses the tunnel.
      if (hostDst && node === plan.src.node) continue;
      const n = tunnelNeighbor(c, node, peerNode, ownTun, peerTun);
      if (n?.stale) problem(c, 'overlay', 'neighbor-stale', n.stale.reason, [node, peerNode], n.stale.nextStep);
      const f = tunnelFdb(c, node, peerNode, ownTun, peerTun);
      if (f?.stale) problem(c, 'overlay', 'neighbor-stale', f.stale.reason, [node, peerNode], f.stale.nextStep);
    }
  }
  // host-gw: each node's ARP entry for the peer's underlay address must carry the peer's MAC — only where
  // the node routes to the peer itself (routed via a VPC router, the peer's MAC is never used; an Azure-style
  // router answering every ARP with its one MAC is that router's shape, not a stale entry).
  if (!srcTun && !dstTun && srcLinks.length && dstLinks.length && !routed) {
    for (const [node, peerNode, peerLinks, peerPod] of [
      [plan.src.node, dst.node, dstLinks, dst.ip],
      [dst.node, plan.src.node, srcLinks, plan.src.ip],
    ] as const) {
      const n = underlayNeighbor(c, node, peerNode, peerLinks, peerPod);
      if (n?.stale) problem(c, 'overlay', 'neighbor-stale', n.stale.reason, [node, peerNode], n.stale.nextStep);
    }
  }
  // Overlay drop: tunnel packets arriving at a node, read in rule order and by owner (lib/verdict/firewall):
  // the first rule that names the tunnel's UDP port decides (Felix's "allow VXLAN from known hosts" comes
  // before its "drop VXLAN from other hosts", so the peer's packets pass).
  if (srcTun) {
    const port = srcTun.vxlan?.port ?? tk.port ?? 4789;
    for (const [node, peer] of [[dst.node, plan.src.node], [plan.src.node, dst.node]] as const) {
      // To a hostNetwork pod no tunnel packet arrives at its node; the answer's arrive at the source's.
      if (hostDst && node === dst.node) continue;
      const { save, nft, iptRun, nftRun } = nodeRules(c, node);
      const src = internalIP(c, peer);
      const own = internalIP(c, node);
      const { drop, allowedBy } = droppingRule(save, nft, { hook: 'input', proto: 'udp', port, ...(src ? { src } : {}), ...(own ? { dst: own } : {}) });
      if (!drop) {
        if (allowedBy.length) finding(c, iptRun ?? nftRun, `tunnel traffic on UDP ${port} from ${peer} is allowed first by ${allowedBy[0].where}: ${allowedBy[0].text}`);
        continue;
      }
      const run = drop.where.startsWith('nft') ? (nftRun ?? iptRun) : (iptRun ?? nftRun);
      finding(c, run, `drops tunnel traffic (${drop.where}): ${drop.text}`);
      // the node, its rule and the peer by name (the cause's text says "between nodes", "on both nodes")
      problem(c, 'overlay', 'overlay-blocked', `${node} drops tunnel traffic arriving on UDP ${port} (${srcTun.ifname}) from ${peer}: \`${drop.text}\` in ${drop.where}, the first rule for that port${node === plan.src.node ? ` — the way back: what ${peer} sends back to ${plan.src.node} (the answers) is what does not arrive` : ''}`, [node],
        overlayBlockedStep(node, drop, port, peer, src));
    }
  }
}

/**
 * overlay-blocked's next step on `node`, whose rule `drop` (its text and where: an iptables chain or an nft hook) is the
 * first for the tunnel's UDP `port` (the tunnel device's own: 4789 flannel and Calico, 8472 Cilium): the rule, the peer
 * (`peerAddr`, its InternalIP, when known) and the capture that shows the packets arrive and stop.
 */
export function overlayBlockedStep(node: string, drop: { text: string; where: string }, port: number, peer: string, peerAddr?: string): string {
  const list = drop.where.startsWith('nft') ? '`nft list ruleset`' : '`iptables-save -t filter`';
  return `On ${node}, ${list} shows \`${drop.text}\` (${drop.where}), the first rule for the tunnel's UDP ${port}: remove it or allow UDP ${port} from ${peer}${peerAddr ? ` (${peerAddr})` : ''} before it, and in the cloud firewall between the nodes; \`tcpdump -ni any udp port ${port}\` on ${node} shows the packets arrive and go no further.`;
}

/** A stale neighbor entry: the sentence and the next step on the node that holds it. */
export interface StaleNeighbor {
  reason: string;
  nextStep: string;
}

/**
 * VXLAN: `node`'s neighbor entry for `peerNode`'s tunnel endpoint (the VTEP address on `peerTun`) must carry the
 * peer's VTEP MAC (`peerTun`'s own address), from `node`'s `ip -j neigh` on `ownTun`. Sets the run's finding either way;
 * `stale` when the MAC differs. Undefined when the run, the VTEP or the entry is missing. One reading for the path's
 * overlay and the way to the cluster DNS pods (lib/verdict/dns.ts).
 */
export function tunnelNeighbor(c: Ctx, node: string, peerNode: string, ownTun: IpLink, peerTun: IpLink): { run: ProbeRun; stale?: StaleNeighbor } | undefined {
  const peerVtep = peerTun.addresses.find((a) => a.family === 'inet')?.local;
  const run = one(c.plan, c.runs, onNode(node, 'neigh'));
  const neigh = read(c, run, parseIpNeigh)?.entries.find((n) => n.dst === peerVtep && n.dev === ownTun.ifname);
  if (!run || !peerVtep || !peerTun.address || !neigh?.lladdr) return undefined;
  if (neigh.lladdr.toLowerCase() === peerTun.address.toLowerCase()) {
    finding(c, run, `${peerVtep} → ${neigh.lladdr} (matches ${peerNode}'s ${peerTun.ifname})`);
    return { run };
  }
  const reason = `${node}'s neighbor entry for ${peerNode}'s tunnel endpoint ${peerVtep} says ${neigh.lladdr}, but ${peerNode}'s ${peerTun.ifname} has MAC ${peerTun.address}`;
  finding(c, run, reason);
  return { run, stale: { reason, nextStep: staleTunnelStep(node, ownTun.ifname) } };
}

/**
 * VXLAN: `node`'s FDB entry for `peerNode`'s VTEP MAC (`peerTun`'s own address) on `ownTun` must send to the peer's
 * InternalIP, from `node`'s `bridge -j fdb show`. Sets the run's finding either way; `stale` when the entry is missing
 * or points elsewhere. Undefined when the run, the MAC or the peer's address is missing. One reading for the path's
 * overlay and the way to the cluster DNS pods (lib/verdict/dns.ts).
 */
export function tunnelFdb(c: Ctx, node: string, peerNode: string, ownTun: IpLink, peerTun: IpLink): { run: ProbeRun; stale?: StaleNeighbor } | undefined {
  const peerIP = internalIP(c, peerNode);
  const run = one(c.plan, c.runs, onNode(node, 'fdb'));
  const fdb = read(c, run, parseBridgeFdb)?.entries.filter((f) => f.ifname === ownTun.ifname && f.dst);
  if (!run || !fdb || !peerTun.address || !peerIP) return undefined;
  const entry = fdb.find((f) => f.mac.toLowerCase() === peerTun.address!.toLowerCase());
  if (entry?.dst === peerIP) {
    finding(c, run, `${peerTun.address} → ${entry.dst} (${peerNode})`);
    return { run };
  }
  const reason = entry
    ? `${node}'s FDB sends ${peerTun.address} to ${entry.dst}, but ${peerNode} is ${peerIP}`
    : `${node}'s FDB has no entry for ${peerNode}'s VTEP MAC ${peerTun.address} (entries: ${fdb.map((f) => `${f.mac}→${f.dst}`).join(', ') || 'none'})`;
  finding(c, run, reason);
  return { run, stale: { reason, nextStep: staleTunnelStep(node, ownTun.ifname) } };
}

/**
 * host-gw: `node`'s ARP entry for `peerNode`'s underlay address (its InternalIP) must carry the MAC of the peer's link
 * holding it (from `peerLinks`, the peer's `ip -j -d addr`) — only where `node` routes toward `peerPod` via the peer
 * itself (its `node-route-get` of `peerPod`; routed via a VPC router the peer's MAC is never used, and an Azure-style
 * router answering every ARP with its one MAC is that router's shape, not a stale entry). Sets the run's finding
 * either way; `stale` when the MAC differs. Undefined when a read is missing or the route goes elsewhere. One reading
 * for the path's overlay and the way to the cluster DNS pods (lib/verdict/dns.ts).
 */
export function underlayNeighbor(c: Ctx, node: string, peerNode: string, peerLinks: readonly IpLink[], peerPod: string): { run: ProbeRun; stale?: StaleNeighbor } | undefined {
  const peerIP = internalIP(c, peerNode);
  const rg = read(c, one(c.plan, c.runs, onNode(node, 'node-route-get', peerPod)), parseIpRouteGet, { supplementary: true });
  // The peer's own address (a hostNetwork destination) is on the link itself: no gateway, the peer's MAC is used.
  const direct = peerPod === peerIP && rg?.outcome === 'route' && !rg.route.gateway;
  if (rg?.outcome === 'route' && rg.route.gateway !== peerIP && !direct) return undefined;
  const peerLink = peerLinks.find((l) => l.addresses.some((a) => a.local === peerIP));
  const run = one(c.plan, c.runs, onNode(node, 'neigh'));
  const entry = read(c, run, parseIpNeigh)?.entries.find((n) => n.dst === peerIP && n.lladdr);
  if (!run || !peerLink?.address || !entry?.lladdr) return undefined;
  if (entry.lladdr.toLowerCase() === peerLink.address.toLowerCase()) {
    finding(c, run, `${peerIP} → ${entry.lladdr} (matches ${peerNode}'s ${peerLink.ifname})`);
    return { run };
  }
  const reason = `${node}'s neighbor entry for ${peerNode} (${peerIP}) says ${entry.lladdr}, but ${peerNode}'s ${peerLink.ifname} has MAC ${peerLink.address}`;
  finding(c, run, reason);
  return { run, stale: { reason, nextStep: `On ${node}, \`ip neigh show ${peerIP}\` must give ${peerNode}'s MAC ${peerLink.address}: delete the wrong entry (\`ip neigh del ${peerIP} dev ${entry.dev ?? 'eth0'}\`) and let the node learn it again; check what wrote it (a permanent entry is not learned).` } };
}

// ------------------------------------------------------------------ MTU ----

type NodeLink = { n: string; t?: { mtu: number; ifname: string } };

/**
 * The MTUs that bound the path: the source pod's, the narrowest tunnel device of the two nodes, and the narrowest
 * underlay link (the one holding a node's InternalIP; host-gw has no tunnel, so that link is then the bottleneck).
 */
function pathMtus(c: Ctx): { podMtu?: number; minTun?: NodeLink; minUnder?: NodeLink } {
  const { plan } = c;
  if (!plan.dst) return {};
  const podMtu = podInterface(links(c, one(plan, c.runs, onPod(plan.src.namespace, plan.src.name, 'addr'))))?.mtu;
  const nodes = [plan.src.node, plan.dst.node];
  const tunnels = nodes.map((n) => ({ n, t: tunnelOf(c, n) })).filter((x) => x.t);
  const underlays = nodes.map((n) => {
    const ip = internalIP(c, n);
    return { n, t: (links(c, one(plan, c.runs, onNode(n, 'node-link'))) ?? []).find((l) => l.addresses.some((a) => a.local === ip)) };
  }).filter((x) => x.t);
  return { podMtu, minTun: tunnels.sort((a, b) => a.t!.mtu - b.t!.mtu)[0], minUnder: underlays.sort((a, b) => a.t!.mtu - b.t!.mtu)[0] };
}

type ReadPing = { size: number; run: ProbeRun; r: ReturnType<typeof pingOutcome> };

/**
 * What DF pings of `planned` (one target, any sizes) say, read by lib/parse ping (unreadable runs are left out: they
 * prove neither a reply nor silence), each run's finding set ("1472 bytes DF: lost"). `small`: the smallest read;
 * `largest`: the largest size that came back, `firstBad` the next size above it, `blackhole` when the smallest came
 * back and every size above `largest` was lost without an ICMP error (a local "message too long" or a frag-needed is
 * path MTU discovery working). Undefined when no run was read.
 */
function readLadder(c: Ctx, planned: readonly { key: string; args: { size?: number } }[]): { res: ReadPing[]; small: ReadPing; largest?: ReadPing; firstBad?: ReadPing; blackhole: boolean } | undefined {
  const pings = planned
    .map((p) => ({ size: p.args.size!, run: c.runs.get(p.key) }))
    .filter((x): x is { size: number; run: ProbeRun } => !!x.run && !x.run.notRun)
    .sort((a, b) => a.size - b.size);
  const res = pings.flatMap((p) => {
    const parsed = read(c, p.run, parsePing);
    return parsed ? [{ ...p, r: pingOutcome(parsed) }] : [];
  });
  if (!res.length) return undefined;
  for (const x of res) finding(c, x.run, `${x.size} bytes DF: ${x.r.outcome}${x.r.mtu ? ` (mtu ${x.r.mtu})` : ''}${x.r.icmp ? ` (${x.r.icmp})` : ''}`);
  const small = res[0];
  if (small.r.outcome !== 'reply') return { res, small, blackhole: false };
  const passed = res.filter((x) => x.r.outcome === 'reply');
  const largest = passed[passed.length - 1];
  const firstBad = res.find((x) => x.size > largest.size);
  const blackhole = !!firstBad && firstBad.r.outcome === 'lost' && res.filter((x) => x.size > largest.size).every((x) => x.r.outcome === 'lost');
  return { res, small, largest, ...(firstBad ? { firstBad } : {}), blackhole };
}

/** "DF pings to IP: up to N bytes pass, M vanishes silently" (the ladder's observation). */
function ladderText(ip: string, largest: ReadPing, firstBad: ReadPing | undefined): string {
  const bad = !firstBad ? '' : `, ${firstBad.size} ${firstBad.r.outcome === 'lost' ? 'vanishes silently' : firstBad.r.outcome === 'too-big-local' ? 'is refused locally ("message too long")' : firstBad.r.outcome === 'frag-needed' ? `gets ICMP frag-needed${firstBad.r.mtu ? ` (mtu ${firstBad.r.mtu})` : ''}` : `gets ${firstBad.r.icmp ?? firstBad.r.outcome}`}`;
  return `DF pings to ${ip}: up to ${largest.size} bytes pass${bad}`;
}

export function judgeMtu(c: Ctx) {
  const { plan } = c;
  if (!plan.dst || plan.hairpin) return;
  const dstIP = plan.dst.ip;
  // from the source pod; north-south, from the node the packet leaves for the pod (the view's source, northSouth.ts);
  // the pings to the Service's other endpoints are judgeEndpointMtu's
  const ladder = readLadder(c, plan.probes.filter((p) => p.args.ip === dstIP && (p.probe === 'ping-df' || (p.probe === 'node-ping-df' && p.node === plan.src.node))));
  if (!ladder) return;
  const { small, largest, firstBad } = ladder;
  if (!largest) {
    // ICMP itself does not pass (e.g. a policy admits only the app's TCP port): ask TCP instead.
    // downloads sized only the way back (server → client); the way there is sized by nothing
    c.mtuSized = judgeBulk(c) ? 'download' : 'no';
    return;
  }
  const hop: HopId = plan.sameNode ? 'dst-pod' : 'overlay';
  const { podMtu, minTun, minUnder } = pathMtus(c);
  observe(c, hop, ladderText(dstIP, largest, firstBad));
  // Silence above a size while smaller ones pass: a blackhole. Say the arithmetic.
  if (!ladder.blackhole) {
    // Refused locally (or frag-needed) from the node a north-south flow enters: its own packets hear of the smaller
    // MTU, the client's forwarded ones may not; the downloads through the entry say (lib/plan/northSouth entryDownloads).
    if (firstBad) judgeEntryDownloads(c, largest, firstBad);
    return;
  }
  const fits = largest.size + 28;
  const tunText = minTun
    ? `tunnel MTU ${minTun.t!.mtu} on ${minTun.n} (${minTun.t!.ifname}, VXLAN overhead ${VXLAN_OVERHEAD})`
    : minUnder && podMtu && minUnder.t!.mtu < podMtu
      ? `node link MTU ${minUnder.t!.mtu} on ${minUnder.n} (${minUnder.t!.ifname}, routed host-gw: no encapsulation)`
      : 'a link on the path';
  // read where a Service's endpoints split into answering and not (observed.ts partialService, north-south's split)
  c.mtuFailing.set(dstIP, fits);
  problem(c, hop, 'mtu-blackhole', `DF pings above ${largest.size} bytes of payload (IP packets over ${fits} bytes) are lost without an ICMP error while ${small.size}-byte pings pass; ${tunText}${podMtu ? ` < pod MTU ${podMtu}` : ''}, and fragmentation-needed never comes back`, undefined, mtuStep(minTun, minUnder, podMtu));
}

/** The downloads north-south sends through the node the flow enters (lib/plan/northSouth.ts entryDownloads). */
const ENTRY_BULK: ReadonlySet<string> = new Set(['outside-tcp-bulk', 'tcp-bulk', 'node-tcp-bulk']);

/** curl's own -w line of a tcp-bulk run ("%{http_code} %{size_download} %{time_total}", our format: no lib/parse parser). */
function curlWritten(r: ProbeRun): { code: number; got: number; secs: number; exit: number | null } {
  const [code, got, secs] = r.stdout.trim().split(/\s+/);
  return { code: Number(code) || 0, got: Number(got) || 0, secs: Number(secs) || 0, exit: r.exitCode };
}

/**
 * North-south (the view's source is the node the flow enters, `plan.src.node`): that node's own DF pings to the drawn
 * pod pass up to `largest` bytes of payload and are refused locally (or get frag-needed) at `firstBad` — path MTU
 * discovery works for the node's own packets. The client's packets and the pod's answers to it are forwarded there
 * instead, and need an ICMP fragmentation-needed from that node; the two HTTP downloads from the source through the
 * entry (`outside-tcp-bulk` / `tcp-bulk` / `node-tcp-bulk` on hop overlay, to `plan.dstIP`:`dstPort`) take that way.
 * The one-packet answer arriving (exit 0, an HTTP code) while the bulk one stalls (curl exit 28, fewer bytes than
 * asked) is observed: `mtu-blackhole` on the overlay hop, with the entry node's MTUs (node-link: its tunnel device,
 * the link holding its InternalIP) against the pods' (the drawn pod's `addr`). A bulk download that completes says
 * the forwarded way carries full-size segments (an observation); downloads that did not run or could not size it
 * (the small one failed) decide nothing.
 */
function judgeEntryDownloads(c: Ctx, largest: ReadPing, firstBad: ReadPing) {
  const { plan } = c;
  const dst = plan.dst;
  const dl = readEntryDownloads(c, 'overlay');
  if (!dst || !dl) return;
  const { client, at, small, big, bg } = dl;
  const entry = plan.src.node;
  const refused = firstBad.r.outcome === 'too-big-local' ? 'refused locally ("message too long")' : firstBad.r.outcome === 'frag-needed' ? `answered by fragmentation-needed${firstBad.r.mtu ? ` (mtu ${firstBad.r.mtu})` : ''}` : `not answered (${firstBad.r.icmp ?? firstBad.r.outcome})`;
  if (bg.exit === 0) {
    // an app that is not the lab's listener answers /bytes/N with its own (small) page: that sizes nothing
    observe(c, 'overlay', bg.got >= (big.args.size ?? 0)
      ? `downloads from ${client} through ${at} (forwarded by ${entry}): ${bg.got} bytes arrive, so full-size segments find their way although ${entry}'s own DF pings above ${largest.size} bytes are ${refused}`
      : `a download from ${client} through ${at} got ${bg.got} bytes where ${big.args.size} were asked (the server's own answer to GET /bytes/${big.args.size}), too few to size the way forwarded by ${entry}`);
    return;
  }
  const tun = tunnelOf(c, entry);
  const ip = internalIP(c, entry);
  const under = (links(c, one(plan, c.runs, onNode(entry, 'node-link'))) ?? []).find((l) => l.addresses.some((a) => a.local === ip));
  const podMtu = podInterface(links(c, one(plan, c.runs, onPod(dst.namespace, dst.name, 'addr'))))?.mtu;
  const narrow = [tun ? `${tun.ifname} mtu ${tun.mtu}` : '', under && podMtu && under.mtu < podMtu ? `${under.ifname} mtu ${under.mtu}` : ''].filter(Boolean).join(', ');
  const fits = largest.size + 28;
  problem(c, 'overlay', 'mtu-blackhole', `from ${client} through ${at}, a ${small.args.size}-byte answer arrives but a ${big.args.size}-byte download stalls after ${bg.got} bytes: full-size packets forwarded through ${entry} vanish without an ICMP error; ${entry}'s own DF pings to ${dst.ip} pass up to ${largest.size} bytes of payload (IP packets of ${fits} bytes) and above are ${refused}${narrow ? `; ${narrow} on ${entry}${podMtu ? ` < pod MTU ${podMtu}` : ''}` : ''}: ${entry} knows its smaller MTU, but fragmentation-needed never reaches the forwarded flow`, [entry], mtuStep(tun ? { n: entry, t: tun } : undefined, under ? { n: entry, t: under } : undefined, podMtu));
}

/**
 * The two downloads through the entry on `hop` (lib/plan/northSouth.ts entryDownloads: to `plan.dstIP`:`dstPort`),
 * each run's finding set; undefined when fewer than two ran or the one-packet answer did not arrive (then nothing is
 * sized), or when the bulk one neither completed nor stalled short of its size (curl exit 28). `bg.exit` 0: it
 * completed.
 */
function readEntryDownloads(c: Ctx, hop: HopId): { client: string; at: string; small: PlannedProbe; big: PlannedProbe; bg: ReturnType<typeof curlWritten> } | undefined {
  const { plan } = c;
  const dst = plan.dst;
  if (!dst || !plan.dstIP || !plan.dstPort || plan.dstIP === dst.ip) return undefined;
  const bulk = plan.probes
    .filter((p) => ENTRY_BULK.has(p.probe) && p.hop === hop && p.args.ip === plan.dstIP && p.args.port === plan.dstPort)
    .sort((a, b) => (a.args.size ?? 0) - (b.args.size ?? 0));
  if (bulk.length < 2) return undefined;
  const [small, big] = [bulk[0], bulk[bulk.length - 1]].map((p) => ({ p, r: c.runs.get(p.key) }));
  if (!small.r || !big.r || small.r.notRun || big.r.notRun) return undefined;
  const sm = curlWritten(small.r);
  const bg = curlWritten(big.r);
  const at = `${plan.dstIP}:${plan.dstPort}`;
  const client = small.p.where === 'outside' ? 'the outside client' : small.p.where === 'pod' ? `${small.p.pod?.namespace}/${small.p.pod?.name}` : `node ${small.p.node}`;
  for (const x of [small, big]) {
    const v = curlWritten(x.r!);
    finding(c, x.r!, `GET /bytes/${x.p.args.size} from ${client} through ${at}: ${v.exit === 0 ? `HTTP ${v.code}, ${v.got} bytes in ${v.secs} s` : v.exit === 28 ? `stalled: ${v.got} bytes after ${v.secs} s` : `curl exit ${v.exit}`}`);
  }
  if (sm.exit !== 0 || sm.code <= 0) return undefined;
  if (bg.exit !== 0 && (bg.exit !== 28 || bg.got >= (big.p.args.size ?? 0))) return undefined;
  return { client, at, small: small.p, big: big.p, bg };
}

/**
 * North-south with the drawn pod on the node the flow enters (the view's source node, e.g. externalTrafficPolicy
 * Local): no DF ping leaves that node, so the downloads through it (entryDownloads, sent when its link holding its
 * InternalIP is narrower than the pod's eth0: lib/plan/northSouth.ts entryNarrowerThanPod) are the evidence. The
 * one-packet answer arriving while the bulk one stalls: `mtu-blackhole` on `hop` (the entry's: src-node from outside,
 * else node-port), naming that link's MTU against the pod's, with the seeds' MTU advice; a completed one is said there.
 */
export function judgeEntryLinkDownloads(c: Ctx, hop: HopId) {
  const { plan } = c;
  const dst = plan.dst;
  const entry = plan.src.node;
  if (!dst || dst.node !== entry) return;
  const dl = readEntryDownloads(c, hop);
  if (!dl) return;
  const { client, at, small, big, bg } = dl;
  const ip = internalIP(c, entry);
  const under = (links(c, one(plan, c.runs, onNode(entry, 'node-link'))) ?? []).find((l) => l.addresses.some((a) => a.local === ip));
  const podMtu = podInterface(links(c, one(plan, c.runs, onPod(dst.namespace, dst.name, 'addr'))))?.mtu;
  const link = under && podMtu ? `${under.ifname} mtu ${under.mtu} on ${entry} < pod MTU ${podMtu}` : undefined;
  if (bg.exit === 0) {
    observe(c, hop, bg.got >= (big.args.size ?? 0) ? `downloads from ${client} through ${at}: ${bg.got} bytes arrive${link ? ` although ${link}` : ''}` : `a download from ${client} through ${at} got ${bg.got} bytes where ${big.args.size} were asked (the server's own answer), too few to size the way`);
    return;
  }
  problem(c, hop, 'mtu-blackhole', `from ${client} through ${at}, a ${small.args.size}-byte answer arrives but a ${big.args.size}-byte download stalls after ${bg.got} bytes: ${dst.namespace}/${dst.name}'s full-size answers leaving ${entry} vanish without an ICMP error${link ? `; ${link}` : ''}, and fragmentation-needed never reaches the flow`, [entry], mtuStep(undefined, under ? { n: entry, t: under } : undefined, podMtu));
}

/**
 * The Service's other ready endpoints, sized by their own DF pings from where the drawn pod's ladder leaves (the
 * source pod; north-south, the node the flow enters: lib/plan/mtu.ts endpointMtuPings and withMtuLadder, one endpoint
 * per node off the drawn way). A blackhole there (the smallest comes back, every size above the largest that passes
 * vanishes without an ICMP error) is recorded in `c.mtuFailing` (IP → the largest IP packet that passes, bytes), so
 * partialService (north-south: its endpoint split) counts that endpoint among the failing ones, and is an
 * `mtu-blackhole` at dst-pod naming the endpoint, its node and the size — what the drawn path shows when the plan was
 * re-drawn to that endpoint (lib/plan/ops followFailure), which is then judgeMtu's. Its ladder is said on the service
 * hop, where the endpoints are listed (dst-pod when the plan has no service hop).
 */
export function judgeEndpointMtu(c: Ctx) {
  const { plan } = c;
  const fromSource = (p: PlannedProbe) => (p.probe === 'ping-df' && p.pod?.namespace === plan.src.namespace && p.pod?.name === plan.src.name) || (p.probe === 'node-ping-df' && p.node === plan.src.node);
  const pings = plan.probes.filter((p) => p.hop === 'dst-pod' && p.args.ip !== plan.dst?.ip && fromSource(p));
  const src = plan.src.namespace ? `${plan.src.namespace}/${plan.src.name}` : plan.src.name;
  for (const ip of new Set(pings.map((p) => p.args.ip!))) {
    const ladder = readLadder(c, pings.filter((p) => p.args.ip === ip));
    if (!ladder?.largest) continue;
    const pod = c.snap.pods.find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork);
    const node = plan.service?.endpoints.endpoints.find((e) => e.ip === ip)?.nodeName ?? pod?.spec?.nodeName;
    const who = `${pod ? `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name} ` : ''}${ip}${node ? ` on ${node}` : ''}`;
    observe(c, plan.service ? 'service' : 'dst-pod', `${ladderText(`endpoint ${who}`, ladder.largest, ladder.firstBad)}`);
    if (!ladder.blackhole) continue;
    const fits = ladder.largest.size + 28;
    c.mtuFailing.set(ip, fits);
    problem(c, 'dst-pod', 'mtu-blackhole', `DF pings from ${src} to endpoint ${who} above ${ladder.largest.size} bytes of payload (IP packets over ${fits} bytes) are lost without an ICMP error while ${ladder.small.size}-byte pings pass, and fragmentation-needed never comes back: connections kube-proxy sends there stall on their first full-size packet${node ? `; a link on the way to ${node} is narrower than the pods' MTU` : ''}`);
  }
}

/**
 * The mtu-blackhole next step with the path's numbers: the pod MTU the narrowest link carries (a tunnel's MTU
 * already allows for its encapsulation; an underlay link's is the packet size itself), or the underlay MTU that
 * would carry the pods' packets; undefined (the cause's own text) when the path's MTUs are not known.
 */
function mtuStep(tun: { n: string; t?: { mtu: number; ifname: string } } | undefined, under: { n: string; t?: { mtu: number; ifname: string } } | undefined, podMtu: number | undefined): string | undefined {
  const rest = 'meanwhile clamp TCP MSS, and let ICMP fragmentation-needed through between nodes so that path MTU discovery works.';
  if (tun?.t && podMtu && tun.t.mtu < podMtu) {
    return `Make the pod MTU fit the tunnel: at most ${tun.t.mtu} (${tun.t.ifname} on ${tun.n}, whose MTU already allows for VXLAN's ${VXLAN_OVERHEAD} bytes), or raise ${tun.n}'s underlay MTU to ${podMtu + VXLAN_OVERHEAD} so that the tunnel carries ${podMtu}; ${rest}`;
  }
  if (under?.t && podMtu && under.t.mtu < podMtu) return `Make the pod MTU fit the node link: at most ${under.t.mtu} (${under.t.ifname} on ${under.n}), or raise that link's MTU to ${podMtu}; ${rest}`;
  return undefined;
}

/**
 * An MTU no probe could measure, read from the links: where the path's narrowest link (a tunnel device, or on host-gw
 * the underlay link) is below the pod MTU, a warning (never the failure: nothing observed it) with the arithmetic —
 * (a) nothing got through to size the path and the connect failed for another reason: an MTU blackhole waits behind
 * the first failure, so fixing that is not mistaken for fixing the path; (b) ICMP does not pass, and only downloads
 * (server → client) sized it while the narrow link is on the client's side: the client's own large packets are not
 * measured. Run after the connect is read (judgeListener).
 */
export function warnUnmeasuredMtu(c: Ctx) {
  const { plan } = c;
  if (!plan.dst || !c.mtuSized || c.connect === undefined || c.problems.some((p) => p.cause === 'mtu-blackhole')) return;
  const hop: HopId = plan.sameNode ? 'dst-pod' : 'overlay';
  const { podMtu, minTun, minUnder } = pathMtus(c);
  const narrow = minTun ?? minUnder;
  if (!podMtu || !narrow?.t || narrow.t.mtu >= podMtu) return;
  const what = `${minTun ? 'the tunnel MTU' : 'the node link MTU'} ${narrow.t.mtu} on ${narrow.n} (${narrow.t.ifname}) < pod MTU ${podMtu}`;
  const step = mtuStep(minTun, minTun ? undefined : minUnder, podMtu);
  if (c.mtuSized === 'no' && c.connect !== 'open') {
    warn(c, hop, 'mtu-blackhole', `not measured (nothing got through to size the path), but ${what}: once the first failure is fixed, packets over ${narrow.t.mtu} bytes are likely lost`, step);
  } else if (c.mtuSized === 'download' && narrow.n === plan.src.node && narrow.n !== plan.dst.node) {
    warn(c, hop, 'mtu-blackhole', `downloads from ${plan.dst.namespace}/${plan.dst.name} pass, but the way there is not measured (ICMP does not pass, so DF pings cannot size it) and ${what}: ${plan.src.namespace}/${plan.src.name}'s own packets over ${narrow.t.mtu} bytes (a large request or upload) are likely lost`, step);
  }
}

/**
 * TCP downloads size the path where ICMP does not pass: a connection that opens but whose bulk download stalls means
 * big segments vanish on the path. False when they could not size it (none planned or run, or none got through).
 */
function judgeBulk(c: Ctx): boolean {
  const { plan } = c;
  const bulk = plan.probes.filter((x) => x.probe === 'tcp-bulk').sort((a, b) => (a.args.size ?? 0) - (b.args.size ?? 0));
  if (bulk.length < 2 || !plan.dst) return false;
  const [small, big] = [bulk[0], bulk[bulk.length - 1]].map((p) => ({ p, r: c.runs.get(p.key) }));
  if (!small.r || !big.r || small.r.notRun || big.r.notRun) return false;
  const written = curlWritten;
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
  return sm.exit === 0;
}
