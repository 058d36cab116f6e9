// Which CLI the bins load: the bundle in dist/cli (scripts/build-cli.mjs) when it is newer than every source
// file it was built from, else the TypeScript sources through tsx (slower to start, always current).
// Checked by mtime over the .ts files of lib/, server/ and lab/ the bundle is built from (not tests, not
// fixtures: editing a test must not make every command start through tsx) and package-lock.json: ~3 ms for
// ~210 files. The lab's .mjs and .yaml files are read from the checkout at run time, never bundled.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir, limit) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return 0; }
  let max = 0;
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'fixtures' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) max = Math.max(max, newest(p, limit));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) max = Math.max(max, statSync(p).mtimeMs);
    if (max > limit) return max; // already stale: stop walking
  }
  return max;
}

/** The URL of the CLI module to import: the bundle when fresh, else server/cli.ts (needs tsx). */
export function cliModule() {
  const bundle = new URL('../dist/cli/cli.js', import.meta.url).href;
  // PACKETWALK_BUNDLE=0 always runs the sources; =1 always the bundle (to test the bundle while sources change)
  if (process.env.PACKETWALK_BUNDLE === '1') return { url: bundle, bundled: true };
  if (process.env.PACKETWALK_BUNDLE !== '0') {
    try {
      const built = statSync(join(root, 'dist', 'cli', 'cli.js')).mtimeMs;
      const lock = statSync(join(root, 'package-lock.json')).mtimeMs;
      if (lock <= built && ['lib', 'server', 'lab'].every((d) => newest(join(root, d), built) <= built)) {
        return { url: bundle, bundled: true };
      }
    } catch { /* no bundle: use the sources */ }
  }
  return { url: new URL('../server/cli.ts', import.meta.url).href, bundled: false };
}
