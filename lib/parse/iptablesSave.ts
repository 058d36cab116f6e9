// `iptables-save` output (and the iptables-restore input kube-proxy writes, which has the same grammar):
// `*table`, `:CHAIN POLICY [pkts:bytes]`, `-A CHAIN <rule>`, `-X CHAIN`, `COMMIT`, `# comments`.
// Rules become argv-like tokens (double-quoted comments unquoted) plus the fields a trace needs.
import { err, ok, type ParseError, type Result } from '../result';

export interface IptablesRule {
  /** 1-based line in the input. */
  line: number;
  /** The rule as written after `-A CHAIN ` (quotes kept), when parsed from text. */
  text?: string;
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

/**
 * A chain whose rules are kept as text until someone reads `rules` (then LazyRule objects, themselves
 * tokenized on first use). Large dumps allocate one string per rule and nothing else while parsing.
 */
class SavedChain implements IptablesChain {
  // one text + line per rule until `rules` is read; null until the first rule (most chains are declared once)
  private texts: string[] | null = null;
  private lines: number[] | null = null;
  private made: IptablesRule[] | null = null;
  constructor(readonly name: string, public policy: string | null) {}
  get rules(): IptablesRule[] {
    if (!this.made) {
      const texts = this.texts ?? [];
      const lines = this.lines ?? [];
      const made: IptablesRule[] = new Array(texts.length);
      for (let i = 0; i < texts.length; i++) made[i] = new LazyRule(lines[i], texts[i]);
      this.made = made;
      this.texts = null;
      this.lines = null;
    }
    return this.made;
  }
  set rules(v: IptablesRule[]) {
    this.made = v;
    this.texts = null;
    this.lines = null;
  }
  add(text: string, line: number, front: boolean): void {
    if (this.made) {
      const r = new LazyRule(line, text);
      if (front) this.made.unshift(r);
      else this.made.push(r);
      return;
    }
    if (!this.texts || !this.lines) { this.texts = [text]; this.lines = [line]; return; }
    if (front) { this.texts.unshift(text); this.lines.unshift(line); }
    else { this.texts.push(text); this.lines.push(line); }
  }
  toJSON(): IptablesChain {
    return { name: this.name, policy: this.policy, rules: this.rules };
  }
}

const COUNTERS = /^\[\d+:\d+\]\s*$/;

/** Parses iptables-save output. Empty input is a valid dump with no tables (a node without iptables rules). */
export function parseIptablesSave(text: string): Result<IptablesSave, ParseError> {
  const tables: IptablesTable[] = [];
  let cur: IptablesTable | null = null;
  let lastChain: SavedChain | null = null;
  let lineNo = 0;
  let start = 0;
  const n = text.length;
  const chainOf = (t: IptablesTable, name: string): SavedChain => {
    let ch = t.chains.get(name) as SavedChain | undefined;
    if (!ch) { ch = new SavedChain(name, null); t.chains.set(name, ch); }
    return ch;
  };
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    lineNo++;
    const lineStart = start;
    let lineEnd = end;
    start = end + 1;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13 /* \r */) lineEnd--;
    if (lineEnd === lineStart) continue;
    const c0 = text.charCodeAt(lineStart);
    if (c0 === 35 /* # */) continue;
    // the hot path: `-A CHAIN rule…` (or -I), most lines of a dump
    if (c0 === 45 /* - */ && (text.charCodeAt(lineStart + 1) === 65 /* A */ || text.charCodeAt(lineStart + 1) === 73 /* I */) && text.charCodeAt(lineStart + 2) === 32) {
      if (!cur) return err({ tool: TOOL, line: lineNo, expected: 'a *table line (a rule outside a table)', got: text.slice(lineStart, lineEnd) });
      const nameStart = lineStart + 3;
      let chain: SavedChain;
      let sp: number;
      // rules of one chain are contiguous in iptables-save output: try the last chain without slicing its name
      if (lastChain && text.startsWith(lastChain.name, nameStart) && (nameStart + lastChain.name.length === lineEnd || text.charCodeAt(nameStart + lastChain.name.length) === 32)) {
        chain = lastChain;
        sp = nameStart + lastChain.name.length;
      } else {
        sp = text.indexOf(' ', nameStart);
        if (sp < 0 || sp > lineEnd) sp = lineEnd;
        if (sp === nameStart) return err({ tool: TOOL, line: lineNo, expected: 'a chain name after -A', got: text.slice(lineStart, lineEnd) });
        chain = chainOf(cur, text.slice(nameStart, sp));
        lastChain = chain;
      }
      const rest = sp < lineEnd ? text.slice(sp + 1, lineEnd) : '';
      if (!quotesBalanced(rest, 0)) return err({ tool: TOOL, line: lineNo, expected: 'a rule with balanced quotes (the line looks cut short)', got: text.slice(lineStart, lineEnd) });
      chain.add(rest, lineNo, text.charCodeAt(lineStart + 1) === 73);
      continue;
    }
    const line = text.slice(lineStart, lineEnd);
    if (c0 === 58 /* : */) {
      if (!cur) return err({ tool: TOOL, line: lineNo, expected: 'a *table line (a chain outside a table)', got: line });
      const sp1 = line.indexOf(' ');
      const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
      const name = sp1 < 0 ? '' : line.slice(1, sp1);
      const policy = sp1 < 0 ? '' : line.slice(sp1 + 1, sp2 < 0 ? line.length : sp2);
      if (!name || !policy || (sp2 >= 0 && !COUNTERS.test(line.slice(sp2 + 1)))) return err({ tool: TOOL, line: lineNo, expected: ':CHAIN POLICY [packets:bytes]', got: line });
      const ch = chainOf(cur, name);
      ch.policy = policy === '-' ? null : policy;
    } else if (c0 === 42 /* * */) {
      if (cur) return err({ tool: TOOL, line: lineNo, expected: `COMMIT before the next table (table ${cur.name} is open)`, got: line });
      cur = { name: line.slice(1).trim(), chains: new Map(), deleted: [] };
      lastChain = null;
      if (!cur.name) return err({ tool: TOOL, line: lineNo, expected: 'a table name after *', got: line });
    } else if (line.trimEnd() === 'COMMIT') {
      if (!cur) return err({ tool: TOOL, line: lineNo, expected: 'a *table line before COMMIT', got: line });
      tables.push(cur);
      cur = null;
      lastChain = null;
    } else if (!cur) {
      return err({ tool: TOOL, line: lineNo, expected: 'a *table line (a rule outside a table)', got: line });
    } else if (line.startsWith('-X ') || line.startsWith('-N ') || line.startsWith('-F ')) {
      const name = line.slice(3).trim();
      if (line.startsWith('-X ')) { cur.deleted.push(name); cur.chains.delete(name); lastChain = null; }
      else if (line.startsWith('-N ')) chainOf(cur, name);
      else { const ch = cur.chains.get(name); if (ch) ch.rules = []; }
    } else {
      return err({ tool: TOOL, line: lineNo, expected: 'a *table, :CHAIN, -A rule, -X or COMMIT line', got: line });
    }
  }
  if (cur) return err({ tool: TOOL, line: lineNo, expected: `COMMIT at the end of table ${cur.name} (the dump looks truncated)` });
  return ok({ tables });
}

export function findTable(save: IptablesSave, name: string): IptablesTable | undefined {
  return save.tables.find((t) => t.name === name);
}
