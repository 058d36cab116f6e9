// A what-if judges self cells by the live matrix's rule (lib/matrix/self.ts): a pod reaching itself through its own
// Service while a policy isolates it is not judged — not cut, not opened, not in the exit code — and the JSON and
// the table say so as the plain matrix does. A cut of a path to another pod stays a cut.
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, NetworkPolicy, Pod, Service } from '../kube/types';
import { buildMatrix, cellKey, exitCodeOf, isUnjudged, observeCell, renderMatrixTable, summarize, type Matrix } from './index';
import { cellAt, tableGrid } from './tableTestkit';

const ready = [{ type: 'Ready', status: 'True' }];
function pod(name: string, ip: string, app: string, owner?: { kind: string; name: string }): Pod {
  return {
    metadata: { namespace: 'shop', name, labels: { app }, ...(owner ? { ownerReferences: [{ kind: owner.kind, name: owner.name, controller: true }] } : {}) } as Pod['metadata'],
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip, conditions: ready },
  };
}
function service(name: string, ip: string, backends: Pod[]): { svc: Service; slice: EndpointSlice } {
  return {
    svc: { metadata: { namespace: 'shop', name }, spec: { clusterIP: ip, selector: { app: backends[0].metadata!.labels!.app }, ports: [{ port: 80, targetPort: 8080 }] } },
    slice: {
      metadata: { namespace: 'shop', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ port: 8080, protocol: 'TCP' }],
      endpoints: backends.map((p) => ({ addresses: [p.status!.podIP!], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'shop', name: p.metadata!.name } })),
    } as EndpointSlice,
  };
}
/** The lab's shop: bare pods backend-0/1 behind Service backend, frontend-0 behind Service frontend; no policy today. */
function shop(backendOwner?: { kind: string; name: string }) {
  const b0 = pod('backend-0', '10.244.1.3', 'backend', backendOwner);
  const b1 = pod('backend-1', '10.244.2.3', 'backend', backendOwner);
  const f0 = pod('frontend-0', '10.244.1.2', 'frontend');
  const backend = service('backend', '10.96.0.20', [b0, b1]);
  const frontend = service('frontend', '10.96.0.30', [f0]);
  return { pods: [b0, b1, f0], services: [backend.svc, frontend.svc], endpointSlices: [backend.slice, frontend.slice], policies: [] as NetworkPolicy[], namespaces: [{ metadata: { name: 'shop' } }] };
}
const denyIngress: NetworkPolicy = { metadata: { namespace: 'shop', name: 'default-deny-ingress' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
const cell = (m: Matrix, from: string, to: string) => m.cells.find((c) => cellKey(c.from, c.to) === cellKey(from, to))!;

describe('what-if: self cells by the live rule', () => {
  it('under a default-deny ingress what-if, backend-0 through its own Service is not judged; backend-0 → backend-1 and frontend-0 → backend are cut', () => {
    const m = buildMatrix(shop(), { namespaces: ['shop'], withPolicy: [denyIngress] });
    const self = cell(m, 'shop/backend-0', 'svc:shop/backend:80');
    expect(self).toMatchObject({ predicted: 'allow', predictedAfter: 'deny', change: null, split: true, agree: null, policies: ['shop/default-deny-ingress'] });
    expect(self.explain).toMatch(/^not judged: after the change, shop\/backend-0 reaching itself through its own Service \(hairpin\) while isolated for ingress: .*implementation-defined/);
    expect(isUnjudged(self)).toBe(true);
    // real cuts: a path to another pod
    expect(cell(m, 'shop/backend-0', 'pod:shop/backend-1:8080')).toMatchObject({ change: 'cut' });
    expect(cell(m, 'shop/frontend-0', 'svc:shop/backend:80')).toMatchObject({ change: 'cut' });
    expect(cell(m, 'shop/frontend-0', 'svc:shop/backend:80').split).toBeUndefined();
    expect(isUnjudged(cell(m, 'shop/frontend-0', 'svc:shop/backend:80'))).toBe(false);
    // own IP: never leaves the netns, allowed before and after
    expect(cell(m, 'shop/backend-0', 'pod:shop/backend-0:8080')).toMatchObject({ change: null, predictedAfter: 'allow' });
    // 3 sources × 5 targets: each source's own IP stays allowed, each through its own Service is not judged, the 9 others are cut
    const s = summarize(m);
    expect(s).toMatchObject({ cells: 15, cut: 9, opened: 0, unjudged: 3 });
    expect(exitCodeOf(m)).toBe(1);
    // the table: a '~' self cell, a NOT JUDGED line (not CUT), the count in the footer, the legend
    const table = renderMatrixTable(m);
    const grid = tableGrid(table);
    const col = m.targets.findIndex((t) => t.id === 'svc:shop/backend:80');
    expect(cellAt(grid, 'shop/backend-0', col)).toEqual({ mark: '~', self: true });
    expect(cellAt(grid, 'shop/frontend-0', col)).toEqual({ mark: 'CUT', self: false });
    expect(table).toMatch(/\nNOT JUDGED shop\/backend-0 → svc:shop\/backend:80: not judged: after the change, /);
    expect(table).not.toMatch(/\nCUT shop\/backend-0 → svc:shop\/backend:80/);
    expect(table).toMatch(/\nCUT shop\/frontend-0 → svc:shop\/backend:80: cut: allowed today, denied after the change/);
    expect(table).toContain('~ not judged (see below)');
    expect(table).toMatch(new RegExp(`\\n${m.cells.length} cells: ${s.cut} cut, 0 opened, 3 not judged \\(policies shop/default-deny-ingress\\)\\n`));
  });

  it('when the only would-be cut is a pod reaching itself through its own Service, nothing is cut: exit 0', () => {
    // backend is one Deployment of two pods (backend-0 probed for both): the what-if admits only frontend into backend
    const objs = shop({ kind: 'ReplicaSet', name: 'backend-5d8f7c9b4' });
    const onlyFrontend: NetworkPolicy = {
      metadata: { namespace: 'shop', name: 'backend-from-frontend' },
      spec: { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }] }] },
    };
    const m = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [onlyFrontend] });
    expect(m.sources).toEqual(['shop/backend-0', 'shop/frontend-0']);
    expect(cell(m, 'shop/backend-0', 'svc:shop/backend:80')).toMatchObject({ predictedAfter: 'deny', change: null, split: true });
    expect(cell(m, 'shop/frontend-0', 'svc:shop/backend:80')).toMatchObject({ change: null, predictedAfter: 'allow' });
    expect(summarize(m)).toMatchObject({ cut: 0, opened: 0, unjudged: 1 });
    expect(exitCodeOf(m)).toBe(0);
  });

  it('a hairpin already isolated today is not judged in a what-if either, as in the plain matrix', () => {
    const objs = { ...shop(), policies: [denyIngress] };
    // plain: predicted split, observed → agree null, "not judged: …"
    const plain = buildMatrix(objs, { namespaces: ['shop'] });
    const t = plain.targets.find((x) => x.id === 'svc:shop/backend:80')!;
    const seen = observeCell(cell(plain, 'shop/backend-0', t.id), t, 'timeout');
    expect(seen).toMatchObject({ split: true, agree: null });
    expect(seen.explain).toMatch(/^not judged: shop\/backend-0 reaching itself through its own Service \(hairpin\)/);
    expect(isUnjudged(seen)).toBe(true);
    // what-if that takes the deny away (an allow-all policy beside it): still not judged, not "opened"
    const allowAll: NetworkPolicy = { metadata: { namespace: 'shop', name: 'allow-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } };
    const w = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [allowAll] });
    const self = cell(w, 'shop/backend-0', t.id);
    expect(self).toMatchObject({ change: null, split: true });
    expect(self.explain).toMatch(/^not judged: today and after the change, shop\/backend-0 reaching itself/);
    expect(cell(w, 'shop/frontend-0', t.id)).toMatchObject({ change: 'opened' });
    expect(exitCodeOf(w)).toBe(0);
    // a what-if that lifts the isolation for real (the deny replaced by nothing that selects backend): judged on today's split
    const lifted: NetworkPolicy = { metadata: { namespace: 'shop', name: 'default-deny-ingress' }, spec: { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Ingress'] } };
    const l = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [lifted] });
    expect(cell(l, 'shop/backend-0', t.id)).toMatchObject({ change: null, split: true });
    expect(cell(l, 'shop/backend-0', t.id).explain).toMatch(/^not judged: today, shop\/backend-0 reaching itself/);
  });

  it('a Service whose endpoints only disagree is judged in a what-if (a sure config prediction): cut', () => {
    const objs = shop();
    // backend-1 alone is isolated and admits nothing: frontend-0 → backend is cut on one of its two endpoints
    const oneDown: NetworkPolicy = { metadata: { namespace: 'shop', name: 'deny-backend-1' }, spec: { podSelector: { matchLabels: { 'statefulset.kubernetes.io/pod-name': 'backend-1' } }, policyTypes: ['Ingress'] } };
    objs.pods[1].metadata!.labels = { ...objs.pods[1].metadata!.labels, 'statefulset.kubernetes.io/pod-name': 'backend-1' };
    const m = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [oneDown] });
    const c = cell(m, 'shop/frontend-0', 'svc:shop/backend:80');
    expect(c).toMatchObject({ change: 'cut', predictedAfter: 'deny' });
    expect(c.split).toBeUndefined();
    expect(isUnjudged(c)).toBe(false);
  });
});
