// A matrix request the engine refuses before its plan (an unknown namespace): 400 with the sentence, and nothing
// under a matrix id — no id allocated, no row stored, no "matrix m-…:" log line. The cluster reads are stubbed:
// the refusal is all this needs of a cluster.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store';
import { MatrixWeb } from './web';

vi.mock('../cluster/kubeconfig', () => ({ loadCluster: () => ({ kc: {}, context: 'lab', server: 'https://127.0.0.1:1' }) }));
vi.mock('../cluster/snapshot', () => ({
  readNamespaces: async () => ({ snap: {}, missing: ['nope'] }),
  listNamespaceNames: async () => ['db', 'shop'],
  snapshotLimits: () => [],
}));

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('a refused matrix request', () => {
  it('answers 400 and logs, stores and allocates nothing under a matrix id', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-mref-'));
    dirs.push(d);
    const store = new Store(d);
    const logs: string[] = [];
    const w = new MatrixWeb({ store, intervalMs: 0, log: (l) => logs.push(l) });
    const http = createServer((req, res) => void w.handle(req, res));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    try {
      const r = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/api/matrix`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"namespaces":["nope"]}' });
      expect(r.status).toBe(400);
      const error = 'namespaces: nope not found in context lab; the cluster has db, shop';
      expect(await r.json()).toEqual({ error, field: 'namespaces', errors: [{ field: 'namespaces', error }] });
      await new Promise((ok) => setTimeout(ok, 50)); // the log line was written from a detached catch
      expect(logs).toEqual([]);
      expect(store.db.prepare('SELECT COUNT(*) AS n FROM matrices').get()).toEqual({ n: 0 });
    } finally {
      await new Promise((ok) => http.close(ok));
      w.stop();
      store.close();
    }
  });
});
