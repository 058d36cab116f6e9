// `packetwalk diagnose --from NS/POD --to TARGET [--json] [--kubeconfig F] [--context C]` (DESIGN §2).
// As `kubectl packetwalk diagnose …` it also takes kubectl's -n/--namespace (then --from may be just POD).
// Exit: 0 reachable, 1 unreachable/degraded, 2 usage or cluster error, 3 undetermined, 130 interrupted (Ctrl-C).
import type { MainOptions } from '../cli';
import type { Diagnosis, Hop, HopStatus } from '../../lib/model';
import { parseFlags, usageErrorText, usageOf } from './args';
import { asPluginUsage, DIAGNOSE_SPEC } from './commands';
import { COLOUR, LiveHops, MARK } from './progress';
import { termText as t, termBlock } from '../../lib/text';
import { reportCommandError } from './errors';
import { dialledPort, dialledProto } from '../../lib/target';
import { lastSeenLine } from '../../lib/verdict/trace';
import { firstFailureShown } from '../../lib/verdict/reproduce';
import { KEPT_SELECTOR, parseKeepSeconds } from '../../lib/kube/nodeDebug';
import { shellQuote } from '../../lib/probes';
import type { NodeDebugPod } from '../exec/nodeDebug';
import { isSubdomainName } from '../../lib/kube/names';

export { DIAGNOSE_SPEC };

export const DIAGNOSE_USAGE = usageOf(DIAGNOSE_SPEC);

interface Args {
  from?: string;
  to?: string;
  json: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  image?: string;
  debugNamespace?: string;
  keepNodePods?: string;
  server?: string;
  help: boolean;
}

/** The command's flags (DIAGNOSE_SPEC), or the one-line usage error. Shared with --server (server/cli/remote.ts). */
export function parseDiagnoseArgs(argv: string[]): Args | string {
  const r = parseFlags(DIAGNOSE_SPEC, argv);
  if ('error' in r) return r.error;
  const v = r.values;
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  return {
    from: str('from'), to: str('to'), namespace: str('namespace'), kubeconfig: str('kubeconfig'),
    context: str('context'), image: str('image'), debugNamespace: str('debug-namespace'), keepNodePods: str('keep-node-pods'), server: str('server'), json: v.json === true, help: v.help === true,
  };
}

/**
 * The usage error of a --from/--to pair before any cluster is read (local and --server runs): a missing one, or a
 * bare pod name with no namespace to put it in (`namespaced`: -n was given, or the kubectl plugin reads the
 * context's) — which says that `-n NS --from POD` works too; or an NS/POD whose namespace is not that of `-n`
 * (`a.namespace`): two answers to "which namespace", where one was silently dropped. Undefined when the pair can go on.
 */
export function fromToError(a: { from?: string; to?: string; namespace?: string }, namespaced: boolean): string | undefined {
  if (!a.from) return '--from NS/POD, node/NAME or outside is required';
  if (!a.to) return '--to TARGET is required';
  const from = a.from.trim();
  const [ns, pod, ...more] = from.split('/');
  if (a.namespace !== undefined && pod !== undefined && !more.length && ns !== 'node' && ns !== a.namespace) {
    return `--from "${from}" names namespace ${ns}, and -n says ${a.namespace}: drop -n, or write --from ${a.namespace}/${pod}`;
  }
  if (namespaced || from.includes('/') || from === 'outside' || !isSubdomainName(from)) return undefined;
  return `--from "${from}" is not NS/POD; write the namespace and the pod name, e.g. --from shop/${from}, or the namespace with -n: -n shop --from ${from} (or node/NAME for a node's own network, or outside for a client outside the cluster)`;
}

export function renderHuman(d: Diagnosis, colour: boolean): string {
  const c = (s: HopStatus, t: string) => (colour ? `${COLOUR[s]}${t}\x1b[0m` : t);
  const bold = (t: string) => (colour ? `\x1b[1m${t}\x1b[0m` : t);
  const lines: string[] = [];
  // every string below may come from the cluster: it goes through termText (lib/text) before any colour is added
  // a port-less name: the Service port walked; no suffix: the transport when it was UDP (kube-dns:53 is TCP, statsd:8125 UDP)
  const port = dialledPort(d.spec.to, d.hops);
  const proto = dialledProto(d.spec.to, d.hops);
  const dialled = port !== undefined ? ` (port ${port}${proto ? `/${proto}` : ''})` : proto ? `/${proto}` : '';
  lines.push(`${bold('packetwalk')} ${t(d.spec.from)} → ${t(d.spec.to)}${dialled}  (context ${t(d.cluster)}, ${d.depth} depth)`);
  lines.push('');
  const w = Math.max(...d.hops.map((h) => t(h.id).length));
  for (const h of d.hops as Hop[]) {
    lines.push(`  ${c(h.status, MARK[h.status])}  ${t(h.id).padEnd(w)}  ${t(h.label)}${h.node ? `  [${t(h.node)}]` : ''}`);
    lines.push(`        ${' '.repeat(w)}  ${t(h.summary)}`);
  }
  lines.push('');
  const vcol: HopStatus = d.verdict === 'reachable' ? 'pass' : d.verdict === 'undetermined' ? 'skip' : d.verdict === 'degraded' ? 'warn' : 'fail';
  // The first failure's reason is printed once, on its own line below: the verdict line keeps the summary's head.
  const ff = d.firstFailure;
  const whole = d.summary ?? '';
  const at = ff ? whole.indexOf(`: ${ff.reason}`) : -1;
  // (a sentence that followed the reason keeps its full stop: "… at service. Another sentence …")
  const rest = at >= 0 ? whole.slice(at + ff!.reason.length + 2) : '';
  const summary = at >= 0 ? `${whole.slice(0, at)}${/^ [A-Z]/.test(rest) ? '.' : ''}${rest}` : whole;
  lines.push(`verdict: ${c(vcol, bold(t(d.verdict).toUpperCase()))}${summary ? ` — ${t(summary)}` : ''}`);
  if (ff) {
    // what the probes of that hop saw, in one line (the JSON and the page have every output), and its reproducer
    const { observed, reproduce: ev } = firstFailureShown(d);
    lines.push(`first failure: ${t(ff.cause)} at ${t(ff.hop)}: ${t(ff.reason)}`);
    if (observed) lines.push(`evidence: ${t(observed, 1000)}`);
    if (ff.nextStep) lines.push(`next step: ${t(ff.nextStep)}`);
    // an outside probe's line is the bare command: say where it ran (this machine, outside the cluster)
    if (ev) lines.push(`reproduce${ev.where.startsWith('outside') ? ' (here, outside the cluster)' : ''}: ${t(ev.reproduce, 4000)}`);
  }
  // A warning's reason already on its hop's line above is not said again: the line gives what to do instead.
  for (const x of d.warnings) {
    const shown = d.hops.some((h) => h.id === x.hop && h.summary.includes(x.reason));
    const what = shown ? (x.nextStep ? `next step: ${t(x.nextStep)}` : `see the ${t(x.hop)} hop`) : `${t(x.reason)}${x.nextStep ? ` — next step: ${t(x.nextStep)}` : ''}`;
    lines.push(`${c('warn', 'warning')}: ${t(x.cause)} at ${t(x.hop)}${shown ? ' —' : ':'} ${what}`);
  }
  // The packet's own walk (DESIGN §4 trace): where the flow's first packet was last captured.
  if (d.trace) {
    // with the name the failure, the walk past it says nothing against it: the trace dials the address the objects give
    const dialled = d.firstFailure?.hop === 'dns' ? / > (\S+)\/\w+$/.exec(d.trace.flow)?.[1] : undefined;
    lines.push(t(`${lastSeenLine(d.trace)}${dialled ? ` — the trace dials ${dialled} directly, not by the name` : ''}`));
  }
  return lines.join('\n') + '\n';
}

/**
 * The stderr line after a diagnosis that kept its node debug pods: which, how long at most (the latest of their
 * keep-until annotations, in seconds from `now`), and the kubectl command that deletes them now — with the
 * kubeconfig and context the diagnosis used, shell-quoted, so that it works as pasted.
 */
export function keptLine(pods: NodeDebugPod[], cluster: { kubeconfig?: string; context?: string } = {}, now = Date.now()): string {
  const ns = pods[0].namespace;
  const until = Math.max(now, ...pods.map((p) => Date.parse(p.keepUntil ?? '')).filter((t) => Number.isFinite(t)));
  const left = Math.round((until - now) / 1000);
  const flags = [...(cluster.kubeconfig ? ['--kubeconfig', shellQuote(cluster.kubeconfig)] : []), ...(cluster.context ? ['--context', shellQuote(cluster.context)] : [])];
  return `packetwalk diagnose: node debug pod${pods.length === 1 ? '' : 's'} ${pods.map((p) => p.pod).join(', ')} stay${pods.length === 1 ? 's' : ''} in ${ns} for ${left} s more, for the next diagnoses to reuse; delete now: ${['kubectl', ...flags, 'delete', 'pods', '-n', ns, '-l', KEPT_SELECTOR].join(' ')}`;
}

export function exitCodeFor(d: Diagnosis): number {
  switch (d.verdict) {
    case 'reachable': return 0;
    case 'unreachable': case 'degraded': return 1;
    default: return 3;
  }
}

export async function diagnoseMain(argv: string[], opts: MainOptions): Promise<number> {
  const plugin = !!opts.asKubectlPlugin;
  const a = parseDiagnoseArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(usageErrorText(DIAGNOSE_SPEC, termBlock(a)));
    return 2;
  }
  if (a.help) {
    process.stdout.write(plugin ? asPluginUsage(DIAGNOSE_USAGE) : DIAGNOSE_USAGE);
    return 0;
  }
  const missing = fromToError(a, plugin || !!a.namespace);
  if (missing || !a.from || !a.to) {
    process.stderr.write(usageErrorText(DIAGNOSE_SPEC, termBlock(missing ?? '')));
    return 2;
  }
  // The keep window: the flag, else the engine reads $PACKETWALK_KEEP_NODE_PODS (lib/kube/nodeDebug.ts).
  const keep = a.keepNodePods === undefined ? undefined : parseKeepSeconds(a.keepNodePods, '--keep-node-pods');
  if (typeof keep === 'string') {
    process.stderr.write(usageErrorText(DIAGNOSE_SPEC, termBlock(keep)));
    return 2;
  }
  const { diagnose } = await import('../diagnose');
  try {
    let from = a.from;
    if (!from.includes('/') && from !== 'outside' && (plugin || a.namespace)) {
      // Like kubectl: -n wins, else the context's namespace.
      const ns = a.namespace ?? (await import('../cluster/kubeconfig')).loadCluster({ ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.context ? { context: a.context } : {}) }).namespace;
      from = `${ns}/${from}`;
    }
    // In a terminal the hops appear as they finish; --json and pipes print only the final result.
    const live = !a.json && process.stdout.isTTY && !process.env.NO_COLOR ? new LiveHops({ write: (s) => process.stdout.write(s), columns: process.stdout.columns }, t) : null;
    // Ctrl-C (or SIGTERM) stops the probes and deletes the node debug pods before the process ends: a privileged
    // pod must not outlive the command that made it. A second Ctrl-C leaves at once (the pods are then swept by
    // a later run: server/exec/nodeDebug.ts sweepNodeDebugPods).
    const stop = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(130);
      live?.stop();
      process.stderr.write(`\npacketwalk diagnose: ${sig === 'SIGINT' ? 'interrupted' : `stopped (${sig})`}; deleting any node debug pods it made (Ctrl-C again to leave them)\n`);
      stop.abort();
      // a credential plugin still running (a login that hangs) would hold every request until its bound
      void import('../cluster/credentials').then((m) => m.stopCredentialPlugins());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let d: Diagnosis;
    let kept: NodeDebugPod[] = [];
    try {
      d = await diagnose({ from, to: a.to, ...(a.context ? { context: a.context } : {}) }, { ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.image ? { image: a.image } : {}), ...(a.debugNamespace ? { debugNamespace: a.debugNamespace } : {}), ...(live ? { onEvent: live.onEvent } : {}), signal: stop.signal, ...(keep !== undefined ? { keepNodePods: keep } : {}), onNodePodsKept: (pods: NodeDebugPod[]) => (kept = pods) });
    } finally {
      live?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stdout.write(a.json ? `${JSON.stringify(d, null, 2)}\n` : renderHuman(d, !!process.stdout.isTTY && !process.env.NO_COLOR));
    // Privileged pods left running are said on stderr, with the command that removes them now.
    if (kept.length) process.stderr.write(`${t(keptLine(kept, { ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.context ? { context: a.context } : {}) }))}\n`);
    return stop.signal.aborted ? 130 : exitCodeFor(d);
  } catch (e) {
    return reportCommandError('diagnose', e);
  }
}
