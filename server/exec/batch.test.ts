// One exec for several reads (lib/probeBatch.ts): the constant script run by a real POSIX sh (the machine's
// /bin/sh, as a debug image's sh runs it) through the local runner, split back into one record per read. The lab
// suites run it through pods/exec in every diagnosis; here each edge of the split is shown on its own.
import { describe, expect, it } from 'vitest';
import { batchExec, BATCH_MAX, splitBatch, type BatchRead } from '../../lib/probeBatch';
import { runLocal } from '../diagnose/outside';

const NONCE = 'pw-0123456789abcdef01234567';
const read = (argv: string[], maxBytes = 4096, timeoutMs = 3000): BatchRead => ({ argv, timeoutMs, maxBytes });

async function run(reads: BatchRead[], o: { timeoutMs?: number } = {}) {
  const b = batchExec(NONCE, reads);
  const r = await runLocal(b.argv, o.timeoutMs ?? b.timeoutMs, b.maxBytes);
  return { r, records: splitBatch(r, NONCE, reads) };
}

describe('a batch of reads in one sh', () => {
  it('gives each read its own stdout, stderr and exit status, in order', async () => {
    const { records } = await run([read(['printf', 'one\\ntwo']), read(['sh', '-c', 'echo out; echo err >&2; exit 3']), read(['printf', 'three\\n']), read(['cat', '/nonexistent/packetwalk'])]);
    expect(records.map((x) => x && { exitCode: x.exitCode, stdout: x.stdout, stderr: x.stderr })).toEqual([
      { exitCode: 0, stdout: 'one\ntwo', stderr: '' },
      { exitCode: 3, stdout: 'out\n', stderr: 'err\n' },
      { exitCode: 0, stdout: 'three\n', stderr: '' },
      { exitCode: 1, stdout: '', stderr: expect.stringContaining('/nonexistent/packetwalk') },
    ]);
  });

  it('passes arguments as argv: nothing in them is run, split or expanded', async () => {
    const hostile = ['$(touch /tmp/packetwalk-pwned)', '`id`', "a'b\"c", 'x; echo no', 'two\nlines', '*', '\npw-fffffffffffffffffff 0\n', ''];
    const { records } = await run([read(['printf', '[%s]', ...hostile]), read(['printf', 'after'])]);
    expect(records[0]?.stdout).toBe(hostile.map((h) => `[${h}]`).join(''));
    expect(records[1]?.stdout).toBe('after');
  });

  it('a read that prints a marker with another nonce does not end its section', async () => {
    const { records } = await run([read(['printf', '\\npw-ffffffffffffffffffffffff 0\\nstill one']), read(['printf', 'two'])]);
    expect(records.map((x) => x?.stdout)).toEqual(['\npw-ffffffffffffffffffffffff 0\nstill one', 'two']);
  });

  it('a tool that is not in the image is exit 127 with the shell saying so, and the next read still runs', async () => {
    const { records } = await run([read(['packetwalk-no-such-tool']), read(['printf', 'ok'])]);
    expect(records[0]).toMatchObject({ exitCode: 127, stderr: expect.stringMatching(/not found/) });
    expect(records[1]).toMatchObject({ exitCode: 0, stdout: 'ok' });
  });

  it("caps each read at its own maxBytes and marks it truncated, leaving the others whole", async () => {
    const { records } = await run([read(['printf', '%0200d', '0'], 100), read(['printf', 'whole'], 100)]);
    expect(records[0]).toMatchObject({ truncated: true, stdout: '0'.repeat(100) });
    expect(records[1]).toMatchObject({ truncated: false, stdout: 'whole' });
  });

  it('when the batch times out, the read that was running is timed out and the ones after it have no record', async () => {
    const { r, records } = await run([read(['printf', 'first']), read(['sh', '-c', 'printf partial; sleep 2']), read(['printf', 'never'])], { timeoutMs: 700 });
    expect(r.timedOut).toBe(true);
    expect(records[0]).toMatchObject({ exitCode: 0, stdout: 'first', timedOut: false });
    expect(records[1]).toMatchObject({ exitCode: null, timedOut: true, stdout: 'partial' });
    expect(records[2]).toBeUndefined();
  }, 10_000);

  it('without any marker (no sh in the image) no read has a record, so each runs alone', () => {
    const reads = [read(['ip', 'addr']), read(['ss', '-l'])];
    const refused = { exitCode: null, stdout: '', stderr: 'exec: "sh": executable file not found in $PATH', durationMs: 3, timedOut: false, truncated: false };
    expect(splitBatch(refused, NONCE, reads)).toEqual([undefined, undefined]);
  });

  it('bounds the exec by the sum of the reads’ timeouts and caps, and refuses what it cannot run', () => {
    const b = batchExec(NONCE, [read(['ip', 'addr'], 1000, 3000), read(['ss', '-l'], 2000, 4000)]);
    expect(b.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(b.argv.slice(3)).toEqual(['packetwalk-batch', NONCE, '2', 'ip', 'addr', '2', 'ss', '-l']);
    expect(b.timeoutMs).toBe(7000);
    expect(b.maxBytes).toBeGreaterThanOrEqual(3000);
    expect(() => batchExec('short', [read(['ip'])])).toThrow(/nonce/);
    expect(() => batchExec(NONCE, [])).toThrow(/reads/);
    expect(() => batchExec(NONCE, Array.from({ length: BATCH_MAX + 1 }, () => read(['true'])))).toThrow(/reads/);
    expect(() => batchExec(NONCE, [read([])])).toThrow(/empty argv/);
  });

  it('a batch the API connection cut gives its unfinished reads the transport error (lib/verdict probeRunOf makes them notRun)', async () => {
    const reads = [read(['printf', 'one']), read(['sleep', '1'])];
    const b = batchExec(NONCE, reads);
    const r = await runLocal(b.argv, 300, b.maxBytes);
    const cut = { ...r, timedOut: false, transportError: "the exec connection closed without the command's exit status" };
    const records = splitBatch(cut, NONCE, reads);
    expect(records[0]).toMatchObject({ exitCode: 0, stdout: 'one' });
    expect(records[0]!.transportError).toBeUndefined();
    expect(records[1]).toMatchObject({ exitCode: null, stdout: '', transportError: cut.transportError });
  });
});
