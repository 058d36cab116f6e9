// explainApiError on errors thrown by the real client-node against real sockets: a closed port, a
// server answering Kubernetes Status bodies, a self-signed TLS server, and a kubeconfig without cluster.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { explainApiError, isRetryable } from './explain';
import { listContexts, loadCluster } from './kubeconfig';
import { ClusterError } from './errors';

function kcFor(server: string, skipTLS = false): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: skipTLS }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'lab', cluster: 'c', user: 'u', namespace: 'shop' }],
    currentContext: 'lab',
  });
  return kc;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

let http: Server;
let base = '';
const dir = mkdtempSync(join(tmpdir(), 'pw-explain-'));

beforeAll(async () => {
  http = createServer((req, res) => {
    const code = Number(/\/code\/(\d+)/.exec(req.url ?? '')?.[1] ?? (req.url?.includes('frontend-9') ? 404 : req.url?.includes('secret') ? 403 : 401));
    const bodies: Record<number, object> = {
      403: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "frontend-0" is forbidden: User "viewer" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"', reason: 'Forbidden', code: 403 },
      404: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "frontend-9" not found', reason: 'NotFound', code: 404 },
      401: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
    };
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(bodies[code] ?? {}));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(() => {
  http.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('explainApiError', () => {
  it('403 names the user, the verb, the resource and the namespace', async () => {
    const api = kcFor(base, true).makeApiClient(CoreV1Api);
    const e = await caught(api.readNamespacedSecret({ name: 'secret', namespace: 'shop' }));
    const x = explainApiError(e, { verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: 'shop', name: 'frontend-0', context: 'lab' });
    expect(x.kind).toBe('forbidden');
    expect(x.sentence).toBe('user viewer may not patch pods/ephemeralcontainers in shop (context lab): needs patch on pods/ephemeralcontainers in shop');
    expect(x.fix).toContain('Role');
    expect(isRetryable(x)).toBe(false);
  });
  it('404 names the object and the context', async () => {
    const api = kcFor(base, true).makeApiClient(CoreV1Api);
    const e = await caught(api.readNamespacedPod({ name: 'frontend-9', namespace: 'shop' }));
    const x = explainApiError(e, { verb: 'get', resource: 'pods', namespace: 'shop', name: 'frontend-9', context: 'lab' });
    expect(x.sentence).toBe('pods shop/frontend-9 not found in context lab');
  });
  it('401 says the credentials were rejected', async () => {
    const api = kcFor(base, true).makeApiClient(CoreV1Api);
    const e = await caught(api.listNamespace());
    const x = explainApiError(e, { verb: 'list', resource: 'namespaces', server: base });
    expect(x.kind).toBe('unauthorized');
    expect(x.sentence).toContain('401 Unauthorized');
  });
  it('a closed port is ECONNREFUSED with the lab hint', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const url = `https://127.0.0.1:${port}`;
    const e = await caught(kcFor(url).makeApiClient(CoreV1Api).listNamespace());
    const x = explainApiError(e, { verb: 'list', resource: 'namespaces', server: url });
    expect(x.kind).toBe('unreachable');
    expect(x.sentence).toBe(`cannot reach ${url}: connection refused`);
    expect(x.fix).toContain('packetwalk lab status');
  });
  it('a port fetch never connects to (its "bad port" list) says so, not "retry once the cluster answers"', async () => {
    const url = 'https://127.0.0.1:1';
    const e = await caught(kcFor(url).makeApiClient(CoreV1Api).listNamespace());
    const x = explainApiError(e, { verb: 'list', resource: 'namespaces', server: url });
    expect(x.kind).toBe('unreachable');
    expect(x.sentence).toBe(`cannot reach ${url}: its port is one that fetch never connects to (the "bad port" list: 1, 25, 6000, …)`);
    expect(x.fix).toMatch(/^check the server URL of the context/);
  });
  it('a self-signed server certificate is a TLS failure', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore', timeout: 20_000 });
    const s = createHttps({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_q, r) => r.end('{}'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      const e = await caught(kcFor(url).makeApiClient(CoreV1Api).listNamespace());
      const x = explainApiError(e, { verb: 'list', resource: 'namespaces', server: url });
      expect(x.kind).toBe('tls');
      expect(x.sentence).toMatch(/TLS handshake .* failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
    } finally {
      s.close();
    }
  });
  it('"No active cluster!" from an empty KubeConfig', () => {
    let e: unknown;
    try {
      new KubeConfig().makeApiClient(CoreV1Api);
    } catch (x) {
      e = x;
    }
    const x = explainApiError(e, { verb: 'list', resource: 'pods' });
    expect(x.kind).toBe('no-cluster');
    expect(x.fix).toContain('--context');
  });
});

describe('kubeconfig loading like kubectl', () => {
  const yaml = (ctx: string, ns?: string) => `apiVersion: v1
kind: Config
clusters: [{name: c-${ctx}, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u-${ctx}, user: {token: x}}]
contexts: [{name: ${ctx}, context: {cluster: c-${ctx}, user: u-${ctx}${ns ? `, namespace: ${ns}` : ''}}}]
current-context: ${ctx}
`;
  it('merges the KUBECONFIG list, first file wins the current context, --context switches', () => {
    writeFileSync(join(dir, 'a'), yaml('alpha', 'shop'));
    writeFileSync(join(dir, 'b'), yaml('beta'));
    const env = { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}`, HOME: dir };
    expect(listContexts({ env }).map((c) => [c.name, c.current, c.namespace])).toEqual([
      ['alpha', true, 'shop'],
      ['beta', false, 'default'],
    ]);
    expect(loadCluster({ env }).namespace).toBe('shop');
    expect(loadCluster({ env, context: 'beta' }).context).toBe('beta');
  });
  it('unknown context and missing file are ClusterErrors naming the fix', () => {
    const env = { KUBECONFIG: join(dir, 'a'), HOME: dir };
    expect(() => loadCluster({ env, context: 'nope' })).toThrow(/context "nope" is not in kubeconfig/);
    // the contexts it has: in the fix, the near ones first, at most 10 and how many more
    const many = `${join(dir, 'a')}:${Array.from({ length: 12 }, (_, i) => { writeFileSync(join(dir, `m${i}`), yaml(`ctx-${i}`)); return join(dir, `m${i}`); }).join(':')}`;
    const err = (context: string, kubeconfigs: string) => {
      try {
        loadCluster({ env: { KUBECONFIG: kubeconfigs, HOME: dir }, context });
      } catch (e) {
        return e as ClusterError;
      }
      throw new Error('no error');
    };
    expect(err('nope', join(dir, 'a'))).toMatchObject({ message: `context "nope" is not in kubeconfig ${join(dir, 'a')}, which has 1 context`, fix: 'use one of: alpha' });
    const e = err('ctx-11x', many);
    expect(e.message).toMatch(/, which has 13 contexts; did you mean ctx-11, ctx-1 or ctx-10\?$/);
    expect(e.fix).toBe('use one of: ctx-11, ctx-1, ctx-10, alpha, ctx-0, ctx-2, ctx-3, ctx-4, ctx-5, ctx-6, … and 3 more (kubectl config get-contexts lists them all)');
    try {
      loadCluster({ kubeconfig: join(dir, 'missing') });
    } catch (e) {
      expect(e).toBeInstanceOf(ClusterError);
      expect((e as ClusterError).fix).toContain('--kubeconfig');
    }
    expect(() => loadCluster({ kubeconfig: join(dir, 'missing') })).toThrow(/does not exist/);
  });
  it('a context naming an undefined user, or a certificate file that is not there, is said before any request', () => {
    const write = (name: string, user: string, users: string) => {
      writeFileSync(join(dir, name), `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: ${user}\ncurrent-context: x\nusers:\n${users}`);
      return join(dir, name);
    };
    const nouser = write('nouser', 'ghost', '- name: lab\n  user:\n    token: t\n');
    expect(() => loadCluster({ kubeconfig: nouser })).toThrow(`context "x" names user "ghost", which kubeconfig ${nouser} does not define`);
    const nocert = write('nocert', 'lab', '- name: lab\n  user:\n    client-certificate: /nonexistent.crt\n    client-key: /nonexistent.key\n');
    expect(() => loadCluster({ kubeconfig: nocert })).toThrow(/^the kubeconfig's client-certificate \/nonexistent\.crt does not exist/);
    try {
      loadCluster({ kubeconfig: nocert });
    } catch (e) {
      expect((e as ClusterError).fix).toBe('fix the client-certificate path in the kubeconfig, or embed it as client-certificate-data');
    }
  });
  it('no kubeconfig at all, a lab up: the fix names the lab\'s kubeconfig, which is never used unasked', () => {
    const lab = join(dir, 'lab');
    mkdirSync(lab, { recursive: true });
    writeFileSync(join(lab, 'kubeconfig'), '');
    const prev = process.env.PACKETWALK_LAB_DIR;
    process.env.PACKETWALK_LAB_DIR = lab;
    try {
      const env = { HOME: join(dir, 'nohome') };
      expect(() => loadCluster({ env })).toThrow(/no kubeconfig found/);
      try {
        loadCluster({ env });
      } catch (e) {
        expect((e as ClusterError).fix).toBe(`pass --kubeconfig FILE or set KUBECONFIG; for the running lab: --kubeconfig ${join(lab, 'kubeconfig')}`);
      }
    } finally {
      if (prev === undefined) delete process.env.PACKETWALK_LAB_DIR;
      else process.env.PACKETWALK_LAB_DIR = prev;
    }
  });
});
