// `packetwalk diagnose --from NS/POD --to TARGET [--json] [--kubeconfig F] [--context C]` (DESIGN §2).
// As `kubectl packetwalk diagnose …` it also takes kubectl's -n/--namespace (then --from may be just POD).
// Exit: 0 reachable, 1 unreachable/degraded, 2 usage or cluster error, 3 undetermined.
import type { MainOptions } from '../cli';
import type { Diagnosis, Hop, HopStatus } from '../../lib/model';

export const DIAGNOSE_USAGE = `usage: packetwalk diagnose --from NS/POD --to TARGET [--json] [--kubeconfig FILE] [--context NAME] [--image IMAGE]

  --from NS/POD        the pod the connection starts in (-n NS --from POD also works; as a kubectl
                       plugin a bare POD takes the context's namespace)
  -n, --namespace NS   namespace of a --from given without one
  --to TARGET          what the app dials: NAME[:PORT] (backend, backend.shop:80, example.com:443),
                       pod:NS/NAME:PORT, or IP:PORT
  --json               print exactly one Diagnosis object (JSON) on stdout
  --kubeconfig FILE    kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME       kubeconfig context (default: the current one)
  --image IMAGE        debug image for probes (default nicolaka/netshoot)
exit codes: 0 reachable, 1 unreachable or degraded, 2 usage or cluster error, 3 undetermined
`;

interface Args {
  from?: string;
  to?: string;
  json: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  image?: string;
  help: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string | undefined => (eq > 0 ? raw.slice(eq + 1) : argv[++i]);
    const need = (name: string): string => {
      const v = value();
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      switch (flag) {
        case '--from': a.from = need('--from'); break;
        case '--to': a.to = need('--to'); break;
        case '--json': a.json = true; break;
        case '--kubeconfig': a.kubeconfig = need('--kubeconfig'); break;
        case '--context': a.context = need('--context'); break;
        case '--image': a.image = need('--image'); break;
        case '-h': case '--help': a.help = true; break;
        case '-n': case '--namespace':
          a.namespace = need(flag);
          break;
        default:
          return `unknown argument "${raw}"`;
      }
    } catch (e) {
      return (e as Error).message;
    }
  }
  return a;
}

const COLOURS: Record<HopStatus, string> = { pass: '\x1b[32m', fail: '\x1b[31m', warn: '\x1b[33m', skip: '\x1b[90m', pending: '\x1b[90m', running: '\x1b[36m' };
const MARK: Record<HopStatus, string> = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip', pending: '....', running: '>>> ' };

export function renderHuman(d: Diagnosis, colour: boolean): string {
  const c = (s: HopStatus, t: string) => (colour ? `${COLOURS[s]}${t}\x1b[0m` : t);
  const bold = (t: string) => (colour ? `\x1b[1m${t}\x1b[0m` : t);
  const lines: string[] = [];
  lines.push(`${bold('packetwalk')} ${d.spec.from} → ${d.spec.to}  (context ${d.cluster}, ${d.depth} depth)`);
  lines.push('');
  const w = Math.max(...d.hops.map((h) => h.id.length));
  for (const h of d.hops as Hop[]) {
    lines.push(`  ${c(h.status, MARK[h.status])}  ${h.id.padEnd(w)}  ${h.label}${h.node ? `  [${h.node}]` : ''}`);
    lines.push(`        ${' '.repeat(w)}  ${h.summary}`);
  }
  lines.push('');
  const vcol: HopStatus = d.verdict === 'reachable' ? 'pass' : d.verdict === 'undetermined' ? 'skip' : d.verdict === 'degraded' ? 'warn' : 'fail';
  lines.push(`verdict: ${c(vcol, bold(d.verdict.toUpperCase()))}${d.summary ? ` — ${d.summary}` : ''}`);
  if (d.firstFailure) {
    lines.push(`first failure: ${d.firstFailure.cause} at ${d.firstFailure.hop}: ${d.firstFailure.reason}`);
    if (d.firstFailure.nextStep) lines.push(`next step: ${d.firstFailure.nextStep}`);
    const ev = d.hops.find((h) => h.id === d.firstFailure!.hop)?.evidence.find((e) => e.reproduce && e.where !== 'api');
    if (ev) lines.push(`reproduce: ${ev.reproduce}`);
  }
  for (const x of d.warnings) lines.push(`${c('warn', 'warning')}: ${x.cause} at ${x.hop}: ${x.reason}`);
  return lines.join('\n') + '\n';
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
  const a = parseArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`packetwalk diagnose: ${a}\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  if (a.help) {
    process.stdout.write(DIAGNOSE_USAGE);
    return 0;
  }
  if (!a.from || !a.to) {
    process.stderr.write(`packetwalk diagnose: ${!a.from ? '--from NS/POD' : '--to TARGET'} is required\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  const { diagnose, UsageError, ClusterError } = await import('../diagnose');
  try {
    let from = a.from;
    if (!from.includes('/') && (plugin || a.namespace)) {
      // Like kubectl: -n wins, else the context's namespace.
      const ns = a.namespace ?? (await import('../cluster/kubeconfig')).loadCluster({ ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.context ? { context: a.context } : {}) }).namespace;
      from = `${ns}/${from}`;
    }
    const d = await diagnose({ from, to: a.to, ...(a.context ? { context: a.context } : {}) }, { ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.image ? { image: a.image } : {}) });
    process.stdout.write(a.json ? `${JSON.stringify(d, null, 2)}\n` : renderHuman(d, !!process.stdout.isTTY && !process.env.NO_COLOR));
    return exitCodeFor(d);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`packetwalk diagnose: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ClusterError) {
      process.stderr.write(`packetwalk diagnose: ${e.message}\n  fix: ${e.fix}\n`);
      return 2;
    }
    throw e;
  }
}
