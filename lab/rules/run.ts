// Running the real tools for lab/rules (apply helpers and tests): argv only, never a shell, with a
// timeout and an output cap on every process.
import { spawnSync } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): RunResult {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, {
    input: opts.input,
    timeout: opts.timeoutMs ?? 10_000,
    maxBuffer: 4 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    return { code: 127, stdout: '', stderr: `${cmd}: not installed` };
  }
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** run() that throws with the command and its stderr when the exit code is not 0. */
export function mustRun(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = run(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** In a netns: the same argv under `ip netns exec NAME`. */
export function inNetns(netns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}
