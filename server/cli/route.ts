// Which command module an argv runs, decided before any of them loads: shared by server/cli.ts (main) and, for the
// bundle, by bin/run.mjs through dist/cli/route.js, so that `diagnose --server` loads its one small module (and its
// code cache) without the CLI's other modules (issue 9: start-up is most of a --server run's wall time).
import { termBlock, termText } from '../../lib/text';

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
