// One server per data directory. The directory's store names the server's node debug pods (its instance id) and
// holds its runs, and a server starting up deletes that instance's pods and marks its runs interrupted, taking
// them for what a stopped server left: a second server on the same directory would do that to a live one (its
// kept pods deleted under it). So the directory carries `serve.lock` with the owner's pid, taken before the store
// opens; a lock whose process is gone (kill -9, a reboot) is taken over.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { makeDir } from './dir';
import { join } from 'node:path';

/** The pid in a lock, when that process still runs and is a node process (a reused pid of something else is not). */
function liveOwner(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) ? pid : undefined;
  } catch {
    return pid; // no /proc here: a live pid is taken for the owner
  }
}

/**
 * Takes `dir`'s lock for this process; returns its release. Throws an Error naming the other server's pid, the
 * directory and the fix when another live packetwalk server holds it; a directory it cannot write is left to the
 * store to report. The same process may take it again (tests
 * start servers one after another on one directory).
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'serve.lock');
  const owner = liveOwner(file);
  if (owner !== undefined) {
    throw new Error(`another packetwalk serve (pid ${owner}) is using the data directory ${dir}, and with it its node debug pods and runs: stop it, or give this server its own --data-dir (or PACKETWALK_DATA)`);
  }
  try {
    makeDir(dir);
    writeFileSync(file, `${process.pid}\n`);
  } catch {
    // a directory that cannot be written: the store says so next, with the file and the fix (server/store/errors.ts)
    return () => undefined;
  }
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      /* gone already */
    }
  };
}
