// A command that runs WHILE something else happens (a capture around a connect): started through the
// API's pods/exec like execInContainer (server/exec/exec.ts), but the caller watches stderr for a ready
// line and stops it when it likes — by closing the exec stream (a kubelet, and the lab, then end the
// command; the probe's own `timeout` bounds it whatever the runtime does). Output is capped in bytes;
// stop() returns the same record as execInContainer (exit code null when we stopped it; `transportError` when the
// socket closed with no Status before we stopped it: the API connection failed).
import type { KubeConfig } from '@kubernetes/client-node';
import { execClient } from './socket';
import { CappedSink, exitCodeOf, type ExecRequest, type ExecResult } from './exec';

export interface StreamingExec {
  /** resolves true once stderr or stdout matches `re`, false when the command ended or `timeoutMs` passed first */
  ready(re: RegExp, timeoutMs: number): Promise<boolean>;
  /** resolves true once `test(stdout so far)` holds (tried on every chunk), false when the command ended or `timeoutMs` passed first */
  until(test: (stdout: string) => boolean, timeoutMs: number): Promise<boolean>;
  /** closes the stream (if still open) and returns what the command printed */
  stop(): Promise<ExecResult>;
}

/** Starts argv in the container. Rejects when the exec could not start (API refused, pod gone). */
export async function startExec(kc: KubeConfig, req: ExecRequest): Promise<StreamingExec> {
  const started = Date.now();
  const watchers = new Set<() => void>();
  const poke = () => {
    for (const w of [...watchers]) w();
  };
  const out = new CappedSink(req.maxBytes, poke);
  const err = new CappedSink(65536, poke);
  let ended: { exitCode: number | null; errorText?: string } | undefined;
  let timedOut = false;
  const exec = execClient(kc);
  const ws = await exec.exec(req.namespace, req.pod, req.container, req.argv, out, err, null, false, (status) => {
    const code = exitCodeOf(status);
    ended = { exitCode: code, ...(status.status === 'Success' || code !== null ? {} : { errorText: status.message }) };
    poke();
  });
  let closed = false;
  let stopping = false;
  let transportError: string | undefined;
  let lastError: Error | undefined;
  (ws as unknown as { on(ev: 'error', fn: (e: Error) => void): unknown }).on('error', (e: Error) => (lastError = e));
  ws.on('close', () => {
    closed = true;
    // closed with no Status, and not by us (stop, our timer): the API server or the kubelet broke it off
    if (!ended && !stopping && !timedOut) transportError = `the exec connection closed without the command's exit status${lastError ? ` (${lastError.message})` : ''}`;
    setTimeout(poke, 10);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      ws.close();
    } catch {
      /* closed */
    }
  }, req.timeoutMs);
  const until = (test: () => boolean, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (test()) return done(true);
        if (ended || closed) return done(false);
      };
      const t = setTimeout(() => done(false), timeoutMs);
      const done = (v: boolean) => {
        clearTimeout(t);
        watchers.delete(check);
        resolve(v);
      };
      watchers.add(check);
      check();
    });
  return {
    ready: (re, timeoutMs) => until(() => re.test(err.text()) || re.test(out.text()), timeoutMs),
    until: (test, timeoutMs) => until(() => test(out.text()), timeoutMs),
    async stop() {
      stopping = true;
      clearTimeout(timer);
      if (!ended && !closed) {
        try {
          ws.close();
        } catch {
          /* closed */
        }
      }
      // Frames already on the way drain into the sinks.
      await new Promise((r) => setTimeout(r, 15));
      const e = err.text() + (ended?.errorText ? `${err.text() ? '\n' : ''}${ended.errorText}` : '');
      return { exitCode: ended?.exitCode ?? null, stdout: out.text(), stderr: e, durationMs: Date.now() - started, timedOut, truncated: out.truncated || err.truncated, ...(transportError !== undefined ? { transportError } : {}) };
    },
  };
}
