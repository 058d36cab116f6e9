// A rule dump cut at its byte cap is never read as "no kube-proxy rules" (that would be a false
// proxy-rules-missing): on a real lab run (fixtures/healthy-service.json) the source node's iptables-save is
// cut to its first lines and marked truncated, as the exec runner marks a capped stream.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';

describe('a cut rule dump', () => {
  it('is said, and judges nothing: no proxy-rules-missing, the path still reachable', () => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;
    const { plan, runs } = replay(fx);
    let cut = 0;
    for (const [k, r] of runs) {
      if (r.location === `node ${plan.src.node}` && (r.probe === 'iptables-save' || r.probe === 'nft-ruleset') && r.stdout.includes('KUBE-SERVICES')) {
        runs.set(k, { ...r, stdout: r.stdout.split('\n').slice(0, 12).join('\n'), truncated: true });
        cut++;
      }
    }
    expect(cut).toBeGreaterThan(0);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
    const svc = j.hops.find((h) => h.id === 'service')!;
    expect(svc.status).not.toBe('fail');
    expect(svc.summary + (svc.observed ?? '')).toMatch(/dump on .* is larger than packetwalk reads .* not judged/);
  });
});
