// A missing listener behind another failure of the same hop: recorded on the default lab (frontend-0 →
// pod:db/postgres-0:5433 — db/only-backend admits only the backend, and postgres listens on 5432 only).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replayPod, type RecordedDiagnosis } from './replay';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'policy-and-no-listener.json'), 'utf8')) as RecordedDiagnosis;

describe('a policy drop in front of a port nothing listens on', () => {
  it('fails on the policy, and warns that the listener is missing too, with its own next step', () => {
    const { plan, runs } = replayPod(fx);
    const d = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(d.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'policy-denied' });
    expect(d.hops.find((h) => h.id === 'dst-pod')).toMatchObject({ status: 'fail', cause: 'policy-denied' });
    const w = d.warnings.filter((x) => x.cause === 'app-not-listening');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ hop: 'dst-pod' });
    expect(w[0].reason).toMatch(/^db\/postgres-0: nothing listens on TCP 5433 \(listening: 0\.0\.0\.0:5432\) — hidden behind this hop's failure \(NetworkPolicy denies the flow\): once that is fixed, the connect will be refused$/);
    expect(w[0].nextStep).toMatch(/listens on TCP 5432, not 5433: dial 5432/);
  });
  it('with the listener there, no such warning', () => {
    const { plan, runs } = replayPod(fx);
    const ss = [...runs.values()].find((r) => r.probe === 'ss-listen')!;
    runs.set(ss.key, { ...ss, stdout: ss.stdout.replace(/:5432\b/g, ':5433') });
    const d = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(d.firstFailure?.cause).toBe('policy-denied');
    expect(d.warnings.filter((x) => x.cause === 'app-not-listening')).toEqual([]);
  });
});
