/* global process, Buffer */
// The lab API's exec processes, started here instead of in the API daemon (lab/api/spawnClient.ts): a fork of the
// daemon (~130 MB, its TLS and object store) held its only thread ~3 ms per exec, so a diagnosis's ~40 execs queued
// behind one another there; on a cluster each runs on its own node's kubelet. This process is small and does
// nothing else, so starting a command costs the daemon one IPC message.
// The command's stdio are unix-socket connections to the daemon (its abstract socket SOCKET_NAME), one per stream,
// each opened with a 17-byte header: the session's key (16 bytes, `id` in hex) and the fd; they are handed to the
// command as its fds 0/1/2, so its output goes to the daemon directly, never through this process.
// Plain JavaScript on purpose (as listener.mjs): it starts in ~40 ms without a TypeScript loader.
// IPC in:  { id, file, args, env, stdin }  — start a command (argv as given, never a shell; its own process group)
// IPC out: { id, pid } once started, { id, error } when it could not be, { id, exit, signal } when it ended.
// usage (forked with an IPC channel): spawner.mjs SOCKET_NAME
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

const name = process.argv[2];
if (!name || !process.send) {
  process.stderr.write('usage: spawner.mjs SOCKET_NAME (forked by the lab API daemon, with an IPC channel)\n');
  process.exit(2);
}
// an abstract unix socket (Linux): its name with a leading NUL, which argv cannot carry
const path = `\0${name}`;
// The daemon gone (its IPC channel closed): nothing is left to start commands for.
process.on('disconnect', () => process.exit(0));

/** A connection to the daemon announcing stream `fd` of session `id`; resolves once connected. */
function stream(id, fd) {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('error', reject);
    s.once('connect', () => {
      s.write(Buffer.concat([Buffer.from(id, 'hex'), Buffer.from([fd])]), () => resolve(s));
    });
  });
}

process.on('message', async (m) => {
  const { id, file, args, env, stdin } = m;
  let socks = [];
  try {
    socks = await Promise.all([stdin ? stream(id, 0) : undefined, stream(id, 1), stream(id, 2)]);
  } catch (e) {
    for (const s of socks) s?.destroy();
    process.send({ id, error: `the command's streams could not be opened: ${e.message}` });
    return;
  }
  let child;
  try {
    child = spawn(file, args, { stdio: [socks[0] ?? 'ignore', socks[1], socks[2]], detached: true, env });
  } catch (e) {
    for (const s of socks) s?.destroy();
    process.send({ id, error: e.message });
    return;
  }
  // The command holds its own copies of the sockets; ours must neither read its stdin nor keep its output open.
  for (const s of socks) s?.destroy();
  child.once('error', (e) => process.send({ id, error: e.message }));
  child.once('spawn', () => process.send({ id, pid: child.pid }));
  child.once('exit', (code, signal) => process.send({ id, exit: code, signal }));
});
