// docs/contracts.md is what users read of the CLI: its table row of each command names every flag of that command's
// table (server/cli/commands.ts), and its Environment paragraph every PACKETWALK_* variable the code reads. A flag or
// variable added to the code without the docs (or dropped from the docs) fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_SPECS } from './commands';
import type { CommandSpec, FlagSpec } from './args';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'contracts.md'), 'utf8');

/** The command cell of a command's row of the CLI table: the first cell of the line that starts "| `packetwalk CMD ". */
export function cellOf(doc: string, command: string): string | undefined {
  const row = doc.split('\n').find((l) => l.startsWith(`| \`${command} `) || l.startsWith(`| \`${command}\``));
  return row?.split(/(?<!\\)\|/)[1];
}

/** The flags of `spec`'s table (--help aside) that its cell in `doc` does not name. */
export function missingFlags(doc: string, spec: CommandSpec): string[] {
  const cell = cellOf(doc, spec.command) ?? '';
  return spec.flags.filter((f) => f.name !== 'help' && !namesFlag(cell, f)).map((f) => `--${f.name}`);
}

/** Does `text` name flag `f` as a flag: `--name` (or `-s` of one with a short form), not a longer flag's prefix? */
export function namesFlag(text: string, f: Pick<FlagSpec, 'name' | 'short'>): boolean {
  const forms = [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])].map((x) => x.replace(/-/g, '\\-'));
  return new RegExp(`(?<![\\w-])(${forms.join('|')})(?![\\w-])`).test(text);
}

/** A read of a PACKETWALK_* variable: process.env.X, env.X, env['X'] (the name in group 1). */
const ENV_READ = /\benv(?:\.|\[\s*['"`])(PACKETWALK_[A-Z0-9_]+)/g;

/** The PACKETWALK_* variables read in the sources under `dirs` (process.env.X, env.X, env['X']), tests left out. */
export function envReads(root: string, dirs: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    for (const rel of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|tsx|mjs|js|cjs)$/.test(rel) || /\.test\.tsx?$/.test(rel) || rel.split(/[\\/]/).includes('node_modules')) continue;
      const text = readFileSync(join(root, dir, rel), 'utf8');
      for (const m of text.matchAll(ENV_READ)) if (!found.has(m[1])) found.set(m[1], join(dir, rel));
    }
  }
  return found;
}

describe('docs/contracts.md names every flag of every command table', () => {
  for (const spec of COMMAND_SPECS) {
    it(`${spec.command}: its row names each flag, and each flag it names exists`, () => {
      const cell = cellOf(DOC, spec.command);
      expect(cell, `no row for ${spec.command} in the CLI table of docs/contracts.md`).toBeDefined();
      expect(missingFlags(DOC, spec), `flags of ${spec.command} missing from its row of docs/contracts.md`).toEqual([]);
      // --help is every command's: said once for all in the text under the table
      if (spec.flags.some((f) => f.name === 'help')) expect(DOC).toMatch(/Every command takes `-h`\/`--help`/);
      // and the other way: a flag the row shows is one the command parses
      for (const m of cell!.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)) {
        expect(spec.flags.map((f) => f.name), `${spec.command}'s row shows --${m[1]}`).toContain(m[1]);
      }
    });
  }
});

describe('docs/contracts.md names every PACKETWALK_* variable the code reads', () => {
  const reads = envReads(ROOT, ['server', 'lib', 'bin', 'lab']);
  it('finds the reads (the scan itself works)', () => {
    for (const v of ['PACKETWALK_LAB', 'PACKETWALK_TOKEN', 'PACKETWALK_BUNDLE', 'PACKETWALK_WALL_INTERVAL', 'PACKETWALK_LAB_DIR']) expect([...reads.keys()]).toContain(v);
    expect(reads.has('PACKETWALK_SHAPE')).toBe(false); // an identifier, not an environment variable
  });
  const env = DOC.slice(DOC.indexOf('\nEnvironment:'), DOC.indexOf('\n\n', DOC.indexOf('\nEnvironment:')));
  for (const [v, where] of reads) {
    it(`${v} (read in ${where})`, () => {
      expect(env, `${v} is not in the Environment paragraph of docs/contracts.md`).toMatch(new RegExp(`\`${v}[\`=]`));
    });
  }
});

describe('the checks themselves', () => {
  it('a flag is named only as itself', () => {
    expect(namesFlag('[--image I] [--concurrency N]', { name: 'image' })).toBe(true);
    expect(namesFlag('[--images I]', { name: 'image' })).toBe(false);
    expect(namesFlag('[--debug-namespace NS]', { name: 'namespace', short: 'n' })).toBe(false);
    expect(namesFlag('-n NS [-n NS2]…', { name: 'namespace', short: 'n' })).toBe(true);
    expect(namesFlag('--context-x', { name: 'context' })).toBe(false);
  });
  it('a row without one of its flags fails', () => {
    const matrix = COMMAND_SPECS.find((c) => c.command === 'packetwalk matrix')!;
    expect(missingFlags(DOC.replace('[--concurrency N]', ''), matrix)).toEqual(['--concurrency']);
    expect(missingFlags(DOC.replace(/`packetwalk matrix -n NS \[-n NS2\]…/, '`packetwalk matrix'), matrix)).toEqual(['--namespace']);
    const labUp = COMMAND_SPECS.find((c) => c.command === 'packetwalk lab up')!;
    expect(missingFlags(DOC.replace('-f/--config FILE', 'FILE'), labUp)).toEqual(['--config']);
    expect(missingFlags('', labUp)).toEqual(['--config', '--fault']);
  });
  it('a variable read is found in every spelling', () => {
    expect([...'x = process.env.PACKETWALK_A; env.PACKETWALK_B; env[\'PACKETWALK_C\']; PACKETWALK_D'.matchAll(ENV_READ)].map((m) => m[1])).toEqual(['PACKETWALK_A', 'PACKETWALK_B', 'PACKETWALK_C']);
  });
});

// The Diagnosis JSON block: a hop field the schema (lib/schema/diagnosis.ts, from lib/model.ts) lets a hop leave out
// is written `"key"?` in the docs, so a reader does not take `observed`, `nextStep`, `details` as always there.
describe('docs/contracts.md Diagnosis JSON marks the optional hop fields', () => {
  it('every optional field of HopSchema the block names is written "key"?', async () => {
    const { HopSchema } = await import('../../lib/schema/diagnosis');
    const block = /## Diagnosis JSON\n+```json\n([\s\S]*?)```/.exec(DOC)?.[1] ?? '';
    const hops = /"hops": \[\{([\s\S]*?)"evidence"/.exec(block)?.[1] ?? '';
    expect(hops).not.toBe('');
    const shape = HopSchema.shape as Record<string, { isOptional(): boolean }>;
    const named = [...hops.matchAll(/"(\w+)"(\??):/g)].map((m) => ({ key: m[1], marked: m[2] === '?' }));
    expect(named.map((n) => n.key)).toEqual(expect.arrayContaining(['observed', 'nextStep', 'details']));
    for (const n of named) expect(`${n.key}${n.marked ? '?' : ''}`).toBe(`${n.key}${shape[n.key]?.isOptional() ? '?' : ''}`);
  });
});
