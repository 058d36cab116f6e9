// The incident evidence bundle (seed "Incident Evidence Bundles"): the diagnosis's evidence sorted into the
// slices an on-call engineer attaches — route/neighbor, socket, DNS, NAT/conntrack, reachability — each
// item with where it ran, its exit code and the line that reproduces it. Markdown; text from the cluster is
// never interpreted (issue 10): blocks are fenced with a fence longer than any backtick run inside, inline
// text (names, reasons, summaries) has every Markdown/HTML-significant character backslash-escaped and its
// newlines folded, and both pass through lib/text first so no control or bidi byte reaches a terminal `cat`.
// The server's own URLs (the permalink, the capture) are autolinks, unescaped, so they still work pasted as plain text.
import type { Diagnosis, Evidence, Hop } from '../../lib/model';
import { termBlock, termText } from '../../lib/text';
import { CAUSES, WARNING_CAUSES, isCauseCode } from '../../lib/causes';

export type Slice = 'route-neighbor' | 'socket' | 'dns' | 'nat-conntrack' | 'reachability' | 'capture' | 'objects';

export const SLICE_TITLES: Record<Slice, string> = {
  'route-neighbor': 'Route / neighbor slice',
  socket: 'Socket slice',
  dns: 'DNS slice',
  'nat-conntrack': 'NAT / conntrack slice',
  reachability: 'Reachability probes (ping, connect, MTU)',
  capture: "Capture slice (the packet's own walk)",
  objects: 'API objects read',
};

export function sliceOf(e: Evidence): Slice {
  const argv = e.command;
  const tool = argv[0] ?? '';
  const joined = `${e.probe} ${argv.join(' ')}`;
  if (!argv.length) return /dns|resolv/.test(e.probe) ? 'dns' : 'objects';
  if (e.probe === 'capture' || e.probe === 'node-capture' || e.probe === 'trace-connect') return 'capture';
  if (tool === 'ss' || /socket|listen/.test(e.probe)) return 'socket';
  if (tool === 'dig' || tool === 'nslookup' || tool === 'host' || /resolv\.conf|dns/.test(joined)) return 'dns';
  if (['iptables-save', 'iptables', 'nft', 'ipvsadm', 'conntrack'].includes(tool) || /nf_conntrack/.test(joined)) return 'nat-conntrack';
  if (tool === 'ip' || tool === 'bridge' || tool === 'ethtool' || /sysctl/.test(tool)) return 'route-neighbor';
  return 'reachability';
}

const MAX_OUT = 4000; // per item, so a bundle stays pasteable

/** A fenced code block: the fence is one backtick longer than the longest backtick run in the text (at least 3). */
export function fence(text: string): string {
  const raw = text.length > MAX_OUT ? `${text.slice(0, MAX_OUT)}\n… (${text.length - MAX_OUT} more bytes in the JSON download)` : text;
  const body = termBlock(raw, 4000);
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}\n${body.replace(/\s+$/, '')}\n${ticks}`;
}

/**
 * Cluster text inline in Markdown (headings, list items, table cells): controls escaped (lib/text), newlines
 * folded, and every character that could open markup, HTML, a link, emphasis or a table cell escaped with `\`.
 */
export function mdText(s: unknown): string {
  return termText(s, 4000).replace(/[\\`*_{}[\]<>&|~#!]/g, '\\$&');
}

/**
 * A URL the server made (its own origin + a path) as it must stay when the file is pasted as plain text: an
 * autolink `<http://…>`, never backslash-escaped (`mqGvp\_2JX` is another id once the Markdown is not rendered).
 * Anything that could not be an autolink (a space, `<`, `>`, a backtick, `&`, a control) becomes a code span instead,
 * which Markdown also leaves unescaped.
 */
export function mdUrl(url: string): string {
  const t = termText(url, 4000);
  return /^https?:\/\/[A-Za-z0-9\-._~:/?#@!$'()*+,;=%[\]]+$/.test(t) ? `<${t}>` : codeSpan(t);
}

/** Cluster text as an inline code span: delimited by more backticks than any run inside, padded when it starts or ends with one. */
export function codeSpan(s: unknown): string {
  const t = termText(s, 4000);
  const ticks = '`'.repeat(Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${t}${pad}${ticks}`;
}

function itemMd(hop: Hop, e: Evidence): string {
  const status = e.stopped ? 'stopped after the connect' : e.timedOut ? 'timed out' : e.exitCode === null ? 'no exit code' : `exit ${e.exitCode}`;
  const lines = [
    `#### ${mdText(e.probe)} — ${mdText(e.where)} (hop ${codeSpan(hop.id)}, ${status}, ${Number(e.durationMs)} ms${e.truncated ? ', output truncated' : ''})`,
    '',
    e.finding ? `Finding: ${mdText(e.finding)}` : '',
    '',
    'Reproduce:',
    fence(e.reproduce || e.command.join(' ')),
  ];
  if (e.stdout) lines.push('', 'stdout:', fence(e.stdout));
  if (e.stderr) lines.push('', 'stderr:', fence(e.stderr));
  return lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

/**
 * The capture slice's head (seed 002 "Capture slice — one pcap ≤ few MB with documented filter and
 * interface"): the flow, where it was last seen, and per point the interface and the filter written out,
 * with the merged pcap's address.
 */
function captureIntro(d: Diagnosis, url?: string): string[] {
  const t = d.trace;
  if (!t) return [];
  const out = [`- flow: ${codeSpan(t.flow)}${t.sentTo ? `, sent to ${codeSpan(t.sentTo)} after NAT` : ''}`, `- ${mdText(t.summary)}`];
  if (url) out.push(`- merged capture (pcapng, one interface per point): ${mdUrl(`${url.replace(/\/d\/([^/]+)$/, '/api/diagnoses/$1')}/capture.pcap`)}`);
  out.push('', '| # | hop | interface | seen | packets | summary | filter |', '|---|---|---|---|---|---|---|');
  t.points.forEach((p, i) => out.push(`| ${i + 1} | ${mdText(p.hop)} | ${mdText(p.label)}${p.encapsulated ? ' (outer)' : ''} | ${p.seen === null ? 'not captured' : p.seen ? 'yes' : 'no'} | ${Number(p.packets)} | ${mdText(p.summary)} | ${codeSpan(p.filter)} |`));
  for (const c of t.conntrack ?? []) out.push('', `conntrack on ${mdText(c.node)} (${codeSpan(c.evidence.command.join(' '))}):`, fence(c.entries.join('\n') || '(no entry)'));
  out.push('');
  return out;
}

export function bundleMarkdown(d: Diagnosis, url?: string): string {
  const out: string[] = [];
  out.push(`# packetwalk evidence bundle: ${mdText(d.spec.from)} → ${mdText(d.spec.to)}`, '');
  out.push(`- diagnosis: ${codeSpan(d.id)}${url ? ` (${mdUrl(url)})` : ''}`);
  out.push(`- context: ${mdText(d.cluster || d.spec.context || '(default)')}; depth: ${mdText(d.depth)}`);
  out.push(`- started: ${mdText(d.createdAt)}${d.finishedAt ? `; finished: ${mdText(d.finishedAt)}` : ''}`);
  out.push(`- verdict: **${mdText(d.verdict)}**`);
  if (d.firstFailure) {
    const title = isCauseCode(d.firstFailure.cause) ? CAUSES[d.firstFailure.cause].title : WARNING_CAUSES[d.firstFailure.cause].title;
    out.push(`- first failure: hop ${codeSpan(d.firstFailure.hop)}, ${mdText(d.firstFailure.cause)} (${mdText(title)}): ${mdText(d.firstFailure.reason)}`);
    const next = d.firstFailure.nextStep ?? (isCauseCode(d.firstFailure.cause) ? CAUSES[d.firstFailure.cause].nextStep : WARNING_CAUSES[d.firstFailure.cause].nextStep);
    out.push(`- next step: ${mdText(next)}`);
  }
  for (const w of d.warnings) out.push(`- warning: hop ${codeSpan(w.hop)}, ${mdText(w.cause)}: ${mdText(w.reason)}`);
  out.push('', '## Hops', '', '| hop | status | cause | summary |', '|---|---|---|---|');
  for (const h of d.hops) out.push(`| ${mdText(h.id)} | ${mdText(h.status)} | ${mdText(h.cause ?? '')} | ${mdText(h.summary)} |`);

  const bySlice = new Map<Slice, string[]>();
  for (const h of d.hops) for (const e of h.evidence) {
    const s = sliceOf(e);
    bySlice.set(s, [...(bySlice.get(s) ?? []), itemMd(h, e)]);
  }
  for (const s of Object.keys(SLICE_TITLES) as Slice[]) {
    out.push('', `## ${SLICE_TITLES[s]}`, '');
    if (s === 'capture') out.push(...captureIntro(d, url));
    const items = bySlice.get(s);
    out.push(items?.length ? items.join('\n\n') : '_No evidence of this kind was collected on this path._');
  }
  out.push('');
  return out.join('\n');
}
