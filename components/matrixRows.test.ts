import { describe, expect, it } from 'vitest';
import type { MatrixGroup } from '../lib/matrix';
import { matrixRows } from './matrixRows';

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
