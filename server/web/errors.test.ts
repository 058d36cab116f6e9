// Every 400 of the HTTP API is {error, field, errors} (docs/contracts.md), whoever refused the request: the body
// reader (not JSON), the server's own checks (an unknown context, a source pod the informer cache does not have,
// an id that is not one, a bad path at the gate) and the engine (a node that does not exist, a Service port over
// the other protocol). The engine here is a stand-in that refuses as the real one words it (lib/plan); the pod
// check reads a stub catalog, so no cluster is needed.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../index';
import { UsageError } from '../cluster/errors';
import { handleApi, type ApiDeps } from './api';
import type { Catalog } from './catalog';
import type { DiagnoseFn, RunManager } from './runs';
import { tmpServerDir } from './scripted';
import { Store } from '../store';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** The engine's refusals before a plan, as lib/plan words them (server/diagnose adds the context). */
const refusing: DiagnoseFn = async (spec) => {
  if (spec.from === 'node/nosuch') throw new UsageError('--from: node nosuch not found (kubectl get nodes lists worker-1, worker-2) (context lab)', 'from');
  if (spec.to === 'webudp.shop:53/tcp') throw new UsageError('--to: Service shop/webudp serves port 53 over UDP only; fix: use --to webudp.shop:53/udp (its ports: 53/UDP) (context lab)', 'to');
  throw new Error(`unexpected spec ${JSON.stringify(spec)}`);
};

async function serve(): Promise<RunningServer> {
  const dir = tmpServerDir(cleanup);
  const s = await startServer({ port: 0, pages: false, dataDir: join(dir, 'data'), kubeconfig: join(dir, 'kubeconfig'), diagnose: async () => refusing, log: () => undefined });
  cleanup.push(() => s.close());
  return s;
}

async function answer(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url, init);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const postInit = (body: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** A 400 with `field` whose `errors` is that one problem, worded as `error`. */
function oneProblem(r: { status: number; body: Record<string, unknown> }, field: string, error: RegExp): void {
  expect(r.status).toBe(400);
  expect(r.body).toEqual({ error: expect.stringMatching(error), field, errors: [{ field, error: r.body.error }] });
}

describe('every 400 is {error, field, errors}', () => {
  it('a body that is not JSON, an unknown context, and the engine refusing the spec', async () => {
    const s = await serve();
    const url = `${s.url}/api/diagnoses`;
    oneProblem(await answer(url, postInit('{"from": ')), 'body', /^body: not valid JSON; send \{"from"/);
    oneProblem(await answer(url, postInit(JSON.stringify({ from: 'shop/a', to: 'b:80', context: 'nosuch' }))), 'context', /^context: "nosuch" is not a context of this server's kubeconfig; use one of "lab"$/);
    oneProblem(await answer(`${s.url}/api/pods?context=nosuch`), 'context', /^context: "nosuch" is not a context/);
    oneProblem(await answer(`${s.url}/api/pods?namespace=Bad_NS`), 'namespace', /^namespace: "Bad_NS" is not a namespace name/);
    // the engine's words name the field as the HTTP API does ("from: …", not "--from: …")
    oneProblem(await answer(url, postInit(JSON.stringify({ from: 'node/nosuch', to: 'backend.shop:80' }))), 'from', /^from: node nosuch not found \(kubectl get nodes lists worker-1, worker-2\)/);
    const udp = await answer(url, postInit(JSON.stringify({ from: 'shop/frontend-0', to: 'webudp.shop:53/tcp' })));
    oneProblem(udp, 'to', /^to: Service shop\/webudp serves port 53 over UDP only; fix: use --to webudp\.shop:53\/udp/);
    // asked for the event stream, a refused spec is the same JSON 400, not a stream
    expect(await answer(url, postInit(JSON.stringify({ from: 'shop/frontend-0', to: 'webudp.shop:53/tcp' }), { accept: 'text/event-stream' }))).toEqual(udp);
  });

  it('several bad fields: every one in errors, the first as error and field', async () => {
    const s = await serve();
    const r = await answer(`${s.url}/api/diagnoses`, postInit('{}'));
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('from');
    expect((r.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['from', 'to']);
    expect((r.body.errors as { error: string }[])[0].error).toBe(r.body.error);
  });

  it('an id that is not one says the rule (6 to 40 letters, digits, - and _), on every route that takes one', async () => {
    const s = await serve();
    const rule = /is not a diagnosis id; a diagnosis id is 6 to 40 characters of letters, digits, - and _ \(this server makes 12/;
    oneProblem(await answer(`${s.url}/api/diagnoses/nope`), 'id', new RegExp(`^id: "nope" ${rule.source}`));
    oneProblem(await answer(`${s.url}/api/diagnoses/nope/events`), 'id', new RegExp(`^id: "nope" ${rule.source}`));
    oneProblem(await answer(`${s.url}/api/diagnoses/bad%20id/bundle.md`), 'id', new RegExp(`^id: "bad id" ${rule.source}`));
    oneProblem(await answer(`${s.url}/api/pins`, postInit(JSON.stringify({ diagnosisId: 'x' }))), 'diagnosisId', new RegExp(`^diagnosisId: "x" ${rule.source}`));
    // a well-formed id the server does not have is not found
    expect((await answer(`${s.url}/api/diagnoses/nosuchid1`)).status).toBe(404);
  });

  it('a path the gate refuses', async () => {
    const s = await serve();
    oneProblem(await answer(`${s.url}/api/diagnoses/a%2Fb`), 'path', /^bad request path: /);
  });

  it('a source pod the cluster does not have (the informer cache is checked before the run starts)', async () => {
    const dir = tmpServerDir(cleanup);
    const store = new Store(join(dir, 'data'));
    cleanup.push(() => store.close());
    const pods = [{ metadata: { namespace: 'app', name: 'web-0' } }, { metadata: { namespace: 'app', name: 'nosuch-0' } }];
    const cc = { context: 'lab', kinds: new Map([['pods', { ready: true }]]) };
    const catalog = {
      listContexts: () => [{ name: 'lab' }],
      ensure: async () => cc,
      status: () => ({ errors: [] }),
      list: (_cc: unknown, kind: string, ns?: string) => (kind === 'pods' ? pods.filter((p) => !ns || p.metadata.namespace === ns) : []),
    } as unknown as Catalog;
    const runs = { start: () => Promise.reject(new Error('the run must not start')) } as unknown as RunManager;
    const deps = { store, runs, catalog, wall: {} } as unknown as ApiDeps;
    const http = createServer((req, res) => void handleApi(req, res, deps));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    cleanup.push(() => new Promise<void>((ok) => http.close(() => ok())));
    const r = await answer(`http://127.0.0.1:${(http.address() as AddressInfo).port}/api/diagnoses`, postInit(JSON.stringify({ from: 'app/nosuch', to: 'web.app:80' })));
    oneProblem(r, 'from', /^from: pod app\/nosuch not found in context lab; did you mean app\/nosuch-0/);
  });
});
