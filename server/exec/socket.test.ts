// primeExecTls (socket.ts): after the priming request, a wave of exec sockets opened at once resumes the agent's
// TLS session instead of each making a full handshake. Against a real local TLS server (a self-signed
// certificate made by openssl, argv only) that counts full and resumed handshakes and refuses every upgrade.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get, type Agent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execClient, primeExecTls } from './socket';

let dir: string;
let server: Server;
let url: string;
let ca: string;
const counts = { full: 0, resumed: 0 };
const paths: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-socket-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => paths.push(req.url ?? '') && res.writeHead(200, { 'content-type': 'application/json' }).end('{"major":"1","minor":"32"}'));
  server.on('secureConnection', (s) => (s.isSessionReused() ? counts.resumed++ : counts.full++));
  // Every exec upgrade is refused, as an API server refuses an exec it does not allow: only the handshakes matter here.
  server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(prefix = ''): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url + prefix, caData: Buffer.from(ca).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

/** Opens `n` exec sockets at once through execClient (each refused with 403) and waits for them all. */
async function wave(kc: KubeConfig, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => execClient(kc).exec('ns', 'pod', 'c', ['true'], sink(), sink(), null, false).then(
    () => undefined,
    () => undefined,
  )));
}

/** `n` GET /version at once through the agent client-node gives `kc`'s exec sockets, with no prime. */
async function agentWave(kc: KubeConfig, n: number): Promise<void> {
  const opts: { agent?: Agent; ca?: string } = {};
  await kc.applyToHTTPSOptions(opts as never);
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    get(`${url}/version`, { agent: opts.agent! }, (res) => res.resume().on('end', resolve)).on('error', () => resolve());
  })));
}

describe('primeExecTls', () => {
  it('without it a first wave of sockets makes full handshakes; after it a wave of exec sockets resumes the session', async () => {
    counts.full = counts.resumed = 0;
    await agentWave(kubeconfig(), 8); // the control: a fresh agent's first wave
    const coldFull = counts.full;
    expect(coldFull).toBeGreaterThan(1);

    const kc = kubeconfig();
    counts.full = counts.resumed = 0;
    await primeExecTls(kc);
    expect(counts).toEqual({ full: 1, resumed: 0 }); // the priming request's own handshake
    counts.full = counts.resumed = 0;
    await wave(kc, 8);
    expect(counts).toEqual({ full: 0, resumed: 8 });
  });

  it('asks under the server URL\'s own path (a proxy serving the cluster at /k8s/clusters/ID)', async () => {
    paths.length = 0;
    await primeExecTls(kubeconfig('/k8s/clusters/c-1/'));
    expect(paths).toEqual(['/k8s/clusters/c-1/version']);
  });

  it('never rejects: an unreachable server or an http URL resolves', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    await expect(primeExecTls(kc)).resolves.toBeUndefined();
    const plain = new KubeConfig();
    plain.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: false }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    await expect(primeExecTls(plain)).resolves.toBeUndefined();
  });
});
