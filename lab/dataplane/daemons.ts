// Processes the lab starts (listeners, dnsmasq): each runs in its netns through `ip netns exec`, which
// replaces itself with the program, so the pid we get is the daemon's own. The program is a symlink in
// the lab dir named `<instance>-<role>`, so `ps` shows whose it is; output goes to a log in the lab dir.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface DaemonSpec {
  netns: string;
  link: string; // symlink path in the lab dir (its name is what ps shows)
  target: string; // what the symlink points to
  args: string[];
  log: string;
  ready: RegExp; // printed in the log once the daemon serves
  what: string;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function ensureLink(link: string, target: string): void {
  if (existsSync(link)) return;
  symlinkSync(target, link);
}

/** Starts a daemon and waits until its log shows `ready`; throws with the log's tail when it exits first. */
export async function startDaemon(d: DaemonSpec): Promise<number> {
  ensureLink(d.link, d.target);
  const fd = openSync(d.log, 'a');
  const child = spawn('ip', ['netns', 'exec', d.netns, d.link, ...d.args], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null = null;
  let spawnError: Error | null = null;
  child.on('exit', (code, sig) => (exited = code ?? (sig ? 128 : 1)));
  child.on('error', (e) => (spawnError = e));
  child.unref();
  const deadline = Date.now() + (d.timeoutMs ?? 8000);
  for (;;) {
    const log = existsSync(d.log) ? readFileSync(d.log, 'utf8') : '';
    if (d.ready.test(log)) return child.pid!;
    if (spawnError || exited !== null || Date.now() > deadline) {
      if (exited === null && child.pid) stopPids([child.pid]);
      const tail = log.trim().split('\n').slice(-4).join(' | ');
      throw new Error(`${d.what} ${spawnError ? `could not start: ${String(spawnError)}` : exited !== null ? `exited ${exited}` : 'did not become ready in time'}${tail ? `: ${tail}` : ''}`);
    }
    await sleep(15);
  }
}

/** The argv of a live process, or null. */
export function processArgv(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

const processState = (pid: number) => {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
};

/**
 * Stops the given pids — only while their argv[0] is one of our lab-dir links (a pid may have been
 * reused by now). SIGTERM, SIGCONT (a stopped dnsmasq of `dns-down` must wake to die), then SIGKILL
 * for anything still running after a second. Zombies count as gone: PID 1 reaps them.
 */
export async function stopOwned(pids: number[], linkPrefix: string): Promise<void> {
  stopPids(pids.filter((p) => processArgv(p)?.[0]?.startsWith(linkPrefix)));
  const deadline = Date.now() + 1500;
  for (;;) {
    const alive = pids.filter((p) => {
      const s = processState(p);
      return s !== null && s !== 'Z' && processArgv(p)?.[0]?.startsWith(linkPrefix);
    });
    if (!alive.length) return;
    if (Date.now() > deadline) {
      for (const p of alive) safeKill(p, 'SIGKILL');
      return;
    }
    await sleep(20);
  }
}

function stopPids(pids: number[]): void {
  for (const p of pids) {
    safeKill(p, 'SIGTERM');
    safeKill(p, 'SIGCONT');
  }
}

function safeKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Pids of live processes started through one of our links (argv[0] under `linkPrefix`), for crash recovery. */
export function findOwned(linkPrefix: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const argv0 = processArgv(pid)?.[0];
    if (argv0?.startsWith(linkPrefix) && processState(pid) !== 'Z') out.push(pid);
  }
  return out;
}

export const linkTarget = (link: string) => {
  try {
    return readlinkSync(link);
  } catch {
    return null;
  }
};

export const logPath = (labDir: string, name: string) => join(labDir, 'logs', `${name}.log`);
