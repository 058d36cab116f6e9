// `packetwalk` CLI entry: main(argv) returns the exit code; the bin sets process.exitCode (DESIGN §2).
// Each command family lives in its own module and is loaded only when used, so `lab` never pays for Next.js.
import { termText } from '../lib/text';
import { commandFirst, guarded, isRemoteDiagnose } from './cli/route';
import { asPluginUsage, topLevelUsage } from './cli/commands';

export interface MainOptions {
  /** Invoked as `kubectl packetwalk …`: accept kubectl's own flags (-n, --kubeconfig, --context). */
  asKubectlPlugin?: boolean;
}

/** The top-level usage: every command's synopsis and flags from its table (server/cli/commands.ts). */
export const USAGE = topLevelUsage();

export async function main(given: string[], opts: MainOptions = {}): Promise<number> {
  // kubectl's habit: `-n shop diagnose …` — the cluster flags before the command move after it (cli/route.ts)
  const moved = commandFirst(given);
  if ('error' in moved) {
    process.stderr.write(`packetwalk: ${moved.error}\n(\`packetwalk --help\` lists the commands and their flags)\n`);
    return 2;
  }
  const argv = moved.argv;
  const [cmd, ...rest] = argv;
  return guarded(cmd, async () => {
    switch (cmd) {
      case 'lab':
        return (await import('../lab/cli')).labMain(rest);
      case 'diagnose':
        // --server (or $PACKETWALK_SERVER): a running `packetwalk serve` runs it; this process loads no engine
        if (isRemoteDiagnose(argv)) return (await import('./cli/remote')).remoteDiagnoseMain(rest, opts);
        return (await import('./cli/diagnose')).diagnoseMain(rest, opts);
      case 'matrix':
        return (await import('./cli/matrix')).matrixMain(rest, opts);
      case 'serve':
        return (await import('./cli/serve')).serveMain(rest);
      case 'demo':
        return (await import('./cli/serve')).demoMain(rest);
      case undefined:
        // no command is a usage error (exit 2): its text goes where errors go, so a script's `packetwalk $CMD > out`
        // with an empty $CMD does not take the usage for output; `--help` asked for it and gets stdout, exit 0
        process.stderr.write(opts.asKubectlPlugin ? asPluginUsage(USAGE) : USAGE);
        return 2;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(opts.asKubectlPlugin ? asPluginUsage(USAGE) : USAGE);
        return 0;
      default:
        process.stderr.write(`packetwalk: unknown command "${termText(cmd)}"\n\n${USAGE}`);
        return 2;
    }
  });
}
