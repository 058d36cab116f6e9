// nftables rulesets, from `nft -j list ruleset|table …` (JSON, schema 1) or the text of `nft list …`,
// into one model: tables with sets/maps (elements keyed by their concatenated parts) and chains whose
// rules keep a readable text plus the parts a kube-proxy trace reads (verdict, vmap, dnat, masquerade).
import { err, ok, type ParseError, type Result } from '../result';

export type NftVerdict =
  | { kind: 'jump' | 'goto'; target: string }
  | { kind: 'accept' | 'drop' | 'return' | 'continue' | 'reject' };

export interface NftElement {
  /** Parts of the key: `172.30.0.41 . tcp . 80` → ["172.30.0.41", "tcp", "80"]. */
  key: string[];
  comment?: string;
  verdict?: NftVerdict;
}

export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  type: string;
  comment?: string;
  elements: NftElement[];
}

export interface NftRule {
  text: string;
  comment?: string;
  /** The rule's final verdict statement (jump/goto/drop/…), when it has one. */
  verdict?: NftVerdict;
  /** A verdict map lookup: on a named map (`@service-ips`) or inline entries (`numgen … vmap { 0 : goto … }`). */
  vmap?: { key: string; map?: string; entries?: { key: string; verdict: NftVerdict }[] };
  dnat?: { addr: string; port?: number };
  masquerade?: boolean;
}

export interface NftChain {
  name: string;
  type?: string;
  hook?: string;
  priority?: string;
  policy?: string;
  rules: NftRule[];
}

export interface NftTable {
  family: string;
  name: string;
  comment?: string;
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
}

export interface NftRuleset {
  tables: NftTable[];
}

const TOOL = 'nft';

export function findNftTable(rs: NftRuleset, family: string, name: string): NftTable | undefined {
  return rs.tables.find((t) => t.family === family && t.name === name);
}

/** Any of the three forms: JSON (`nft -j list …`), an `nft -f` transaction of `add …` lines (what
 *  kube-proxy writes), or the `nft list …` text. */
export function parseNft(text: string): Result<NftRuleset, ParseError> {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#')) ?? '';
  if (first.startsWith('{')) return parseNftJson(text);
  if (/^(add|flush|delete|destroy|create|insert|replace)\s/.test(first)) return parseNftTransaction(text);
  return parseNftText(text);
}

// ---------------------------------------------------------------- JSON ----

type J = unknown;
const isObj = (x: J): x is Record<string, J> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** An nft JSON expression as nft would print it. Unknown shapes fall back to their JSON. */
export function nftExprText(e: J): string {
  if (typeof e === 'string') return e;
  if (typeof e === 'number' || typeof e === 'boolean') return String(e);
  if (Array.isArray(e)) return e.map(nftExprText).join(', ');
  if (!isObj(e)) return 'null';
  const [k] = Object.keys(e);
  const v = e[k];
  switch (k) {
    case 'payload': { const p = v as { protocol?: string; field?: string; base?: string; offset?: number; len?: number }; return p.protocol ? `${p.protocol} ${p.field}` : `@${p.base},${p.offset},${p.len}`; }
    case 'meta': return `meta ${(v as { key: string }).key}`;
    case 'ct': { const c = v as { key: string; dir?: string }; return `ct ${c.dir ? `${c.dir} ` : ''}${c.key}`; }
    case 'concat': return (v as J[]).map(nftExprText).join(' . ');
    case 'prefix': { const p = v as { addr: J; len: number }; return `${nftExprText(p.addr)}/${p.len}`; }
    case 'range': { const r = v as J[]; return `${nftExprText(r[0])}-${nftExprText(r[1])}`; }
    case 'set': return `{ ${(Array.isArray(v) ? v : [v]).map((x) => (Array.isArray(x) ? `${nftExprText(x[0])} : ${verdictText(verdictOf(x[1]))}` : nftExprText(x))).join(', ')} }`;
    case 'numgen': { const g = v as { mode: string; mod: number; offset?: number }; return `numgen ${g.mode} mod ${g.mod}${g.offset ? ` offset ${g.offset}` : ''}`; }
    case 'fib': { const f = v as { result: string; flags?: string[] }; return `fib ${(f.flags ?? []).join(' . ')} ${f.result}`; }
    case '&': case '|': case '^': case '<<': case '>>': return (v as J[]).map(nftExprText).join(` ${k} `);
    case 'elem': return nftExprText((v as { val: J }).val);
    default: return JSON.stringify(e);
  }
}

function verdictOf(x: J): NftVerdict | undefined {
  if (!isObj(x)) return undefined;
  for (const k of ['jump', 'goto'] as const) if (isObj(x[k])) return { kind: k, target: String((x[k] as { target: string }).target) };
  for (const k of ['accept', 'drop', 'return', 'continue', 'reject'] as const) if (k in x) return { kind: k };
  return undefined;
}

export function verdictText(v: NftVerdict | undefined): string {
  if (!v) return '?';
  return 'target' in v ? `${v.kind} ${v.target}` : v.kind;
}

function keyParts(k: J): string[] {
  if (isObj(k) && 'concat' in k) return (k.concat as J[]).map(nftExprText);
  return [nftExprText(k)];
}

function elementOf(raw: J, isMap: boolean): NftElement {
  let keyRaw: J = raw;
  let valRaw: J;
  if (isMap && Array.isArray(raw)) { keyRaw = raw[0]; valRaw = raw[1]; }
  let comment: string | undefined;
  if (isObj(keyRaw) && isObj(keyRaw.elem)) {
    const el = keyRaw.elem as { val: J; comment?: string };
    comment = el.comment;
    keyRaw = el.val;
  }
  const verdict = valRaw === undefined ? undefined : verdictOf(valRaw);
  return { key: keyParts(keyRaw), ...(comment !== undefined ? { comment } : {}), ...(verdict ? { verdict } : {}) };
}

function ruleFromJson(exprs: J[], comment: string | undefined): NftRule {
  const parts: string[] = [];
  const rule: NftRule = { text: '' };
  for (const st of exprs) {
    if (!isObj(st)) continue;
    const [k] = Object.keys(st);
    const v = st[k];
    const verdict = verdictOf(st);
    if (verdict) { rule.verdict = verdict; parts.push(verdictText(verdict)); continue; }
    switch (k) {
      case 'match': {
        const m = v as { op: string; left: J; right: J };
        const op = m.op === '==' || m.op === 'in' ? '' : ` ${m.op}`;
        parts.push(`${nftExprText(m.left)}${op} ${nftExprText(m.right)}`);
        break;
      }
      case 'vmap': {
        const m = v as { key: J; data: J };
        const key = nftExprText(m.key);
        if (typeof m.data === 'string') rule.vmap = { key, map: m.data.replace(/^@/, '') };
        else if (isObj(m.data) && Array.isArray(m.data.set)) {
          rule.vmap = { key, entries: (m.data.set as J[][]).map((e) => ({ key: nftExprText(e[0]), verdict: verdictOf(e[1]) ?? { kind: 'continue' } })) };
        }
        parts.push(`${key} vmap ${typeof m.data === 'string' ? m.data : nftExprText(m.data)}`);
        break;
      }
      case 'dnat': {
        const d = v as { addr?: J; port?: J };
        const addr = d.addr === undefined ? '' : nftExprText(d.addr);
        const port = typeof d.port === 'number' ? d.port : d.port !== undefined ? Number(nftExprText(d.port)) : undefined;
        rule.dnat = { addr, ...(port !== undefined && !Number.isNaN(port) ? { port } : {}) };
        parts.push(`dnat to ${addr}${port !== undefined ? `:${port}` : ''}`);
        break;
      }
      case 'masquerade': rule.masquerade = true; parts.push(`masquerade${isObj(v) && v.flags ? ` ${String(v.flags)}` : ''}`); break;
      case 'mangle': { const m = v as { key: J; value: J }; parts.push(`${nftExprText(m.key)} set ${nftExprText(m.value)}`); break; }
      case 'set': { const s = v as { op: string; elem: J; set: string }; parts.push(`${s.op} ${s.set} { ${nftExprText(s.elem)} }`); break; }
      case 'counter': parts.push('counter'); break;
      default: parts.push(k);
    }
  }
  rule.text = parts.join(' ') + (comment ? ` comment "${comment}"` : '');
  if (comment !== undefined) rule.comment = comment;
  return rule;
}

/** The table `family name` of `tables`, made empty on first mention: the JSON and transaction forms may
 * name a set, chain or rule before (or without) the table line itself. */
function tableIn(tables: Map<string, NftTable>, family: string, name: string): NftTable {
  const key = `${family} ${name}`;
  let t = tables.get(key);
  if (!t) { t = { family, name, sets: new Map(), chains: new Map() }; tables.set(key, t); }
  return t;
}

export function parseNftJson(text: string): Result<NftRuleset, ParseError> {
  let doc: J;
  try {
    doc = JSON.parse(text.replace(/^(?:[ \t]*(?:#[^\n]*)?\n)+/, '')); // a fixture's `# command:` header
  } catch (e) {
    return err({ tool: TOOL, line: 0, expected: 'JSON from `nft -j` (the output looks truncated or is not JSON)', got: (e as Error).message });
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) return err({ tool: TOOL, line: 0, expected: 'an object with an "nftables" array', got: text.slice(0, 80) });
  const tables = new Map<string, NftTable>();
  const tableOf = (family: string, name: string) => tableIn(tables, family, name);
  for (const [i, item] of (doc.nftables as J[]).entries()) {
    if (!isObj(item)) return err({ tool: TOOL, line: 0, expected: `an object at nftables[${i}]` });
    if ('table' in item && isObj(item.table)) {
      const t = item.table as { family: string; name: string; comment?: string };
      const tt = tableOf(t.family, t.name);
      if (t.comment) tt.comment = t.comment;
    } else if (('set' in item && isObj(item.set)) || ('map' in item && isObj(item.map))) {
      const isMap = 'map' in item;
      const s = (isMap ? item.map : item.set) as { family: string; table: string; name: string; type: J; comment?: string; elem?: J[] };
      tableOf(s.family, s.table).sets.set(s.name, {
        name: s.name, kind: isMap ? 'map' : 'set',
        type: Array.isArray(s.type) ? s.type.join(' . ') : String(s.type),
        ...(s.comment ? { comment: s.comment } : {}),
        elements: (s.elem ?? []).map((e) => elementOf(e, isMap)),
      });
    } else if ('chain' in item && isObj(item.chain)) {
      const c = item.chain as { family: string; table: string; name: string; type?: string; hook?: string; prio?: number; policy?: string };
      const t = tableOf(c.family, c.table);
      const existing = t.chains.get(c.name);
      const chain: NftChain = { name: c.name, rules: existing?.rules ?? [] };
      if (c.type) chain.type = c.type;
      if (c.hook) chain.hook = c.hook;
      if (c.prio !== undefined) chain.priority = String(c.prio);
      if (c.policy) chain.policy = c.policy;
      t.chains.set(c.name, chain);
    } else if ('rule' in item && isObj(item.rule)) {
      const r = item.rule as { family: string; table: string; chain: string; expr?: J[]; comment?: string };
      if (!Array.isArray(r.expr)) return err({ tool: TOOL, line: 0, expected: `an expr array in the rule of chain ${r.chain}` });
      const t = tableOf(r.family, r.table);
      let chain = t.chains.get(r.chain);
      if (!chain) { chain = { name: r.chain, rules: [] }; t.chains.set(r.chain, chain); }
      chain.rules.push(ruleFromJson(r.expr, r.comment));
    }
    // metainfo, element, flowtable, counter…: nothing the trace reads
  }
  return ok({ tables: [...tables.values()] });
}

// ---------------------------------------------------------------- text ----

/** Splits at top-level commas (not inside braces or quotes). */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inQ = false;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inQ = !inQ;
    else if (!inQ && c === '{') depth++;
    else if (!inQ && c === '}') depth--;
    else if (!inQ && depth === 0 && s.startsWith(sep, i)) { out.push(s.slice(last, i)); last = i + sep.length; }
  }
  out.push(s.slice(last));
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function parseVerdictText(s: string): NftVerdict | undefined {
  const m = /^(jump|goto)\s+(\S+)$/.exec(s.trim());
  if (m) return { kind: m[1] as 'jump' | 'goto', target: m[2] };
  const w = s.trim();
  if (w === 'accept' || w === 'drop' || w === 'return' || w === 'continue') return { kind: w };
  if (w.startsWith('reject')) return { kind: 'reject' };
  return undefined;
}

function parseElementText(s: string, isMap: boolean): NftElement {
  let keyText = s;
  let val: string | undefined;
  if (isMap) {
    const idx = s.lastIndexOf(' : ');
    if (idx >= 0) { keyText = s.slice(0, idx); val = s.slice(idx + 3); }
  }
  let comment: string | undefined;
  const cm = /\s+comment\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(keyText);
  if (cm) { comment = cm[1]; keyText = keyText.slice(0, cm.index); }
  const verdict = val !== undefined ? parseVerdictText(val) : undefined;
  return { key: keyText.split(' . ').map((x) => x.trim()), ...(comment !== undefined ? { comment } : {}), ...(verdict ? { verdict } : {}) };
}

const KEY_START = /(?:^|\s)(?=(?:ip6?|meta|th|tcp|udp|sctp|numgen|jhash|symhash|ct|fib|ether)\s)/g;

/** The key expression before `vmap`, without the match statements in front of it: in
 *  `ip daddr @nodeport-ips meta l4proto . th dport` the key is `meta l4proto . th dport`. */
function vmapKey(prefix: string): string {
  const p = prefix.trim();
  const firstDot = p.indexOf(' . ');
  const head = firstDot < 0 ? p : p.slice(0, firstDot);
  let start = 0;
  for (const m of head.matchAll(KEY_START)) start = m.index + (m[0].length > 0 && /\s/.test(m[0][0]) ? 1 : 0);
  return p.slice(start);
}

function ruleFromText(line: string): NftRule {
  let body = line.trim();
  const rule: NftRule = { text: body };
  const cm = /\s+comment\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(body);
  if (cm) { rule.comment = cm[1]; body = body.slice(0, cm.index); }
  const vm = /^(.*?)\s*vmap\s+(@\S+|\{.*\})\s*$/.exec(body);
  if (vm) {
    const key = vmapKey(vm[1]);
    if (vm[2].startsWith('@')) rule.vmap = { key, map: vm[2].slice(1) };
    else {
      const inner = vm[2].slice(1, -1);
      rule.vmap = { key, entries: splitTop(inner, ',').map((e) => { const [k, v] = e.split(' : '); return { key: k.trim(), verdict: parseVerdictText(v ?? '') ?? { kind: 'continue' } }; }) };
    }
  }
  const dn = /\bdnat(?:\s+ip6?)?\s+to\s+(\[[^\]]+\]|[^\s:]+)(?::(\d+))?/.exec(body);
  if (dn) rule.dnat = { addr: dn[1].replace(/^\[|\]$/g, ''), ...(dn[2] ? { port: Number(dn[2]) } : {}) };
  if (/(^|\s)masquerade(\s|$)/.test(body)) rule.masquerade = true;
  if (!vm) {
    const v = /(?:^|\s)((?:jump|goto)\s+\S+|accept|drop|return|continue|reject(?:\s+with\s+.*)?)$/.exec(body);
    if (v) { const pv = parseVerdictText(v[1]); if (pv) rule.verdict = pv; }
  }
  return rule;
}

export function parseNftText(text: string): Result<NftRuleset, ParseError> {
  const lines = text.split('\n');
  const tables: NftTable[] = [];
  let table: NftTable | null = null;
  let block: { kind: 'set' | 'map'; set: NftSet } | { kind: 'chain'; chain: NftChain } | null = null;
  let elemBuf: string | null = null; // an `elements = { … }` spread over lines
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].replace(/\r$/, '');
    const line = raw.trim();
    if (elemBuf !== null) {
      elemBuf += ` ${line}`;
      if (line.endsWith('}')) {
        if (!block || block.kind === 'chain') return err({ tool: TOOL, line: lineNo, expected: 'elements inside a set or map' });
        const inner = elemBuf.slice(elemBuf.indexOf('{') + 1, elemBuf.lastIndexOf('}'));
        block.set.elements.push(...splitTop(inner, ',').map((e) => parseElementText(e, block!.kind === 'map')));
        elemBuf = null;
      }
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    if (!table) {
      const m = /^table\s+(\S+)\s+(\S+)\s*\{$/.exec(line);
      if (!m) return err({ tool: TOOL, line: lineNo, expected: 'table <family> <name> {', got: line });
      table = { family: m[1], name: m[2], sets: new Map(), chains: new Map() };
      continue;
    }
    if (!block) {
      if (line === '}') { tables.push(table); table = null; continue; }
      const sm = /^(set|map)\s+(\S+)\s*\{$/.exec(line);
      if (sm) { const set: NftSet = { name: sm[2], kind: sm[1] as 'set' | 'map', type: '', elements: [] }; table.sets.set(set.name, set); block = { kind: set.kind, set }; continue; }
      const cm = /^chain\s+(\S+)\s*\{$/.exec(line);
      if (cm) { const chain: NftChain = { name: cm[1], rules: [] }; table.chains.set(chain.name, chain); block = { kind: 'chain', chain }; continue; }
      const tc = /^comment\s+"(.*)"$/.exec(line);
      if (tc) { table.comment = tc[1]; continue; }
      if (/^(flowtable|counter|quota|ct|limit|secmark|synproxy)\s/.test(line)) continue; // objects the trace does not read
      return err({ tool: TOOL, line: lineNo, expected: 'set, map, chain or } in a table', got: line });
    }
    if (line === '}') { block = null; continue; }
    if (block.kind === 'chain') {
      const hm = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+\S+)?\s+priority\s+([^;]+);(?:\s*policy\s+(\S+);)?/.exec(line);
      if (hm) {
        block.chain.type = hm[1]; block.chain.hook = hm[2]; block.chain.priority = hm[3].trim();
        if (hm[4]) block.chain.policy = hm[4];
        continue;
      }
      if (/^comment\s+"/.test(line)) continue;
      block.chain.rules.push(ruleFromText(line));
      continue;
    }
    const set = block.set;
    const tm = /^type\s+(.+)$/.exec(line);
    if (tm) { set.type = tm[1].trim(); continue; }
    const cm = /^comment\s+"(.*)"$/.exec(line);
    if (cm) { set.comment = cm[1]; continue; }
    if (line.startsWith('elements = {')) {
      if (line.endsWith('}')) {
        const inner = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
        set.elements.push(...splitTop(inner, ',').map((e) => parseElementText(e, set.kind === 'map')));
      } else elemBuf = line;
      continue;
    }
    if (/^(flags|size|timeout|gc-interval|policy|auto-merge|counter)\b/.test(line)) continue;
    return err({ tool: TOOL, line: lineNo, expected: 'type, flags, elements or comment in a set/map', got: line });
  }
  if (table || block || elemBuf !== null) return err({ tool: TOOL, line: lines.length, expected: 'a closing } (the listing looks truncated)' });
  return ok({ tables });
}

// ---------------------------------------------------------------- nft -f transaction ----

/** The `add table|set|map|chain|rule|element` transaction kube-proxy feeds to `nft -f`. */
export function parseNftTransaction(text: string): Result<NftRuleset, ParseError> {
  const tables = new Map<string, NftTable>();
  const tableOf = (family: string, name: string) => tableIn(tables, family, name);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(add|create|flush|delete|destroy|insert)\s+(table|set|map|chain|rule|element)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) return err({ tool: TOOL, line: lineNo, expected: 'add|flush|delete table|set|map|chain|rule|element <family> <table> …', got: line });
    const [, verb, what, family, tname, rest = ''] = m;
    const t = tableOf(family, tname);
    if (what === 'table') {
      if (verb === 'delete' || verb === 'destroy') tables.delete(`${family} ${tname}`);
      else if (verb === 'flush') { t.sets.forEach((st) => (st.elements = [])); t.chains.forEach((c) => (c.rules = [])); }
      const c = /comment\s+"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (c) t.comment = c[1];
      continue;
    }
    const nm = /^(\S+)(?:\s+(.*))?$/.exec(rest);
    if (!nm) return err({ tool: TOOL, line: lineNo, expected: `a ${what} name`, got: line });
    const [, name, body = ''] = nm;
    if (what === 'set' || what === 'map') {
      if (verb === 'delete' || verb === 'destroy') { t.sets.delete(name); continue; }
      let set = t.sets.get(name);
      if (!set) { set = { name, kind: what, type: '', elements: [] }; t.sets.set(name, set); }
      if (verb === 'flush') set.elements = [];
      const ty = /type\s+([^;]+);/.exec(body);
      if (ty) set.type = ty[1].trim();
      const c = /comment\s+"((?:[^"\\]|\\.)*)"/.exec(body);
      if (c) set.comment = c[1];
      continue;
    }
    if (what === 'chain') {
      if (verb === 'delete' || verb === 'destroy') { t.chains.delete(name); continue; }
      let chain = t.chains.get(name);
      if (!chain) { chain = { name, rules: [] }; t.chains.set(name, chain); }
      if (verb === 'flush') chain.rules = [];
      const h = /type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+\S+)?\s+priority\s+([^;]+);(?:\s*policy\s+(\S+)\s*;)?/.exec(body);
      if (h) { chain.type = h[1]; chain.hook = h[2]; chain.priority = h[3].trim(); if (h[4]) chain.policy = h[4]; }
      continue;
    }
    if (what === 'rule') {
      let chain = t.chains.get(name);
      if (!chain) { chain = { name, rules: [] }; t.chains.set(name, chain); }
      if (verb === 'delete' || verb === 'destroy') continue; // by handle; kube-proxy flushes chains instead
      const r = ruleFromText(body);
      if (verb === 'insert') chain.rules.unshift(r);
      else chain.rules.push(r);
      continue;
    }
    // element
    let set = t.sets.get(name);
    if (!set) return err({ tool: TOOL, line: lineNo, expected: `set or map ${name} to be added before its elements`, got: line });
    const open = body.indexOf('{');
    const close = body.lastIndexOf('}');
    if (open < 0 || close < open) return err({ tool: TOOL, line: lineNo, expected: '{ elements }', got: line });
    const elems = splitTop(body.slice(open + 1, close), ',').map((e) => parseElementText(e, set!.kind === 'map'));
    if (verb === 'delete' || verb === 'destroy') {
      const keys = new Set(elems.map((e) => e.key.join(' . ')));
      set.elements = set.elements.filter((e) => !keys.has(e.key.join(' . ')));
    } else set.elements.push(...elems);
    set = undefined;
  }
  return ok({ tables: [...tables.values()] });
}
