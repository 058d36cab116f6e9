// kubectl's habit, `kubectl packetwalk -n shop diagnose …`: the cluster flags before the command move after it
// (route.ts commandFirst), in main() and in bin/run.mjs's bundle path alike.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { commandFirst, isRemoteDiagnose, LEADING_FLAGS } from './route';
import { COMMAND_SPECS } from './commands';

const ROOT = join(import.meta.dirname, '..', '..');

describe('commandFirst', () => {
  it('moves -n, --namespace, --kubeconfig and --context (=value or a separate value) after the command', () => {
    expect(commandFirst(['-n', 'shop', 'diagnose', '--from', 'frontend-0', '--to', 'backend:80'])).toEqual({ argv: ['diagnose', '--namespace=shop', '--from', 'frontend-0', '--to', 'backend:80'] });
    expect(commandFirst(['--namespace=shop', '-nprod', '-n=db', 'matrix', '--json'])).toEqual({ argv: ['matrix', '--namespace=shop', '--namespace=prod', '--namespace=db', '--json'] });
    expect(commandFirst(['--kubeconfig', '/k', '--context=lab', 'serve', '--port', '0'])).toEqual({ argv: ['serve', '--kubeconfig=/k', '--context=lab', '--port', '0'] });
    // a value that starts with "-" stays a value once moved (--name=value)
    expect(commandFirst(['--context', '-odd', 'diagnose'])).toEqual({ argv: ['diagnose', '--context=-odd'] });
  });
  it('leaves an argv with the command first as it is', () => {
    for (const argv of [['diagnose', '-n', 'shop'], [], ['--help'], ['-h'], ['lab', 'up'], ['diagnose', '--context', 'x']]) expect(commandFirst(argv)).toEqual({ argv });
  });
  it('refuses by name what cannot lead: another flag, a missing value, no command, a command without the flag', () => {
    expect(commandFirst(['-v', 'diagnose'])).toEqual({ error: 'unknown flag "-v" before the command; only kubectl\'s cluster flags (-n/--namespace, --kubeconfig, --context) may come first: put it after the command, packetwalk diagnose -v …' });
    expect(commandFirst(['-n', 'shop', '--json', 'diagnose'])).toEqual({ error: expect.stringMatching(/^unknown flag "--json" before the command/) });
    expect(commandFirst(['-n'])).toEqual({ error: '-n needs a value' });
    expect(commandFirst(['--context=', 'diagnose'])).toEqual({ error: '--context needs a value' });
    expect(commandFirst(['-n', 'shop'])).toEqual({ error: '-n goes with a command: write it before or after diagnose, matrix, e.g. packetwalk -n shop diagnose --from POD --to TARGET' });
    expect(commandFirst(['-n', 'shop', 'serve'])).toEqual({ error: 'serve does not take -n/--namespace; the commands that do: diagnose, matrix' });
    expect(commandFirst(['--context', 'x', 'lab', 'up'])).toEqual({ error: 'lab does not take --context; the commands that do: diagnose, matrix, serve' });
  });
  it('a --server run is still seen as one when -n leads', () => {
    const moved = commandFirst(['-n', 'shop', 'diagnose', '--server', 'http://x', '--from', 'a', '--to', 'b:80']);
    expect('argv' in moved && isRemoteDiagnose(moved.argv, {})).toBe(true);
  });
  it('each command and flag it moves is in that command\'s table', () => {
    for (const [cmd, flags] of Object.entries(LEADING_FLAGS)) {
      const spec = COMMAND_SPECS.find((s) => s.command === `packetwalk ${cmd}`);
      expect(spec, cmd).toBeDefined();
      for (const f of flags) expect(spec!.flags.map((x) => x.name), `${cmd} --${f}`).toContain(f);
    }
  });
});

describe('the bin', () => {
  const bin = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', PACKETWALK_SERVER: '' } }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr }),
      );
    });
  it('`packetwalk -n shop diagnose --help` is diagnose --help; a leading -v is refused by name (exit 2)', async () => {
    const help = await bin(['-n', 'shop', 'diagnose', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: packetwalk diagnose /);
    const bad = await bin(['-v', 'diagnose']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^packetwalk: unknown flag "-v" before the command/);
  }, 60_000);
  it('`packetwalk -n shop diagnose --from frontend-0`: the -n reached diagnose (its bare --from is accepted; the --to is what it refuses)', async () => {
    const r = await bin(['-n', 'shop', 'diagnose', '--from', 'frontend-0', '--to', 'http://backend:80']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^packetwalk diagnose: --to "http:\/\/backend:80" is a URL/);
    const twice = await bin(['-n', 'shop', 'diagnose', '--from', 'frontend-0', '--to', 'backend:80', '-n', 'db']);
    expect(twice.stderr).toMatch(/^packetwalk diagnose: --namespace is given twice \(shop, db\): give it once/);
  }, 60_000);
});
