// A backend pod without its way back, reached from a node or from outside (lib/plan/northSouth.ts replyRouteProbes,
// lib/verdict/northSouth.ts judgeNodePath → pod.ts judgePodRoute): recorded on lab/default.yaml with
// pod-default-route-missing (scripts/record-edge-fixtures.ts) as
//   ns-outside-lb-pod-route-missing: `--from outside --to 198.51.100.129:80` (LoadBalancer shop/storefront,
//     externalTrafficPolicy Cluster, entering worker-1), fault on shop/frontend-1 (worker-2);
//   ns-node-pod-route-missing: `--from node/worker-1 --to 10.244.2.3:8080`, fault on shop/backend-0 (worker-2).
// The pod sees worker-1's flannel.1 address 10.244.1.0 as the source (masquerade / the node's own route), outside its
// own /24: with no default route its replies have nowhere to go. Before, both ended "no hop's probes explain it".
// Calico-shaped (fixtures/edge/calico-default.yaml: /32 pods, only `169.254.1.1 dev eth0` left without the default):
//   ns-outside-lb-calico-pod-route-missing: the same LoadBalancer, fault on the drawn shop/frontend-1 (sees
//     vxlan.calico's 10.244.1.0);
//   ns-outside-lb-calico-pod-route-missing-not-drawn: fault on shop/frontend-0 on the entry node worker-1 itself, an
//     endpoint that is not drawn: worker-1's route to it (asked first) sends from 172.18.0.2, its InternalIP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { judgeNorthSouth } from './northSouth';
import { replyRouteProbes } from '../plan/northSouth';
import { splitFixture } from '../parse/fixtureFile';
import type { ProbeRun } from './context';

const load = (n: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', `${n}.json`), 'utf8')) as RecordedDiagnosis;
const routeGet = (n: string) => splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'ip-route-get', `${n}.txt`), 'utf8'));
const outcome = (j: ReturnType<typeof judgeNorthSouth>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;

const CASES = [
  {
    name: 'ns-outside-lb-pod-route-missing', pod: 'shop/frontend-1', seen: '10.244.1.0', routes: '10.244.2.0/24 dev eth0', outcome: 'degraded/pod-network@dst-pod',
    reason: /^shop\/frontend-1 has no route to 10\.244\.1\.0 \(the source it sees: worker-1's address after kube-proxy's masquerade\): "Network is unreachable" — the pod lacks its default route$/,
    summary: /^1 of 2 ready endpoints of Service shop\/storefront answer from worker-1 \(10\.244\.1\.3:8080\); connections kube-proxy sends to 10\.244\.2\.2:8080 fail: Pod network broken at dst-pod: /,
    without: { verdict: 'degraded', summary: /no hop's probes explain why \(the direct connects from worker-1 are the evidence\)/ },
  },
  {
    name: 'ns-node-pod-route-missing', pod: 'shop/backend-0', seen: '10.244.1.0', routes: '10.244.2.0/24 dev eth0', outcome: 'unreachable/pod-network@dst-pod',
    reason: /^shop\/backend-0 has no route to 10\.244\.1\.0 \(the source it sees: worker-1's own address\): "Network is unreachable" — the pod lacks its default route$/,
    summary: /^Pod network broken at dst-pod: shop\/backend-0 has no route to 10\.244\.1\.0/,
    without: { verdict: 'unreachable', summary: /^The connection from node worker-1 to 10\.244\.2\.3:8080 gets no answer, and no hop's probes explain it\.$/ },
  },
  {
    name: 'ns-outside-lb-calico-pod-route-missing', pod: 'shop/frontend-1', seen: '10.244.1.0', routes: '169.254.1.1 dev eth0', outcome: 'degraded/pod-network@dst-pod',
    reason: /^shop\/frontend-1 has no route to 10\.244\.1\.0 \(the source it sees: worker-1's address after kube-proxy's masquerade\): "Network is unreachable" — the pod lacks its default route$/,
    summary: /^1 of 2 ready endpoints of Service shop\/storefront answer from worker-1 \(10\.244\.1\.3:8080\); connections kube-proxy sends to 10\.244\.2\.2:8080 fail: Pod network broken at dst-pod: /,
    without: { verdict: 'degraded', summary: /no hop's probes explain why \(the direct connects from worker-1 are the evidence\)/ },
  },
  {
    name: 'ns-outside-lb-calico-pod-route-missing-not-drawn', pod: 'shop/frontend-0', seen: '172.18.0.2', routes: '169.254.1.1 dev eth0', outcome: 'degraded/pod-network@dst-pod',
    reason: /^shop\/frontend-0 has no route to 172\.18\.0\.2 \(the source it sees: worker-1's address after kube-proxy's masquerade\): "Network is unreachable" — the pod lacks its default route$/,
    summary: /^1 of 2 ready endpoints of Service shop\/storefront answer from worker-1 \(10\.244\.2\.2:8080\); connections kube-proxy sends to 10\.244\.1\.3:8080 fail: Pod network broken at dst-pod: shop\/frontend-0 /,
    without: { verdict: 'degraded', summary: /no hop's probes explain why \(the direct connects from worker-1 are the evidence\)/ },
  },
] as const;

describe('north-south: the destination pod has no way back to the source it sees', () => {
  it.each(CASES)('$name: the failed connect asks the pod for its route to $seen and its route table, once', (k) => {
    const fx = load(k.name);
    const { plan, runs } = replayNorthSouth(fx);
    const back = plan.probes.filter((p) => (p.probe === 'route-get' || p.probe === 'route-show') && p.hop === 'dst-pod');
    expect(back.map((p) => `${p.probe} ${p.pod!.namespace}/${p.pod!.name} ${p.args.ip ?? ''}`.trim())).toEqual([`route-get ${k.pod} ${k.seen}`, `route-show ${k.pod}`]);
    expect(back.every((p) => runs.has(p.key))).toBe(true);
    expect(replyRouteProbes(plan, fx.snapshot, runs)).toEqual([]);
  });

  it.each(CASES)('$name: pod-network at dst-pod, as the pod-source path names it, with the route output as evidence', (k) => {
    const fx = load(k.name);
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe(k.outcome);
    expect(j.firstFailure!.reason).toMatch(k.reason);
    // the next step names the pod (not "the pod": the source's or the destination's?) and the line that shows its failure
    expect(j.firstFailure!.nextStep).toMatch(new RegExp(`^Check ${k.pod}'s sandbox on \\S+: \`kubectl debug -n shop ${k.pod.split('/')[1]} .* -- ip -j route get ${k.seen.replace(/\./g, '\\.')}\` shows it; \`ip addr\` and \`ip route\` inside the pod`));
    expect(j.summary).toMatch(k.summary);
    // the engine's own diagnosis said the same when it was recorded
    expect(fx.diagnosis.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'pod-network' });
    const dst = j.hops.find((h) => h.id === 'dst-pod')!;
    expect(dst).toMatchObject({ status: 'fail', cause: 'pod-network' });
    const rg = dst.evidence.find((e) => e.probe === 'route-get')!;
    expect(rg.stderr).toMatch(/Network is unreachable/);
    expect(rg.reproduce).toMatch(new RegExp(`^kubectl debug -n shop ${k.pod.split('/')[1]} -it --image=nicolaka/netshoot --target=\\S+ -- ip -j route get ${k.seen.replace(/\./g, '\\.')}$`));
    expect(dst.evidence.find((e) => e.probe === 'route-show')!.finding).toBe(`${k.pod}'s routes: ${k.routes} (no default route)`);
  });

  it.each(CASES)('$name: the finding comes from the route lookup: a route back (or no lookup at all) leaves it unexplained, as before', (k) => {
    const fx = load(k.name);
    const { plan, runs } = replayNorthSouth(fx);
    const rg = plan.probes.find((p) => p.probe === 'route-get' && p.hop === 'dst-pod')!;
    const r = runs.get(rg.key)!;
    const found = routeGet('pod-via-gateway');
    const swapped = new Map(runs).set(rg.key, { ...r, exitCode: 0, stdout: found.stdout, stderr: '' } as ProbeRun);
    const j = judgeNorthSouth({ plan, runs: swapped, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe(k.without.verdict);
    expect(j.firstFailure).toBeNull();
    expect(j.summary).toMatch(k.without.summary);
    const bare = { ...plan, probes: plan.probes.filter((p) => p.probe !== 'route-get' && p.probe !== 'route-show') };
    const b = judgeNorthSouth({ plan: bare, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(b.verdict).toBe(k.without.verdict);
    expect(b.summary).toMatch(k.without.summary);
  });

  it.each(CASES)('$name: an "unreachable" route matching the source is named as such (a default route that does not cover it)', (k) => {
    const fx = load(k.name);
    const { plan, runs } = replayNorthSouth(fx);
    const rg = plan.probes.find((p) => p.probe === 'route-get' && p.hop === 'dst-pod')!;
    const u = routeGet('unreachable-route');
    const swapped = new Map(runs).set(rg.key, { ...runs.get(rg.key)!, exitCode: u.exitCode, stdout: u.stdout, stderr: u.stderr } as ProbeRun);
    const j = judgeNorthSouth({ plan, runs: swapped, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe(k.outcome);
    expect(j.firstFailure!.reason).toMatch(/: "No route to host" — an "unreachable" route in the pod matches it$/);
  });

  it.each(CASES)('$name: no follow-up when the connects toward the pod opened', (k) => {
    const fx = load(k.name);
    const { plan, runs } = replayNorthSouth(fx);
    const ok = new Map([...runs].map(([key, r]) => [key, /tcp-connect$/.test(r.probe) ? ({ ...r, exitCode: 0, timedOut: false } as ProbeRun) : r]));
    const base = { ...plan, probes: plan.probes.filter((p) => p.probe !== 'route-get' && p.probe !== 'route-show') };
    expect(replyRouteProbes(base, fx.snapshot, ok)).toEqual([]);
    // ...while the recorded failure asks for them
    expect(replyRouteProbes(base, fx.snapshot, runs).map((p) => p.probe)).toEqual(['route-get', 'route-show']);
  });

  it.each(['ns-lb-default-healthy', 'ns-node-vxlan-healthy', 'ns-outside-nodeport-healthy', 'ns-node-calico-healthy'])('%s: a healthy recording plans no reply-route probe and stays reachable', (name) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    expect(plan.probes.some((p) => p.probe === 'route-show' || (p.probe === 'route-get' && p.hop === 'dst-pod'))).toBe(false);
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).verdict).toBe('reachable');
  });
});
