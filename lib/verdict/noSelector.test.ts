// A Service without a selector and no ready endpoint: its next step is about who writes its EndpointSlices, not the
// selector advice of no-endpoints (which left "kubectl get pods -l <selector>" literal: there is no selector). The
// recorded healthy Service walk (fixtures/healthy-service.json) with backend's selector and endpoints taken away.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { planPath } from '../plan';
import { parseTarget } from '../target';
import type { RecordedDiagnosis } from './replay';
import { replay } from './replay';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;

describe('no-endpoints on a Service without a selector', () => {
  it('names the EndpointSlices and their owner, never a literal <selector>', () => {
    const snap = structuredClone(fx.snapshot);
    const svc = snap.services.find((s) => s.metadata?.name === 'backend' && s.metadata.namespace === 'shop')!;
    delete svc.spec!.selector;
    for (const sl of snap.endpointSlices) if (sl.metadata?.labels?.['kubernetes.io/service-name'] === 'backend') sl.endpoints = [];
    const to = parseTarget('backend:80');
    if (!to.ok) throw new Error('target');
    const plan = planPath({ namespace: 'shop', name: 'frontend-0' }, to.value, snap);
    const { runs } = replay(fx);
    // nothing answers: the connects time out as nc says it
    for (const [k, r] of runs) if (r.probe === 'tcp-connect') runs.set(k, { ...r, exitCode: 1, stdout: '', stderr: `nc: connect to ${r.argv[r.argv.length - 2]} port ${r.argv[r.argv.length - 1]} (tcp) timed out: Operation now in progress\n` });
    const j = judge({ plan, runs, snapshot: snap, depth: 'live' });
    const svcHop = j.hops.find((h) => h.id === 'service')!;
    expect(svcHop).toMatchObject({ status: 'fail', cause: 'no-endpoints' });
    expect(svcHop.nextStep).toMatch(/^Service shop\/backend has no selector, so nothing writes its endpoints from pods: `kubectl get endpointslices -n shop -l kubernetes.io\/service-name=backend`/);
    expect(JSON.stringify(j)).not.toContain('<selector>');
  });
});
