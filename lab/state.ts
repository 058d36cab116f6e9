// Reading and changing the running lab's state file (lab/types.ts). Every writer goes through
// updateState(): an exclusive lock (a directory made with mkdir, atomic on every filesystem) and an
// atomic replace (write a temp file, rename), so the CLI and the API daemon never see half a file.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject, LabState } from './types';

/** The lab instance name, also the prefix of every global name the lab makes. */
export function labInstance(): string {
  const v = process.env.PACKETWALK_LAB ?? 'pw';
  if (!/^[a-z][a-z0-9]{0,5}$/.test(v)) {
    throw new Error(`PACKETWALK_LAB=${JSON.stringify(v)} is not a valid lab instance name: use 1-6 lowercase letters/digits starting with a letter (default "pw")`);
  }
  return v;
}

export function labDir(instance = labInstance()): string {
  return process.env.PACKETWALK_LAB_DIR ?? join('/run/packetwalk', instance);
}

export const statePath = (dir = labDir()) => join(dir, 'state.json');

export function readState(dir = labDir()): LabState | null {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as LabState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function writeStateUnlocked(state: LabState): void {
  mkdirSync(state.labDir, { recursive: true });
  const tmp = `${statePath(state.labDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 1));
  renameSync(tmp, statePath(state.labDir));
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function withLock<T>(dir: string, fn: () => T): T {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'state.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than 30 s belongs to a process that died holding it.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone already */
      }
      if (Date.now() > deadline) throw new Error(`lab state is locked (${lock}); another packetwalk lab command is running`, { cause: e });
      sleepSync(20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Object identity in the store: kind + namespace + name. */
export const objectKey = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * Changes the state under the lock. `fn` may mutate the state it is given; objects whose JSON changed
 * (or that are new) get a new resourceVersion, so WATCH clients see exactly the objects that changed.
 */
export function updateState(fn: (s: LabState) => void, dir = labDir()): LabState {
  return withLock(dir, () => {
    const s = readState(dir);
    if (!s) throw new Error(`no lab is running (no ${statePath(dir)}); start one with: packetwalk lab up`);
    const before = new Map(s.objects.map((o) => [objectKey(o), JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } })]));
    fn(s);
    // A deletion is a change too: number it, so the API's DELETED event carries a fresh resourceVersion.
    const after = new Set(s.objects.map(objectKey));
    for (const key of before.keys()) {
      if (after.has(key)) continue;
      s.resourceVersion += 1;
      s.tombstones = [...(s.tombstones ?? []), { key, resourceVersion: String(s.resourceVersion) }].slice(-200);
    }
    for (const o of s.objects) {
      const now = JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
      if (before.get(objectKey(o)) !== now || !o.metadata.resourceVersion) {
        s.resourceVersion += 1;
        o.metadata.resourceVersion = String(s.resourceVersion);
      }
    }
    writeStateUnlocked(s);
    return s;
  });
}

/** Writes a fresh state (lab up) under the lock, numbering every object's resourceVersion. */
export function createState(s: LabState): LabState {
  return withLock(s.labDir, () => {
    for (const o of s.objects) {
      s.resourceVersion += 1;
      o.metadata.resourceVersion = String(s.resourceVersion);
    }
    writeStateUnlocked(s);
    return s;
  });
}
