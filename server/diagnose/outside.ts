// The `outside` probe runner (DESIGN §3.2): on a real cluster "outside" is the machine packetwalk runs on,
// so an outside probe is the registry's argv run right here (execFile, no shell), with the registry's
// timeout and byte cap. In the lab the same role is played by the lab's outside client netns
// (`<instance>-outside`, lab/outside.ts): when the kubeconfig packetwalk was given is a lab's
// (`<labDir>/kubeconfig` beside its state.json), the argv runs under `ip netns exec <instance>-outside`, so
// the client sits where a user's machine would — behind the underlay's gateway, with the outside DNS as
// its resolver. Read-only: only registry probes with where 'outside' reach this runner.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outsideNetns } from '../../lab/outside';
import type { ProbeOutput } from '../../lib/verdict';

export interface OutsideRunner {
  /** where the probes run, for the evidence's `where` ('outside (this machine)' | 'outside (lab netns pw-outside)') */
  location: string;
  run(argv: string[], timeoutMs: number, maxBytes: number): Promise<ProbeOutput>;
}

/** The kubeconfig path packetwalk uses (the option, else the first KUBECONFIG entry). */
function kubeconfigPath(kubeconfig?: string): string | undefined {
  return kubeconfig ?? process.env.KUBECONFIG?.split(':').find(Boolean);
}

/** The lab's outside netns when the kubeconfig is a lab's and the lab has an outside world; else undefined. */
export function labOutsideNetns(kubeconfig?: string): string | undefined {
  const kc = kubeconfigPath(kubeconfig);
  if (!kc) return undefined;
  const state = join(dirname(kc), 'state.json');
  if (!existsSync(state)) return undefined;
  try {
    const inst = (JSON.parse(readFileSync(state, 'utf8')) as { instance?: unknown }).instance;
    if (typeof inst !== 'string' || !/^[a-z0-9-]+$/.test(inst)) return undefined;
    const ns = outsideNetns(inst);
    return existsSync(`/run/netns/${ns}`) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** Runs argv with a timeout (SIGKILL) and a byte cap per stream; never throws (a spawn error is exit null + stderr). */
export function runLocal(argv: string[], timeoutMs: number, maxBytes: number): Promise<ProbeOutput> {
  const started = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let truncated = false;
    let timedOut = false;
    let done = false;
    const finish = (exitCode: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr, durationMs: Date.now() - started, timedOut, truncated });
    };
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const take = (which: 'out' | 'err') => (b: Buffer) => {
      const cur = which === 'out' ? stdout : stderr;
      const room = maxBytes - Buffer.byteLength(cur);
      if (room <= 0) {
        truncated = true;
        return;
      }
      const piece = b.length > room ? b.subarray(0, room) : b;
      if (b.length > room) truncated = true;
      if (which === 'out') stdout += piece.toString('utf8');
      else stderr += piece.toString('utf8');
    };
    child.stdout.on('data', take('out'));
    child.stderr.on('data', take('err'));
    child.on('error', (e) => {
      stderr += `${argv[0]}: ${e.message}`;
      finish(null);
    });
    child.on('close', (code) => finish(timedOut ? null : code));
  });
}

/** The runner for `--from outside` with this kubeconfig. */
export function outsideRunner(kubeconfig?: string): OutsideRunner {
  const ns = labOutsideNetns(kubeconfig);
  if (ns) return { location: `outside (lab client netns ${ns})`, run: (argv, t, m) => runLocal(['ip', 'netns', 'exec', ns, ...argv], t, m) };
  return { location: 'outside (the machine packetwalk runs on)', run: runLocal };
}
