// Several registered instant reads at one foothold in one exec (issue 9): every exec costs a WebSocket upgrade, a
// process start in the container (a runc exec on a real kubelet, `ip netns exec` on the lab) and its TLS and API
// work — on the lab ~16 ms of CPU on top of the command itself, a third of a healthy diagnosis's CPU (BENCHMARKS.md,
// "one exec for a foothold's reads"). The batch is a constant POSIX sh script that runs each read as argv, never as
// a shell string: the reads' argv arrive as the script's positional parameters, each preceded by its length, and a
// subshell keeps exactly that many of them (rotate them to the end, shift the rest away) and execs them. After each
// read the script prints a marker — a random nonce of this batch and the read's exit status — on both streams, so
// the output splits back into one record per read; no output of a read can forge a marker it never saw.
import type { ProbeOutput } from './verdict/context';

/**
 * The batch runner: `sh -c BATCH_SCRIPT packetwalk-batch NONCE LEN1 ARGV1… LEN2 ARGV2…`. Each read runs in a
 * subshell with stdin from /dev/null; `$?` is its exit status (127: the tool is not in the image, as sh says).
 */
export const BATCH_SCRIPT = [
  'nonce=$1; shift',
  'while [ $# -gt 0 ]; do',
  '  n=$1; shift',
  '  ( total=$#; i=0',
  '    while [ "$i" -lt "$n" ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done',
  '    shift $((total - n))',
  '    exec "$@" ) </dev/null',
  '  rc=$?',
  "  printf '\\n%s %s\\n' \"$nonce\" \"$rc\"",
  "  printf '\\n%s %s\\n' \"$nonce\" \"$rc\" >&2",
  '  shift "$n"',
  'done',
].join('\n');

/** At most this many reads share one exec (a bound on the batch's argv and on how long its last read waits). */
export const BATCH_MAX = 12;

/** One read of a batch: its argv (already built by its registry entry), and its own timeout (ms) and byte cap. */
export interface BatchRead {
  argv: string[];
  timeoutMs: number;
  maxBytes: number;
}

const MARKER_BYTES = 64;

/**
 * The argv of one batch exec over `reads` (1..BATCH_MAX, each argv non-empty), marked with `nonce` (a random token
 * of [A-Za-z0-9-], at least 16 characters, new per batch), and the bounds the whole exec gets: the sum of the reads'
 * timeouts (they run one after another) and of their byte caps plus the markers. Throws on an empty or oversized
 * batch, an empty argv or a weak nonce (a programming error, not user input).
 */
export function batchExec(nonce: string, reads: readonly BatchRead[]): { argv: string[]; timeoutMs: number; maxBytes: number } {
  if (!/^[A-Za-z0-9-]{16,}$/.test(nonce)) throw new Error('batchExec: the nonce must be 16+ characters of [A-Za-z0-9-]');
  if (reads.length === 0 || reads.length > BATCH_MAX) throw new Error(`batchExec: ${reads.length} reads (1 to ${BATCH_MAX})`);
  const argv = ['sh', '-c', BATCH_SCRIPT, 'packetwalk-batch', nonce];
  for (const r of reads) {
    if (r.argv.length === 0) throw new Error('batchExec: a read with an empty argv');
    argv.push(String(r.argv.length), ...r.argv);
  }
  return {
    argv,
    timeoutMs: reads.reduce((s, r) => s + r.timeoutMs, 0),
    maxBytes: reads.reduce((s, r) => s + r.maxBytes + MARKER_BYTES, 0),
  };
}

/** Splits one stream of a batch at its markers: each complete read's text and exit status, in order. */
function sections(text: string, nonce: string): { text: string; rc: number }[] {
  const out: { text: string; rc: number }[] = [];
  const re = new RegExp(`\\n${nonce} (\\d+)\\n`, 'g');
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: text.slice(from, m.index), rc: Number(m[1]) });
    from = m.index + m[0].length;
  }
  return out;
}

/** Keeps at most `cap` bytes of `s` (UTF-8), as the exec's own sink does. */
function capped(s: string, cap: number): { text: string; cut: boolean } {
  const b = Buffer.from(s);
  return b.length <= cap ? { text: s, cut: false } : { text: b.subarray(0, cap).toString('utf8'), cut: true };
}

/**
 * One record per read of a batch exec's result `r` (run with `batchExec(nonce, reads)`), in `reads` order: its
 * stdout and stderr between markers, capped at its own maxBytes; its exit status; the batch's duration (the reads
 * are not timed one by one). A read whose marker never came is `undefined` — except the first such read when the
 * batch timed out or was cut (the batch's timer starts once the exec is open, so the script was running), which is
 * that read's own record (timedOut / truncated, with what it printed): the caller runs the rest alone. No marker
 * at all otherwise (sh missing from the image) leaves every read `undefined`. When the exec's API connection failed
 * (`transportError`), every read without its marker is a record with that transportError (lib/verdict probeRunOf: notRun).
 */
export function splitBatch(r: ProbeOutput, nonce: string, reads: readonly BatchRead[]): (ProbeOutput | undefined)[] {
  const outs = sections(r.stdout, nonce);
  const errs = sections(r.stderr, nonce);
  const done = Math.min(outs.length, errs.length, reads.length);
  const records: (ProbeOutput | undefined)[] = reads.map(() => undefined);
  for (let i = 0; i < done; i++) {
    const o = capped(outs[i]!.text, reads[i]!.maxBytes);
    const e = capped(errs[i]!.text, Math.min(reads[i]!.maxBytes, 65536));
    records[i] = { exitCode: outs[i]!.rc, stdout: o.text, stderr: e.text, durationMs: r.durationMs, timedOut: false, truncated: o.cut || e.cut };
  }
  if (r.transportError !== undefined) {
    // The API connection failed mid-batch: the reads it had not finished have no exit status, and no output to read.
    for (let i = done; i < reads.length; i++) records[i] = { exitCode: null, stdout: '', stderr: '', durationMs: r.durationMs, timedOut: false, truncated: false, transportError: r.transportError };
    return records;
  }
  if (done < reads.length && (r.timedOut || r.truncated)) {
    // The read that was running when the batch's time or room ran out: what it printed after the last marker.
    const tail = (s: string) => s.slice(s.lastIndexOf(`\n${nonce} `) + 1).replace(new RegExp(`^${nonce} \\d+\\n`), '');
    records[done] = { exitCode: null, stdout: capped(tail(r.stdout), reads[done]!.maxBytes).text, stderr: capped(tail(r.stderr), 65536).text, durationMs: r.durationMs, timedOut: r.timedOut, truncated: r.truncated };
  }
  return records;
}
