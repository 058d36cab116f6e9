// The lab's Kubernetes API: routing, discovery, GET/LIST/WATCH with selectors and Tables, the writes of
// writes.ts and exec/attach upgrades. Every failure is answered as a Status; a bad request never
// takes the daemon down.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../types';
import { accessReview, authenticate, authorize, type Tokens, type User } from './auth';
import { apiGroup, apiGroupList, apiVersions, AUTHZ_GROUP, resourceList, VERSION } from './discovery';
import { EXEC_PROTOCOLS, killAllSessions, liveSessions, pickProtocol, runExecSession, type ExecRequest } from './exec';
import { killGroup } from './spawnClient';
import { openapiGroupVersion, openapiIndex } from './openapi';
import { decodeProtobufObject } from './protobuf';
import { apiVersionOf, findResource, type ResourceDef } from './resources';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { ApiError, badRequest, failure, notFound } from './status';
import type { ObjectStore, StoreEvent } from './store';
import { containerState } from './kubelet';
import { decodeContinue, encodeContinue, latencyMs, parseBool, parseLimit } from './manners';
import { toTable, wantsTable, type IncludeObject } from './tables';
import { applyPolicy, createPod, createPolicy, deletePod, deletePolicy, patchPolicy, replacePolicy, strictPolicyFields, updateEphemeralContainers, type WriteContext } from './writes';

export interface ApiServerOptions {
  store: ObjectStore;
  labDir: string;
  tokens: Tokens;
  key: string;
  cert: string;
  log?: (line: string) => void;
}

const MAX_BODY = 3 * 1024 * 1024;
/** Each exec is a process on this (shared, small) machine: more at once than this is refused, not queued. */
const MAX_EXEC_SESSIONS = 256;
const WATCH_MAX_S = 1800;
const BOOKMARK_MS = Number(process.env.PACKETWALK_BOOKMARK_MS ?? 15_000);

interface Route {
  group: string;
  version: string;
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read field by field */

function parseRoute(segs: string[]): Route | null {
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return null;
  let watchPath = false;
  if (rest[0] === 'watch') [watchPath, rest] = [true, rest.slice(1)];
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length) return null;
  const def = findResource(group, version, plural);
  if (!def) return null;
  if (def.namespaced === false && namespace !== undefined) return null;
  return { group, version, def, namespace, name, subresource, watchPath };
}

const isApplyPatch = (req: IncomingMessage) => (req.headers['content-type'] ?? '').split(';')[0].trim() === 'application/apply-patch+yaml';

/** Bytes and requests answered, for benchmarks (GET /metrics, Prometheus text, like apiserver_response_sizes). */
const served = { bytes: 0, requests: 0 };

const json = (res: ServerResponse, code: number, body: unknown, contentType = 'application/json') => {
  const text = JSON.stringify(body);
  served.bytes += Buffer.byteLength(text);
  served.requests++;
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(Buffer.concat(chunks));
  if (type.includes('protobuf') || type.includes('cbor')) throw new ApiError(415, 'UnsupportedMediaType', `the lab API speaks JSON only; got Content-Type ${type}`);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw badRequest('the request has no body; send the object as JSON');
  if (type === 'application/apply-patch+yaml') {
    try {
      return parseYaml(text);
    } catch (e) {
      throw badRequest(`the apply configuration is not valid YAML: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The served form of one object: list items carry no kind/apiVersion, as a real server encodes them. */
const bare = (o: KubeObject) => {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
};

export function createApiServer(opts: ApiServerOptions): Server {
  const { store, tokens } = opts;
  const log = opts.log ?? (() => {});
  const writeCtx: WriteContext = {
    store,
    labDir: opts.labDir,
    onPodDeleted: (ns, name) => {
      for (const [child, pod] of sessionPods) if (pod === `${ns}/${name}`) killGroup(child);
    },
  };
  const sessionPods = new Map<import('./spawnClient').Session, string>();

  const server = createServer({ key: opts.key, cert: opts.cert }, (req, res) => {
    handle(req, res).catch((e) => {
      const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
      if (!(e instanceof ApiError)) log(`internal error on ${req.method} ${req.url}: ${(e as Error).stack}`);
      if (res.headersSent) res.end();
      else json(res, err.code, err.toStatus());
    });
  });
  // Clients pool connections (client-node, kubectl): keep idle ones longer than they do, like Go's
  // http.Server under the real apiserver, so a reused connection is not closed under a request.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  /** cluster.api.latencyMs: a slow control plane answers everything late (health checks excepted). */
  const lag = () => {
    const ms = latencyMs(store.state.cluster);
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : undefined;
  };
  /** The namespace the ns-viewer may read (cluster.api.nsViewer). */
  const scope = () => store.state.cluster.api?.nsViewer;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://lab');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    await lag();
    const user = authenticate(req.headers.authorization, tokens);
    if (path === '/metrics' && req.method === 'GET' && user === 'admin') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(`# HELP packetwalk_lab_api_response_bytes_total Bytes of JSON bodies the lab API answered.\n# TYPE packetwalk_lab_api_response_bytes_total counter\npacketwalk_lab_api_response_bytes_total ${served.bytes}\n# TYPE packetwalk_lab_api_requests_total counter\npacketwalk_lab_api_requests_total ${served.requests}\n`);
      return;
    }
    const segs = path.split('/').filter(Boolean);
    if (req.method === 'GET') {
      const doc = discovery(path, segs, req);
      if (doc !== undefined) {
        if (doc === null) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        return json(res, 200, doc);
      }
    }
    if (path === `/apis/${AUTHZ_GROUP}/v1/selfsubjectaccessreviews` && req.method === 'POST') {
      const body = (await readBody(req)) as { spec?: unknown };
      return json(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion: `${AUTHZ_GROUP}/v1`, metadata: {}, spec: body?.spec ?? {}, status: accessReview(user, body?.spec, scope()) });
    }
    const route = parseRoute(segs);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return resource(req, res, url, route, user);
  }

  function discovery(path: string, segs: string[], req: IncomingMessage): unknown | null | undefined {
    if (path === '/version') return VERSION;
    if (path === '/api') return apiVersions(`127.0.0.1:${(server.address() as { port: number }).port}`);
    if (path === '/apis') return apiGroupList();
    if (segs[0] === 'api' && segs.length === 2) return resourceList('', segs[1]);
    if (segs[0] === 'apis' && segs.length === 2) return apiGroup(segs[1]);
    if (segs[0] === 'apis' && segs.length === 3) return resourceList(segs[1], segs[2]);
    if (path === '/openapi/v3') return openapiIndex();
    if (path.startsWith('/openapi/v3/')) return openapiGroupVersion(path.slice('/openapi/v3/'.length));
    if (segs[0] === 'openapi') return null; // no v2: kubectl uses v3
    void req;
    return undefined;
  }

  async function resource(req: IncomingMessage, res: ServerResponse, url: URL, r: Route, user: User): Promise<void> {
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const isWatch = r.watchPath || parseBool(q, 'watch') === true;
    const verb =
      method === 'GET' ? (isWatch ? 'watch' : r.name ? 'get' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? (r.name ? 'delete' : 'deletecollection') : method.toLowerCase();
    const subVerb = r.subresource === 'exec' || r.subresource === 'attach' ? 'create' : verb;
    authorize(user, { verb: subVerb, resource: r.def.plural, subresource: r.subresource, group: r.group, namespace: r.namespace, name: r.name }, scope());
    const dryRun = q.getAll('dryRun').includes('All');
    // Booleans the server reads as strconv.ParseBool does: a bad one is a 400 before anything happens.
    for (const b of ['allowWatchBookmarks', 'sendInitialEvents', 'pretty']) parseBool(q, b);

    if (method === 'GET') {
      if (r.subresource) return getSubresource(res, r);
      if (isWatch) return watch(req, res, r, q);
      if (r.name) {
        const o = store.get(r.def.kind, r.namespace, r.name);
        if (!o) throw notFound(r.def.plural, r.name, r.group);
        const table = wantsTable(req.headers.accept);
        if (table) return json(res, 200, tableOf([o], r.def, table, q));
        return json(res, 200, o);
      }
      return list(req, res, r, q);
    }

    const unsupported = () => new ApiError(405, 'MethodNotAllowed', `the packetwalk lab does not support ${verb} on ${r.def.plural}${r.subresource ? `/${r.subresource}` : ''}: it serves read-only ${r.def.plural}; writes are limited to node debug pods, ephemeral debug containers and NetworkPolicies`);
    if (r.def.kind === 'Pod') {
      if (r.subresource === 'ephemeralcontainers' && r.name && r.namespace && (method === 'PATCH' || method === 'PUT')) {
        const body = await readBody(req);
        return send(res, updateEphemeralContainers(writeCtx, r.namespace, r.name, method, req.headers['content-type'], body));
      }
      if (r.subresource === 'exec' || r.subresource === 'attach') throw new ApiError(400, 'BadRequest', 'Upgrade request required');
      if (r.subresource) throw unsupported();
      if (method === 'POST' && !r.name && r.namespace) return send(res, createPod(writeCtx, r.def, r.namespace, await readBody(req), dryRun));
      if (method === 'DELETE' && r.name && r.namespace) return send(res, deletePod(writeCtx, r.namespace, r.name));
      throw unsupported();
    }
    if (r.def.kind === 'NetworkPolicy' && r.namespace && !r.subresource) {
      const strict = q.get('fieldValidation') === 'Strict';
      const body = async () => {
        const b = await readBody(req);
        if (strict && (method !== 'PATCH' || isApplyPatch(req))) strictPolicyFields(b);
        return b;
      };
      if (method === 'POST' && !r.name) return send(res, await createPolicy(writeCtx, r.def, r.namespace, await body(), dryRun));
      if (method === 'PUT' && r.name) return send(res, await replacePolicy(writeCtx, r.def, r.namespace, r.name, await body(), dryRun));
      if (method === 'PATCH' && r.name && isApplyPatch(req)) return send(res, await applyPolicy(writeCtx, r.def, r.namespace, r.name, await body(), dryRun));
      if (method === 'PATCH' && r.name) return send(res, await patchPolicy(writeCtx, r.def, r.namespace, r.name, req.headers['content-type'], await body(), dryRun, strict));
      if (method === 'DELETE' && r.name) return send(res, await deletePolicy(writeCtx, r.namespace, r.name, dryRun));
    }
    throw unsupported();
  }

  const send = (res: ServerResponse, w: { code: number; body: unknown }) => json(res, w.code, w.body);

  function getSubresource(res: ServerResponse, r: Route): void {
    const o = store.get(r.def.kind, r.namespace, r.name!);
    if (!o) throw notFound(r.def.plural, r.name!, r.group);
    if (r.def.kind === 'Pod' && (r.subresource === 'ephemeralcontainers' || r.subresource === 'status')) return json(res, 200, o);
    if (r.def.kind === 'Pod' && r.subresource === 'log') {
      // The lab's containers are stand-ins without a log of their own.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('');
      return;
    }
    if (r.def.kind === 'Pod' && (r.subresource === 'exec' || r.subresource === 'attach')) throw new ApiError(400, 'BadRequest', 'Upgrade request required');
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  function selection(r: Route, q: URLSearchParams): (o: KubeObject) => boolean {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
    return (o) => o.kind === r.def.kind && (r.namespace === undefined || o.metadata.namespace === r.namespace) && (r.name === undefined || o.metadata.name === r.name) && matchLabels(labels, o.metadata.labels) && matchFields(fields, o);
  }

  function includeOf(q: URLSearchParams): IncludeObject {
    const v = q.get('includeObject');
    if (v === null || v === '') return 'Metadata';
    if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
    throw badRequest(`includeObject=${JSON.stringify(v)} is not one of None, Metadata, Object`);
  }

  function tableOf(objs: KubeObject[], def: ResourceDef, v: 'v1' | 'v1beta1', q: URLSearchParams, rv = String(store.resourceVersion)) {
    const t = toTable(objs, def.kind, { resourceVersion: rv }, includeOf(q));
    return { ...t, apiVersion: `meta.k8s.io/${v}`, rows: t.rows.map((row) => (row.object && (row.object as any).kind === 'PartialObjectMetadata' ? { ...row, object: { ...(row.object as object), apiVersion: `meta.k8s.io/${v}` } } : row)) };
  }

  function list(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const sel = selection(r, q);
    const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    let items = [...store.objects.values()].filter(sel).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    // limit/continue as the API server pages (in key order). The lab serves later pages from the current
    // objects, not from a snapshot at the first page's resourceVersion; that resourceVersion is kept.
    const limit = parseLimit(q);
    const token = q.get('continue');
    let rv = store.resourceVersion;
    if (token) {
      const c = decodeContinue(token);
      if (c.rv < store.floor) throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      rv = c.rv;
      items = items.filter((o) => keyOf(o) > c.start);
    }
    let next: string | undefined;
    let remaining: number | undefined;
    if (limit !== undefined && items.length > limit) {
      remaining = items.length - limit;
      items = items.slice(0, limit);
      next = encodeContinue(rv, keyOf(items[items.length - 1]));
    }
    const meta = { resourceVersion: String(rv), ...(next ? { continue: next, remainingItemCount: remaining } : {}) };
    const table = wantsTable(req.headers.accept);
    if (table) {
      const t = tableOf(items, r.def, table, q, String(rv));
      return json(res, 200, { ...t, metadata: { ...(t as { metadata?: object }).metadata, ...meta } });
    }
    json(res, 200, { kind: r.def.listKind, apiVersion: apiVersionOf(r.def), metadata: meta, items: items.map(bare) });
  }

  function watch(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const sel = selection(r, q);
    const table = wantsTable(req.headers.accept);
    const rvParam = q.get('resourceVersion') ?? '';
    let from: number | null = null;
    if (rvParam !== '' && rvParam !== '0') {
      from = Number(rvParam);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`resourceVersion ${JSON.stringify(rvParam)} is not a resourceVersion this server gave out`);
    }
    const timeoutS = Math.min(Number(q.get('timeoutSeconds') ?? WATCH_MAX_S) || WATCH_MAX_S, WATCH_MAX_S);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders(); // a watch with nothing to say yet must still answer: clients wait for the headers
    const write = (type: string, o: KubeObject | object) => {
      const object = table && type !== 'ERROR' && type !== 'BOOKMARK' ? tableOf([o as KubeObject], r.def, table, q, (o as KubeObject).metadata.resourceVersion) : o;
      const line = JSON.stringify({ type, object }) + '\n';
      served.bytes += Buffer.byteLength(line);
      res.write(line);
    };
    const deliver = (ev: StoreEvent) => {
      const now = sel(ev.object);
      const was = ev.previous ? sel(ev.previous) : false;
      if (ev.type === 'ADDED' && now) write('ADDED', ev.object);
      else if (ev.type === 'MODIFIED') {
        if (now && was) write('MODIFIED', ev.object);
        else if (now) write('ADDED', ev.object);
        else if (was) write('DELETED', ev.object);
      } else if (ev.type === 'DELETED' && was) write('DELETED', ev.object);
    };
    const initialEvents = parseBool(q, 'sendInitialEvents') === true;
    if (from === null || initialEvents) {
      // No resourceVersion (or the WatchList protocol): the current state as ADDED events first.
      for (const o of store.objects.values()) if (sel(o)) write('ADDED', o);
      if (initialEvents && parseBool(q, 'allowWatchBookmarks') === true) {
        write('BOOKMARK', { kind: r.def.kind, apiVersion: apiVersionOf(r.def), metadata: { resourceVersion: String(store.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } } });
      }
    } else {
      const evs = store.since(from);
      if (evs === null) {
        write('ERROR', failure(410, 'Expired', `too old resource version: ${from} (${store.floor})`));
        res.end();
        return;
      }
      for (const ev of evs) deliver(ev);
    }
    const unsubscribe = store.subscribe(deliver);
    const bookmarks =
      parseBool(q, 'allowWatchBookmarks') === true && !table
        ? setInterval(() => write('BOOKMARK', { kind: r.def.kind, apiVersion: apiVersionOf(r.def), metadata: { resourceVersion: String(store.resourceVersion) } }), BOOKMARK_MS)
        : undefined;
    const timer = setTimeout(() => res.end(), timeoutS * 1000);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(bookmarks);
      clearTimeout(timer);
    };
    res.on('close', close);
    res.on('finish', close);
  }

  // ---- exec / attach -------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickProtocol(offered) });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const ms = latencyMs(store.state.cluster);
    if (ms > 0) setTimeout(() => upgrade(req, socket, head), ms);
    else upgrade(req, socket, head);
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const url = new URL(req.url ?? '/', 'https://lab');
      const route = parseRoute(url.pathname.split('/').filter(Boolean));
      if (!route || route.def.kind !== 'Pod' || (route.subresource !== 'exec' && route.subresource !== 'attach') || !route.name || !route.namespace) {
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      }
      const user = authenticate(req.headers.authorization, tokens);
      authorize(user, { verb: 'create', resource: 'pods', subresource: route.subresource, group: '', namespace: route.namespace, name: route.name }, scope());
      const exec = execRequest(route, url.searchParams);
      if (liveSessions.size >= MAX_EXEC_SESSIONS) throw new ApiError(429, 'TooManyRequests', `the lab API already runs ${liveSessions.size} exec sessions; try again when some have ended`);
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        throw badRequest('the packetwalk lab serves exec and attach over websockets only (v5.channel.k8s.io, v4.channel.k8s.io), not SPDY; use kubectl 1.30 or later or @kubernetes/client-node');
      }
      const offered = new Set(String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()));
      if (!pickProtocol(offered)) throw badRequest(`no supported stream protocol offered; this server speaks ${EXEC_PROTOCOLS.join(', ')}`);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const child = runExecSession(ws, exec);
        if (child) {
          sessionPods.set(child, `${route.namespace}/${route.name}`);
          child.on('close', () => sessionPods.delete(child));
        }
      });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
      const body = JSON.stringify(err.toStatus());
      const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' }[err.code as 400] ?? 'Error';
      socket.end(`HTTP/1.1 ${err.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
  }

  function execRequest(r: Route, q: URLSearchParams): ExecRequest {
    const pod = store.get('Pod', r.namespace, r.name!) as any;
    if (!pod) throw notFound('pods', r.name!);
    const containers: any[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
    const cname = q.get('container') || pod.spec?.containers?.[0]?.name;
    const container = containers.find((c) => c.name === cname);
    if (!container) throw badRequest(`container ${cname} is not valid for pod ${r.name}`);
    // A container the kubelet has not started (ContainerCreating, ErrImagePull) has no process to exec in.
    const st = containerState(pod, cname);
    if (st === 'waiting' || st === 'terminated') throw badRequest(`unable to upgrade connection: container not found ("${cname}")`);
    const flag = (k: string) => parseBool(q, k) === true;
    const argv = r.subresource === 'exec' ? q.getAll('command') : [...(container.command ?? []), ...(container.args ?? [])];
    if (r.subresource === 'exec' && argv.length === 0) throw badRequest('you must specify at least 1 command');
    // The container's user (securityContext.runAsUser/runAsGroup, else the pod's), as a runtime would start it:
    // a mesh sidecar's uid 1337 is what exempts traffic from its redirect (lab/dataplane/mesh.ts).
    const uid = container.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
    const gid = container.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup ?? uid;
    const cmd = argv.length ? argv : ['sh'];
    // allowPrivilegeEscalation: false is no_new_privs, as runc sets it: file capabilities (ping's cap_net_raw) do not apply.
    const nnp = container.securityContext?.allowPrivilegeEscalation === false ? ['--no-new-privs'] : [];
    const asUser = Number.isInteger(uid) && uid > 0 ? ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...nnp, '--', ...cmd] : cmd;
    return { netns: netnsOf(pod, r.namespace!, r.name!), argv: asUser, stdin: flag('stdin'), stdout: r.subresource === 'attach' ? flag('stdout') || true : flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
  }

  function netnsOf(pod: any, ns: string, name: string): string {
    const lp = store.state.pods.find((p) => p.namespace === ns && p.name === name);
    if (lp) return lp.netns;
    if (pod.spec?.hostNetwork && pod.spec?.nodeName) {
      const node = store.state.nodes.find((n) => n.name === pod.spec.nodeName);
      if (node) return node.netns;
    }
    throw new ApiError(400, 'BadRequest', `pod ${ns}/${name} has no network namespace in the lab (not a lab pod, nor a hostNetwork pod on a lab node)`);
  }

  server.on('close', () => killAllSessions());
  return server;
}
