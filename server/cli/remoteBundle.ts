// Entry of the `diagnose --server` command's CommonJS bundle (dist/cli/remote.cjs, scripts/build-cli.mjs), loaded
// with its V8 code cache: by server/cli.ts's main() through dist/cli/remote-cached.mjs, and straight from
// bin/run.mjs when server/cli/route.ts says the argv runs remotely, so that such a run loads nothing else.
import { remoteDiagnoseMain } from './remote';
import { guarded } from './route';

export { remoteDiagnoseMain };

/** The run as main() makes it: `argv` with the command first (`diagnose …`); its exit code, errors as sentences. */
export function remoteMain(argv: string[], opts: { asKubectlPlugin?: boolean } = {}): Promise<number> {
  return guarded(argv[0], () => remoteDiagnoseMain(argv.slice(1), opts));
}
