// The connectivity matrix (DESIGN §7), pure: lay out sources × targets, predict every cell, fold in the
// observed connects, judge agreement and explain each disagreement in one sentence, apply a what-if
// policy set, sum up, pick the exit code, and render a terminal table. No I/O: server/matrix runs the connects.
import { isIPv4 } from '../ip';
import { termText } from '../text';
import type { NetworkPolicy, Pod } from '../kube/types';
import { nsName } from '../kube/types';
import type { NcOutcome } from '../parse/nc';
import { layoutMatrix, type MatrixObjects } from './plan';
import { mergePolicies, predictCell } from './predict';
import { selfKind, whatIfJudgement } from './self';
import { OBSERVATIONS, type Matrix, type MatrixCell, type MatrixSummary, type MatrixTarget, type Observed } from './types';

export * from './types';
export { layoutMatrix, workloadOf, type MatrixObjects, type MatrixLayout } from './plan';
export { predictCell, mergePolicies, type Prediction } from './predict';

export interface BuildOptions {
  namespaces: string[];
  allPods?: boolean;
  /** what-if policies (namespaces filled in): each cell gets predictedAfter and change */
  withPolicy?: NetworkPolicy[];
  id?: string;
  createdAt?: string;
  context?: string;
}

/** A cell key for maps: from + "→" + to. */
export const cellKey = (from: string, to: string): string => `${from}→${to}`;

/**
 * Builds the predicted matrix: every source × target cell with `observed: null`. With `withPolicy` the
 * depth is 'config' and every cell carries predictedAfter/change; otherwise 'live' (connects still to run).
 */
export function buildMatrix(objs: MatrixObjects, o: BuildOptions): Matrix {
  const layout = layoutMatrix(objs, o.namespaces, !!o.allPods);
  const podByName = new Map(objs.pods.map((p) => [nsName(p), p] as const));
  const after = o.withPolicy ? mergePolicies(objs.policies, o.withPolicy) : undefined;
  const cells: MatrixCell[] = [];
  for (const from of layout.sources) {
    const src = podByName.get(from) as Pod;
    for (const t of layout.targets) {
      const p = predictCell(src, t, objs, objs.policies);
      const cell: MatrixCell = { from, to: t.id, predicted: p.predicted, policies: p.policies, reason: p.reason, observed: null, agree: null, ...(p.split ? { split: true } : {}) };
      if (after) {
        const a = predictCell(src, t, objs, after);
        cell.predictedAfter = a.predicted;
        // the live matrix's rule for a self cell (lib/matrix/self.ts): an isolated hairpin, today or after, is not
        // judged — not cut, not opened, not in the exit code; in a what-if `split` marks exactly those cells
        const j = whatIfJudgement(p, a);
        cell.change = j.change;
        delete cell.split;
        if (j.unjudged || cell.change) cell.policies = [...new Set([...p.policies, ...a.policies])].sort();
        if (j.unjudged) {
          cell.split = true;
          cell.explain = j.unjudged;
        } else if (cell.change) {
          cell.explain = cell.change === 'cut' ? `cut: allowed today${p.policies.length ? ` by ${p.policies.join(', ')}` : ''}, denied after the change: ${a.reason}` : `opened: denied today by ${p.policies.join(', ') || 'nothing'}, allowed after the change: ${a.reason}`;
        }
      }
      cells.push(cell);
    }
  }
  return {
    ...(o.id ? { id: o.id } : {}),
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
    ...(o.context ? { context: o.context } : {}),
    namespaces: [...o.namespaces],
    sources: layout.sources,
    targets: layout.targets,
    cells,
    depth: o.withPolicy ? 'config' : 'live',
    groups: layout.groups,
    allPods: !!o.allPods,
    notes: [...layout.notes, ...outsideWhatIf(o.withPolicy ?? [], o.namespaces)],
    ...(o.withPolicy ? { withPolicy: o.withPolicy.map(nsName) } : {}),
  };
}

/**
 * What-if policies in namespaces the matrix does not hold: a NetworkPolicy selects pods of its own namespace only,
 * so such a policy can change no cell here ("0 cut" says nothing about it) — a note says so and which -n to add.
 */
function outsideWhatIf(policies: readonly NetworkPolicy[], namespaces: readonly string[]): string[] {
  const out = policies.filter((p) => !namespaces.includes(p.metadata?.namespace ?? 'default')).map(nsName);
  if (!out.length) return [];
  const nss = [...new Set(out.map((k) => k.split('/')[0]))];
  return [`what-if: ${out.join(', ')} ${out.length === 1 ? 'is' : 'are'} in ${nss.join(', ')}, which this matrix does not hold: a NetworkPolicy selects pods of its own namespace only, so ${out.length === 1 ? 'it' : 'they'} can change no cell here (add -n ${nss.join(' -n ')})`];
}

/**
 * nc's outcome (lib/parse/nc) as the matrix's observation: a TCP RST (ECONNREFUSED) is refused; an ICMP error or no
 * way out (EHOSTUNREACH "No route to host", ENETUNREACH, a blackhole route's EINVAL, a local firewall's EPERM/EACCES)
 * is unreachable — the connect did not reach a host that answered (lib/matrix/types.ts OBSERVATIONS).
 */
export function observedFromNc(outcome: NcOutcome | 'exec-timeout'): Observed {
  switch (outcome) {
    case 'succeeded':
      return 'open';
    case 'refused':
      return 'refused';
    case 'no-route-to-host':
    case 'permission-denied':
    case 'network-unreachable':
      return 'unreachable';
    case 'timed-out':
    case 'exec-timeout':
      return 'timeout';
    default:
      return null;
  }
}

/**
 * Folds an observation into a cell: agree (predicted allow ⇔ open) and, when they differ, the sentence a
 * person reads on hover. `split` predictions (endpoints disagree among themselves) never agree or disagree.
 */
export function observeCell(cell: MatrixCell, target: MatrixTarget, observed: Observed, detail?: string, ambiguousOpen = false): MatrixCell {
  const split = !!cell.split;
  // A UDP datagram that drew no port-unreachable is "open" to nc, but a silent drop looks the same:
  // it confirms an allow, and neither confirms nor refutes a deny.
  const unknown = observed === null || split || (ambiguousOpen && observed === 'open' && cell.predicted === 'deny');
  // predicted deny, and an endpoint opened when dialled directly: the policy does not hold for that endpoint, whatever
  // the others did (a TCP open is proof; a UDP "open" is no port-unreachable, which a drop also gives)
  const leaks = !unknown && !ambiguousOpen && cell.predicted === 'deny' ? (cell.endpoints ?? []).filter((e) => e.observed === 'open') : [];
  const agree = unknown ? null : leaks.length ? false : (cell.predicted === 'allow') === (observed === 'open');
  const out: MatrixCell = { ...cell, observed, agree, ...(detail ? { detail } : {}) };
  delete out.explain;
  delete out.partial;
  // a Service half working (some endpoints opened when dialled directly, some did not) is not a dead Service
  if (!split && observed !== null && observed !== 'open' && endpointSplit(out)) out.partial = true;
  if (leaks.length && observed !== 'open') out.explain = `predicted deny${cell.policies.length ? ` by ${cell.policies.join(', ')}` : ''}, but ${leaks.length} of ${(cell.endpoints ?? []).filter((e) => e.observed !== null).length} endpoints opened when dialled directly: ${leaks.map(endpointName).join(', ')}: the policy is not enforced there (is the CNI's policy agent running on that node?); open the walk for this pair`;
  else if (agree === false) out.explain = explainDisagreement(out, target, observed!);
  else if (unknown && !split && observed) out.explain = `predicted deny${cell.policies.length ? ` by ${cell.policies.join(', ')}` : ''}; the UDP datagram drew no port-unreachable, which a silent drop also gives: not judged`;
  else if (split && observed) out.explain = `not judged: ${cell.reason}; observed ${observed} on the endpoint this connect reached`;
  return out;
}

/**
 * A Service cell's observation from the Service connect (`service`) and the direct connects to its ready endpoints
 * (`endpoints`). kube-proxy sends each connection to one endpoint at random, so the Service connect alone flips
 * from run to run when only some endpoints answer; with the endpoints dialled too the cell says the same every
 * run: open only when the Service connect and every endpoint opened; else the Service connect's failure, else the
 * first endpoint's (a client meets it on some of its connections). A split cell (its endpoints' predictions
 * differ, or a pod reaching itself through its own Service) keeps the Service connect's outcome: a direct connect
 * to its own IP is not the hairpin. Endpoints that could not be dialled (null) are left out.
 */
export function serviceObservation(cell: Pick<MatrixCell, 'split'>, service: Observed, endpoints: readonly { observed: Observed }[]): Observed {
  if (service !== 'open' || cell.split) return service;
  return endpoints.find((e) => e.observed !== null && e.observed !== 'open')?.observed ?? 'open';
}

type DialledEndpoint = NonNullable<MatrixCell['endpoints']>[number];

/** "10.244.2.3:8080 (shop/backend-0)": one endpoint dialled directly, as every sentence names it. */
const endpointName = (e: DialledEndpoint): string => `${e.endpoint}${e.pod ? ` (${e.pod})` : ''}`;

/**
 * A Service cell's endpoints split into the ones that opened when dialled directly and the ones that did not, when
 * both are there (the split MatrixCell.partial stands on); undefined when they all opened, all failed, or none was dialled.
 */
export function endpointSplit(cell: Pick<MatrixCell, 'endpoints'>): { answering: DialledEndpoint[]; failing: DialledEndpoint[] } | undefined {
  const eps = (cell.endpoints ?? []).filter((e) => e.observed !== null);
  const failing = eps.filter((e) => e.observed !== 'open');
  if (!failing.length || failing.length === eps.length) return undefined;
  return { answering: eps.filter((e) => e.observed === 'open'), failing };
}

/** "1 of 2 endpoints: 10.244.2.3:8080 (shop/backend-0) timeout" — the endpoints that did not open, for a sentence. */
function failingEndpoints(cell: MatrixCell): { text: string; count: number } | undefined {
  const split = endpointSplit(cell);
  if (!split) return undefined;
  const { answering, failing } = split;
  return { count: failing.length, text: `${failing.length} of ${failing.length + answering.length} endpoints: ${failing.map((e) => `${endpointName(e)} ${e.observed}`).join(', ')}` };
}

/** The kernel's words for a failed connect, from nc's line ("nc: connect to … failed: No route to host"). */
export function kernelWords(observed: Observed, line?: string): string | undefined {
  const said = line ? /\) failed: (.+)$/.exec(line.trim())?.[1] : undefined;
  if (said) return said;
  return observed === 'refused' ? 'Connection refused' : undefined;
}

/** What an unreachable connect means, by the kernel's words (lib/parse/nc's errno table). */
function unreachableCause(words: string | undefined): string {
  if (words && /No route to host/i.test(words)) return 'an ICMP host-unreachable or admin-prohibited came back (a REJECT such as --reject-with icmp-host-prohibited below policy), or nothing answered the neighbour lookup for it';
  if (words && /Network is unreachable/i.test(words)) return "no route from the source's network namespace, or an ICMP net-unreachable from a router on the way";
  if (words && /Invalid argument/i.test(words)) return "a blackhole route in the source's network namespace";
  if (words && /Permission denied|Operation not permitted/i.test(words)) return "a firewall rule in the source's own network namespace did not let it out";
  return 'an ICMP error or no route on the way';
}

/**
 * What was dialled that saw `observed`: a pod target's address and port; for a Service its ClusterIP and port plus
 * the endpoints dialled directly that saw the same (or, when they all opened, that they did). The ports a refused
 * connect met (the endpoints' target ports, or the pod's port), for "nothing listens on …".
 */
function dialled(cell: MatrixCell, t: MatrixTarget, observed: Exclude<Observed, null>): { text: string; ports: number[]; endpointsOpen: boolean } {
  if (t.kind === 'pod') return { text: `${t.ip}:${t.port} (${t.namespace}/${t.name})`, ports: [t.port], endpointsOpen: false };
  const eps = (cell.endpoints ?? []).filter((e) => e.observed !== null);
  const same = eps.filter((e) => e.observed === observed);
  const list = (xs: typeof eps) => xs.map(endpointName).join(', ');
  const svc = `the Service ${t.ip}:${t.port}`;
  if (same.length) return { text: `${svc} and its endpoint${same.length === 1 ? '' : 's'} ${list(same)}`, ports: [...new Set(same.map((e) => Number(e.endpoint.slice(e.endpoint.lastIndexOf(':') + 1))))], endpointsOpen: false };
  const open = eps.length > 0 && eps.every((e) => e.observed === 'open');
  return { text: open ? `${svc} (its endpoint${eps.length === 1 ? '' : 's'} ${list(eps)} opened when dialled directly)` : svc, ports: [], endpointsOpen: open };
}

function explainDisagreement(cell: MatrixCell, t: MatrixTarget, observed: Exclude<Observed, null>): string {
  const by = cell.policies.length ? ` by ${cell.policies.join(', ')}` : '';
  const some = cell.predicted === 'allow' ? failingEndpoints(cell) : undefined;
  if (some) return `predicted allow${by}, observed ${observed} on ${some.text} (the others open): the path to ${some.count === 1 ? 'that endpoint' : 'those endpoints'} is broken below policy; open the walk for this pair`;
  if (cell.predicted === 'deny') {
    if (cell.policies.length) return `predicted deny${by}, observed open: policy not enforced`;
    return `predicted deny (${cell.reason}), observed open`;
  }
  if (observed === 'refused' || observed === 'unreachable') {
    const words = kernelWords(observed, cell.detail);
    const d = dialled(cell, t, observed);
    const seen = `predicted allow${by}, observed ${observed}${words ? ` (${words})` : ''} on ${d.text}`;
    if (observed === 'unreachable') return `${seen}: ${unreachableCause(words)}; open the walk for this pair`;
    if (d.endpointsOpen) return `${seen}: kube-proxy's rules for the Service answer it with a reset or reject, though the endpoints listen; open the walk for this pair`;
    const where = d.ports.length ? `${t.protocol} ${d.ports.join(', ')}` : `the Service's target port`;
    return `${seen}: nothing listens on ${where} there, or a REJECT${t.protocol === 'TCP' ? ' with tcp-reset' : ''} below policy`;
  }
  return `predicted allow${by}, observed timeout: the path is broken below policy; open the walk for this pair`;
}

/**
 * A cell that cannot be judged: live, observed but neither agreeing nor disagreeing (a split prediction, a silent UDP
 * deny); in a what-if (the cell has predictedAfter), `split`: an isolated hairpin (lib/matrix/self.ts), neither cut
 * nor opened. Such cells are said ("NOT JUDGED …", `explain`) and never count toward the exit code.
 */
export function isUnjudged(c: MatrixCell): boolean {
  return c.predictedAfter !== undefined ? !!c.split : c.agree === null && c.observed !== null;
}

/**
 * A cell marked partial: a disagreement on some of a Service's endpoints only (MatrixCell.partial), half working
 * rather than dead. The one test behind the table's !PT, the page's and the wall's partial state, and the count.
 */
export function isPartial(c: MatrixCell): boolean {
  return c.partial === true && c.agree === false;
}

/** The partial mark's words, one place for the table's legend, the page's legend and its cells' labels. */
export const PARTIAL_WORDS = "partial: some of a Service's endpoints answer, some not";

/** How the partial cells are counted, in the table's last line and the page's summary: "3 partial (…)". */
export const partialCount = (n: number): string => `${n} partial (some endpoints answer, some not)`;

/**
 * What a partial cell's hover says about its endpoints (undefined for any other cell): which did not answer
 * and how, and which did — "partial: 1 of 2 endpoints do not answer: 10.244.2.2:8080 (shop/backend-0) timeout;
 * answering: 10.244.1.4:8080 (shop/backend-1)". Cluster text: the page shows it as text.
 */
export function partialText(c: MatrixCell): string | undefined {
  const split = isPartial(c) ? endpointSplit(c) : undefined;
  if (!split) return undefined;
  const { answering, failing } = split;
  const of = failing.length + answering.length;
  return `partial: ${failing.length} of ${of} endpoint${of === 1 ? '' : 's'} ${failing.length === 1 ? 'does' : 'do'} not answer: ${failing.map((e) => `${endpointName(e)} ${e.observed}`).join(', ')}; answering: ${answering.map(endpointName).join(', ')}`;
}

export function summarize(m: Matrix): MatrixSummary {
  const s: MatrixSummary = { cells: m.cells.length, observed: 0, open: 0, refused: 0, unreachable: 0, timeout: 0, partial: 0, agree: 0, disagree: 0, unjudged: 0, cut: 0, opened: 0 };
  for (const c of m.cells) {
    if (c.observed !== null) {
      s.observed++;
      if (isPartial(c)) s.partial++;
      else s[c.observed]++;
    }
    if (c.agree === true) s.agree++;
    if (c.agree === false) s.disagree++;
    if (isUnjudged(c)) s.unjudged++;
    if (c.change === 'cut') s.cut++;
    if (c.change === 'opened') s.opened++;
  }
  return s;
}

/**
 * DESIGN §7 exit codes: with a what-if, 1 when a cell is cut (a cell not judged never is), else 0; live, 3 when nothing could be observed,
 * 1 on any disagreement (or a cell that could not be observed), 0 when every cell agrees.
 */
export function exitCodeOf(m: Matrix): 0 | 1 | 3 {
  const s = summarize(m);
  if (m.withPolicy) return s.cut > 0 ? 1 : 0;
  // no cells at all (no source pod or no target in the namespaces) is nothing observed, not "every cell agrees"
  if (s.observed === 0) return 3;
  const unjudged = m.cells.filter((c) => c.agree === null && c.observed === null).length;
  return s.disagree > 0 || unjudged > 0 ? 1 : 0;
}

/** Every cellMark is this wide, so the table's columns line up (renderMatrixTable adds the self slot). */
export const MARK_WIDTH = 3;

/** A disagreement's mark by what was observed (refused: a TCP RST; unreachable: an ICMP error or no route). */
const DISAGREE_MARK: Record<Exclude<Observed, null>, string> = { open: '!OP', refused: '!RF', unreachable: '!UR', timeout: '!TO' };

/** A disagreement on some of a Service's endpoints only (isPartial): half working, not dead like !TO. The page's cell shows it too. */
export const PARTIAL_MARK = '!PT';

/** One mark per cell for the terminal table, MARK_WIDTH characters. */
export function cellMark(c: MatrixCell): string {
  if (c.predictedAfter !== undefined && c.split) return ' ~ '; // a what-if cell not judged (isUnjudged)
  if (c.change === 'cut') return 'CUT';
  if (c.change === 'opened') return 'OPN';
  if (c.observed === null) return c.predicted === 'allow' ? ' + ' : ' - ';
  if (c.agree === null) return c.observed === 'open' ? '~ok' : ' ~x';
  if (c.agree === false) return isPartial(c) ? PARTIAL_MARK : DISAGREE_MARK[c.observed];
  return c.observed === 'open' ? ' ok' : ' x ';
}

/**
 * What to walk for one cell (`packetwalk diagnose --from SOURCE --to …`): what the cell dialled. A Service cell's
 * connect went to the ClusterIP and resolved no name, so its walk dials the ClusterIP and port too (a `/udp` port with
 * its suffix): by name the walk would first ask the source's DNS, which may be what is broken from there, and tell
 * another story than the cell. Without an IPv4 ClusterIP (not dialled as such) a Service in the source's own
 * namespace by its short name (no search-list fan-out), else the target's walkTo ("name.ns:port", "pod:ns/name:port").
 */
export function walkTarget(from: string, t: MatrixTarget): string {
  if (t.kind !== 'svc') return t.walkTo;
  if (isIPv4(t.ip)) return `${t.ip}:${t.port}${t.protocol === 'UDP' ? '/udp' : ''}`;
  return walkByName(from, t);
}

/** A Service by name as the source would dial it: its short name in the source's own namespace, else walkTo. */
function walkByName(from: string, t: MatrixTarget): string {
  return from.split('/')[0] === t.namespace ? `${t.name}:${t.port}` : t.walkTo;
}

/**
 * The matrix as a plain table: targets numbered across the top, one row per source, then the legend and one
 * line per disagreement (or change). Every cluster-sourced string passes through termText() (lib/text).
 */
export function renderMatrixTable(m: Matrix): string {
  const lines: string[] = [];
  const s = summarize(m);
  lines.push(`packetwalk matrix  ${termText(m.namespaces.join(', '))}${m.context ? `  (context ${termText(m.context)})` : ''}  ${m.depth} depth`);
  lines.push('');
  m.targets.forEach((t, i) => lines.push(`  T${String(i + 1).padEnd(3)} ${termText(t.id)}${t.protocol !== 'TCP' ? ` (${t.protocol})` : ''}`));
  lines.push('');
  const w = Math.max(6, ...m.sources.map((x) => termText(x).length));
  // Every column has one width in every row (plain and what-if alike): a separating space, then the cell padded to
  // `cw` — its 3-character mark (cellMark) and a self slot that is '*' or a space — or the column's label.
  const labels = m.targets.map((_, i) => `T${i + 1}`);
  const cw = Math.max(MARK_WIDTH + 1, ...labels.map((l) => l.length));
  const col = (text: string) => ` ${text.padEnd(cw)}`;
  lines.push(`${'source'.padEnd(w)} |${labels.map(col).join('')}`);
  lines.push(`${'-'.repeat(w)}-+${labels.map(() => '-'.repeat(cw + 1)).join('')}`);
  const byKey = new Map(m.cells.map((c) => [cellKey(c.from, c.to), c] as const));
  // a self cell (the source reaching itself: lib/matrix/self.ts) is marked with a trailing '*' and said in the legend
  let selfCells = 0;
  const mark = (src: string, t: MatrixTarget) => {
    const c = byKey.get(cellKey(src, t.id));
    const self = selfKind(src, t) !== null;
    if (c && self) selfCells += 1;
    return col(`${(c ? cellMark(c) : ' ? ').padEnd(MARK_WIDTH)}${c && self ? '*' : ' '}`);
  };
  for (const src of m.sources) lines.push(`${termText(src).padEnd(w)} |${m.targets.map((t) => mark(src, t)).join('')}`);
  lines.push('');
  lines.push(m.withPolicy
    ? 'legend: + allowed, - denied (today and after), CUT allowed today and denied after, OPN denied today and allowed after, ~ not judged (see below)'
    : `legend: ok open as predicted, x blocked as predicted, !OP/!RF/!UR/!TO disagreement (observed open / refused: a TCP reset / unreachable: an ICMP error or no route / timeout), ${PARTIAL_MARK} ${PARTIAL_WORDS}, ~ not judged (see below), + / - not observed (predicted allow/deny)`);
  if (selfCells) lines.push(`        * self: the source reaching itself (through a Service it backs, or its own IP), not a path to another workload (${selfCells} cell${selfCells === 1 ? '' : 's'})`);
  for (const n of m.notes) lines.push(`note: ${termText(n)}`);
  const findings = m.cells.filter((c) => c.agree === false || c.change || isUnjudged(c));
  const targets = new Map(m.targets.map((t) => [t.id, t] as const));
  for (const c of findings) {
    lines.push(`${isUnjudged(c) ? 'NOT JUDGED' : c.change ? c.change.toUpperCase() : 'DISAGREE'} ${termText(c.from)} → ${termText(c.to)}: ${termText(c.explain ?? c.reason)}`);
    const t = targets.get(c.to);
    if (c.agree === false && t) {
      const to = walkTarget(c.from, t);
      const byName = t.kind === 'svc' && to !== walkByName(c.from, t) ? `  # the ClusterIP this cell dialled (no name resolved); --to ${walkByName(c.from, t)} also walks the source's DNS` : '';
      lines.push(`  walk it: packetwalk diagnose --from ${termText(c.from)} --to ${termText(to)}${m.context ? ` --context ${termText(m.context)}` : ''}${termText(byName)}`);
    }
  }
  // Cells not observed for the same reason from the same source (no rights to exec there): one line, not one per target.
  const unobserved = new Map<string, MatrixCell[]>();
  for (const c of m.cells.filter((x) => x.observed === null && x.detail && !m.withPolicy)) {
    const k = `${c.from}\u0000${c.detail}`;
    unobserved.set(k, [...(unobserved.get(k) ?? []), c]);
  }
  for (const cs of unobserved.values()) {
    const to = cs.length === 1 ? termText(cs[0].to) : `${cs.length} targets`;
    lines.push(`NOT OBSERVED ${termText(cs[0].from)} → ${to}: ${termText(cs[0].detail!)}`);
  }
  lines.push('');
  lines.push(m.withPolicy
    ? `${s.cells} cells: ${s.cut} cut, ${s.opened} opened${s.unjudged ? `, ${s.unjudged} not judged` : ''} (policies ${termText((m.withPolicy ?? []).join(', '))})`
    : `${s.cells} cells: ${s.observed} observed${observedBreakdown(s)}, ${s.agree} agree, ${s.disagree} disagree${s.unjudged ? `, ${s.unjudged} not judged` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** " (13 open, 5 refused, 6 unreachable, 2 partial (…))": the observed cells by what they saw, each kind said only when present. */
function observedBreakdown(s: MatrixSummary): string {
  const parts = OBSERVATIONS.filter((o) => s[o] > 0).map((o) => `${s[o]} ${o}`);
  if (s.partial) parts.push(partialCount(s.partial));
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** How a cell looks, one word: what the page, the wall tile and the e2e spec key on. `partial` is a disagreement too (isPartial). */
export type CellState = 'pending' | 'open' | 'blocked' | 'disagree' | 'partial' | 'unjudged' | 'unobserved';

/** The state of a cell; `running` says whether the run is still going (an empty cell is then pending). */
export function cellState(c: MatrixCell, running: boolean): CellState {
  if (c.observed === null) return c.detail || !running ? 'unobserved' : 'pending';
  if (c.agree === false) return isPartial(c) ? 'partial' : 'disagree';
  if (c.agree === null) return 'unjudged';
  return c.observed === 'open' ? 'open' : 'blocked';
}
