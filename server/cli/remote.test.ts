// `packetwalk diagnose --server URL`: the real bin in its own process against a real `serve` (this process), whose
// engine is the scripted one of server/web/scripted.ts (the fixture's events on a timer). The lab run of the same
// command with the real engine is test/lab/remote.test.ts. Also the event stream it follows, read raw.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../index';
import { fixture, scripted, tmpServerDir } from '../web/scripted';
import type { Diagnosis } from '../../lib/model';
import { serverBase } from './remote';

const ROOT = join(import.meta.dirname, '..', '..');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(stepMs = 20, extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  const dir = tmpServerDir(cleanup);
  const s = await startServer({ port: 0, pages: false, dataDir: join(dir, 'data'), kubeconfig: join(dir, 'kubeconfig'), diagnose: scripted(stepMs), log: () => undefined, ...extra });
  cleanup.push(() => s.close());
  return s;
}

/** The bin as a user runs it (never spawnSync: the server it talks to is this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { PACKETWALK_SERVER: _s, PACKETWALK_TOKEN: _t, PACKETWALK_KEEP_NODE_PODS: _k, PACKETWALK_DEBUG_NAMESPACE: _n, ...rest } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), ...args], { cwd: ROOT, env: { ...rest, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The event stream of a run, read to its end: [event name, parsed data] in order. */
async function events(url: string): Promise<[string, unknown][]> {
  const r = await fetch(url);
  expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await r.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: '))
    .map((b) => {
      const [ev, data] = b.split('\n');
      return [ev.slice(7), JSON.parse(data.slice(6))];
    });
}

describe('serverBase', () => {
  it('keeps a path prefix (API paths resolve under it) and drops query and fragment', () => {
    expect(String(serverBase('http://127.0.0.1:3000'))).toBe('http://127.0.0.1:3000/');
    expect(new URL('api/diagnoses', serverBase('https://pw.example/packetwalk?x=1#y') as URL).href).toBe('https://pw.example/packetwalk/api/diagnoses');
  });
  it('says what is wrong with a URL it cannot use', () => {
    expect(serverBase('localhost:3955')).toBe('--server: "localhost:3955" is not a URL; write it as http://HOST:PORT (e.g. http://127.0.0.1:3000)');
    expect(serverBase('ftp://pw.example')).toBe('--server: ftp: is not supported; use an http:// or https:// URL');
    expect(serverBase('127.0.0.1:3000')).toMatch(/^--server: "127.0.0.1:3000" is not a URL; write it as http:\/\/HOST:PORT/);
    expect(serverBase('localhost')).toMatch(/^--server: "localhost" is not a URL; write it as http:\/\/HOST:PORT/);
    expect(serverBase('http://me:secret@pw.example')).toMatch(/no credentials in the URL \(they land in shell history and process lists\); set PACKETWALK_TOKEN/);
    expect(serverBase('http://127.0.0.1:3000/?token=s3cret')).toMatch(/^--server: put no credentials in the URL/);
  });
});

describe('GET /api/diagnoses/<id>/events', () => {
  it('where the run stands, each event as it happens, the final Diagnosis last; then the stream ends', async () => {
    const s = await serve(30);
    const { id } = (await (await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) })).json()) as { id: string };
    const evs = await events(`${s.url}/api/diagnoses/${id}/events`);
    expect(evs[0][0]).toBe('diagnosis');
    expect((evs[0][1] as { diagnosis: Diagnosis }).diagnosis.verdict).toBe('running');
    const seqs = evs.filter(([n]) => n === 'hop:update').map(([, d]) => (d as { seq: number }).seq);
    expect(seqs.length).toBeGreaterThanOrEqual(fixture.hops.length - 1);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(evs.some(([n]) => n === 'diagnosis:done')).toBe(true);
    const [lastName, last] = evs[evs.length - 1] as [string, { diagnosis: Diagnosis }];
    expect(lastName).toBe('diagnosis');
    expect(last.diagnosis).toMatchObject({ id, verdict: fixture.verdict, firstFailure: { cause: 'mtu-blackhole' } });
    // a finished run: its snapshot, and the end
    const again = await events(`${s.url}/api/diagnoses/${id}/events`);
    expect(again.map(([n]) => n)).toEqual(['diagnosis']);
    expect((await fetch(`${s.url}/api/diagnoses/nosuchid1/events`)).status).toBe(404);
    // a POST that accepts the stream gets it as its answer: 201, the permalink in Location, the same events
    const r = await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const streamed = (await r.text()).split('\n\n').filter((b) => b.startsWith('event: '));
    const first = JSON.parse(streamed[0].split('\n')[1].slice(6)) as { diagnosis: Diagnosis };
    expect(r.headers.get('location')).toBe(`/d/${first.diagnosis.id}`);
    expect(streamed[streamed.length - 1]).toMatch(/^event: diagnosis\ndata: \{"diagnosis":\{.*"verdict":"degraded"/);
    expect((await fetch(`${s.url}/api/diagnoses/${id}/events`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('the event stream of a run, counted', () => {
  /** diagnosis (where it stands), diagnosis:plan when the stream saw the plan, a hop:update per hop, one done, the final diagnosis */
  const order = (names: string[]) => names.map((n) => (n === 'hop:update' ? 'hop' : n)).filter((n, i, a) => n !== 'hop' || a[i - 1] !== 'hop');

  it('POST accepting text/event-stream: each event once, in the contract\'s order, from the plan to the final Diagnosis', async () => {
    const s = await serve(10);
    const r = await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) });
    expect(r.status).toBe(201);
    const evs = (await r.text())
      .split('\n\n')
      .filter((b) => b.startsWith('event: '))
      .map((b) => [b.split('\n')[0].slice(7), JSON.parse(b.split('\n')[1].slice(6))] as [string, Record<string, unknown>]);
    const names = evs.map(([n]) => n);
    expect(order(names)).toEqual(['diagnosis', 'diagnosis:plan', 'hop', 'diagnosis:done', 'diagnosis']);
    expect(names.filter((n) => n === 'diagnosis:plan')).toHaveLength(1);
    expect(names.filter((n) => n === 'diagnosis:done')).toHaveLength(1);
    // one hop:update per hop, seq 1, 2, … after the snapshot's 0: nothing the first event already had comes again
    const first = evs[0][1] as { diagnosis: Diagnosis; seq: number };
    expect(first.seq).toBe(0);
    expect(first.diagnosis.hops.every((h) => h.status === 'pending')).toBe(true);
    const seqs = evs.filter(([n]) => n === 'hop:update').map(([, d]) => d.seq);
    expect(seqs).toEqual(fixture.hops.map((_, i) => i + 1));
    const last = evs[evs.length - 1][1] as { diagnosis: Diagnosis; seq: number };
    expect(last.diagnosis).toMatchObject({ id: first.diagnosis.id, verdict: 'degraded' });
    expect(last.seq).toBe(seqs[seqs.length - 1]);
    expect(evs.find(([n]) => n === 'diagnosis:done')?.[1]).toMatchObject({ id: first.diagnosis.id, verdict: 'degraded', firstFailure: { cause: 'mtu-blackhole' } });
  });

  it('GET …/events of a run under way: one diagnosis:done, then the final Diagnosis', async () => {
    const s = await serve(30);
    const { id } = (await (await fetch(`${s.url}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'backend.shop:80' }) })).json()) as { id: string };
    const names = (await events(`${s.url}/api/diagnoses/${id}/events`)).map(([n]) => n);
    // the plan came before this stream opened: its snapshot stands for it
    expect(order(names)).toEqual(['diagnosis', 'hop', 'diagnosis:done', 'diagnosis']);
  });
});

// each case starts the CLI several times (a process, the bundle, a request): seconds on a loaded 2-core machine
describe('packetwalk diagnose --server', { timeout: 30_000 }, () => {
  it('--json: exactly the server\'s Diagnosis on stdout, its exit code, the permalink on stderr', async () => {
    const s = await serve();
    const r = await cli(['diagnose', '--server', s.url, '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--json']);
    expect(r.code).toBe(1); // degraded
    const d = JSON.parse(r.stdout) as Diagnosis;
    expect(d).toMatchObject({ verdict: 'degraded', spec: { from: 'shop/frontend-0', to: 'backend.shop:80' }, firstFailure: { cause: 'mtu-blackhole', hop: 'overlay' } });
    expect(d.hops.map((h) => h.status)).toEqual(fixture.hops.map((h) => h.status));
    expect(r.stderr).toBe(`packetwalk diagnose: run by ${s.url}: ${s.url}/d/${d.id}\n`);
    const stored = (await (await fetch(`${s.url}/api/diagnoses/${d.id}`)).json()) as Diagnosis;
    expect(stored).toEqual(d);
  });

  it('a reader that closes the pipe early (`| head`): no stack trace, the exit code stays the diagnosis\'s', async () => {
    const s = await serve();
    const { PACKETWALK_SERVER: _s, PACKETWALK_TOKEN: _t, ...env } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--server', s.url, '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--json'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(1); // degraded, as the fixture
    expect(stderr).not.toMatch(/EPIPE|Unhandled|node:events/);
  });

  it('the environment of a local engine ($PACKETWALK_KEEP_NODE_PODS, $PACKETWALK_DEBUG_NAMESPACE): noted as not used, the run goes on', async () => {
    const s = await serve();
    const r = await cli(['diagnose', '--server', s.url, '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--json'], { PACKETWALK_KEEP_NODE_PODS: '120' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'degraded' });
    expect(r.stderr.split('\n')[0]).toBe('packetwalk diagnose: note: $PACKETWALK_KEEP_NODE_PODS is not used with --server: the server keeps its node debug pods (serve --keep-node-pods)');
  });

  it('text as a local run prints it; PACKETWALK_SERVER and -n NS work as the flags do', async () => {
    const s = await serve();
    const r = await cli(['diagnose', '-n', 'shop', '--from', 'frontend-0', '--to', 'backend.shop:80'], { PACKETWALK_SERVER: s.url });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^packetwalk shop\/frontend-0 → backend\.shop:80/);
    expect(r.stdout).toContain('verdict: DEGRADED');
    expect(r.stdout).toContain('first failure: mtu-blackhole at overlay');
  });

  it('a server with a token: refused without it or with a wrong one (each said), answered with it from the env, never from the URL', async () => {
    const s = await serve(10, { token: 'sesame-0123456789' });
    const args = ['diagnose', '--server', s.url, '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--json'];
    const no = await cli(args);
    expect(no.code).toBe(2);
    expect(no.stdout).toBe('');
    expect(no.stderr).toBe(`packetwalk diagnose: the packetwalk server at ${s.url} wants a token\n  fix: set PACKETWALK_TOKEN to the token it was started with\n`);
    const wrong = await cli(args, { PACKETWALK_TOKEN: 'not-the-token' });
    expect(wrong.stderr).toBe(`packetwalk diagnose: the packetwalk server at ${s.url} refused the token it was sent\n  fix: set PACKETWALK_TOKEN to the token the server was started with\n`);
    const yes = await cli(args, { PACKETWALK_TOKEN: 'sesame-0123456789' });
    expect(yes.code).toBe(1);
    expect(JSON.parse(yes.stdout).verdict).toBe('degraded');
    // the page's own address, ?token= and all: refused (SECURITY.md: credentials in a URL land in shell history and process lists)
    const url = await cli(['diagnose', '--server', `${s.url}/?token=sesame-0123456789`, '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--json']);
    expect(url.code).toBe(2);
    expect(url.stdout).toBe('');
    expect(url.stderr).toMatch(/^packetwalk diagnose: --server: put no credentials in the URL \(they land in shell history and process lists\); set PACKETWALK_TOKEN/);
    expect(url.stderr).not.toContain('sesame');
  });

  it('usage errors: a spec the CLI can check says what a local run says, engine flags that are the server\'s are named', async () => {
    const s = await serve();
    // a spec the CLI itself can check: the same one-line sentence as a local run, nothing sent
    for (const spec of [['--from', 'shop/Not_A_Pod', '--to', 'backend:80'], ['--from', 'shop/a', '--to', 'backend:99999']]) {
      const bad = await cli(['diagnose', '--server', s.url, ...spec]);
      const here = await cli(['diagnose', '--kubeconfig', '/nonexistent', ...spec]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^packetwalk diagnose: --(from|to)[^\n]*\n$/);
      expect(bad.stderr).toBe(here.stderr);
    }
    const img = await cli(['diagnose', '--server', s.url, '--image', 'busybox', '--from', 'shop/a', '--to', 'b:80']);
    expect(img.code).toBe(2);
    expect(img.stderr).toMatch(/^packetwalk diagnose: --image does not go with --server: the server picks the debug image; leave it out/);
    const two = await cli(['diagnose', '--server', s.url, '--debug-namespace', 'x', '--keep-node-pods', '60', '--from', 'shop/a', '--to', 'b:80']);
    expect(two.stderr).toMatch(/^packetwalk diagnose: --debug-namespace, --keep-node-pods do not go with --server: .*; leave them out/);
    const bare = await cli(['diagnose', '--server', s.url, '--from', 'frontend-0', '--to', 'b:80']);
    const local = await cli(['diagnose', '--kubeconfig', '/nonexistent', '--from', 'frontend-0', '--to', 'b:80']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe(local.stderr);
  }, 60_000);

  it('https:// to the plain-HTTP server: said so, with the http:// URL to use', async () => {
    const s = await serve();
    const r = await cli(['diagnose', '--server', s.url.replace('http:', 'https:'), '--from', 'shop/a', '--to', 'b:80']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not speak TLS .*\n {2}fix: use http:\/\/127\.0\.0\.1:\d+: packetwalk serve speaks plain HTTP/);
  });

  it('https:// to a server whose certificate this machine does not trust: said so, with NODE_EXTRA_CA_CERTS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) }, (_q, r) => r.end());
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const r = await cli(['diagnose', '--server', `https://127.0.0.1:${(tls.address() as { port: number }).port}`, '--from', 'shop/a', '--to', 'b:80']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/answered, but its certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)\n {2}fix: set NODE_EXTRA_CA_CERTS to the file of the CA that signed it/);
    } finally {
      tls.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C: the run as far as it got (one JSON object with --json), exit 130, the server going on with it', async () => {
    const s = await serve(10, { diagnose: scripted(10, true) });
    const { PACKETWALK_SERVER: _s, PACKETWALK_TOKEN: _t, ...env } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--server', s.url, '--from', 'shop/frontend-0', '--to', 'backend.shop:80', '--json'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // the scripted run sends its hops and hangs: interrupt once the server has the run and its hops have streamed
    for (let i = 0; i < 200; i++) {
      const list = (await (await fetch(`${s.url}/api/diagnoses`)).json()) as { diagnoses: unknown[] };
      if (list.diagnoses.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 600));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    const d = JSON.parse(stdout) as Diagnosis;
    expect(d.verdict).toBe('running');
    expect(d.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['overlay']);
    expect(stderr).toMatch(/packetwalk diagnose: interrupted; the server goes on with the run \(its node debug pods are its own\): http:\/\/127\.0\.0\.1:\d+\/d\/[\w-]+\n$/);
  }, 30_000);

  it('no server there: exit 2 with the address and what to do', async () => {
    const s = await serve();
    const url = s.url;
    await s.close();
    cleanup.pop();
    const r = await cli(['diagnose', '--server', url, '--from', 'shop/a', '--to', 'b:80']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^packetwalk diagnose: cannot reach the packetwalk server at ${url.replace(/[.]/g, '\\.')} \\(ECONNREFUSED\\)\\n  fix: start it \\(\`packetwalk serve\`\\), or correct --server / \\$PACKETWALK_SERVER\\n$`));
  });
});
