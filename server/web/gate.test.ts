// The request gate (issue 10) through a real server and raw HTTP (node:net, so paths reach the server exactly as
// `curl --path-as-is` sends them): path-normalisation variants against the token, the Host / Origin /
// Content-Type matrix (with and without a token), the socket.io handshake, loopback by resolved address,
// and token-free static files only from the real static directory.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { io as ioClient } from 'socket.io-client';
import { startServer, type RunningServer } from '../index';
import type { DiagnoseFn } from './runs';
import { Gate, normaliseTarget, resolvesToLoopback } from './gate';
import { parseServeFlags } from '../cli/serve';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pw-gate-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'kubeconfig'), `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lab, context: {cluster: c, user: u}}]\ncurrent-context: lab\n`);
  return d;
}

/** A DiagnoseFn that records that it was called (a POST that got through) and never finishes. */
function recorder(calls: string[]): () => Promise<DiagnoseFn> {
  return async () => async (spec, opts) => {
    calls.push(`${spec.from}->${spec.to}`);
    const id = opts.id!;
    opts.onEvent?.({ type: 'diagnosis:plan', payload: { id, diagnosis: { id, createdAt: new Date().toISOString(), cluster: 'lab', spec, verdict: 'running', depth: 'live', hops: [], firstFailure: null, warnings: [] } } });
    return new Promise(() => undefined);
  };
}

async function serve(extra: Partial<Parameters<typeof startServer>[0]> = {}, calls: string[] = []): Promise<RunningServer> {
  const dir = tmp();
  const s = await startServer({ port: 0, pages: false, dataDir: join(dir, 'data'), kubeconfig: join(dir, 'kubeconfig'), diagnose: recorder(calls), log: () => undefined, ...extra });
  cleanup.push(() => s.close());
  return s;
}

/** One raw HTTP/1.1 request: the target and headers go on the wire byte for byte. */
function raw(port: number, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    const h = { host: `127.0.0.1:${port}`, connection: 'close', ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers };
    const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(h).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`)];
    sock.on('connect', () => sock.write(`${lines.join('\r\n')}\r\n\r\n${body}`));
    sock.on('data', (b) => (buf += b.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(buf);
      const head = buf.slice(0, buf.indexOf('\r\n\r\n'));
      let rest = buf.slice(head.length + 4);
      if (/^transfer-encoding: chunked/im.test(head)) {
        let out = '';
        for (;;) {
          const nl = rest.indexOf('\r\n');
          const n = parseInt(rest.slice(0, nl), 16);
          if (!n) break;
          out += rest.slice(nl + 2, nl + 2 + n);
          rest = rest.slice(nl + 2 + n + 2);
        }
        rest = out;
      }
      resolve({ status: m ? Number(m[1]) : 0, body: rest });
    });
    sock.setTimeout(5000, () => sock.destroy(new Error(`no answer to ${method} ${target}`)));
  });
}

describe('normaliseTarget', () => {
  it('collapses dot segments, decoded or not, and keeps the query', () => {
    expect(normaliseTarget('/_next/static/../../api/diagnoses?x=1')).toEqual({ ok: true, url: '/api/diagnoses?x=1', path: '/api/diagnoses' });
    expect(normaliseTarget('/_next/static/%2e%2e/%2e%2e/api/diagnoses')).toMatchObject({ ok: true, path: '/api/diagnoses' });
    expect(normaliseTarget('/_next/static/%2E./.%2e/api/pins')).toMatchObject({ ok: true, path: '/api/pins' });
    expect(normaliseTarget('/./api/./health')).toMatchObject({ ok: true, path: '/api/health' });
    expect(normaliseTarget('/../../../api/health')).toMatchObject({ ok: true, path: '/api/health' });
    expect(normaliseTarget('/d/abc/..')).toMatchObject({ ok: true, path: '/d/' });
    expect(normaliseTarget('/api/diagnoses/bad%20id')).toMatchObject({ ok: true, url: '/api/diagnoses/bad%20id', path: '/api/diagnoses/bad id' });
  });
  it('refuses what a later layer could normalise into another route', () => {
    for (const t of [
      '/_next/static/..%2f..%2fapi/diagnoses',
      '/_next/static/..%2F..%2Fapi/diagnoses',
      '/_next/static/..%5c..%5capi/diagnoses',
      '/_next/static/..\\..\\api/diagnoses',
      '/_next/static/%252e%252e/%252e%252e/api/diagnoses',
      '/_next/static/%c0%ae%c0%ae/api',
      '/api/health%00',
      '/api/%0d%0aSet-Cookie:x',
      'http://evil/api/diagnoses',
      '*',
    ]) {
      expect(normaliseTarget(t), t).toMatchObject({ ok: false });
    }
  });
});

describe('token on the normalised path (raw requests, --path-as-is style)', () => {
  it('no spelling of a path under /_next/static/ reaches the API without the token', async () => {
    const calls: string[] = [];
    const s = await serve({ token: 'sekrit-gate-1' }, calls);
    const body = JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' });
    const ct = { 'content-type': 'application/json' };
    const variants = [
      '/_next/static/../../api/diagnoses',
      '/_next/static/%2e%2e/%2e%2e/api/diagnoses',
      '/_next/static/%2E%2E/%2E%2E/api/diagnoses',
      '/_next/static/.%2e/%2e./api/diagnoses',
      '/_next/static/./../../api/diagnoses',
      '/_next/static/chunks/../../../api/diagnoses',
      '/_next/static/..%2f..%2fapi/diagnoses',
      '/_next/static/..%5c..%5capi/diagnoses',
      '/_next/static/%252e%252e/%252e%252e/api/diagnoses',
      '/_next/static/..;/..;/api/diagnoses',
      '/socket.io/../api/diagnoses',
      '//api/diagnoses',
      '/api/diagnoses/',
    ];
    for (const v of variants) {
      const get = await raw(s.port, 'GET', v);
      expect([400, 401, 404], `GET ${v} → ${get.status} ${get.body.slice(0, 80)}`).toContain(get.status);
      const post = await raw(s.port, 'POST', v, ct, body);
      expect([400, 401, 404], `POST ${v} → ${post.status}`).toContain(post.status);
      const del = await raw(s.port, 'DELETE', v.replace('diagnoses', 'pins/x'));
      expect([400, 401, 404], `DELETE ${v} → ${del.status}`).toContain(del.status);
    }
    expect(calls).toEqual([]);
    // with the token the normalised path is the API itself
    const ok = await raw(s.port, 'GET', '/_next/static/%2e%2e/%2e%2e/api/diagnoses', { authorization: 'Bearer sekrit-gate-1' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toHaveProperty('diagnoses');
  });
});

describe('Host, Origin and Content-Type matrix', () => {
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' });
  for (const token of [undefined, 'sekrit-gate-2']) {
    it(`${token ? 'with' : 'without'} a token`, async () => {
      const calls: string[] = [];
      const s = await serve({ token, allowedHosts: ['dash.example.test'] }, calls);
      const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const p = s.port;
      // Host
      const hosts: [string, number][] = [
        [`127.0.0.1:${p}`, 200],
        [`localhost:${p}`, 200],
        [`LOCALHOST:${p}`, 200],
        [`[::1]:${p}`, 200],
        [`dash.example.test`, 200],
        [`dash.example.test:8443`, 200],
        [`evil.example:${p}`, 421],
        [`127.0.0.1.nip.io:${p}`, 421],
        [`127.0.0.1:${p + 1}`, 421],
        [`localhost`, 421], // port 80 is not ours
        [`127.0.0.1:${p}@evil`, 421],
        ['', 400], // no Host at all: node's HTTP/1.1 parser refuses it before the gate
      ];
      for (const [host, want] of hosts) {
        const r = await raw(p, 'GET', '/api/health', { ...auth, host });
        expect(r.status, `Host ${host}`).toBe(want);
      }
      // Origin × Content-Type on POST
      const cases: [Record<string, string>, number][] = [
        [{ ...json }, 201],
        [{ ...json, origin: `http://127.0.0.1:${p}` }, 201],
        [{ ...json, origin: `http://localhost:${p}` }, 201],
        [{ ...json, origin: 'https://dash.example.test' }, 201],
        [{ ...json, origin: 'http://evil.example' }, 403],
        [{ ...json, origin: `http://127.0.0.1:${p + 1}` }, 403],
        [{ ...json, origin: 'null' }, 403],
        [{ ...json, origin: `file://` }, 403],
        [{ ...json, 'sec-fetch-site': 'cross-site' }, 403],
        [{ 'content-type': 'text/plain' }, 415],
        [{ 'content-type': 'text/plain;charset=UTF-8', origin: 'http://evil.example' }, 403],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, 415],
        [{ 'content-type': 'multipart/form-data; boundary=x' }, 415],
        [{ 'content-type': 'application/jsonp' }, 415],
        [{ 'content-type': 'application/json; charset=utf-8' }, 201],
        [{}, 415],
      ];
      for (const [h, want] of cases) {
        const r = await raw(p, 'POST', '/api/diagnoses', { ...auth, ...h }, body);
        expect(r.status, `POST ${JSON.stringify(h)} → ${r.body.slice(0, 120)}`).toBe(want);
      }
      expect(calls.length).toBe(cases.filter(([, w]) => w === 201).length);
      // DELETE: foreign origin refused, a bodiless DELETE from the page is fine, a form body is not
      expect((await raw(p, 'DELETE', '/api/pins/nope', { ...auth, origin: 'http://evil.example' })).status).toBe(403);
      expect((await raw(p, 'DELETE', '/api/pins/nope', { ...auth, origin: `http://127.0.0.1:${p}` })).status).toBe(404);
      expect((await raw(p, 'DELETE', '/api/pins/nope', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b')).status).toBe(415);
      // PUT/PATCH follow the same rules
      expect((await raw(p, 'PUT', '/api/pins', { ...auth, 'content-type': 'text/plain' }, '{}')).status).toBe(415);
      expect((await raw(p, 'PATCH', '/api/pins', { ...auth, ...json, origin: 'http://evil.example' }, '{}')).status).toBe(403);
      // a GET with a foreign Origin is only a read (CORS keeps the answer from the page)
      expect((await raw(p, 'GET', '/api/health', { ...auth, origin: 'http://evil.example' })).status).toBe(200);
      // DNS rebinding: a foreign name with a state change is refused on Host before anything else
      expect((await raw(p, 'POST', '/api/diagnoses', { ...auth, ...json, host: `rebind.evil.example:${p}` }, body)).status).toBe(421);
    });
  }

  it('the socket.io handshake checks Host and Origin too', async () => {
    const s = await serve();
    const attempt = (extraHeaders: Record<string, string>) =>
      new Promise<string>((res) => {
        const c = ioClient(s.url, { reconnection: false, transports: ['polling'], extraHeaders });
        cleanup.push(() => void c.close());
        c.on('connect', () => res('connected'));
        c.on('connect_error', (e) => res(`refused: ${e.message}`));
      });
    expect(await attempt({})).toBe('connected');
    expect(await attempt({ origin: s.url })).toBe('connected');
    expect(await attempt({ origin: 'http://evil.example' })).toMatch(/^refused/);
    const polled = await raw(s.port, 'GET', '/socket.io/?EIO=4&transport=polling', { host: `evil.example:${s.port}` });
    expect(polled.status).toBe(403);
    expect(polled.body).toMatch(/not this server/);
    const okPoll = await raw(s.port, 'GET', '/socket.io/?EIO=4&transport=polling');
    expect(okPoll.status).toBe(200);
  });
});

describe('headers and flags', () => {
  it('every answer forbids framing, sniffing and referrers (also refusals and 401s)', async () => {
    const s = await serve({ token: 'sekrit-gate-3' });
    for (const [path, headers] of [
      ['/api/health', { authorization: 'Bearer sekrit-gate-3' }],
      ['/api/health', {}],
      ['/nope', { authorization: 'Bearer sekrit-gate-3' }],
    ] as const) {
      const r = await fetch(`${s.url}${path}`, { headers });
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const bad = await raw(s.port, 'GET', '/api/health', { host: 'evil.example' });
    expect(bad.status).toBe(421);
  });
  it('--allowed-host is repeatable and checked', () => {
    expect(parseServeFlags(['--allowed-host', 'dash.example.org', '--allowed-host=proxy:8443']).allowedHosts).toEqual(['dash.example.org', 'proxy:8443']);
    expect(() => parseServeFlags(['--allowed-host', 'evil.example/x'])).toThrow(/--allowed-host: "evil\.example\/x" is not a host name/);
    expect(() => parseServeFlags(['--allowed-host', '*'])).toThrow(/--allowed-host/);
    expect(() => new Gate({ host: '127.0.0.1', loopback: true, allowedHosts: ['a b'] })).toThrow(/--allowed-host a b/);
  });
});

describe('wildcard binds', () => {
  it('0.0.0.0 accepts this machine\'s addresses and loopback names with the port, nothing else', () => {
    const g = new Gate({ host: '0.0.0.0', loopback: false, localAddresses: () => ['192.0.2.7', 'fe80::1'] });
    g.listening(3000);
    expect(g.hostAllowed('192.0.2.7:3000')).toBe(true);
    expect(g.hostAllowed('[fe80::1]:3000')).toBe(true);
    expect(g.hostAllowed('127.0.0.1:3000')).toBe(true);
    expect(g.hostAllowed('192.0.2.8:3000')).toBe(false);
    expect(g.hostAllowed('192.0.2.7:3001')).toBe(false);
    expect(g.hostAllowed('0.0.0.0:3000')).toBe(true);
    expect(g.originAllowed('http://192.0.2.7:3000')).toBe(true);
    expect(g.originAllowed('http://attacker.example:3000')).toBe(false);
  });
  it('a non-loopback bind does not accept loopback names unless bound to them', () => {
    const g = new Gate({ host: '192.0.2.7', loopback: false });
    g.listening(3000);
    expect(g.hostAllowed('192.0.2.7:3000')).toBe(true);
    expect(g.hostAllowed('localhost:3000')).toBe(false);
  });
});

describe('loopback by resolved address', () => {
  it('decides on what a name resolves to, not how it is spelt', async () => {
    expect(await resolvesToLoopback('127.0.0.1')).toBe(true);
    expect(await resolvesToLoopback('127.9.8.7')).toBe(true);
    expect(await resolvesToLoopback('::1')).toBe(true);
    expect(await resolvesToLoopback('localhost')).toBe(true);
    expect(await resolvesToLoopback('0.0.0.0')).toBe(false);
    expect(await resolvesToLoopback('::')).toBe(false);
    // a name that starts with 127. but is not an address: unresolvable here, so not loopback
    expect(await resolvesToLoopback('127.0.0.1.invalid')).toBe(false);
    // resolution seen through the resolver: one non-loopback address makes the name non-loopback
    expect(await resolvesToLoopback('127.evil.example', async () => ['127.0.0.1', '203.0.113.9'])).toBe(false);
    expect(await resolvesToLoopback('127.evil.example', async () => ['203.0.113.9'])).toBe(false);
    expect(await resolvesToLoopback('intranet', async () => ['127.0.1.1'])).toBe(true);
  });
  it('a --host that starts with 127. but is a name needs the token', async () => {
    const dir = tmp();
    await expect(startServer({ host: '127.0.0.1.invalid', port: 0, pages: false, dataDir: join(dir, 'd'), log: () => undefined })).rejects.toThrow(/PACKETWALK_TOKEN/);
  });
});

describe('static files', () => {
  it('token-free only for real files inside the static directory', () => {
    const d = tmp();
    const st = join(d, 'static');
    mkdirSync(join(st, 'chunks'), { recursive: true });
    writeFileSync(join(st, 'chunks', 'app.js'), 'x');
    writeFileSync(join(d, 'secret.txt'), 'x');
    symlinkSync(join(d, 'secret.txt'), join(st, 'chunks', 'link.js'));
    const g = new Gate({ host: '127.0.0.1', loopback: true, staticDir: st });
    g.listening(3000);
    const req = (url: string, method = 'GET') => ({ url, method, headers: { host: '127.0.0.1:3000' } }) as unknown as IncomingMessage;
    expect(g.check(req('/_next/static/chunks/app.js'))).toMatchObject({ ok: true, isStatic: true });
    expect(g.check(req('/_next/static/chunks/link.js'))).toMatchObject({ ok: true, isStatic: false });
    expect(g.check(req('/_next/static/chunks/missing.js'))).toMatchObject({ ok: true, isStatic: false });
    expect(g.check(req('/_next/static/chunks'))).toMatchObject({ ok: true, isStatic: false });
    expect(g.check(req('/_next/static/../secret.txt'))).toMatchObject({ ok: true, isStatic: false, path: '/_next/secret.txt' });
    expect(g.check(req('/_next/static/chunks/app.js', 'POST'))).toMatchObject({ ok: false });
  });
});
