// The API daemon's side of lab/api/spawner.mjs: an exec's command started by that small process, its stdio
// unix-socket connections back to this one (an abstract socket, nothing on disk; each connection names its session
// by a random 128-bit key, so no other local process can pose as a command's output), so the daemon's thread never
// waits in fork(): ~3 ms per exec on the lab, where a diagnosis's ~40 execs queued there behind one another (a CPU
// profile of the daemon, 2026-11-30); with it the daemon's CPU per diagnosis went ~115 → ~75 ms and an in-process
// diagnosis ~20 ms faster (two labs side by side, 25 alternating runs each: BENCHMARKS.md). A Session looks
// like the ChildProcess it replaces where exec.ts uses one: stdout, stderr, stdin, pid, exitCode, signalCode, and
// 'error' / 'close' (code, signal) once the command ended and its output was read.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

export class Session extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: PassThrough | null;
  /** a kill asked for before the pid was known */
  killWanted = false;
  private open = 2;
  private ended = false;

  constructor(wantsStdin: boolean) {
    super();
    this.stdin = wantsStdin ? new PassThrough() : null;
  }

  /** Stream `fd` of the command arrived as `sock` (0 only when the session wants stdin; anything else is dropped). */
  attach(fd: number, sock: Socket): void {
    sock.on('error', () => undefined);
    if (fd === 0 && this.stdin) {
      this.stdin.pipe(sock);
      return;
    }
    if (fd !== 1 && fd !== 2) return void sock.destroy();
    const out = fd === 1 ? this.stdout : this.stderr;
    sock.on('close', () => {
      out.end();
      this.open -= 1;
      this.settle();
    });
    sock.pipe(out, { end: false });
  }

  /** The spawner's word on the command. */
  onMessage(m: SpawnerMessage): void {
    if ('pid' in m) {
      this.pid = m.pid;
      if (this.killWanted) killGroup(this);
    } else if ('error' in m) {
      if (this.ended) return;
      this.ended = true;
      this.emit('error', new Error(m.error));
    } else {
      this.exitCode = m.exit;
      this.signalCode = (m.signal as NodeJS.Signals | null) ?? null;
      this.settle();
    }
  }

  private settle(): void {
    if (this.ended || this.open > 0 || (this.exitCode === null && this.signalCode === null)) return;
    this.ended = true;
    this.emit('close', this.exitCode, this.signalCode);
  }
}

type SpawnerMessage = { id: string; pid: number } | { id: string; error: string } | { id: string; exit: number | null; signal: string | null };

/** A stream's header: the session's key (KEY_BYTES) and the fd (one byte). */
const KEY_BYTES = 16;

/** Kills the session's process group (the command and whatever it started); later, once its pid is known. */
export function killGroup(s: Session): void {
  if (s.exitCode !== null || s.signalCode !== null) return;
  if (s.pid === undefined) {
    s.killWanted = true;
    return;
  }
  try {
    process.kill(-s.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** The starter now, and the keys of the sessions it started (its 'exit' ends those, not a successor's). */
let spawner: { child: ChildProcess; keys: Set<string> } | undefined;
let server: Server | undefined;
/** live sessions by key (hex) */
const sessions = new Map<string, Session>();
/** The abstract unix socket (Linux: a name, no file) the commands' streams connect to; argv carries it without its leading NUL. */
const SOCKET_NAME = `packetwalk-lab-spawn-${process.pid}`;

function ensureSpawner(): NonNullable<typeof spawner> {
  if (spawner?.child.connected) return spawner;
  if (!server) {
    server = createServer((sock) => {
      const header = (): void => {
        const h = sock.read(KEY_BYTES + 1) as Buffer | null;
        if (!h) return void sock.once('readable', header);
        const s = sessions.get(h.subarray(0, KEY_BYTES).toString('hex'));
        if (!s) return void sock.destroy();
        s.attach(h[KEY_BYTES], sock);
      };
      sock.on('error', () => undefined);
      header();
    });
    server.listen(`\0${SOCKET_NAME}`);
    server.unref();
  }
  const child = fork(fileURLToPath(new URL('./spawner.mjs', import.meta.url)), [SOCKET_NAME], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const mine = { child, keys: new Set<string>() };
  child.on('message', (m: SpawnerMessage) => sessions.get(m.id)?.onMessage(m));
  child.on('exit', () => {
    // the sessions it started cannot report their end any more: each command is stopped (its process group) and
    // its session ends with the reason; the next exec forks a new starter
    if (spawner === mine) spawner = undefined;
    for (const id of mine.keys) {
      const s = sessions.get(id);
      if (!s) continue;
      sessions.delete(id);
      killGroup(s);
      s.onMessage({ id, error: 'the lab API lost its process starter' });
    }
  });
  // neither the process nor its channel keeps a process alive that has nothing else to do (an API server in a test)
  child.unref();
  child.channel?.unref();
  spawner = mine;
  return mine;
}

/** Starts `file` `args` (argv, never a shell) in a process group of its own, with `env`; its stdin only when `stdin`. */
export function spawnSession(file: string, args: string[], opts: { env: Record<string, string>; stdin: boolean }): Session {
  const s = new Session(opts.stdin);
  const id = randomBytes(KEY_BYTES).toString('hex');
  const starter = ensureSpawner();
  sessions.set(id, s);
  starter.keys.add(id);
  const done = () => {
    sessions.delete(id);
    starter.keys.delete(id);
  };
  s.once('close', done);
  s.once('error', done);
  starter.child.send({ id, file, args, env: opts.env, stdin: opts.stdin });
  return s;
}
