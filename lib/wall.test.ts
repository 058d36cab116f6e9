import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { diffObjects, emptyPinState, foldProbe, HISTORY_MAX, pathNamespaces, probeFromDiagnosis, sinceText, summarizeObject, type PinProbe } from './wall';
import type { Diagnosis } from './model';

const failing = JSON.parse(readFileSync(new URL('./graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
const healthy: Diagnosis = { ...failing, verdict: 'reachable', firstFailure: null, hops: failing.hops.map((h) => ({ ...h, status: 'pass', cause: null })) };
// A real-shaped EndpointSlice (fields as in test/upstream/fixtures/api/endpointslice-trimmed.json)
const slice = (ready: boolean) => ({
  kind: 'EndpointSlice',
  metadata: { name: 'backend-x1', namespace: 'shop' },
  endpoints: [{ addresses: ['10.244.2.2'], conditions: { ready }, nodeName: 'worker-2' }],
  ports: [{ name: 'http', port: 8080 }],
});
const pin = { id: 'p1', from: 'shop/frontend-0', to: 'backend.shop:80', createdAt: '2026-11-23T01:00:00Z' };

describe('wallboard state', () => {
  it('remembers the last green probe and explains a flip to red: hops and object diff', () => {
    const green = probeFromDiagnosis(healthy, [summarizeObject('EndpointSlice', slice(true))], '2026-11-23T01:00:00Z');
    const red = probeFromDiagnosis(failing, [summarizeObject('EndpointSlice', slice(false))], '2026-11-23T01:05:00Z');
    let s = foldProbe(emptyPinState(pin), green);
    expect(s.change).toBeNull();
    s = foldProbe(s, red);
    expect(s.lastGreen?.at).toBe('2026-11-23T01:00:00Z');
    expect(s.lastChangeAt).toBe('2026-11-23T01:05:00Z');
    expect(s.change?.hops).toEqual([{ id: 'overlay', from: 'pass', to: 'fail' }]);
    expect(s.change?.objects).toEqual([
      { key: 'EndpointSlice shop/backend-x1', change: 'changed', removed: ['10.244.2.2 ready on worker-2'], added: ['10.244.2.2 not ready on worker-2'] },
    ]);
    // back to green: the change is gone
    s = foldProbe(s, { ...green, at: '2026-11-23T01:06:00Z' });
    expect(s.change).toBeNull();
    expect(s.history.map((h) => h.verdict)).toEqual(['reachable', 'degraded', 'reachable']);
  });

  it('keeps a bounded state over thousands of probes', () => {
    let s = emptyPinState(pin);
    const base = probeFromDiagnosis(healthy, [], '2026-11-23T01:00:00Z');
    for (let i = 0; i < 5000; i++) {
      const p: PinProbe = { ...base, at: new Date(Date.parse(base.at) + i * 1000).toISOString(), verdict: i % 2 ? 'unreachable' : 'reachable' };
      s = foldProbe(s, p);
    }
    expect(s.history.length).toBe(HISTORY_MAX);
    expect(JSON.stringify(s).length).toBeLessThan(20_000);
  });

  it('diffs added and removed objects and summarizes policies and nodes', () => {
    const np = summarizeObject('NetworkPolicy', { metadata: { name: 'deny', namespace: 'db' }, spec: { podSelector: { matchLabels: { app: 'postgres' } }, policyTypes: ['Ingress'], ingress: [] } });
    expect(np.lines.slice(0, 2)).toEqual(['podSelector app=postgres', 'policyTypes Ingress']);
    expect(diffObjects([], [np])).toEqual([{ key: 'NetworkPolicy db/deny', change: 'added', removed: [], added: np.lines }]);
    expect(diffObjects([np], [])[0].change).toBe('removed');
    const node = summarizeObject('Node', { metadata: { name: 'worker-2' }, spec: { podCIDR: '10.244.2.0/24' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    expect(node).toEqual({ key: 'Node worker-2', lines: ['Ready=False', 'podCIDR 10.244.2.0/24'] });
  });

  it('finds the namespaces that feed a path and formats time since a change', () => {
    expect(pathNamespaces({ ...failing, spec: { from: 'shop/frontend-0', to: 'postgres.db:5432' }, hops: [] })).toEqual(['db', 'shop']);
    expect(pathNamespaces({ ...failing, spec: { from: 'shop/a', to: 'pod:db/pg-0:5432' }, hops: [] })).toEqual(['db', 'shop']);
    expect(sinceText('2026-11-23T01:00:00Z', Date.parse('2026-11-23T02:05:30Z'))).toBe('1 h 5 min');
    expect(sinceText(null, 0)).toBe('—');
  });
});
