// `ss -Htanl` (or with its header, `ss -tanl`): sockets, and whether a port has a listener off loopback.
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines } from './common';
import { ipFamily } from '../ip';

export interface SsEndpoint {
  /** As printed without brackets and scope: "0.0.0.0", "127.0.0.1", "::", "::1", "*". */
  address: string;
  /** null for "*" (any port, e.g. a listener's peer). */
  port: number | null;
  family: 'inet' | 'inet6' | 'any';
  /** Device the socket is bound to (SO_BINDTODEVICE), printed as "addr%dev". */
  interface?: string;
  /** 0.0.0.0, ::, * — every local address. */
  wildcard: boolean;
  /** 127.0.0.0/8, ::1, ::ffff:127.x, or bound to lo: unreachable from another pod. */
  loopback: boolean;
}

export interface SsSocket {
  netid?: string; // tcp | udp … (only when ss printed the Netid column)
  state: string; // LISTEN | ESTAB | UNCONN …
  recvQ: number;
  sendQ: number;
  local: SsEndpoint;
  peer: SsEndpoint;
  process?: string;
}

const TOOL = 'ss';

export function parseEndpoint(text: string): SsEndpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = text.slice(colon + 1);
  let host = text.slice(0, colon);
  let port: number | null;
  if (portText === '*') port = null;
  else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else return undefined;
  let iface: string | undefined;
  const pct = host.lastIndexOf('%');
  if (pct > 0 && !host.endsWith(']')) {
    iface = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const scope = host.indexOf('%'); // fe80::1%eth0 inside brackets
  if (scope > 0) {
    iface ??= host.slice(scope + 1);
    host = host.slice(0, scope);
  }
  const family: SsEndpoint['family'] = host === '*' ? 'any' : host.includes(':') ? 'inet6' : 'inet';
  if (family === 'inet' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return undefined;
  const wildcard = host === '*' || host === '0.0.0.0' || host === '::';
  const loopback = iface === 'lo' || /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host);
  const e: SsEndpoint = { address: host, port, family, wildcard, loopback };
  if (iface !== undefined) e.interface = iface;
  return e;
}

export function parseSs(text: string): Result<SsSocket[], ParseError> {
  const lines = splitLines(text);
  const sockets: SsSocket[] = [];
  let withNetid: boolean | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    if (i === 0 && (f[0] === 'State' || f[0] === 'Netid')) {
      withNetid = f[0] === 'Netid';
      continue;
    }
    withNetid ??= /^(tcp|udp|raw|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|sctp|mptcp|tipc|v_str|v_dgr|xdp)$/.test(f[0]);
    const o = withNetid ? 1 : 0;
    if (f.length < 5 + o)
      return parseError(TOOL, i + 1, 'State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]', line);
    const recvQ = Number(f[o + 1]);
    const sendQ = Number(f[o + 2]);
    if (!Number.isInteger(recvQ) || !Number.isInteger(sendQ)) return parseError(TOOL, i + 1, 'numeric Recv-Q and Send-Q', line);
    const local = parseEndpoint(f[o + 3]);
    if (!local) return parseError(TOOL, i + 1, 'a local address:port (e.g. 0.0.0.0:8080, [::]:80, 127.0.0.53%lo:53)', f[o + 3]);
    const peer = parseEndpoint(f[o + 4]);
    if (!peer) return parseError(TOOL, i + 1, 'a peer address:port', f[o + 4]);
    const s: SsSocket = { state: f[o], recvQ, sendQ, local, peer };
    if (withNetid) s.netid = f[0];
    if (f.length > 5 + o) s.process = f.slice(5 + o).join(' ');
    sockets.push(s);
  }
  return ok(sockets);
}

/**
 * Whether a listening socket takes connections dialled over `family`. ss prints an IPv6 wildcard socket that also
 * takes IPv4 (IPV6_V6ONLY off, Linux's default: net.ipv6.bindv6only=0) as `*:PORT`, and one with IPV6_V6ONLY set as
 * `[::]:PORT` (iproute2 6.1, captured: lib/parse/fixtures/ss/listeners-no-header.txt, socat ipv6only=1 / =0 in
 * lib/parse/fixtures/capture.sh). So `[::]` and any other IPv6 address take IPv6 only — except a v4-mapped one
 * (::ffff:a.b.c.d), which is IPv4 — and 0.0.0.0 or an IPv4 address take IPv4 only.
 */
export function servesFamily(e: SsEndpoint, family: 'inet' | 'inet6'): boolean {
  if (e.family === 'any') return true;
  const v4 = e.family === 'inet' || /^::ffff:\d/i.test(e.address);
  return family === 'inet' ? v4 : !v4;
}

/**
 * Does anything listen on `port` where another pod can reach it over the family of `dialled` (the address the
 * connection arrives at; IPv4 when absent)? 'reachable': a listener on a wildcard or non-loopback address of that family; 'loopback-only': only
 * 127.x/::1/%lo (the app-not-listening cause's "only on loopback"); 'other-family': listeners only of the other
 * family (an IPV6_V6ONLY `[::]` socket dialled over IPv4: refused); 'none': no listener on that port.
 */
export function listenerOnPort(
  sockets: SsSocket[],
  port: number,
  dialled?: string,
): { verdict: 'reachable' | 'loopback-only' | 'other-family' | 'none'; listeners: SsSocket[] } {
  const family = dialled && ipFamily(dialled) === 6 ? 'inet6' : 'inet';
  const listeners = sockets.filter((s) => s.state === 'LISTEN' && s.local.port === port);
  const serving = listeners.filter((s) => servesFamily(s.local, family));
  const reachable = serving.filter((s) => !s.local.loopback);
  if (reachable.length > 0) return { verdict: 'reachable', listeners: reachable };
  if (serving.length > 0) return { verdict: 'loopback-only', listeners: serving };
  const open = listeners.filter((s) => !s.local.loopback);
  if (open.length > 0) return { verdict: 'other-family', listeners: open };
  return { verdict: listeners.length > 0 ? 'loopback-only' : 'none', listeners };
}
