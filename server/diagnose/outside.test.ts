// The outside runner: argv run here with the registry's timeout and byte cap; a lab kubeconfig maps it to
// the lab's outside client netns only when that netns exists.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labOutsideNetns, outsideRunner, runLocal } from './outside';

const dir = mkdtempSync(join(tmpdir(), 'pw-outside-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runLocal', () => {
  it('returns exit code and streams', async () => {
    const r = await runLocal(['sh', '-c', 'echo out; echo err >&2; exit 3'], 3000, 1024);
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false });
  });
  it('kills at the timeout and says so', async () => {
    const r = await runLocal(['sleep', '5'], 200, 1024);
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.durationMs).toBeLessThan(2000);
  });
  it('caps the bytes it keeps', async () => {
    const r = await runLocal(['head', '-c', '100000', '/dev/zero'], 3000, 1000);
    expect(r.stdout.length).toBe(1000);
    expect(r.truncated).toBe(true);
  });
  it('a missing program is a result, not a throw', async () => {
    const r = await runLocal(['/nonexistent/pw-probe'], 1000, 100);
    expect(r.exitCode).toBeNull();
    expect(r.stderr).toMatch(/ENOENT/);
  });
});

describe('outside runner placement', () => {
  it('a kubeconfig that is not a lab\'s runs here', () => {
    writeFileSync(join(dir, 'kubeconfig'), 'apiVersion: v1\n');
    expect(labOutsideNetns(join(dir, 'kubeconfig'))).toBeUndefined();
    expect(outsideRunner(join(dir, 'kubeconfig')).location).toBe('outside (the machine packetwalk runs on)');
  });
  it('a lab kubeconfig whose outside netns does not exist runs here too (never a guessed netns)', () => {
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ instance: 'pw-no-such-lab-xyz' }));
    expect(labOutsideNetns(join(dir, 'kubeconfig'))).toBeUndefined();
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ instance: '../etc' }));
    expect(labOutsideNetns(join(dir, 'kubeconfig'))).toBeUndefined();
  });
});
