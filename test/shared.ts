// Where the upstream fixtures and contract scenarios are: the copies vendored in test/upstream (provenance in
// test/upstream/README.md and fixtures/README.md), so a clone of the repository alone tests itself;
// PACKETWALK_SHARED=DIR, only when set, points at another copy (a newer one from the maintainers); nothing outside the
// repository is read otherwise.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** Absolute path of a file or folder under the fixtures root, e.g. sharedPath('fixtures/kube-proxy'). Throws when the root is missing. */
export function sharedPath(...parts: string[]): string {
  const base = process.env.PACKETWALK_SHARED ?? join(ROOT, 'test', 'upstream');
  if (!existsSync(base)) {
    throw new Error(`the upstream fixtures folder is missing at ${base}: restore test/upstream from git or set PACKETWALK_SHARED`);
  }
  return join(base, ...parts);
}
