// Every command whose flags come from a table (server/cli/args.ts) documents exactly what it parses: each flag
// of the table is in its usage text, and what the usage shows parses (issue 9).
import { describe, expect, it } from 'vitest';
import { flagLines, parseFlags, usageOf, type CommandSpec } from './args';
import { MATRIX_SPEC, MATRIX_USAGE } from './matrix';
import { DIAGNOSE_SPEC } from './diagnose';
import { SERVE_SPEC, parseServeFlags } from './serve';
import { DEMO_SPEC } from './serve';
import { LAB_UP_SPEC, LAB_USAGE } from '../../lab/cli';
import { COMMAND_SPECS, topLevelLines } from './commands';
import { USAGE } from '../cli';

const specs: CommandSpec[] = [MATRIX_SPEC, DIAGNOSE_SPEC, SERVE_SPEC, DEMO_SPEC, LAB_UP_SPEC];

describe('the top-level usage (packetwalk --help) from the same tables', () => {
  it('lists every command whose module parses with a table, that very table', () => {
    expect(new Set(COMMAND_SPECS)).toEqual(new Set(specs));
  });
  // each command's block: its `  packetwalk CMD …` line up to the next command's
  const blockOf = (command: string) => {
    const lines = USAGE.split('\n');
    const i = lines.findIndex((l) => l.startsWith(`  ${command} `));
    const j = lines.findIndex((l, k) => k > i && /^ {2}packetwalk /.test(l));
    return i < 0 ? '' : lines.slice(i, j < 0 ? undefined : j).join('\n');
  };
  for (const spec of specs) {
    it(`${spec.command}: every flag of its table shows in packetwalk --help`, () => {
      const block = blockOf(spec.command);
      expect(block).not.toBe('');
      for (const f of spec.flags.filter((x) => x.name !== 'help')) {
        expect(block, `--${f.name} of ${spec.command}`).toMatch(new RegExp(`(--${f.name}|-${f.short ?? '-'})\\b`));
      }
    });
  }
  it('demo shows its flags (--port among them); a flag the synopsis leaves out is added from the table', () => {
    expect(blockOf('packetwalk demo')).toMatch(/\[--port 3000\]/);
    // diagnose's -n is in its synopsis (the README's `diagnose -n shop …`), so it is not added again as --namespace
    expect(blockOf('packetwalk diagnose')).toMatch(/\[-n NS\]/);
    expect(blockOf('packetwalk diagnose')).not.toMatch(/--namespace/);
    const spec: CommandSpec = { command: 'packetwalk x', summary: 'does x', synopsis: '[--a]', flags: [{ name: 'a', help: '' }, { name: 'bee', value: 'B', multiple: true, help: '' }, { name: 'help', short: 'h', help: '' }] };
    expect(topLevelLines(spec)).toEqual(['  packetwalk x [--a] [--bee B]…', '      does x']);
    expect(topLevelLines({ ...spec, synopsis: '[--a] [--bee B]…' })).toEqual(['  packetwalk x [--a] [--bee B]…', '      does x']);
  });
});

describe('usage from the table', () => {
  for (const spec of specs) {
    it(`${spec.command}: every flag is documented and parses`, () => {
      const usage = usageOf(spec);
      for (const f of spec.flags) {
        expect(usage).toContain(`--${f.name}`);
        const argv = f.value ? [`--${f.name}`, 'x'] : [`--${f.name}`];
        const r = parseFlags(spec, argv);
        expect('values' in r ? r.values[f.name] : r.error).toEqual(f.value ? (f.multiple ? ['x'] : 'x') : true);
      }
      expect(parseFlags(spec, ['--no-such-flag'])).toEqual({ error: 'unknown argument "--no-such-flag"' });
    });
    it(`${spec.command}: a flag that is not repeatable, given twice, is an error naming it`, () => {
      for (const f of spec.flags) {
        const argv = f.value ? [`--${f.name}`, 'x', `--${f.name}=y`] : [`--${f.name}`, `--${f.name}`];
        const r = parseFlags(spec, argv);
        if (f.multiple) expect(r).toEqual({ values: { [f.name]: ['x', 'y'] } });
        else expect(r).toEqual({ error: `--${f.name} is given twice${f.value ? ' (x, y)' : ''}: give it once` });
      }
    });
  }

  it('serve: checks each value after the table parsed it; demo takes a subset', () => {
    expect(parseServeFlags(['--port=0', '--host', '::1', '--allowed-host', 'a.example', '--allowed-host', 'b.example:8443'])).toEqual({ host: '::1', port: 0, allowedHosts: ['a.example', 'b.example:8443'] });
    expect(() => parseServeFlags(['--port', '70000'])).toThrow('--port: "70000" is not a port number (0-65535)');
    expect(() => parseServeFlags(['--prot', '1'])).toThrow(/^unknown argument "--prot"; did you mean --port\?\nusage: packetwalk serve/);
    expect(() => parseServeFlags(['--kubeconfig', 'x'], DEMO_SPEC)).toThrow(/^unknown argument "--kubeconfig"\nusage: packetwalk demo /);
    expect(parseServeFlags(['--port', '0', '--allowed-host', 'a.example'], DEMO_SPEC)).toEqual({ host: '127.0.0.1', port: 0, allowedHosts: ['a.example'] });
  });

  it('lab up: -f and --config=, repeatable --fault, usage from the table', () => {
    expect(parseFlags(LAB_UP_SPEC, ['-f', 'shop.yaml', '--fault', 'dns-down', '--fault=mtu-blackhole:node=worker-2'])).toEqual({ values: { config: 'shop.yaml', fault: ['dns-down', 'mtu-blackhole:node=worker-2'] } });
    expect(parseFlags(LAB_UP_SPEC, ['--config='])).toEqual({ error: '--config needs a value' });
    expect(LAB_USAGE).toContain(`flags of lab up:\n${flagLines(LAB_UP_SPEC).join('\n')}\n`);
    expect(LAB_USAGE.match(/^usage:/gm)).toHaveLength(1); // one usage, not the overview and then up's
  });

  it('lab up FILE: the lab file as the first argument, as -f; both at once is refused by name', async () => {
    const { parseLabUp } = await import('../../lab/cli');
    expect(parseLabUp(['mylab.yaml', '--fault', 'dns-down'])).toEqual({ config: 'mylab.yaml', faults: ['dns-down'] });
    expect(parseLabUp(['-f', 'mylab.yaml'])).toEqual({ config: 'mylab.yaml', faults: [] });
    expect(() => parseLabUp(['a.yaml', '--config', 'b.yaml'])).toThrow('lab up: the lab file is given twice ("a.yaml" and --config "b.yaml"); give one');
    expect(() => parseLabUp(['a.yaml', 'b.yaml'])).toThrow('lab up: unknown argument "b.yaml"');
  });

  it('packetwalk with no command: the usage on stderr, exit 2 (a usage error); --help: on stdout, exit 0', async () => {
    const { main } = await import('../cli');
    const out: string[] = [];
    const err: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
    try {
      expect(await main([])).toBe(2);
      expect([out, err]).toEqual([[], [USAGE]]);
      expect(await main(['--help'])).toBe(0);
      expect([out, err]).toEqual([[USAGE], [USAGE]]);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
  });
  it('lab: --help or -h after any subcommand prints the usage and exits 0, building nothing', async () => {
    const { labMain } = await import('../../lab/cli');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    try {
      expect(await labMain(['up', '--help'])).toBe(0);
      expect(await labMain(['down', '-h'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toEqual([usageOf(LAB_UP_SPEC), LAB_USAGE]);
  });

  it('matrix: -n repeats, and the usage is the table', () => {
    expect(parseFlags(MATRIX_SPEC, ['-n', 'shop', '-n', 'db', '--json'])).toEqual({ values: { namespace: ['shop', 'db'], json: true } });
    expect(parseFlags(MATRIX_SPEC, ['-n'])).toEqual({ error: '--namespace needs a value' });
    // a namespace given bare, as kubectl get takes a name: the flag it needs
    expect(parseFlags(MATRIX_SPEC, ['shop'])).toEqual({ error: 'unknown argument "shop"; did you mean -n shop?' });
    expect(parseFlags(MATRIX_SPEC, ['-n', 'shop', 'db', '--json'])).toEqual({ error: 'unknown argument "db"; did you mean -n db?' });
    expect(parseFlags(MATRIX_SPEC, ['-n', 'shop', '--', '-x'])).toEqual({ error: 'unknown argument "-x"' });
    expect(parseFlags(DIAGNOSE_SPEC, ['frontend-0'])).toEqual({ error: 'unknown argument "frontend-0"' });
    expect(MATRIX_USAGE).toBe(usageOf(MATRIX_SPEC));
    expect(MATRIX_USAGE).toContain('-h, --help');
  });
});
