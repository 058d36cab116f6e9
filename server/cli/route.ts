// Which command module an argv runs, decided before any of them loads: shared by server/cli.ts (main) and, for the
// bundle, by bin/run.mjs through dist/cli/route.js, so that `diagnose --server` loads its one small module (and its
// code cache) without the CLI's other modules (issue 9: start-up is most of a --server run's wall time).
import { termBlock, termText } from '../../lib/text';

/**
 * The cluster flags kubectl users write before the subcommand (`kubectl packetwalk -n shop diagnose …`), by the
 * commands that take them — each is a flag of that command's table (server/cli/commands.ts; route.test.ts checks).
 * Kept here, not read from the tables, so that route.js stays as light as it is.
 */
export const LEADING_FLAGS: Readonly<Record<string, readonly string[]>> = {
  diagnose: ['namespace', 'kubeconfig', 'context'],
  matrix: ['namespace', 'kubeconfig', 'context'],
  serve: ['kubeconfig', 'context'],
};

/**
 * argv with the cluster flags given before the command (`-n shop diagnose …`, `--context=prod matrix …`) moved
 * after it, as `--name=value`, so that the command parses them as its own; argv as it is when none leads. Or the
 * error to print: a leading flag that is not a cluster flag, one without a value, or one the command does not take.
 */
export function commandFirst(argv: readonly string[]): { argv: string[] } | { error: string } {
  const moved: string[] = [];
  const names: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-') && !['-h', '--help', '--'].includes(argv[i]); i++) {
    const a = argv[i];
    const m = /^(?:--(namespace|kubeconfig|context)|-(n))(?:=(.*))?$/.exec(a) ?? (/^-n(.+)$/.exec(a) ? ['', '', 'n', a.slice(2)] : null);
    if (!m) {
      const cmd = argv.slice(i + 1).find((x) => !x.startsWith('-'));
      return { error: `unknown flag "${termText(a)}" before the command; only kubectl's cluster flags (-n/--namespace, --kubeconfig, --context) may come first: put it after the command${cmd ? `, packetwalk ${termText(cmd)} ${termText(a)} …` : ''}` };
    }
    const name = m[1] || 'namespace';
    const shown = m[2] ? '-n' : `--${name}`;
    let value = m[3];
    if (value === undefined) {
      if (i + 1 >= argv.length) return { error: `${shown} needs a value` };
      value = argv[++i];
    }
    if (value === '') return { error: `${shown} needs a value` };
    moved.push(`--${name}=${value}`);
    names.push(name);
  }
  if (!moved.length) return { argv: [...argv] };
  const cmd = argv[i];
  const flags = [...new Set(names)].map((n) => (n === 'namespace' ? '-n' : `--${n}`)).join(', ');
  const takers = (n: string) => Object.keys(LEADING_FLAGS).filter((c) => LEADING_FLAGS[c].includes(n));
  if (cmd === undefined || cmd.startsWith('-')) return { error: `${flags} ${names.length > 1 ? 'go' : 'goes'} with a command: write it before or after ${takers(names[0]).join(', ')}, e.g. packetwalk ${argv.slice(0, i).map((x) => termText(x)).join(' ')} diagnose --from POD --to TARGET` };
  const not = names.find((n) => !(LEADING_FLAGS[cmd] ?? []).includes(n));
  if (not) return { error: `${termText(cmd)} does not take ${not === 'namespace' ? '-n/--namespace' : `--${not}`}; the commands that do: ${takers(not).join(', ')}` };
  return { argv: [cmd, ...moved, ...argv.slice(i + 1)] };
}

/**
 * Does this argv (without the node and script paths) run `diagnose` on a server: `--server URL`, `--server=URL` or
 * $PACKETWALK_SERVER (`env`, default process.env)? Only the presence is decided here; remote.ts checks the URL.
 */
export function isRemoteDiagnose(argv: readonly string[], env: Record<string, string | undefined> = process.env): boolean {
  const [cmd, ...rest] = argv;
  return cmd === 'diagnose' && (rest.some((a) => a === '--server' || a.startsWith('--server=')) || !!env.PACKETWALK_SERVER);
}

/**
 * Runs command `cmd`'s handler: its exit code, or 2 with `packetwalk CMD: message` on stderr when it throws (a
 * handler's own errors are sentences; nothing a command throws reaches the user as a stack trace).
 */
export async function guarded(cmd: string | undefined, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    process.stderr.write(`packetwalk ${termText(cmd ?? '')}: ${termBlock((e as Error).message)}\n`);
    return 2;
  }
}

/**
 * Whether the process may leave once this argv's main() has returned, whatever requests are still open: the one-shot
 * commands that talk to a cluster (`diagnose`, `matrix`). A run whose deadline passed on an API server that stopped
 * answering has said what it left behind (server/cluster/deadline.ts); its requests still waiting on that server
 * must not hold the process (bin/run.mjs exits shortly after). `serve`, `demo` and `lab` run on, as they decide.
 */
export function endsWhenDone(argv: readonly string[]): boolean {
  const moved = commandFirst(argv);
  const cmd = 'argv' in moved ? moved.argv[0] : undefined;
  return cmd === 'diagnose' || cmd === 'matrix';
}
