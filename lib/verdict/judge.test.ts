// judge() on real runs: fixtures/*.json hold the API objects and the Diagnosis the engine produced on the
// lab (every probe's argv/stdout/stderr/exit code). The test rebuilds the plan from
// the objects (test/lab/diagnoseCapture.ts wrote them), maps each evidence item back to its planned probe, re-judges, and then changes one real
// output at a time to check the verdict follows the evidence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import { withMtuLadder } from '../plan/mtu';
import { planPath } from '../plan';
import { CAUSES, concreteNextStep } from '../causes';
import { probeDef } from '../probes';

function load(name: string) {
  const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;
  return { fx, ...replay(fx) };
}

const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;

describe('judge on real lab runs', () => {
  it.each([
    ['healthy-service', 'reachable/-@-'],
    ['stale-proxy-rules', 'unreachable/proxy-rules-stale@service'],
    ['mtu-blackhole', 'degraded/mtu-blackhole@overlay'],
  ])('%s re-judges to the recorded verdict', (name, want) => {
    const { fx, plan, runs } = load(name);
    expect(fx.header.command).toMatch(/^packetwalk diagnose/);
    expect(runs.size).toBeGreaterThan(20);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe(want);
    expect(outcome(j)).toBe(`${fx.diagnosis.verdict}/${fx.diagnosis.firstFailure?.cause ?? '-'}@${fx.diagnosis.firstFailure?.hop ?? '-'}`);
  });

  it('no kube-proxy rules on the node (a kube-proxy replacement) is a warn naming cilium, never a fail', () => {
    const { fx, plan, runs } = load('healthy-service');
    // What iptables-save and `nft list ruleset` print in a netns without rules (captured: both print nothing, exit 0).
    for (const [k, r] of runs) if (r.location === `node ${plan.src.node}` && (r.probe === 'iptables-save' || r.probe === 'nft-ruleset')) runs.set(k, { ...r, stdout: '', exitCode: 0 });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    const svc = j.hops.find((h) => h.id === 'service')!;
    expect(svc.status).toBe('warn');
    expect(svc.cause).toBe('proxy-mode-unknown');
    expect(svc.summary).toMatch(/cilium bpf lb list/);
  });

  it('a connection refused on the drawn endpoint with a listener gone is app-not-listening', () => {
    const { fx, plan, runs } = load('healthy-service');
    for (const [k, r] of runs) {
      if (r.probe === 'ss-listen') runs.set(k, { ...r, stdout: r.stdout.split('\n').filter((l) => !/:8080\b/.test(l)).join('\n') });
      // ...and the connects say so (observed beats inferred: a listener missing while the connect opens is no fault)
      if (r.probe === 'tcp-connect') runs.set(k, { ...r, ...failedConnect('nc/refused.txt') });
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/app-not-listening@dst-pod');
    expect(j.firstFailure!.reason).toMatch(/nothing listens on TCP 8080/);
  });

  it('a listener on another port: the next step is the port to dial (or the targetPort), not the bind address', () => {
    const { fx, plan, runs } = load('healthy-service');
    for (const [k, r] of runs) {
      if (r.probe === 'ss-listen') runs.set(k, { ...r, stdout: r.stdout.replace(/:8080\b/g, ':9090') });
      if (r.probe === 'tcp-connect') runs.set(k, { ...r, ...failedConnect('nc/refused.txt') });
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/app-not-listening@dst-pod');
    expect(j.firstFailure!.reason).toMatch(/nothing listens on TCP 8080 \(listening: .*:9090/);
    expect(j.firstFailure!.nextStep).toMatch(/listens on TCP 9090, not 8080: dial 9090, or set the Service's targetPort/);
  });

  it('the overlay hop\'s details name each node\'s tunnel MTU when they differ (an MTU fault is that difference)', () => {
    const bad = load('mtu-blackhole');
    const j = judge({ plan: bad.plan, runs: bad.runs, snapshot: bad.fx.snapshot, depth: 'live' });
    expect(j.hops.find((h) => h.id === 'overlay')!.details?.mtu).toMatch(/^1500 on worker-\d, 1200 on worker-\d$/);
    // the reason and the next step say the numbers: what is lost, and the pod MTU the tunnel carries
    expect(j.firstFailure!.reason).toMatch(/^DF pings above 1172 bytes of payload \(IP packets over 1200 bytes\) are lost without an ICMP error while 56-byte pings pass; tunnel MTU 1200 on worker-\d \(flannel\.1, VXLAN overhead 50\) < pod MTU 1500/);
    expect(j.firstFailure!.nextStep).toMatch(/^Make the pod MTU fit the tunnel: at most 1200 \(flannel\.1 on worker-\d, whose MTU already allows for VXLAN's 50 bytes\), or raise worker-\d's underlay MTU to 1550 so that the tunnel carries 1500; meanwhile clamp TCP MSS/);
    const ok = load('healthy-service');
    expect(judge({ plan: ok.plan, runs: ok.runs, snapshot: ok.fx.snapshot, depth: 'live' }).hops.find((h) => h.id === 'overlay')!.details?.mtu).toBe(1500);
  });

  it('a mistyped Service name: the next step suggests the near Services, from the informer\'s full list or the snapshot\'s serviceNamesIn', () => {
    const { fx } = load('healthy-service');
    const target = { kind: 'name' as const, name: 'backedn.shop', port: 80, text: 'backedn.shop:80' };
    const step = (snapshot: typeof fx.snapshot) => judge({ plan: planPath({ namespace: 'shop', name: 'frontend-0' }, target, snapshot), runs: new Map(), snapshot, depth: 'config' }).firstFailure?.nextStep;
    // serve's snapshot holds every Service
    expect(step(fx.snapshot)).toMatch(/^Check the name: namespace shop has no Service backedn; did you mean backend\.shop\? Its Services: .*\bbackend\b/);
    // the CLI's focused read holds none of shop's: the names it listed for this failure
    const focused = { ...fx.snapshot, services: fx.snapshot.services.filter((s) => s.metadata?.namespace !== 'shop'), serviceNamesIn: { namespace: 'shop', names: ['frontend', 'db', 'backend'] } };
    expect(step(focused)).toBe('Check the name: namespace shop has no Service backedn; did you mean backend.shop? Its Services: backend, db, frontend (`kubectl get svc -n shop`).');
    // nothing known about shop's Services: the cause's own text
    const blind = { ...focused, serviceNamesIn: undefined };
    expect(step(blind)).toBe(concreteNextStep(CAUSES['dns-nxdomain'].nextStep, {}));
  });

  it('a namespace-qualified name in a mistyped namespace: worded for NAME.NS, not as a short name; the fix keeps backend.shop', () => {
    const { fx } = load('healthy-service');
    // every query of the resolver's answered NXDOMAIN (a captured dig), as on the lab
    const nx = splitFixture(readFileSync(join(import.meta.dirname, '../parse/fixtures/dig/nxdomain.txt'), 'utf8'));
    const verdict = (name: string) => {
      const target = { kind: 'name' as const, name, port: 80, text: `${name}:80` };
      const plan = planPath({ namespace: 'shop', name: 'frontend-0' }, target, fx.snapshot);
      const runs = new Map(plan.probes.filter((p) => p.probe === 'dig').map((p) => [p.key, { key: p.key, probe: p.probe, hop: p.hop, location: 'pod shop/frontend-0', argv: [], reproduce: '', stdout: nx.stdout, stderr: nx.stderr, exitCode: nx.exitCode, durationMs: 3, timedOut: false, truncated: false }]));
      return judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure!;
    };
    const typo = verdict('backend.shopp');
    expect(typo.cause).toBe('dns-nxdomain');
    expect(typo.reason).toMatch(/; namespace shopp has no Service backend, but namespace shop has one — use backend\.shop$/);
    expect(typo.reason).not.toMatch(/short name/);
    expect(typo.nextStep).toBe('Check the namespace: `backend.shop` is the Service backend in namespace shop (`kubectl get svc -A --field-selector metadata.name=backend` lists every namespace that has one).');
    expect(verdict('backend.shopp.svc.cluster.local').reason).toMatch(/use backend\.shop\.svc\.cluster\.local$/);
  });

  it('a mistyped source pod: planPath names the near pods of its namespace, from the full list or the snapshot\'s podNamesIn', () => {
    const { fx } = load('healthy-service');
    const target = { kind: 'name' as const, name: 'backend.shop', port: 80, text: 'backend.shop:80' };
    expect(() => planPath({ namespace: 'shop', name: 'fronted-0' }, target, fx.snapshot)).toThrow(/^--from: pod shop\/fronted-0 not found; did you mean shop\/frontend-0( or shop\/frontend-1)?\? \(kubectl get pods -n shop lists them\)$/);
    const focused = { ...fx.snapshot, pods: fx.snapshot.pods.filter((p) => p.metadata?.namespace !== 'shop'), podNamesIn: { namespace: 'shop', names: ['web-0', 'web-1', 'frontend-7'] } };
    expect(() => planPath({ namespace: 'shop', name: 'web' }, target, focused)).toThrow('--from: pod shop/web not found; did you mean shop/web-0 or shop/web-1? (kubectl get pods -n shop lists them)');
    expect(() => planPath({ namespace: 'shop', name: 'zzz' }, target, focused)).toThrow('--from: pod shop/zzz not found (kubectl get pods -n shop lists them)');
  });

  it('a name that may be a Service this user may not read is unknown at config depth, never "no such Service" nor outside the cluster', () => {
    const { fx } = load('healthy-service');
    const hidden = { ...fx.snapshot, services: fx.snapshot.services.filter((s) => s.metadata?.namespace !== 'shop'), endpointSlices: fx.snapshot.endpointSlices.filter((s) => s.metadata?.namespace !== 'shop') };
    const target = { kind: 'name' as const, name: 'backend.shop', port: 80, text: 'backend.shop:80' };
    // a user who could read shop's Services and found none: the name does not exist
    const gone = planPath({ namespace: 'shop', name: 'frontend-0' }, target, hidden);
    expect(judge({ plan: gone, runs: new Map(), snapshot: hidden, depth: 'config' }).firstFailure?.cause).toBe('dns-nxdomain');
    // a user refused the read: unknown, and the plan does not send it out of the cluster
    const refused = { ...hidden, unreadableServiceNamespaces: ['shop'] };
    const plan = planPath({ namespace: 'shop', name: 'frontend-0' }, target, refused);
    expect(plan.hops.map((h) => h.id)).not.toContain('external');
    const j = judge({ plan, runs: new Map(), snapshot: refused, depth: 'config', configReason: 'no exec rights' });
    expect(j.verdict).toBe('undetermined');
    expect(j.firstFailure).toBeNull();
    expect(j.summary).toMatch(/^"backend\.shop" may be Service shop\/backend, which this user may not read \(get on services in shop\).*; and the path could not be probed: no exec rights\.$/);
  });

  it('a pod interface set up whose link is down says so, not "eth0 up (DOWN)"', () => {
    const { fx, plan, runs } = load('healthy-service');
    const key = [...runs.keys()].find((k) => runs.get(k)!.probe === 'addr' && runs.get(k)!.location === `pod ${plan.src.namespace}/${plan.src.name}`)!;
    const r = runs.get(key)!;
    runs.set(key, { ...r, stdout: r.stdout.replace(/"operstate":"UP"/g, '"operstate":"LOWERLAYERDOWN"') });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    const ev = j.hops.flatMap((h) => h.evidence).find((e) => e.probe === 'addr' && e.where === `pod ${plan.src.namespace}/${plan.src.name}`)!;
    expect(ev.finding).toMatch(/^eth0 set up, but its link is LOWERLAYERDOWN, /);
    expect(ev.finding).not.toMatch(/ up \(/);
    // NO-CARRIER (the flag ip link shows when a veth's peer is down) is said as what it means
    runs.set(key, { ...r, stdout: r.stdout.replace(/"flags":\["BROADCAST"/, '"flags":["NO-CARRIER","BROADCAST"').replace(/"operstate":"UP"/g, '"operstate":"DOWN"') });
    const j2 = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    const ev2 = j2.hops.flatMap((h) => h.evidence).find((e) => e.probe === 'addr' && e.where === `pod ${plan.src.namespace}/${plan.src.name}`)!;
    expect(ev2.finding).toMatch(/^eth0 set up, but it has no carrier \(the other end of its veth is down\), /);
  });

  it('next steps name what the diagnosis knows (the tunnel device, the VIP) instead of placeholders', () => {
    const { fx, plan, runs } = load('stale-proxy-rules');
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure?.cause).toBe('proxy-rules-stale');
    expect(j.firstFailure?.nextStep).toMatch(/`conntrack -D -d 10\.96\.\d+\.\d+`/);
    expect(j.firstFailure?.nextStep).not.toMatch(/<VIP>/);
    expect(j.hops.find((h) => h.id === j.firstFailure?.hop)?.nextStep).toBe(j.firstFailure?.nextStep);
    expect(concreteNextStep('`conntrack -D -d <VIP>` in <ns>', { vip: '10.96.0.50' })).toBe('`conntrack -D -d 10.96.0.50` in <ns>'); // unknown ones stay
  });

  it('conntrack above 80% of its max is a warning with the numbers', () => {
    const { fx, plan, runs } = load('healthy-service');
    for (const [k, r] of runs) if (r.probe === 'sysctl' && r.location === `node ${plan.src.node}`) runs.set(k, { ...r, stdout: r.stdout.replace(/nf_conntrack_count = \d+/, 'nf_conntrack_count = 230000') });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.warnings.find((w) => w.cause === 'conntrack-pressure')?.reason).toMatch(/230000 of nf_conntrack_max 262144 \(87\.7%/);
  });

  it('without any probe output every probe hop is skip with the reason, never pass', () => {
    const { fx, plan } = load('healthy-service');
    const j = judge({ plan, runs: new Map(), snapshot: fx.snapshot, depth: 'config', configReason: 'needs patch on pods/ephemeralcontainers in shop' });
    expect(j.verdict).toBe('undetermined');
    for (const h of j.hops) {
      expect(h.status).toBe('skip');
      expect(h.summary).toMatch(/needs patch on pods\/ephemeralcontainers in shop/);
    }
  });
});

// Real captures of the failure forms (lib/parse/fixtures, each with its command/version/date header) put
// in place of one probe's output: the verdict must read them the way lib/parse does.
const capture = (path: string) => splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', path), 'utf8'));
/** A connect that failed, as nc printed it (a lib/parse capture). */
function failedConnect(path: string) {
  const f = capture(path);
  return { stdout: f.stdout, stderr: f.stderr, exitCode: f.exitCode };
}

describe('judge reads every output through lib/parse', () => {
  it('a DF ping answered by an ICMP error (a REJECT: "Packet filtered") is not a silent drop: no mtu-blackhole', () => {
    const { fx, plan: first, runs } = load('healthy-service');
    const rejected = capture('ping/admin-prohibited.txt');
    // The largest first-stage ping is rejected, so the engine asks for the sizes between (lib/plan/mtu.ts):
    // 1000 comes back as the smallest did, every size above it is rejected the same way.
    const pings = first.probes.filter((p) => p.probe === 'ping-df');
    const small = runs.get(pings.find((p) => p.args.size === 56)!.key)!;
    const large = pings.find((p) => p.args.size === 1472)!;
    runs.set(large.key, { ...runs.get(large.key)!, stdout: rejected.stdout, stderr: rejected.stderr, exitCode: rejected.exitCode });
    const { plan, added } = withMtuLadder(first, runs);
    expect(added.map((p) => p.args.size)).toEqual([1000, 1172, 1272, 1372, 1400, 1422, 1450]);
    for (const p of added) {
      const like = p.args.size! > 1000 ? { stdout: rejected.stdout, stderr: rejected.stderr, exitCode: rejected.exitCode } : { stdout: small.stdout, stderr: small.stderr, exitCode: small.exitCode };
      runs.set(p.key, { ...small, key: p.key, argv: probeDef('ping-df').argv(p.args), ...like });
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    const overlay = j.hops.find((h) => h.id === 'overlay')!;
    expect(overlay.observed).toMatch(/1172 gets Packet filtered from 10\.244\.1\.1/);
    expect(overlay.evidence.find((e) => e.probe === 'ping-df' && e.command.includes('1172'))?.finding).toMatch(/icmp-error \(Packet filtered from 10\.244\.1\.1\)/);
  });

  it('a refused route lookup says which route refused it (blackhole), not just "no route"', () => {
    const { fx, plan, runs } = load('healthy-service');
    const bh = capture('ip-route-get/blackhole-route.txt');
    for (const [k, r] of runs) if (r.probe === 'route-get' && r.location === `pod ${plan.src.namespace}/${plan.src.name}`) runs.set(k, { ...r, stdout: bh.stdout, stderr: bh.stderr, exitCode: bh.exitCode });
    for (const [k, r] of runs) if (r.probe === 'tcp-connect') runs.set(k, { ...r, ...failedConnect('nc/no-route.txt') });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/pod-network@src-pod');
    expect(j.firstFailure!.reason).toMatch(/"Invalid argument" — a "blackhole" route in the pod matches it/);
  });

  it('a missing resolv.conf is unreadable, not an empty configuration', () => {
    const { fx, plan, runs } = load('healthy-service');
    const missing = capture('resolv-conf/missing.txt');
    for (const [k, r] of runs) if (r.probe === 'resolv-conf') runs.set(k, { ...r, stdout: missing.stdout, stderr: missing.stderr, exitCode: missing.exitCode });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    const dns = j.hops.find((h) => h.id === 'dns')!;
    expect(dns.evidence.find((e) => e.probe === 'resolv-conf')?.finding).toMatch(/^the output could not be read \(resolv\.conf: expected the file contents .*No such file or directory/);
    expect(dns.status).toBe('skip');
    expect(dns.summary).toMatch(/^not judged: resolv-conf on pod shop\/frontend-0: the output could not be read/);
  });

  it('output cut short (a ParseError) makes its hop skip, never a false pass or fail', () => {
    const { fx, plan, runs } = load('healthy-service');
    for (const [k, r] of runs) if (r.probe === 'ss-listen') runs.set(k, { ...r, stdout: `${r.stdout.split('\n')[0]}\ngarbage that ss never prints\n` });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    const dst = j.hops.find((h) => h.id === 'dst-pod')!;
    expect(dst.status).toBe('skip');
    expect(dst.evidence.find((e) => e.probe === 'ss-listen')?.finding).toMatch(/^the output could not be read \(ss line 2: /);
  });
});

describe('next steps name the node and the address of the finding', () => {
  it('a route missing on the destination node (the way back): that node, and the source pod it has no route to', () => {
    const { fx, plan, runs } = load('healthy-service');
    const dstNode = plan.dst!.node;
    const none = capture('ip-route-get/network-unreachable.txt');
    for (const [k, r] of runs) if (r.probe === 'node-route-get' && r.location === `node ${dstNode}` && r.argv.includes(plan.src.ip)) runs.set(k, { ...r, stdout: none.stdout, stderr: none.stderr, exitCode: none.exitCode });
    for (const [k, r] of runs) if (r.probe === 'tcp-connect') runs.set(k, { ...r, ...failedConnect('nc/timed-out.txt') });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dst-node', cause: 'node-route' });
    expect(plan.src.ip).not.toBe(plan.dst!.ip);
    expect(j.firstFailure!.nextStep).toBe(`On ${dstNode} run \`ip route get ${plan.src.ip}\`; the CNI did not program the route to the other node's pod CIDR; check the CNI daemon on ${dstNode}.`);
  });
});
