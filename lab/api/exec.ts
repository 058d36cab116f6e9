// pods/exec and pods/attach over websocket (the remotecommand protocol, test/upstream/fixtures/exec):
// every binary message is one channel byte + payload; stdin 0, stdout 1, stderr 2, error 3, resize 4,
// and in v5 the client's [255, 0] closes stdin. The command runs as argv (never a shell) in the pod's
// or node's netns through `ip netns exec`, with the machine's tools standing in for the image; started by the lab's
// process starter (spawnClient.ts), not by this process.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { killGroup, spawnSession, type Session } from './spawnClient';

/** Offered by kubectl 1.32 / client-node; preferred first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];

export function pickProtocol(offered: Set<string>): string | false {
  return EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

/** Bounds: a session may not outlive this, nor print more than this (then its process group is killed). */
export const EXEC_MAX_MS = Number(process.env.PACKETWALK_EXEC_MAX_MS ?? 3_600_000);
export const EXEC_MAX_BYTES = 256 * 1024 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;

export interface ExecRequest {
  netns: string;
  argv: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Commands found on PATH (a tool installed later is found then; one found stays found for the daemon's life). */
const found = new Set<string>();

/** Is `cmd` an executable file, itself (a path) or in a PATH directory? Without exceptions for the misses. */
function onPath(cmd: string): boolean {
  if (found.has(cmd)) return true;
  const candidates = cmd.includes('/') ? [cmd] : PATH.split(':').map((d) => join(d, cmd));
  const hit = candidates.some((c) => {
    const st = statSync(c, { throwIfNoEntry: false });
    return !!st && st.isFile() && (st.mode & 0o111) !== 0;
  });
  if (hit) found.add(cmd);
  return hit;
}

/** Live sessions, so the daemon can kill them all when it stops (and a test can count them). */
export const liveSessions = new Set<Session>();

export function killAllSessions(): void {
  for (const c of liveSessions) killGroup(c);
}


const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

export function runExecSession(ws: WebSocket, req: ExecRequest, onEnd?: () => void): Session | undefined {
  const protocol = ws.protocol;
  const base64 = protocol.includes('base64');
  const statusJson = protocol.startsWith('v4.') || protocol.startsWith('v5.');

  const send = (channel: number, data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(String(channel) + data.toString('base64'));
    else ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  const finish = (status: object | null, text: string | null) => {
    if (statusJson && status) send(ERROR, Buffer.from(JSON.stringify(status)));
    else if (!statusJson && text) send(ERROR, Buffer.from(text));
    if (ws.readyState === ws.OPEN) ws.close(1000);
    onEnd?.();
  };

  // The ready signal: an empty message on the first writable channel.
  send(req.stdout ? STDOUT : req.stderr ? STDERR : ERROR, Buffer.alloc(0));

  if (req.argv.length === 0) {
    finish({ metadata: {}, status: 'Failure', message: 'Internal error occurred: error executing command in container: no command given', reason: 'InternalError', code: 500 }, 'no command given');
    return undefined;
  }
  if (!onPath(req.argv[0])) {
    // What containerd answers for a missing binary; the exit code is the runtime's 126.
    const msg = `OCI runtime exec failed: exec failed: unable to start container process: exec: "${req.argv[0]}": executable file not found in $PATH: unknown\r\n`;
    send(req.tty ? STDOUT : STDERR, Buffer.from(msg));
    finish(exitStatus(126), 'command terminated with non-zero exit code: exit status 126');
    return undefined;
  }

  // Started by lab/api/spawner.mjs (spawnClient.ts), in a process group of its own: closing the stream kills the
  // command and everything it started.
  const child = spawnSession('ip', ['netns', 'exec', req.netns, ...req.argv], { env: { PATH, HOME: '/root', ...(req.tty ? { TERM: 'xterm' } : {}) }, stdin: req.stdin });
  liveSessions.add(child);
  let bytes = 0;
  let ended = false;
  const timer = setTimeout(() => killGroup(child), EXEC_MAX_MS);

  const pump = (stream: NodeJS.ReadableStream | null, channel: number) => {
    stream?.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes > EXEC_MAX_BYTES) return killGroup(child);
      const wanted = channel === STDOUT ? req.stdout : req.stderr || req.tty;
      if (wanted) send(req.tty ? STDOUT : channel, d);
      if (ws.bufferedAmount > HIGH_WATER) {
        stream.pause();
        const t = setInterval(() => {
          if (ws.bufferedAmount < HIGH_WATER / 4 || ws.readyState !== ws.OPEN) {
            clearInterval(t);
            stream.resume();
          }
        }, 20);
      }
    });
  };
  pump(child.stdout, STDOUT);
  pump(child.stderr, STDERR);

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    let data = raw;
    let channel: number;
    if (!isBinary || base64) {
      const text = raw.toString();
      channel = Number(text[0]);
      data = Buffer.from(text.slice(1), 'base64');
    } else {
      channel = data[0];
      data = data.subarray(1);
    }
    if (channel === STDIN && child.stdin && !child.stdin.destroyed) child.stdin.write(data);
    else if (channel === CLOSE && data[0] === STDIN) child.stdin?.end();
    // channel 4 (resize): there is no terminal to resize; the command runs on pipes.
  });
  child.stdin?.on('error', () => {
    /* the command exited before reading its stdin */
  });
  const abort = () => {
    if (!ended) killGroup(child);
  };
  ws.on('close', abort);
  ws.on('error', abort);

  child.on('error', (err: Error) => {
    ended = true;
    clearTimeout(timer);
    liveSessions.delete(child);
    finish({ metadata: {}, status: 'Failure', message: `Internal error occurred: error executing command in container: ${err.message}`, reason: 'InternalError', code: 500 }, err.message);
  });
  child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
    ended = true;
    clearTimeout(timer);
    liveSessions.delete(child);
    const exit = code ?? 128 + (SIGNALS[signal ?? ''] ?? 9);
    finish(exit === 0 ? { metadata: {}, status: 'Success' } : exitStatus(exit), exit === 0 ? null : `command terminated with non-zero exit code: exit status ${exit}`);
  });
  return child;
}

export const exitStatus = (code: number) => ({
  metadata: {},
  status: 'Failure',
  message: `command terminated with non-zero exit code: exit status ${code}`,
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});
