import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, Pod, Service, EndpointSlice } from '../kube/types';
import { buildMatrix, cellKey, cellMark, cellState, exitCodeOf, observeCell, renderMatrixTable, serviceObservation, summarize, walkTarget, workloadOf, type Observed } from './index';
import { checkMatrix } from '../schema/matrix';
import { applyMatrixEvent } from './events';
import { cellAt, tableGrid } from './tableTestkit';

const ready = [{ type: 'Ready', status: 'True' }];
function pod(ns: string, name: string, ip: string, labels: Record<string, string>, port: number, owner?: { kind: string; name: string; hash?: string }): Pod {
  return {
    metadata: {
      namespace: ns,
      name,
      labels: { ...labels, ...(owner?.hash ? { 'pod-template-hash': owner.hash } : {}) },
      ...(owner ? { ownerReferences: [{ kind: owner.kind, name: owner.name, controller: true }] } : {}),
    } as Pod['metadata'],
    spec: { containers: [{ name: 'c', ports: [{ containerPort: port }] }] },
    status: { phase: 'Running', podIP: ip, conditions: ready },
  };
}

const pods: Pod[] = [
  pod('shop', 'web-5d8f7c9b4-aaaaa', '10.244.1.2', { app: 'web' }, 8080, { kind: 'ReplicaSet', name: 'web-5d8f7c9b4', hash: '5d8f7c9b4' }),
  pod('shop', 'web-5d8f7c9b4-bbbbb', '10.244.2.2', { app: 'web' }, 8080, { kind: 'ReplicaSet', name: 'web-5d8f7c9b4', hash: '5d8f7c9b4' }),
  pod('shop', 'db-0', '10.244.1.3', { app: 'db' }, 5432, { kind: 'StatefulSet', name: 'db' }),
  pod('shop', 'batch', '10.244.2.3', { app: 'batch' }, 9000),
];
const services: Service[] = [{ metadata: { namespace: 'shop', name: 'db' }, spec: { clusterIP: '10.96.0.10', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, targetPort: 5432 }] } }];
const slices: EndpointSlice[] = [
  {
    metadata: { namespace: 'shop', name: 'db-x', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.244.1.3'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'shop', name: 'db-0' } }],
  } as EndpointSlice,
];
const onlyWeb: NetworkPolicy = {
  metadata: { namespace: 'shop', name: 'db-from-web' },
  spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }] },
};
const objs = { pods, services, endpointSlices: slices, policies: [onlyWeb], namespaces: [{ metadata: { name: 'shop' } }] };

describe('matrix layout and prediction', () => {
  it('groups pods by owner and probes one per group unless asked for all', () => {
    expect(workloadOf(pods[0])).toEqual({ kind: 'Deployment', name: 'web' });
    expect(workloadOf(pods[2])).toEqual({ kind: 'StatefulSet', name: 'db' });
    const m = buildMatrix(objs, { namespaces: ['shop'] });
    expect(m.groups.map((g) => g.id)).toEqual(['shop/Deployment/web', 'shop/Pod/batch', 'shop/StatefulSet/db']);
    expect(m.sources).toEqual(['shop/web-5d8f7c9b4-aaaaa', 'shop/batch', 'shop/db-0']);
    expect(m.notes.join('\n')).toMatch(/shop\/Deployment\/web: 2 pods, probed shop\/web-5d8f7c9b4-aaaaa/);
    expect(m.targets.map((t) => t.id)).toEqual(['svc:shop/db:5432', 'pod:shop/web-5d8f7c9b4-aaaaa:8080', 'pod:shop/batch:9000', 'pod:shop/db-0:5432']);
    expect(m.cells).toHaveLength(12);
    const all = buildMatrix(objs, { namespaces: ['shop'], allPods: true });
    expect(all.sources).toHaveLength(4);
  });

  it('predicts with the deciding policies, through the Service to its endpoints', () => {
    const m = buildMatrix(objs, { namespaces: ['shop'] });
    const c = (from: string, to: string) => m.cells.find((x) => x.from === from && x.to === to)!;
    expect(c('shop/web-5d8f7c9b4-aaaaa', 'svc:shop/db:5432')).toMatchObject({ predicted: 'allow', policies: ['shop/db-from-web'] });
    expect(c('shop/batch', 'svc:shop/db:5432')).toMatchObject({ predicted: 'deny', policies: ['shop/db-from-web'] });
    expect(c('shop/batch', 'pod:shop/db-0:5432')).toMatchObject({ predicted: 'deny' });
    expect(c('shop/batch', 'pod:shop/web-5d8f7c9b4-aaaaa:8080')).toMatchObject({ predicted: 'allow', policies: [] });
    expect(c('shop/db-0', 'pod:shop/db-0:5432')).toMatchObject({ predicted: 'allow' });
  });

  it('what-if: replacing the policy with one that drops the web rule cuts exactly the web → db cells', () => {
    const denyAll: NetworkPolicy = { metadata: { namespace: 'shop', name: 'db-from-web' }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [] } };
    const m = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [denyAll] });
    expect(m.depth).toBe('config');
    const cut = m.cells.filter((c) => c.change === 'cut').map((c) => cellKey(c.from, c.to));
    expect(cut.sort()).toEqual(['shop/web-5d8f7c9b4-aaaaa→pod:shop/db-0:5432', 'shop/web-5d8f7c9b4-aaaaa→svc:shop/db:5432']);
    expect(exitCodeOf(m)).toBe(1);
    expect(exitCodeOf(buildMatrix(objs, { namespaces: ['shop'], withPolicy: [onlyWeb] }))).toBe(0);
    // a policy in a namespace the matrix does not hold can change nothing here, and a note says so
    const elsewhere: NetworkPolicy = { metadata: { namespace: 'ops', name: 'deny-egress' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };
    const far = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [elsewhere] });
    expect(exitCodeOf(far)).toBe(0);
    expect(far.notes.join('\n')).toMatch(/what-if: ops\/deny-egress is in ops, which this matrix does not hold: .* can change no cell here \(add -n ops\)/);
    expect(m.notes.join('\n')).not.toMatch(/what-if:/);
  });

  it('observations agree or are explained, and the exit code follows', () => {
    const m = buildMatrix(objs, { namespaces: ['shop'] });
    const byId = new Map(m.targets.map((t) => [t.id, t]));
    m.cells = m.cells.map((c) => observeCell(c, byId.get(c.to)!, c.predicted === 'allow' ? 'open' : 'timeout'));
    expect(exitCodeOf(m)).toBe(0);
    const i = m.cells.findIndex((c) => c.from === 'shop/batch' && c.to === 'svc:shop/db:5432');
    m.cells[i] = observeCell(m.cells[i], byId.get('svc:shop/db:5432')!, 'open');
    expect(m.cells[i]).toMatchObject({ agree: false, explain: 'predicted deny by shop/db-from-web, observed open: policy not enforced' });
    expect(exitCodeOf(m)).toBe(1);
    m.cells = m.cells.map((c) => ({ ...c, observed: null, agree: null }));
    expect(exitCodeOf(m)).toBe(3);
    // a namespace with pods but nothing to dial: no cell, so nothing observed (a CI gate must not pass on it), and a note says why
    const bare = buildMatrix({ ...objs, pods: [pod('ops', 'cron', '10.244.2.9', { app: 'cron' }, 0)].map((p) => ({ ...p, spec: { containers: [{ name: 'c' }] } })) }, { namespaces: ['ops'] });
    expect(bare.cells).toEqual([]);
    expect(bare.notes.join('\n')).toMatch(/no target: ops has no Service with a ClusterIP and no pod that declares a containerPort/);
    expect(exitCodeOf(bare)).toBe(3);
  });

  it('a Service cell dials its ready endpoints too, and says the same whichever one kube-proxy picked', () => {
    const m = buildMatrix(objs, { namespaces: ['shop'] });
    const svc = m.targets.find((t) => t.id === 'svc:shop/db:5432')!;
    expect(svc.endpoints).toEqual([{ ip: '10.244.1.3', port: 5432, pod: 'shop/db-0' }]);
    const cell = m.cells.find((c) => c.from === 'shop/web-5d8f7c9b4-aaaaa' && c.to === svc.id)!;
    const eps = (a: Observed, b: Observed) => [{ endpoint: '10.244.1.3:5432', pod: 'shop/db-0', observed: a }, { endpoint: '10.244.2.4:5432', pod: 'shop/db-1', observed: b }];
    // the Service connect opened (it reached db-0) or timed out (db-1): one broken endpoint gives timeout either way
    for (const viaService of ['open', 'timeout'] as const) expect(serviceObservation(cell, viaService, eps('open', 'timeout'))).toBe('timeout');
    expect(serviceObservation(cell, 'open', eps('open', 'open'))).toBe('open');
    expect(serviceObservation(cell, 'open', eps('open', null))).toBe('open'); // an endpoint that could not be dialled proves nothing
    expect(serviceObservation(cell, 'refused', eps('open', 'open'))).toBe('refused');
    expect(serviceObservation({ split: true }, 'open', eps('timeout', 'timeout'))).toBe('open'); // a hairpin keeps the Service connect
    const seen = observeCell({ ...cell, endpoints: eps('open', 'timeout') }, svc, 'timeout');
    expect(seen).toMatchObject({ agree: false, partial: true, explain: 'predicted allow by shop/db-from-web, observed timeout on 1 of 2 endpoints: 10.244.2.4:5432 (shop/db-1) timeout (the others open): the path to that endpoint is broken below policy; open the walk for this pair' });
  });

  it('a Service half working (1 of 2 endpoints answers) is partial: its own mark, count and legend, never a dead timeout', () => {
    const m = buildMatrix({ ...objs, policies: [] }, { namespaces: ['shop'] });
    const svc = m.targets.find((t) => t.id === 'svc:shop/db:5432')!;
    const eps = (a: Observed, b: Observed) => [{ endpoint: '10.244.1.3:5432', pod: 'shop/db-0', observed: a }, { endpoint: '10.244.2.4:5432', pod: 'shop/db-1', observed: b }];
    const byId = new Map(m.targets.map((t) => [t.id, t]));
    const web = m.sources.find((x) => x.startsWith('shop/web-'))!;
    m.cells = m.cells.map((c) => {
      if (c.to !== svc.id || (c.from !== 'shop/batch' && c.from !== web)) return observeCell(c, byId.get(c.to)!, 'open');
      // batch: the ClusterIP connect landed on db-0 and opened, db-1 timed out; web: every connect timed out
      const e = c.from === 'shop/batch' ? eps('open', 'timeout') : eps('timeout', 'timeout');
      return observeCell({ ...c, endpoints: e }, svc, serviceObservation(c, c.from === 'shop/batch' ? 'open' : 'timeout', e));
    });
    const half = m.cells.find((c) => c.from === 'shop/batch' && c.to === svc.id)!;
    const dead = m.cells.find((c) => c.from === web && c.to === svc.id)!;
    expect(half).toMatchObject({ observed: 'timeout', agree: false, partial: true });
    expect(dead).toMatchObject({ observed: 'timeout', agree: false });
    expect(dead.partial).toBeUndefined();
    expect(cellMark(half)).toBe('!PT');
    expect(cellMark(dead)).toBe('!TO');
    expect(summarize(m)).toMatchObject({ timeout: 1, partial: 1, disagree: 2, observed: m.cells.length, open: m.cells.length - 2 });
    const table = renderMatrixTable(m);
    const grid = tableGrid(table);
    const col = m.targets.findIndex((t) => t.id === svc.id);
    expect(cellAt(grid, 'shop/batch', col).mark).toBe('!PT');
    expect(cellAt(grid, web, col).mark).toBe('!TO');
    expect(table).toMatch(/legend: .*!PT partial: some of a Service's endpoints answer, some not/);
    expect(table).toContain(`cells: ${m.cells.length} observed (${m.cells.length - 2} open, 1 timeout, 1 partial (some endpoints answer, some not)), `);
    // the JSON keeps observed as it was and adds partial; the stored-row schema reads it back
    const back = checkMatrix(JSON.parse(JSON.stringify(m)));
    expect(back.ok && back.value.cells.find((c) => c.from === 'shop/batch' && c.to === svc.id)).toMatchObject({ observed: 'timeout', partial: true });
    // observed again with every endpoint open, the cell is no longer partial
    expect(observeCell({ ...half, endpoints: eps('open', 'open') }, svc, 'open').partial).toBeUndefined();
  });

  it('predicted deny, one endpoint opens and the other times out: a disagreement (the policy leaks there), never an agreeing x', () => {
    const m = buildMatrix(objs, { namespaces: ['shop'] });
    const svc = m.targets.find((t) => t.id === 'svc:shop/db:5432')!;
    const denied = m.cells.find((c) => c.to === svc.id && c.predicted === 'deny' && !c.split)!;
    expect(denied).toBeDefined();
    const e = [{ endpoint: '10.244.1.3:5432', pod: 'shop/db-0', observed: 'open' as Observed }, { endpoint: '10.244.2.4:5432', pod: 'shop/db-1', observed: 'timeout' as Observed }];
    const seen = observeCell({ ...denied, endpoints: e }, svc, serviceObservation(denied, 'timeout', e));
    expect(seen).toMatchObject({ observed: 'timeout', agree: false, partial: true });
    expect(seen.explain).toMatch(/^predicted deny by .*, but 1 of 2 endpoints opened when dialled directly: 10\.244\.1\.3:5432 \(shop\/db-0\): the policy is not enforced there/);
    expect(cellMark(seen)).toBe('!PT');
    // every endpoint held: the deny agrees, as before
    const held = [{ ...e[0], observed: 'timeout' as Observed }, e[1]];
    expect(observeCell({ ...denied, endpoints: held }, svc, serviceObservation(denied, 'timeout', held))).toMatchObject({ agree: true });
    // UDP: an "open" endpoint is only a datagram without port-unreachable, no proof of a leak
    expect(observeCell({ ...denied, endpoints: e }, svc, 'timeout', undefined, true).agree).toBe(true);
  });

  it('a pod through its own Service is a hairpin, not "its own IP"; the walk for a Service cell dials the ClusterIP the cell dialled', () => {
    const m = buildMatrix({ ...objs, policies: [] }, { namespaces: ['shop'] });
    const self = m.cells.find((c) => c.from === 'shop/db-0' && c.to === 'svc:shop/db:5432')!;
    expect(self.predicted).toBe('allow');
    expect(self.reason).toMatch(/reaching itself through its own Service: .*hairpin/);
    expect(self.reason).not.toMatch(/never leaves its network namespace/);
    const svc = m.targets.find((t) => t.id === 'svc:shop/db:5432')!;
    // the cell's connect went to the ClusterIP and resolved no name: the walk dials the same, not the name (whose DNS
    // may be what is broken from the source, and would tell another story)
    expect(walkTarget('shop/batch', svc)).toBe(`${svc.ip}:5432`);
    expect(walkTarget('other/x', svc)).toBe(`${svc.ip}:5432`);
    expect(walkTarget('shop/batch', { ...svc, protocol: 'UDP' })).toBe(`${svc.ip}:5432/udp`);
    // without an IPv4 ClusterIP, by name: the short name in the source's namespace, else name.ns
    expect(walkTarget('shop/batch', { ...svc, ip: 'fd00::10' })).toBe('db:5432');
    expect(walkTarget('other/x', { ...svc, ip: 'fd00::10' })).toBe('db.shop:5432');
    expect(walkTarget('shop/batch', m.targets.find((t) => t.kind === 'pod')!)).toMatch(/^pod:shop\//);
    // the terminal table prints the walk to run under each disagreement
    const byId = new Map(m.targets.map((t) => [t.id, t]));
    m.cells = m.cells.map((c) => observeCell(c, byId.get(c.to)!, c.from === 'shop/batch' && c.to === svc.id ? 'timeout' : 'open'));
    const table = renderMatrixTable(m);
    expect(table).toContain(`\n  walk it: packetwalk diagnose --from shop/batch --to ${svc.ip}:5432  # the ClusterIP this cell dialled (no name resolved); --to db:5432 also walks the source's DNS\n`);
    expect(table).toMatch(/DISAGREE shop\/batch → svc:shop\/db:5432: .*\n {2}walk it: /);
    // the self cells are marked in the table and said in the legend: db-0 → its own Service, every pod → its own IP
    const col = m.targets.findIndex((t) => t.id === svc.id);
    const grid = tableGrid(table);
    const cells = grid.rows.get('shop/db-0')!.map((_, i) => cellAt(grid, 'shop/db-0', i));
    expect(cells[col]).toEqual({ mark: 'ok', self: true });
    expect(cells.filter((c) => c.self)).toHaveLength(2);
    const selfCount = m.sources.length + 1; // each source's own pod port, and db-0's hairpin
    expect(table).toContain(`* self: the source reaching itself (through a Service it backs, or its own IP), not a path to another workload (${selfCount} cells)`);
    expect(cellAt(grid, 'shop/batch', col)).toEqual({ mark: '!TO', self: false });
  });

  it('cells not observed for one reason from one source print one line, not one per target', () => {
    const m = buildMatrix(objs, { namespaces: ['shop'] });
    m.cells = m.cells.map((c) => ({ ...c, detail: `cannot add a debug container to ${c.from}: user v may not patch pods/ephemeralcontainers in shop` }));
    const text = renderMatrixTable(m);
    const lines = text.split('\n').filter((l) => l.startsWith('NOT OBSERVED'));
    expect(lines).toHaveLength(m.sources.length);
    expect(lines[0]).toMatch(new RegExp(`^NOT OBSERVED ${m.sources[0]} → ${m.targets.length} targets: cannot add a debug container`));
  });

  it('the terminal table carries no control bytes from cluster text', () => {
    const evil = { ...objs, pods: [...pods, pod('shop', 'x\x1b]0;pwned\x07', '10.244.2.9', { app: 'x' }, 80)] };
    const text = renderMatrixTable(buildMatrix(evil, { namespaces: ['shop'] }));
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(text).toContain('x\\x1b]0;pwned\\x07'); // escaped visibly by lib/text termText
  });

  it('the socket fold: plan, then one cell replaced by from+to, then done; other ids are ignored', () => {
    const m = { ...buildMatrix(objs, { namespaces: ['shop'], id: 'm-abc123' }) };
    let st = applyMatrixEvent(null, { type: 'matrix:plan', payload: { id: 'm-abc123', matrix: m } });
    expect(st?.status).toBe('running');
    expect(cellState(st!.cells[0], true)).toBe('pending');
    const t = st!.targets.find((x) => x.id === st!.cells[0].to)!;
    const seen = observeCell(st!.cells[0], t, 'open');
    st = applyMatrixEvent(st, { type: 'matrix:cell', payload: { id: 'm-abc123', seq: 1, cell: seen } });
    expect(st!.cells[0].observed).toBe('open');
    expect(st!.cells.filter((c) => c.observed !== null)).toHaveLength(1);
    expect(applyMatrixEvent(st, { type: 'matrix:cell', payload: { id: 'm-other1', seq: 1, cell: { ...seen, observed: 'refused' } } })).toBe(st);
    st = applyMatrixEvent(st, { type: 'matrix:done', payload: { id: 'm-abc123', matrix: { ...st!, cells: st!.cells }, exitCode: 1 } });
    expect(st?.status).toBe('done');
    expect(cellState(st!.cells[1], false)).toBe('unobserved');
  });
});
