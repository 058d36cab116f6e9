// An exec the API server broke off is no probe output (lib/verdict/context.ts probeRunOf): a connect whose exec
// ended without an exit status — the socket closed with no Status frame, or the API answered no ping when the
// command's time ran out — is notRun with the API's sentence, never "no answer" and never a `fail`; the summary
// says the API server failed mid-run. Replayed on a recorded lab run (healthy-service), the connects swapped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge, probeRunOf, type ProbeOutput, type ProbeRun } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import { buildTrace } from './trace';
import type { TracePoint } from '../model';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;
const capture = (path: string) => splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', path), 'utf8'));

/** What server/exec/exec.ts returns when the API connection failed mid-exec (the two shapes it produces). */
const closed: ProbeOutput = { exitCode: null, stdout: '', stderr: '', durationMs: 640, timedOut: false, truncated: false, transportError: "the exec connection closed without the command's exit status (read ECONNRESET)" };
const frozen: ProbeOutput = { exitCode: null, stdout: '', stderr: '', durationMs: 6000, timedOut: true, truncated: false, transportError: "the API server answered no ping when the command's 4 s ran out" };
const isConnect = (r: ProbeRun) => r.probe === 'tcp-connect';
const base = (r: ProbeRun) => ({ key: r.key, probe: r.probe, hop: r.hop, location: r.location, argv: r.argv, reproduce: r.reproduce });

describe('an exec the API server broke off', () => {
  it('is notRun with the API sentence, not output', () => {
    const fx = fixture('healthy-service');
    const { runs } = replay(fx);
    const c = [...runs.values()].find(isConnect)!;
    const r = probeRunOf(base(c), frozen);
    expect(r.notRun).toBe("the API server stopped answering during the exec: the API server answered no ping when the command's 4 s ran out");
    expect(r.apiFailed).toBe(true);
    expect(r.timedOut).toBe(false);
    // a finished command stays output (nc's own timeout is an exit status 1 with its line)
    const t = capture('nc/timed-out.txt');
    const ok = probeRunOf(base(c), { ...closed, transportError: undefined, exitCode: t.exitCode, stdout: t.stdout, stderr: t.stderr });
    expect(ok.notRun).toBeUndefined();
    expect(ok.exitCode).toBe(t.exitCode);
  });

  for (const [name, out] of [['closed with no Status', closed], ['frozen (no pong when the time ran out)', frozen]] as const) {
    it(`every connect ${name}: no fail, no "no answer", and the summary names the API server`, () => {
      const fx = fixture('healthy-service');
      const { plan, runs } = replay(fx);
      // Before probeRunOf, the record went in as it was ({ ...base, ...r }): the frozen shape read as a timeout (since
      // session 16 a connect nc said nothing in is never one, lib/verdict/read connectOutcome), and the API unnamed.
      const raw = new Map(runs);
      for (const [k, r] of raw) if (isConnect(r)) raw.set(k, { ...r, ...out });
      expect(judge({ plan, runs: raw, snapshot: fx.snapshot, depth: 'live' }).summary).not.toMatch(/API server/);

      for (const [k, r] of runs) if (isConnect(r)) runs.set(k, probeRunOf(base(r), out));
      const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
      expect(j.verdict).toBe('undetermined');
      expect(j.hops.filter((h) => h.status === 'fail')).toEqual([]);
      expect(JSON.stringify(j)).not.toMatch(/no answer within 2 s/);
      expect(j.summary).toMatch(/The API server failed mid-run: \d+ of \d+ probes could not run or finish \(the API server stopped answering during the exec: /);
    });
  }

  it('a summary without API failures is unchanged', () => {
    const fx = fixture('healthy-service');
    const { plan, runs } = replay(fx);
    expect(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).summary).not.toMatch(/API server/);
  });

  it('a trace whose connect did not run judges no point and never says "never sent"', () => {
    const p: TracePoint = { hop: 'src-pod', iface: 'eth0', label: 'pod shop/frontend-0 eth0', seen: false, packets: 0, summary: 'nothing of the flow', lines: [], filter: 'tcp', evidence: { probe: 'capture', where: 'pod shop/frontend-0', command: [], reproduce: '', exitCode: null, stdout: '', stderr: '', durationMs: 0, finding: '' } };
    const flow = { proto: 'tcp', srcIP: '10.244.1.2', sport: 40000, dstIP: '10.96.0.10', dport: 80 } as Parameters<typeof buildTrace>[0];
    const t = buildTrace(flow, [p], { connectOutput: 'nc …: (exit none)', connectNotRun: 'the API server stopped answering during the exec: x' });
    expect(t.lastSeen).toBeNull();
    expect(t.points[0]!.seen).toBeNull();
    expect(t.summary).toBe('the traced connect did not run: the API server stopped answering during the exec: x');
    expect(buildTrace(flow, [p], { connectOutput: 'nc' }).summary).toMatch(/never sent/); // the same silence with a connect that ran
  });
});
