// Small readings of probe output the verdict needs, each tolerant of junk (returns null, never throws).
// TODO(parse): switch each reader to lib/parse's parser of the same tool as it lands (ip -j, dig, ss,
// resolv.conf, ping, nc, sysctl); keep these signatures at the call sites.

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
  const out: ResolvConf = { nameservers: [], search: [], ndots: 1 };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [k, ...rest] = line.split(/\s+/);
    if (k === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (k === 'search' || k === 'domain') out.search = rest;
    else if (k === 'options') for (const o of rest) if (o.startsWith('ndots:')) out.ndots = Math.min(15, Number(o.slice(6)) || 0);
  }
  return out;
}

export interface DigResult {
  status?: string; // NOERROR | NXDOMAIN | SERVFAIL | REFUSED
  answers: string[]; // A records
  server?: string;
  queryMs?: number;
  timedOut: boolean;
}
export function readDig(stdout: string, exitCode: number | null): DigResult {
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1];
  const answers: string[] = [];
  let inAnswer = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(';; ANSWER SECTION')) inAnswer = true;
    else if (inAnswer && (line.trim() === '' || line.startsWith(';;'))) inAnswer = false;
    else if (inAnswer) {
      const f = line.trim().split(/\s+/);
      if (f[3] === 'A' && f[4]) answers.push(f[4]);
    }
  }
  const server = /;; SERVER: ([^#\s]+)/.exec(stdout)?.[1];
  const q = /;; Query time: (\d+) msec/.exec(stdout);
  return { ...(status ? { status } : {}), answers, ...(server ? { server } : {}), ...(q ? { queryMs: Number(q[1]) } : {}), timedOut: !status && (exitCode === 9 || /timed out|no servers could be reached/.test(stdout)) };
}

export type ConnectOutcome = 'open' | 'refused' | 'timeout' | 'unreachable' | 'error';
/** `nc -z -v -w 2 IP PORT` (openbsd): exit 0 + "succeeded"; "Connection refused"; "timed out"/"in progress". */
export function readConnect(stderr: string, exitCode: number | null, timedOut: boolean): ConnectOutcome {
  if (exitCode === 0) return 'open';
  if (/refused/i.test(stderr)) return 'refused';
  if (/No route to host|Network is unreachable|Host is unreachable/i.test(stderr)) return 'unreachable';
  if (timedOut || /timed out|in progress/i.test(stderr) || exitCode === 1) return 'timeout';
  return 'error';
}

export type PingOutcome = 'reply' | 'too-big-local' | 'frag-needed' | 'lost' | 'error';
/** One `ping -M do -s N -c 1`: a reply, a local "message too long", an ICMP "Frag needed" from the path, or silence. */
export function readPing(stdout: string, stderr: string, exitCode: number | null): { outcome: PingOutcome; mtu?: number } {
  const all = `${stdout}\n${stderr}`;
  const m = /mtu ?= ?(\d+)/i.exec(all);
  if (/message too long/i.test(all)) return { outcome: 'too-big-local', ...(m ? { mtu: Number(m[1]) } : {}) };
  if (/Frag needed/i.test(all)) return { outcome: 'frag-needed', ...(m ? { mtu: Number(m[1]) } : {}) };
  if (exitCode === 0 || /1 received/.test(all)) return { outcome: 'reply' };
  if (/0 received|100% packet loss/.test(all) || exitCode === 1) return { outcome: 'lost' };
  return { outcome: 'error' };
}

export interface Listener {
  addr: string;
  port: number;
}
/** `ss -H -t -a -n -l`: "LISTEN 0 4096 0.0.0.0:8080 0.0.0.0:*" */
export function readListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] !== 'LISTEN') continue;
    const local = f[3];
    const i = local.lastIndexOf(':');
    if (i < 0) continue;
    out.push({ addr: local.slice(0, i).replace(/^\[|\]$/g, '').replace(/%.*$/, ''), port: Number(local.slice(i + 1)) });
  }
  return out;
}

export function readSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([\w.]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
