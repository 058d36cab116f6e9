// Several CoreDNS replicas, some broken: kube-proxy spreads the lookups over all of them, so a lookup works when it
// draws a healthy one — not an outage of the whole DNS. Each replica is dug directly from the source (dig-replica),
// and the dns hop names exactly the failing ones; the verdict is `degraded` whichever replica the one lookup through
// the Service happened to reach. A replica that refuses the query (ICMP port unreachable: its DNS server does not
// serve port 53) is said as such — only when the direct dig was refused.
// Fixtures recorded on test/lab/fixtures/dns-replicas-3.yaml (3 replicas, on worker-1..3; client-0 on worker-3) with
// test/lab/diagnoseCapture.ts (their headers say the fault):
//   dns-replicas-two-veth-down: veth-down on the worker-1 and worker-2 replicas (the lookup through the Service timed out);
//   dns-replica-refused: the worker-1 replica's dnsmasq stopped (kill of its pid, state.daemons.dnsmasq) — the lookup
//   through the Service answered, the direct dig to 10.244.1.2 was refused;
//   dns-target-not-listening: lab/default.yaml (one CoreDNS), fault dns-not-listening on it, the target its Service's
//   10.96.0.10:53/udp (the DNS server itself as the target: the dst-pod is the CoreDNS pod).
// Dig outputs swapped in are captured on the same lab (lib/parse/fixtures/dig/replica-*.txt, vip-refused.txt: their
// headers say how) or by lib/parse/fixtures/capture.sh (timeout.txt).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import { firstFailureShown } from './reproduce';
import type { ProbeRun } from './context';
import { probeArgv } from '../probes';

const here = import.meta.dirname;
const load = (name: string) => JSON.parse(readFileSync(join(here, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;
const dig = (name: string) => splitFixture(readFileSync(join(here, '../parse/fixtures/dig', `${name}.txt`), 'utf8'));

/** The CoreDNS pods of a recording, by node: "kube-system/NAME (IP) on NODE" as the diagnosis names them. */
function replicas(fx: RecordedDiagnosis): Map<string, { name: string; ip: string; label: string }> {
  const out = new Map<string, { name: string; ip: string; label: string }>();
  for (const p of fx.snapshot.pods.filter((x) => x.metadata?.namespace === 'kube-system' && x.metadata.name?.startsWith('coredns-'))) {
    const name = p.metadata!.name!;
    const ip = p.status!.podIP!;
    out.set(p.spec!.nodeName!, { name, ip, label: `kube-system/${name} (${ip}) on ${p.spec!.nodeName}` });
  }
  return out;
}

type Out = { stdout: string; stderr: string; exitCode: number | null };
/** Re-judges a recording with some runs' output replaced: `swap(run)` returns the new output, or undefined to keep it. */
function judged(fx: RecordedDiagnosis, swap: (r: ProbeRun) => Out | undefined = () => undefined) {
  const { plan, runs } = replay(fx);
  for (const [k, r] of runs) {
    const o = swap(r);
    if (o) runs.set(k, { ...r, stdout: o.stdout, stderr: o.stderr, exitCode: o.exitCode });
  }
  return judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
}
const replicaRun = (ip: string) => (r: ProbeRun) => r.probe === 'dig-replica' && r.argv.includes(`@${ip}`);
const vipDig = (r: ProbeRun) => r.probe === 'dig';

describe('two of three CoreDNS replicas behind a down veth', () => {
  const fx = load('dns-replicas-two-veth-down');
  const rep = replicas(fx);
  const [a, b, ok] = ['worker-1', 'worker-2', 'worker-3'].map((n) => rep.get(n)!);

  it('degraded, veth-down at dns naming exactly the two broken replicas, the healthy one as answering', () => {
    const j = judged(fx);
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'veth-down' });
    expect(j.summary.startsWith(`1 of 3 cluster DNS pods answer (${ok.label}); lookups kube-proxy sends to ${a.label}, ${b.label} fail: The name lookup fails: pod veth down between the pod and the DNS server (dns): `)).toBe(true);
    expect(j.firstFailure!.reason).toMatch(new RegExp(`^DNS queries kube-proxy sends to ${a.label.replace(/[().]/g, '\\$&')}, ${b.label.replace(/[().]/g, '\\$&')} time out because`));
    for (const p of [a, b]) {
      expect(j.firstFailure!.reason).toContain(`the host side of kube-system/${p.name}'s veth`);
      expect(j.firstFailure!.nextStep).toContain(`kubectl delete pod -n kube-system ${p.name}`);
    }
    expect(j.firstFailure!.reason).not.toContain(ok.name);
    expect(j.firstFailure!.nextStep).not.toContain(ok.name);
    // the failing replica's own query reproduces it every time, not the lookup kube-proxy draws for
    expect(firstFailureShown(j).reproduce?.command).toContain(`@${a.ip}`);
  });

  it('the same verdict when the one lookup through the Service drew the healthy replica and answered', () => {
    const answered = replay(load('dns-replica-refused')).runs;
    const vip = [...answered.values()].find(vipDig)!;
    expect(vip.exitCode).toBe(0);
    const j = judged(fx, (r) => (vipDig(r) ? vip : undefined));
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'veth-down' });
    expect(j.summary).toContain(`1 of 3 cluster DNS pods answer (${ok.label})`);
  });

  it('every replica silent is the whole DNS down: unreachable, the DNS nodes named, no "answer" lead', () => {
    const timeout = dig('timeout');
    const j = judged(fx, (r) => (replicaRun(ok.ip)(r) ? timeout : undefined));
    expect(j.verdict).toBe('unreachable');
    expect(j.summary).not.toMatch(/cluster DNS pods answer/);
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on worker-1, worker-2, worker-3 time out because/);
  });
});

describe('where each replica is dug', () => {
  it('at the port the DNS Service sends to (targetPort 5353 behind port 53: -p 5353), never a 53 its pods do not serve', () => {
    const fx = structuredClone(load('dns-replicas-two-veth-down'));
    for (const sl of fx.snapshot.endpointSlices) if (sl.metadata?.namespace === 'kube-system') for (const p of sl.ports ?? []) if (p.port === 53) p.port = 5353;
    const { plan } = replay(fx);
    const digs = plan.probes.filter((p) => p.probe === 'dig-replica');
    expect(digs.map((p) => p.args.ip).sort()).toEqual([...replicas(fx).values()].map((r) => r.ip).sort());
    for (const p of digs) expect(probeArgv('dig-replica', p.args)).toEqual(['dig', '+tries=2', '+time=2', '+nosearch', `@${p.args.ip}`, '-p', '5353', 'backend.shop.svc.cluster.local.', 'A']);
  });
});

describe('a CoreDNS replica that runs but does not listen on port 53', () => {
  const fx = load('dns-replica-refused');
  const rep = replicas(fx);
  const [bad, b, c] = ['worker-1', 'worker-2', 'worker-3'].map((n) => rep.get(n)!);

  it('app-not-listening at dns, said of that replica, with the refusal dig printed and a CoreDNS next step', () => {
    const j = judged(fx);
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'app-not-listening' });
    expect(j.summary).toContain(`2 of 3 cluster DNS pods answer (${b.label}, ${c.label}); lookups kube-proxy sends to ${bad.label} fail: The name lookup fails: nothing listens on the DNS port of the cluster DNS (dns): `);
    expect(j.firstFailure!.reason).toContain(`${bad.label} refuses the query (an ICMP port unreachable: nothing listens on its UDP port 53): "communications error to ${bad.ip}#53: connection refused"`);
    expect(j.firstFailure!.reason).toContain('answered this time, but 1 of 3 cluster DNS pods does not');
    for (const p of [b, c]) expect(j.firstFailure!.reason).not.toContain(p.name);
    const step = j.firstFailure!.nextStep!;
    expect(step).toContain(`kubectl -n kube-system logs ${bad.name}`);
    expect(step).toContain(`kubectl -n kube-system get pod ${bad.name} -o jsonpath='{.spec.containers[*].ports}'`);
    expect(step).toContain('`.:53`');
    expect(step).toContain(`\`dig @${bad.ip} backend.shop.svc.cluster.local.\` from shop/client-0`);
    const shown = firstFailureShown(j).reproduce!;
    expect(shown.probe).toBe('dig-replica');
    expect(shown.reproduce).toMatch(new RegExp(`^kubectl debug -n shop client-0 .* -- dig \\+tries=2 \\+time=2 \\+nosearch @${bad.ip.replace(/\./g, '\\.')} backend\\.shop\\.svc\\.cluster\\.local\\. A$`));
  });

  it('observed beats inferred: the same replica silent (not refused) is a timeout, not "nothing listens"', () => {
    const j = judged(fx, (r) => (replicaRun(bad.ip)(r) ? dig('timeout') : undefined));
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
    expect(j.firstFailure!.reason).toContain(`${bad.label} does not answer (timed out)`);
    expect(j.verdict).toBe('degraded');
  });

  it('a refusal through the Service alone (every replica answers when dug directly) names no replica', () => {
    const answer = dig('replica-answer');
    const j = judged(fx, (r) => (vipDig(r) ? dig('vip-refused') : replicaRun(bad.ip)(r) ? answer : undefined));
    expect(j.firstFailure?.cause).not.toBe('app-not-listening');
    expect(j.firstFailure?.reason ?? '').not.toContain(bad.name);
    expect(j.summary).not.toMatch(/cluster DNS pods answer/);
  });

  it('healed (the replica answers when dug directly): reachable', () => {
    const j = judged(fx, (r) => (replicaRun(bad.ip)(r) ? dig('replica-answer') : undefined));
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
  });
});

describe('the DNS server itself as the target (10.96.0.10:53/udp), its CoreDNS pod not listening', () => {
  const fx = load('dns-target-not-listening');
  const dns = [...replicas(fx).values()][0];

  it('app-not-listening at dst-pod said as the cluster DNS pod refusing, with the CoreDNS next step and the dig at it', () => {
    const j = judged(fx);
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'app-not-listening' });
    expect(j.firstFailure!.reason).toBe(`kube-system/${dns.name} is a cluster DNS pod and refuses the query: nothing is bound to UDP 53 in it (the query drew an ICMP port-unreachable) — the pod runs but its DNS server does not serve port 53`);
    expect(j.firstFailure!.nextStep).toContain(`kubectl -n kube-system logs ${dns.name}`);
    expect(j.firstFailure!.nextStep).toContain('`.:53`');
    expect(j.firstFailure!.nextStep).toContain(`\`dig @${dns.ip} cluster.local.\` from shop/frontend-0`);
    expect(firstFailureShown(j).reproduce?.reproduce).toMatch(new RegExp(`-- dig .*@${dns.ip.replace(/\./g, '\\.')} -p 53 cluster\\.local\\. SOA$`));
  });

  it('observed beats inferred: no refusal seen (the queries silent), the generic listener sentence, not the DNS one', () => {
    const { plan, runs } = replay(fx);
    const timeout = dig('timeout');
    for (const [k, r] of runs) {
      if (r.probe === 'dns-exchange') runs.set(k, { ...r, stdout: timeout.stdout, stderr: timeout.stderr, exitCode: timeout.exitCode });
      if (r.probe === 'udp-connect') runs.delete(k);
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    // the socket table alone (read inside the pod) still says nothing is bound: the generic listener finding
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'app-not-listening', reason: `kube-system/${dns.name}: nothing is bound to UDP 53` });
    expect(j.firstFailure!.nextStep).not.toMatch(/Corefile/);
  });
});

// Two replicas broken two ways (recorded on test/lab/fixtures/dns-replicas-3.yaml with test/lab/diagnoseCapture.ts,
// fixtures/dns-replicas-veth-down-and-refused.json: the worker-1 replica's veth down, the worker-2 one's DNS server
// stopped, fault dns-not-listening): the veth explains the one that times out, not the one that refuses.
describe('one replica behind a down veth, another not listening', () => {
  const fx = load('dns-replicas-veth-down-and-refused');
  const rep = replicas(fx);
  const [silent, refusing, ok] = ['worker-1', 'worker-2', 'worker-3'].map((n) => rep.get(n)!);

  it('degraded at dns: the down veth explains the replica timing out; the refusing one is said as refusing, with its own next step', () => {
    const j = judged(fx);
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'veth-down' });
    const r = j.firstFailure!.reason;
    const esc = (s: string) => s.replace(/[().]/g, '\\$&');
    // what times out is the veth's replica only (was: both "time out because" the one veth)
    expect(r).toMatch(new RegExp(`^DNS queries kube-proxy sends to ${esc(silent.label)} time out because the host side of kube-system/${silent.name}'s veth`));
    expect(r).toContain(`; ${refusing.label} refuses the query (an ICMP port unreachable: nothing listens on its UDP port 53)`);
    expect(r).not.toContain(ok.name);
    expect(j.firstFailure!.nextStep).toContain(`kubectl delete pod -n kube-system ${silent.name}`);
    expect(j.firstFailure!.nextStep).toContain(`kubectl -n kube-system logs ${refusing.name}`);
  });
});
