// Loading a CommonJS bundle with a V8 code cache beside it (FILE.cache), as v8-compile-cache does for require():
// the `diagnose` command's bundle (dist/cli/diagnose.cjs, 2.2 MB with @kubernetes/client-node) takes ~145 ms to
// compile and run its top level in a fresh process on this machine and ~55 ms from the cache (issue 9;
// BENCHMARKS.md "CLI wall time"). Node 20 has no module compile cache of its own (module.enableCompileCache is
// Node 22+), so the bundle is compiled through node:vm with `cachedData`. V8 checks the cache against the source,
// its own version and flags and rejects one that does not match; the bundle then compiles as it would without it.
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

function compile(file, cachedData) {
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return { script, exports: module.exports };
}

/**
 * The exports of CommonJS file `file` (an absolute path), compiled with `${file}.cache` when it is there and
 * V8 accepts it. Throws what loading the module throws.
 */
export function requireCached(file) {
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    /* no cache: compile from source */
  }
  return compile(file, cachedData).exports;
}

/** Writes `${file}.cache`: the code V8 compiled for `file` while loading it (its top level has run). Returns its size in bytes. */
export function writeCodeCache(file) {
  const data = compile(file).script.createCachedData();
  writeFileSync(`${file}.cache`, data);
  return data.length;
}
