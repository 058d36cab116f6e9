// HTTP API of `serve` (DESIGN §4) plus what the pages need. Plain node:http handlers in front of Next.js:
// every answer is JSON (or Markdown for the bundle); every error says which field or what to do.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Diagnosis } from '../../lib/model';
import type { DiagnosisEvent } from '../../lib/events';
import type { Store } from '../store';
import type { Catalog } from './catalog';
import { edgeSuggestions, nodeChoices } from './catalog';
import { ID_RE, notAnId, type RunManager } from './runs';
import { checkSpec, TARGET_FORMS } from './validate';
import { bundleMarkdown } from './bundle';
import { tracePcap } from '../../lib/verdict/trace';
import type { WallScheduler } from '../wall/scheduler';
import { readJsonBody } from './body';
import { didYouMean, nearNames } from '../../lib/suggest';
import { debugNamespaceProblem } from '../../lib/schema/flags';
import { dispatch, fail, origin, send, type Matched, type Route } from './router';

export interface ApiDeps {
  store: Store;
  runs: RunManager;
  catalog: Catalog;
  wall: WallScheduler;
}

const MAX_BODY = 64 * 1024;

const readJson = (req: IncomingMessage): Promise<unknown> => readJsonBody(req, MAX_BODY, '{"from": "NS/POD", "to": "TARGET"}');


/** What a route's handler gets: the request, its parsed URL, the server's parts and its pattern's `match`. */
interface Call extends Matched {
  req: IncomingMessage;
  res: ServerResponse;
  deps: ApiDeps;
  url: URL;
  /** a query parameter, or undefined */
  q: (k: string) => string | undefined;
}

/**
 * The API's routes, their handlers writing the whole answer: the one table dispatch and a 405's Allow header
 * both read (server/web/router.ts).
 */
const ROUTES: readonly Route<Call>[] = [
  { method: 'GET', path: /^\/api\/health$/, run: ({ res }) => send(res, 200, { ok: true }) },
  { method: 'GET', path: /^\/api\/contexts$/, run: contexts },
  { method: 'GET', path: /^\/api\/nodes$/, run: nodes },
  { method: 'GET', path: /^\/api\/(namespaces|pods|targets)$/, run: pickers },
  { method: 'GET', path: /^\/api\/diagnoses$/, run: ({ res, deps, q }) => send(res, 200, { diagnoses: deps.store.listDiagnoses(Math.min(100, Number(q('limit') ?? 20) || 20)) }) },
  { method: 'POST', path: /^\/api\/diagnoses$/, run: startDiagnosis },
  { method: 'GET', path: /^\/api\/diagnoses\/([^/]+)\/events$/, run: ({ res, deps, match }) => followRun(res, deps.runs, decodeURIComponent(match[1])) },
  { method: 'GET', path: /^\/api\/diagnoses\/([^/]+)(\/bundle\.md|\/bundle\.json|\/capture\.pcap)?$/, run: diagnosis },
  { method: 'GET', path: /^\/api\/pins$/, run: ({ res, deps }) => send(res, 200, { pins: deps.wall.tiles(), lastCycle: deps.wall.lastCycle }) },
  { method: 'POST', path: /^\/api\/pins$/, run: pin },
  { method: 'DELETE', path: /^\/api\/pins\/([^/]+)$/, run: ({ res, deps, match }) => (deps.wall.unpin(decodeURIComponent(match[1])) ? send(res, 200, { ok: true }) : fail(res, 404, 'pin not found')) },
];

/** Handles /api/*; returns false for anything else (Next.js takes it). */
export async function handleApi(req: IncomingMessage, res: ServerResponse, deps: ApiDeps): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  if (!path.startsWith('/api/')) return false;
  const q = (k: string) => url.searchParams.get(k) ?? undefined;
  await dispatch(ROUTES, req, res, path, { req, res, deps, url, q });
  return true;
}

function contexts({ res, deps }: Call): void {
  const list = deps.catalog.listContexts();
  let current: string | null;
  try {
    current = deps.catalog.defaultContext();
  } catch {
    current = list.find((c) => c.current)?.name ?? null;
  }
  send(res, 200, { contexts: list.map((c) => ({ name: c.name, cluster: c.cluster, namespace: c.namespace, server: c.server })), current });
}

/** GET /api/nodes: the node picker (--from node/NAME): names and InternalIPs from the informer cache */
async function nodes({ res, deps, q }: Call): Promise<void> {
  const cc = await deps.catalog.ensure(q('context'));
  send(res, 200, { context: cc.context, nodes: nodeChoices(safeList(() => deps.catalog.list(cc, 'nodes'))) });
}

/** GET /api/namespaces, /api/pods, /api/targets: the pickers' choices from the informer cache */
async function pickers({ res, deps, q, match }: Call): Promise<void> {
  const ctxBad = unknownContext(deps.catalog, q('context'));
  if (ctxBad) return fail(res, 400, ctxBad, { field: 'context' });
  const cc = await deps.catalog.ensure(q('context'));
  const status = deps.catalog.status(cc);
  const err = status.errors[0];
  const nsFilter = q('namespace');
  // a namespace no cluster can have answers a 400 naming it, not an empty list that reads as "no pods there"
  const nsBad = nsFilter ? debugNamespaceProblem(nsFilter, 'namespace') : undefined;
  if (nsBad) return fail(res, 400, nsBad, { field: 'namespace' });
  const term = (q('q') ?? '').toLowerCase();
  if (match[1] === 'namespaces') {
    // pods per namespace, for the form's first choice (the namespace where the workloads are)
    const pods = safeList(() => deps.catalog.list(cc, 'pods'));
    const podCounts: Record<string, number> = {};
    for (const p of pods) if (p.metadata?.namespace) podCounts[p.metadata.namespace] = (podCounts[p.metadata.namespace] ?? 0) + 1;
    if (err && status.errors.some((e) => e.kind === 'namespaces')) {
      // fall back to the namespaces that hold pods we can see
      return send(res, 200, { context: cc.context, namespaces: Object.keys(podCounts).sort(), podCounts, error: err });
    }
    const names = deps.catalog.list(cc, 'namespaces').map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
    return send(res, 200, { context: cc.context, namespaces: names, podCounts, ...(err ? { error: err } : {}) });
  }
  if (match[1] === 'pods') {
    const pods = deps.catalog
      .list(cc, 'pods', nsFilter)
      .map((p) => {
        const st = (p as { status?: { podIP?: string; phase?: string } }).status ?? {};
        const spec = (p as { spec?: { nodeName?: string } }).spec ?? {};
        return { namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '', ip: st.podIP ?? '', phase: st.phase ?? '', node: spec.nodeName ?? '' };
      })
      .filter((p) => !term || `${p.namespace}/${p.name}`.toLowerCase().includes(term))
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
      .slice(0, 200);
    return send(res, 200, { context: cc.context, pods, ...(err ? { error: err } : {}) });
  }
  // targets: Services (as NAME.NS:PORT), pods (pod:NS/NAME:PORT), recent targets
  const services = safeList(() => deps.catalog.list(cc, 'services')).flatMap((s) => {
    const ports = ((s as { spec?: { ports?: { port: number }[] } }).spec?.ports ?? []).map((p) => p.port);
    const base = nsFilter && s.metadata?.namespace === nsFilter ? (s.metadata?.name ?? '') : `${s.metadata?.name}.${s.metadata?.namespace}`;
    return (ports.length ? ports : [80]).map((p) => ({ value: `${base}:${p}`, kind: 'service' as const, hint: 'Service' }));
  });
  const pods = safeList(() => deps.catalog.list(cc, 'pods')).flatMap((p) => {
    const ports = ((p as { spec?: { containers?: { ports?: { containerPort: number }[] }[] } }).spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((x) => x.containerPort));
    return ports.map((port) => ({ value: `pod:${p.metadata?.namespace}/${p.metadata?.name}:${port}`, kind: 'pod' as const, hint: 'pod' }));
  });
  const recent = deps.store.recentTargets(8).map((t) => ({ value: t, kind: 'recent' as const, hint: 'recent' }));
  const edge = edgeSuggestions(safeList(() => deps.catalog.list(cc, 'services')), safeList(() => deps.catalog.list(cc, 'nodes')));
  const all = [...recent, ...services, ...edge, ...pods];
  const seen = new Set<string>();
  const suggestions = all.filter((s) => !seen.has(s.value) && seen.add(s.value) && (!term || s.value.toLowerCase().includes(term))).slice(0, 50);
  send(res, 200, { context: cc.context, suggestions, forms: TARGET_FORMS, ...(err ? { error: err } : {}) });
}

/** POST /api/diagnoses: checks the spec, starts the run; 201 with its id and permalink, or its event stream */
async function startDiagnosis({ req, res, deps }: Call): Promise<void> {
  const body = await readJson(req);
  const chk = checkSpec(body);
  if (!chk.ok) return fail(res, 400, chk.e.error, { field: chk.e.field, errors: chk.errors });
  const ctxBad = unknownContext(deps.catalog, chk.context);
  if (ctxBad) return fail(res, 400, ctxBad, { field: 'context' });
  const previousId = typeof (body as Record<string, unknown>).previousId === 'string' ? ((body as Record<string, unknown>).previousId as string) : undefined;
  if (previousId && !ID_RE.test(previousId)) return fail(res, 400, notAnId('previousId', previousId), { field: 'previousId' });
  // unknown source pod: say so before starting (the informer cache knows every pod the user may list)
  const cc = await deps.catalog.ensure(chk.context, 3000);
  const [ns, name] = chk.from === 'outside' || chk.from.startsWith('node/') ? ['', ''] : chk.from.split('/');
  const known = deps.catalog.status(cc).errors.every((e) => e.kind !== 'pods');
  if (ns && known && cc.kinds.get('pods')?.ready && !deps.catalog.list(cc, 'pods', ns).some((p) => p.metadata?.name === name)) {
    const names = deps.catalog.list(cc, 'pods', ns).map((p) => p.metadata?.name ?? '');
    // the same name in another namespace first (the form's namespace was not the pod's), then the near names here
    const elsewhere = deps.catalog.list(cc, 'pods').filter((p) => p.metadata?.name === name).map((p) => `${p.metadata?.namespace}/${name}`);
    const near = [...elsewhere, ...nearNames(name, names, 5).map((n) => `${ns}/${n}`)].slice(0, 5);
    const count = `${names.length} pod${names.length === 1 ? '' : 's'}`;
    return fail(res, 400, `from: pod ${chk.from} not found in context ${cc.context}${didYouMean(near) || ';'} namespace ${ns} has ${count} (kubectl get pods -n ${ns} lists them)`, { field: 'from' });
  }
  const spec = { from: chk.from, to: chk.to, ...(chk.context ? { context: chk.context } : {}) };
  if (!/\btext\/event-stream\b/.test(req.headers.accept ?? '')) {
    const d = await deps.runs.start(spec, previousId);
    return send(res, 201, { id: d.id, url: `${origin(req)}/d/${d.id}` }, { location: `/d/${d.id}` });
  }
  // A client that asks for the event stream gets it as the answer (one request instead of two; the permalink in
  // Location): the whole run, so it follows from the run's first event — its plan, which has come by the time start
  // resolves — and what comes before the stream opens waits in `early`.
  const early: DiagnosisEvent[] = [];
  const sink: { to?: (ev: DiagnosisEvent) => void } = {};
  const follow: { fn: (ev: DiagnosisEvent) => void; stop?: () => void } = { fn: (ev) => (sink.to ? sink.to(ev) : early.push(ev)) };
  const d = await deps.runs.start(spec, previousId, follow);
  const stop = () => follow.stop?.();
  // where it stands: as of its plan (the events after it follow), or the run as it is when it is not planned yet
  const plan = early[0]?.type === 'diagnosis:plan' ? early[0] : undefined;
  const first = plan ? { diagnosis: plan.payload.diagnosis, seq: 0 } : (deps.runs.snapshot(d.id) ?? { diagnosis: d, seq: 0 });
  const stream = openStream(res, deps.runs, d.id, first, stop, 201, { location: `/d/${d.id}` });
  for (const ev of early.splice(0)) stream(ev);
  sink.to = stream;
}

/** GET /api/diagnoses/<id>[/bundle.md|/bundle.json|/capture.pcap]: the Diagnosis, its bundle, or its packets */
function diagnosis({ req, res, deps, url, match }: Call): void {
  const id = decodeURIComponent(match[1]);
  if (!ID_RE.test(id)) return fail(res, 400, notAnId('id', id), { field: 'id' });
  const snap = deps.runs.snapshot(id);
  if (!snap) return fail(res, 404, `diagnosis ${id} not found; it may have been made on another server`);
  const d: Diagnosis = snap.diagnosis;
  if (match[2] === '/capture.pcap') {
    // The packet's own walk, merged (lib/verdict/trace.ts tracePcap): pcapng, one named interface per capture point.
    const pcap = d.trace ? tracePcap(d.trace) : undefined;
    if (!pcap) return fail(res, 404, d.trace ? `diagnosis ${id} captured no packet of its flow (${d.trace.summary})` : `diagnosis ${id} has no capture: the packet's walk is traced at live depth only`);
    res.writeHead(200, { 'content-type': 'application/vnd.tcpdump.pcap', 'content-length': String(pcap.length), 'cache-control': 'no-store', 'content-disposition': `attachment; filename="packetwalk-${id}.pcapng"` });
    res.end(Buffer.from(pcap));
    return;
  }
  if (match[2] === '/bundle.md') {
    res.writeHead(200, {
      'content-type': 'text/markdown; charset=utf-8',
      'cache-control': 'no-store',
      ...(url.searchParams.has('download') ? { 'content-disposition': `attachment; filename="packetwalk-${id}.md"` } : {}),
    });
    res.end(bundleMarkdown(d, `${origin(req)}/d/${id}`));
    return;
  }
  const download = match[2] === '/bundle.json' || url.searchParams.has('download');
  send(res, 200, d, download ? { 'content-disposition': `attachment; filename="packetwalk-${id}.json"`, 'x-packetwalk-seq': String(snap.seq) } : { 'x-packetwalk-seq': String(snap.seq) });
}

/** POST /api/pins: pins a path (from a diagnosis or a spec) to the wall; an existing pin of the same path is answered as is */
async function pin({ req, res, deps }: Call): Promise<void> {
  const body = (await readJson(req)) as Record<string, unknown>;
  let from = body.from;
  let to = body.to;
  let context = body.context;
  let source: Diagnosis | undefined;
  if (typeof body.diagnosisId === 'string') {
    if (!ID_RE.test(body.diagnosisId)) return fail(res, 400, notAnId('diagnosisId', body.diagnosisId), { field: 'diagnosisId' });
    source = deps.runs.snapshot(body.diagnosisId)?.diagnosis;
    if (!source) return fail(res, 404, `diagnosisId: diagnosis ${body.diagnosisId} not found`, { field: 'diagnosisId' });
    ({ from, to, context } = source.spec);
  }
  const chk = checkSpec({ from, to, context });
  if (!chk.ok) return fail(res, 400, chk.e.error, { field: chk.e.field, errors: chk.errors });
  const ctxBad = unknownContext(deps.catalog, chk.context);
  if (ctxBad) return fail(res, 400, ctxBad, { field: 'context' });
  const dup = deps.wall.tiles().find((t) => t.pin.from === chk.from && t.pin.to === chk.to && (t.pin.context ?? '') === (chk.context ?? ''));
  if (dup) return send(res, 200, dup);
  send(res, 201, deps.wall.pin({ from: chk.from, to: chk.to, ...(chk.context ? { context: chk.context } : {}), ...(source ? { diagnosisId: source.id } : {}) }, source));
}

/** How often an idle event stream sends a comment line, so that a proxy between does not close it as dead. */
const SSE_KEEPALIVE_MS = 15_000;

/**
 * GET /api/diagnoses/<id>/events: the run as Server-Sent Events (text/event-stream, one JSON object per `data:`
 * line): first `diagnosis` — {diagnosis, seq}, where it stands —, then the socket.io room's events under their
 * names (`diagnosis:plan`, `hop:update`, `diagnosis:done`) as they happen, and last `diagnosis` again with the
 * final Diagnosis, after which the stream ends. A finished run answers its snapshot and ends at once. The same
 * stream (openStream), from the run's plan on, is the answer (201, Location the permalink) to a POST
 * /api/diagnoses that accepts text/event-stream: what `packetwalk diagnose --server` sends, one request for the
 * whole run; `curl -N` shows either.
 */
function followRun(res: ServerResponse, runs: RunManager, id: string): void {
  if (!ID_RE.test(id)) return fail(res, 400, notAnId('id', id), { field: 'id' });
  const snap = runs.snapshot(id);
  if (!snap) return fail(res, 404, `diagnosis ${id} not found; it may have been made on another server`);
  let unfollow: (() => void) | null = null;
  const stream = openStream(res, runs, id, snap, () => unfollow?.());
  unfollow = runs.follow(id, stream);
  if (!unfollow) stream(null);
}

/**
 * Starts the event stream of run `id` on `res` with `first` (the `diagnosis` event: where the run stands) and
 * returns the writer of each event after it, in the order the run sends them: `diagnosis:plan`, `hop:update`,
 * `diagnosis:done` once each as the run has them; the run's last done (it is no longer live) is followed by the
 * final `diagnosis` and the end. `null` ends the stream after `first` (a run that is not live: its snapshot is all).
 * `unfollow` is called once when the stream ends or the client goes.
 */
function openStream(res: ServerResponse, runs: RunManager, id: string, first: unknown, unfollow: () => void, status = 200, headers: Record<string, string> = {}): (ev: DiagnosisEvent | null) => void {
  res.writeHead(status, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...headers });
  const write = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  write('diagnosis', first);
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    unfollow();
    res.end();
  };
  res.on('close', end);
  return (ev) => {
    if (ended) return;
    if (!ev) return end();
    write(ev.type, ev.payload);
    if (ev.type !== 'diagnosis:done' || runs.isLive(id)) return;
    write('diagnosis', runs.snapshot(id));
    end();
  };
}

/** A sentence when `context` is given but is not a context of the server's kubeconfig (400, field context); null otherwise. */
function unknownContext(catalog: Catalog, context: string | undefined): string | null {
  if (!context) return null;
  let names: string[];
  try {
    names = catalog.listContexts().map((c) => c.name);
  } catch {
    return null; // the kubeconfig itself is the problem: the cluster error says so later
  }
  if (names.includes(context)) return null;
  const list = names.slice(0, 10).map((n) => JSON.stringify(n)).join(', ');
  return `context: ${JSON.stringify(context.slice(0, 100))} is not a context of this server's kubeconfig; use one of ${list || '(none: the kubeconfig has no contexts)'}`;
}

function safeList<T>(f: () => readonly T[]): readonly T[] {
  try {
    return f();
  } catch {
    return [];
  }
}
