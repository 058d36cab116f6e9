// Each dataplane family judged on its own terms (DESIGN §3.1): the flannel lab's healthy run with every
// node and pod view swapped for the same view of a calico / cilium / kindnet / vpc shaped node, captured
// from real network namespaces with the same addresses (fixtures/families/capture.sh). A healthy path
// must stay reachable with no fail hop; the family's own failure forms must still fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import type { ProbeRun } from './context';
import { overlayLabel } from '../graph/layout';

const here = import.meta.dirname;
const fixture = (name: string) => JSON.parse(readFileSync(join(here, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;
const fam = (path: string) => splitFixture(readFileSync(join(here, 'fixtures', 'families', path), 'utf8'));
const capture = (path: string) => splitFixture(readFileSync(join(here, '..', 'parse', 'fixtures', path), 'utf8'));
const outcome = (j: ReturnType<typeof judge>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const fails = (j: ReturnType<typeof judge>) => j.hops.filter((h) => h.status === 'fail').map((h) => h.id);

/** Which family capture stands in for which recorded run (worker-1/frontend-0 = 1, worker-2/backend-0 = 2). */
function familyFile(r: ProbeRun): string | undefined {
  const n = r.location === 'node worker-1' ? 1 : r.location === 'node worker-2' ? 2 : undefined;
  const p = r.location === 'pod shop/frontend-0' ? 1 : r.location === 'pod shop/backend-0' ? 2 : undefined;
  if (n && r.probe === 'node-link') return `node-link-w${n}`;
  if (n && r.probe === 'neigh') return `neigh-w${n}`;
  if (n && r.probe === 'fdb') return `fdb-w${n}`;
  if (n === 1 && r.probe === 'node-route-get' && r.argv.includes('10.244.2.3')) return 'route-get-w1';
  if (n === 2 && r.probe === 'node-route-get' && r.argv.includes('10.244.1.3')) return 'route-get-w2';
  if (p && r.probe === 'addr') return `pod-addr-p${p}`;
  if (p === 1 && r.probe === 'route-get' && r.argv.includes('10.244.2.3')) return 'pod-route-get-p1';
  if (p === 2 && r.probe === 'route-get' && r.argv.includes('10.244.1.3')) return 'pod-route-get-p2';
  return undefined;
}

function asFamily(family: string) {
  const fx = fixture('healthy-service');
  const { plan, runs } = replay(fx);
  let swapped = 0;
  for (const [k, r] of runs) {
    const f = familyFile(r);
    if (!f) continue;
    const c = fam(`${family}/${f}.txt`);
    runs.set(k, { ...r, stdout: c.stdout, stderr: c.stderr, exitCode: c.exitCode });
    swapped++;
  }
  return { fx, plan, runs, swapped };
}

describe('healthy paths judged on each family\'s terms', () => {
  it.each([
    ['calico', 'vxlan', 'vxlan.calico VNI 4096 UDP 4789', 'cali1a2b3c4d5e6', 'cali6e5d4c3b2a1', 'vxlan.calico VNI 4096 UDP 4789'],
    ['cilium', 'vxlan', 'cilium_vxlan (external VXLAN, collect-metadata: no FDB) UDP 8472', 'lxc8d1f2a3b4c5e', 'lxc5e4c3b2a1f8d', 'cilium_vxlan (external) UDP 8472'],
    ['kindnet', 'host-gw', 'no tunnel (host-gw)', 'veth3f2a9c1d', 'veth7b6e5d4c', 'routed (host-gw)'],
    ['vpc', 'routed', 'routed via the VPC', 'eni1f2e3d4c5b6', 'eni6b5c4d3e2f1', 'routed via the VPC'],
  ])('%s: reachable, no fail hop, the tunnel named, veths found by peer ifindex', (family, mode, tunnel, srcVeth, dstVeth, label) => {
    const { fx, plan, runs, swapped } = asFamily(family);
    expect(swapped).toBeGreaterThanOrEqual(12);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(fails(j)).toEqual([]);
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.warnings.map((w) => w.cause)).not.toContain('model-mismatch');
    const overlay = j.hops.find((h) => h.id === 'overlay')!;
    expect(overlay.details).toMatchObject({ mode, tunnel, family });
    expect(overlayLabel(overlay)).toBe(label);
    expect(overlay.summary).toContain(`${family}: `);
    expect(j.hops.find((h) => h.id === 'src-veth')!.summary).toMatch(new RegExp(`^${srcVeth} on worker-1: up, mtu`));
    expect(j.hops.find((h) => h.id === 'dst-veth')!.summary).toMatch(new RegExp(`^${dstVeth} on worker-2: up, mtu`));
  });

  it('cilium: its empty FDB is the external device\'s design, said as such, not neighbor-stale', () => {
    const { fx, plan, runs } = asFamily('cilium');
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.hops.find((h) => h.id === 'overlay')!.observed).toMatch(/no VTEP address and no FDB entries by design/);
    expect(j.hops.find((h) => h.id === 'src-node')!.observed).toMatch(/routed via cilium_host, encapsulated on cilium_vxlan/);
  });

  it('vpc: the node\'s route via the default gateway is healthy, and the router\'s one MAC for every peer is not neighbor-stale', () => {
    const { fx, plan, runs } = asFamily('vpc');
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.hops.find((h) => h.id === 'src-node')!.observed).toMatch(/routed via the VPC: 10\.244\.2\.3 goes to the gateway 172\.18\.0\.1 on eth0/);
    expect(j.warnings.map((w) => w.cause)).toEqual([]);
  });

  it('vpc: the router answering "Destination Net Unreachable" while the connect times out is node-route on the routed path (overlay)', () => {
    const { fx, plan, runs } = asFamily('vpc');
    const lost = fam('vpc/node-ping-w2-router-lost-route.txt');
    const silent = capture('nc/timed-out.txt');
    const key = plan.probes.find((p) => p.probe === 'node-ping' && p.node === 'worker-2')!.key;
    runs.set(key, { key, probe: 'node-ping', hop: 'dst-node', location: 'node worker-2', argv: ['ping', '-n', '-c', '1', '-W', '1', '10.244.1.3'], reproduce: '', stdout: lost.stdout, stderr: lost.stderr, exitCode: lost.exitCode, durationMs: 5, timedOut: false, truncated: false });
    // every connect times out (the VIP and both endpoints: one endpoint answering would make it degraded, lib/verdict/observed partialService)
    for (const [k, r] of runs) if (r.probe === 'tcp-connect') runs.set(k, { ...r, stdout: silent.stdout, stderr: silent.stderr, exitCode: silent.exitCode });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/node-route@overlay');
    expect(j.firstFailure!.reason).toMatch(/the VPC router 172\.18\.0\.1 answers worker-2's ping to 10\.244\.1\.3 with "Destination Net Unreachable"/);
    // the fix is the cloud's route table, not a node route the CNI should have programmed
    expect(j.firstFailure!.nextStep).toMatch(/^The nodes hand worker-1's pod CIDR to the VPC router 172\.18\.0\.1: add the route .* to the VPC\/subnet route table/);
    expect(j.firstFailure!.nextStep).not.toMatch(/CNI did not program/);
  });

  it('flannel rules still apply where the shape is flannel: a route out of the default gateway is node-route', () => {
    const { fx, plan, runs } = asFamily('kindnet');
    const viaGw = fam('vpc/route-get-w1.txt'); // via 172.18.0.1: not the peer, and kindnet is not VPC-routed
    const silent = capture('nc/timed-out.txt');
    for (const [k, r] of runs) {
      if (r.probe === 'node-route-get' && r.location === 'node worker-1' && r.argv.includes('10.244.2.3')) runs.set(k, { ...r, stdout: viaGw.stdout, stderr: viaGw.stderr, exitCode: viaGw.exitCode });
      if (r.probe === 'tcp-connect') runs.set(k, { ...r, stdout: silent.stdout, stderr: silent.stderr, exitCode: silent.exitCode });
    }
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('unreachable/node-route@src-node');
  });
});
