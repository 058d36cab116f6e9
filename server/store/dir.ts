// Making a data directory without Node's recursive mkdir: `mkdirSync(dir, { recursive: true })` on Node 20 loops
// forever where a parent exists but refuses the child with ENOENT (`/proc/nope`: serve spun at 50% CPU, silent),
// so the missing levels are made one at a time, each error thrown as it came.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Makes `dir` and its missing parents; returns nothing. Throws the errno Error of the first level that cannot be made (ENOENT, EACCES, ENOTDIR …). */
export function makeDir(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made meanwhile by another process
    }
  }
}
