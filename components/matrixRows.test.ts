import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Matrix, MatrixCell, MatrixGroup, MatrixTarget } from '../lib/matrix';
import { matrixRows, openCounts, openCountText, whatIfText } from './matrixRows';
import { buildMatrix, summarize } from '../lib/matrix';
import type { EndpointSlice, NetworkPolicy, Pod } from '../lib/kube/types';
import { selfKind, selfSentence, SELF_WORD } from '../lib/matrix/self';

const group = (ns: string, kind: string, name: string, pods: string[], probed = pods.slice(0, 1)): MatrixGroup => ({ id: `${ns}/${kind}/${name}`, namespace: ns, kind, name, pods, probed });

describe('matrixRows', () => {
  it('names each source once: bare pods are not headed by their own names, one heading per namespace\'s run of them', () => {
    const groups = [group('db', 'Pod', 'postgres-0', ['db/postgres-0']), group('shop', 'Pod', 'backend-0', ['shop/backend-0']), group('shop', 'Pod', 'frontend-0', ['shop/frontend-0'])];
    const rows = matrixRows({ groups, sources: ['db/postgres-0', 'shop/backend-0', 'shop/frontend-0'] });
    expect(rows.map((r) => [r.heading, r.pods])).toEqual([
      ['db · pods without a workload', ['db/postgres-0']],
      ['shop · pods without a workload', ['shop/backend-0']],
      [null, ['shop/frontend-0']],
    ]);
    for (const r of rows) for (const p of r.pods) expect(r.heading ?? '').not.toContain(p);
  });
  it('a bare pod after a workload gets a heading again, so it is not read as one of the workload\'s pods', () => {
    const groups = [group('shop', 'Deployment', 'api', ['shop/api-x']), group('shop', 'Pod', 'debug', ['shop/debug'])];
    expect(matrixRows({ groups, sources: ['shop/api-x', 'shop/debug'] }).map((r) => r.heading)).toEqual(['Deployment shop/api', 'shop · pods without a workload']);
  });
  it('a workload keeps its heading (another name than its pods), with what was left unprobed', () => {
    const groups = [group('shop', 'Deployment', 'web', ['shop/web-a', 'shop/web-b', 'shop/web-c']), group('shop', 'StatefulSet', 'backend', ['shop/backend-0'])];
    const rows = matrixRows({ groups, sources: ['shop/web-a', 'shop/backend-0'] });
    expect(rows.map((r) => [r.heading, r.extra, r.pods])).toEqual([
      ['Deployment shop/web', '3 pods, 1 probed', ['shop/web-a']],
      ['StatefulSet shop/backend', null, ['shop/backend-0']],
    ]);
  });
  it('groups without a probed source are left out', () => {
    expect(matrixRows({ groups: [group('shop', 'Pod', 'gone', ['shop/gone'])], sources: [] })).toEqual([]);
  });
});

describe('self cells and open counts', () => {
  const svc = (name: string, pods: string[]): MatrixTarget => ({ id: `svc:shop/${name}:80`, kind: 'svc', namespace: 'shop', name, port: 80, protocol: 'TCP', ip: '10.96.0.9', walkTo: `${name}.shop:80`, endpoints: pods.map((pod, i) => ({ ip: `10.244.1.${i + 2}`, port: 8080, pod })) });
  const pod = (name: string): MatrixTarget => ({ id: `pod:shop/${name}:8080`, kind: 'pod', namespace: 'shop', name, port: 8080, protocol: 'TCP', ip: '10.244.1.2', walkTo: `pod:shop/${name}:8080` });
  const cell = (from: string, to: string, observed: MatrixCell['observed']): MatrixCell => ({ from, to, predicted: 'allow', policies: [], reason: '', observed, agree: observed === 'open' });

  it('a pod through a Service it backs is the hairpin, its own pod port is its own IP, anything else is not self', () => {
    expect(selfKind('shop/frontend-0', svc('storefront', ['shop/frontend-0']))).toBe('hairpin');
    expect(selfKind('shop/frontend-0', svc('storefront', ['shop/frontend-0', 'shop/frontend-1']))).toBe('hairpin');
    expect(selfKind('shop/frontend-0', svc('backend', ['shop/backend-0']))).toBeNull();
    expect(selfKind('shop/frontend-0', pod('frontend-0'))).toBe('own-ip');
    expect(selfKind('shop/frontend-0', pod('backend-0'))).toBeNull();
    expect(SELF_WORD.hairpin).toBe('self (hairpin)');
  });
  it('says the hairpin as the walk of the pair reads it (the source is the endpoint it draws), and the other endpoints', () => {
    expect(selfSentence('hairpin', 'shop/frontend-0', svc('storefront', ['shop/frontend-0']))).toBe('self (hairpin): shop/frontend-0 backs this Service itself, so its walk is the hairpin back into it (pod → Service → itself)');
    expect(selfSentence('hairpin', 'shop/frontend-0', svc('storefront', ['shop/frontend-0', 'shop/frontend-1']))).toMatch(/; kube-proxy may also pick the other endpoint$/);
  });
  it('"N of M open" leaves self cells out, per row and per column, and says so', () => {
    const targets = [svc('storefront', ['shop/frontend-0']), svc('backend', ['shop/backend-0']), pod('frontend-0'), pod('backend-0')];
    const cells = [
      cell('shop/frontend-0', targets[0].id, 'open'), // hairpin
      cell('shop/frontend-0', targets[1].id, 'open'),
      cell('shop/frontend-0', targets[2].id, 'open'), // own IP
      cell('shop/frontend-0', targets[3].id, 'timeout'),
      cell('shop/backend-0', targets[0].id, 'open'),
      cell('shop/backend-0', targets[1].id, 'open'), // hairpin
      cell('shop/backend-0', targets[2].id, 'refused'),
      cell('shop/backend-0', targets[3].id, 'open'), // own IP
    ];
    const { rows, cols } = openCounts({ cells, targets });
    expect(rows.get('shop/frontend-0')).toEqual({ open: 1, of: 2, partial: 0, self: 2 });
    expect(rows.get('shop/backend-0')).toEqual({ open: 1, of: 2, partial: 0, self: 2 });
    expect(cols.get(targets[0].id)).toEqual({ open: 1, of: 1, partial: 0, self: 1 });
    expect(cols.get(targets[3].id)).toEqual({ open: 0, of: 1, partial: 0, self: 1 });
    expect(openCountText(rows.get('shop/frontend-0')!)).toBe('1 of 2 open (2 self cells not counted)');
    expect(openCountText(cols.get(targets[0].id)!)).toBe('1 of 1 open (1 self cell not counted)');
    expect(openCountText({ open: 3, of: 3, partial: 0, self: 0 })).toBe('3 of 3 open');
  });
  it('counts the partial cells among the ones not open, in the CLI\'s words, on a matrix recorded on the lab', () => {
    // the e2e lab with node-firewall-drop on worker-2 port 8080 (lib/matrix/fixtures/shop-db.live-partial.json)
    const m = (JSON.parse(readFileSync(fileURLToPath(new URL('../lib/matrix/fixtures/shop-db.live-partial.json', import.meta.url)), 'utf8')) as { matrix: Matrix }).matrix;
    const { rows, cols } = openCounts(m);
    expect(rows.get('shop/frontend-0')).toEqual({ open: 1, of: 5, partial: 1, self: 2 });
    expect(openCountText(rows.get('shop/frontend-0')!)).toBe('1 of 5 open (2 self cells not counted), 1 partial (some endpoints answer, some not)');
    // backend-0 → its own Service is partial too, but a self cell: left out of its row's count like any self cell
    expect(rows.get('shop/backend-0')).toMatchObject({ partial: 0, self: 2 });
    expect(cols.get('svc:shop/backend:80')).toEqual({ open: 0, of: 2, partial: 1, self: 2 });
    // postgres-0 is on the dropping node: the Service is dead from there, not partial
    expect(rows.get('db/postgres-0')).toMatchObject({ partial: 0 });
  });
});

describe('whatIfText: the what-if overlay on the page classifies as the CLI does', () => {
  const pod = (name: string, ip: string): Pod => ({
    metadata: { namespace: 'shop', name, labels: { app: name.replace(/-\d+$/, '') } },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const pods = [pod('backend-0', '10.244.1.3'), pod('backend-1', '10.244.2.3'), pod('frontend-0', '10.244.1.2')];
  const slice = {
    metadata: { namespace: 'shop', name: 'backend-x', labels: { 'kubernetes.io/service-name': 'backend' } },
    addressType: 'IPv4',
    ports: [{ port: 8080, protocol: 'TCP' }],
    endpoints: pods.slice(0, 2).map((p) => ({ addresses: [p.status!.podIP!], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'shop', name: p.metadata!.name } })),
  } as EndpointSlice;
  const objs = { pods, services: [{ metadata: { namespace: 'shop', name: 'backend' }, spec: { clusterIP: '10.96.0.20', selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 8080 }] } }], endpointSlices: [slice], policies: [], namespaces: [{ metadata: { name: 'shop' } }] };
  const denyAll: NetworkPolicy = { metadata: { namespace: 'shop', name: 'default-deny-ingress' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  const w = buildMatrix(objs, { namespaces: ['shop'], withPolicy: [denyAll] });
  const at = (from: string, to: string) => w.cells.find((c) => c.from === from && c.to === to);

  it('a pod through its own Service under a deny-all what-if: not judged, said on hover, not counted cut', () => {
    const self = at('shop/backend-0', 'svc:shop/backend:80')!;
    expect(self.change).toBeNull();
    expect(whatIfText(self)).toMatch(/^not judged: after the change, shop\/backend-0 reaching itself through its own Service \(hairpin\)/);
    expect(summarize(w)).toMatchObject({ unjudged: 2, cut: w.cells.filter((c) => c.change === 'cut').length });
  });
  it('a real cut (another pod) is still a cut on the page; an unchanged cell says nothing', () => {
    expect(at('shop/frontend-0', 'svc:shop/backend:80')!.change).toBe('cut');
    expect(whatIfText(at('shop/frontend-0', 'svc:shop/backend:80'))).toMatch(/^cut: allowed today, denied after the change/);
    expect(whatIfText(at('shop/backend-0', 'pod:shop/backend-0:8080'))).toBeUndefined();
    expect(whatIfText(undefined)).toBeUndefined();
  });
});
