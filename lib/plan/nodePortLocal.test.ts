// Which endpoint a NodePort with externalTrafficPolicy Local is drawn to, by where the flow starts: traffic from
// outside stays on the entry node's own endpoints (none on n1: kube-proxy drops it there), traffic that starts on the
// entry node itself (its pods, its own network) is sent on to any ready endpoint (kube-proxy's "pod traffic for …
// external destinations" / "route LOCAL traffic" rules). Snapshot: a real run on test/lab/fixtures/ns-wide.yaml
// (shop/nplocal NodePort 31081, Local, its one endpoint shop/web-0 on n2; shop/client-0 and hostNetwork shop/hostc on n1).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planNorthSouth } from './northSouth';
import type { RecordedDiagnosis } from '../verdict/replay';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'verdict', 'fixtures', 'edge', 'ns-outside-lb-local-entry-mtu-blackhole.json'), 'utf8')) as RecordedDiagnosis;
const to = { kind: 'node', node: 'n1', port: 31081, text: 'node/n1:31081' } as const;

describe('NodePort with externalTrafficPolicy Local on a node without a local endpoint', () => {
  it('from outside: no endpoint drawn, the choice says the entry drops it', () => {
    const plan = planNorthSouth({ kind: 'outside' }, to, fx.snapshot);
    expect(plan.dst).toBeUndefined();
    expect(plan.choice).toMatch(/n1 has no local endpoint, so kube-proxy drops the traffic there/);
    expect(plan.hops.map((h) => h.id)).not.toContain('dst-pod');
  });

  it.each([
    [{ kind: 'pod', namespace: 'shop', name: 'client-0' }, "its pods'"],
    [{ kind: 'pod', namespace: 'shop', name: 'hostc' }, 'its own'],
    [{ kind: 'node', node: 'n1' }, 'its own'],
  ] as const)('from %o on the entry node: drawn to shop/web-0 on n2 across the overlay', (from, whose) => {
    const plan = planNorthSouth(from, to, fx.snapshot);
    expect(plan.dst?.name).toBe('web-0');
    expect(plan.hops.map((h) => h.id)).toEqual([...(from.kind === 'pod' && from.name === 'client-0' ? ['src-pod', 'src-veth'] : []), 'src-node', 'node-port', 'overlay', 'dst-node', 'dst-veth', 'dst-pod']);
    expect(plan.choice).toContain(`externalTrafficPolicy Local does not hold for traffic that starts on n1 (${whose})`);
    expect(plan.hops.find((h) => h.id === 'node-port')!.expected).not.toMatch(/on this node/);
  });

  it('from a pod on another node: not drawn past the entry (kube-proxy on n1 short-circuits it, the answer comes back around n1)', () => {
    const plan = planNorthSouth({ kind: 'pod', namespace: 'shop', name: 'client-2' }, to, fx.snapshot);
    expect(plan.dst).toBeUndefined();
  });
});
