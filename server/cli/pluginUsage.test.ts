// `kubectl packetwalk --help` calls itself what the user typed (was: "packetwalk … usage: packetwalk diagnose …").
import { describe, expect, it, vi } from 'vitest';
import { main } from '../cli';
import { asPluginUsage, topLevelUsage } from './commands';

async function stdoutOf(argv: string[], asKubectlPlugin: boolean): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((b: string | Uint8Array) => ((out += String(b)), true));
  try {
    await main(argv, { asKubectlPlugin });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('kubectl packetwalk --help', () => {
  it('names every command as kubectl packetwalk, its wrapped synopsis lines kept under it', async () => {
    const help = await stdoutOf(['--help'], true);
    expect(help).toMatch(/^kubectl packetwalk — why can't pod A reach B\?/);
    expect(help).toContain('\n  kubectl packetwalk diagnose --from');
    expect(help).not.toMatch(/(?<!kubectl )(?<![\w./-])packetwalk /);
    expect(help).not.toContain('kubectl kubectl');
    // a wrapped synopsis line starts where the flags of its command start
    const lines = help.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  kubectl packetwalk serve '));
    expect(lines[at + 1].indexOf('[')).toBe('  kubectl packetwalk serve '.length);
    expect(await stdoutOf(['diagnose', '--help'], true)).toMatch(/^usage: kubectl packetwalk diagnose --from/);
  });
  it('packetwalk --help is unchanged', async () => {
    expect(await stdoutOf(['--help'], false)).toBe(topLevelUsage());
    expect(asPluginUsage('see `kubectl packetwalk -n shop …`')).toBe('see `kubectl packetwalk -n shop …`');
  });
});
