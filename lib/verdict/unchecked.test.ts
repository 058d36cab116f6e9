// A reachable verdict says "every hop checked" only when it is true: on the recorded healthy Service walk
// (fixtures/healthy-service.json), node probes that did not run (node debug pods refused, their namespace missing)
// leave their hops `skip`, the veth hops judged on the pod side only, and the summary names them with the reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge, uncheckedClause } from '.';
import { replay, replayNorthSouth, type RecordedDiagnosis } from './replay';
import { judgeNorthSouth } from './northSouth';
import type { PlannedProbe } from '../plan';
import type { ProbeRun } from './context';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;
const WHY = 'namespace nons does not exist (kubectl create namespace nons, or pick another --debug-namespace)';

/** Every node probe's run in `runs` turned into one that did not run, for WHY (the node debug pods could not start). */
function nodeProbesNotRun(plan: { probes: readonly PlannedProbe[] }, runs: Map<string, ProbeRun>) {
  for (const p of plan.probes.filter((x) => x.where === 'node')) {
    const r = runs.get(p.key);
    if (r) runs.set(p.key, { ...r, stdout: '', stderr: '', exitCode: -1, notRun: WHY });
  }
}

describe('reachable: which hops were checked', () => {
  it('every probe ran: every hop checked', () => {
    const fx = fixture('healthy-service');
    const { plan, runs } = replay(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.filter((h) => h.status === 'skip')).toEqual([]);
    expect(j.summary).toMatch(/; every hop checked\.$/);
  });

  it('node probes not run: src-node, dst-node skip, the veths pod side only, and the summary names them', () => {
    const fx = fixture('healthy-service');
    const { plan, runs } = replay(fx);
    nodeProbesNotRun(plan, runs);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    const status = Object.fromEntries(j.hops.map((h) => [h.id, h.status]));
    expect(status['src-node']).toBe('skip');
    expect(status['dst-node']).toBe('skip');
    const veth = j.hops.find((h) => h.id === 'src-veth')!;
    expect(veth.status).toBe('skip');
    expect(veth.summary).toBe(`pod side only: node not probed (${WHY})`);
    expect(j.summary).not.toMatch(/every hop checked/);
    expect(j.summary).toMatch(/; the end-to-end connect opened; src-veth, src-node, dst-node, dst-veth not probed \(namespace nons does not exist\)\.$/);
  });

  it('uncheckedClause groups skipped hops by their reason', () => {
    expect(uncheckedClause([{ id: 'src-pod', status: 'pass', summary: 'x' }])).toBe('every hop checked');
    expect(uncheckedClause([
      { id: 'src-node', status: 'skip', summary: 'not probed: A' },
      { id: 'src-veth', status: 'skip', summary: 'pod side only: node not probed (A)' },
      { id: 'dns', status: 'skip', summary: 'eth0 up; not judged: B' },
    ])).toBe('the end-to-end connect opened; src-node, src-veth not probed (A); dns not probed (B)');
    // the reason's own fix stays on the hop's line
    expect(uncheckedClause([{ id: 'src-node', status: 'skip', summary: 'not probed: namespace nons does not exist (kubectl create namespace nons, or pick another --debug-namespace)' }]))
      .toBe('the end-to-end connect opened; src-node not probed (namespace nons does not exist)');
    // two nodes refused alike share one short clause (the admission message stays on the hops' lines)
    const refused = (node: string) => `the node debug pod locked/packetwalk-node-${node}-abcde on ${node} (privileged, hostNetwork, hostPID; choose a namespace that allows it with --debug-namespace) was refused by admission: pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "debugger" must set securityContext.allowPrivilegeEscalation=false)`;
    expect(uncheckedClause([
      { id: 'src-veth', status: 'skip', summary: `pod side only: node not probed (${refused('worker-1')})` },
      { id: 'src-node', status: 'skip', summary: `not probed: ${refused('worker-1')}` },
      { id: 'dst-node', status: 'skip', summary: `not probed: ${refused('worker-2')}` },
    ])).toBe('the end-to-end connect opened; src-veth, src-node, dst-node not probed (node debug pods were refused by admission)');
    expect(uncheckedClause([{ id: 'src-node', status: 'skip', summary: 'not probed: node debug pod default/p-1 on worker-1 was created but not Running after 60 s: the kubelet is slow to start it; re-run, or --keep-node-pods to reuse them' }]))
      .toBe('the end-to-end connect opened; src-node not probed (node debug pods were created but not Running after 60 s)');
  });
});

describe('north-south reachable: which hops were checked', () => {
  const edge = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', `${name}.json`), 'utf8')) as RecordedDiagnosis;
  it('every probe ran: every hop checked', () => {
    const fx = edge('ns-lb-default-healthy');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.summary).toMatch(/; every hop checked\./);
  });
  it('node probes not run: the hops with no probe of their own skip, and the summary names them (was: "every hop checked")', () => {
    const fx = edge('ns-lb-default-healthy');
    const { plan, runs } = replayNorthSouth(fx);
    nodeProbesNotRun(plan, runs);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    const skipped = j.hops.filter((h) => h.status === 'skip');
    expect(skipped.length).toBeGreaterThan(0);
    for (const h of skipped) expect(h.summary).toBe(`the connection from the outside client through this hop opened; not probed: ${WHY}`);
    expect(j.summary).not.toMatch(/every hop checked/);
    expect(j.summary).toContain(`; the end-to-end connect opened; ${skipped.map((h) => h.id).join(', ')} not probed (namespace nons does not exist).`);
  });
});
