// A node debug pod create the client gave up on (the API server froze past the request's deadline) is carried out
// when the server resumes: the runner deletes it by name once the server answers (nodeDebug.ts deleteOrphan), and
// the run's ledger keeps naming it until then.
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCluster } from '../cluster/kubeconfig';
import { createNodeDebugPod } from './nodeDebug';

// An API server frozen for its first 700 ms (SIGSTOP): requests wait, then are served in the order they came.
const pods = new Set<string>();
let made = 0;
let resume: () => void = () => undefined;
const resumed = new Promise<void>((r) => (resume = r));
const api = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (b) => (body += b));
  req.on('end', () => void resumed.then(() => {
    // (the client may have given up on it: the server carries the request out all the same)
    const json = (code: number, o: unknown) => {
      if (!res.destroyed) res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    };
    const del = /\/pods\/([^/?]+)/.exec(req.url ?? '');
    if (req.method === 'POST') {
      const name = (JSON.parse(body) as { metadata: { name: string } }).metadata.name;
      pods.add(name);
      made += 1;
      return json(201, JSON.parse(body));
    }
    if (req.method === 'DELETE' && del) {
      if (!pods.delete(del[1])) return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
      return json(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
    }
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  }));
});
afterAll(() => api.close());

describe('a node debug pod create that got no answer', () => {
  it('is deleted once the API server answers again, and stays named until then', async () => {
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'pw-orphan-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'k', cluster: { server: `http://127.0.0.1:${(api.address() as { port: number }).port}`, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }], 'current-context': 'c' }));
    const { kc } = loadCluster({ kubeconfig: file, env: {}, requestTimeoutMs: 200 });
    setTimeout(resume, 700);
    const ledger = new Set<string>();
    const e = await createNodeDebugPod(kc, 'worker-1', 'pw', 'nicolaka/netshoot', { ledger, orphanRetryMs: 100 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect([...ledger]).toEqual([expect.stringMatching(/^pw\/packetwalk-node-/)]); // not known to be gone
    await new Promise((r) => setTimeout(r, 700));
    expect(made).toBe(1); // the server resumed and made it
    const end = Date.now() + 5000;
    while ((pods.size || ledger.size) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect([...pods]).toEqual([]);
    expect([...ledger]).toEqual([]);
  }, 15_000);
});
