// Cluster DNS: dnsmasq in the CoreDNS pod's netns, reached through the kube-dns ClusterIP by the
// kube-proxy rules, answering `<svc>.<ns>.svc.cluster.local` like CoreDNS's kubernetes plugin (the
// ClusterIP; headless: the ready endpoints), SRV for named ports, NXDOMAIN for every other name (as a
// CoreDNS with a working upstream answers for names that do not exist). Each pod's resolv.conf and
// hosts are written as the kubelet writes them, into /etc/netns/<pod netns>/ for `ip netns exec`.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DNS_DOMAIN, dnsServiceName } from '../objects';
import type { KubeObject, LabPod, LabState } from '../types';
import { logPath, startDaemon } from './daemons';

type Obj = Record<string, unknown>;

export const ETC_NETNS = '/etc/netns';

export const dnsPod = (st: LabState): LabPod => {
  const p = st.pods.find((x) => x.namespace === 'kube-system' && x.name.startsWith('coredns-'));
  if (!p) throw new Error('the lab has no CoreDNS pod');
  return p;
};

/** Every CoreDNS replica (cluster.dnsReplicas), the first first: each runs its own dnsmasq. */
export const dnsPods = (st: LabState): LabPod[] => st.pods.filter((x) => x.namespace === 'kube-system' && x.name.startsWith('coredns-'));

/** The state.daemons key of a CoreDNS replica's dnsmasq: `dnsmasq` for the first (as before), `dnsmasq-replica-N` after it. */
export const dnsDaemonKey = (i: number) => (i ? `dnsmasq-replica-${i + 1}` : 'dnsmasq');

export const kubeDnsIP = (st: LabState): string => {
  const svc = st.objects.find((o) => o.kind === 'Service' && o.metadata.namespace === 'kube-system' && o.metadata.name === dnsServiceName(st.cluster));
  return (svc?.spec as Obj).clusterIP as string;
};

/** dnsmasq's configuration for the cluster's Services (pure). */
export function dnsmasqConfig(st: LabState, pod: LabPod = dnsPod(st)): string {
  const lines = [
    '# packetwalk lab cluster DNS (the CoreDNS pod of this lab)',
    'no-resolv',
    'no-hosts',
    'no-negcache',
    'local-ttl=30',
    'bind-interfaces',
    `listen-address=${pod.ip},127.0.0.1`,
  ];
  // Names outside the cluster domain go to the node's resolver, which asks the outside DNS (like
  // CoreDNS `forward . /etc/resolv.conf`); unknown names inside it are NXDOMAIN here. Without an
  // outside, every name we do not list is NXDOMAIN (dnsmasq would say REFUSED without an upstream).
  const domain = st.cluster.dnsDomain ?? DNS_DOMAIN;
  const upstream = st.outside ? st.nodes.find((n) => n.name === dnsPod(st).node)?.internalIP : undefined;
  if (upstream) lines.push(`local=/${domain}/`, `server=${upstream}`);
  else lines.push('address=/#/');
  const slices = st.objects.filter((o) => o.kind === 'EndpointSlice');
  const held = new Set<string>(); // names with an A record here
  const aliases: [string, string][] = []; // ExternalName: [service name, target]
  for (const s of st.objects.filter((o) => o.kind === 'Service')) {
    const ns = s.metadata.namespace!;
    const fqdn = `${s.metadata.name}.${ns}.svc.${domain}`;
    const spec = s.spec as Obj;
    if (spec.type === 'ExternalName') {
      // CoreDNS answers a CNAME; dnsmasq only CNAMEs to names it holds, so a cluster target is
      // answered here and any other target by the outside DNS, which holds the outside hosts.
      aliases.push([fqdn, String(spec.externalName).toLowerCase().replace(/\.$/, '')]);
      continue;
    }
    const ips = spec.clusterIP === 'None' ? readyEndpointIPs(slices, ns, s.metadata.name) : [spec.clusterIP as string];
    for (const ip of ips) lines.push(`host-record=${fqdn},${ip}`);
    if (ips.length) held.add(fqdn);
    // headless: <hostname>.<subdomain>.<ns>.svc for the pods that name this Service as their subdomain
    if (spec.clusterIP === 'None') {
      for (const p of st.objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === ns && (o.spec as Obj).subdomain === s.metadata.name && (o.spec as Obj).hostname)) {
        const ip = (p.status as Obj | undefined)?.podIP;
        if (typeof ip === 'string' && ips.includes(ip)) lines.push(`host-record=${String((p.spec as Obj).hostname)}.${fqdn},${ip}`);
      }
    }
    for (const p of (spec.ports as Obj[]) ?? []) {
      if (p.name) lines.push(`srv-host=_${p.name}._${String(p.protocol ?? 'TCP').toLowerCase()}.${fqdn},${fqdn},${p.port},0,100`);
    }
  }
  // A CNAME to a name held here (a Service with an address); any other target is answered by the
  // outside DNS (which holds the outside hosts), like CoreDNS resolving the target upstream.
  for (const [alias, target] of aliases) {
    if (held.has(target)) lines.push(`cname=${alias},${target}`);
    else if (upstream) lines.push(`server=/${alias}/${upstream}`);
  }
  return lines.join('\n') + '\n';
}

function readyEndpointIPs(slices: KubeObject[], ns: string, svc: string): string[] {
  const out: string[] = [];
  for (const s of slices) {
    if (s.metadata.namespace !== ns || s.metadata.labels?.['kubernetes.io/service-name'] !== svc) continue;
    for (const e of (s.endpoints as Obj[]) ?? []) {
      if ((e.conditions as Obj | undefined)?.ready !== false) out.push(...((e.addresses as string[]) ?? []));
    }
  }
  return [...new Set(out)];
}

/** Starts each CoreDNS replica's dnsmasq in its pod's netns; returns state.daemons entries (dnsDaemonKey → pid). */
export async function startDns(st: LabState): Promise<Record<string, number>> {
  const pids = await Promise.all(dnsPods(st).map((_, i) => startDnsReplica(st, i)));
  return Object.fromEntries(pids.map((pid, i) => [dnsDaemonKey(i), pid]));
}

/** Starts the dnsmasq of CoreDNS replica `i` (dnsPods order) in its pod's netns; returns its pid (state.daemons[dnsDaemonKey(i)]). */
export function startDnsReplica(st: LabState, i: number): Promise<number> {
  const pod = dnsPods(st)[i];
  const conf = join(st.labDir, `${dnsDaemonKey(i)}.conf`);
  writeFileSync(conf, dnsmasqConfig(st, pod));
  return startDaemon({
    netns: pod.netns,
    link: join(st.labDir, `${st.instance}-dnsmasq`),
    target: '/usr/sbin/dnsmasq',
    args: ['--keep-in-foreground', `--conf-file=${conf}`, '--pid-file=', '--log-facility=-', '--user=root'],
    log: logPath(st.labDir, dnsDaemonKey(i)),
    ready: /started, version/,
    what: `the cluster DNS server (dnsmasq) of ${pod.name}`,
  });
}

/** resolv.conf exactly as the kubelet writes it for a ClusterFirst pod (cluster domain: cluster.dnsDomain). */
export const resolvConf = (ns: string, dnsIP: string, domain = DNS_DOMAIN) => `search ${ns}.svc.${domain} svc.${domain} ${domain}\nnameserver ${dnsIP}\noptions ndots:5\n`;

/**
 * A node's own resolv.conf (what a node debug pod reads, and what the kubelet hands a `dnsPolicy: Default`
 * pod on that node): the outside DNS when the lab has an outside; undefined without one (no file is written).
 * One source for both: buildOutside writes it to /etc/netns/<node netns>/resolv.conf, writePodEtc copies it.
 */
export function nodeResolvConf(outside: { dnsIP: string } | undefined): string | undefined {
  return outside ? `nameserver ${outside.dnsIP}\n` : undefined;
}

/**
 * resolv.conf as the kubelet writes it for the pod's dnsPolicy and dnsConfig (kubelet's pkg/kubelet/network/dns):
 * ClusterFirst (default) — the cluster search list, the cluster DNS, ndots:5; `Default` — the nameservers,
 * search list and options of its own node's resolv.conf (`nodeConf`, the text); `None` — only dnsConfig.
 * dnsConfig's nameservers and searches are appended (at most 3 nameservers, 32 search domains, as the kubelet
 * caps them) and its options replace same-named ones.
 */
export function podResolvConf(pod: KubeObject | undefined, ns: string, dnsIP: string, domain: string, nodeConf?: string): string {
  const spec = (pod?.spec ?? {}) as Obj;
  const policy = String(spec.dnsPolicy ?? 'ClusterFirst');
  const cfg = (spec.dnsConfig ?? {}) as { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
  let servers: string[] = [];
  let search: string[] = [];
  let options: { name: string; value?: string }[] = [];
  // the kubelet: ClusterFirstWithHostNet is the cluster DNS for any pod; ClusterFirst too, except in the host network, where it falls back to Default
  if (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec.hostNetwork)) {
    servers = [dnsIP];
    search = [`${ns}.svc.${domain}`, `svc.${domain}`, domain];
    options = [{ name: 'ndots', value: '5' }];
  } else if (policy !== 'None' && nodeConf) {
    for (const l of nodeConf.split('\n').map((x) => x.trim().split(/\s+/))) {
      if (l[0] === 'nameserver' && l[1]) servers.push(l[1]);
      else if (l[0] === 'search') search = l.slice(1);
      else if (l[0] === 'options') options = l.slice(1).map((o) => (o.includes(':') ? { name: o.slice(0, o.indexOf(':')), value: o.slice(o.indexOf(':') + 1) } : { name: o }));
    }
  }
  servers = [...servers, ...(cfg.nameservers ?? [])].slice(0, 3);
  search = [...new Set([...search, ...(cfg.searches ?? [])])].slice(0, 32);
  for (const o of cfg.options ?? []) options = [...options.filter((x) => x.name !== o.name), o];
  return [search.length ? `search ${search.join(' ')}` : '', ...servers.map((s) => `nameserver ${s}`), options.length ? `options ${options.map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name)).join(' ')}` : ''].filter(Boolean).join('\n') + '\n';
}

/** The kubelet-managed /etc/hosts of a pod. */
export const hostsFile = (p: LabPod) =>
  `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${p.ip}\t${p.name}\n`;

/** Writes /etc/netns/<pod netns>/{resolv.conf,hosts}; returns whether /etc/netns had to be created. */
export function writePodEtc(st: LabState): boolean {
  const created = !existsSync(ETC_NETNS);
  const dnsIP = kubeDnsIP(st);
  for (const p of st.pods) {
    if (p.hostNetwork) continue;
    const dir = join(ETC_NETNS, p.netns);
    mkdirSync(dir, { recursive: true });
    const obj = st.objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === p.namespace && o.metadata.name === p.name);
    // dnsPolicy Default: the pod's own node's resolv.conf (every lab node has the same one, nodeResolvConf).
    writeFileSync(join(dir, 'resolv.conf'), podResolvConf(obj, p.namespace, dnsIP, st.cluster.dnsDomain ?? DNS_DOMAIN, nodeResolvConf(st.outside)));
    writeFileSync(join(dir, 'hosts'), hostsFile(p));
  }
  return created;
}

export function removePodEtc(st: Pick<LabState, 'pods'>): void {
  for (const p of st.pods) {
    if (!p.hostNetwork && p.netns) rmSync(join(ETC_NETNS, p.netns), { recursive: true, force: true });
  }
}
