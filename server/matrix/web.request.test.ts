// POST /api/matrix and /api/matrix/whatif through MatrixWeb.handle: what a refused request answers (the HTTP API's
// own wording, field + fix) and what it leaves behind (nothing: no id, no row, no log line).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store';
import { MatrixWeb } from './web';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function serve() {
  const d = mkdtempSync(join(tmpdir(), 'pw-mreq-'));
  dirs.push(d);
  const store = new Store(d);
  const logs: string[] = [];
  const w = new MatrixWeb({ store, intervalMs: 0, kubeconfig: join(d, 'kubeconfig'), log: (l) => logs.push(l) });
  const http = createServer((req, res) => void w.handle(req, res));
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const close = async () => {
    await new Promise((ok) => http.close(ok));
    w.stop();
    store.close();
  };
  return { post, logs, store, close };
}

describe('POST /api/matrix input', () => {
  it('a namespace sent as a string: 400 asking for a JSON list, without the CLI\'s -n NS', async () => {
    const h = await serve();
    try {
      for (const path of ['/api/matrix', '/api/matrix/whatif']) {
        const r = await h.post(path, { namespaces: 'shop', policy: 'kind: NetworkPolicy' });
        expect(r.status, path).toBe(400);
        expect(r.body.field, path).toBe('namespaces');
        expect(r.body.error, path).toMatch(/^namespaces: must be a JSON list of namespace names, e\.g\. \{"namespaces": \["shop"\]\}/);
        expect(r.body.error, path).not.toMatch(/-n NS/);
      }
      expect(await h.post('/api/matrix', { namespaces: [] })).toMatchObject({ status: 400, body: { field: 'namespaces', error: expect.stringMatching(/^namespaces: the list is empty/) } });
      expect(await h.post('/api/matrix', { namespaces: ['shop'], context: 'no spaces' })).toMatchObject({ status: 400, body: { field: 'context', error: expect.stringContaining('GET /api/contexts') } });
    } finally {
      await h.close();
    }
  });
});
