// `packetwalk` CLI entry: main(argv) returns the exit code; the bin sets process.exitCode (DESIGN §2).
// Each command family lives in its own module and is loaded only when used, so `lab` never pays for Next.js.
import { termText } from '../lib/text';
import { guarded, isRemoteDiagnose } from './cli/route';
import { TARGET_FORMS } from '../lib/target';

export interface MainOptions {
  /** Invoked as `kubectl packetwalk …`: accept kubectl's own flags (-n, --kubeconfig, --context). */
  asKubectlPlugin?: boolean;
}

export const USAGE = `packetwalk — why can't pod A reach B?

usage:
  packetwalk demo                                   lab up (default topology) + serve; Ctrl-C stops both
  packetwalk serve [--host 127.0.0.1] [--port 3000] [--kubeconfig F] [--context C]
  packetwalk diagnose --from NS/POD|node/NAME|outside --to TARGET [--json] [--kubeconfig F] [--context C] [--server URL]
  packetwalk matrix -n NS [-n NS2 ...] [--json] [--with-policy FILE] [--all-pods] [--kubeconfig F] [--context C]
  packetwalk lab up [--config FILE] [--fault SPEC]...   build the lab; prints the kubeconfig path last
  packetwalk lab down | status | faults
  packetwalk lab fault add SPEC | lab fault clear [NAME]

TARGET: ${TARGET_FORMS.replaceAll('\n', ' ')}
exit codes (diagnose): 0 reachable, 1 unreachable/degraded, 2 usage or cluster error, 3 undetermined, 130 interrupted
exit codes (matrix): 0 every cell agrees (--with-policy: nothing cut), 1 otherwise, 2 usage/cluster, 3 nothing observed
`;

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
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
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        process.stderr.write(`packetwalk: unknown command "${termText(cmd)}"\n\n${USAGE}`);
        return 2;
    }
  });
}
