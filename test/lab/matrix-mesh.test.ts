// The matrix from a pod behind an Istio-style sidecar (test/lab/fixtures/matrix-mesh.yaml, lab/dataplane/mesh.ts):
// the pod's outbound TCP is REDIRECTed to a proxy that accepts every connection, so a connect from an ordinary
// debug container there opens even where nothing listens. The matrix connects as the proxy's uid (the one the mesh's
// nat rules exempt, as diagnose does: server/exec/mesh.ts), so the meshed row sees what the plain pod beside it
// sees; when it cannot get such a container, the row is not observed, with the reason, and never open.
import { execFile } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { cli, useLab } from './diagnoseLab';
import { runMatrix } from '../../server/matrix';
import { loadCluster } from '../../server/cluster/kubeconfig';
import { cellKey, type Matrix } from '../../lib/matrix';
import { cellAt, tableGrid } from '../../lib/matrix/tableTestkit';

const lab = useLab('mm', 'matrix-mesh.yaml');

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

const row = (m: Matrix, from: string) => new Map(m.cells.filter((c) => c.from === from).map((c) => [c.to, c] as const));

describe('matrix from a meshed pod', () => {
  it('the trap is real: the app container\'s own connect to a port nothing listens on opens (the proxy took it)', async () => {
    const ip = (await kubectl(lab.kubeconfig, ['get', 'pod', '-n', 'shop', 'silent-0', '-o', 'jsonpath={.status.podIP}'])).out.trim();
    expect(ip).toMatch(/^10\.244\./);
    expect((await kubectl(lab.kubeconfig, ['exec', '-n', 'shop', 'app-0', '-c', 'app', '--', 'nc', '-z', '-w', '2', ip, '8080'])).code).toBe(0);
    expect((await kubectl(lab.kubeconfig, ['exec', '-n', 'shop', 'plain-0', '-c', 'app', '--', 'nc', '-z', '-w', '2', ip, '8080'])).code).not.toBe(0);
  }, 60_000);

  // before any matrix ran with write rights: no container of ours is in the pod yet, so the viewer's matrix must add one
  it('without the rights to add the uid-1337 container, the meshed row is not observed and says why; no cell of it is open', async () => {
    const m = await runMatrix({ namespaces: ['shop'], kubeconfig: lab.viewerKubeconfig });
    const app = [...row(m, 'shop/app-0').values()];
    expect(app.length).toBe(6);
    for (const c of app) {
      expect(c.observed, cellKey(c.from, c.to)).toBeNull();
      expect(c.detail).toMatch(/uid 1337 .*istio-proxy.*exempt/);
    }
  }, 120_000);

  it('the meshed row sees what the plain pod beside it sees: refused where nothing listens, never open; its connects ran as uid 1337', async () => {
    const m = await runMatrix({ namespaces: ['shop'], kubeconfig: lab.kubeconfig });
    const app = row(m, 'shop/app-0');
    const plain = row(m, 'shop/plain-0');
    for (const to of ['svc:shop/wrongport:80', 'pod:shop/silent-0:8080']) {
      expect(app.get(to), to).toMatchObject({ predicted: 'allow', observed: 'refused', agree: false });
      expect(app.get(to)!.explain, to).toMatch(/observed refused \(Connection refused\) on .*: nothing listens on TCP (9090|8080) there/);
    }
    // both pods run on worker-1: every target but their own IPs looks the same from either
    const others = [...app.keys()].filter((to) => !/pod:shop\/(app|plain)-0:/.test(to));
    expect(others.length).toBe(4);
    expect(others.map((to) => `${to} ${app.get(to)!.observed}`)).toEqual(others.map((to) => `${to} ${plain.get(to)!.observed}`));
    expect(app.get('svc:shop/backend:80')).toMatchObject({ observed: 'open', agree: true });
    // the connects came from a debug container running as the proxy's uid, which the redirect exempts
    const core = loadCluster({ kubeconfig: lab.kubeconfig }).kc.makeApiClient(CoreV1Api);
    const pod = await core.readNamespacedPod({ namespace: 'shop', name: 'app-0' });
    const mesh = (pod.spec?.ephemeralContainers ?? []).filter((c) => c.name.startsWith('packetwalk-debug-mesh'));
    expect(mesh.map((c) => c.securityContext?.runAsUser)).toEqual([1337]);
    expect(m.notes.join('\n')).toMatch(/shop\/app-0 runs the istio-proxy sidecar .*connects ran as uid 1337/);
    // the plain pod got the ordinary container
    const plainPod = await core.readNamespacedPod({ namespace: 'shop', name: 'plain-0' });
    expect((plainPod.spec?.ephemeralContainers ?? []).map((c) => c.name).filter((n) => n.startsWith('packetwalk-debug-mesh'))).toEqual([]);
  }, 180_000);

  it('the CLI table marks the meshed row\'s refused cells !RF, and exits 1', async () => {
    const r = await cli(lab.instance, ['matrix', '-n', 'shop', '--kubeconfig', lab.kubeconfig]);
    expect(r.code, r.stderr).toBe(1);
    const grid = tableGrid(r.stdout);
    const ids = [...r.stdout.matchAll(/^ {2}T\d+ +(\S+)/gm)].map((x) => x[1]);
    expect(cellAt(grid, 'shop/app-0', ids.indexOf('svc:shop/wrongport:80')).mark).toBe('!RF');
    expect(cellAt(grid, 'shop/app-0', ids.indexOf('pod:shop/silent-0:8080')).mark).toBe('!RF');
    expect(r.stdout).toMatch(/DISAGREE shop\/app-0 → pod:shop\/silent-0:8080: predicted allow, observed refused \(Connection refused\) on 10\.244\.\d+\.\d+:8080 \(shop\/silent-0\)/);
  }, 120_000);

});
