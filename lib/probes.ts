// The probe registry: every command packetwalk may run, declared once. server/exec runs ONLY entries of
// this table (it is the allowlist); argv is built from validated pieces (lib/target.ts, API objects),
// never from a shell string. Each entry also says how to reproduce it by hand with kubectl.
import type { ProbeWhere } from './model';

/** The parameters a probe's argv may use; each one already validated (IPs, ports, DNS names, sizes). */
export interface ProbeArgs {
  ip?: string;
  port?: number;
  name?: string;
  size?: number;
}

export interface ReproduceContext {
  argv: string[];
  /** pod probes */
  namespace?: string;
  pod?: string;
  /** the app container whose netns the debug container shares */
  targetContainer?: string;
  /** node probes */
  node?: string;
  image: string;
}

export interface ProbeDef {
  id: string;
  where: ProbeWhere;
  /** what the probe asks, for the evidence list */
  title: string;
  argv: (a: ProbeArgs) => string[];
  timeoutMs: number;
  maxBytes: number;
  reproduce: (ctx: ReproduceContext) => string;
}

export const DEFAULT_DEBUG_IMAGE = 'nicolaka/netshoot';

/** Quotes an argv element for a POSIX shell, for the reproduce line only (we never run shell strings). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function podReproduce(ctx: ReproduceContext): string {
  const target = ctx.targetContainer ? ` --target=${ctx.targetContainer}` : '';
  return `kubectl debug -n ${ctx.namespace} ${ctx.pod} -it --image=${ctx.image}${target} -- ${ctx.argv.map(shellQuote).join(' ')}`;
}

function nodeReproduce(ctx: ReproduceContext): string {
  return `kubectl debug node/${ctx.node} -it --profile=sysadmin --image=${ctx.image} -- ${ctx.argv.map(shellQuote).join(' ')}`;
}

const need = <T>(v: T | undefined, what: string, probe: string): T => {
  if (v === undefined) throw new Error(`probe ${probe} needs ${what}`);
  return v;
};

const defs: ProbeDef[] = [
  // --- in the source/destination pod's network namespace (ephemeral debug container) ---
  { id: 'addr', where: 'pod', title: 'interfaces and addresses', argv: () => ['ip', '-j', 'addr', 'show'], timeoutMs: 3000, maxBytes: 65536, reproduce: podReproduce },
  { id: 'route-get', where: 'pod', title: 'route the pod takes to the destination', argv: (a) => ['ip', '-j', 'route', 'get', need(a.ip, 'ip', 'route-get')], timeoutMs: 3000, maxBytes: 16384, reproduce: podReproduce },
  { id: 'resolv-conf', where: 'pod', title: "the pod's resolver configuration", argv: () => ['cat', '/etc/resolv.conf'], timeoutMs: 3000, maxBytes: 16384, reproduce: podReproduce },
  {
    id: 'dig',
    where: 'pod',
    title: 'one DNS query, as the resolver sends it for one candidate name',
    // +tries=1 +time=2: one attempt, 2 s — enough to tell an answer from silence within our budget.
    argv: (a) => ['dig', '+tries=1', '+time=2', '+nosearch', `${need(a.name, 'name', 'dig')}.`, 'A'],
    timeoutMs: 4000,
    maxBytes: 32768,
    reproduce: podReproduce,
  },
  { id: 'getent', where: 'pod', title: "the C library's resolution of the name (search list and all)", argv: (a) => ['getent', 'ahostsv4', need(a.name, 'name', 'getent')], timeoutMs: 6000, maxBytes: 16384, reproduce: podReproduce },
  {
    id: 'tcp-connect',
    where: 'pod',
    title: 'a TCP handshake to the address and port',
    argv: (a) => ['nc', '-z', '-v', '-w', '2', need(a.ip, 'ip', 'tcp-connect'), String(need(a.port, 'port', 'tcp-connect'))],
    timeoutMs: 4000,
    maxBytes: 8192,
    reproduce: podReproduce,
  },
  {
    id: 'ping-df',
    where: 'pod',
    title: "one ICMP echo with Don't Fragment set, of a given payload size",
    argv: (a) => ['ping', '-n', '-M', 'do', '-c', '1', '-W', '1', '-s', String(need(a.size, 'size', 'ping-df')), need(a.ip, 'ip', 'ping-df')],
    timeoutMs: 3000,
    maxBytes: 8192,
    reproduce: podReproduce,
  },
  {
    id: 'tcp-bulk',
    where: 'pod',
    title: 'a bulk TCP download (large segments) over a connection that opens: stalls when big packets vanish',
    // The lab's listener answers GET /bytes/N with N bytes; any HTTP server answers with its own page.
    argv: (a) => ['curl', '-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code} %{size_download} %{time_total}', `http://${need(a.ip, 'ip', 'tcp-bulk')}:${need(a.port, 'port', 'tcp-bulk')}/bytes/${need(a.size, 'size', 'tcp-bulk')}`],
    timeoutMs: 5000,
    maxBytes: 4096,
    reproduce: podReproduce,
  },
  // No tracepath: each silent hop costs it ~3 s and a killed tracepath loses its buffered output, so in a
  // blackhole it proves nothing inside a timeout; the DF pings and the bulk TCP download size the path instead.
  { id: 'ss-listen', where: 'pod', title: 'TCP listening sockets in the pod', argv: () => ['ss', '-H', '-t', '-a', '-n', '-l'], timeoutMs: 3000, maxBytes: 65536, reproduce: podReproduce },
  // --- on a node (privileged hostNetwork node debug pod) ---
  { id: 'node-link', where: 'node', title: 'links and addresses of the node (veths, bridge, tunnel, underlay) with details', argv: () => ['ip', '-j', '-d', 'addr', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce },
  { id: 'node-route-get', where: 'node', title: 'route the node takes to the destination pod', argv: (a) => ['ip', '-j', 'route', 'get', need(a.ip, 'ip', 'node-route-get')], timeoutMs: 3000, maxBytes: 16384, reproduce: nodeReproduce },
  { id: 'neigh', where: 'node', title: 'neighbor (ARP) table of the node', argv: () => ['ip', '-j', 'neigh', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce },
  { id: 'fdb', where: 'node', title: 'bridge forwarding database (the tunnel endpoints)', argv: () => ['bridge', '-j', 'fdb', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce },
  { id: 'bridge-link', where: 'node', title: 'bridge ports and their flags (hairpin)', argv: () => ['bridge', '-j', '-d', 'link', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce },
  { id: 'iptables-save', where: 'node', title: 'iptables rules of the node (kube-proxy NAT, filters)', argv: () => ['iptables-save'], timeoutMs: 5000, maxBytes: 8 << 20, reproduce: nodeReproduce },
  { id: 'nft-ruleset', where: 'node', title: 'nftables ruleset of the node (kube-proxy nftables mode, filters)', argv: () => ['nft', 'list', 'ruleset'], timeoutMs: 5000, maxBytes: 8 << 20, reproduce: nodeReproduce },
  { id: 'ipvsadm', where: 'node', title: 'IPVS virtual servers (kube-proxy ipvs mode)', argv: () => ['ipvsadm', '-Ln'], timeoutMs: 5000, maxBytes: 4 << 20, reproduce: nodeReproduce },
  { id: 'conntrack-stats', where: 'node', title: 'conntrack statistics (drop, early_drop, insert_failed per CPU)', argv: () => ['conntrack', '-S'], timeoutMs: 3000, maxBytes: 65536, reproduce: nodeReproduce },
  {
    id: 'sysctl',
    where: 'node',
    title: 'conntrack table usage (count against max) and forwarding',
    argv: () => ['sysctl', 'net.netfilter.nf_conntrack_count', 'net.netfilter.nf_conntrack_max', 'net.ipv4.ip_forward'],
    timeoutMs: 3000,
    maxBytes: 8192,
    reproduce: nodeReproduce,
  },
  { id: 'node-ping', where: 'node', title: "one ICMP echo from the node (to the peer's tunnel address)", argv: (a) => ['ping', '-n', '-c', '1', '-W', '1', need(a.ip, 'ip', 'node-ping')], timeoutMs: 3000, maxBytes: 8192, reproduce: nodeReproduce },
];

export const PROBES: ReadonlyMap<string, ProbeDef> = new Map(defs.map((d) => [d.id, d]));

export type ProbeId = (typeof defs)[number]['id'];

export function probeDef(id: string): ProbeDef {
  const d = PROBES.get(id);
  if (!d) throw new Error(`probe "${id}" is not in the registry (lib/probes.ts); only registered probes run`);
  return d;
}
