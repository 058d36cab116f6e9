// Talking to the API server as kubectl does: KUBECONFIG files merged first-wins (kubeadm's files share the
// names "kubernetes" and "kubernetes-admin"), HTTPS_PROXY/NO_PROXY, exec credential plugins run once and
// shared until their expiry, and a request deadline that ends a stalled request as a sentence.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCluster } from './kubeconfig';
import { noProxyMatches, proxyFromEnv, stopCredentialPlugins } from './credentials';
import { explainApiError } from './explain';

const dir = mkdtempSync(join(tmpdir(), 'pw-cred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(file: string, server: string, user: object, current = 'kubernetes-admin@kubernetes'): string {
  const p = join(dir, file);
  // client-node speaks plain http only with insecure-skip-tls-verify (the stalled test server below is http)
  const cluster = server.startsWith('http:') ? { server, 'insecure-skip-tls-verify': true } : { server };
  writeFileSync(p, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'kubernetes', cluster }], users: [{ name: 'kubernetes-admin', user }], contexts: [{ name: 'kubernetes-admin@kubernetes', context: { cluster: 'kubernetes', user: 'kubernetes-admin' } }], 'current-context': current }));
  return p;
}

describe('KUBECONFIG merging', () => {
  it('two kubeadm-style files sharing cluster, user and context names: the first file wins, as kubectl merges', () => {
    const a = kubeconfig('a.yaml', 'https://10.0.0.1:6443', { token: 'first' });
    const b = kubeconfig('b.yaml', 'https://10.0.0.2:6443', { token: 'second' });
    const cl = loadCluster({ env: { KUBECONFIG: `${a}:${b}` } });
    expect(cl.server).toBe('https://10.0.0.1:6443');
    expect(cl.kc.getCurrentUser()?.token).toBe('first');
    expect(cl.source).toBe(`${a}:${b}`);
  });
});

describe('HTTPS_PROXY', () => {
  it('is used for a remote https server, not for loopback or a NO_PROXY match', () => {
    expect(proxyFromEnv('https://api.example.org:6443', { HTTPS_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128');
    expect(proxyFromEnv('https://127.0.0.1:6443', { HTTPS_PROXY: 'http://proxy.corp:3128' })).toBeUndefined();
    expect(proxyFromEnv('https://api.example.org:6443', { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example.org' })).toBeUndefined();
    expect(noProxyMatches('10.0.0.1,internal:6443', 'internal', '6443')).toBe(true);
    expect(noProxyMatches('internal:6443', 'internal', '443')).toBe(false);
  });
  it('becomes the cluster\'s proxy-url when the kubeconfig has none', () => {
    const a = kubeconfig('p.yaml', 'https://api.example.org:6443', { token: 't' });
    expect(loadCluster({ kubeconfig: a, env: { HTTPS_PROXY: 'http://proxy.corp:3128' } }).kc.getCurrentCluster()?.proxyUrl).toBe('http://proxy.corp:3128');
    expect(loadCluster({ kubeconfig: a, env: {} }).kc.getCurrentCluster()?.proxyUrl).toBeUndefined();
  });
});

describe('exec credential plugins', () => {
  it('run once for parallel first requests and for later KubeConfigs, until the credential expires', async () => {
    const count = join(dir, 'runs');
    writeFileSync(count, '');
    const plugin = join(dir, 'plugin.sh');
    const expiry = new Date(Date.now() + 3600_000).toISOString();
    // An ExecCredential as client.authentication.k8s.io/v1 plugins print it; each run appends a line to `runs`.
    writeFileSync(plugin, `#!/bin/sh\nsleep 0.3\necho run >> ${count}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-123","expirationTimestamp":"${expiry}"}}'\n`);
    chmodSync(plugin, 0o755);
    const file = kubeconfig('exec.yaml', 'https://10.0.0.9:6443', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } });
    const headers = async () => {
      const opts: { headers?: Record<string, string> } = {};
      await loadCluster({ kubeconfig: file, env: {} }).kc.applyToHTTPSOptions(opts as never);
      return opts.headers?.Authorization;
    };
    const first = await Promise.all([headers(), headers(), headers()]);
    expect(first).toEqual(['Bearer tok-123', 'Bearer tok-123', 'Bearer tok-123']);
    expect(await headers()).toBe('Bearer tok-123');
    expect(readFileSync(count, 'utf8').trim().split('\n')).toEqual(['run']);
  });
});

describe('a credential plugin that gives no credential', () => {
  const attempt = async (name: string, script: string | undefined, timeoutMs: number, command?: string) => {
    let cmd = command ?? '';
    if (script !== undefined) {
      cmd = join(dir, name);
      writeFileSync(cmd, `#!/bin/sh\n${script}\n`);
      chmodSync(cmd, 0o755);
    }
    const file = kubeconfig(`${name}.yaml`, 'https://10.0.0.9:6443', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: cmd, interactiveMode: 'Never' } });
    const cl = loadCluster({ kubeconfig: file, env: {}, requestTimeoutMs: timeoutMs });
    const t0 = Date.now();
    const err = await cl.kc.applyToHTTPSOptions({} as never).then(() => undefined, (e: unknown) => e);
    return { ms: Date.now() - t0, cmd, x: explainApiError(err, { verb: 'list', resource: 'pods', namespace: 'shop', context: cl.context }), err };
  };

  it('one that never answers is killed (its children too) at the bound and named, and not run again at once', async () => {
    const { ms, cmd, x } = await attempt('hang.sh', 'sleep 300 & wait', 400);
    expect(ms).toBeLessThan(3000);
    expect(x.kind).toBe('credentials');
    expect(x.sentence).toBe(`the kubeconfig's credential plugin \`${cmd}\` did not answer within 400 ms (context kubernetes-admin@kubernetes)`);
    expect(x.fix).toMatch(/^run the plugin by hand/);
    const again = await attempt('hang.sh', undefined, 400, cmd);
    expect(again.ms).toBeLessThan(100); // the remembered failure, not another wait
  });

  it('a signal stops one still running at once (stopCredentialPlugins), said as stopped', async () => {
    setTimeout(stopCredentialPlugins, 200);
    const { ms, cmd, x } = await attempt('stopped.sh', 'sleep 300 & wait', 20_000);
    expect(ms).toBeLessThan(3000);
    expect(x.sentence).toBe(`the kubeconfig's credential plugin \`${cmd}\` was stopped before it answered (the run was interrupted) (context kubernetes-admin@kubernetes)`);
  });

  it('one that fails says its exit status and its stderr, cut at a word', async () => {
    const long = `error: the refresh token expired ${'please log in again to continue '.repeat(20)}`;
    const { cmd, x } = await attempt('fail.sh', `echo '${long}' >&2; exit 3`, 5000);
    expect(x.sentence.startsWith(`the kubeconfig's credential plugin \`${cmd}\` failed (exit 3): error: the refresh token expired please log in again`)).toBe(true);
    expect(x.sentence).toMatch(/(continue|again|log|in|to|please)… \(context kubernetes-admin@kubernetes\)$/);
    expect(x.fix).toMatch(/^run the plugin by hand .* its error, then log in again/);
  });

  it('one that prints no JSON, and one not on PATH, are said so', async () => {
    expect((await attempt('nojson.sh', 'echo hello', 5000)).x.sentence).toMatch(/credential plugin `.*nojson\.sh` printed no ExecCredential \(/);
    const missing = await attempt('missing', undefined, 5000, 'pw-no-such-plugin');
    expect(missing.x.sentence).toBe("the kubeconfig's credential plugin `pw-no-such-plugin` could not run: not found on PATH (context kubernetes-admin@kubernetes)");
  });
});

describe('request deadline', () => {
  it('a stalled request ends within the deadline as a sentence naming the wait', async () => {
    const sockets: import('node:net').Socket[] = [];
    const stall = createServer(() => {}); // accepts, never answers
    stall.on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const port = (stall.address() as { port: number }).port;
    const file = kubeconfig('stall.yaml', `http://127.0.0.1:${port}`, { token: 't' });
    const cl = loadCluster({ kubeconfig: file, env: {}, requestTimeoutMs: 300 });
    const t0 = Date.now();
    const err = await cl.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop' }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    const x = explainApiError(err, { verb: 'list', resource: 'pods', namespace: 'shop', server: cl.server, context: cl.context });
    expect(x.kind).toBe('timeout');
    expect(x.sentence).toBe(`http://127.0.0.1:${port} did not answer list pods in namespace shop in time (the request's deadline passed) (context kubernetes-admin@kubernetes)`);
    for (const s of sockets) s.destroy();
    stall.close();
  });
});

describe('keep-alive connections to the API server', () => {
  it('sequential requests of one kubeconfig share keep-alive connections (client-node alone opens one per request)', async () => {
    const ports: number[] = [];
    const srv = createServer((req, res) => {
      ports.push(req.socket.remotePort!);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as { port: number }).port;
      const cl = loadCluster({ kubeconfig: kubeconfig('keepalive.yaml', `http://127.0.0.1:${port}`, { token: 't' }) });
      const core = cl.kc.makeApiClient(CoreV1Api);
      for (let i = 0; i < 6; i++) expect((await core.readNamespace({ name: 'shop' })).metadata?.name).toBe('shop');
      expect(ports).toHaveLength(6);
      // undici may open a second socket while the first is being released; never one per request
      expect(new Set(ports).size).toBeLessThanOrEqual(2);
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
