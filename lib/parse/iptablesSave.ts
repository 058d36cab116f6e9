// `iptables-save` output (and the iptables-restore input kube-proxy writes, which has the same grammar):
// `*table`, `:CHAIN POLICY [pkts:bytes]`, `-A CHAIN <rule>`, `-X CHAIN`, `COMMIT`, `# comments`.
// Rules become argv-like tokens (double-quoted comments unquoted) plus the fields a trace needs.
import { err, ok, type ParseError, type Result } from '../result';

export interface IptablesRule {
  /** 1-based line in the input. */
  line: number;
  /** Tokens after `-A CHAIN`, quotes removed. */
  args: string[];
  /** `-m` modules in order (comment, tcp, statistic, recent, …). */
  modules: string[];
  protocol?: string;
  /** Source/destination as written, `/32` removed; `negated` for `! -s`. */
  source?: { addr: string; negated: boolean };
  destination?: { addr: string; negated: boolean };
  dport?: string;
  comment?: string;
  /** `-j` target (or `-g` goto); undefined for a rule without one (a counting rule). */
  target?: string;
  goto?: boolean;
  /** Tokens after the target (e.g. `--to-destination 10.0.0.1:80`). */
  targetArgs: string[];
  /** `-m statistic --probability p`. */
  probability?: number;
  /** `--to-destination` of a DNAT target. */
  toDestination?: string;
  /** `-m recent --rcheck` (session affinity lookup) rather than a balancing rule. */
  affinityCheck?: boolean;
}

export interface IptablesChain {
  name: string;
  /** ACCEPT/DROP for built-in chains, null for user chains (`-`). */
  policy: string | null;
  rules: IptablesRule[];
}

export interface IptablesTable {
  name: string;
  chains: Map<string, IptablesChain>;
  /** Chains deleted by `-X` (kube-proxy restore input only). */
  deleted: string[];
}

export interface IptablesSave {
  tables: IptablesTable[];
}

const TOOL = 'iptables-save';

/** Splits a rule line like a shell would for iptables-save output: spaces separate, "…" quotes (\" escapes). */
export function tokenizeRule(s: string): string[] | null {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c === 32 || c === 9) { i++; continue; }
    let tok = '';
    while (i < n) {
      c = s.charCodeAt(i);
      if (c === 32 || c === 9) break;
      if (c === 34) { // "
        let j = i + 1;
        let piece = '';
        for (;;) {
          const q = s.indexOf('"', j);
          if (q < 0) return null; // unterminated quote
          const bs = s.indexOf('\\', j);
          if (bs >= 0 && bs < q) { piece += s.slice(j, bs) + s.charAt(bs + 1); j = bs + 2; continue; }
          piece += s.slice(j, q);
          j = q + 1;
          break;
        }
        tok += piece;
        i = j;
        continue;
      }
      const sp = nextSpecial(s, i);
      tok += s.slice(i, sp);
      i = sp;
    }
    out.push(tok);
  }
  return out;
}

function nextSpecial(s: string, from: number): number {
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 32 || c === 9 || c === 34) return k;
  }
  return s.length;
}

const stripHost = (a: string) => (a.endsWith('/32') ? a.slice(0, -3) : a.endsWith('/128') ? a.slice(0, -4) : a);

function buildRule(args: string[], line: number): IptablesRule {
  const r: IptablesRule = { line, args, modules: [], targetArgs: [] };
  fillRule(r, args);
  return r;
}

function fillRule(r: IptablesRule, args: string[]): void {
  let neg = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '!') { neg = true; continue; }
    const v = args[i + 1];
    switch (a) {
      case '-m': case '--match': r.modules.push(v); i++; break;
      case '-p': case '--protocol': r.protocol = v; i++; break;
      case '-s': case '--source': r.source = { addr: stripHost(v), negated: neg }; i++; break;
      case '-d': case '--destination': r.destination = { addr: stripHost(v), negated: neg }; i++; break;
      case '--dport': case '--destination-port': r.dport = v; i++; break;
      case '--comment': r.comment = v; i++; break;
      case '--probability': r.probability = Number(v); i++; break;
      case '--rcheck': r.affinityCheck = true; break;
      case '-j': case '--jump': case '-g': case '--goto':
        r.target = v;
        if (a === '-g' || a === '--goto') r.goto = true;
        r.targetArgs = args.slice(i + 2);
        for (let k = 0; k < r.targetArgs.length; k++) if (r.targetArgs[k] === '--to-destination') r.toDestination = r.targetArgs[k + 1];
        i = args.length;
        break;
      default:
        if (a.startsWith('-') && v !== undefined && !v.startsWith('-')) i++; // an option we do not model, with its value
    }
    neg = false;
  }
}

/**
 * A rule whose tokens are read on first use. A node with 20k Services has ~200k rules and a trace reads a
 * few dozen of them, so parsing only splits lines and checks quoting; the fields fill in when asked for.
 * Own enumerable fields appear once read (JSON of an unread rule shows `line` and `text`).
 */
class LazyRule implements IptablesRule {
  private done: IptablesRule | null = null;
  constructor(readonly line: number, readonly text: string) {}
  private get r(): IptablesRule {
    if (!this.done) this.done = buildRule(tokenizeRule(this.text) ?? [], this.line);
    return this.done;
  }
  get args() { return this.r.args; }
  get modules() { return this.r.modules; }
  get protocol() { return this.r.protocol; }
  get source() { return this.r.source; }
  get destination() { return this.r.destination; }
  get dport() { return this.r.dport; }
  get comment() { return this.r.comment; }
  get target() { return this.r.target; }
  get goto() { return this.r.goto; }
  get targetArgs() { return this.r.targetArgs; }
  get probability() { return this.r.probability; }
  get toDestination() { return this.r.toDestination; }
  get affinityCheck() { return this.r.affinityCheck; }
  toJSON(): IptablesRule { return this.r; }
}

/** Quotes balance (a \" inside a quoted string does not count): the check the lazy tokenizer relies on. */
function quotesBalanced(s: string, from: number): boolean {
  let q = s.indexOf('"', from);
  if (q < 0) return true;
  if (s.indexOf('\\', from) >= 0) return tokenizeRule(s.slice(from)) !== null;
  let n = 0;
  while (q >= 0) { n++; q = s.indexOf('"', q + 1); }
  return n % 2 === 0;
}

/** Parses iptables-save output. Empty input is a valid dump with no tables (a node without iptables rules). */
export function parseIptablesSave(text: string): Result<IptablesSave, ParseError> {
  const tables: IptablesTable[] = [];
  let cur: IptablesTable | null = null;
  let lastChain: IptablesChain | null = null;
  let lineNo = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) { if (end === n) break; continue; }
    const c0 = line.charAt(0);
    if (c0 === '*') {
      if (cur) return err({ tool: TOOL, line: lineNo, expected: `COMMIT before the next table (table ${cur.name} is open)`, got: line });
      cur = { name: line.slice(1).trim(), chains: new Map(), deleted: [] };
      lastChain = null;
      if (!cur.name) return err({ tool: TOOL, line: lineNo, expected: 'a table name after *', got: line });
    } else if (line === 'COMMIT') {
      if (!cur) return err({ tool: TOOL, line: lineNo, expected: 'a *table line before COMMIT', got: line });
      tables.push(cur);
      cur = null;
    } else if (!cur) {
      return err({ tool: TOOL, line: lineNo, expected: 'a *table line (a rule outside a table)', got: line });
    } else if (c0 === ':') {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?\s*$/.exec(line);
      if (!m) return err({ tool: TOOL, line: lineNo, expected: ':CHAIN POLICY [packets:bytes]', got: line });
      const existing = cur.chains.get(m[1]);
      if (existing) existing.policy = m[2] === '-' ? null : m[2];
      else cur.chains.set(m[1], { name: m[1], policy: m[2] === '-' ? null : m[2], rules: [] });
    } else if (line.startsWith('-A ') || line.startsWith('-I ')) {
      const sp = line.indexOf(' ', 3);
      const chainName = sp < 0 ? line.slice(3) : line.slice(3, sp);
      if (!chainName) return err({ tool: TOOL, line: lineNo, expected: 'a chain name after -A', got: line });
      const rest = sp < 0 ? '' : line.slice(sp + 1);
      if (!quotesBalanced(rest, 0)) return err({ tool: TOOL, line: lineNo, expected: 'a rule with balanced quotes (the line looks cut short)', got: line });
      // rules of one chain are contiguous in iptables-save output: remember the last chain
      let chain: IptablesChain | undefined = lastChain && lastChain.name === chainName ? lastChain : cur.chains.get(chainName);
      if (!chain) { chain = { name: chainName, policy: null, rules: [] }; cur.chains.set(chainName, chain); }
      lastChain = chain;
      const rule = new LazyRule(lineNo, rest);
      if (line.charCodeAt(1) === 73 /* I */) chain.rules.unshift(rule);
      else chain.rules.push(rule);
    } else if (line.startsWith('-X ') || line.startsWith('-N ') || line.startsWith('-F ')) {
      const name = line.slice(3).trim();
      if (line.startsWith('-X ')) { cur.deleted.push(name); cur.chains.delete(name); lastChain = null; }
      else if (line.startsWith('-N ') && !cur.chains.has(name)) cur.chains.set(name, { name, policy: null, rules: [] });
      else if (line.startsWith('-F ')) { const ch = cur.chains.get(name); if (ch) ch.rules = []; }
    } else {
      return err({ tool: TOOL, line: lineNo, expected: 'a *table, :CHAIN, -A rule, -X or COMMIT line', got: line });
    }
    if (end === n) break;
  }
  if (cur) return err({ tool: TOOL, line: lineNo, expected: `COMMIT at the end of table ${cur.name} (the dump looks truncated)` });
  return ok({ tables });
}

export function findTable(save: IptablesSave, name: string): IptablesTable | undefined {
  return save.tables.find((t) => t.name === name);
}
