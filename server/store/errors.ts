// Storage errors as sentences (issue 10): a full disk, a read-only or corrupt store, a locked file — each becomes
// a StoreError with the HTTP status the API answers (507 Insufficient Storage for a full disk, 503 otherwise),
// the file, and the fix, instead of SQLite's bare "database or disk is full" / "file is not a database".
// SQLite result codes: https://www.sqlite.org/rescode.html (better-sqlite3 puts them in SqliteError.code).
import { dirname } from 'node:path';
import { readFileSync, statSync, statfsSync } from 'node:fs';
import type Database from 'better-sqlite3';

export class StoreError extends Error {
  constructor(
    /** 507 when the disk is full, 503 for every other storage failure */
    readonly status: 503 | 507,
    /** one sentence: what is wrong with which file */
    readonly problem: string,
    readonly file: string,
    readonly fix: string,
    /** the SQLite or errno code behind it (SQLITE_FULL, ENOSPC, …) */
    readonly code: string,
  ) {
    super(`${problem}; fix: ${fix}`);
  }
}

/** The StoreError for an error thrown by SQLite or the file system on `file`, or null when it is not a storage failure. */
export function toStoreError(e: unknown, file: string): StoreError | null {
  if (e instanceof StoreError) return e;
  const code = String((e as { code?: unknown })?.code ?? '');
  const msg = (e as Error)?.message ?? String(e);
  const dir = dirname(file);
  if (/^SQLITE_FULL/.test(code) || code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT' || /disk is full/.test(msg)) {
    return new StoreError(507, `the store ${file} cannot be written: the disk is full (${code || msg})`, file, `free space on the filesystem of ${dir}, or restart serve with --data-dir on a disk with room`, code);
  }
  if (/^SQLITE_READONLY/.test(code) || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new StoreError(503, `the store ${file} is read-only (${code})`, file, `make ${file} and ${dir} writable by this user, remount the filesystem read-write, or restart serve with --data-dir DIR`, code);
  }
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
    return new StoreError(503, `the store ${file} is not a SQLite database or is damaged (${code}: ${msg})`, file, `stop serve, move it aside (mv ${file} ${file}.bad), and start serve again: it makes a new, empty store`, code);
  }
  if (/^SQLITE_CANTOPEN/.test(code) || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST') {
    return new StoreError(503, `the store ${file} cannot be opened (${code})`, file, `check that ${dir} exists, is a directory and is writable, or restart serve with --data-dir DIR`, code);
  }
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return new StoreError(503, `the store ${file} is locked by another process (${code})`, file, `stop the other packetwalk serve that uses ${file}, or give this one its own --data-dir`, code);
  }
  if (/^SQLITE_IOERR/.test(code) || code === 'EIO') {
    // SQLite reports a write refused for size (EFBIG) or a disk that filled mid-write as a plain I/O error:
    // look at the filesystem and the process's file size limit before calling it a broken disk
    const full = whyNoRoom(file);
    if (full) return new StoreError(507, `the store ${file} cannot be written: ${full} (${code})`, file, `free space on the filesystem of ${dir} or raise the limit, or restart serve with --data-dir on a disk with room`, code);
    return new StoreError(503, `the store ${file} could not be read or written: disk I/O error (${code})`, file, `check the disk behind ${dir} (dmesg), or restart serve with --data-dir on another disk`, code);
  }
  return null;
}

/** Why `file` (or its -wal) cannot grow: the filesystem has under 1 MiB free, or the file size limit (ulimit -f) is reached; null if neither. */
function whyNoRoom(file: string): string | null {
  try {
    const fs = statfsSync(dirname(file));
    if (fs.bavail * fs.bsize < 1 << 20) return 'the disk is full';
  } catch {
    /* not a filesystem we can ask */
  }
  try {
    const m = /^Max file size\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) {
      const limit = Number(m[1]);
      const size = Math.max(...[file, `${file}-wal`].map((f) => {
        try {
          return statSync(f).size;
        } catch {
          return 0;
        }
      }));
      if (size + (1 << 16) >= limit) return `the file size limit of this process is reached (ulimit -f: ${limit} bytes)`;
    }
  } catch {
    /* no /proc: not Linux */
  }
  return null;
}

const STATEMENT_CALLS = new Set(['run', 'get', 'all', 'iterate']);
const DB_CALLS = new Set(['exec', 'pragma', 'backup', 'checkpoint']);

/**
 * The database with every statement call, exec, pragma and transaction translating storage failures into
 * StoreError (other errors pass unchanged). Wrapping the handle covers every query of the store, including
 * ones added later, with no change at the call sites.
 */
export function guardDatabase(db: Database.Database, file: string): Database.Database {
  const wrap =
    <F extends (...a: unknown[]) => unknown>(f: F, self: unknown) =>
    (...args: unknown[]) => {
      try {
        return f.apply(self, args);
      } catch (e) {
        throw toStoreError(e, file) ?? e;
      }
    };
  const guardStatement = (st: object) =>
    new Proxy(st, {
      get(t, k) {
        const v = Reflect.get(t, k, t);
        if (typeof v !== 'function') return v;
        if (STATEMENT_CALLS.has(String(k))) return wrap(v as (...a: unknown[]) => unknown, t);
        return (v as (...a: unknown[]) => unknown).bind(t);
      },
    });
  return new Proxy(db, {
    get(t, k) {
      const v = Reflect.get(t, k, t);
      if (typeof v !== 'function') return v;
      const name = String(k);
      if (name === 'prepare') return (...a: unknown[]) => guardStatement((v as (...x: unknown[]) => object).apply(t, a));
      if (name === 'transaction') return (...a: unknown[]) => wrap((v as (...x: unknown[]) => (...y: unknown[]) => unknown).apply(t, a), undefined);
      if (DB_CALLS.has(name)) return wrap(v as (...a: unknown[]) => unknown, t);
      return (v as (...a: unknown[]) => unknown).bind(t);
    },
  });
}
