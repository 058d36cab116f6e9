// Running the system tools the dataplane is made with: argv only (never a shell), stdin for restore
// texts and batch files, a timeout and an output cap on every process, failures as sentences.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

const MAX_BYTES = 8 * 1024 * 1024;

export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_BYTES) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_BYTES) stderr += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: e.code === 'ENOENT' ? 127 : 126, stdout, stderr: `${cmd}: ${e.code === 'ENOENT' ? 'not installed' : e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGKILL' ? 124 : 128), stdout, stderr: signal === 'SIGKILL' && code === null ? `${stderr}${cmd}: timed out` : stderr });
    });
    child.stdin.on('error', () => {
      /* the tool exited before reading all input; its exit status says why */
    });
    child.stdin.end(opts.input ?? '');
  });
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
    what = '',
  ) {
    super(`${what ? `${what}: ` : ''}${argv.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim().split('\n').slice(0, 6).join(' | ')}`);
  }
}

/** run() that throws a CommandError (command, exit code, stderr) unless the exit code is 0. */
export async function must(argv: string[], opts: RunOptions & { what?: string } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new CommandError(argv, r, opts.what);
  return r.stdout;
}

/** `ip -n NETNS -batch -` (or host-level `ip -batch -` when netns is null) with one command per line. */
export async function ipBatch(netns: string | null, lines: string[], what?: string): Promise<void> {
  if (!lines.length) return;
  await must(['ip', ...(netns ? ['-n', netns] : []), '-batch', '-'], { input: lines.join('\n') + '\n', what });
}

export const inNetns = (netns: string, argv: string[]) => ['ip', 'netns', 'exec', netns, ...argv];
