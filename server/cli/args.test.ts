import { describe, expect, it } from 'vitest';
import { parseFlags, usageErrorText, usageOf, type CommandSpec } from './args';
import { DIAGNOSE_SPEC } from './diagnose';
import { LiveHops } from './progress';
import type { DiagnosisEvent } from '../../lib/events';
import type { Diagnosis, Hop } from '../../lib/model';

const spec: CommandSpec = {
  command: 'packetwalk x',
  synopsis: '--from A [--json]',
  flags: [
    { name: 'from', value: 'A', help: 'source' },
    { name: 'namespace', short: 'n', value: 'NS', help: 'ns' },
    { name: 'fault', value: 'SPEC', multiple: true, help: 'faults' },
    { name: 'json', help: 'json' },
  ],
};

describe('parseFlags', () => {
  it('takes --flag value, --flag=value, short flags and repeats', () => {
    const r = parseFlags(spec, ['--from', 'a/b', '--fault=x', '--fault', 'y', '-n', 'shop', '--json']);
    expect(r).toEqual({ values: { from: 'a/b', fault: ['x', 'y'], namespace: 'shop', json: true } });
  });
  it('names the flag in every error', () => {
    expect(parseFlags(spec, ['--frm', 'x'])).toEqual({ error: 'unknown argument "--frm"; did you mean --from?' });
    expect(parseFlags(spec, ['--form', 'x'])).toEqual({ error: 'unknown argument "--form"; did you mean --from?' });
    expect(parseFlags(spec, ['--verbose'])).toEqual({ error: 'unknown argument "--verbose"' });
    expect(parseFlags(spec, ['-x'])).toEqual({ error: 'unknown argument "-x"' });
    expect(parseFlags(spec, ['--from'])).toEqual({ error: '--from needs a value' });
    expect(parseFlags(spec, ['-n'])).toEqual({ error: '--namespace needs a value' });
    expect(parseFlags(spec, ['--from='])).toEqual({ error: '--from needs a value' });
    expect(parseFlags(spec, ['--from', '-1'])).toEqual({ error: '--from needs a value; write a value that starts with "-" as --from=VALUE' });
    expect(parseFlags(spec, ['--from=-1'])).toEqual({ values: { from: '-1' } });
    expect(parseFlags(spec, ['--json=1'])).toEqual({ error: '--json takes no value' });
    expect(parseFlags(spec, ['stray'])).toEqual({ error: 'unknown argument "stray"' });
  });
  it('refuses a single-valued flag given twice, by name, whatever the spelling; a `multiple` one repeats', () => {
    expect(parseFlags(spec, ['--from', 'shop/frontend-0', '--from', 'shop/frontend-1'])).toEqual({ error: '--from is given twice (shop/frontend-0, shop/frontend-1): give it once' });
    expect(parseFlags(spec, ['--from=a/b', '--from', 'a/b'])).toEqual({ error: '--from is given twice (a/b, a/b): give it once' });
    expect(parseFlags(spec, ['-n', 'shop', '--namespace=db', '-n', 'x'])).toEqual({ error: '--namespace is given 3 times (shop, db, x): give it once' });
    expect(parseFlags(spec, ['--json', '--from', 'a/b', '--json'])).toEqual({ error: '--json is given twice: give it once' });
    expect(parseFlags(spec, ['--fault', 'x', '--fault', 'x'])).toEqual({ values: { fault: ['x', 'x'] } });
  });
  it('documents every flag it parses (diagnose)', () => {
    const usage = usageOf(DIAGNOSE_SPEC);
    for (const f of DIAGNOSE_SPEC.flags) expect(usage).toContain(`--${f.name}`);
  });
});

describe('LiveHops', () => {
  const hop = (id: string, status: Hop['status'], summary: string): Hop =>
    ({ id, kind: 'pod', label: id, status, cause: null, summary, evidence: [] }) as unknown as Hop;
  it('draws one line per hop, redraws in place, and erases itself', () => {
    let out = '';
    const live = new LiveHops({ write: (t) => { out += t; }, columns: 80 });
    const d = { id: 'x', hops: [hop('src-pod', 'pending', 'waiting'), hop('dns', 'pending', 'waiting')] } as unknown as Diagnosis;
    live.onEvent({ type: 'diagnosis:plan', payload: { id: 'x', diagnosis: d } } as DiagnosisEvent);
    expect(out.match(/\n/g)?.length).toBe(2);
    live.onEvent({ type: 'hop:update', payload: { id: 'x', seq: 1, hop: hop('dns', 'fail', 'SERVFAIL from 10.96.0.10') } } as DiagnosisEvent);
    expect(out).toContain('\x1b[2A'); // moved back over the two lines it drew
    expect(out).toContain('SERVFAIL from 10.96.0.10');
    live.stop();
    expect(out.endsWith('\x1b[2A\x1b[0J')).toBe(true);
  });
});

describe('usageErrorText', () => {
  it('is three lines, the error first: it stays on screen and in `| tail`', () => {
    const text = usageErrorText(DIAGNOSE_SPEC, '--to TARGET is required');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('packetwalk diagnose: --to TARGET is required');
    expect(lines[1]).toBe(`usage: packetwalk diagnose ${DIAGNOSE_SPEC.synopsis}`);
    expect(lines[2]).toMatch(/packetwalk diagnose --help/);
  });
});
