// The world beyond the nodes (DESIGN §3.2), built into real netns:
//  - the underlay's gateway: the underlay switch netns routes (172.18.0.1 on br0, ip_forward) and has a
//    link `outside` (100.64.0.1) to the `<inst>-outside` netns; the nodes' default route already points
//    at 172.18.0.1, so node traffic to any outside address goes there;
//  - the outside netns: eth0 100.64.0.10 (the client; every outside connection leaves from it), the
//    external hosts' IPs on lo with their listeners (HTTP 200 / UDP echo, lab/dataplane/listener.mjs),
//    a DNS server (dnsmasq, 100.64.0.53) answering the hosts' names and NXDOMAIN for the rest, and the
//    load balancer of LoadBalancer Services (lab/dataplane/lb.mjs: DNAT ingress IP → nodes' NodePort);
//    it routes only the nodes' network and the ingress IPs back toward the gateway — pod and Service
//    CIDRs are not routed outside, as on a real cloud network without VPC-native pods;
//  - on every node (any CNI family): ip-masq-agent's IP-MASQ-AGENT chain, so pod traffic leaving the
//    pod CIDR and the nodes' network is MASQUERADEd to the node's address (fault masquerade-missing
//    removes the MASQUERADE rule); a resolver on the DNS pod's node (dnsmasq on the node's InternalIP:53)
//    that the cluster DNS forwards non-cluster names to — the node's own upstream, like CoreDNS's
//    `forward . /etc/resolv.conf` — asking the outside DNS from the node's own address;
//  - per node, kube-proxy's health check server (lab/dataplane/healthcheck.mjs: healthCheckNodePort
//    answers 200 with local endpoints, 503 without; :10256/healthz).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DNS_DOMAIN, nodeKey, underlayNetns } from '../objects';
import { OUTSIDE_CLIENT_IP, OUTSIDE_DNS_IP, OUTSIDE_LINK, OUTSIDE_ROUTER_IP, outsideNetns, PROXY_HEALTHZ_PORT, DEFAULT_LB_POOL } from '../outside';
import { parseCidr } from '../ipv4';
import { UNDERLAY_CIDR, type LabSpec } from '../spec';
import { updateState } from '../state';
import type { KubeObject, LabNode, LabOutside, LabState } from '../types';
import { logPath, startDaemon } from './daemons';
import { ETC_NETNS, dnsPod, nodeResolvConf } from './dns';
import { UNDERLAY_GATEWAY } from './network';
import { inNetns, ipBatch, must, run } from './sh';

type Obj = Record<string, unknown>;

const LISTENER = fileURLToPath(new URL('./listener.mjs', import.meta.url));
const HEALTHCHECK = fileURLToPath(new URL('./healthcheck.mjs', import.meta.url));
const LB = fileURLToPath(new URL('./lb.mjs', import.meta.url));
/** The underlay netns's link to the outside netns. */
export const OUTSIDE_LINK_DEV = 'outside';
/** ip-masq-agent's chain and rule comments (github.com/kubernetes-sigs/ip-masq-agent cmd/ip-masq-agent/ip-masq-agent.go). */
export const MASQ_CHAIN = 'IP-MASQ-AGENT';
const MASQ_HOOK = `-m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom ${MASQ_CHAIN} chain" -m addrtype ! --dst-type LOCAL -j ${MASQ_CHAIN}`;
const NON_MASQ = (cidr: string) => `-d ${cidr} -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN`;
/** The rule fault masquerade-missing deletes (argv form, for `iptables -D/-A`). */
export const MASQ_RULE = ['-m', 'comment', '--comment', 'ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)', '-j', 'MASQUERADE'];

/** The outside as this lab builds it (addresses fixed by lab/outside.ts). */
export function planOutsideState(spec: Pick<LabSpec, 'outside'>, instance: string): LabOutside {
  const o = spec.outside ?? { hosts: [], loadBalancerPool: DEFAULT_LB_POOL };
  return { ...o, netns: outsideNetns(instance), routerIP: OUTSIDE_ROUTER_IP, clientIP: OUTSIDE_CLIENT_IP, dnsIP: OUTSIDE_DNS_IP };
}

/** LoadBalancer ingress IPs written in the Services' status. */
export function ingressIPs(st: Pick<LabState, 'objects'>): string[] {
  return st.objects
    .filter((o) => o.kind === 'Service' && (o.spec as Obj).type === 'LoadBalancer')
    .flatMap((o) => (((o.status as Obj)?.loadBalancer as Obj)?.ingress as Obj[] | undefined) ?? [])
    .map((i) => i.ip as string)
    .filter(Boolean);
}

/** The nat text of ip-masq-agent for a node (iptables-restore --noflush; fresh netns). */
export function masqRestore(st: Pick<LabState, 'cluster'>): string {
  const q = (a: string[]) => a.map((x) => (/\s/.test(x) ? `"${x}"` : x)).join(' ');
  return [
    '*nat',
    `:${MASQ_CHAIN} - [0:0]`,
    `-A POSTROUTING ${MASQ_HOOK}`,
    `-A ${MASQ_CHAIN} ${NON_MASQ(st.cluster.podCIDR)}`,
    `-A ${MASQ_CHAIN} ${NON_MASQ(UNDERLAY_CIDR)}`,
    `-A ${MASQ_CHAIN} ${q(MASQ_RULE)}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Netns, gateway, links, addresses, routes and the nodes' masquerade. Call after buildNetwork. */
export async function buildOutside(st: LabState, created: string[]): Promise<void> {
  const o = st.outside;
  if (!o) return;
  await ipBatch(null, [`netns add ${o.netns}`], 'creating the outside netns');
  created.push(o.netns);
  const u = underlayNetns(st.instance);
  const link = parseCidr(OUTSIDE_LINK)!.bits;
  const hostIPs = [...o.hosts.map((h) => h.ip), o.dnsIP];
  await ipBatch(u, [
    `addr replace ${UNDERLAY_GATEWAY}/${parseCidr(UNDERLAY_CIDR)!.bits} dev br0`,
    `link add ${OUTSIDE_LINK_DEV} type veth peer name eth0 netns ${o.netns}`,
    `addr add ${o.routerIP}/${link} dev ${OUTSIDE_LINK_DEV}`,
    `link set ${OUTSIDE_LINK_DEV} up`,
    ...hostIPs.map((ip) => `route add ${ip}/32 via ${o.clientIP} dev ${OUTSIDE_LINK_DEV}`),
  ], 'building the underlay gateway');
  await must(inNetns(u, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']), { what: 'ip_forward on the underlay gateway' });
  await ipBatch(o.netns, [
    'link set lo up',
    `addr add ${o.clientIP}/${link} dev eth0`,
    'link set eth0 up',
    ...hostIPs.map((ip) => `addr add ${ip}/32 dev lo`),
    // the client's source address for everything it reaches through the gateway
    `route add ${UNDERLAY_CIDR} via ${o.routerIP} dev eth0 src ${o.clientIP}`,
    ...ingressIPs(st).map((ip) => `route add ${ip}/32 via ${o.routerIP} dev eth0 src ${o.clientIP}`),
  ], 'building the outside netns');
  // The load balancer's DNAT chain, hooked for the client (OUTPUT) and anything routed in (PREROUTING); lb.mjs fills it.
  await must(inNetns(o.netns, ['iptables-restore', '--noflush']), {
    input: '*nat\n:PACKETWALK-LB - [0:0]\n-A PREROUTING -j PACKETWALK-LB\n-A OUTPUT -j PACKETWALK-LB\nCOMMIT\n',
    what: 'the load balancer chain',
  });
  await Promise.all(st.nodes.map((n) => must(inNetns(n.netns, ['iptables-restore', '--noflush']), { input: masqRestore(st), what: `ip-masq-agent rules on ${n.name}` })));
  // The nodes' resolver (a debug pod on the node reads it): the outside DNS.
  for (const n of st.nodes) {
    mkdirSync(join(ETC_NETNS, n.netns), { recursive: true });
    writeFileSync(join(ETC_NETNS, n.netns, 'resolv.conf'), nodeResolvConf(o)!);
  }
  mkdirSync(join(ETC_NETNS, o.netns), { recursive: true });
  writeFileSync(join(ETC_NETNS, o.netns, 'resolv.conf'), `nameserver ${o.dnsIP}\n`);
}

/** Removes the /etc/netns entries buildOutside wrote (the netns themselves go with the lab's). */
export function removeOutsideEtc(st: Pick<LabState, 'nodes' | 'outside' | 'instance'>): void {
  for (const n of [...st.nodes.map((x) => x.netns), outsideNetns(st.instance)]) rmSync(join(ETC_NETNS, n), { recursive: true, force: true });
}

/** The node whose resolver the cluster DNS forwards to: the CoreDNS pod's node. */
export const dnsNode = (st: LabState): LabNode => st.nodes.find((n) => n.name === dnsPod(st).node)!;

/** Where the cluster DNS sends names outside the cluster domain (`server=` of its dnsmasq). */
export const upstreamOf = (st: LabState): string | null => (st.outside ? dnsNode(st).internalIP : null);

const fqdn = (s: KubeObject, domain: string) => `${s.metadata.name}.${s.metadata.namespace}.svc.${domain}`;

/** The outside DNS's dnsmasq configuration: the hosts' names, CNAMEs of ExternalName Services that point at them, NXDOMAIN otherwise. */
export function outsideDnsConfig(st: LabState): string {
  const o = st.outside!;
  const domain = st.cluster.dnsDomain ?? DNS_DOMAIN;
  const lines = ['# packetwalk lab: the DNS server outside the cluster', 'no-resolv', 'no-hosts', 'no-negcache', 'bind-interfaces', `listen-address=${o.dnsIP}`, 'address=/#/'];
  for (const h of o.hosts) lines.push(`host-record=${h.name},${h.ip}`);
  for (const s of externalNameServices(st)) {
    const target = String((s.spec as Obj).externalName).toLowerCase().replace(/\.$/, '');
    if (o.hosts.some((h) => h.name === target)) lines.push(`cname=${fqdn(s, domain)},${target}`);
  }
  return lines.join('\n') + '\n';
}

export const externalNameServices = (st: Pick<LabState, 'objects'>) => st.objects.filter((o) => o.kind === 'Service' && (o.spec as Obj).type === 'ExternalName');

/** The node resolver's dnsmasq: forwards everything to the outside DNS from the node's own address, caching nothing. */
export function nodeResolverConfig(st: LabState): string {
  return ['# packetwalk lab: the resolver of the DNS pod\'s node', 'no-resolv', 'no-hosts', 'no-negcache', 'cache-size=0', 'bind-interfaces', `listen-address=${dnsNode(st).internalIP}`, `server=${st.outside!.dnsIP}`].join('\n') + '\n';
}

const dnsmasq = (st: LabState, netns: string, conf: string, role: string, what: string) =>
  startDaemon({
    netns,
    link: join(st.labDir, `${st.instance}-dnsmasq`),
    target: '/usr/sbin/dnsmasq',
    args: ['--keep-in-foreground', `--conf-file=${conf}`, '--pid-file=', '--log-facility=-', '--user=root'],
    log: logPath(st.labDir, role),
    ready: /started, version/,
    what,
  });

/** Outside DNS, the node resolver, the hosts' listeners and kube-proxy's health check servers; returns their pids by role (for state.daemons). */
export async function startOutsideDaemons(st: LabState): Promise<Record<string, number>> {
  const o = st.outside;
  if (!o) return {};
  const outConf = join(st.labDir, 'dnsmasq-outside.conf');
  const nodeConf = join(st.labDir, 'dnsmasq-node.conf');
  writeFileSync(outConf, outsideDnsConfig(st));
  writeFileSync(nodeConf, nodeResolverConfig(st));
  const out: Record<string, number> = {};
  const [hcPids, dnsOut, dnsNodePid, ...hosts] = await Promise.all([
    startHealthChecks(st),
    dnsmasq(st, o.netns, outConf, 'dnsmasq-outside', 'the outside DNS server (dnsmasq)'),
    dnsmasq(st, dnsNode(st).netns, nodeConf, 'dnsmasq-node', `the resolver of node ${dnsNode(st).name} (dnsmasq)`),
    ...o.hosts.map((h) =>
      startDaemon({
        netns: o.netns,
        link: join(st.labDir, `${st.instance}-listener`),
        target: process.execPath,
        args: [LISTENER, h.name, ...h.ports.map((p) => `${p.protocol.toLowerCase()}:${h.ip}:${p.port}`)],
        log: logPath(st.labDir, `outside-${h.name}`),
        ready: /^ready /m,
        what: `the listener of outside host ${h.name}`,
      }),
    ),
  ]);
  Object.assign(out, hcPids);
  out['dnsmasq-outside'] = dnsOut;
  out['dnsmasq-node'] = dnsNodePid;
  hosts.forEach((pid, i) => (out[`outside-${o.hosts[i].name}`] = pid));
  return out;
}

/** healthCheckNodePort → "ns/name" of the Services with externalTrafficPolicy Local. */
export function healthCheckPorts(st: Pick<LabState, 'objects'>): [number, string][] {
  return st.objects
    .filter((o) => o.kind === 'Service' && typeof (o.spec as Obj).healthCheckNodePort === 'number')
    .map((o) => [(o.spec as Obj).healthCheckNodePort as number, `${o.metadata.namespace}/${o.metadata.name}`]);
}

/** kube-proxy's health check server on every node (it reads the endpoints from state.json per request). */
async function startHealthChecks(st: LabState): Promise<Record<string, number>> {
  const hc = healthCheckPorts(st).map(([p, k]) => `${p}=${k}`);
  const pids: Record<string, number> = {};
  await Promise.all(
    st.nodes.map(async (n) => {
      pids[`healthcheck-${n.name}`] = await startDaemon({
        netns: n.netns,
        link: join(st.labDir, `${st.instance}-healthcheck`),
        target: process.execPath,
        args: [HEALTHCHECK, st.labDir, n.name, `${PROXY_HEALTHZ_PORT}=healthz`, ...hc],
        log: logPath(st.labDir, `healthcheck-${nodeKey(n.name)}`),
        ready: /^ready /m,
        what: `kube-proxy's health check server on ${n.name}`,
      });
    }),
  );
  return pids;
}

/** After the state is written (it reads it, and probes the health check servers): the load balancer; records its pid. */
export async function startNorthSouth(st: LabState): Promise<void> {
  if (!st.outside) return;
  const lb = await startDaemon({
    netns: st.outside.netns,
    link: join(st.labDir, `${st.instance}-lb`),
    target: process.execPath,
    args: [LB, st.labDir],
    log: logPath(st.labDir, 'lb'),
    ready: /^ready /m,
    what: 'the load balancer',
  });
  updateState((s) => Object.assign(s.daemons, { lb }), st.labDir);
}

/** Fault masquerade-missing: delete (on) or restore (off) the node's MASQUERADE rule. */
export async function setMasquerade(n: LabNode, present: boolean): Promise<void> {
  const argv = inNetns(n.netns, ['iptables', '-w', '-t', 'nat', present ? '-A' : '-D', MASQ_CHAIN, ...MASQ_RULE]);
  if (present) {
    // idempotent: add only when missing
    const has = await run(inNetns(n.netns, ['iptables', '-w', '-t', 'nat', '-C', MASQ_CHAIN, ...MASQ_RULE]));
    if (has.code === 0) return;
  }
  await must(argv, { what: `masquerade on ${n.name}` });
}

/** Fault upstream-dns-down: freeze (on) or thaw the outside DNS server; queries then time out. */
export function setUpstreamDns(st: LabState, up: boolean): void {
  const pid = st.daemons['dnsmasq-outside'];
  if (!pid) throw new Error('the outside DNS server is not running in this lab');
  process.kill(pid, up ? 'SIGCONT' : 'SIGSTOP');
}
