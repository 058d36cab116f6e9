// What both bins do (packetwalk, kubectl-packetwalk): load the CLI (bin/freshness.mjs picks the bundle or the
// sources) and run it on argv, its return value the exit code.
import { cliModule } from './freshness.mjs';

/** Runs the CLI's main(argv, opts); `opts.asKubectlPlugin` for kubectl's plugin entry. */
export async function run(opts = {}) {
  // A reader that stops early (`| head`) closes the pipe: stop writing quietly; the exit code stays the command's.
  process.stdout.on('error', (e) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
  let argv = process.argv.slice(2);
  const cli = cliModule();
  if (cli.bundled) {
    // `diagnose --server`: its one module and code cache, nothing else of the CLI (server/cli/route.ts decides);
    // `-n NS diagnose …` is read as `diagnose -n NS …` first (commandFirst; main says its errors)
    const { commandFirst, isRemoteDiagnose } = await import(new URL('route.js', cli.url).href);
    const moved = commandFirst(argv);
    if (moved.argv) argv = moved.argv;
    if (isRemoteDiagnose(argv)) {
      const { remoteMain } = await import(new URL('remote-cached.mjs', cli.url).href);
      process.exitCode = await remoteMain(argv, opts);
      return;
    }
  } else (await import('tsx/esm/api')).register();
  const { main } = await import(cli.url);
  process.exitCode = await main(argv, opts);
  // A one-shot command is over once main returns: a request still open on an API server that froze (the
  // diagnosis's deadline passed and its bounded cleanup said what it left) must not keep the process alive.
  const route = cli.bundled ? await import(new URL('route.js', cli.url).href) : await import(new URL('../server/cli/route.ts', import.meta.url).href);
  if (route.endsWhenDone(argv)) globalThis.setTimeout(() => process.exit(), 500).unref();
}
