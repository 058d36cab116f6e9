// Where the project's shared folder is (upstream fixtures, contract scenarios): beside the checkout, as CI
// lays it out (`../shared` from the repository root), or wherever PACKETWALK_SHARED points.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export function sharedPath(...parts: string[]): string {
  const base = process.env.PACKETWALK_SHARED ?? join(ROOT, '..', 'shared');
  if (!existsSync(base)) {
    throw new Error(`the shared fixtures folder is missing at ${base}: clone the project beside shared/ or set PACKETWALK_SHARED`);
  }
  return join(base, ...parts);
}
