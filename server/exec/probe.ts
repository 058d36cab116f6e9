// The one way anything outside server/exec runs a command (issue 9): "run this registered probe with these
// arguments". The probe is looked up in the registry (lib/probes.ts, the allowlist), its arguments are checked
// by its own entry (lib/probeArgs.ts; a bad one is a ProbeArgError naming probe and argument), argv is built
// there, and the entry's timeout and byte cap apply. The raw exec (./exec.ts, ./stream.ts) stays inside
// server/exec: eslint's no-restricted-imports refuses it elsewhere.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { probeDef, type ProbeArgs, type ProbeId } from '../../lib/probes';
import { BATCH_MAX, batchExec, splitBatch, type BatchRead } from '../../lib/probeBatch';
import { execInContainer, type ExecResult } from './exec';
export { ExecOpenTimeout } from './exec';
import { startExec, type StreamingExec } from './stream';

export type { ExecResult, StreamingExec };

/** A container probes run in: a pod's ephemeral debug container, or a node debug pod's container. */
export interface ContainerFoothold {
  namespace: string;
  pod: string;
  container: string;
}

/**
 * The machine packetwalk runs on (server/diagnose/outside.ts `outsideRunner`): runs argv with a timeout in ms
 * and a byte cap per stream, never a shell.
 */
export interface OutsideFoothold {
  run(argv: string[], timeoutMs: number, maxBytes: number): Promise<ExecResult>;
}

export type ProbeFoothold = ContainerFoothold | OutsideFoothold;

/** What a probe printed (exit code, both streams, duration, timedOut, truncated) and the argv it ran. */
export type ProbeResult = ExecResult & { argv: string[] };

const isOutside = (at: ProbeFoothold): at is OutsideFoothold => typeof (at as OutsideFoothold).run === 'function';

function checked(id: ProbeId, args: ProbeArgs, at: ProbeFoothold) {
  const def = probeDef(id);
  // An outside probe runs only where packetwalk runs, and a pod/node probe only in a container.
  if ((def.where === 'outside') !== isOutside(at)) throw new Error(`probe ${id} runs ${def.where === 'outside' ? 'outside the cluster' : `in a ${def.where}'s container`}, not ${isOutside(at) ? 'outside' : 'in a container'}`);
  return { def, argv: def.argv(args) };
}

/**
 * Runs registered probe `id` with `args` at `at`, bounded by the entry's timeoutMs and maxBytes.
 * Throws ProbeArgError before anything runs when an argument is bad; rejects when a container exec could not
 * start (API refused, pod gone, ExecOpenTimeout after `openTimeoutMs`): the caller explains that with
 * server/cluster/explain.ts. A non-zero exit or a timeout is data in the result, never an exception.
 */
export async function runProbe(kc: KubeConfig, at: ProbeFoothold, id: ProbeId, args: ProbeArgs, opts: { openTimeoutMs?: number } = {}): Promise<ProbeResult> {
  const { def, argv } = checked(id, args, at);
  const r = isOutside(at)
    ? await at.run(argv, def.timeoutMs, def.maxBytes)
    : await execInContainer(kc, { namespace: at.namespace, pod: at.pod, container: at.container, argv, timeoutMs: def.timeoutMs, maxBytes: def.maxBytes, ...opts });
  return { ...r, argv };
}

/**
 * Starts registered probe `id` (a capture) in a container and returns it running: the caller waits for its ready
 * line and stops it (server/exec/stream.ts); the entry's timeoutMs and maxBytes bound it. Throws ProbeArgError
 * for a bad argument; rejects when the exec could not start.
 */
export async function startProbe(kc: KubeConfig, at: ContainerFoothold, id: ProbeId, args: ProbeArgs): Promise<StreamingExec & { argv: string[] }> {
  const { def, argv } = checked(id, args, at);
  const exec = await startExec(kc, { namespace: at.namespace, pod: at.pod, container: at.container, argv, timeoutMs: def.timeoutMs, maxBytes: def.maxBytes });
  return Object.assign(exec, { argv });
}

interface Queued {
  id: ProbeId;
  read: BatchRead;
  args: ProbeArgs;
  first: boolean;
  resolve: (r: ProbeResult) => void;
  reject: (e: unknown) => void;
}

/** How a batcher's execs wait their turn: a diagnosis's probe limiter (lib/limit.ts); `first` for what others wait on. */
export type ExecGate = <T>(job: () => Promise<T>, first?: boolean) => Promise<T>;

/** A probe run through a probeBatcher: runProbe's arguments, and whether others wait on it (`first`). */
export type BatchedRun = (at: ContainerFoothold, id: ProbeId, args: ProbeArgs, first?: boolean) => Promise<ProbeResult>;

/**
 * A runProbe that lets the registry's instant reads (`batchable`) asked for at one container foothold in the same
 * turn of the event loop share one exec (lib/probeBatch.ts): a diagnosis's probes of one foothold are asked for
 * together when it is ready, so a healthy lab path's 34 execs became 17. Every exec — a batch, or a probe that is
 * not batchable — waits for `gate` (one slot each; a batch is first when one of its reads is). Same contract as
 * runProbe: a bad argument throws before anything runs; a read resolves its own record (its argv, exit status,
 * streams; the batch's duration); an exec that could not start rejects every read of it. A read whose record the
 * batch could not give (sh not in the image, a batch cut short after an earlier read) runs alone, in the same slot.
 */
export function probeBatcher(kc: KubeConfig, gate: ExecGate = (job) => job()): BatchedRun {
  const queues = new Map<string, { at: ContainerFoothold; items: Queued[] }>();
  const flush = (key: string) => {
    const q = queues.get(key);
    queues.delete(key);
    if (!q) return;
    for (let i = 0; i < q.items.length; i += BATCH_MAX) {
      const items = q.items.slice(i, i + BATCH_MAX);
      gate(() => runBatch(kc, q.at, items), items.some((x) => x.first)).catch(() => undefined);
    }
  };
  return (at, id, args, first = false) => {
    const { def, argv } = checked(id, args, at);
    if (!def.batchable) return gate(() => runProbe(kc, at, id, args), first);
    const key = `${at.namespace}/${at.pod}/${at.container}`;
    return new Promise<ProbeResult>((resolve, reject) => {
      let q = queues.get(key);
      if (!q) {
        q = { at, items: [] };
        queues.set(key, q);
        setImmediate(() => flush(key));
      }
      q.items.push({ id, args, first, read: { argv, timeoutMs: def.timeoutMs, maxBytes: def.maxBytes }, resolve, reject });
    });
  };
}
async function runBatch(kc: KubeConfig, at: ContainerFoothold, items: Queued[]): Promise<void> {
  const alone = (q: Queued) => runProbe(kc, at, q.id, q.args).then(q.resolve, q.reject);
  if (items.length === 1) return alone(items[0]!);
  const nonce = `pw-${randomBytes(12).toString('hex')}`;
  const reads = items.map((q) => q.read);
  const b = batchExec(nonce, reads);
  let r: ExecResult;
  try {
    r = await execInContainer(kc, { namespace: at.namespace, pod: at.pod, container: at.container, argv: b.argv, timeoutMs: b.timeoutMs, maxBytes: b.maxBytes });
  } catch (e) {
    for (const q of items) q.reject(e);
    return;
  }
  const records = splitBatch(r, nonce, reads);
  await Promise.all(items.map((q, i) => (records[i] ? q.resolve({ ...records[i]!, argv: q.read.argv }) : alone(q))));
}
