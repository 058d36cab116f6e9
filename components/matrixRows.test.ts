import { describe, expect, it } from 'vitest';
import type { MatrixCell, MatrixGroup, MatrixTarget } from '../lib/matrix';
import { matrixRows, openCounts, openCountText } from './matrixRows';
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
    expect(rows.get('shop/frontend-0')).toEqual({ open: 1, of: 2, self: 2 });
    expect(rows.get('shop/backend-0')).toEqual({ open: 1, of: 2, self: 2 });
    expect(cols.get(targets[0].id)).toEqual({ open: 1, of: 1, self: 1 });
    expect(cols.get(targets[3].id)).toEqual({ open: 0, of: 1, self: 1 });
    expect(openCountText(rows.get('shop/frontend-0')!)).toBe('1 of 2 open (2 self cells not counted)');
    expect(openCountText(cols.get(targets[0].id)!)).toBe('1 of 1 open (1 self cell not counted)');
    expect(openCountText({ open: 3, of: 3, self: 0 })).toBe('3 of 3 open');
  });
});
