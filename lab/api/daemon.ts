// The lab API daemon (started detached by control.ts through the `<inst>-apiserver` symlink):
// serves HTTPS on 127.0.0.1 (a free port, written to `api/port` once listening) and follows state.json.
import { readFileSync, renameSync, watch, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killAllSessions } from './exec';
import { cancelStarts } from './kubelet';
import { createApiServer } from './server';
import { ObjectStore } from './store';
import { loadPolicySync } from './writes';

const labDir = process.argv[2];
if (!labDir) {
  process.stderr.write('usage: daemon.ts LABDIR\n');
  process.exit(2);
}
const apiDir = join(labDir, 'api');
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

// A bad request must never take the lab's API down: log and keep serving.
process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? e}`));

const store = new ObjectStore(labDir);
const server = createApiServer({
  store,
  labDir,
  tokens: JSON.parse(readFileSync(join(apiDir, 'tokens.json'), 'utf8')),
  key: readFileSync(join(apiDir, 'server.key'), 'utf8'),
  cert: readFileSync(join(apiDir, 'server.crt'), 'utf8'),
  log,
});

// fs.watch sees the rename that updateState does; the poll catches what inotify misses.
let lastSeen = '';
/** When state.json went missing (null while it exists): a daemon whose lab is gone must not linger. */
let missingSince: number | null = null;
const ORPHAN_MS = 5000;
const check = () => {
  try {
    const st = statSync(join(labDir, 'state.json'));
    missingSince = null;
    const sig = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (sig === lastSeen) return;
    lastSeen = sig;
    store.reloadFromDisk();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return log(`state reload failed: ${(e as Error).message}`);
    missingSince ??= Date.now();
    if (Date.now() - missingSince > ORPHAN_MS) stop(`${join(labDir, 'state.json')} is gone (lab removed)`);
  }
};
check();
const watcher = watch(labDir, (_ev, file) => {
  if (file === 'state.json') check();
});
watcher.on('error', (e) => log(`fs.watch: ${e.message}`));
const poll = setInterval(check, 1000);

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  writeFileSync(join(apiDir, 'port.tmp'), `${port}\n`);
  renameSync(join(apiDir, 'port.tmp'), join(apiDir, 'port'));
  log(`listening on https://127.0.0.1:${port} (pid ${process.pid})`);
  loadPolicySync().catch((e) => log(`lab/dataplane/policy.ts could not be loaded; NetworkPolicy writes will not reach the dataplane: ${(e as Error).message}`));
});

function stop(why: string): void {
  log(`${why}: stopping`);
  clearInterval(poll);
  watcher.close();
  killAllSessions();
  cancelStarts();
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
