// The lab API's process starter (spawner.mjs through spawnClient.ts): real commands, real sockets, no netns needed.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { killGroup, spawnSession, type Session } from './spawnClient';

const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

/** Everything a session printed, and how it ended. */
function collect(s: Session): Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null; error?: string }> {
  let stdout = '';
  let stderr = '';
  s.stdout.on('data', (d: Buffer) => (stdout += d));
  s.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => {
    s.on('close', (code: number | null, signal: string | null) => resolve({ stdout, stderr, code, signal }));
    s.on('error', (e: Error) => resolve({ stdout, stderr, code: null, signal: null, error: e.message }));
  });
}

const running = (marker: string) => {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
};

describe('spawnSession', () => {
  it('keeps stdout and stderr apart and ends with the exit code once both are read', async () => {
    const r = await collect(spawnSession('sh', ['-c', 'echo out; echo err >&2; printf more; exit 3'], { env: ENV, stdin: false }));
    expect(r).toEqual({ stdout: 'out\nmore', stderr: 'err\n', code: 3, signal: null });
  });

  it('hands the command its stdin, and 200 KB of output arrive whole', async () => {
    const s = spawnSession('cat', [], { env: ENV, stdin: true });
    const done = collect(s);
    s.stdin!.end('hello\n');
    expect(await done).toMatchObject({ stdout: 'hello\n', code: 0 });
    const big = await collect(spawnSession('head', ['-c', '200000', '/dev/zero'], { env: ENV, stdin: false }));
    expect(big.stdout.length).toBe(200000);
  });

  it('kills the whole process group, asked before or after the command started', async () => {
    const marker = `sleep 31.${Math.floor(Math.random() * 1000)}`;
    const s = spawnSession('sh', ['-c', `${marker} & ${marker} & wait`], { env: ENV, stdin: false });
    const done = collect(s);
    killGroup(s); // the pid is not known yet: killed as soon as it is
    expect(await done).toMatchObject({ code: null, signal: 'SIGKILL' });
    const t = spawnSession('sh', ['-c', `${marker} & wait`], { env: ENV, stdin: false });
    const ended = collect(t);
    await new Promise((r) => setTimeout(r, 200));
    expect(running(marker)).toBeGreaterThan(0);
    killGroup(t);
    expect(await ended).toMatchObject({ signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 100));
    expect(running(marker)).toBe(0);
  });

  it('a starter that dies takes its running commands with it, each session says why, and the next exec gets a new one', async () => {
    const marker = `sleep 32.${Math.floor(Math.random() * 1000)}`;
    const s = spawnSession('sh', ['-c', `${marker} & wait`], { env: ENV, stdin: false });
    const ended = collect(s);
    await new Promise((r) => setTimeout(r, 200));
    const starter = execFileSync('pgrep', ['-f', '-P', String(process.pid), 'lab/api/spawner.mjs'], { encoding: 'utf8' }).trim();
    expect(starter).toMatch(/^\d+$/);
    process.kill(Number(starter), 'SIGKILL');
    expect((await ended).error).toBe('the lab API lost its process starter');
    await new Promise((r) => setTimeout(r, 100));
    expect(running(marker)).toBe(0);
    expect(await collect(spawnSession('sh', ['-c', 'echo again'], { env: ENV, stdin: false }))).toMatchObject({ stdout: 'again\n', code: 0 });
  });

  it('a command that cannot start is an error event with the reason', async () => {
    expect((await collect(spawnSession('/nonexistent/tool', [], { env: ENV, stdin: false }))).error).toMatch(/ENOENT/);
  });

  it('a connection that does not name a live session is closed: no other process can pose as a command\'s output', async () => {
    await collect(spawnSession('true', [], { env: ENV, stdin: false })); // the starter and its socket exist
    const name = execFileSync('sh', ['-c', `grep -a -o 'packetwalk-lab-spawn-${process.pid}' /proc/net/unix | head -1`], { encoding: 'utf8' }).trim();
    expect(name).toBe(`packetwalk-lab-spawn-${process.pid}`);
    const closed = await new Promise<boolean>((resolve) => {
      const c = connect(`\0${name}`, () => c.write(Buffer.concat([randomBytes(16), Buffer.from([1]), Buffer.from('forged output\n')])));
      c.on('close', () => resolve(true));
      c.on('error', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    expect(closed).toBe(true);
  });
});
