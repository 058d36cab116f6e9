// bridge-netfilter on the flannel lab's real run (frontend-0 on worker-1; backend-1 is on worker-1 too, so
// one endpoint of backend:80 shares frontend-0's bridge) with worker-1's bridge-nf-call-iptables as the
// sysctl printed it (fixtures/families/bridge-nf, captured by capture.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';

const here = import.meta.dirname;
const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;
const cap = (p: string) => splitFixture(readFileSync(join(here, p), 'utf8'));
const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;

function withSysctl(which: 'on' | 'off') {
  const { plan, runs } = replay(fx);
  const p = plan.probes.find((x) => x.probe === 'bridge-nf' && x.node === 'worker-1');
  if (!p) throw new Error('bridge-nf not planned on the bridge family');
  const s = cap(`fixtures/families/bridge-nf/${which}.txt`);
  runs.set(p.key, { key: p.key, probe: 'bridge-nf', hop: 'src-node', location: 'node worker-1', argv: ['sysctl', 'net.bridge.bridge-nf-call-iptables'], reproduce: '', stdout: s.stdout, stderr: s.stderr, exitCode: s.exitCode, durationMs: 3, timedOut: false, truncated: false });
  return { plan, runs };
}
const setAll = (runs: Map<string, import('./context').ProbeRun>, pred: (r: import('./context').ProbeRun) => boolean, path: string) => {
  const c = cap(path);
  for (const [k, r] of runs) if (pred(r)) runs.set(k, { ...r, stdout: c.stdout, stderr: c.stderr, exitCode: c.exitCode });
};

describe('bridge-netfilter', () => {
  it('with it 1 the healthy path stays reachable', () => {
    const { plan, runs } = withSysctl('on');
    expect(outcome(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }))).toBe('reachable/-@-');
  });
  it('with it 0 and the VIP connect failing: bridge-netfilter at src-node, naming the same-node endpoint', () => {
    const { plan, runs } = withSysctl('off');
    setAll(runs, (r) => r.probe === 'tcp-connect' && r.argv.includes('10.96.44.134'), '../parse/fixtures/nc/timed-out.txt');
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/bridge-netfilter@src-node');
    expect(j.firstFailure!.reason).toMatch(/net\.bridge\.bridge-nf-call-iptables = 0 on worker-1: shop\/frontend-0 → 10\.96\.44\.134:80 is DNATed to 10\.244\.1\.4:8080 on the same bridge cni0/);
  });
  it('with it 0 and the VIP connect landing on the remote endpoint: degraded, the finding stands', () => {
    const { plan, runs } = withSysctl('off');
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/bridge-netfilter@src-node');
  });
  it('a DNS timeout whose DNS pod shares the source\'s node and bridge is bridge-netfilter at dns, not dns-timeout', () => {
    const { plan, runs } = withSysctl('off');
    setAll(runs, (r) => r.probe === 'dig', '../parse/fixtures/dig/timeout.txt');
    setAll(runs, (r) => r.probe === 'tcp-connect' && r.argv.includes('10.96.44.134'), '../parse/fixtures/nc/timed-out.txt');
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/bridge-netfilter@dns');
    // the lookup is what fails, because of the bridge: said so, not as if netfilter were a stop named dns
    expect(j.summary).toMatch(/^The name lookup fails: bridged pod traffic skips iptables between the pod and the DNS server \(dns\): /);
    const { plan: p2, runs: r2 } = withSysctl('on');
    setAll(r2, (r) => r.probe === 'dig', '../parse/fixtures/dig/timeout.txt');
    const j2 = judge({ plan: p2, runs: r2, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j2)).toBe('unreachable/dns-timeout@dns');
    expect(j2.summary).toMatch(/^DNS does not answer at dns: /);
  });
});
