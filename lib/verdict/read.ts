// The readings of probe output the verdict needs, each tolerant of junk (returns null/unknown, never
// throws). Where lib/parse has the tool's parser (dig, resolv.conf, nc, ping, ss) these delegate to it;
// the ip/bridge JSON readers only pick the few fields the verdict compares.
import { parseDig, parseNc, parsePing, parseResolvConf, parseSs } from '../parse';

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate?: string;
  address?: string;
  link_index?: number;
  master?: string;
  kind?: string; // linkinfo.info_kind (veth, bridge, vxlan)
  vxlanPort?: number;
  addrs: { family: string; local: string; prefixlen: number }[];
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** `ip -j addr show` / `ip -j -d link show` */
export function readIpLinks(text: string): IpLink[] | null {
  const v = json(text);
  if (!Array.isArray(v)) return null;
  return v.map((x: Record<string, unknown>) => {
    const li = (x.linkinfo ?? {}) as { info_kind?: string; info_data?: { port?: number } };
    const ai = Array.isArray(x.addr_info) ? (x.addr_info as { family: string; local: string; prefixlen: number }[]) : [];
    return {
      ifindex: Number(x.ifindex),
      ifname: String(x.ifname),
      flags: Array.isArray(x.flags) ? (x.flags as string[]) : [],
      mtu: Number(x.mtu),
      ...(typeof x.operstate === 'string' ? { operstate: x.operstate } : {}),
      ...(typeof x.address === 'string' ? { address: x.address } : {}),
      ...(typeof x.link_index === 'number' ? { link_index: x.link_index } : {}),
      ...(typeof x.master === 'string' ? { master: x.master } : {}),
      ...(li.info_kind ? { kind: li.info_kind } : {}),
      ...(li.info_data?.port ? { vxlanPort: li.info_data.port } : {}),
      addrs: ai.map((a) => ({ family: a.family, local: a.local, prefixlen: a.prefixlen })),
    };
  });
}

export interface RouteGet {
  dst: string;
  gateway?: string;
  dev: string;
  prefsrc?: string;
  type?: string;
}

/** `ip -j route get IP`: the one route, or null (stderr then says why, e.g. "Network is unreachable"). */
export function readRouteGet(text: string): RouteGet | null {
  const v = json(text);
  if (!Array.isArray(v) || !v[0] || typeof v[0] !== 'object') return null;
  const r = v[0] as Record<string, unknown>;
  if (typeof r.dev !== 'string') return null;
  return { dst: String(r.dst), dev: r.dev, ...(typeof r.gateway === 'string' ? { gateway: r.gateway } : {}), ...(typeof r.prefsrc === 'string' ? { prefsrc: r.prefsrc } : {}), ...(typeof r.type === 'string' ? { type: r.type } : {}) };
}

export interface Neigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
}
export function readNeigh(text: string): Neigh[] | null {
  const v = json(text);
  if (!Array.isArray(v)) return null;
  return v.map((x: Record<string, unknown>) => ({ dst: String(x.dst), dev: String(x.dev), ...(typeof x.lladdr === 'string' ? { lladdr: x.lladdr } : {}), state: Array.isArray(x.state) ? (x.state as string[]) : [] }));
}

export interface Fdb {
  mac: string;
  ifname: string;
  dst?: string;
}
export function readFdb(text: string): Fdb[] | null {
  const v = json(text);
  if (!Array.isArray(v)) return null;
  return v.map((x: Record<string, unknown>) => ({ mac: String(x.mac), ifname: String(x.ifname), ...(typeof x.dst === 'string' ? { dst: x.dst } : {}) }));
}

export interface BridgePort {
  ifname: string;
  hairpin?: boolean;
  state?: string;
}
/** `bridge -j -d link show`: hairpin is a boolean field per port. */
export function readBridgeLinks(text: string): BridgePort[] | null {
  const v = json(text);
  if (!Array.isArray(v)) return null;
  return v.map((x: Record<string, unknown>) => {
    const info = (x.linkinfo as { info_slave_data?: { hairpin?: boolean } } | undefined)?.info_slave_data;
    const hairpin = typeof x.hairpin === 'boolean' ? x.hairpin : info?.hairpin;
    return { ifname: String(x.ifname), ...(typeof hairpin === 'boolean' ? { hairpin } : {}), ...(typeof x.state === 'string' ? { state: x.state } : {}) };
  });
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  ndots: number;
}
export function readResolvConf(text: string): ResolvConf {
  const r = parseResolvConf(text);
  if (!r.ok) return { nameservers: [], search: [], ndots: 1 };
  return { nameservers: r.value.nameservers, search: r.value.search, ndots: r.value.options.ndots };
}

export interface DigResult {
  status?: string; // NOERROR | NXDOMAIN | SERVFAIL | REFUSED
  answers: string[]; // A records
  server?: string;
  queryMs?: number;
  timedOut: boolean;
  /** no server answered: why (timeout, network-unreachable, connection-refused) */
  noResponse?: string;
}
export function readDig(stdout: string, exitCode: number | null, stderr = ''): DigResult {
  const r = parseDig(stdout, { exitCode, stderr });
  if (!r.ok) return { answers: [], timedOut: exitCode === 9 };
  const d = r.value;
  if (d.outcome === 'no-response') return { answers: [], timedOut: d.reason === 'timeout', noResponse: d.reason, ...(d.server ? { server: d.server } : {}) };
  return {
    status: d.rcode,
    answers: d.answers.filter((a) => a.type === 'A').map((a) => a.data),
    ...(d.server ? { server: d.server.address } : {}),
    ...(d.queryTimeMs !== undefined ? { queryMs: d.queryTimeMs } : {}),
    timedOut: false,
  };
}

export type ConnectOutcome = 'open' | 'refused' | 'timeout' | 'unreachable' | 'error';
/** `nc -z -v -w 2 IP PORT` (openbsd), through lib/parse's parseNc. */
export function readConnect(stderr: string, exitCode: number | null, timedOut: boolean): ConnectOutcome {
  if (timedOut) return 'timeout';
  const r = parseNc('', { exitCode, stderr });
  if (!r.ok) return exitCode === 0 ? 'open' : 'error';
  switch (r.value.outcome) {
    case 'succeeded': return 'open';
    case 'refused': return 'refused';
    case 'timed-out': return 'timeout';
    case 'network-unreachable': case 'no-route-to-host': return 'unreachable';
    default: return 'error';
  }
}

export type PingOutcome = 'reply' | 'too-big-local' | 'frag-needed' | 'lost' | 'error';
/** One `ping -M do -s N -c 1`: a reply, a local "message too long", an ICMP "Frag needed" from the path, or silence. */
export function readPing(stdout: string, stderr: string, exitCode: number | null): { outcome: PingOutcome; mtu?: number } {
  const r = parsePing(stdout, { exitCode, stderr });
  if (!r.ok) return { outcome: 'error' };
  const p = r.value;
  switch (p.outcome) {
    case 'ok': case 'partial-loss': return { outcome: p.received > 0 ? 'reply' : 'lost' };
    case 'message-too-long': return { outcome: 'too-big-local', ...(p.localMtu ? { mtu: p.localMtu } : {}) };
    case 'frag-needed': return { outcome: 'frag-needed', ...(p.fragNeeded ? { mtu: p.fragNeeded.mtu } : {}) };
    case 'silent': return { outcome: 'lost' };
    default: return { outcome: 'error' };
  }
}

export interface Listener {
  addr: string;
  port: number;
}
/** `ss -H -t -a -n -l`, through lib/parse's parseSs: listening sockets as address + port. */
export function readListeners(text: string): Listener[] {
  const r = parseSs(text);
  if (!r.ok) return [];
  return r.value.filter((x) => x.state === 'LISTEN' && x.local.port !== null).map((x) => ({ addr: x.local.address, port: x.local.port! }));
}

export function readSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([\w.]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
