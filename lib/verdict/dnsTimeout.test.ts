// The dns-timeout sentence counts the queries the resolver left unanswered in good English: "did not answer the
// 1 query", "answered none of 3 queries". The flannel lab's healthy run (fixtures/healthy-service.json) with every
// dig replaced by a captured timeout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';

const here = import.meta.dirname;
const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;
const timeout = splitFixture(readFileSync(join(here, '../parse/fixtures/dig/timeout.txt'), 'utf8'));

/** The healthy run with its digs timed out, keeping only the first `keep` of them. */
function dnsDown(keep: number) {
  const { plan, runs } = replay(fx);
  const digs = [...runs].filter(([, r]) => r.probe === 'dig');
  digs.forEach(([k, r], i) => (i < keep ? runs.set(k, { ...r, stdout: timeout.stdout, stderr: timeout.stderr, exitCode: timeout.exitCode }) : runs.delete(k)));
  return judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
}

describe('dns-timeout wording', () => {
  it('one query: "did not answer the 1 query", never "none of 1 queries"', () => {
    const j = dnsDown(1);
    expect(j.firstFailure?.cause).toBe('dns-timeout');
    expect(j.firstFailure!.reason).toMatch(/^the resolver \S+ did not answer the 1 query \(it waited 2 s\): cluster DNS is not answering \(its pod: kube-system\/coredns-\S+ on worker-1\)$/);
  });
  it('several queries: "answered none of N queries"', () => {
    const all = [...replay(fx).runs.values()].filter((r) => r.probe === 'dig').length;
    expect(all).toBeGreaterThan(1);
    const j = dnsDown(all);
    expect(j.firstFailure?.cause).toBe('dns-timeout');
    expect(j.firstFailure!.reason).toMatch(new RegExp(`^the resolver \\S+ answered none of ${all} queries \\(each waited 2 s\\): cluster DNS is not answering \\(its pod: kube-system/coredns-\\S+ on worker-1\\)$`));
  });
});
