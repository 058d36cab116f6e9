// A hop's summary joins its observations ("Allowed: … (egress[0])." and the pod's links): one separator, never
// ".;" (fixtures/trace-dns-overlay-blocked.json was recorded with one). Every recorded run in fixtures/ re-judged.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import type { NetworkPolicy } from '../kube/types';

const here = import.meta.dirname;
// the recorded runs with their API objects (the trace-*.json files are Diagnoses alone)
const recorded = readdirSync(join(here, 'fixtures')).filter((f) => f.endsWith('.json') && !f.startsWith('trace-'));

describe('joined observations', () => {
  it.each(recorded)('%s: no sentence is joined after its full stop', (f) => {
    const fx = JSON.parse(readFileSync(join(here, 'fixtures', f), 'utf8')) as RecordedDiagnosis;
    const { plan, runs } = replay(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    for (const h of j.hops) {
      expect(h.summary, `${f} ${h.id} summary`).not.toMatch(/[^.]\.[;,] /);
      expect(h.observed ?? '', `${f} ${h.id} observed`).not.toMatch(/[^.]\.[;,] /);
    }
    expect(j.summary).not.toMatch(/[^.]\.; /);
  });
  it('the policy sentence and what follows it: "(egress[0]); eth0 up", not ".; eth0 up"', () => {
    const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;
    // frontend-0 isolated for egress by a policy that admits the path (and DNS), and dst-pod observes the sentence
    const allowAll: NetworkPolicy = {
      metadata: { namespace: 'shop', name: 'frontend-out' },
      spec: { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'], egress: [{}] },
    };
    const snapshot = { ...fx.snapshot, policies: [...fx.snapshot.policies, allowAll] };
    const { plan, runs } = replay({ ...fx, snapshot });
    const hop = judge({ plan, runs, snapshot, depth: 'live' }).hops.find((h) => h.id === 'dst-pod')!;
    expect(hop.observed).toMatch(/^Allowed: egress of shop\/frontend-0 admitted by shop\/frontend-out \(egress\[0\]\); eth0 up/);
    expect(hop.summary).not.toContain('.;');
  });
});
