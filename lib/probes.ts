// The probe registry: every command packetwalk may run, declared once. server/exec runs ONLY entries of
// this table (it is the allowlist); argv is built from validated pieces (lib/target.ts, API objects),
// never from a shell string. Each entry also says how to reproduce it by hand with kubectl.
import type { ProbeWhere } from './model';
import { checkProbeArg } from './probeArgs';
export { ProbeArgError } from './probeArgs';

/** The parameters a probe's argv may use; each one already validated (IPs, ports, DNS names, sizes). */
export interface ProbeArgs {
  ip?: string;
  port?: number;
  name?: string;
  size?: number;
  /** capture probes (lib/plan/trace.ts): the interface, the BPF filter, the snapshot length (size) */
  iface?: string;
  filter?: string;
  /** the trace's own source port, and its protocol */
  sport?: number;
  proto?: 'tcp' | 'udp';
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
  /**
   * An instant read of the foothold's own state (addresses, routes, tables, sockets, counters; no packet sent, no
   * wait on anything else, bounded output): it may share one exec with the other such reads at its foothold
   * (lib/probeBatch.ts, server/exec/probe.ts). Rule dumps (iptables-save, nft, ipvsadm) are not: on a large cluster
   * they take seconds and tens of MB, and run beside each other.
   */
  batchable?: true;
}

export const DEFAULT_DEBUG_IMAGE = 'nicolaka/netshoot';
/**
 * Cap of a node's rule dump (iptables-save, nft list ruleset, ipvsadm): kube-proxy writes ~2.5 KB per Service with
 * 3 endpoints, so 64 MiB holds ~25k Services whole. A dump cut at the cap is never read (lib/verdict/dumps.ts):
 * a cut dump would read as "no rules for the VIP".
 */
export const RULE_DUMP_MAX_BYTES = 64 << 20;

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

/** Outside probes run where packetwalk runs: the line is the command itself. */
function outsideReproduce(ctx: ReproduceContext): string {
  return ctx.argv.map(shellQuote).join(' ');
}

/** One argument of `probe`, checked for its kind (lib/probeArgs.ts) before it reaches argv; throws ProbeArgError. */
const need = <K extends keyof ProbeArgs>(v: ProbeArgs[K] | undefined, what: K, probe: string): NonNullable<ProbeArgs[K]> => checkProbeArg(probe, what, v);

/** socat sends one datagram ("packetwalk\n" from `echo`, no shell); -v dumps what comes back on stderr; -t 2 waits for it (lib/parse/socat.ts). */
/** One ICMP echo with Don't Fragment set and a payload of `size` bytes (the MTU ladder, lib/plan/mtu.ts). */
function dfPingArgv(a: ProbeArgs, probe: string): string[] {
  return ['ping', '-n', '-M', 'do', '-c', '1', '-W', '1', '-s', String(need(a.size, 'size', probe)), need(a.ip, 'ip', probe)];
}

/**
 * One HTTP download of `size` bytes with a 2 s bound (curl's -w line: "HTTP_CODE BYTES SECONDS"): the lab's listener
 * answers GET /bytes/N with N bytes; any other HTTP server answers with its own page (then nothing stalls).
 */
function bulkArgv(a: ProbeArgs, probe: string): string[] {
  return ['curl', '-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code} %{size_download} %{time_total}', `http://${need(a.ip, 'ip', probe)}:${need(a.port, 'port', probe)}/bytes/${need(a.size, 'size', probe)}`];
}

function udpExchangeArgv(a: ProbeArgs, probe: string): string[] {
  const ip = need(a.ip, 'ip', probe);
  return ['socat', '-v', '-t', '2', '-T', '2', 'EXEC:echo packetwalk', `UDP:${ip.includes(':') ? `[${ip}]` : ip}:${need(a.port, 'port', probe)}`];
}

/** The hard time bound of one capture, in seconds: its start on a loaded node (the engine waits up to 8 s for it) plus the connect it watches (2 s); the engine stops it as soon as the connect ends. */
export const CAPTURE_MAX_S = 12;
/** Most packets one capture keeps: one per namespace on every interface (-i any), so a packet crossing a node's veth, bridge, tunnel and underlay counts four times. */
export const CAPTURE_MAX_PACKETS = 256;

function captureArgv(a: ProbeArgs, probe: string): string[] {
  const iface = need(a.iface, 'iface', probe);
  const filter = need(a.filter, 'filter', probe);
  // Interface names are kernel names (IFNAMSIZ 15); the filter is in lib/plan/trace.ts's grammar (need checks both).
  const snap = a.size === undefined ? 96 : need(a.size, 'size', probe);
  return ['timeout', '-s', 'INT', String(CAPTURE_MAX_S), 'tcpdump', '-i', iface, '--immediate-mode', '-nn', '-tt', '-e', '-xx', '-l', '-s', String(snap), '-c', String(CAPTURE_MAX_PACKETS), filter];
}

const defs = [
  // --- in the source/destination pod's network namespace (ephemeral debug container) ---
  { id: 'addr', where: 'pod', title: 'interfaces and addresses', argv: () => ['ip', '-j', 'addr', 'show'], timeoutMs: 3000, maxBytes: 65536, reproduce: podReproduce, batchable: true },
  { id: 'route-get', where: 'pod', title: 'route the pod takes to the destination', argv: (a) => ['ip', '-j', 'route', 'get', need(a.ip, 'ip', 'route-get')], timeoutMs: 3000, maxBytes: 16384, reproduce: podReproduce, batchable: true },
  // The pod's whole main route table: beside a refused route-get it shows what the pod does have (e.g. only its own /24).
  { id: 'route-show', where: 'pod', title: "the pod's route table", argv: () => ['ip', '-j', 'route', 'show'], timeoutMs: 3000, maxBytes: 65536, reproduce: podReproduce, batchable: true },
  { id: 'resolv-conf', where: 'pod', title: "the pod's resolver configuration", argv: () => ['cat', '/etc/resolv.conf'], timeoutMs: 3000, maxBytes: 16384, reproduce: podReproduce, batchable: true },
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
  {
    // The same query sent to one cluster DNS pod directly, past kube-proxy: which replicas answer. kube-proxy spreads
    // the resolver's queries over all of them, so one silent or refusing replica fails only the lookups sent there
    // (lib/plan planPath, lib/verdict/dns.ts judgeDnsReplicas).
    id: 'dig-replica',
    where: 'pod',
    title: 'the same DNS query sent to one cluster DNS pod directly (does this replica answer?)',
    // `port`: the pod's DNS port when it is not 53 (the DNS Service's targetPort, e.g. 5353 behind port 53).
    // +tries=2: a replica is said to fail only when it misses two queries in a row (one lost datagram on a busy
    // cluster is no broken replica); an answering one answers the first at once, a refusing one refuses at once.
    argv: (a) => ['dig', '+tries=2', '+time=2', '+nosearch', `@${need(a.ip, 'ip', 'dig-replica')}`, ...(a.port !== undefined ? ['-p', String(a.port)] : []), `${need(a.name, 'name', 'dig-replica').replace(/\.$/, '')}.`, 'A'],
    timeoutMs: 6000,
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
    argv: (a) => dfPingArgv(a, 'ping-df'),
    timeoutMs: 3000,
    maxBytes: 8192,
    reproduce: podReproduce,
  },
  {
    // The connectivity matrix's UDP cells (DESIGN §7): -u -z sends one datagram; an ICMP port-unreachable
    // says refused; silence is reported as success by nc, so the matrix treats a UDP "open" as "not refused".
    id: 'udp-connect',
    where: 'pod',
    title: 'one UDP datagram to the address and port (refused when the host answers port-unreachable)',
    argv: (a) => ['nc', '-u', '-z', '-v', '-w', '2', need(a.ip, 'ip', 'udp-connect'), String(need(a.port, 'port', 'udp-connect'))],
    timeoutMs: 4000,
    maxBytes: 8192,
    reproduce: podReproduce,
  },
  {
    // What proves a UDP path: a datagram that comes back (no ICMP error proves nothing — a drop is silent too).
    // socat sends one datagram ("packetwalk\n", from `echo`, no shell) and -v dumps what came back on stderr;
    // -t 2 waits 2 s for the answer after the send (lib/parse/socat.ts reads it, fixtures/socat).
    id: 'udp-exchange',
    where: 'pod',
    title: 'one UDP datagram with a payload, and whether a datagram comes back (a reply proves delivery both ways)',
    argv: (a) => udpExchangeArgv(a, 'udp-exchange'),
    timeoutMs: 4000,
    maxBytes: 8192,
    reproduce: podReproduce,
  },
  {
    // A UDP target that is a DNS server (port 53, or a Service port named or appProtocol'd dns): a real query is the
    // datagram that comes back, where socat's "packetwalk" payload draws no answer from a DNS server. +norecurse:
    // a recursive resolver answers from itself (an authoritative answer, REFUSED or an empty NOERROR) without
    // asking upstream, so a dead forwarder does not look like a dead path; any answer, whatever its rcode, proves
    // delivery both ways (lib/verdict/edge.ts).
    id: 'dns-exchange',
    where: 'pod',
    title: "one DNS query to the UDP port (a DNS server's answer, whatever its rcode, proves delivery both ways)",
    argv: (a) => ['dig', '+tries=1', '+time=2', '+norecurse', '+nocookie', `@${need(a.ip, 'ip', 'dns-exchange')}`, '-p', String(need(a.port, 'port', 'dns-exchange')), `${need(a.name, 'name', 'dns-exchange').replace(/\.$/, '')}.`, 'SOA'],
    timeoutMs: 4000,
    maxBytes: 32768,
    reproduce: podReproduce,
  },
  {
    id: 'tcp-bulk',
    where: 'pod',
    title: 'a bulk TCP download (large segments) over a connection that opens: stalls when big packets vanish',
    // The lab's listener answers GET /bytes/N with N bytes; any HTTP server answers with its own page.
    argv: (a) => bulkArgv(a, 'tcp-bulk'),
    timeoutMs: 5000,
    maxBytes: 4096,
    reproduce: podReproduce,
  },
  // No tracepath: each silent hop costs it ~3 s and a killed tracepath loses its buffered output, so in a
  // blackhole it proves nothing inside a timeout; the DF pings and the bulk TCP download size the path instead.
  { id: 'ss-listen', where: 'pod', title: 'TCP listening sockets in the pod', argv: () => ['ss', '-H', '-t', '-a', '-n', '-l'], timeoutMs: 3000, maxBytes: 65536, reproduce: podReproduce, batchable: true },
  // --- the packet's own walk (DESIGN §4 `trace`, lib/plan/trace.ts + server/diagnose/capture.ts) ---
  // A bounded capture of one flow at one interface: text mode (utf8-safe over pods/exec), -xx keeps the
  // header bytes for the pcap, --immediate-mode hands each packet over at once (TPACKET_V3 would hold it in
  // its ring up to the 1 s block timeout), -s caps each packet to its headers, -c caps the count, `timeout -s INT`
  // caps the time even when nobody closes the stream (the engine stops it as soon as the connect ends).
  { id: 'capture', where: 'pod', title: "the trace flow's packets on the pod's interfaces (tcpdump, headers only)", argv: (a) => captureArgv(a, 'capture'), timeoutMs: CAPTURE_MAX_S * 1000 + 2000, maxBytes: 1 << 19, reproduce: podReproduce },
  { id: 'node-capture', where: 'node', title: "the trace flow's packets on the node's interfaces (tcpdump, headers only)", argv: (a) => captureArgv(a, 'node-capture'), timeoutMs: CAPTURE_MAX_S * 1000 + 2000, maxBytes: 1 << 19, reproduce: nodeReproduce },
  {
    id: 'trace-connect',
    where: 'pod',
    title: "the end-to-end connect from the trace's own source port (TCP handshake, or one UDP datagram)",
    argv: (a) =>
      need(a.proto, 'proto', 'trace-connect') === 'udp'
        ? ['nc', '-u', '-z', '-v', '-w', '1', '-p', String(need(a.sport, 'sport', 'trace-connect')), need(a.ip, 'ip', 'trace-connect'), String(need(a.port, 'port', 'trace-connect'))]
        : ['nc', '-z', '-v', '-w', '2', '-p', String(need(a.sport, 'sport', 'trace-connect')), need(a.ip, 'ip', 'trace-connect'), String(need(a.port, 'port', 'trace-connect'))],
    timeoutMs: 4000,
    maxBytes: 8192,
    reproduce: podReproduce,
  },
  {
    id: 'conntrack-flow',
    where: 'node',
    // Read-only listing keyed on the trace's own source port, which NAT keeps: shows the DNAT really applied.
    title: "the node's conntrack entries of the trace flow (the NAT really applied)",
    argv: (a) => ['conntrack', '-L', '-p', need(a.proto, 'proto', 'conntrack-flow'), '--orig-port-src', String(need(a.sport, 'sport', 'conntrack-flow'))],
    timeoutMs: 3000,
    maxBytes: 65536,
    reproduce: nodeReproduce,
    batchable: true,
  },
  {
    id: 'conntrack-service',
    where: 'node',
    // Read-only listing of every flow to one Service VIP:port: a UDP entry whose reply comes from an address
    // that is no longer an endpoint keeps a fixed-port client's datagrams going there (DESIGN §4 conntrack-stale).
    title: "the node's conntrack entries toward the Service VIP and port (which endpoint each flow is NATed to)",
    argv: (a) => ['conntrack', '-L', '-p', need(a.proto, 'proto', 'conntrack-service'), '--orig-dst', need(a.ip, 'ip', 'conntrack-service'), '--orig-port-dst', String(need(a.port, 'port', 'conntrack-service'))],
    timeoutMs: 3000,
    maxBytes: 262144,
    reproduce: nodeReproduce,
    batchable: true,
  },
  // --- on a node (privileged hostNetwork node debug pod) ---
  { id: 'node-link', where: 'node', title: 'links and addresses of the node (veths, bridge, tunnel, underlay) with details', argv: () => ['ip', '-j', '-d', 'addr', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce, batchable: true },
  { id: 'node-route-get', where: 'node', title: 'route the node takes to the destination pod', argv: (a) => ['ip', '-j', 'route', 'get', need(a.ip, 'ip', 'node-route-get')], timeoutMs: 3000, maxBytes: 16384, reproduce: nodeReproduce, batchable: true },
  { id: 'neigh', where: 'node', title: 'neighbor (ARP) table of the node', argv: () => ['ip', '-j', 'neigh', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce, batchable: true },
  { id: 'fdb', where: 'node', title: 'bridge forwarding database (the tunnel endpoints)', argv: () => ['bridge', '-j', 'fdb', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce, batchable: true },
  { id: 'bridge-link', where: 'node', title: 'bridge ports and their flags (hairpin)', argv: () => ['bridge', '-j', '-d', 'link', 'show'], timeoutMs: 3000, maxBytes: 1 << 20, reproduce: nodeReproduce, batchable: true },
  { id: 'pod-nat', where: 'pod', title: "the pod's own nat rules (a mesh sidecar's outbound capture)", argv: () => ['iptables-save', '-t', 'nat'], timeoutMs: 5000, maxBytes: 1 << 20, reproduce: podReproduce, batchable: true },
  { id: 'iptables-save', where: 'node', title: 'iptables rules of the node (kube-proxy NAT, filters)', argv: () => ['iptables-save'], timeoutMs: 20000, maxBytes: RULE_DUMP_MAX_BYTES, reproduce: nodeReproduce },
  { id: 'nft-ruleset', where: 'node', title: 'nftables ruleset of the node (kube-proxy nftables mode, filters)', argv: () => ['nft', 'list', 'ruleset'], timeoutMs: 20000, maxBytes: RULE_DUMP_MAX_BYTES, reproduce: nodeReproduce },
  { id: 'ipvsadm', where: 'node', title: 'IPVS virtual servers (kube-proxy ipvs mode)', argv: () => ['ipvsadm', '-Ln'], timeoutMs: 20000, maxBytes: RULE_DUMP_MAX_BYTES, reproduce: nodeReproduce },
  { id: 'conntrack-stats', where: 'node', title: 'conntrack statistics (drop, early_drop, insert_failed per CPU)', argv: () => ['conntrack', '-S'], timeoutMs: 3000, maxBytes: 65536, reproduce: nodeReproduce, batchable: true },
  {
    id: 'sysctl',
    where: 'node',
    title: 'conntrack table usage (count against max) and forwarding',
    argv: () => ['sysctl', 'net.netfilter.nf_conntrack_count', 'net.netfilter.nf_conntrack_max', 'net.ipv4.ip_forward'],
    timeoutMs: 3000,
    maxBytes: 8192,
    reproduce: nodeReproduce,
    batchable: true,
  },
  // Bridge CNIs (flannel's cni0): 0, or the key absent (br_netfilter not loaded), and bridged replies skip kube-proxy's un-NAT.
  { id: 'bridge-nf', where: 'node', title: 'whether bridged pod traffic passes iptables (br_netfilter)', argv: () => ['sysctl', 'net.bridge.bridge-nf-call-iptables'], timeoutMs: 3000, maxBytes: 4096, reproduce: nodeReproduce, batchable: true },
  // The MTU ladder from a node (north-south: the node the packet leaves for the pod), as ping-df is from a pod.
  { id: 'node-ping-df', where: 'node', title: "one ICMP echo with Don't Fragment set, of a given payload size, from the node's own network", argv: (a) => dfPingArgv(a, 'node-ping-df'), timeoutMs: 3000, maxBytes: 8192, reproduce: nodeReproduce },
  { id: 'node-tcp-bulk', where: 'node', title: "a bulk TCP download (large segments) from the node's own network over a connection that opens: stalls when big packets vanish", argv: (a) => bulkArgv(a, 'node-tcp-bulk'), timeoutMs: 5000, maxBytes: 4096, reproduce: nodeReproduce },
  { id: 'node-ping', where: 'node', title: "one ICMP echo from the node (to the peer's tunnel address)", argv: (a) => ['ping', '-n', '-c', '1', '-W', '1', need(a.ip, 'ip', 'node-ping')], timeoutMs: 3000, maxBytes: 8192, reproduce: nodeReproduce },
  // --- north-south and egress (DESIGN §3.2): a node as the source, the SNAT a flow got, a UDP listener ---
  { id: 'ss-listen-udp', where: 'pod', title: 'UDP sockets bound in the pod (a UDP server shows as UNCONN)', argv: () => ['ss', '-H', '-u', '-a', '-n', '-l'], timeoutMs: 3000, maxBytes: 65536, reproduce: podReproduce, batchable: true },
  {
    id: 'dig-control',
    where: 'pod',
    title: 'one DNS query for a name inside the cluster (does the cluster DNS answer at all?)',
    argv: (a) => ['dig', '+tries=1', '+time=2', '+nosearch', `${need(a.name, 'name', 'dig-control')}.`, 'A'],
    timeoutMs: 4000,
    maxBytes: 32768,
    reproduce: podReproduce,
  },
  {
    id: 'conntrack-list',
    where: 'node',
    // Read-only: lists the node's conntrack entries of one flow; the reply tuple's dst is the source address the outside saw.
    title: "the node's conntrack entries toward the destination (the reply tuple shows the address the far end saw)",
    // `proto` (tcp when not given): a UDP flow out has its entry too ([UNREPLIED] when nothing came back)
    argv: (a) => ['conntrack', '-L', '-p', a.proto === undefined ? 'tcp' : need(a.proto, 'proto', 'conntrack-list'), '-d', need(a.ip, 'ip', 'conntrack-list'), '--dport', String(need(a.port, 'port', 'conntrack-list'))],
    timeoutMs: 3000,
    maxBytes: 262144,
    reproduce: nodeReproduce,
    batchable: true,
  },
  { id: 'node-tcp-connect', where: 'node', title: "a TCP handshake from the node's own network", argv: (a) => ['nc', '-z', '-v', '-w', '2', need(a.ip, 'ip', 'node-tcp-connect'), String(need(a.port, 'port', 'node-tcp-connect'))], timeoutMs: 4000, maxBytes: 8192, reproduce: nodeReproduce },
  { id: 'node-udp-exchange', where: 'node', title: "one UDP datagram with a payload from the node's own network, and whether a datagram comes back", argv: (a) => udpExchangeArgv(a, 'node-udp-exchange'), timeoutMs: 4000, maxBytes: 8192, reproduce: nodeReproduce },
  { id: 'node-udp-connect', where: 'node', title: "one UDP datagram from the node's own network (refused when the host answers port-unreachable)", argv: (a) => ['nc', '-u', '-z', '-v', '-w', '2', need(a.ip, 'ip', 'node-udp-connect'), String(need(a.port, 'port', 'node-udp-connect'))], timeoutMs: 4000, maxBytes: 8192, reproduce: nodeReproduce },
  { id: 'node-ss-listen', where: 'node', title: "listening sockets in the node's own network (hostNetwork pods, node daemons)", argv: (a) => (a.name === 'udp' ? ['ss', '-H', '-u', '-a', '-n', '-l'] : ['ss', '-H', '-t', '-a', '-n', '-l']), timeoutMs: 3000, maxBytes: 262144, reproduce: nodeReproduce, batchable: true },
  { id: 'node-dig', where: 'node', title: "the node's own resolver's answer for the name (its resolv.conf, search list included)", argv: (a) => ['dig', '+tries=1', '+time=2', '+search', need(a.name, 'name', 'node-dig'), 'A'], timeoutMs: 4000, maxBytes: 32768, reproduce: nodeReproduce },
  // --- outside the cluster: the machine packetwalk runs on (in the lab: its outside client netns), server/diagnose/outside.ts ---
  { id: 'outside-tcp-connect', where: 'outside', title: 'a TCP handshake from outside the cluster', argv: (a) => ['nc', '-z', '-v', '-w', '2', need(a.ip, 'ip', 'outside-tcp-connect'), String(need(a.port, 'port', 'outside-tcp-connect'))], timeoutMs: 4000, maxBytes: 8192, reproduce: outsideReproduce },
  // North-south's MTU check through the node the flow enters (lib/plan/northSouth.ts entryDownloads): the client's own packets
  // are forwarded there, so they need the fragmentation-needed a node's own DF pings never do.
  { id: 'outside-tcp-bulk', where: 'outside', title: 'a bulk TCP download from outside the cluster (large segments) over a connection that opens: stalls when big packets vanish', argv: (a) => bulkArgv(a, 'outside-tcp-bulk'), timeoutMs: 5000, maxBytes: 4096, reproduce: outsideReproduce },
  { id: 'outside-udp-exchange', where: 'outside', title: 'one UDP datagram with a payload from outside the cluster, and whether a datagram comes back', argv: (a) => udpExchangeArgv(a, 'outside-udp-exchange'), timeoutMs: 4000, maxBytes: 8192, reproduce: outsideReproduce },
  { id: 'outside-udp-connect', where: 'outside', title: 'one UDP datagram from outside the cluster (refused when the host answers port-unreachable)', argv: (a) => ['nc', '-u', '-z', '-v', '-w', '2', need(a.ip, 'ip', 'outside-udp-connect'), String(need(a.port, 'port', 'outside-udp-connect'))], timeoutMs: 4000, maxBytes: 8192, reproduce: outsideReproduce },
  // Read-only: the route (and the source address, prefsrc) the outside client takes to where it enters the cluster.
  { id: 'outside-route-get', where: 'outside', title: 'the route the client outside the cluster takes to where it enters, and its source address', argv: (a) => ['ip', '-j', 'route', 'get', need(a.ip, 'ip', 'outside-route-get')], timeoutMs: 3000, maxBytes: 16384, reproduce: outsideReproduce },
  { id: 'outside-dig', where: 'outside', title: "the outside resolver's answer for the name", argv: (a) => ['dig', '+tries=1', '+time=2', '+search', need(a.name, 'name', 'outside-dig'), 'A'], timeoutMs: 4000, maxBytes: 32768, reproduce: outsideReproduce },
] as const satisfies readonly ProbeDef[];

/** The id of a registered probe: the literal union of the table's ids, so an unregistered probe does not compile. */
export type ProbeId = (typeof defs)[number]['id'];

export const PROBES: ReadonlyMap<ProbeId, ProbeDef> = new Map<ProbeId, ProbeDef>(defs.map((d) => [d.id, d]));

/** True when `s` (a stored or received probe name) is a registered probe id. */
export function isProbeId(s: string): s is ProbeId {
  return PROBES.has(s as ProbeId);
}

export function probeDef(id: ProbeId): ProbeDef {
  const d = PROBES.get(id);
  if (!d) throw new Error(`probe "${id}" is not in the registry (lib/probes.ts); only registered probes run`);
  return d;
}

/**
 * The argv of probe `id` with `args`, each argument checked by the entry itself (lib/probeArgs.ts).
 * Throws ProbeArgError (naming the probe and the argument) when an argument is missing or not of its kind.
 */
export function probeArgv(id: ProbeId, args: ProbeArgs): string[] {
  return probeDef(id).argv(args);
}
