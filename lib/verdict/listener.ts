// The far end and the end-to-end connects: what listens on the destination port, what each TCP connect
// saw, and the lines about failures another hop explains (written last).
import { CAUSES } from '../causes';
import { listenerOnPort, parseNc, parseSs } from '../parse';
import { connectOutcome, connectText, parseRun } from './read';
import { finding, observe, one, onPod, problem, read, type Ctx } from './context';
import { endpointPort } from '../plan/ops';
import { ipFamily } from '../ip';

// ------------------------------------------------------------------ listener ----

const ssFlag = (proto: 'TCP' | 'UDP') => (proto === 'UDP' ? '-ulnp' : '-tlnp');

/** app-not-listening's next step in the destination pod: the pod by name (kubectl exec) and the transport's ss. */
export function podListenStep(pod: { namespace: string; name: string; ip?: string }, proto: 'TCP' | 'UDP', port: number): string {
  const verb = proto === 'UDP' ? 'bind' : 'listen on';
  return `Inside pod ${pod.namespace}/${pod.name} run \`kubectl exec -n ${pod.namespace} ${pod.name} -- ss ${ssFlag(proto)}\`; the app must ${verb} ${proto} ${port} on 0.0.0.0 (or the pod IP${pod.ip ? ` ${pod.ip}` : ''}), not 127.0.0.1 — or dial the port it does ${verb}.`;
}

/**
 * app-not-listening's next step for cluster DNS pods (CoreDNS) that run but serve nothing on port 53 (a query to them
 * drew an ICMP port unreachable): each one's logs (a Corefile error or a crash leaves the pod Running with nothing on
 * :53) and declared ports, the Corefile's server block, and the query that must answer again (`dig @IP NAME.` from
 * `src`). One text for the dns hop (lib/verdict/dns.ts, a replica dug directly) and a DNS target (edge.ts judgeUdp).
 */
export function dnsServerListenStep(servers: readonly { ip: string; port?: number; pod?: { namespace: string; name: string } }[], src: string, name: string): string {
  const port = servers[0]?.port ?? 53;
  const each = servers.map((r) => (r.pod ? `\`kubectl -n ${r.pod.namespace} logs ${r.pod.name}\` (a Corefile error or a crash leaves the pod Running with nothing on :${r.port ?? 53}) and \`kubectl -n ${r.pod.namespace} get pod ${r.pod.name} -o jsonpath='{.spec.containers[*].ports}'\` (${r.port ?? 53}/UDP and ${r.port ?? 53}/TCP)` : `the DNS server at ${r.ip}`));
  const ns = servers.find((r) => r.pod)?.pod?.namespace ?? 'kube-system';
  const first = servers[0];
  return `Check ${[...new Set(each)].join('; ')}, and the Corefile's server block (\`kubectl -n ${ns} get configmap coredns -o yaml\`: \`.:${port}\`, no other port); \`dig @${first?.ip ?? '<DNS pod IP>'}${port !== 53 ? ` -p ${port}` : ''} ${name.replace(/\.$/, '')}.\` from ${src} must answer once it serves again — delete the pod to have its ReplicaSet start another meanwhile.`;
}

/**
 * app-not-listening's next step for a port in a node's own network (no pod behind it): the node's ss, and when no
 * Service has that nodePort, that the port itself is the likely mistake.
 */
export function nodeListenStep(node: string, proto: 'TCP' | 'UDP', port: number, serviceHasNodePort: boolean): string {
  return `On ${node}, \`ss ${ssFlag(proto)} 'sport = :${port}'\`; ${serviceHasNodePort ? `the node daemon or hostNetwork pod must listen on ${proto} ${port} on the node's address, not 127.0.0.1` : `no Service has nodePort ${port} — check the port, or the Service's nodePort (\`kubectl get svc -A\`)`}.`;
}

export function judgeListener(c: Ctx) {
  const { plan } = c;
  const dst = plan.dst;
  if (!dst) return;
  const port = endpointPort(plan);
  if (!port) return;
  const ss = one(plan, c.runs, onPod(dst.namespace, dst.name, 'ss-listen'));
  const sockets = read(c, ss, parseSs);
  if (!ss || !sockets) return;
  const at = (xs: typeof sockets) => xs.map((l) => `${l.local.family === 'inet6' ? `[${l.local.address}]` : l.local.address}:${l.local.port}`).join(', ');
  // the family of the address the packet arrives at: the pod's own (after a Service's DNAT) or the loopback dialled
  const arrives = plan.loopback && plan.dstIP ? plan.dstIP : dst.ip;
  const { verdict, listeners } = listenerOnPort(sockets, port, arrives);
  if (verdict === 'reachable') {
    const s = `listening on ${at(listeners)}`;
    finding(c, ss, s);
    observe(c, 'dst-pod', s);
    return;
  }
  // A pod dialling its own loopback address (PathPlan.loopback: a sidecar on localhost) reaches a socket bound there.
  const onLo = plan.loopback ? listeners.filter((l) => l.local.address === plan.dstIP) : [];
  if (verdict === 'loopback-only' && onLo.length) {
    const s = `listening on ${at(onLo)} (loopback, which this pod's own containers reach)`;
    finding(c, ss, s);
    observe(c, 'dst-pod', s);
    return;
  }
  if (verdict === 'loopback-only') {
    const s = `listens on ${at(listeners)} only (loopback): unreachable from other pods`;
    finding(c, ss, s);
    problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name} ${s}; it must listen on 0.0.0.0:${port} or ${dst.ip}:${port}`, undefined, podListenStep(dst, 'TCP', port));
    return;
  }
  if (verdict === 'other-family') {
    const v6 = ipFamily(arrives) !== 6;
    const s = `listens on ${at(listeners)} only, ${v6 ? 'an IPv6-only socket (IPV6_V6ONLY set; ss prints a dual-stack one as *:PORT)' : 'IPv4 only'}: connections to ${arrives}:${port} are refused`;
    finding(c, ss, s);
    problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name} ${s}`, undefined, `Inside pod ${dst.namespace}/${dst.name}, \`ss -tlnp\` names the socket's process: ${v6 ? `bind 0.0.0.0:${port}, or [::]:${port} with IPV6_V6ONLY off (the app's bind option; nginx: \`listen [::]:${port} ipv6only=off;\`)` : `bind [::]:${port} (dual-stack) or the pod's IPv6 address`}.`);
    return;
  }
  const all = sockets.filter((x) => x.state === 'LISTEN');
  const s = `nothing listens on TCP ${port}${all.length ? ` (listening: ${at(all)})` : ''}`;
  finding(c, ss, s);
  problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name}: ${s}`, undefined, podListenStep(dst, 'TCP', port));
  // It listens, on other ports: the port asked for is the mistake, not the bind address (the cause's own advice).
  const reachable = [...new Set(all.filter((l) => !/^(127\.|::1$|\[?::1\]?$)/.test(l.local.address)).map((l) => l.local.port).filter((x): x is number => x !== null))].sort((a, b) => a - b);
  const pr = c.problems.find((x) => x.hop === 'dst-pod' && x.cause === 'app-not-listening');
  if (pr && reachable.length) {
    pr.nextStep = `${dst.namespace}/${dst.name} listens on TCP ${reachable.join(', ')}, not ${port}: dial ${reachable.length === 1 ? reachable[0] : 'one of those'}${plan.service ? `, or set the Service's targetPort to the port the app listens on` : ''}; \`ss -tlnp\` inside the pod names each socket's process.`;
  }
}

// ------------------------------------------------------------------ connects ----

export function judgeConnects(c: Ctx) {
  const { plan } = c;
  for (const p of plan.probes.filter((x) => x.probe === 'tcp-connect')) {
    const r = c.runs.get(p.key);
    if (!r || r.notRun) continue;
    const parsed = parseRun(r, parseNc);
    const o = connectOutcome(parsed);
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
export function explainLater(c: Ctx) {
  const { plan } = c;
  if (plan.service && c.connect !== undefined && c.connect !== 'open') {
    c.later.unshift({ hop: 'service', text: `the connect from ${plan.src.namespace}/${plan.src.name} to ${plan.dstIP}:${plan.dstPort} failed (${connectText(c.connect)})` });
  }
  // (these connects and pings dial the address itself: a name that does not resolve is not why they failed)
  const first = [...c.problems].filter((p) => p.hop !== 'dns').sort((a, b) => a.rank - b.rank)[0];
  for (const l of c.later) {
    const at = !first ? '; no hop explains it' : first.hop === l.hop ? `: ${CAUSES[first.cause].title}` : `; the ${first.hop} hop explains it (${CAUSES[first.cause].title})`;
    observe(c, l.hop, `${l.text}${at}`);
  }
}
