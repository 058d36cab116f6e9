// The kube-proxy trace: from a node's dump (iptables-save, nft ruleset or ipvsadm -Ln), where does
// VIP:port go — which chains, which kube-proxy comment ("ns/svc:port"), which endpoints with what
// probability, masquerade, or kube-proxy's "has no endpoints" reject — and does that agree with the
// ready endpoints of the EndpointSlice (proxy-rules-missing / proxy-rules-stale)?
// The dump is indexed once (VIP → rules, chain → rules), so a trace costs O(rules of that Service).
import { endClause } from '../clauses';
import { ok, type ParseError, type Result } from '../result';
import type { IptablesRule, IptablesSave, IptablesTable } from '../parse/iptablesSave';
import { findTable, parseIptablesSave } from '../parse/iptablesSave';
import type { NftRule, NftRuleset, NftTable } from '../parse/nft';
import { findNftTable, parseNft } from '../parse/nft';
import type { IpvsTable } from '../parse/ipvsadm';
import { parseIpvsadm } from '../parse/ipvsadm';
import { compareEndpoints, formatEndpoint } from './endpoints';

export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';

export type ProxyDump =
  | { mode: 'iptables'; save: IptablesSave }
  | { mode: 'nftables'; ruleset: NftRuleset }
  | { mode: 'ipvs'; ipvs: IpvsTable };

export interface TraceEndpoint {
  ip: string;
  port: number;
  /** Chance a new connection picks this endpoint (0..1). */
  probability: number;
  /** The chain that DNATs to it (KUBE-SEP-…, endpoint-…), or the IPVS real server. */
  chain: string;
}

export interface ProxyTrace {
  mode: ProxyMode;
  /** The address traced: a ClusterIP, external or LoadBalancer IP; for a NodePort (traceNodePort) the node's address. */
  vip: string;
  port: number;
  /** Set when the trace is of a NodePort (iptables KUBE-NODEPORTS, nft map service-nodeports), not an address's rule. */
  nodePort?: boolean;
  protocol: string;
  /** kube-proxy has some rule for VIP:port (DNAT or reject). */
  found: boolean;
  /** Chains and maps the packet passes, in order (KUBE-SERVICES → KUBE-SVC-… ; services → service-ips → service-…). */
  chains: string[];
  /** kube-proxy's rule comment as written, e.g. "ns1/svc1:p80 cluster IP". */
  comment?: string;
  /** The Service port it names, "ns/svc:port". */
  servicePort?: string;
  endpoints: TraceEndpoint[];
  /** A masquerade mark on the Service path; null where the dump cannot show it (IPVS). */
  masquerade: boolean | null;
  /** kube-proxy's "has no endpoints" reject/drop for this VIP:port. */
  reject: boolean;
  /** ClientIP session affinity rules are present. */
  affinity: boolean;
  /** The rules read, as the tool prints them (evidence). */
  rules: string[];
}

const SERVICE_COMMENT_SUFFIX = / (cluster IP|external IP|loadbalancer IP|has no endpoints|has no local endpoints)$/;

/** "ns/svc:port" from a kube-proxy comment. */
function servicePortFromComment(c: string | undefined): string | undefined {
  if (!c) return undefined;
  const s = c.replace(SERVICE_COMMENT_SUFFIX, '');
  return /^[^/\s]+\/[^:\s]+(:\S*)?$/.test(s) ? s : undefined;
}

function splitEndpoint(s: string): { ip: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  return m ? { ip: m[1], port: Number(m[2]) } : null;
}

const empty = (mode: ProxyMode, vip: string, port: number, protocol: string): ProxyTrace => ({
  mode, vip, port, protocol: protocol.toUpperCase(), found: false, chains: [], endpoints: [], masquerade: mode === 'ipvs' ? null : false, reject: false, affinity: false, rules: [],
});

export function traceService(dump: ProxyDump, vip: string, port: number, protocol = 'TCP'): ProxyTrace {
  switch (dump.mode) {
    case 'iptables': return traceIptables(dump.save, vip, port, protocol);
    case 'nftables': return traceNft(dump.ruleset, vip, port, protocol);
    case 'ipvs': return traceIpvs(dump.ipvs, vip, port, protocol);
  }
}

/**
 * Where kube-proxy on a node sends a connection to its NodePort: iptables nat KUBE-NODEPORTS "-p tcp --dport N -j
 * KUBE-EXT-…" (then KUBE-SVC-…/KUBE-SVL-… → KUBE-SEP-… DNAT), nft `table ip kube-proxy` map service-nodeports
 * "tcp . N : goto external-…" (then service-…/local-… → endpoint-… dnat), and the "has no endpoints" reject (filter
 * KUBE-EXTERNAL-SERVICES, nft map no-endpoint-nodeports). The same walk and trace shape as traceService, so
 * compareWithEndpoints judges it; `nodeIP` (the node's address the client dials) only names it in sentences.
 * IPVS is not traced here (its NodePort is a virtual service per node address: traceService(dump, nodeIP, N)).
 * With externalTrafficPolicy Local the external chain reaches both the Service's chain (pod and node-local traffic)
 * and the local one, so the endpoints are their union: every ready endpoint, when the rules are current.
 */
export function traceNodePort(dump: ProxyDump, nodePort: number, protocol = 'TCP', nodeIP = '0.0.0.0'): ProxyTrace {
  switch (dump.mode) {
    case 'iptables': return traceIptablesNodePort(dump.save, nodePort, protocol, nodeIP);
    case 'nftables': return traceNftNodePort(dump.ruleset, nodePort, protocol, nodeIP);
    case 'ipvs': return { ...traceIpvs(dump.ipvs, nodeIP, nodePort, protocol), nodePort: true };
  }
}

// ---------------------------------------------------------------- iptables ----

interface IptablesIndex {
  nat?: IptablesTable;
  /** Destination address → KUBE-SERVICES rules (nat) and filter rules (reject/drop) that name it. */
  natServices: Map<string, IptablesRule[]>;
  filterServices: Map<string, IptablesRule[]>;
}

const iptablesIndexes = new WeakMap<IptablesSave, IptablesIndex>();

const QUICK_DEST = /(?:^|\s)(!\s+)?(?:-d|--destination)\s+(\S+)/;
const stripHostBits = (a: string) => a.replace(/\/(32|128)$/, '');

/** The rule's destination without tokenizing it (rules are read lazily; a dump has ~10 per Service). */
function quickDestination(r: IptablesRule): string | undefined {
  if (typeof r.text === 'string') {
    const m = QUICK_DEST.exec(r.text);
    return m && !m[1] ? stripHostBits(m[2].replace(/^"|"$/g, '')) : undefined;
  }
  return r.destination && !r.destination.negated ? r.destination.addr : undefined;
}

function indexChain(t: IptablesTable | undefined, names: string[], into: Map<string, IptablesRule[]>) {
  for (const name of names) {
    for (const r of t?.chains.get(name)?.rules ?? []) {
      const d = quickDestination(r);
      if (!d) continue;
      const list = into.get(d);
      if (list) list.push(r);
      else into.set(d, [r]);
    }
  }
}

/** Builds (once per parsed dump) the VIP index the trace uses. */
export function indexIptables(save: IptablesSave): IptablesIndex {
  let idx = iptablesIndexes.get(save);
  if (idx) return idx;
  const nat = findTable(save, 'nat');
  const filter = findTable(save, 'filter');
  idx = { nat, natServices: new Map(), filterServices: new Map() };
  indexChain(nat, ['KUBE-SERVICES'], idx.natServices);
  indexChain(filter, ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'], idx.filterServices);
  iptablesIndexes.set(save, idx);
  return idx;
}

/** The candidates that really match VIP, protocol and port once their fields are read. */
function matching(rules: IptablesRule[] | undefined, vip: string, protocol: string, port: number): IptablesRule[] {
  const proto = protocol.toLowerCase();
  return (rules ?? []).filter((r) => r.destination?.addr === vip && !r.destination.negated && (r.protocol ?? '').toLowerCase() === proto && r.dport === String(port));
}

function quoteArg(a: string): string {
  return a === '' || /[\s"]/.test(a) ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a;
}

/** The rule as iptables-save printed it (or rebuilt from its tokens). */
export function iptablesRuleText(chain: string, r: IptablesRule): string {
  return `-A ${chain} ${typeof r.text === 'string' ? r.text : r.args.map(quoteArg).join(' ')}`;
}

/** Follows kube-proxy's chains from `start` (KUBE-SVC-…, KUBE-EXT-…) to the KUBE-SEP-… DNATs, into `out`. */
function walkIptables(out: ProxyTrace, nat: IptablesTable | undefined, start: string, seen = new Set<string>()) {
  const walk = (chainName: string, weight: number) => {
    if (seen.has(chainName) || !nat) return;
    seen.add(chainName);
    out.chains.push(chainName);
    let remaining = 1;
    for (const r of nat.chains.get(chainName)?.rules ?? []) {
      const t = r.target;
      if (!t) continue;
      if (t === 'KUBE-MARK-MASQ') { out.masquerade = true; out.rules.push(iptablesRuleText(chainName, r)); continue; }
      if (t.startsWith('KUBE-SEP-')) {
        out.rules.push(iptablesRuleText(chainName, r));
        if (r.affinityCheck) { out.affinity = true; continue; } // the sticky lookup, not a balancing step
        const p = r.probability ?? 1;
        const share = remaining * p;
        remaining *= 1 - p;
        const sep = nat.chains.get(t);
        const dnat = sep?.rules.find((x) => x.target === 'DNAT' && x.toDestination);
        for (const x of sep?.rules ?? []) out.rules.push(iptablesRuleText(t, x));
        const ep = dnat?.toDestination ? splitEndpoint(dnat.toDestination) : null;
        if (ep && !out.endpoints.some((e) => e.chain === t)) out.endpoints.push({ ...ep, probability: weight * share, chain: t });
        continue;
      }
      if (/^KUBE-(SVC|SVL|EXT|FW|XLB)-/.test(t)) {
        out.rules.push(iptablesRuleText(chainName, r));
        walk(t, weight);
      }
    }
  };
  walk(start, 1);
}

function traceIptablesNodePort(save: IptablesSave, nodePort: number, protocol: string, nodeIP: string): ProxyTrace {
  const out: ProxyTrace = { ...empty('iptables', nodeIP, nodePort, protocol), nodePort: true };
  const idx = indexIptables(save);
  const proto = protocol.toLowerCase();
  const matches = (r: IptablesRule) => (r.protocol ?? '').toLowerCase() === proto && r.dport === String(nodePort) && !(r.destination && !r.destination.negated && r.destination.addr === '127.0.0.0/8');
  const filter = findTable(save, 'filter');
  for (const chain of ['KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES']) {
    for (const r of filter?.chains.get(chain)?.rules ?? []) {
      if (!matches(r) || (r.target !== 'REJECT' && r.target !== 'DROP')) continue;
      // "has no local endpoints" (externalTrafficPolicy Local) is a deliberate drop on this node, not "no endpoints"
      if (/has no local endpoints/.test(r.comment ?? '')) continue;
      out.reject = true;
      out.found = true;
      out.comment ??= r.comment;
      out.rules.push(iptablesRuleText(chain, r));
      if (!out.chains.includes(`${chain} (filter)`)) out.chains.push(`${chain} (filter)`);
    }
  }
  const seen = new Set<string>();
  for (const r of idx.nat?.chains.get('KUBE-NODEPORTS')?.rules ?? []) {
    if (!matches(r) || !r.target || !/^KUBE-(SVC|SVL|EXT|FW|XLB)-/.test(r.target)) continue;
    out.found = true;
    out.comment ??= r.comment;
    out.rules.push(iptablesRuleText('KUBE-NODEPORTS', r));
    if (!out.chains.includes('KUBE-NODEPORTS')) out.chains.push('KUBE-NODEPORTS');
    walkIptables(out, idx.nat, r.target, seen);
  }
  out.servicePort = servicePortFromComment(out.comment);
  return out;
}

function traceIptables(save: IptablesSave, vip: string, port: number, protocol: string): ProxyTrace {
  const out = empty('iptables', vip, port, protocol);
  const idx = indexIptables(save);
  const natRules = matching(idx.natServices.get(vip), vip, protocol, port);
  const filterRules = matching(idx.filterServices.get(vip), vip, protocol, port);
  for (const r of filterRules) {
    if (r.target === 'REJECT' || r.target === 'DROP') {
      out.reject = true;
      out.found = true;
      out.comment ??= r.comment;
      out.rules.push(iptablesRuleText('KUBE-SERVICES', r));
      if (!out.chains.includes('KUBE-SERVICES (filter)')) out.chains.push('KUBE-SERVICES (filter)');
    }
  }
  for (const r of natRules) {
    if (!r.target || !/^KUBE-(SVC|SVL|EXT|FW|XLB)-/.test(r.target)) continue;
    out.found = true;
    out.comment ??= r.comment;
    out.rules.push(iptablesRuleText('KUBE-SERVICES', r));
    if (!out.chains.includes('KUBE-SERVICES')) out.chains.push('KUBE-SERVICES');
    walkIptables(out, idx.nat, r.target);
  }
  out.servicePort = servicePortFromComment(out.comment);
  return out;
}

// ---------------------------------------------------------------- nftables ----

const vipKey = (addr: string, proto: string, port: string | number) => `${addr}|${proto.toLowerCase()}|${port}`;

interface NftIndex {
  table?: NftTable;
  /** `${addr}|${proto}|${port}` → element of the named map. */
  serviceIps: Map<string, { target?: string; comment?: string; text: string }>;
  noEndpoints: Map<string, { verdict: string; comment?: string; text: string }>;
  /** `${proto}|${port}` → element of map service-nodeports / no-endpoint-nodeports. */
  nodePorts: Map<string, { target?: string; comment?: string; text: string }>;
  noEndpointNodePorts: Map<string, { verdict: string; comment?: string; text: string }>;
}

const nftIndexes = new WeakMap<NftRuleset, Map<string, NftIndex>>();

/** Index of `table <family> kube-proxy` (ip for IPv4 VIPs, ip6 for IPv6), built once per parsed ruleset. */
export function indexNft(rs: NftRuleset, family: 'ip' | 'ip6' = 'ip'): NftIndex {
  let byFamily = nftIndexes.get(rs);
  if (!byFamily) { byFamily = new Map(); nftIndexes.set(rs, byFamily); }
  const cached = byFamily.get(family);
  if (cached) return cached;
  const table = findNftTable(rs, family, 'kube-proxy');
  const idx: NftIndex = { table, serviceIps: new Map(), noEndpoints: new Map(), nodePorts: new Map(), noEndpointNodePorts: new Map() };
  for (const e of table?.sets.get('service-nodeports')?.elements ?? []) {
    if (e.key.length !== 2) continue;
    const v = e.verdict;
    idx.nodePorts.set(`${e.key[0].toLowerCase()}|${e.key[1]}`, {
      ...(v && 'target' in v ? { target: v.target } : {}),
      ...(e.comment ? { comment: e.comment } : {}),
      text: `${e.key.join(' . ')} : ${v ? ('target' in v ? `${v.kind} ${v.target}` : v.kind) : '?'}`,
    });
  }
  for (const e of table?.sets.get('no-endpoint-nodeports')?.elements ?? []) {
    if (e.key.length !== 2) continue;
    const v = e.verdict;
    const verdict = v ? ('target' in v ? `${v.kind} ${v.target}` : v.kind) : '?';
    idx.noEndpointNodePorts.set(`${e.key[0].toLowerCase()}|${e.key[1]}`, { verdict, ...(e.comment ? { comment: e.comment } : {}), text: `${e.key.join(' . ')}${e.comment ? ` comment "${e.comment}"` : ''} : ${verdict}` });
  }
  for (const e of table?.sets.get('service-ips')?.elements ?? []) {
    if (e.key.length !== 3) continue;
    const v = e.verdict;
    idx.serviceIps.set(vipKey(e.key[0], e.key[1], e.key[2]), {
      ...(v && 'target' in v ? { target: v.target } : {}),
      ...(e.comment ? { comment: e.comment } : {}),
      text: `${e.key.join(' . ')} : ${v ? ('target' in v ? `${v.kind} ${v.target}` : v.kind) : '?'}`,
    });
  }
  for (const e of table?.sets.get('no-endpoint-services')?.elements ?? []) {
    if (e.key.length !== 3) continue;
    const v = e.verdict;
    const verdict = v ? ('target' in v ? `${v.kind} ${v.target}` : v.kind) : '?';
    idx.noEndpoints.set(vipKey(e.key[0], e.key[1], e.key[2]), { verdict, ...(e.comment ? { comment: e.comment } : {}), text: `${e.key.join(' . ')}${e.comment ? ` comment "${e.comment}"` : ''} : ${verdict}` });
  }
  byFamily.set(family, idx);
  return idx;
}

/** "service-ULMVA6XW-ns1/svc1/tcp/p80" → "ns1/svc1:p80" (kube-proxy's chain naming; cut names give nothing). */
function servicePortFromNftChain(name: string): string | undefined {
  const m = /^(?:service|external|local|firewall)-[A-Z0-9]{8}-([^/]+)\/([^/]+)\/(?:tcp|udp|sctp)\/(.*)$/.exec(name);
  if (!m || m[3].endsWith('...')) return undefined;
  return `${m[1]}/${m[2]}:${m[3]}`;
}

/** Follows kube-proxy's chains from `start` (service-…, external-…) to the endpoint-… dnat rules, into `out`. */
function walkNft(out: ProxyTrace, t: NftTable, start: string) {
  const seen = new Set<string>();
  const chainRules = (name: string): NftRule[] => t.chains.get(name)?.rules ?? [];
  const addEndpoint = (chain: string, probability: number) => {
    if (out.endpoints.some((e) => e.chain === chain)) return;
    for (const r of chainRules(chain)) out.rules.push(`${chain}: ${r.text}`);
    const d = chainRules(chain).find((r) => r.dnat)?.dnat;
    if (d && d.port !== undefined) out.endpoints.push({ ip: d.addr, port: d.port, probability, chain });
  };
  const walk = (name: string, weight: number) => {
    if (seen.has(name)) return;
    seen.add(name);
    out.chains.push(name);
    out.servicePort ??= servicePortFromNftChain(name);
    for (const r of chainRules(name)) {
      const v = r.verdict;
      if (v && 'target' in v && v.target === 'mark-for-masquerade') { out.masquerade = true; out.rules.push(`${name}: ${r.text}`); continue; }
      if (r.vmap?.entries) {
        out.rules.push(`${name}: ${r.text}`);
        const n = r.vmap.entries.length;
        for (const e of r.vmap.entries) if ('target' in e.verdict && e.verdict.target.startsWith('endpoint-')) addEndpoint(e.verdict.target, weight / n);
        continue;
      }
      if (v && 'target' in v) {
        if (v.target.startsWith('endpoint-')) {
          out.rules.push(`${name}: ${r.text}`);
          if (/@affinity-/.test(r.text)) out.affinity = true;
          continue;
        }
        if (/^(service|external|local|firewall)-/.test(v.target)) { out.rules.push(`${name}: ${r.text}`); walk(v.target, weight); }
      }
    }
  };
  walk(start, 1);
}

type MapValue<M> = M extends Map<string, infer V> ? V : never;

/**
 * The common part of an nft trace from one of kube-proxy's maps: its no-endpoints verdict when there is one (`noEp`,
 * chains `rejectChains`), then the map element's chain (`el`, chains `hitChains`) walked to its endpoints.
 */
function traceNftFrom(out: ProxyTrace, t: NftTable, noEp: MapValue<NftIndex['noEndpoints']> | undefined, rejectChains: readonly string[], el: MapValue<NftIndex['serviceIps']> | undefined, hitChains: readonly string[]): ProxyTrace {
  if (noEp) {
    out.found = true;
    out.reject = true;
    out.chains.push(...rejectChains);
    out.rules.push(noEp.text);
    if (noEp.comment) { out.comment = noEp.comment; out.servicePort = servicePortFromComment(noEp.comment); }
  }
  if (!el?.target) return out;
  out.found = true;
  out.chains.push(...hitChains);
  out.rules.push(el.text);
  walkNft(out, t, el.target);
  out.comment ??= out.servicePort;
  return out;
}

function traceNftNodePort(rs: NftRuleset, nodePort: number, protocol: string, nodeIP: string): ProxyTrace {
  const out: ProxyTrace = { ...empty('nftables', nodeIP, nodePort, protocol), nodePort: true };
  const idx = indexNft(rs, nodeIP.includes(':') ? 'ip6' : 'ip');
  if (!idx.table) return out;
  const key = `${protocol.toLowerCase()}|${nodePort}`;
  const noEp = idx.noEndpointNodePorts.get(key);
  // kube-proxy's verdict there is a reject (goto reject-chain) when the Service has no endpoints, and a plain drop for
  // externalTrafficPolicy Local without a local endpoint: that one is deliberate on this node, not "no endpoints"
  const rejects = noEp && noEp.verdict !== 'drop' && !/has no local endpoints/.test(noEp.comment ?? '') ? noEp : undefined;
  return traceNftFrom(out, idx.table, rejects, ['nodeport-endpoints-check', 'no-endpoint-nodeports'], idx.nodePorts.get(key), ['services', 'service-nodeports']);
}

function traceNft(rs: NftRuleset, vip: string, port: number, protocol: string): ProxyTrace {
  const out = empty('nftables', vip, port, protocol);
  const idx = indexNft(rs, vip.includes(':') ? 'ip6' : 'ip');
  if (!idx.table) return out;
  const key = vipKey(vip, protocol, port);
  return traceNftFrom(out, idx.table, idx.noEndpoints.get(key), ['service-endpoints-check', 'no-endpoint-services'], idx.serviceIps.get(key), ['services', 'service-ips']);
}

// ---------------------------------------------------------------- ipvs ----

function traceIpvs(ipvs: IpvsTable, vip: string, port: number, protocol: string): ProxyTrace {
  const out = empty('ipvs', vip, port, protocol);
  const vs = ipvs.services.find((s) => s.protocol === protocol.toUpperCase() && s.address === vip && s.port === port);
  if (!vs) return out;
  out.found = true;
  const head = `${vs.protocol}  ${formatEndpoint(vs.address, vs.port)} ${vs.scheduler}${vs.persistent !== undefined ? ` persistent ${vs.persistent}` : ''}${vs.flags.length ? ` ${vs.flags.join(' ')}` : ''}`;
  out.chains.push(head);
  out.rules.push(head);
  out.affinity = vs.persistent !== undefined;
  const total = vs.realServers.reduce((s, r) => s + r.weight, 0);
  for (const r of vs.realServers) {
    out.rules.push(`  -> ${formatEndpoint(r.address, r.port)} ${r.forward} ${r.weight} ${r.activeConn} ${r.inactiveConn}`);
    out.endpoints.push({ ip: r.address, port: r.port, probability: total > 0 ? r.weight / total : 0, chain: `IPVS ${head}` });
  }
  // kube-proxy keeps a virtual service with no real servers when a Service has no endpoints: connections fail
  out.reject = vs.realServers.length === 0;
  return out;
}

// ---------------------------------------------------------------- comparison ----

export type ProxyComparison =
  | { status: 'ok'; sentence: string }
  | { status: 'missing'; cause: 'proxy-rules-missing'; sentence: string }
  | { status: 'stale'; cause: 'proxy-rules-stale'; sentence: string; extra: string[]; absent: string[] }
  /** internalTrafficPolicy Local and no endpoint on this node: kube-proxy drops on purpose (DESIGN §4). */
  | { status: 'no-local'; cause: 'no-local-endpoint'; sentence: string };

const MODE_WHERE: Record<ProxyMode, string> = {
  iptables: 'iptables-save (nat KUBE-SERVICES)',
  nftables: 'nft table ip kube-proxy (map service-ips)',
  ipvs: 'ipvsadm -Ln',
};
const NODEPORT_WHERE: Record<ProxyMode, string> = {
  iptables: 'iptables-save (nat KUBE-NODEPORTS)',
  nftables: 'nft table ip kube-proxy (map service-nodeports)',
  ipvs: 'ipvsadm -Ln',
};

function dnatWhere(trace: ProxyTrace, e: TraceEndpoint): string {
  if (trace.mode === 'iptables') return `the ${e.chain} rule DNATs to`;
  if (trace.mode === 'nftables') return `the ${e.chain} chain DNATs to`;
  return `the IPVS service ${formatEndpoint(trace.vip, trace.port)} forwards to`;
}

/**
 * Compares what kube-proxy does for the VIP with the Service's ready endpoints ("ip:port" list).
 * `servingTerminating`: when no endpoint is ready, kube-proxy (1.26+) sends traffic to terminating
 * endpoints that still serve; pass them (ServicePortEndpoints.servingTerminating) so that is not "stale".
 */
export function compareWithEndpoints(
  trace: ProxyTrace,
  readyEndpoints: readonly string[],
  servingTerminating: readonly string[] = [],
  /** kube-proxy's own choice on this node (lib/kube kubeProxyView): pass `expected` as readyEndpoints */
  view?: { noLocal: boolean; note: string; node?: string },
): ProxyComparison {
  const what = trace.nodePort ? `NodePort ${trace.protocol} ${trace.port}${trace.vip && trace.vip !== '0.0.0.0' ? ` (${formatEndpoint(trace.vip, trace.port)})` : ''}` : `${trace.protocol} ${formatEndpoint(trace.vip, trace.port)}`;
  const name0 = trace.servicePort ? ` (${trace.servicePort})` : '';
  if (view?.noLocal) {
    // kube-proxy's rule for this case: filter KUBE-SERVICES "<svc> has no local endpoints" -j DROP (or the
    // nft no-endpoint-services verdict), no DNAT. Tracing that as stale would blame kube-proxy for a deliberate drop.
    // (A DNAT path may exist beside the drop for traffic the drop does not match; the drop is what applies here.)
    const drops = trace.reject || /has no local endpoints/.test(trace.comment ?? '');
    if (drops || trace.endpoints.length === 0) {
      return { status: 'no-local', cause: 'no-local-endpoint', sentence: `the Service${name0} has internalTrafficPolicy Local and no ready endpoint on ${view.node ?? 'this node'}, so kube-proxy drops ${what} there on purpose${trace.rules.length ? '' : ' (no rule for it)'}.` };
    }
  }
  const fallback = readyEndpoints.length === 0 && servingTerminating.length > 0;
  const ready = [...new Set(fallback ? servingTerminating : readyEndpoints)].sort(compareEndpoints);
  if (!trace.found) {
    return { status: 'missing', cause: 'proxy-rules-missing', sentence: `kube-proxy has no rule for ${what} in ${(trace.nodePort ? NODEPORT_WHERE : MODE_WHERE)[trace.mode]}${ready.length ? `; the EndpointSlice lists ${ready.join(', ')}` : ''}.` };
  }
  const targets = trace.endpoints.map((e) => formatEndpoint(e.ip, e.port));
  const extraEps = trace.endpoints.filter((e) => !ready.includes(formatEndpoint(e.ip, e.port)));
  const extra = extraEps.map((e) => formatEndpoint(e.ip, e.port)).sort(compareEndpoints);
  const absent = ready.filter((r) => !targets.includes(r));
  const name = trace.servicePort ? ` (${trace.servicePort})` : '';
  if (ready.length === 0 && targets.length === 0) {
    return { status: 'ok', sentence: `kube-proxy ${trace.reject ? 'rejects' : 'has no endpoints for'} ${what}${name}: the Service has no ready endpoints, as its EndpointSlice says.` };
  }
  if (extra.length === 0 && absent.length === 0) {
    const share = trace.endpoints.map((e) => `${formatEndpoint(e.ip, e.port)} (${Math.round(e.probability * 1000) / 10}%)`).join(', ');
    return { status: 'ok', sentence: `kube-proxy sends ${what}${name} to ${share}, the Service's ${fallback ? 'terminating but still serving endpoints (none is ready)' : 'ready endpoints'}${view?.note ? ` (${view.note})` : ''}.` };
  }
  const says = ready.length ? `EndpointSlice says ${ready.join(', ')}` : 'EndpointSlice lists no ready endpoint';
  const parts: string[] = [];
  if (targets.length === 0 && trace.reject) parts.push(`kube-proxy still rejects ${what} as having no endpoints`);
  for (const e of extraEps) parts.push(`${dnatWhere(trace, e)} ${formatEndpoint(e.ip, e.port)}`);
  if (absent.length && extra.length === 0 && !(targets.length === 0 && trace.reject)) parts.push(`kube-proxy has no rule DNATing to ${absent.join(', ')}`);
  return { status: 'stale', cause: 'proxy-rules-stale', sentence: `${says}, ${parts.join('; ')}.`, extra, absent };
}

/** Parses a node's dump for the given mode into the ProxyDump the trace reads. */
export function parseProxyDump(mode: ProxyMode, text: string): Result<ProxyDump, ParseError> {
  if (mode === 'iptables') { const r = parseIptablesSave(text); return r.ok ? ok({ mode, save: r.value }) : r; }
  if (mode === 'nftables') { const r = parseNft(text); return r.ok ? ok({ mode, ruleset: r.value }) : r; }
  const r = parseIpvsadm(text);
  return r.ok ? ok({ mode, ipvs: r.value }) : r;
}

/**
 * A comparison's sentence as one hop observation on `node`, naming kube-proxy once: "kube-proxy (iptables) on
 * worker-1 sends TCP … to …" when the sentence is about kube-proxy, else "iptables rules on worker-1: EndpointSlice
 * says …". Without a closing full stop (it is joined with the hop's other observations).
 */
export function proxyObservation(mode: ProxyMode, node: string, sentence: string): string {
  const s = endClause(sentence);
  if (s.startsWith('kube-proxy ')) return `kube-proxy (${mode}) on ${node} ${s.slice('kube-proxy '.length)}`;
  return `${mode === 'ipvs' ? 'the IPVS table' : `${mode} rules`} on ${node}: ${s}`;
}
