#!/usr/bin/env node
// Builds the CLI bundle the bins load (dist/cli/): server/cli.ts and everything it imports, including
// @kubernetes/client-node, as minified ESM chunks, so `packetwalk diagnose` starts without compiling
// TypeScript or resolving hundreds of module files (issue 9: start-up was 1.8–3 s of the ~2.9 s wall time).
// Dynamic imports stay separate chunks, so `lab` never loads the diagnose engine and neither loads Next.js.
// Packages with native code or their own loaders (better-sqlite3, next, react, socket.io, tsx) stay external.
// `import.meta.url` in a source module is rewritten to that module's own source URL, so paths it builds
// relative to itself (lab/default.yaml, listener.mjs, the API daemon) still point into the checkout.
// Writes to a temporary directory and renames it into place, so a concurrent bin never sees half a build.
// Usage: node scripts/build-cli.mjs   (scripts/setup.sh runs it; bin/packetwalk.mjs falls back to tsx when
// dist/cli is missing or older than any source file — see bin/freshness.mjs).
import { build } from 'esbuild';
import { readFile, rm, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCodeCache } from '../bin/codecache.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');
const tmp = `${outdir}.tmp-${process.pid}`;
const sources = new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(lib|server|lab)/.*\\.ts$`);

/**
 * Rewrites import.meta.url to the module's source location, as seen from the output directory (a CommonJS
 * bundle has no import.meta: its own location comes from __filename there).
 */
const sourceUrl = (format) => ({
  name: 'source-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!sources.test(args.path)) return undefined;
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta.url')) {
        const rel = relative(outdir, args.path);
        const self = format === 'cjs' ? 'require("node:url").pathToFileURL(__filename).href' : 'import.meta.url';
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, ${self}).href`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
});

/**
 * Commands that are not chunks of the ESM build but one CommonJS file each, loaded with its V8 code cache
 * (bin/codecache.mjs) through NAME-cached.mjs: server/cli.ts's `import(source)` resolves to that file. One file and
 * one cache per command: nothing it uses is shared by identity with the ESM chunks (main() hands it argv and
 * options and gets an exit code back). `diagnose` is the command and the engine (the largest start-up cost);
 * `remote` is `diagnose --server`, which bin/run.mjs also loads directly (server/cli/route.ts decides).
 */
const CACHED = [
  { name: 'diagnose', source: './cli/diagnose', entry: 'server/cli/diagnoseBundle.ts', exports: ['diagnoseMain'] },
  { name: 'remote', source: './cli/remote', entry: 'server/cli/remoteBundle.ts', exports: ['remoteDiagnoseMain', 'remoteMain'] },
];
const cachedCommands = {
  name: 'cached-commands',
  setup(b) {
    for (const c of CACHED) {
      const filter = new RegExp(`^${c.source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      b.onResolve({ filter }, (args) => (args.importer === join(root, 'server', 'cli.ts') ? { path: `./${c.name}-cached.mjs`, external: true } : undefined));
    }
  },
};
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['better-sqlite3', 'next', 'next/*', 'react', 'react-dom', 'socket.io', 'tsx', 'tsx/*', 'fsevents'],
};

const t0 = Date.now();
await rm(tmp, { recursive: true, force: true });
await build({
  ...common,
  // route.js: what bin/run.mjs asks before it loads a command (server/cli/route.ts)
  entryPoints: { cli: 'server/cli.ts', route: 'server/cli/route.ts' },
  splitting: true,
  format: 'esm',
  outdir: tmp,
  plugins: [sourceUrl('esm'), cachedCommands],
  // bundled CommonJS dependencies call require(); give the ESM chunks one
  banner: { js: "import { createRequire as __pwRequire } from 'node:module'; const require = __pwRequire(import.meta.url);" },
});
await writeFile(join(tmp, 'package.json'), '{"type": "module"}\n');
let cacheBytes = 0;
for (const c of CACHED) {
  await build({ ...common, entryPoints: [c.entry], format: 'cjs', outfile: join(tmp, `${c.name}.cjs`), plugins: [sourceUrl('cjs')] });
  await writeFile(join(tmp, `${c.name}-cached.mjs`), [
    `// Written by scripts/build-cli.mjs: the ${c.name} command from ${c.name}.cjs and its V8 code cache (bin/codecache.mjs).`,
    `import { requireCached } from ${JSON.stringify(relative(outdir, join(root, 'bin', 'codecache.mjs')))};`,
    "import { fileURLToPath } from 'node:url';",
    `export const { ${c.exports.join(', ')} } = requireCached(fileURLToPath(new URL('./${c.name}.cjs', import.meta.url)));`,
    '',
  ].join('\n'));
  // The code cache is made by this node binary with default flags: what `node bin/packetwalk.mjs` runs with.
  cacheBytes += writeCodeCache(join(tmp, `${c.name}.cjs`));
}
await rm(outdir, { recursive: true, force: true });
await rename(tmp, outdir);
console.log(`build-cli: dist/cli in ${Date.now() - t0} ms (code caches ${(cacheBytes / 1e6).toFixed(1)} MB)`);
