// The incident evidence bundle (seed "Incident Evidence Bundles"): the diagnosis's evidence sorted into the
// slices an on-call engineer attaches — route/neighbor, socket, DNS, NAT/conntrack, reachability — each
// item with where it ran, its exit code and the line that reproduces it. Markdown; text from the cluster is
// fenced, never interpreted.
import type { Diagnosis, Evidence, Hop } from '../../lib/model';
import { CAUSES, WARNING_CAUSES, isCauseCode } from '../../lib/causes';

export type Slice = 'route-neighbor' | 'socket' | 'dns' | 'nat-conntrack' | 'reachability' | 'objects';

export const SLICE_TITLES: Record<Slice, string> = {
  'route-neighbor': 'Route / neighbor slice',
  socket: 'Socket slice',
  dns: 'DNS slice',
  'nat-conntrack': 'NAT / conntrack slice',
  reachability: 'Reachability probes (ping, connect, MTU)',
  objects: 'API objects read',
};

export function sliceOf(e: Evidence): Slice {
  const argv = e.command;
  const tool = argv[0] ?? '';
  const joined = `${e.probe} ${argv.join(' ')}`;
  if (!argv.length) return /dns|resolv/.test(e.probe) ? 'dns' : 'objects';
  if (tool === 'ss' || /socket|listen/.test(e.probe)) return 'socket';
  if (tool === 'dig' || tool === 'nslookup' || tool === 'host' || /resolv\.conf|dns/.test(joined)) return 'dns';
  if (['iptables-save', 'iptables', 'nft', 'ipvsadm', 'conntrack'].includes(tool) || /nf_conntrack/.test(joined)) return 'nat-conntrack';
  if (tool === 'ip' || tool === 'bridge' || tool === 'ethtool' || /sysctl/.test(tool)) return 'route-neighbor';
  return 'reachability';
}

const MAX_OUT = 4000; // per item, so a bundle stays pasteable

function fence(text: string): string {
  const body = text.length > MAX_OUT ? `${text.slice(0, MAX_OUT)}\n… (${text.length - MAX_OUT} more bytes in the JSON download)` : text;
  const ticks = body.includes('```') ? '~~~~' : '```';
  return `${ticks}\n${body.replace(/\s+$/, '')}\n${ticks}`;
}

function itemMd(hop: Hop, e: Evidence): string {
  const status = e.timedOut ? 'timed out' : e.exitCode === null ? 'no exit code' : `exit ${e.exitCode}`;
  const lines = [
    `#### ${e.probe} — ${e.where} (hop \`${hop.id}\`, ${status}, ${e.durationMs} ms${e.truncated ? ', output truncated' : ''})`,
    '',
    e.finding ? `Finding: ${e.finding}` : '',
    '',
    'Reproduce:',
    fence(e.reproduce || e.command.join(' ')),
  ];
  if (e.stdout) lines.push('', 'stdout:', fence(e.stdout));
  if (e.stderr) lines.push('', 'stderr:', fence(e.stderr));
  return lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

export function bundleMarkdown(d: Diagnosis, url?: string): string {
  const out: string[] = [];
  out.push(`# packetwalk evidence bundle: ${d.spec.from} → ${d.spec.to}`, '');
  out.push(`- diagnosis: \`${d.id}\`${url ? ` (${url})` : ''}`);
  out.push(`- context: ${d.cluster || d.spec.context || '(default)'}; depth: ${d.depth}`);
  out.push(`- started: ${d.createdAt}${d.finishedAt ? `; finished: ${d.finishedAt}` : ''}`);
  out.push(`- verdict: **${d.verdict}**`);
  if (d.firstFailure) {
    const title = isCauseCode(d.firstFailure.cause) ? CAUSES[d.firstFailure.cause].title : WARNING_CAUSES[d.firstFailure.cause].title;
    out.push(`- first failure: hop \`${d.firstFailure.hop}\`, ${d.firstFailure.cause} (${title}): ${d.firstFailure.reason}`);
    const next = d.firstFailure.nextStep ?? (isCauseCode(d.firstFailure.cause) ? CAUSES[d.firstFailure.cause].nextStep : WARNING_CAUSES[d.firstFailure.cause].nextStep);
    out.push(`- next step: ${next}`);
  }
  for (const w of d.warnings) out.push(`- warning: hop \`${w.hop}\`, ${w.cause}: ${w.reason}`);
  out.push('', '## Hops', '', '| hop | status | cause | summary |', '|---|---|---|---|');
  for (const h of d.hops) out.push(`| ${h.id} | ${h.status} | ${h.cause ?? ''} | ${h.summary.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);

  const bySlice = new Map<Slice, string[]>();
  for (const h of d.hops) for (const e of h.evidence) {
    const s = sliceOf(e);
    bySlice.set(s, [...(bySlice.get(s) ?? []), itemMd(h, e)]);
  }
  for (const s of Object.keys(SLICE_TITLES) as Slice[]) {
    out.push('', `## ${SLICE_TITLES[s]}`, '');
    const items = bySlice.get(s);
    out.push(items?.length ? items.join('\n\n') : '_No evidence of this kind was collected on this path._');
  }
  out.push('');
  return out.join('\n');
}
