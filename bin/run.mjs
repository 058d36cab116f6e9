// What both bins do (packetwalk, kubectl-packetwalk): load the CLI (bin/freshness.mjs picks the bundle or the
// sources) and run it on argv, its return value the exit code.
import { cliModule } from './freshness.mjs';

/** Runs the CLI's main(argv, opts); `opts.asKubectlPlugin` for kubectl's plugin entry. */
export async function run(opts = {}) {
  // A reader that stops early (`| head`) closes the pipe: stop writing quietly; the exit code stays the command's.
  process.stdout.on('error', (e) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
  const cli = cliModule();
  if (!cli.bundled) (await import('tsx/esm/api')).register();
  const { main } = await import(cli.url);
  process.exitCode = await main(process.argv.slice(2), opts);
}
