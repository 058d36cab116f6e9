// Issue 10 against a real lab (one lab for the file): the lab API refuses objects kube-apiserver refuses (422
// with its wording, through client-node and real kubectl) and no refused name reaches a node's rules; a hostile
// lab file leaves the running lab untouched; a server killed with -9 mid-diagnosis leaves node debug pods that
// the restarted server deletes at once (whatever their age), sparing another server's.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { cli, inNodeNetns, useLab } from './diagnoseLab';
import { loadCluster } from '../../server/cluster/kubeconfig';
import { INSTANCE_LABEL } from '../../server/exec/reconcile';
import { NODE_DEBUG_SELECTOR } from '../../server/exec/nodeDebug';
import type { Diagnosis } from '../../lib/model';
import { labDir } from '../../lab/state';

const ROOT = join(import.meta.dirname, '..', '..');
const lab = useLab('sec', 'security.yaml');
const work = mkdtempSync(join(tmpdir(), 'pw-sec-lab-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const net = () => loadCluster({ kubeconfig: lab.kubeconfig }).kc.makeApiClient(NetworkingV1Api);
const core = () => loadCluster({ kubeconfig: lab.kubeconfig }).kc.makeApiClient(CoreV1Api);
const policy = (name: string, labels: Record<string, string> = {}, ports: unknown[] = [{ port: 8080 }]) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, labels },
  spec: { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'], ingress: [{ ports }] },
});

async function createStatus(body: unknown): Promise<{ code: number; message: string; causes: { field?: string }[] }> {
  try {
    await net().createNamespacedNetworkPolicy({ namespace: 'shop', body: body as never });
    return { code: 201, message: '', causes: [] };
  } catch (e) {
    const b = JSON.parse(String((e as { body?: string }).body ?? '{}')) as { code: number; message: string; details?: { causes?: { field?: string }[] } };
    return { code: b.code ?? (e as { code?: number }).code ?? 0, message: b.message ?? '', causes: b.details?.causes ?? [] };
  }
}

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = execFile('kubectl', ['--kubeconfig', lab.kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) p.stdin?.end(input);
  });
}

describe('the lab API validates as kube-apiserver does', () => {
  it('invalid names, label keys/values and port names → 422 Invalid with the API server wording; nothing stored', async () => {
    const bad: [string, unknown, string, RegExp][] = [
      ['newline + iptables args in the name', policy('x\n-I FORWARD 1 -j ACCEPT'), 'metadata.name', /"x\\n-I FORWARD 1 -j ACCEPT" is invalid: metadata\.name: Invalid value: "x\\n-I FORWARD 1 -j ACCEPT": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/],
      ['upper case name', policy('Bad_Name'), 'metadata.name', /^NetworkPolicy\.networking\.k8s\.io "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/],
      ['name over 253', policy('a'.repeat(254)), 'metadata.name', /must be no more than 253 characters/],
      ['label value with a quote', policy('ok-1', { app: 'we"b' }), 'metadata.labels', /metadata\.labels: Invalid value: "we\\"b": a valid label must be an empty string or consist of/],
      ['label value over 63', policy('ok-2', { app: 'v'.repeat(64) }), 'metadata.labels', /must be no more than 63 characters/],
      ['label key with a space', policy('ok-3', { 'bad key': 'x' }), 'metadata.labels', /name part must consist of alphanumeric characters/],
      ['port name with markup', policy('ok-4', {}, [{ port: '<b>x</b>' }]), 'spec.ingress[0].ports[0].port', /must contain only alpha-numeric characters/],
      ['port 0', policy('ok-5', {}, [{ port: 0 }]), 'spec.ingress[0].ports[0].port', /must be between 1 and 65535, inclusive/],
    ];
    for (const [what, body, field, wording] of bad) {
      const r = await createStatus(body);
      expect(r.code, what).toBe(422);
      expect(r.message, what).toMatch(wording);
      expect(r.causes.map((c) => c.field), what).toContain(field);
    }
    const stored = (await net().listNamespacedNetworkPolicy({ namespace: 'shop' })).items.map((p) => p.metadata?.name);
    expect(stored).toEqual([]);
    // no refused text reached a node's filter table
    for (const node of ['worker-1', 'worker-2']) {
      const r = await inNodeNetns(lab, node, ['iptables', '-S', 'FORWARD']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/^-A FORWARD -j ACCEPT$/m);
    }
  });

  it('real kubectl gets the same 422 and prints the API server sentence', async () => {
    const r = await kubectl(['apply', '-f', '-'], JSON.stringify({ ...policy('Bad_Name'), metadata: { name: 'Bad_Name', namespace: 'shop' } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/The NetworkPolicy "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.', and must start and end with an alphanumeric character/);
    const r2 = await kubectl(['create', '-f', '-'], JSON.stringify({ ...policy('fine'), metadata: { name: 'fine', namespace: 'shop', labels: { tier: 'bad value!' } } }));
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/is invalid: metadata\.labels: Invalid value: "bad value!"/);
    // a valid one still goes through, and is deleted again
    const ok = await kubectl(['apply', '-f', '-'], JSON.stringify({ ...policy('good-policy'), metadata: { name: 'good-policy', namespace: 'shop', labels: { tier: 'app' } } }));
    expect(ok.code, ok.stderr).toBe(0);
    expect((await kubectl(['delete', 'networkpolicy', '-n', 'shop', 'good-policy'])).code).toBe(0);
  });
});

describe('a hostile lab file', () => {
  it('is refused before anything is torn down: the running lab is untouched', async () => {
    const stateFile = join(labDir(lab.instance), 'state.json');
    const before = JSON.parse(readFileSync(stateFile, 'utf8')) as { createdAt: string; api: { pid: number } };
    const nsBefore = (await new Promise<string>((r) => execFile('ip', ['netns', 'list'], (_e, o) => r(o)))).split('\n').filter((l) => l.startsWith(`${lab.instance}-`)).sort();
    const good = readFileSync(join(ROOT, 'test', 'lab', 'fixtures', 'security.yaml'), 'utf8');
    const hostile: [string, string][] = [
      ['port name with a quote', good.replace('name: http}]}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: backend-0', `name: 'ht"tp'}]}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: backend-0`)],
      ['port name with markup', good.replace('targetPort: http', "targetPort: '<img src=x>'")],
      ['loopback podCIDR', good.replace('podCIDR: 10.244.0.0/16', 'podCIDR: 127.0.0.0/16')],
      ['link-local serviceCIDR', good.replace('serviceCIDR: 10.96.0.0/16', 'serviceCIDR: 169.254.0.0/16')],
      ['alias bomb', `${good}---\napiVersion: v1\nkind: Namespace\nmetadata: {name: bomb}\nx:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`],
      ['label value with a newline', good.replace('labels: {app: frontend}', 'labels: {app: "front\\nend"}')],
    ];
    for (const [what, text] of hostile) {
      expect(text, what).not.toBe(good);
      const file = join(work, 'hostile.yaml');
      writeFileSync(file, text);
      const r = await cli(lab.instance, ['lab', 'up', '--config', file]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(/hostile\.yaml, document \d+/);
      expect(r.stderr).not.toMatch(/replacing the running lab/);
    }
    const after = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof before;
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.api.pid).toBe(before.api.pid);
    const nsAfter = (await new Promise<string>((r) => execFile('ip', ['netns', 'list'], (_e, o) => r(o)))).split('\n').filter((l) => l.startsWith(`${lab.instance}-`)).sort();
    expect(nsAfter).toEqual(nsBefore);
    // the API still answers with the lab's pods
    const pods = (await core().listNamespacedPod({ namespace: 'shop' })).items.map((p) => p.metadata?.name).sort();
    expect(pods).toEqual(['backend-0', 'frontend-0']);
  });
});

describe('kill -9, then restart', () => {
  function serveChild(dataDir: string, reconcileMs?: number, extraEnv: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
    return new Promise((resolve, reject) => {
      const env = { ...process.env, ...(reconcileMs ? { PW_RECONCILE_MS: String(reconcileMs) } : {}), ...extraEnv };
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'lab', 'serveChild.ts'), dataDir, lab.kubeconfig], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const url = /^(http:\/\/\S+)$/m.exec(out)?.[1];
        if (url) {
          clearTimeout(t);
          resolve({ url, child });
        }
      });
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    });
  }

  async function nodeDebugPods(): Promise<{ name: string; instance?: string }[]> {
    const items = (await core().listPodForAllNamespaces({ labelSelector: NODE_DEBUG_SELECTOR })).items;
    return items.map((p) => ({ name: `${p.metadata?.namespace}/${p.metadata?.name}`, instance: p.metadata?.labels?.[INSTANCE_LABEL] }));
  }

  it('the orphaned node debug pods of the killed server are deleted at restart; another server’s are spared; the run is interrupted; the periodic sweep removes orphans but not a live run’s pods', async () => {
    const dataDir = join(work, 'data');
    // slow the path so the run is still probing when it is killed
    await lab.fault('mtu-blackhole:node=worker-2');
    try {
      const s1 = await serveChild(dataDir);
      const r = await fetch(`${s1.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) });
      expect(r.status).toBe(201);
      const id = ((await r.json()) as { id: string }).id;
      let ours: { name: string; instance?: string }[] = [];
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        ours = (await nodeDebugPods()).filter((p) => p.instance);
        if (ours.length) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(ours.length, 'a node debug pod with the server instance label').toBeGreaterThan(0);
      s1.child.kill('SIGKILL');
      await new Promise((res) => s1.child.once('exit', res));
      const instance = ours[0].instance!;
      expect((await nodeDebugPods()).filter((p) => p.instance === instance).length).toBeGreaterThan(0);

      // a node debug pod of some other server (another instance id) must survive our reconcile
      const other = await core().createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'packetwalk-node-other', labels: { 'app.kubernetes.io/managed-by': 'packetwalk', 'packetwalk.dev/role': 'node-debug', [INSTANCE_LABEL]: 'someotherserv' } }, spec: { nodeName: 'worker-1', hostNetwork: true, containers: [{ name: 'debugger', image: 'netshoot' }] } },
      });
      expect(other.metadata?.name).toBe('packetwalk-node-other');

      const s2 = await serveChild(dataDir, 1000);
      const gone = Date.now() + 30_000;
      let left = await nodeDebugPods();
      while (Date.now() < gone && left.some((p) => p.instance === instance)) {
        await new Promise((res) => setTimeout(res, 100));
        left = await nodeDebugPods();
      }
      expect(left.filter((p) => p.instance === instance)).toEqual([]);
      expect(left.map((p) => p.name)).toContain('default/packetwalk-node-other');
      const d = (await (await fetch(`${s2.url}/api/diagnoses/${id}`)).json()) as Diagnosis;
      expect(d.verdict).toBe('interrupted');

      // the periodic sweep (every second here): an orphan with this server's id goes …
      await core().createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'packetwalk-node-orphan', labels: { 'app.kubernetes.io/managed-by': 'packetwalk', 'packetwalk.dev/role': 'node-debug', [INSTANCE_LABEL]: instance } }, spec: { nodeName: 'worker-2', hostNetwork: true, containers: [{ name: 'debugger', image: 'netshoot' }] } },
      });
      const swept = Date.now() + 20_000;
      while (Date.now() < swept && (await nodeDebugPods()).some((p) => p.name === 'default/packetwalk-node-orphan')) await new Promise((res) => setTimeout(res, 200));
      expect((await nodeDebugPods()).map((p) => p.name)).not.toContain('default/packetwalk-node-orphan');
      // … while a live run's node pods, swept every second for the whole run, stay until the run ends
      const r2 = await fetch(`${s2.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) });
      expect(r2.status).toBe(201);
      const id2 = ((await r2.json()) as { id: string }).id;
      let d2: Diagnosis | undefined;
      const done = Date.now() + 120_000;
      while (Date.now() < done) {
        d2 = (await (await fetch(`${s2.url}/api/diagnoses/${id2}`)).json()) as Diagnosis;
        if (d2.verdict !== 'running') break;
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(d2?.verdict).not.toBe('running');
      expect(d2?.depth).toBe('live');
      const nodeEvidence = d2!.hops.flatMap((h) => h.evidence).filter((e) => /^node /.test(e.where));
      expect(nodeEvidence.length).toBeGreaterThan(0);
      expect(nodeEvidence.filter((e) => /not found|NotFound/.test(`${e.stderr} ${e.finding ?? ''}`))).toEqual([]);
      const clean = Date.now() + 10_000;
      while (Date.now() < clean && (await nodeDebugPods()).some((p) => p.instance === instance)) await new Promise((res) => setTimeout(res, 200));
      expect((await nodeDebugPods()).filter((p) => p.instance === instance)).toEqual([]);
      s2.child.kill('SIGTERM');
      await core().deleteNamespacedPod({ name: 'packetwalk-node-other', namespace: 'default', gracePeriodSeconds: 0 });
    } finally {
      await lab.fault(null);
    }
  });

  it('serve with a keep window: the periodic sweep spares the kept node debug pods, the next diagnosis reuses them, a restart deletes them', async () => {
    const dataDir = join(work, 'data-keep');
    const diagnoseVia = async (url: string): Promise<Diagnosis> => {
      const r = await fetch(`${url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) });
      expect(r.status).toBe(201);
      const id = ((await r.json()) as { id: string }).id;
      const end = Date.now() + 120_000;
      for (;;) {
        const d = (await (await fetch(`${url}/api/diagnoses/${id}`)).json()) as Diagnosis;
        if (d.verdict !== 'running' || Date.now() > end) return d;
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    const ours = async () => (await nodeDebugPods()).filter((p) => p.instance).map((p) => p.name).sort();
    // the sweep every 300 ms: the pods it must spare are exposed to it many times over
    const s1 = await serveChild(dataDir, 300, { PACKETWALK_KEEP_NODE_PODS: '60' });
    let s2: { url: string; child: ChildProcess } | undefined;
    try {
      expect((await diagnoseVia(s1.url)).verdict).toBe('reachable');
      const kept = await ours();
      expect(kept).toHaveLength(2);
      await new Promise((res) => setTimeout(res, 1500));
      expect(await ours()).toEqual(kept);
      const again = await diagnoseVia(s1.url);
      expect(again.verdict).toBe('reachable');
      expect(again.hops.flatMap((h) => h.evidence).filter((e) => /^node /.test(e.where)).length).toBeGreaterThan(0);
      expect(await ours()).toEqual(kept); // reused: no new pod
      s1.child.kill('SIGKILL');
      await new Promise((res) => s1.child.once('exit', res));
      // the same server again (same data dir, so the same instance id), without a keep window: its start-up pass deletes them
      s2 = await serveChild(dataDir);
      const gone = Date.now() + 30_000;
      while (Date.now() < gone && (await ours()).length) await new Promise((res) => setTimeout(res, 100));
      expect(await ours()).toEqual([]);
    } finally {
      s1.child.kill('SIGKILL');
      s2?.child.kill('SIGTERM');
    }
  });
});
