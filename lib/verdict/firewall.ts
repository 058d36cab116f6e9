// A node's filter rules read in order and by owner: which rule decides one flow (protocol, port,
// source, destination) at one hook (input: tunnel packets to the node; forward: pod traffic through it).
// Read from iptables-save (legacy or iptables-nft) and from `nft list ruleset` (native tables and the
// tables iptables-nft writes, `table ip filter` with chains named like iptables'); each source is walked
// from its built-in/base chains, jumps followed, the FIRST rule that names this flow's port and ends in a
// verdict decides (so Felix's "allow VXLAN from known hosts" before "drop VXLAN from other hosts" allows).
// Rules that do not name the port (conntrack state, marks, catch-alls) decide nothing here: a finding
// needs a rule about this flow. Sources of the shapes: Felix's cali-INPUT VXLAN rules (projectcalico/
// calico#6752, felix/rules/static.go), kube-proxy's "has no endpoints" REJECTs in KUBE-SERVICES/
// KUBE-EXTERNAL-SERVICES of the filter table (pkg/proxy/iptables/proxier.go).
import type { IptablesChain, IptablesSave } from '../parse/iptablesSave';
import type { NftChain, NftRuleset, NftTable } from '../parse/nft';
import { cidrContains, parseCidr } from '../kube/cidr';

/** Who wrote a rule, from its chain/table name. Only `node` rules are the node's own firewall. */
export type RuleOwner = 'kube-proxy' | 'calico' | 'cilium' | 'policy' | 'flannel' | 'node';

export interface FlowQuery {
  hook: 'input' | 'forward';
  proto: 'tcp' | 'udp';
  port: number;
  /** addresses of the flow, when known: a rule constrained to other addresses does not apply */
  src?: string;
  dst?: string;
}

export interface DecidingRule {
  decision: 'accept' | 'drop' | 'reject';
  owner: RuleOwner;
  /** where it sits: "iptables filter cali-INPUT" | "nft ip filter FORWARD" */
  where: string;
  text: string;
  /** rules about this port that came before it and let it through (e.g. Felix's allow), for the sentence */
  before: string[];
}

/** The owner of a chain (or of its nft table). */
export function ruleOwner(chain: string, table = ''): RuleOwner {
  if (/^(KUBE-(SERVICES|EXTERNAL-SERVICES|FORWARD|NODEPORTS|PROXY-FIREWALL|FIREWALL|SVC-|SEP-|EXT-|FW-|MARK-|POSTROUTING|PROXY-CANARY|KUBELET-CANARY)|KUBE-)/.test(chain) && !/^KUBE-(NWPLCY|POD-FW)/.test(chain)) return 'kube-proxy';
  if (table === 'kube-proxy') return 'kube-proxy';
  if (/^cali-/.test(chain)) return 'calico';
  if (/^(CILIUM_|cilium)/.test(chain) || table === 'cilium') return 'cilium';
  if (/^FLANNEL-/.test(chain)) return 'flannel';
  if (/^(PACKETWALK-(ING|EGR|FORWARD)|KUBE-NWPLCY|KUBE-POD-FW|ANTREA)/i.test(chain) || /kube-network-policies|antrea/.test(table)) return 'policy';
  return 'node';
}

function addrMatches(constraint: string, ip: string | undefined): boolean | undefined {
  if (!ip) return undefined;
  const c = parseCidr(constraint.includes('/') ? constraint : `${constraint}/32`);
  return c ? cidrContains(c, ip) : undefined;
}

/** `80`, `80,443`, `30000:32767`, `{ 80, 443 }`, `30000-32767`: does it name port? */
function portListHas(list: string, port: number): boolean {
  return list.replace(/[{}\s]/g, '').split(',').filter(Boolean).some((p) => {
    const m = /^(\d+)(?:[:-](\d+))?$/.exec(p);
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    return port >= lo && port <= hi;
  });
}

// ---------------------------------------------------------------- iptables-save ----

const TERMINAL: Record<string, DecidingRule['decision']> = { ACCEPT: 'accept', DROP: 'drop', REJECT: 'reject' };

function iptRuleFor(args: string[], q: FlowQuery): { applies: boolean; namesPort: boolean } {
  let namesPort = false;
  let neg = false;
  let applies = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '!') { neg = true; continue; }
    const v = args[i + 1] ?? '';
    if (a === '-p' || a === '--protocol') {
      const same = v.toLowerCase() === q.proto || v === (q.proto === 'tcp' ? '6' : '17');
      if (same === neg) applies = false;
    } else if (a === '--dport' || a === '--dports' || a === '--destination-port' || a === '--destination-ports') {
      const has = portListHas(v, q.port);
      if (has === neg) applies = false;
      else if (!neg) namesPort = true;
    } else if (a === '-s' || a === '--source' || a === '-d' || a === '--destination') {
      const m = addrMatches(v, a === '-s' || a === '--source' ? q.src : q.dst);
      if (m !== undefined && m === neg) applies = false;
    }
    if (a !== '!') neg = false;
  }
  return { applies, namesPort };
}

function walkIpt(chains: Map<string, IptablesChain>, name: string, q: FlowQuery, seen: Set<string>, before: string[]): DecidingRule | undefined {
  const chain = chains.get(name);
  if (!chain || seen.has(name)) return undefined;
  seen.add(name);
  for (const r of chain.rules) {
    const { applies, namesPort } = iptRuleFor(r.args, q);
    if (!applies || !r.target) continue;
    const text = `-A ${name} ${r.text ?? r.args.join(' ')}`;
    const decision = TERMINAL[r.target];
    if (decision) {
      if (!namesPort) continue;
      if (decision === 'accept') before.push(text);
      return { decision, owner: ruleOwner(name), where: `iptables filter ${name}`, text, before };
    }
    if (r.target === 'RETURN') {
      if (namesPort) return undefined;
      continue;
    }
    if (chains.has(r.target)) {
      const d = walkIpt(chains, r.target, q, seen, before);
      if (d) return d;
      if (r.goto) return undefined;
    }
  }
  return undefined;
}

/** The first rule of iptables-save's filter table that decides the flow at the hook; undefined when none names it. */
export function decideIptables(save: IptablesSave | undefined, q: FlowQuery): DecidingRule | undefined {
  const filter = save?.tables.find((t) => t.name === 'filter');
  if (!filter) return undefined;
  return walkIpt(filter.chains, q.hook === 'input' ? 'INPUT' : 'FORWARD', q, new Set(), []);
}

// ---------------------------------------------------------------- nft ----

function nftRuleFor(text: string, q: FlowQuery): { applies: boolean; namesPort: boolean } {
  let applies = true;
  let namesPort = false;
  const proto = /(?:meta l4proto|ip protocol)\s+(!=\s*)?(\{[^}]*\}|\S+)/.exec(text);
  if (proto) {
    const has = proto[2].replace(/[{}\s]/g, '').split(',').includes(q.proto);
    if (has === !!proto[1]) applies = false;
  }
  for (const m of text.matchAll(/\b(tcp|udp|th)\s+dport\s+(!=\s*)?(\{[^}]*\}|\S+)/g)) {
    if (m[1] !== 'th' && m[1] !== q.proto) { applies = false; continue; }
    const has = portListHas(m[3], q.port);
    if (has === !!m[2]) applies = false;
    else if (!m[2]) namesPort = true;
  }
  for (const m of text.matchAll(/\bip\s+(saddr|daddr)\s+(!=\s*)?(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)/g)) {
    const ok = addrMatches(m[3], m[1] === 'saddr' ? q.src : q.dst);
    if (ok !== undefined && ok === !!m[2]) applies = false;
  }
  return { applies, namesPort };
}

function walkNft(table: NftTable, chain: NftChain, q: FlowQuery, seen: Set<string>, before: string[]): DecidingRule | undefined {
  if (seen.has(chain.name)) return undefined;
  seen.add(chain.name);
  for (const r of chain.rules) {
    const { applies, namesPort } = nftRuleFor(r.text, q);
    if (!applies || !r.verdict) continue;
    const v = r.verdict;
    const where = `nft ${table.family} ${table.name} ${chain.name}`;
    if (v.kind === 'accept' || v.kind === 'drop' || v.kind === 'reject') {
      if (!namesPort) continue;
      if (v.kind === 'accept') before.push(r.text);
      return { decision: v.kind, owner: ruleOwner(chain.name, table.name), where, text: r.text, before };
    }
    if (v.kind === 'return') {
      if (namesPort) return undefined;
      continue;
    }
    if (v.kind === 'jump' || v.kind === 'goto') {
      const next = table.chains.get(v.target);
      if (!next) continue;
      const d = walkNft(table, next, q, seen, before);
      if (d) return d;
      if (v.kind === 'goto') return undefined;
    }
  }
  return undefined;
}

/**
 * Every nft base chain at the hook decides on its own (an accept in one table does not stop another's
 * drop): the deciding rule of each table whose base chains name the flow. A drop anywhere drops.
 */
export function decideNft(rs: NftRuleset | undefined, q: FlowQuery): DecidingRule[] {
  const out: DecidingRule[] = [];
  for (const t of rs?.tables ?? []) {
    if (t.family !== 'ip' && t.family !== 'inet') continue;
    for (const c of t.chains.values()) {
      if (c.hook !== q.hook || (c.type && c.type !== 'filter')) continue;
      const d = walkNft(t, c, q, new Set(), []);
      if (d) out.push(d);
    }
  }
  return out;
}

/** The rule that drops the flow, if any source says so: first iptables' deciding rule, else any nft table's drop. */
export function droppingRule(save: IptablesSave | undefined, rs: NftRuleset | undefined, q: FlowQuery): { drop?: DecidingRule; allowedBy: DecidingRule[] } {
  const all = [decideIptables(save, q), ...decideNft(rs, q)].filter((d): d is DecidingRule => !!d);
  return { drop: all.find((d) => d.decision !== 'accept'), allowedBy: all.filter((d) => d.decision === 'accept') };
}
