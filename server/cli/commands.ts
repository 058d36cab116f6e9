// The flag table of every packetwalk command, in one light module (args.ts and lib/ only, so the top-level
// `packetwalk --help` does not load a command to describe it). Each command parses its argv with its table
// (server/cli/diagnose.ts, matrix.ts, serve.ts, lab/cli.ts), prints its own --help from it (usageOf), and the
// top-level usage lists every table's synopsis plus any flag the synopsis leaves out (topLevelUsage), so no
// command has a flag that `packetwalk --help` does not show.
import { TARGET_FORMS } from '../../lib/target';
import { CLUSTER_FLAGS, type CommandSpec, type FlagSpec } from './args';

/** The flags of `packetwalk diagnose` (local or --server): parsed and documented from this table. */
export const DIAGNOSE_SPEC: CommandSpec = {
  command: 'packetwalk diagnose',
  summary: 'one diagnosis; in a terminal the hops appear live as they finish',
  synopsis: '--from NS/POD|node/NAME|outside --to TARGET [-n NS] [--json] [--kubeconfig FILE] [--context NAME] [--image IMAGE] [--debug-namespace NS] [--keep-node-pods SECONDS] [--server URL]',
  flags: [
    { name: 'from', value: 'NS/POD', help: 'the pod the connection starts in (-n NS --from POD also works; as a kubectl\nplugin a bare POD takes the context\'s namespace); node/NAME for a node\'s own network;\noutside for a client outside the cluster (this machine)' },
    { name: 'namespace', short: 'n', value: 'NS', help: 'namespace of a --from given without one' },
    { name: 'to', value: 'TARGET', help: `what the app dials: ${TARGET_FORMS}, TCP otherwise unless the Service port is UDP` },
    { name: 'json', help: 'print exactly one Diagnosis object (JSON) on stdout' },
    ...CLUSTER_FLAGS,
    { name: 'image', value: 'IMAGE', help: 'debug image for probes (default nicolaka/netshoot)' },
    { name: 'debug-namespace', value: 'NS', help: 'namespace for node debug pods (privileged, hostNetwork; default: the context\'s namespace,\nor $PACKETWALK_DEBUG_NAMESPACE)' },
    { name: 'keep-node-pods', value: 'SECONDS', help: 'keep the node debug pods up to SECONDS (at most 300) so that the next diagnoses\nreuse them instead of starting new ones (default 0: deleted when the diagnosis ends;\nor $PACKETWALK_KEEP_NODE_PODS). Each ends by its own activeDeadlineSeconds' },
    { name: 'server', value: 'URL', help: 'let a running `packetwalk serve` at URL run it (its cluster access, its warm engine and\nkept pods; or $PACKETWALK_SERVER; its token from $PACKETWALK_TOKEN): the same output,\nexit codes and --json, and a permalink on stderr. --from outside is then the server\'s machine' },
    { name: 'help', short: 'h', help: 'this text' },
  ],
  footer: 'exit codes: 0 reachable, 1 unreachable or degraded, 2 usage or cluster error, 3 undetermined,\n130 interrupted (Ctrl-C: the node debug pods it made are deleted first)\n',
};

/** The flags of `packetwalk matrix`: parsed and documented from this one table (server/cli/args.ts). */
export const MATRIX_SPEC: CommandSpec = {
  command: 'packetwalk matrix',
  summary: 'the connectivity matrix of the namespaces\' pods and Services',
  synopsis: '-n NS [-n NS2 ...] [--json] [--with-policy FILE] [--all-pods]\n                        [--kubeconfig FILE] [--context NAME] [--image IMAGE] [--concurrency N]',
  flags: [
    { name: 'namespace', short: 'n', value: 'NS', multiple: true, help: 'a namespace whose pods are the sources and whose Services and pod ports are the\ntargets (repeat for more)' },
    { name: 'json', help: 'print exactly one matrix object (JSON) on stdout' },
    { name: 'with-policy', value: 'FILE', help: 'what-if: the NetworkPolicies in FILE are added (or replace same-named ones); predicts\nonly — no probing, no writes, read rights suffice; exit 1 when a flow would be cut' },
    { name: 'all-pods', help: 'probe every pod (default: one pod per Deployment/StatefulSet/DaemonSet)' },
    ...CLUSTER_FLAGS,
    { name: 'image', value: 'IMAGE', help: 'debug image for the connects (default nicolaka/netshoot)' },
    { name: 'concurrency', value: 'N', help: 'connects at once (default 32, at most 64)' },
    { name: 'help', short: 'h', help: 'print this text' },
  ],
  bareWord: 'namespace',
  footer: 'exit codes: 0 every cell agrees (with --with-policy: nothing is cut), 1 otherwise, 2 usage or cluster error,\n            3 nothing could be observed',
};

/** The flags of `packetwalk serve` (and the subset `demo` takes): parsed and documented from this table (server/cli/args.ts). */
export const SERVE_SPEC: CommandSpec = {
  command: 'packetwalk serve',
  summary: 'the dashboard',
  synopsis: '[--host 127.0.0.1] [--port 3000] [--kubeconfig F] [--context C]\n                       [--data-dir DIR] [--wall-interval SECONDS] [--allowed-host NAME]…\n                       [--debug-namespace NS] [--keep-node-pods SECONDS]',
  flags: [
    { name: 'host', value: 'ADDR', help: 'address to bind (default 127.0.0.1); anything that does not resolve to loopback only\nneeds PACKETWALK_TOKEN' },
    { name: 'allowed-host', value: 'NAME', multiple: true, help: 'a name the Host header may carry besides the bound address (NAME or NAME:PORT;\nrepeatable), e.g. the name of a reverse proxy in front of the dashboard' },
    { name: 'port', value: 'PORT', help: 'TCP port (default 3000; 0 picks a free one)' },
    { name: 'kubeconfig', value: 'FILE', help: 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' },
    { name: 'context', value: 'NAME', help: 'default context (the page can switch to any context of the kubeconfig)' },
    { name: 'data-dir', value: 'DIR', help: 'where diagnoses and pins are stored (default ./data or $PACKETWALK_DATA)' },
    { name: 'wall-interval', value: 'SECONDS', help: 'seconds between wallboard re-probes (default 30, or $PACKETWALK_WALL_INTERVAL)' },
    { name: 'debug-namespace', value: 'NS', help: "namespace for node debug pods (default: the context's namespace, or\n$PACKETWALK_DEBUG_NAMESPACE)" },
    { name: 'keep-node-pods', value: 'SECONDS', help: 'keep node debug pods up to SECONDS (at most 300) for the next diagnoses and wallboard\nre-probes to reuse (default 0: deleted after each diagnosis; or $PACKETWALK_KEEP_NODE_PODS)' },
    { name: 'help', short: 'h', help: 'print this text' },
  ],
};

/** `packetwalk demo` takes the serve flags that make sense for a lab it builds itself (no kubeconfig, context …). */
const DEMO_FLAGS = ['host', 'port', 'data-dir', 'wall-interval', 'allowed-host', 'help'];
export const DEMO_SPEC: CommandSpec = {
  command: 'packetwalk demo',
  summary: 'lab up (default topology) + serve; Ctrl-C stops both and tears the lab down',
  synopsis: '[--host 127.0.0.1] [--port 3000] [--data-dir DIR] [--wall-interval SECONDS] [--allowed-host NAME]…',
  flags: SERVE_SPEC.flags.filter((f) => DEMO_FLAGS.includes(f.name)),
};

/** The flags of `packetwalk lab up`, parsed and documented from this table (server/cli/args.ts). */
export const LAB_UP_SPEC: CommandSpec = {
  command: 'packetwalk lab up',
  summary: 'build the lab (default topology: lab/default.yaml); prints the kubeconfig path last',
  synopsis: '[FILE | --config FILE] [--fault SPEC]...',
  flags: [
    { name: 'config', short: 'f', value: 'FILE', help: 'the lab file (default topology: lab/default.yaml)' },
    { name: 'fault', value: 'SPEC', multiple: true, help: 'a fault to inject once the lab is up, NAME[:key=value,...] (repeatable)' },
    { name: 'help', short: 'h', help: 'print this text' },
  ],
};

/** Every command with a flag table, in the order the top-level usage lists them. */
export const COMMAND_SPECS: readonly CommandSpec[] = [DEMO_SPEC, SERVE_SPEC, DIAGNOSE_SPEC, MATRIX_SPEC, LAB_UP_SPEC];

/** True when the synopsis already shows flag `f` (`--name`, or `-s` for one with a short form). */
const shown = (synopsis: string, f: FlagSpec) => new RegExp(`(^|[\\s[|])(--${f.name}|${f.short ? `-${f.short}` : '--'})([\\s\\]=|…]|\\.\\.\\.|$)`).test(synopsis);

/**
 * One command's lines in the top-level usage: `packetwalk CMD` + its synopsis + `[--flag VALUE]` for each flag of
 * the table the synopsis leaves out (--help aside), wrapped at `width` with an indented continuation, then its summary.
 */
export function topLevelLines(spec: CommandSpec, width = 110): string[] {
  const synopsis = spec.synopsis.split(/\n\s*/).join(' ');
  const extra = spec.flags.filter((f) => f.name !== 'help' && !shown(synopsis, f)).map((f) => `[--${f.name}${f.value ? ` ${f.value}` : ''}]${f.multiple ? '…' : ''}`);
  // a bracketed group (`[--allowed-host NAME]…`, `[FILE | --config FILE]`) is one word: it never breaks across lines
  const words = [spec.command, ...(`${synopsis} ${extra.join(' ')}`.match(/\[[^\]]*\]\S*|\S+/g) ?? [])];
  const lines: string[] = [];
  let line = '  ';
  for (const w of words) {
    if (line.trim() && line.length + 1 + w.length > width) {
      lines.push(line);
      line = ' '.repeat(spec.command.length + 3);
    }
    line += line.trim() ? ` ${w}` : w;
  }
  lines.push(line);
  if (spec.summary) lines.push(`      ${spec.summary}`);
  return lines;
}

/** `packetwalk --help`: every command from its table, then the lab's other subcommands, the targets and exit codes. */
/**
 * A usage text as `kubectl packetwalk` shows it: every command line and mention of `packetwalk` as a command
 * becomes `kubectl packetwalk` (one already written so stays as is). Pure.
 */
export function asPluginUsage(usage: string): string {
  const pad = ' '.repeat('kubectl '.length);
  let synopsis = false;
  return usage.split('\n').map((line) => {
    const out = line.replace(/(?<!kubectl )(?<![\w./-])packetwalk(?![\w./-])/g, 'kubectl packetwalk');
    // a synopsis's wrapped lines (topLevelLines indents them under the command) move right with it
    if (synopsis && /^ {13,}\S/.test(line)) return `${pad}${out}`;
    synopsis = out !== line && /^ {2}kubectl packetwalk \S/.test(out);
    return out;
  }).join('\n');
}

export function topLevelUsage(): string {
  return `packetwalk — why can't pod A reach B?

usage:
${COMMAND_SPECS.flatMap((s) => topLevelLines(s)).join('\n')}
  packetwalk lab down | status | faults
  packetwalk lab fault add SPEC | lab fault clear [NAME|SPEC]

\`packetwalk COMMAND --help\` explains each flag. As with kubectl, -n/--namespace, --kubeconfig and --context may also
come before the command (\`kubectl packetwalk -n shop diagnose --from frontend-0 --to backend:80\`).
TARGET: ${TARGET_FORMS.replaceAll('\n', ' ')}
exit codes (diagnose): 0 reachable, 1 unreachable/degraded, 2 usage or cluster error, 3 undetermined, 130 interrupted
exit codes (matrix): 0 every cell agrees (--with-policy: nothing cut), 1 otherwise, 2 usage/cluster, 3 nothing observed
`;
}
