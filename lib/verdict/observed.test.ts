// Observed beats inferred (DESIGN §4) on real lab runs: a finding on a hop the traffic provably crossed
// becomes a model-mismatch warning; one that still stands makes the verdict degraded, never unreachable,
// once the end-to-end connect opened. Each case swaps one real output (a lab run or a lib/parse capture).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import { withResolvConf } from '../plan/ops';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;
const capture = (path: string) => splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', path), 'utf8'));
const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const fails = (j: ReturnType<typeof judge>) => j.hops.filter((h) => h.status === 'fail').map((h) => h.id);

describe('observed beats inferred', () => {
  it('containerPort 9999 with a numeric targetPort the app listens on is no port-mismatch (containerPort is informational)', () => {
    const fx = fixture('healthy-service');
    const snapshot = structuredClone(fx.snapshot);
    const svc = snapshot.services.find((s) => s.metadata?.name === 'backend')!;
    svc.spec!.ports![0].targetPort = 8080;
    for (const p of snapshot.pods.filter((x) => x.metadata?.labels?.app === 'backend')) p.spec!.containers![0].ports = [{ containerPort: 9999, protocol: 'TCP' }];
    const { plan, runs } = replay({ ...fx, snapshot });
    expect(plan.service!.check.problem?.cause).toBe('port-mismatch'); // the objects alone would say so
    const j = judge({ plan, runs, snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    expect(fails(j)).toEqual([]);
    const w = j.warnings.find((x) => x.cause === 'model-mismatch')!;
    expect(w.hop).toBe('service');
    expect(w.reason).toMatch(/declare TCP 9999/);
    expect(w.reason).toMatch(/listen on 0\.0\.0\.0:8080, and the connect to 10\.96\.44\.134:80 opened/);
    expect(j.hops.find((h) => h.id === 'service')!.status).toBe('warn');
  });

  it('the same targetPort with nothing listening there stays a port-mismatch', () => {
    const fx = fixture('healthy-service');
    const snapshot = structuredClone(fx.snapshot);
    snapshot.services.find((s) => s.metadata?.name === 'backend')!.spec!.ports![0].targetPort = 3000;
    for (const p of snapshot.pods.filter((x) => x.metadata?.labels?.app === 'backend')) p.spec!.containers![0].ports = [{ containerPort: 9999, protocol: 'TCP' }];
    const { plan, runs } = replay({ ...fx, snapshot });
    // the recorded connect opened (the lab had 8080); what nc says for a port nothing listens on:
    const refused = capture('nc/refused.txt');
    for (const [k, r] of runs) if (r.probe === 'tcp-connect') runs.set(k, { ...r, stdout: refused.stdout, stderr: refused.stderr, exitCode: refused.exitCode });
    const j = judge({ plan, runs, snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/port-mismatch@service');
  });

  it('a node route that looks wrong while the connect and the direct connect open is a model-mismatch warning, not node-route', () => {
    const fx = fixture('healthy-service');
    const { plan, runs } = replay(fx);
    const odd = capture('ip-route-get/node-local.txt'); // a route out of cni0: not the tunnel, not the peer
    for (const [k, r] of runs) if (r.probe === 'node-route-get' && r.location === 'node worker-1' && r.argv.includes('10.244.2.3')) runs.set(k, { ...r, stdout: odd.stdout, stderr: odd.stderr, exitCode: odd.exitCode });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    expect(fails(j)).toEqual([]);
    const node = j.hops.find((h) => h.id === 'src-node')!;
    expect(node.status).toBe('warn');
    expect(node.cause).toBe('model-mismatch');
    expect(node.summary).toMatch(/^expected node has no route to the pod cidr here: .*; saw the traffic pass: the direct connect from shop\/frontend-0 to 10\.244\.2\.3:8080 opened/);
  });

  it('the same route with the connect failing is still node-route (the connect is the evidence that traffic stops)', () => {
    const fx = fixture('healthy-service');
    const { plan, runs } = replay(fx);
    const odd = capture('ip-route-get/node-local.txt');
    const silent = capture('nc/timed-out.txt');
    for (const [k, r] of runs) {
      if (r.probe === 'node-route-get' && r.location === 'node worker-1' && r.argv.includes('10.244.2.3')) runs.set(k, { ...r, stdout: odd.stdout, stderr: odd.stderr, exitCode: odd.exitCode });
      if (r.probe === 'tcp-connect') runs.set(k, { ...r, stdout: silent.stdout, stderr: silent.stderr, exitCode: silent.exitCode });
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/node-route@src-node');
  });

  it('half a Service is not an outage: one endpoint unreachable, the other answering — degraded whichever endpoint the VIP connect landed on', () => {
    const fx = fixture('healthy-service'); // backend-0 10.244.2.3 on worker-2 (drawn), backend-1 on worker-1 (same node as the source)
    const odd = capture('ip-route-get/node-local.txt');
    const silent = capture('nc/timed-out.txt');
    for (const vipLanded of ['on backend-1', 'on backend-0'] as const) {
      const { plan, runs } = replay(fx);
      for (const [k, r] of runs) {
        if (r.probe === 'node-route-get' && r.location === 'node worker-1' && r.argv.includes('10.244.2.3')) runs.set(k, { ...r, stdout: odd.stdout, stderr: odd.stderr, exitCode: odd.exitCode });
        const broken = r.argv.includes('10.244.2.3') || (vipLanded === 'on backend-0' && r.argv.includes('10.96.44.134'));
        if (r.probe === 'tcp-connect' && broken) runs.set(k, { ...r, stdout: silent.stdout, stderr: silent.stderr, exitCode: silent.exitCode });
      }
      const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
      expect(outcome(j), vipLanded).toBe('degraded/node-route@src-node');
      expect(j.summary, vipLanded).toMatch(/^1 of 2 ready endpoints of Service shop\/backend answer \(shop\/backend-1 10\.244\.1\.\d+:8080\); connections kube-proxy sends to shop\/backend-0 10\.244\.2\.3:8080 fail: /);
      expect(j.hops.find((h) => h.id === 'src-node')!.status).toBe('fail');
    }
  });

  it.each([
    ['Default', /\(dnsPolicy Default: the node's resolv\.conf\)/, 'dnsPolicy: ClusterFirst'],
  ] as const)('a pod whose resolver is not the cluster DNS (dnsPolicy %s): the resolver is the cause, not the name', (policy, how, fix) => {
    const fx = fixture('healthy-service');
    const snapshot = structuredClone(fx.snapshot);
    const pod = snapshot.pods.find((p) => p.metadata?.name === 'frontend-0')!;
    pod.spec!.dnsPolicy = policy;
    const { plan: planned, runs } = replay({ ...fx, snapshot });
    // the node's own resolver file (real: the capture host's), as such a pod has it; every name it is asked is NXDOMAIN
    const host = capture('resolv-conf/host.txt');
    const nx = capture('dig/nxdomain.txt');
    const plan = withResolvConf(planned, { search: [], ndots: 1, nameservers: ['10.255.255.53'] });
    for (const [k, r] of runs) if (r.probe === 'resolv-conf') runs.set(k, { ...r, stdout: host.stdout, stderr: host.stderr, exitCode: host.exitCode });
    for (const p of plan.probes.filter((x) => x.probe === 'dig')) runs.set(p.key, { key: p.key, probe: p.probe, hop: p.hop, location: 'pod shop/frontend-0', argv: ['dig', p.args.name ?? ''], reproduce: '', exitCode: nx.exitCode, stdout: nx.stdout, stderr: nx.stderr, durationMs: 5, timedOut: false, truncated: false });
    const j = judge({ plan, runs, snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-nxdomain' });
    expect(j.firstFailure!.reason).toMatch(/^"backend" does not resolve because shop\/frontend-0's resolver is 10\.255\.255\.53 /);
    expect(j.firstFailure!.reason).toMatch(how);
    expect(j.firstFailure!.reason).toMatch(/not the cluster DNS 10\.96\.\d+\.\d+: it knows no cluster name/);
    expect(j.firstFailure!.nextStep).toContain(fix);
    expect(j.firstFailure!.reason).not.toMatch(/a short name only resolves in its own namespace/);
  });

  it('a resolver other than the cluster DNS ClusterIP that keeps the cluster search list (a node-local cache) is not blamed: the name is', () => {
    const fx = fixture('healthy-service');
    const { plan: planned, runs } = replay(fx);
    // real capture: a pod resolv.conf with the cluster search list and a nameserver that is not the kube-dns ClusterIP
    const local = capture('resolv-conf/pod-cluster-first.txt');
    const nx = capture('dig/nxdomain.txt');
    const plan = withResolvConf(planned, { search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5, nameservers: ['10.244.1.3'] });
    for (const [k, r] of runs) if (r.probe === 'resolv-conf') runs.set(k, { ...r, stdout: local.stdout, stderr: local.stderr, exitCode: local.exitCode });
    for (const p of plan.probes.filter((x) => x.probe === 'dig')) runs.set(p.key, { key: p.key, probe: p.probe, hop: p.hop, location: 'pod shop/frontend-0', argv: ['dig', p.args.name ?? ''], reproduce: '', exitCode: nx.exitCode, stdout: nx.stdout, stderr: nx.stderr, durationMs: 5, timedOut: false, truncated: false });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-nxdomain' });
    expect(j.firstFailure!.reason).toMatch(/^"backend" does not resolve: every candidate the resolver tries/);
    expect(j.firstFailure!.reason).not.toMatch(/not the cluster DNS/);
  });

  it('stale rules behind a good endpoint: the VIP connect opened, so degraded (not unreachable) and the finding stands', () => {
    const fx = fixture('stale-proxy-rules');
    const { plan, runs } = replay(fx);
    const ok = fixture('healthy-service');
    const okRuns = replay(ok).runs;
    const openVip = [...okRuns.values()].find((r) => r.probe === 'tcp-connect' && r.argv.includes('10.96.44.134'))!;
    for (const [k, r] of runs) if (r.probe === 'tcp-connect' && r.argv.includes('10.96.44.134')) runs.set(k, { ...r, stdout: openVip.stdout, stderr: openVip.stderr, exitCode: openVip.exitCode });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/proxy-rules-stale@service');
    expect(j.summary).toMatch(/^the connect to 10\.96\.44\.134:80 opened, but kube-proxy rules point at old endpoints/);
  });
});
