// The service hop's kube-proxy observation names kube-proxy once (the flannel lab's healthy run, iptables mode).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';

const here = import.meta.dirname;

describe('the service hop\'s kube-proxy observation', () => {
  it.each(['healthy-service.json', 'stale-proxy-rules.json'])('%s: "kube-proxy (iptables) on worker-1 …", never "…: kube-proxy …"', (f) => {
    const fx = JSON.parse(readFileSync(join(here, 'fixtures', f), 'utf8')) as RecordedDiagnosis;
    const { plan, runs } = replay(fx);
    const svc = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).hops.find((h) => h.id === 'service')!;
    expect(svc.observed).toMatch(/(kube-proxy \(iptables\) on worker-\d (sends|has no|rejects)|iptables rules on worker-\d: )/);
    expect(svc.observed).not.toMatch(/kube-proxy \(\w+\) on [\w-]+: kube-proxy/);
  });
});
