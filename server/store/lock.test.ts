// One server per data directory (server/store/lock.ts): another live node process's lock refuses the start, naming
// its pid and the fix; a lock left by a process that is gone (kill -9) is taken over; startServer takes it before
// the store marks runs interrupted or the sweep deletes pods.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './lock';
import { startServer } from '../index';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pw-lock-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
};
/** Another server's stand-in: a node process that writes its pid into the lock and lives on. */
async function holder(d: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(join(d, 'serve.lock'))}, process.pid + '\\n'); console.log('held'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanup.push(() => c.kill('SIGKILL'));
  await new Promise((r) => c.stdout!.once('data', r));
  return c;
}

describe('lockDataDir', () => {
  it('takes the directory, again from the same process, and gives it back', () => {
    const d = dir();
    const release = lockDataDir(d);
    expect(readFileSync(join(d, 'serve.lock'), 'utf8')).toBe(`${process.pid}\n`);
    lockDataDir(d)();
    release();
    expect(existsSync(join(d, 'serve.lock'))).toBe(false);
  });
  it('refuses while another live process holds it, naming its pid and the fix; takes it over once that process is gone', async () => {
    const d = dir();
    const other = await holder(d);
    expect(() => lockDataDir(d)).toThrow(`another packetwalk serve (pid ${other.pid}) is using the data directory ${d}, and with it its node debug pods and runs: stop it, or give this server its own --data-dir (or PACKETWALK_DATA)`);
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    lockDataDir(d)();
  });
  it('a pid that is not a live process (a stale lock) is taken over', () => {
    const d = dir();
    writeFileSync(join(d, 'serve.lock'), '999999999\n');
    expect(() => lockDataDir(d)()).not.toThrow();
  });
  it('startServer refuses before opening the store: the other server\'s runs are not marked interrupted', async () => {
    const d = dir();
    await holder(d);
    await expect(startServer({ port: 0, pages: false, dataDir: d, log: () => undefined })).rejects.toThrow(/another packetwalk serve \(pid \d+\) is using the data directory/);
    expect(existsSync(join(d, 'packetwalk.db'))).toBe(false);
  });
});
