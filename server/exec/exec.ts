// One command in one container through the API's pods/exec, as a record (zx's ProcessOutput): exit code,
// stdout, stderr, duration, timedOut, truncated. client-node's Exec resolves when the socket OPENS, so
// this promise is settled by the V1Status on the error channel (the real end), by the socket closing,
// or by our timer, which closes the socket. A non-zero exit is data, never an exception.
// The probe's timer starts when the command starts (the websocket is open), so a slow API server or exec
// upgrade never reads as a silent probe; the upgrade itself has its own deadline (openTimeoutMs), and an
// exec that cannot open in time is a start error, not a probe result.
import { Writable } from 'node:stream';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import { execClient } from './socket';
import type { ProbeOutput } from '../../lib/verdict';

/** The record lib/verdict judges (exit code, both streams, duration, timedOut, truncated). */
export type ExecResult = ProbeOutput;

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  argv: string[];
  timeoutMs: number;
  maxBytes: number;
  /** how long the exec upgrade may take before it is an error (default 20 s) */
  openTimeoutMs?: number;
}

/** An exec that did not open within its deadline (the API server or kubelet is stalled). */
export class ExecOpenTimeout extends Error {
  override readonly name = 'ExecOpenTimeout';
}

/** The exit code of a finished command from the v4/v5 Status (details.causes[reason=ExitCode].message). */
export function exitCodeOf(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  return null;
}

/** Keeps at most `cap` bytes of a stream (the rest is dropped and `truncated` set); `onData` runs after each chunk. */
export class CappedSink extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(
    private readonly cap: number,
    private readonly onData: () => void = () => {},
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.cap - this.size;
    if (b.length > room) this.truncated = true;
    if (room > 0) {
      const part = b.subarray(0, room);
      this.chunks.push(part);
      this.size += part.length;
    }
    this.onData();
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs argv in the container. Rejects only when the exec could not start (API refused, pod gone): the
 * caller explains that with explain.ts. Everything after the start is in the result.
 */
export async function execInContainer(kc: KubeConfig, req: ExecRequest): Promise<ExecResult> {
  const out = new CappedSink(req.maxBytes);
  const errSink = new CappedSink(Math.min(req.maxBytes, 65536));
  let started = Date.now();
  let settle: (r: { exitCode: number | null; timedOut: boolean; errorText?: string; transportError?: string }) => void = () => {};
  const ended = new Promise<{ exitCode: number | null; timedOut: boolean; errorText?: string; transportError?: string }>((resolve) => {
    settle = resolve;
  });
  let done = false;
  const finish = (r: { exitCode: number | null; timedOut: boolean; errorText?: string; transportError?: string }) => {
    if (done) return;
    done = true;
    settle(r);
  };
  const exec = execClient(kc);
  let timer: NodeJS.Timeout | undefined;
  let startError: unknown;
  const openMs = req.openTimeoutMs ?? 20_000;
  const openTimer = setTimeout(() => {
    startError = new ExecOpenTimeout(`the exec into ${req.namespace}/${req.pod} (container ${req.container}) did not open within ${Math.round(openMs / 1000)} s; the API server or the kubelet is not answering`);
    finish({ exitCode: null, timedOut: false });
  }, openMs);
  let socket: ExecSocket | undefined;
  exec
    .exec(req.namespace, req.pod, req.container, req.argv, out, errSink, null, false, (status) => {
      const code = exitCodeOf(status);
      finish({ exitCode: code, timedOut: false, errorText: status.status === 'Success' || code !== null ? undefined : status.message });
    })
    .then(
      (ws) => {
        socket = ws;
        clearTimeout(openTimer);
        if (done) {
          ws.close(); // the open deadline passed while the socket was still opening
          return;
        }
        started = Date.now();
        const sock = ws as unknown as ExecSocket;
        let lastError: Error | undefined;
        sock.on('error', (e: Error) => (lastError = e));
        // Our timer: the command ran out of time — unless the API server itself is not answering (stopped, a dead
        // connection), which a ping tells: no pong within PONG_MS and the exec's silence is the API's, not the command's.
        timer = setTimeout(() => {
          void apiAnswers(sock).then((alive) => finish(alive ? { exitCode: null, timedOut: true } : { exitCode: null, timedOut: false, transportError: `the API server answered no ping when the command's ${Math.round(req.timeoutMs / 1000)} s ran out` }));
        }, req.timeoutMs);
        // A socket that closes without a Status (the API server or the kubelet gone mid-exec) ends the run with no
        // exit status: a transport error, never the command's output (lib/verdict probeRunOf makes it notRun).
        sock.on('close', (code?: number) =>
          setTimeout(() => finish({ exitCode: null, timedOut: false, transportError: `the exec connection closed without the command's exit status${lastError ? ` (${lastError.message})` : code && code !== 1000 && code !== 1005 ? ` (close code ${code})` : ''}` }), 20),
        );
      },
      (e: unknown) => {
        clearTimeout(openTimer);
        startError ??= e;
        finish({ exitCode: null, timedOut: false });
      },
    );
  const r = await ended;
  clearTimeout(timer);
  clearTimeout(openTimer);
  if (startError !== undefined) throw startError;
  try {
    socket?.close();
  } catch {
    /* already closed */
  }
  // Let the last stdout frames that raced the status drain into the sinks.
  await new Promise((res) => setImmediate(res));
  const stderr = errSink.text() + (r.errorText ? `${errSink.text() ? '\n' : ''}${r.errorText}` : '');
  return { exitCode: r.exitCode, stdout: out.text(), stderr, durationMs: Date.now() - started, timedOut: r.timedOut, truncated: out.truncated || errSink.truncated, ...(r.transportError !== undefined ? { transportError: r.transportError } : {}) };
}

/** The exec's websocket as this module uses it (the `ws` client behind client-node's handler). */
export interface ExecSocket {
  close(): void;
  ping?(): void;
  readyState?: number;
  on(ev: 'close', fn: (code?: number) => void): unknown;
  on(ev: 'error', fn: (e: Error) => void): unknown;
  on(ev: 'pong', fn: () => void): unknown;
  off?(ev: 'pong', fn: () => void): unknown;
}

/** How long a ping waits for its pong before the API connection counts as dead (ms). */
export const PONG_MS = 2000;

/**
 * Whether the API server still answers on the exec's socket: a ping answered within `ms` (a stopped or vanished
 * server answers none). A socket without ping (a test double) or already closed counts as answering, so a doubt
 * keeps the old reading (a timeout) rather than inventing a transport failure.
 */
export function apiAnswers(ws: ExecSocket, ms = PONG_MS): Promise<boolean> {
  if (typeof ws.ping !== 'function' || (ws.readyState !== undefined && ws.readyState !== 1)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const pong = () => {
      clearTimeout(t);
      resolve(true);
    };
    const t = setTimeout(() => {
      ws.off?.('pong', pong);
      resolve(false);
    }, ms);
    ws.on('pong', pong);
    try {
      ws.ping!();
    } catch {
      clearTimeout(t);
      resolve(false);
    }
  });
}
