// The one way anything outside server/exec runs a command (issue 9): "run this registered probe with these
// arguments". The probe is looked up in the registry (lib/probes.ts, the allowlist), its arguments are checked
// by its own entry (lib/probeArgs.ts; a bad one is a ProbeArgError naming probe and argument), argv is built
// there, and the entry's timeout and byte cap apply. The raw exec (./exec.ts, ./stream.ts) stays inside
// server/exec: eslint's no-restricted-imports refuses it elsewhere.
import type { KubeConfig } from '@kubernetes/client-node';
import { probeDef, type ProbeArgs, type ProbeId } from '../../lib/probes';
import { execInContainer, type ExecResult } from './exec';
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
