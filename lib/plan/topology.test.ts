// Topology-aware routing on the pod path: kube-proxy on the source's node sends a ClusterIP only to the endpoints
// hinted for its zone (EndpointSlice hints.forZones, written for spec.trafficDistribution PreferClose or the
// topology-mode annotation; upstream pkg/proxy/topology.go topologyModeFromHints), so the drawn endpoint and the
// direct connects keep to those. The recorded healthy Service walk (lib/verdict/fixtures/healthy-service.json:
// shop/frontend-0 on worker-1 → backend:80, backend-0 on worker-2 and backend-1 on worker-1) with zone labels and
// hints added to its objects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPath, type ClusterSnapshot } from '.';
import { readyEndpoints } from './ops';
import { parseTarget } from '../target';
import type { EndpointSlice } from '../kube';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'verdict', 'fixtures', 'healthy-service.json'), 'utf8')) as { snapshot: ClusterSnapshot };
const to = parseTarget('backend:80');
if (!to.ok) throw new Error('target');

/** The snapshot with worker-1 in zone-a, worker-2 in zone-b, and backend's endpoints hinted for their own node's zone (`hinted`). */
function zoned(hinted: boolean): ClusterSnapshot {
  const s = structuredClone(fx.snapshot);
  const zone: Record<string, string> = { 'worker-1': 'zone-a', 'worker-2': 'zone-b' };
  for (const n of s.nodes) n.metadata!.labels = { ...n.metadata!.labels, 'topology.kubernetes.io/zone': zone[n.metadata!.name!]! };
  for (const sl of s.endpointSlices as EndpointSlice[]) {
    if (sl.metadata?.labels?.['kubernetes.io/service-name'] !== 'backend') continue;
    for (const e of sl.endpoints ?? []) Object.assign(e, { zone: zone[e.nodeName!], ...(hinted ? { hints: { forZones: [{ name: zone[e.nodeName!] }] } } : {}) });
  }
  return s;
}

describe('topology hints on the pod path', () => {
  it('hinted for zone-a: frontend-0 (worker-1) is drawn to backend-1 in its zone, and dials only it directly', () => {
    const plan = planPath({ namespace: 'shop', name: 'frontend-0' }, to.value, zoned(true));
    expect(plan.service?.used).toEqual(['10.244.1.4:8080']);
    expect(plan.dst?.name).toBe('backend-1');
    expect(readyEndpoints(plan).map((e) => e.ip)).toEqual(['10.244.1.4']);
    expect(plan.probes.filter((p) => p.probe === 'tcp-connect' && p.hop === 'dst-pod').map((p) => p.args.ip)).toEqual(['10.244.1.4']);
  });
  it('zones without hints (no trafficDistribution): every ready endpoint, the cross-node one drawn, as before', () => {
    const plan = planPath({ namespace: 'shop', name: 'frontend-0' }, to.value, zoned(false));
    expect(plan.service?.used).toBeUndefined();
    expect(plan.dst?.name).toBe('backend-0');
    expect(plan.probes.filter((p) => p.probe === 'tcp-connect' && p.hop === 'dst-pod').map((p) => p.args.ip).sort()).toEqual(['10.244.1.4', '10.244.2.3']);
  });
});
