// traceFlow: the protocol the packet's own walk sends, over plans rebuilt from recorded lab diagnoses
// (lib/verdict/fixtures, recorded by scripts/record-edge-fixtures.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay, type RecordedDiagnosis } from '../../lib/verdict/replay';
import { traceFlow } from './capture';

const load = (path: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`../../lib/verdict/fixtures/${path}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;

describe('traceFlow', () => {
  it('an outside host asked as PORT/udp is traced over UDP (time.example:124/udp)', () => {
    const { plan } = replay(load('edge/udp-ours-external-refused'));
    plan.dstIP ??= '198.51.100.21';
    expect(traceFlow(plan, 40000)).toMatchObject({ proto: 'udp', sport: 40000, dport: 124 });
  });
  it('a UDP Service port is traced over UDP, a TCP one over TCP', () => {
    expect(traceFlow(replay(load('edge/udp-ours-healthy')).plan, 40000)?.proto).toBe('udp');
    expect(traceFlow(replay(load('healthy-service')).plan, 40000)?.proto).toBe('tcp');
  });
});
