// The server's plumbing (HTTP API, store, socket.io rooms, catch-up, restart, token) with the engine replaced by
// a scripted DiagnoseFn that emits the engine's events on a timer. The real engine and lab run in e2e/.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { startServer, type RunningServer } from '../index';
import { SAVE_INTERVAL_MS, type DiagnoseFn } from './runs';
import { scripted, tmpServerDir } from './scripted';
import type { Diagnosis } from '../../lib/model';
import { Store } from '../store';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const tmp = () => tmpServerDir(cleanup);

async function serve(dir: string, diagnose: () => Promise<DiagnoseFn>, extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  const s = await startServer({ port: 0, pages: false, dataDir: join(dir, 'data'), kubeconfig: join(dir, 'kubeconfig'), diagnose, log: () => undefined, ...extra });
  cleanup.push(() => s.close());
  return s;
}

async function post(s: RunningServer, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serve HTTP API', () => {
  it('starts a run (201), serves it as far as it got, then whole, with its bundle', async () => {
    const s = await serve(tmp(), scripted(40));
    const r = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    expect(r.status).toBe(201);
    expect(r.body.url).toBe(`${s.url}/d/${r.body.id}`);
    const mid = (await (await fetch(`${s.url}/api/diagnoses/${r.body.id}`)).json()) as Diagnosis;
    expect(mid.verdict).toBe('running');
    expect(mid.hops.length).toBe(9);
    const done = await waitFor(async () => {
      const d = (await (await fetch(`${s.url}/api/diagnoses/${r.body.id}`)).json()) as Diagnosis;
      return d.verdict !== 'running' ? d : undefined;
    });
    expect(done.verdict).toBe('degraded');
    expect(done.firstFailure?.cause).toBe('mtu-blackhole');
    expect(done.hops.find((h) => h.id === 'overlay')?.status).toBe('fail');
    const md = await (await fetch(`${s.url}/api/diagnoses/${r.body.id}/bundle.md`)).text();
    expect(md).toContain('# packetwalk evidence bundle: shop/frontend-0 → backend.shop:80');
    expect(md).toContain('first failure: hop `overlay`, mtu-blackhole');
    expect(md).toContain('## Route / neighbor slice');
  });

  it('answers 400 naming the field for bad input and 404 for unknown ids', async () => {
    const s = await serve(tmp(), scripted(10));
    expect(await post(s, { from: 'shop', to: 'x:80' })).toMatchObject({ status: 400, body: { field: 'from' } });
    expect(await post(s, { from: 'shop/a', to: 'no spaces allowed' })).toMatchObject({ status: 400, body: { field: 'to' } });
    expect(await post(s, { from: 'shop/a', to: 'backend:99999' })).toMatchObject({ status: 400, body: { field: 'to' } });
    expect((await fetch(`${s.url}/api/diagnoses/nosuchid1`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/diagnoses/bad%20id`)).status).toBe(400);
    // a huge field is refused without being echoed back; an empty body names the body; too big a body is 413
    const huge = await post(s, { from: 'shop/a', to: `x${'a'.repeat(60_000)}:80` });
    expect(huge).toMatchObject({ status: 400, body: { field: 'to' } });
    expect(String(huge.body.error).length).toBeLessThan(600);
    const raw = (body: string) => fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    expect(await raw('')).toMatchObject({ status: 400, body: { field: 'body', error: expect.stringMatching(/^body: empty; send \{"from"/) } });
    expect((await raw(JSON.stringify({ from: 'shop/a', to: 'b'.repeat(70_000) }))).status).toBe(413);
    // a route asked with a method it does not answer: 405 and the methods it does
    const del = await fetch(`${s.url}/api/diagnoses/nosuchid1`, { method: 'DELETE' });
    expect([del.status, del.headers.get('allow')]).toEqual([405, 'GET']);
    const allow = async (path: string, method: string) => {
      const r = await fetch(`${s.url}${path}`, { method, headers: { 'content-type': 'application/json' } });
      return [r.status, r.headers.get('allow'), ((await r.json()) as { error: string }).error];
    };
    expect(await allow('/api/pins', 'PUT')).toEqual([405, 'GET, POST', 'PUT is not allowed on /api/pins; use GET or POST']);
    expect(await allow('/api/pins/abc', 'GET')).toEqual([405, 'DELETE', 'GET is not allowed on /api/pins/abc; use DELETE']);
    expect(await allow('/api/diagnoses', 'DELETE')).toEqual([405, 'GET, POST', 'DELETE is not allowed on /api/diagnoses; use GET or POST']);
    expect((await fetch(`${s.url}/api/nope`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('live stream', () => {
  it('a socket that drops mid-run catches up from the store without losing hop updates', async () => {
    const s = await serve(tmp(), scripted(60));
    const r = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    const id = r.body.id as string;
    const c = ioClient(s.url, { reconnectionDelay: 100, reconnectionDelayMax: 200 });
    cleanup.push(() => void c.close());
    const statuses = new Map<string, string>();
    let seq = 0;
    let verdict = 'running';
    const join = () =>
      c.emit('diagnosis:join', id, (snap: (Diagnosis & { seq?: number }) | null) => {
        if (!snap) return;
        for (const h of snap.hops) statuses.set(h.id, h.status);
        seq = Math.max(seq, snap.seq ?? 0);
        verdict = snap.verdict;
      });
    c.on('connect', join);
    c.on('hop:update', (e) => {
      if (e.seq <= seq) return;
      seq = e.seq;
      statuses.set(e.hop.id, e.hop.status);
    });
    c.on('diagnosis:done', (e) => (verdict = e.verdict));
    await waitFor(async () => (seq >= 2 ? true : undefined));
    c.io.engine.close(); // drop the transport; socket.io reconnects on its own
    await waitFor(async () => (verdict !== 'running' ? true : undefined), 8000);
    const stored = (await (await fetch(`${s.url}/api/diagnoses/${id}`)).json()) as Diagnosis;
    expect(Object.fromEntries(statuses)).toEqual(Object.fromEntries(stored.hops.map((h) => [h.id, h.status])));
    expect(statuses.get('overlay')).toBe('fail');
    expect(verdict).toBe('degraded');
  });
});

describe('store writes', () => {
  it('a live run is written at its plan, at most once per SAVE_INTERVAL_MS while it goes on, and at its end', async () => {
    const s = await serve(tmp(), scripted(15));
    const writes: string[] = [];
    const save = s.store.saveDiagnosis.bind(s.store);
    s.store.saveDiagnosis = (d, seq) => {
      writes.push(d.verdict);
      save(d, seq);
    };
    const r = await post(s, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    const done = await waitFor(async () => {
      const d = (await (await fetch(`${s.url}/api/diagnoses/${r.body.id}`)).json()) as Diagnosis;
      return d.verdict !== 'running' ? d : undefined;
    });
    // 9 hop updates and a done over ~135 ms: the plan, at most one write between, the end (10 writes before)
    expect(writes[0]).toBe('running');
    expect(writes[writes.length - 1]).toBe(done.verdict);
    expect(writes.length).toBeLessThanOrEqual(1 + Math.ceil(135 / SAVE_INTERVAL_MS) + 1);
    expect(s.store.getDiagnosis(String(r.body.id))?.diagnosis).toEqual(done);
  });
});

describe('restart', () => {
  it('a run left running by a stopped server is interrupted after restart, keeping its hops', async () => {
    const dir = tmp();
    const s1 = await serve(dir, scripted(20, true));
    const r = await post(s1, { from: 'shop/frontend-0', to: 'backend.shop:80' });
    await new Promise((res) => setTimeout(res, 400));
    await s1.close();
    const s2 = await serve(dir, scripted(20));
    const d = (await (await fetch(`${s2.url}/api/diagnoses/${r.body.id}`)).json()) as Diagnosis;
    expect(d.verdict).toBe('interrupted');
    expect(d.hops.find((h) => h.id === 'overlay')?.status).toBe('fail');
  });
});

describe('token', () => {
  it('refuses a non-loopback bind without PACKETWALK_TOKEN and checks it on HTTP and socket.io', async () => {
    const dir = tmp();
    await expect(startServer({ host: '0.0.0.0', port: 0, pages: false, dataDir: join(dir, 'd0') })).rejects.toThrow(/PACKETWALK_TOKEN/);
    const s = await serve(dir, scripted(10), { token: 'sekrit-1234' });
    expect((await fetch(`${s.url}/api/health`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/health`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${s.url}/api/health`, { headers: { authorization: 'Bearer sekrit-1234' } })).status).toBe(200);
    const viaQuery = await fetch(`${s.url}/d/x?token=sekrit-1234`, { redirect: 'manual' });
    expect(viaQuery.status).toBe(303);
    expect(viaQuery.headers.get('set-cookie')).toMatch(/^pw_token=sekrit-1234; HttpOnly/);
    const bad = ioClient(s.url, { reconnection: false });
    cleanup.push(() => void bad.close());
    await expect(new Promise((res, rej) => (bad.on('connect', () => res('connected')), bad.on('connect_error', (e) => rej(e))))).rejects.toThrow(/unauthorized/);
    const good = ioClient(s.url, { reconnection: false, auth: { token: 'sekrit-1234' } });
    cleanup.push(() => void good.close());
    await expect(new Promise((res, rej) => (good.on('connect', () => res('connected')), good.on('connect_error', rej)))).resolves.toBe('connected');
  });
});

describe('a stored row that cannot be read', () => {
  it('a socket joining its diagnosis gets null and the server logs the sentence; the server stays up', async () => {
    const dir = tmp();
    const s1 = await serve(dir, scripted(5));
    const id = (await post(s1, { from: 'shop/frontend-0', to: 'backend.shop:80' })).body.id as string;
    await waitFor(async () => (((await (await fetch(`${s1.url}/api/diagnoses/${id}`)).json()) as Diagnosis).verdict !== 'running' ? true : undefined));
    await s1.close();
    const st = new Store(join(dir, 'data'));
    st.db.prepare('UPDATE diagnoses SET json = ? WHERE id = ?').run('{"id": "broken", "hops": [', id);
    st.close();
    const lines: string[] = [];
    const s2 = await serve(dir, scripted(5), { log: (l: string) => void lines.push(l) });
    const c = ioClient(s2.url);
    cleanup.push(() => void c.close());
    const snap = await new Promise((resolve) => c.emit('diagnosis:join', id, resolve));
    expect(snap).toBeNull();
    expect(lines.some((l) => l.startsWith(`diagnosis:join ${id}: `) && /not (readable|JSON)/.test(l))).toBe(true);
    expect((await fetch(`${s2.url}/api/health`)).ok).toBe(true);
  });
});
