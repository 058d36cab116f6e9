// Judgement beyond ClusterIP for a pod source (DESIGN §3.2, §4): UDP (a datagram, an ICMP
// port-unreachable or silence, `ss -u`), a headless name (every answer checked against the ready pods),
// names outside the cluster that do not resolve while cluster names do (`upstream-dns`), and the way out
// (`egress`: the SNAT rule and the source address the outside saw — conntrack's reply tuple; `snat-missing`,
// `policy-denied` for an egress policy that admits only in-cluster traffic). Hooks in lib/verdict/index.ts.
import { evaluate, cidrContains, parseCidr } from '../kube';
import { digAddresses, parseConntrackList, parseDig, parseNc, parseSocatUdp, parseSs, type ConntrackEntry, type DigResult, type UdpExchange } from '../parse';
import { parseRun, connectText, type ConnectOutcome } from './read';
import { finding, observe, one, onNode, onPod, problem, read, type Ctx, type ProbeRun } from './context';
import { endpointPort } from '../plan/ops';
import { dnsPods } from '../plan';
import { dnsServerListenStep, podListenStep } from './listener';
import { noSuchServiceStep } from './dns';
import { joinClauses } from '../clauses';
import { CAUSES, concreteNextStep } from '../causes';

/** snat-missing's next step on the node the traffic leaves by (the cause's text says "On the node"), with the outside address. */
const snatStep = (node: string, externalIP: string) => concreteNextStep(CAUSES['snat-missing'].nextStep.replace(/^On the node,/, `On ${node},`), { externalIP });

// ------------------------------------------------------------------ UDP ----

/** `nc -u -z -v -w 2 IP PORT` (netcat-openbsd, measured): exit 1 and silent = ICMP port-unreachable; "succeeded" = no ICMP error within 2 s. */
export type UdpOutcome = 'refused' | 'no-icmp' | 'unreachable';
export function udpOutcome(r: ProbeRun): UdpOutcome | undefined {
  const text = `${r.stdout}${r.stderr}`.trim();
  if (r.exitCode === 0 && /succeeded/.test(text)) return 'no-icmp';
  if (r.exitCode === 1 && text === '') return 'refused';
  const p = parseRun(r, parseNc);
  if (p.ok && (p.value.outcome === 'network-unreachable' || p.value.outcome === 'no-route-to-host' || p.value.outcome === 'permission-denied')) return 'unreachable';
  if (p.ok && p.value.outcome === 'refused') return 'refused';
  if (r.timedOut) return 'no-icmp';
  return undefined;
}

const UDP_TEXT: Record<UdpOutcome, string> = {
  refused: 'ICMP port-unreachable came back (nothing bound to the port there)',
  'no-icmp': 'no ICMP error within 2 s, which proves nothing (a UDP server that does not answer and a silent drop look alike)',
  unreachable: 'unreachable (an ICMP error or no route)',
};

/** Is something bound to UDP `port` on a reachable address? (`ss -H -u -a -n -l`: UDP servers show as UNCONN) */
function udpListener(c: Ctx, r: ProbeRun | undefined, port: number): 'yes' | 'loopback' | 'no' | undefined {
  const socks = read(c, r, (t) => parseSs(t));
  if (!socks || !r) return undefined;
  const on = socks.filter((s) => s.local.port === port);
  const verdict = on.some((s) => !s.local.loopback) ? 'yes' : on.length ? 'loopback' : 'no';
  finding(c, r, verdict === 'yes' ? `UDP ${port} bound on ${on.map((s) => `${s.local.address}:${s.local.port}`).join(', ')}` : verdict === 'loopback' ? `UDP ${port} bound on loopback only` : `nothing bound to UDP ${port}`);
  return verdict;
}

/** The end-to-end UDP datagram and the endpoints', read with the destination's UDP sockets. Sets c.connect. */
export function judgeUdp(c: Ctx) {
  const { plan } = c;
  if (!plan.edge?.udp) return;
  const dst = plan.dst;
  const port = dst ? endpointPort(plan) : undefined;
  const ss = dst ? one(plan, c.runs, onPod(dst.namespace, dst.name, 'ss-listen-udp')) : undefined;
  const bound = port ? udpListener(c, ss, port) : undefined;
  for (const p of plan.probes.filter((x) => x.probe === 'udp-connect')) {
    const r = c.runs.get(p.key);
    if (!r || r.notRun) continue;
    const o = udpOutcome(r);
    if (!o) {
      read(c, r, parseNc);
      continue;
    }
    finding(c, r, `UDP ${p.args.ip}:${p.args.port}: ${UDP_TEXT[o]}`);
    // No ICMP error is not delivery: a dropped datagram is silent too. Only an ICMP error is an outcome here;
    // what proves the path is a datagram that comes back (udp-exchange below) or the packet's own walk (trace).
    if (o === 'no-icmp') continue;
    setUdp(c, p.args.ip, p.args.port, o);
  }
  let silent = false;
  // The datagrams that prove delivery: socat's payload, or a DNS query to a DNS port (lib/plan/egress.ts isDnsPort).
  for (const p of plan.probes.filter((x) => x.probe === 'udp-exchange' || x.probe === 'dns-exchange')) {
    const r = c.runs.get(p.key);
    if (!r || r.notRun) continue;
    const e = p.probe === 'udp-exchange' ? socatExchange(read(c, r, parseSocatUdp)) : dnsExchange(read(c, r, parseDig));
    if (!e) continue;
    finding(c, r, `UDP ${p.args.ip}:${p.args.port}: ${e.text}`);
    if (e.outcome === 'silent') silent ||= p.args.ip === plan.dstIP && p.args.port === plan.dstPort;
    else if (e.outcome !== 'error') setUdp(c, p.args.ip, p.args.port, e.outcome);
  }
  if (ss && bound) observe(c, 'dst-pod', c.findings.get(ss.key) ?? '');
  const mainHop = plan.service ? 'service' : plan.edge?.external ? 'external' : 'dst-pod';
  if (c.connect !== undefined) observe(c, mainHop, `UDP to ${plan.dstIP}:${plan.dstPort}: ${c.connect === 'open' ? 'a datagram came back' : connectText(c.connect)}`);
  else if (silent) observe(c, mainHop, `UDP to ${plan.dstIP}:${plan.dstPort}: no datagram came back and no ICMP error, which proves nothing either way`);
  // A cluster DNS pod (CoreDNS) whose DNS port refused the query and has nothing bound: its server is gone, the pod
  // runs — said as such, with the CoreDNS next step (only when the query was refused: observed, not inferred)
  // (its DNS port: the DNS Service's targetPort, 53 but for a Service port mapped elsewhere)
  const dnsServer = dst && port && bound === 'no' && c.connect === 'refused' && dnsPods(c.snap).some((d) => d.ip === dst.ip && (d.port ?? 53) === port);
  const asked = plan.probes.find((x) => x.probe === 'dns-exchange' && x.args.ip === dst?.ip)?.args.name;
  if (dst && dnsServer) {
    problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name} is a cluster DNS pod and refuses the query: nothing is bound to UDP ${port} in it (the query drew an ICMP port-unreachable) — the pod runs but its DNS server does not serve port ${port}`, undefined, dnsServerListenStep([{ ip: dst.ip, port, pod: { namespace: dst.namespace, name: dst.name } }], `${plan.src.namespace}/${plan.src.name}`, asked ?? 'cluster.local'));
  } else if (dst && port && bound && bound !== 'yes' && c.connect !== 'open') {
    problem(c, 'dst-pod', 'app-not-listening', `${dst.namespace}/${dst.name}: ${bound === 'loopback' ? `UDP ${port} is bound on loopback only` : `nothing is bound to UDP ${port}`}${c.connect === 'refused' ? ' (the datagram drew an ICMP port-unreachable)' : ''}`, undefined, podListenStep(dst, 'UDP', port));
  }
}

/** What one datagram exchange showed: a reply (open), an ICMP error, silence (which proves nothing), or a tool error; and its finding. */
interface Exchange {
  outcome: 'open' | 'refused' | 'unreachable' | 'silent' | 'error';
  text: string;
}

/** socat's transfer dump (udp-exchange); undefined when unreadable. */
function socatExchange(x: UdpExchange | undefined): Exchange | undefined {
  if (!x) return undefined;
  if (x.outcome === 'reply') return { outcome: 'open', text: `a datagram came back (${x.replies[0] ? `"${x.replies[0].slice(0, 60)}"` : 'empty'}): delivered both ways` };
  if (x.outcome === 'silent') return { outcome: 'silent', text: 'no datagram came back and no ICMP error within 2 s, which proves nothing (a UDP server that does not answer and a silent drop look alike)' };
  if (x.outcome === 'error') return { outcome: 'error', text: `socat failed: ${x.error ?? ''}` };
  return { outcome: x.outcome, text: UDP_TEXT[x.outcome] };
}

/** dig's answer to the DNS query (dns-exchange): any answer, whatever its rcode, came back; dig's failure lines are the ICMP errors and the silence. */
function dnsExchange(d: DigResult | undefined): Exchange | undefined {
  if (!d) return undefined;
  if (d.outcome === 'answer') return { outcome: 'open', text: `a DNS answer came back (${d.rcode}${d.queryTimeMs !== undefined ? `, ${d.queryTimeMs} ms` : ''}): delivered both ways` };
  // a datagram that is not a DNS answer (a UDP server on a DNS-named port that speaks something else) still came back
  if (d.stray) return { outcome: 'open', text: `a datagram came back, not a DNS answer (dig: "${d.stray}"): delivered both ways` };
  if (d.reason === 'connection-refused') return { outcome: 'refused', text: UDP_TEXT.refused };
  if (d.reason === 'network-unreachable') return { outcome: 'unreachable', text: UDP_TEXT.unreachable };
  return { outcome: 'silent', text: `no DNS answer and no ICMP error within 2 s (${d.message}): the DNS server does not answer, or the path drops the query or its answer` };
}

/** One UDP outcome that says something: the end-to-end one (the address as dialled) and the direct ones. */
function setUdp(c: Ctx, ip: string | undefined, port: number | undefined, o: ConnectOutcome | 'refused' | 'unreachable') {
  const co: ConnectOutcome = o;
  if (ip === c.plan.dstIP && port === c.plan.dstPort && (c.connect === undefined || co === 'open')) c.connect = co;
  const k = `${ip}:${port}`;
  if (!c.directConnect.has(k) || co === 'open') c.directConnect.set(k, co);
}

/** The next step of app-not-listening at a host outside the cluster: no backend pod to look into; UDP is `ss -ulnp`. */
export function externalListenerStep(host: string, ip: string, proto: 'TCP' | 'UDP', port: number | undefined): string {
  return `On ${host} itself (outside the cluster) run \`ss -${proto === 'UDP' ? 'u' : 't'}lnp\`: a server must be bound to ${proto} ${port ?? 'the port'} on ${ip} or 0.0.0.0; if it is, its host firewall answers the ${proto === 'UDP' ? 'datagram with ICMP port-unreachable' : 'connect with a reset'} — check the port and the host's firewall.`;
}

// ------------------------------------------------------------------ DNS ----

/** An ExternalName: the cluster DNS must answer a CNAME to spec.externalName; its address is where the path leaves. */
export function judgeExternalName(c: Ctx) {
  const en = c.plan.edge?.externalName;
  if (!en) return;
  const want = en.name.replace(/\.$/, '').toLowerCase();
  for (const d of digs(c)) {
    if (d.dig.outcome !== 'answer') continue;
    const cname = d.dig.answers.find((a) => a.type === 'CNAME');
    if (!cname) continue;
    const got = cname.data.replace(/\.$/, '').toLowerCase();
    if (got !== want) problem(c, 'dns', 'dns-wrong-answer', `${d.name} answers CNAME ${got}, but ExternalName ${en.key} names ${want}`);
    else observe(c, 'dns', `${d.name} is ExternalName ${en.key}: CNAME ${want}${digAddresses(d.dig).length ? ` → ${digAddresses(d.dig).join(', ')}` : ' (not resolved)'}`);
    return;
  }
}

/** The pod's dig answers in the order the resolver asks (phase 2 plans them in candidate order). */
function digs(c: Ctx): { name: string; run: ProbeRun; dig: DigResult }[] {
  const out: { name: string; run: ProbeRun; dig: DigResult }[] = [];
  for (const p of c.plan.probes.filter((x) => x.probe === 'dig')) {
    const r = c.runs.get(p.key);
    if (!r || r.notRun) continue;
    const d = parseRun(r, parseDig);
    if (d.ok) out.push({ name: p.args.name ?? '', run: r, dig: d.value });
  }
  return out;
}

/** A headless name: every address DNS answers must be a ready pod of the Service. */
export function judgeHeadless(c: Ctx) {
  const h = c.plan.edge?.headless;
  if (!h) return;
  const answered = digs(c).find((d) => d.dig.outcome === 'answer' && d.dig.rcode === 'NOERROR' && digAddresses(d.dig).length);
  if (!h.ready.length && h.unpublished?.length) {
    // a pod record no endpoint publishes, while the Service has ready pods: the name does not exist (Kubernetes DNS:
    // a pod gets <hostname>.<subdomain> only when spec.hostname is set and spec.subdomain names the headless Service)
    const [svcName, ns] = h.key.split('/').reverse();
    const reason = `no ready pod of headless ${h.key} publishes hostname ${h.host}, so ${h.host}.${svcName}.${ns} has no DNS record; its ready pods: ${h.unpublished.join(', ')} (a pod gets a record of its own only when its spec.hostname is set and its spec.subdomain is ${svcName}, as a StatefulSet with serviceName ${svcName} does)`;
    const step = `Dial the Service name (\`${svcName}.${ns}\`: DNS answers every ready pod), or give the pods spec.hostname and spec.subdomain: ${svcName} (a StatefulSet's serviceName: ${svcName}) for per-pod names.`;
    const dns = c.problems.find((p) => p.hop === 'dns');
    if (dns) Object.assign(dns, { cause: 'dns-nxdomain', reason, nextStep: step });
    else problem(c, 'dns', 'dns-nxdomain', reason, undefined, step);
    return;
  }
  if (!h.ready.length) {
    const dns = c.problems.find((p) => p.hop === 'dns');
    const reason = `${h.key} is headless and has no ready pod${h.notReady.length ? ` (not ready: ${h.notReady.join(', ')})` : ''}, so DNS has no address to answer`;
    if (dns) {
      dns.cause = 'no-endpoints';
      dns.reason = reason;
    } else problem(c, 'dns', 'no-endpoints', reason);
    return;
  }
  if (!answered || answered.dig.outcome !== 'answer') return;
  const addrs = digAddresses(answered.dig);
  const stray = addrs.filter((a) => !h.ready.includes(a));
  if (stray.length) problem(c, 'dns', 'dns-wrong-answer', `${answered.name} answers ${stray.join(', ')}, which ${stray.length === 1 ? 'is not a ready pod' : 'are not ready pods'} of headless ${h.key} (ready: ${h.ready.join(', ')})`);
  else observe(c, 'dns', `every answer (${addrs.join(', ')}) is a ready pod of headless ${h.key}`);
  const missing = h.ready.filter((ip) => !addrs.includes(ip));
  if (missing.length && !stray.length) observe(c, 'dns', `ready pods DNS did not answer: ${missing.join(', ')}`);
}

/**
 * A name outside the cluster that does not resolve while a cluster name does: the cluster DNS answers,
 * its forwarder does not (`upstream-dns`). A genuine NXDOMAIN for the outside name stays `dns-nxdomain`.
 */
export function judgeUpstreamDns(c: Ctx) {
  const { plan } = c;
  const domain = plan.name?.clusterDomain;
  const control = plan.edge?.controlName;
  if (!plan.name || !domain || !control || (plan.name.matched && !plan.edge?.externalName)) return;
  const dnsProblem = c.problems.find((p) => p.hop === 'dns' && (p.cause === 'dns-timeout' || p.cause === 'dns-nxdomain'));
  if (!dnsProblem) return;
  const ctl = one(plan, c.runs, onPod(plan.src.namespace, plan.src.name, 'dig-control'));
  const cd = read(c, ctl, parseDig);
  const ctlOk = cd?.outcome === 'answer' && cd.rcode === 'NOERROR' && digAddresses(cd).length > 0;
  if (ctl && cd) finding(c, ctl, ctlOk && cd.outcome === 'answer' ? `${control}: ${digAddresses(cd).join(', ')} — the cluster DNS answers cluster names` : `${control}: ${cd.outcome === 'answer' ? cd.rcode : 'no answer'} — the cluster DNS itself does not answer`);
  if (!ctlOk) return;
  const inCluster = (n: string) => n.replace(/\.$/, '').endsWith(`.${domain}`);
  const ds = digs(c);
  // The queries that leave the cluster DNS (outside names, or an ExternalName's CNAME target).
  // (an ExternalName to a name in the cluster's own domain asks no upstream: not this finding)
  if (plan.edge?.externalName && inCluster(plan.edge.externalName.name)) return;
  const outside = plan.edge?.externalName ? ds : ds.filter((d) => !inCluster(d.name));
  if (!outside.length) return;
  const failed = outside.filter((d) => d.dig.outcome === 'no-response' || (d.dig.rcode !== 'NOERROR' && d.dig.rcode !== 'NXDOMAIN') || (plan.edge?.externalName && d.dig.rcode === 'NOERROR' && !digAddresses(d.dig).length));
  if (plan.edge?.externalName ? !failed.length : failed.length !== outside.length) return;
  const how = failed.map((d) => `${d.name}: ${d.dig.outcome === 'no-response' ? 'no answer' : `${d.dig.rcode}${d.dig.answers.some((a) => a.type === 'CNAME') ? ` (CNAME ${d.dig.answers.find((a) => a.type === 'CNAME')!.data} not resolved)` : ''}`}`).join('; ');
  const answered = `cluster names resolve (${control} → ${cd.outcome === 'answer' ? digAddresses(cd).join(', ') : ''})`;
  const dnsNodes = [...new Set(dnsPods(c.snap).map((d) => d.node))];
  // A short name that is no Service (every cluster name the resolver tries is NXDOMAIN) and near one that is: the
  // typo is what to fix ("did you mean backend?"); its last try as a name outside the cluster, unanswered, is the
  // upstream's fault, said beside it.
  const tries = ds.filter((d) => inCluster(d.name));
  const short = !plan.name.matched && !plan.edge?.externalName && !plan.name.name.endsWith('.') && plan.name.name.split('.').length <= 2;
  const typo = short && tries.length > 0 && tries.every((d) => d.dig.outcome === 'answer' && d.dig.rcode === 'NXDOMAIN') ? noSuchServiceStep(c) : undefined;
  if (typo?.includes('did you mean')) {
    dnsProblem.cause = 'dns-nxdomain';
    dnsProblem.reason = `no Service matches "${plan.name.name}" from namespace ${plan.src.namespace}: ${tries.map((d) => d.name).join(', ')} ${tries.length === 1 ? 'is' : 'are'} NXDOMAIN, and its last try outside the cluster gets no answer (${how}: the cluster DNS's upstream forwarder does not answer either)`;
    dnsProblem.nextStep = `${typo} Separately, the cluster DNS's upstream forwarder does not answer (names outside the cluster need it): ${upstreamDnsStep(failed[0].name.replace(/\.$/, ''), dnsNodes)}`;
    return;
  }
  dnsProblem.cause = 'upstream-dns';
  const en = plan.edge?.externalName;
  if (en?.name) {
    // The name dialled is the cluster's own (the ExternalName Service); what must resolve outside is its CNAME target,
    // which the cluster DNS asks its upstream for. That target is the name to name, and the one to dig on the node.
    const target = en.name.replace(/\.$/, '');
    const timedOut = failed.some((d) => d.dig.outcome === 'no-response');
    const got = joinClauses(failed.map((d) => `${d.name}: ${d.dig.outcome === 'no-response' ? 'the query timed out, no answer' : `${d.dig.rcode}${d.dig.answers.some((a) => a.type === 'CNAME') ? ` with the CNAME but no address for ${target}` : ''}`}`));
    dnsProblem.reason = `${answered}, but ${failed[0].name.replace(/\.$/, '')} is ExternalName ${en.key}, a CNAME to ${target} outside the cluster, and ${target} does not resolve (${got}): the upstream resolver the cluster DNS forwards ${target} to ${timedOut ? 'does not answer' : 'fails the lookup'}`;
    dnsProblem.nextStep = upstreamDnsStep(target, dnsNodes);
    return;
  }
  dnsProblem.nextStep = upstreamDnsStep(failed[0].name.replace(/\.$/, ''), dnsNodes);
  dnsProblem.reason = `${answered} but the name outside the cluster does not (${how}): the cluster DNS's upstream forwarder does not answer`;
}

/**
 * upstream-dns's next step with this diagnosis's name and the cluster DNS pods' nodes: CoreDNS forwards to the
 * resolver in its node's /etc/resolv.conf, so `dig NAME` on such a node asks exactly that server.
 */
export function upstreamDnsStep(name: string, dnsNodes: string[]): string {
  const where = dnsNodes.length ? `on ${dnsNodes.join(', ')} (the cluster DNS pods' node${dnsNodes.length === 1 ? '' : 's'})` : "on the cluster DNS pods' nodes";
  return `Cluster names resolve, outside names do not: check the cluster DNS's forwarder (CoreDNS \`forward . /etc/resolv.conf\` or its upstream servers) and that the upstream DNS answers ${where}: there \`dig ${name}\` asks the node's own resolver, the one CoreDNS forwards to.`;
}

// ------------------------------------------------------------------ egress ----

/**
 * A nat rule that would masquerade/SNAT this pod's traffic to this destination (iptables-save text), else undefined.
 * Each chain is read in order as the kernel walks it: a RETURN that this flow matches ends the chain for it, so
 * kube-proxy's `KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN` (only packets KUBE-MARK-MASQ marked, i.e.
 * Service traffic, go on to its MASQUERADE) and ip-masq-agent's `-d <nonMasqueradeCIDR> -j RETURN` rules are honoured.
 * A pod's own traffic out is not marked. Matches other than -s/-d/mark (sets, addrtype) are not evaluated: a RETURN
 * with one is taken not to match, a MASQUERADE with one to apply.
 */
export function snatRuleFor(iptablesSave: string, podIP: string, dstIP: string): string | undefined {
  let inNat = false;
  const returned = new Set<string>();
  const within = (cidr: string, ip: string) => {
    const c = parseCidr(cidr.includes('/') ? cidr : `${cidr}/32`);
    return c ? cidrContains(c, ip) : false;
  };
  for (const raw of iptablesSave.split('\n')) {
    const l = raw.trim();
    if (l.startsWith('*')) inNat = l === '*nat';
    const chain = /^-A (\S+) /.exec(l)?.[1];
    if (!inNat || !chain || returned.has(chain)) continue;
    const ret = / -j RETURN\b/.test(l);
    if (!ret && !/ -j (MASQUERADE|SNAT)\b/.test(l)) continue;
    const src = /(!\s+)?-s (\S+)/.exec(l);
    const dst = /(!\s+)?-d (\S+)/.exec(l);
    if (src && within(src[2], podIP) === !!src[1]) continue;
    if (dst && within(dst[2], dstIP) === !!dst[1]) continue;
    // the flow is unmarked: `! --mark` matches it, `--mark` does not
    const mark = /-m mark (!\s+)?--mark/.exec(l);
    if (mark && !mark[1]) continue;
    if (ret) {
      if (mark || !/ -m (set|addrtype|conntrack|physdev)\b| -p /.test(l)) returned.add(chain);
      continue;
    }
    if (mark) continue;
    return l;
  }
  return undefined;
}

/**
 * The nft form of snatRuleFor (`nft list ruleset` text): a masquerade/snat rule in an `ip`/`inet` table's chain that
 * this flow reaches, each chain read in order — a `return` whose `ip saddr`/`ip daddr` match the flow (or that returns
 * unmarked packets, `meta mark & 0x… != 0x…`, as kube-proxy's KUBE-POSTROUTING does) ends the chain for it. Other
 * matches (sets, fib) are not evaluated: a return with one is taken not to match, a masquerade with one to apply.
 * The rule is returned as "chain NAME: RULE" without its counters.
 */
export function nftSnatRuleFor(ruleset: string, podIP: string, dstIP: string): string | undefined {
  let chain: string | undefined;
  let family: string | undefined;
  let done = false;
  const matches = (l: string, dir: 'saddr' | 'daddr', ip: string) => {
    const m = new RegExp(`ip ${dir} (!= )?(\\d[\\d./]*)`).exec(l);
    if (!m) return true;
    const c = parseCidr(m[2].includes('/') ? m[2] : `${m[2]}/32`);
    const inside = c ? cidrContains(c, ip) : false;
    return m[1] ? !inside : inside;
  };
  for (const raw of ruleset.split('\n')) {
    const l = raw.trim();
    const t = /^table (\S+) /.exec(l);
    if (t) family = t[1];
    const ch = /^chain (\S+) \{/.exec(l);
    if (ch) {
      chain = ch[1];
      done = false;
      continue;
    }
    if (!chain || done || (family !== 'ip' && family !== 'inet')) continue;
    const ret = /\breturn$/.test(l);
    if (!ret && !/\b(masquerade|snat( ip)? to)\b/.test(l)) continue;
    if (!matches(l, 'saddr', podIP) || !matches(l, 'daddr', dstIP)) continue;
    // the flow is unmarked: `mark & X != X` matches it, `mark & X == X` (or a bare mark match) does not
    const mark = /\bmark\b/.test(l);
    const unmarkedMatch = /mark & \S+ != /.test(l);
    if (mark && !unmarkedMatch) continue;
    if (ret) {
      if (unmarkedMatch || !/@|\bfib\b|\bct\b|\bmeta l4proto\b/.test(l)) done = true;
      continue;
    }
    // the chain says whose rule it is (IP-MASQ-AGENT, FLANNEL-POSTRTG, cali-nat-outgoing); counters say nothing here
    return `chain ${chain}: ${l.replace(/\bcounter packets \d+ bytes \d+ ?/, '').trim()}`;
  }
  return undefined;
}

/** The conntrack entries of this pod's flow to the destination (newest first is not known: unreplied ones first). */
function flowEntries(c: Ctx, r: ProbeRun | undefined, podIP: string): ConntrackEntry[] | undefined {
  const es = read(c, r, parseConntrackList, { supplementary: true });
  return es?.filter((e) => e.original.src === podIP).sort((a, b) => Number(b.unreplied) - Number(a.unreplied));
}

/** The way out: SNAT rule, the source address the outside saw, an egress policy, and the external server. */
export function judgeEgress(c: Ctx) {
  const { plan } = c;
  const ext = plan.edge?.external;
  if (!ext) return;
  const ip = plan.dstIP;
  const node = plan.src.node;
  const podIP = plan.src.ip;
  if (!ip && (c.depth !== 'live' || !c.problems.some((p) => p.hop === 'dns'))) return;
  if (!ip) {
    // Nothing was sent: the way out has no flow to show and no destination to match a SNAT rule against, so neither
    // hop is judged (skip with the reason, never a green hop no packet crossed).
    c.notJudged.set('egress', `${ext.host} did not resolve, so nothing was sent: with no address there is no SNAT rule to look up for it on ${node} and no flow for conntrack to show`);
    c.notJudged.set('external', `${ext.host} did not resolve, so nothing was sent to it`);
    return;
  }
  const ipt = one(plan, c.runs, onNode(node, 'iptables-save'));
  const rule = ipt && ipt.exitCode === 0 ? snatRuleFor(ipt.stdout, podIP, ip) : undefined;
  const nft = one(plan, c.runs, onNode(node, 'nft-ruleset'));
  const nftRule = nft && nft.exitCode === 0 ? nftSnatRuleFor(nft.stdout, podIP, ip) : undefined;
  const ruleText = rule ? `\`${rule}\`` : nftRule ? `\`${nftRule}\` (nft)` : undefined;
  if (ruleText) observe(c, 'egress', `SNAT rule on ${node}: ${ruleText}`);
  const ct = one(plan, c.runs, onNode(node, 'conntrack-list', ip));
  const entries = flowEntries(c, ct, podIP);
  const latest = entries?.[0];
  if (ct && entries) {
    const s = latest ? `${latest.original.src}:${latest.original.sport} → ${ip}:${latest.original.dport} ${latest.state ?? ''}${latest.unreplied ? ' [UNREPLIED]' : ''}: the outside saw ${latest.reply.dst}${latest.reply.dst === podIP ? ' (the pod\'s own address: no SNAT)' : ''}` : `no conntrack entry for ${podIP} → ${ip}`;
    finding(c, ct, s);
    if (latest) observe(c, 'egress', `source address the outside sees: ${latest.reply.dst}${latest.reply.dst === podIP ? ' (the pod\'s own address)' : ` (${node}'s, SNAT from ${podIP})`}`);
  }
  const connect = c.connect;
  const proto = plan.edge?.udp ? 'UDP' : 'TCP';
  if (connect !== undefined) observe(c, 'external', `${proto} ${ip}:${plan.dstPort} from ${plan.src.namespace}/${plan.src.name}: ${connectText(connect)}`);
  // UDP with no reply proves nothing by itself, but conntrack's unreplied entry that kept the pod's own address does:
  // the datagram left without SNAT (or an egress policy dropped it before POSTROUTING — judged first, below).
  const unNatted = !!latest && latest.unreplied && latest.reply.dst === podIP;
  if (connect === 'open' || (connect === undefined && !(plan.edge?.udp && unNatted))) return;
  // Traffic stopped. An egress policy that admits only in-cluster peers explains it first.
  const ev = plan.dstPort ? evaluate({ src: { pod: plan.src.pod }, dst: { ip }, protocol: proto, port: plan.dstPort }, c.snap.policies, c.snap.pods, c.snap.namespaces) : undefined;
  if (ev && !ev.egress.allowed) {
    problem(c, 'egress', 'policy-denied', `${ev.egress.reason ?? ev.sentence} (${ip} is outside the cluster)`);
    return;
  }
  if (unNatted) {
    problem(c, 'egress', 'snat-missing', `${plan.src.namespace}/${plan.src.name}'s traffic leaves ${node} with the pod's own address ${podIP} (conntrack: no reply, expected back at ${podIP})${ruleText ? '' : `; ${node}'s nat table has no MASQUERADE/SNAT rule for the pod CIDR`}: ${ext.host} cannot route its replies to a pod address`, [node], snatStep(node, ip));
    return;
  }
  if (!latest && ipt && ipt.exitCode === 0 && !ruleText && (!nft || nft.exitCode !== 0 || !nftRule)) {
    problem(c, 'egress', 'snat-missing', `${node}'s nat table has no MASQUERADE/SNAT rule for ${podIP} → ${ip}: pod traffic leaves with the pod's own address and replies cannot come back`, [node], snatStep(node, ip));
    return;
  }
  if (connect === 'refused') {
    problem(c, 'external', 'app-not-listening', `${ext.host} (${ip}) refuses ${proto} ${plan.dstPort}: the host answers, nothing listens on that port`);
    // The host is outside the cluster: no backend pod to look into, and UDP is `ss -ulnp`, not -t.
    const p = c.problems.find((x) => x.hop === 'external' && x.cause === 'app-not-listening');
    if (p) p.nextStep = externalListenerStep(ext.host, ip, proto, plan.dstPort);
    return;
  }
  if (connect !== undefined) c.later.push({ hop: 'external', text: `${proto} ${ip}:${plan.dstPort} failed (${connectText(connect)})` });
}
