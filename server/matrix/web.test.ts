// matrix:join goes through the shared socket schema (server/web/socketArgs.ts MatrixIdSchema + joinArgs), as
// diagnosis:join does: only a matrix id joins a room, and the ack is called only when the client sent a function.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io';
import { Store } from '../store';
import { MatrixWeb } from './web';
import type { Matrix } from '../../lib/matrix/types';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A socket that records its handlers and the rooms it joins (all matrix:join touches). */
function fakeSocket() {
  const handlers = new Map<string, (...a: unknown[]) => void>();
  const rooms: string[] = [];
  const socket = { on: (ev: string, fn: (...a: unknown[]) => void) => handlers.set(ev, fn), join: (r: string) => void rooms.push(r) };
  return { socket: socket as unknown as Socket, rooms, join: (...a: unknown[]) => handlers.get('matrix:join')!(...a) };
}

describe('matrix:join', () => {
  const web = () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-mweb-'));
    dirs.push(d);
    const store = new Store(d);
    return { w: new MatrixWeb({ store, intervalMs: 0 }), store };
  };

  it('joins the room of a well-formed id and acks its snapshot', () => {
    const { w, store } = web();
    const m: Matrix = { id: 'm-abc123', namespaces: ['shop'], sources: [], targets: [], cells: [], depth: 'live', groups: [], allPods: false, notes: [], status: 'done' };
    w.db.save(m);
    const s = fakeSocket();
    w.attach(s.socket);
    const got: unknown[] = [];
    s.join('m-abc123', (v: unknown) => got.push(v));
    expect(s.rooms).toEqual(['m:m-abc123']);
    expect(got).toHaveLength(1);
    expect((got[0] as Matrix).id).toBe('m-abc123');
    w.stop();
    store.close();
  });

  it('refuses anything else as an id (acks null, joins nothing) and survives a non-function ack', () => {
    const { w, store } = web();
    const s = fakeSocket();
    w.attach(s.socket);
    for (const bad of [42, null, undefined, {}, ['m-abc123'], 'm-ABC123', '../../etc', 'm-a']) {
      const got: unknown[] = [];
      s.join(bad, (v: unknown) => got.push(v));
      expect(got, JSON.stringify(bad)).toEqual([null]);
    }
    expect(() => s.join('m-abc123', 'not a function')).not.toThrow();
    expect(() => s.join(7)).not.toThrow();
    expect(s.rooms).toEqual(['m:m-abc123']);
    w.stop();
    store.close();
  });
});

// A stored matrix row broken behind the server's back (server/matrix/store.ts reads it through the Matrix
// schema): the API answers 503 with the sentence naming the matrix, the field and the fix; the socket acks null
// (the page then asks the API) and nothing throws, at start-up, in the wall's re-probe, or on a join.
describe('a corrupted matrix row', () => {
  const good: Matrix = { id: 'm-abc123', createdAt: '2026-11-30T07:00:00.000Z', namespaces: ['shop'], sources: ['shop/web-0'], targets: [], cells: [], depth: 'live', groups: [], allPods: false, notes: [], status: 'running' };

  async function serve(w: MatrixWeb) {
    const http = createServer((req, res) => void w.handle(req, res));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const get = async (path: string, method = 'GET') => {
      const r = await fetch(base + path, { method });
      return { status: r.status, allow: r.headers.get('allow'), body: (await r.json()) as Record<string, unknown> };
    };
    return { get, close: () => new Promise((ok) => http.close(ok)) };
  }

  it('answers 503 with the sentence on GET, ?pinned=1 and join, and the server keeps going', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-mweb-'));
    dirs.push(d);
    const store = new Store(d);
    const first = new MatrixWeb({ store, intervalMs: 0 });
    first.db.save(good);
    first.db.setPinned('m-abc123', true);
    first.stop();
    store.db.prepare('UPDATE matrices SET json = ? WHERE id = ?').run(JSON.stringify({ ...good, cells: [{ from: 'shop/web-0', to: 'x', predicted: 'maybe' }] }), 'm-abc123');
    const logs: string[] = [];
    const w = new MatrixWeb({ store, intervalMs: 0, log: (l) => logs.push(l) }); // start-up reads every row: must not throw
    expect(logs).toEqual([expect.stringContaining('matrix "m-abc123" in the store is not readable (cells[0].predicted: "maybe" is not a prediction (allow, deny))')]);
    const h = await serve(w);
    try {
      for (const path of ['/api/matrix/m-abc123', '/api/matrix?pinned=1']) {
        const r = await h.get(path);
        expect(r.status, path).toBe(503);
        expect(r.body.code).toBe('EBADROW');
        expect(r.body.file).toBe(store.file);
        expect(r.body.error).toMatch(/^matrix "m-abc123" in the store is not readable \(cells\[0\]\.predicted: .*; fix: delete that row/);
        expect(r.body.fix).toMatch(/^delete that row/);
      }
      expect((await h.get('/api/matrix/m-def456')).status).toBe(404);
      expect((await h.get('/api/matrix/bad%20id')).body).toEqual({ error: 'id: not a matrix id (m- and hex digits)', field: 'id', errors: [{ field: 'id', error: 'id: not a matrix id (m- and hex digits)' }] });
      // a route asked with a method it does not answer: 405 and the methods it does (server/web/router.ts)
      expect(await h.get('/api/matrix/m-def456/pin', 'GET')).toMatchObject({ status: 405, allow: 'POST, DELETE', body: { error: 'GET is not allowed on /api/matrix/m-def456/pin; use POST or DELETE' } });
      expect(await h.get('/api/matrix/whatif', 'GET')).toMatchObject({ status: 405, allow: 'POST' });
      expect((await h.get('/api/matrix/m-def456/nope')).status).toBe(404);
    } finally {
      await h.close();
    }
    const s = fakeSocket();
    w.attach(s.socket);
    const got: unknown[] = [];
    expect(() => s.join('m-abc123', (v: unknown) => got.push(v))).not.toThrow();
    expect(got).toEqual([null]);
    // the wall's re-probe timer reads the pinned rows: it logs the sentence once instead of throwing
    const rerun = () => (w as unknown as { rerunPinned(): void }).rerunPinned();
    expect(rerun).not.toThrow();
    expect(rerun).not.toThrow();
    expect(logs.filter((l) => l.startsWith('matrix wall: matrix "m-abc123" in the store is not readable'))).toHaveLength(1);
    w.stop();
    store.close();
  });
});
