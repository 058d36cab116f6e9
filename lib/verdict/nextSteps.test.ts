// Every next step a diagnosis prints must be pasteable: no `<node>`, `<pod IP>` … left unfilled. Each recorded lab
// diagnosis in fixtures/ that carries its API objects is judged again (pod paths by judge, outside/node sources by
// judgeNorthSouth) and every next step of its hops, first failure and warnings is scanned.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { judge } from './index';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, replayPod, type RecordedDiagnosis } from './replay';
import { parseSource, parseTarget } from '../target';
import { northSouthPath } from '../plan/northSouth';

const ROOT = fileURLToPath(new URL('./fixtures/', import.meta.url));
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.json') ? [join(dir, n)] : []));
const recorded = walk(ROOT)
  .map((f) => ({ name: f.slice(ROOT.length), fx: JSON.parse(readFileSync(f, 'utf8')) as Partial<RecordedDiagnosis> }))
  .filter((x): x is { name: string; fx: RecordedDiagnosis } => !!x.fx.snapshot && !!x.fx.diagnosis);

/** A `<placeholder>` (letters first: `<` in a comparison or an arrow is not one). */
const PLACEHOLDER = /<[A-Za-z][^<>`]*>/g;

function judged(fx: RecordedDiagnosis) {
  // the engine's own choice (server/diagnose): an outside or node source, or a target entered through a node
  const from = parseSource(fx.diagnosis.spec.from);
  const to = parseTarget(fx.diagnosis.spec.to);
  if (!from.ok || !to.ok) throw new Error(`fixture spec: ${fx.diagnosis.spec.from} → ${fx.diagnosis.spec.to}`);
  if (northSouthPath(from.value, to.value, fx.snapshot)) return judgeNorthSouth({ ...replayNorthSouth(fx), snapshot: fx.snapshot, depth: 'live' });
  return judge({ ...replayPod(fx), snapshot: fx.snapshot, depth: 'live' });
}

describe('next steps carry no unfilled placeholder', () => {
  it('covers a broad set of recorded diagnoses', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(30);
    expect(new Set(recorded.map((r) => judged(r.fx).firstFailure?.cause ?? 'none')).size).toBeGreaterThanOrEqual(10);
  });
  it.each(recorded.map((r) => [r.name, r.fx] as const))('%s', (_name, fx) => {
    const j = judged(fx);
    const steps = [
      ...j.hops.filter((h) => h.nextStep).map((h) => [`hop ${h.id}`, h.nextStep!] as const),
      ...(j.firstFailure?.nextStep ? [['firstFailure', j.firstFailure.nextStep] as const] : []),
      ...j.warnings.filter((w) => w.nextStep).map((w) => [`warning ${w.cause}`, w.nextStep!] as const),
    ];
    const left = steps.flatMap(([where, s]) => (s.match(PLACEHOLDER) ?? []).map((p) => `${where}: ${p} in "${s}"`));
    expect(left).toEqual([]);
  });
  it('a DNS timeout explained by a node\'s missing route names that node and the DNS pod (cilium, node-route-missing:node=node-b,to=node-a)', () => {
    const fx = recorded.find((r) => r.name === 'nextstep/cilium-dns-node-route-missing.json')!.fx;
    const j = judged(fx);
    const step = "On node-b run `ip route get 10.50.1.2`; the CNI did not program the route to the other node's pod CIDR; check the CNI daemon on node-b.";
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'node-route', nextStep: step });
    expect(j.hops.find((h) => h.id === 'dns')!.nextStep).toBe(step);
  });
  it.each([
    // calico-vxlan: a TCP port the pod does not listen on
    ['nextstep/calico-pod-port-closed.json', 'dst-pod', /^Inside pod app\/client-0 run `kubectl exec -n app client-0 -- ss -tlnp`; the app must listen on TCP 8080 on 0\.0\.0\.0 \(or the pod IP 10\.\d+\.\d+\.\d+\), not 127\.0\.0\.1/],
    // udp-ours: a UDP port nothing binds — ss -ulnp, and the pod by name
    ['nextstep/udp-pod-port-unbound.json', 'dst-pod', /^Inside pod mon\/statsd-0 run `kubectl exec -n mon statsd-0 -- ss -ulnp`; the app must bind UDP 9999 on 0\.0\.0\.0/],
    // outside → a node port no Service has: nothing listens in the node's own network, and there is no pod
    ['edge/ns-host-port-closed.json', 'node-port', /^On node-a, `ss -tlnp 'sport = :10299'`; no Service has nodePort 10299 — check the port, or the Service's nodePort/],
  ])('app-not-listening names the pod or node and the protocol: %s', (name, hop, step) => {
    const j = judged(recorded.find((r) => r.name === name)!.fx);
    expect(j.firstFailure).toMatchObject({ hop, cause: 'app-not-listening' });
    expect(j.firstFailure!.nextStep).toMatch(step);
    expect(j.hops.find((h) => h.id === hop)!.nextStep).toMatch(step);
    expect(j.firstFailure!.nextStep).not.toMatch(/the backend pod/);
  });
});
