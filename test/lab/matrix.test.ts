// The connectivity matrix against a real lab (DESIGN §7): every observed cell equals what a connect made
// through real `kubectl exec` sees, predictions equal observations where policies are enforced, the denied
// cells disagree where the CNI ignores policies, and a what-if that drops an allow rule reports exactly the
// cut cells, exits 1, and writes nothing (it runs on the read-only viewer kubeconfig).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInstance } from '../../lab/testInstance';
import { cli, Lab } from './diagnoseLab';
import { runMatrix } from '../../server/matrix';
import { cellKey, type Matrix } from '../../lib/matrix';
import type { MatrixEvent } from '../../lib/matrix/events';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'matrix.yaml');
const lab = new Lab(testInstance('mx'));
const tmp = mkdtempSync(join(tmpdir(), 'pw-matrix-'));

/** One connect through real kubectl, classified as the matrix does: exit 0 open, "refused" refused, else timeout. */
function kubectlConnect(kubeconfig: string, from: string, ip: string, port: number): Promise<string> {
  const [ns, pod] = from.split('/');
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, 'exec', '-n', ns, pod, '-c', 'packetwalk-debug', '--', 'nc', '-z', '-v', '-w', '2', ip, String(port)], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (!err) return resolve('open');
      const text = `${stdout}${stderr}`;
      resolve(/refused/i.test(text) ? 'refused' : /timed out/i.test(text) ? 'timeout' : `error: ${text.trim()}`);
    });
  });
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
  }));
}

beforeAll(async () => {
  await lab.up('matrix.yaml');
}, 300_000);

afterAll(async () => {
  await lab.down();
  rmSync(tmp, { recursive: true, force: true });
}, 120_000);

describe('matrix on a lab that enforces NetworkPolicy', () => {
  it('a what-if dropping the api → postgres rule cuts exactly those cells, exits 1, needs only read rights and creates nothing', async () => {
    const file = join(tmp, 'only-api-closed.yaml');
    writeFileSync(file, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-api, namespace: db}\nspec:\n  podSelector: {matchLabels: {app: postgres}}\n  policyTypes: [Ingress]\n  ingress: []\n');
    const r = await cli(lab.instance, ['matrix', '-n', 'shop', '-n', 'db', '--json', '--with-policy', file, '--kubeconfig', lab.viewerKubeconfig]);
    expect(r.code, r.stderr).toBe(1);
    const m = JSON.parse(r.stdout) as Matrix;
    expect(m.depth).toBe('config');
    expect(m.cells.every((c) => c.observed === null)).toBe(true);
    expect(m.cells.filter((c) => c.change === 'cut').map((c) => cellKey(c.from, c.to)).sort()).toEqual(['shop/api-0→pod:db/postgres-0:5432', 'shop/api-0→svc:db/postgres:5432']);
    expect(m.cells.filter((c) => c.change === 'opened')).toEqual([]);
    // the same file again, unchanged policy: nothing cut → exit 0
    writeFileSync(file, readFileSync(FIXTURE, 'utf8').split('\n---\n').filter((d) => d.includes('name: only-api')).join('\n'));
    const same = await cli(lab.instance, ['matrix', '-n', 'shop', '-n', 'db', '--with-policy', file, '--kubeconfig', lab.viewerKubeconfig]);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toContain('0 cut, 0 opened');
    // predicting wrote nothing: no debug container anywhere yet
    expect([...(await lab.footprint()).debugContainers.keys()]).toEqual([]);
  }, 120_000);

  it('bad input exits 2 and names the field', async () => {
    const r = await cli(lab.instance, ['matrix', '-n', 'nope', '--kubeconfig', lab.kubeconfig]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/namespaces: nope not found/);
    const bad = join(tmp, 'svc.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\n');
    const w = await cli(lab.instance, ['matrix', '-n', 'shop', '--with-policy', bad, '--kubeconfig', lab.kubeconfig]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/document 1 is kind Service; a what-if file holds only NetworkPolicy/);
  }, 60_000);

  it('live on a read-only kubeconfig: nothing can be observed, each cell says why, exit 3', async () => {
    const r = await cli(lab.instance, ['matrix', '-n', 'db', '--json', '--kubeconfig', lab.viewerKubeconfig]);
    expect(r.code, r.stderr).toBe(3);
    const m = JSON.parse(r.stdout) as Matrix;
    expect(m.depth).toBe('config');
    expect(m.cells.length).toBeGreaterThan(0);
    for (const c of m.cells) {
      expect(c.observed).toBeNull();
      expect(c.detail).toMatch(/cannot add a debug container to db\/postgres-0 \(needs patch on pods\/ephemeralcontainers/);
    }
  }, 60_000);

  it('every observed cell equals a connect through real kubectl exec, and predicted equals observed', async () => {
    const events: MatrixEvent[] = [];
    const m = await runMatrix({ namespaces: ['shop', 'db'], kubeconfig: lab.kubeconfig, onEvent: (e) => events.push(e) });
    // grouping: the Deployment's two pods are one row
    expect(m.groups.find((g) => g.id === 'shop/Deployment/web')?.pods).toHaveLength(2);
    expect(m.sources).toHaveLength(4);
    expect(m.targets).toHaveLength(7);
    expect(m.cells).toHaveLength(28);
    expect(events[0].type).toBe('matrix:plan');
    expect(events.filter((e) => e.type === 'matrix:cell')).toHaveLength(28);
    expect(events[events.length - 1].type).toBe('matrix:done');
    // one debug container per source pod, reused by every cell of its row
    const fp = await lab.footprint();
    expect([...fp.debugContainers.entries()].sort()).toEqual(m.sources.map((s) => [s, 1]).sort());

    const byId = new Map(m.targets.map((t) => [t.id, t]));
    const truth = new Map<string, string>();
    await pool(m.cells, 6, async (c) => {
      const t = byId.get(c.to)!;
      truth.set(cellKey(c.from, c.to), await kubectlConnect(lab.kubeconfig, c.from, t.ip, t.port));
    });
    const mismatches = m.cells.filter((c) => truth.get(cellKey(c.from, c.to)) !== c.observed).map((c) => `${cellKey(c.from, c.to)}: matrix ${c.observed}, kubectl ${truth.get(cellKey(c.from, c.to))}`);
    expect(mismatches).toEqual([]);
    // predicted = observed everywhere, except a pod reaching itself through its own isolated Service (not judged)
    const judged = m.cells.filter((c) => !c.split);
    expect(judged.filter((c) => c.agree !== true).map((c) => `${cellKey(c.from, c.to)} ${c.explain}`)).toEqual([]);
    expect(m.cells.filter((c) => c.split).map((c) => cellKey(c.from, c.to)).sort()).toEqual(['db/postgres-0→svc:db/postgres:5432', 'shop/api-0→svc:shop/api:9000']);
    // both kinds of verdict are present, so the comparison meant something
    expect(judged.filter((c) => c.predicted === 'deny').length).toBeGreaterThanOrEqual(6);
    expect(judged.filter((c) => c.predicted === 'allow').length).toBeGreaterThanOrEqual(12);
    const denied = m.cells.find((c) => c.from === 'shop/jobber' && c.to === 'svc:db/postgres:5432')!;
    expect(denied).toMatchObject({ predicted: 'deny', policies: ['db/only-api'], agree: true });
  }, 240_000);

  it('a Service with one endpoint cut off below policy: its cells say so the same way every run, whichever endpoint kube-proxy picked', async () => {
    const add = await cli(lab.instance, ['lab', 'fault', 'add', 'node-firewall-drop:node=worker-2,port=8080']);
    expect(add.code, add.stderr).toBe(0);
    try {
      const runs = [await runMatrix({ namespaces: ['shop', 'db'], kubeconfig: lab.kubeconfig }), await runMatrix({ namespaces: ['shop', 'db'], kubeconfig: lab.kubeconfig })];
      const webCells = (m: Matrix) => m.cells.filter((c) => c.to === 'svc:shop/web:80' && c.predicted === 'allow' && !c.split);
      expect(webCells(runs[0]).length).toBeGreaterThan(0);
      // worker-2 forwards nothing to TCP 8080 now: a source there reaches neither endpoint, one on worker-1 reaches its own node's
      const onWorker1 = new Set(['shop/web-7c9d8f6b5-k2x4q', 'shop/jobber']);
      for (const m of runs) {
        expect(webCells(m).some((c) => onWorker1.has(c.from))).toBe(true);
        for (const c of webCells(m)) {
          expect(c).toMatchObject({ observed: 'timeout', agree: false });
          if (onWorker1.has(c.from)) {
            expect(c.endpoints?.map((e) => `${e.pod} ${e.observed}`).sort(), cellKey(c.from, c.to)).toEqual(['shop/web-7c9d8f6b5-k2x4q open', 'shop/web-7c9d8f6b5-p8m3z timeout']);
            expect(c.explain).toMatch(/observed timeout on 1 of 2 endpoints: 10\.244\.\d+\.\d+:8080 \(shop\/web-7c9d8f6b5-p8m3z\) timeout \(the others open\)/);
          } else {
            expect(c.endpoints?.map((e) => e.observed), cellKey(c.from, c.to)).toEqual(['timeout', 'timeout']);
          }
        }
      }
      expect(webCells(runs[1]).map((c) => `${cellKey(c.from, c.to)} ${c.observed}`)).toEqual(webCells(runs[0]).map((c) => `${cellKey(c.from, c.to)} ${c.observed}`));
    } finally {
      await cli(lab.instance, ['lab', 'fault', 'clear']);
    }
  }, 240_000);

  it('the CLI prints the JSON shape of DESIGN §7 and exits 0 when every judged cell agrees', async () => {
    const r = await cli(lab.instance, ['matrix', '-n', 'shop', '-n', 'db', '--json', '--kubeconfig', lab.kubeconfig]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Matrix;
    expect(Object.keys(m)).toEqual(expect.arrayContaining(['namespaces', 'sources', 'targets', 'cells', 'depth']));
    expect(m.depth).toBe('live');
    expect(m.targets.map((t) => t.id)).toContain('svc:db/postgres:5432');
    expect(m.targets.map((t) => t.id)).toContain('pod:shop/jobber:7000');
    expect(Object.keys(m.cells[0])).toEqual(expect.arrayContaining(['from', 'to', 'predicted', 'policies', 'observed', 'agree']));
  }, 120_000);
});

describe('matrix on a lab whose CNI ignores NetworkPolicy', () => {
  it('the cells the policies deny are observed open and disagree, each explained; exit 1', async () => {
    const ignore = join(tmp, 'matrix-ignore.yaml');
    writeFileSync(ignore, readFileSync(FIXTURE, 'utf8').replace('networkPolicy: enforce', 'networkPolicy: ignore'));
    const up = await cli(lab.instance, ['lab', 'up', '--config', ignore], 300_000);
    expect(up.code, up.stderr).toBe(0);
    const r = await cli(lab.instance, ['matrix', '-n', 'shop', '-n', 'db', '--json', '--kubeconfig', lab.kubeconfig]);
    expect(r.code, r.stderr).toBe(1);
    const m = JSON.parse(r.stdout) as Matrix;
    const denied = m.cells.filter((c) => c.predicted === 'deny' && !c.split);
    expect(denied.length).toBeGreaterThanOrEqual(6);
    for (const c of denied) {
      expect(c.observed, cellKey(c.from, c.to)).toBe('open');
      expect(c.agree).toBe(false);
      expect(c.explain).toMatch(/^predicted deny by (db\/only-api|shop\/api-from-web), observed open: policy not enforced$/);
    }
    // and only those: every allowed cell still agrees
    expect(m.cells.filter((c) => c.predicted === 'allow' && !c.split).every((c) => c.agree === true)).toBe(true);
  }, 300_000);
});
