// An ExternalName Service whose externalName is a Service of this cluster (<svc>.<ns>.svc.<domain>: the cluster DNS
// answers the CNAME itself) is planned as that Service — its VIP, endpoints and kube-proxy rules — not as an egress
// to a host outside the cluster (before session 16: egress + SNAT + "external" hops, and a Service with no endpoints
// behind the alias never named).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPath } from '.';
import { clusterTargetOf } from './egress';
import { parseTarget } from '../target';
import type { RecordedDiagnosis } from '../verdict/replay';
import type { Service } from '../kube';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'verdict', 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;
const ext = (name: string, ns: string, externalName: string): Service => ({ metadata: { name, namespace: ns }, spec: { type: 'ExternalName', externalName } }) as Service;
const snapshot = { ...fx.snapshot, services: [...fx.snapshot.services, ext('alias', 'shop', 'backend.shop.svc.cluster.local'), ext('vendor', 'shop', 'api.vendor.example'), ext('ghost', 'shop', 'nosuch.shop.svc.cluster.local.')] };
const plan = (to: string) => {
  const t = parseTarget(to);
  if (!t.ok) throw new Error(t.error.message);
  return planPath({ namespace: 'shop', name: 'frontend-0' }, t.value, snapshot);
};

describe('an ExternalName alias of a Service of this cluster', () => {
  it('is planned through that Service: its VIP and endpoints, no egress', () => {
    const p = plan('alias:80');
    expect(p.service?.key).toBe('shop/backend');
    expect(p.dstIP).toBe(fx.snapshot.services.find((s) => s.metadata?.name === 'backend')!.spec!.clusterIP);
    expect(p.hops.map((h) => h.id)).toEqual(expect.arrayContaining(['dns', 'service', 'dst-pod']));
    expect(p.hops.map((h) => h.id)).not.toContain('egress');
    expect(p.hops.find((h) => h.id === 'dns')!.expected).toMatch(/CNAME backend\.shop\.svc\.cluster\.local \(ExternalName shop\/alias\) → 10\./);
  });
  it('an outside host, or a Service that was not read, stays an ExternalName to the outside', () => {
    expect(plan('vendor:443').hops.map((h) => h.id)).toContain('external');
    expect(clusterTargetOf(snapshot.services.find((s) => s.metadata?.name === 'ghost')!, snapshot, 'cluster.local')).toBeUndefined();
    expect(clusterTargetOf(snapshot.services.find((s) => s.metadata?.name === 'alias')!, snapshot, 'corp.local')).toBeUndefined();
  });
});
