// The one HTTP server of `packetwalk serve`: the JSON API (server/web/api.ts), socket.io for live
// diagnoses and the wallboard, and the Next.js pages. Token auth guards all three when PACKETWALK_TOKEN is set.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { Server as IoServer } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../lib/events';
import { Store } from './store';
import { Catalog } from './web/catalog';
import { ID_RE, RunManager, engineDiagnose, room, type DiagnoseFn } from './web/runs';
import { DiagnosisIdSchema, joinArgs } from './web/socketArgs';
import type { Diagnosis } from '../lib/model';
import { handleApi } from './web/api';
import { fail, pinStatus } from './web/router';
import { COOKIE, presentedToken, tokenOk } from './web/auth';
import { Gate, SECURITY_HEADERS, resolvesToLoopback } from './web/gate';
import { termBlock } from '../lib/text';
import { WallScheduler } from './wall/scheduler';
import { Reconciler } from './exec/reconcile';
import { lockDataDir } from './store/lock';
import { MatrixWeb } from './matrix/web';

export interface ServerOptions {
  host?: string;
  port?: number;
  kubeconfig?: string;
  context?: string;
  dataDir?: string;
  token?: string;
  /** `--allowed-host` names (NAME or NAME:PORT) the Host header may carry besides the bound address */
  allowedHosts?: string[];
  wallIntervalMs?: number;
  /** period of the orphaned node debug pod sweep (ms; default 5 minutes); a pass also runs at start-up */
  reconcileIntervalMs?: number;
  /** Next.js dev mode (compiles pages on demand); default: dev when there is no production build */
  dev?: boolean;
  /** serve the Next.js pages (default true; API-only servers are for tests) */
  pages?: boolean;
  /** the engine; a seam for tests */
  diagnose?: () => Promise<DiagnoseFn>;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  wall: WallScheduler;
  /** the orphan sweep; `reconciler.startup` settles when the start-up pass is done */
  reconciler: Reconciler;
  close(): Promise<void>;
}

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function startServer(o: ServerOptions = {}): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 3000;
  const token = o.token || undefined;
  const log = o.log ?? ((l: string) => process.stderr.write(`${termBlock(l, 4000)}\n`));
  const loopback = await resolvesToLoopback(host);
  if (!loopback && !token) {
    throw new Error(`--host ${host}: binding beyond loopback needs PACKETWALK_TOKEN (set it to a long random string; the page asks for ?token=…)`);
  }
  const dataDir = o.dataDir ?? process.env.PACKETWALK_DATA ?? join(process.cwd(), 'data');
  // before anything takes the directory's runs and pods for a stopped server's (server/store/lock.ts)
  const unlock = lockDataDir(dataDir);
  let store: Store;
  try {
    store = new Store(dataDir);
  } catch (e) {
    unlock();
    throw e;
  }
  const interrupted = store.markInterrupted();
  if (interrupted) log(`serve: ${interrupted} diagnosis(es) left running by the previous server marked interrupted`);
  // node debug pods carry this store's instance id: the previous server's leftovers go now, whatever their age
  const reconciler = new Reconciler({ kubeconfig: o.kubeconfig, context: o.context, instanceId: store.instanceId(), intervalMs: o.reconcileIntervalMs, log });
  reconciler.start();

  const pages = o.pages ?? true;
  const dev = o.dev ?? !existsSync(join(ROOT, '.next', 'BUILD_ID'));
  if (pages && dev) log('serve: no production build (.next); running Next.js in dev mode — run `npx next build` for speed');
  // Next.js's usage telemetry stays off unless the operator asks for it (NEXT_TELEMETRY_DISABLED=0): packetwalk runs
  // beside clusters, and its pages are not ours to report on.
  process.env.NEXT_TELEMETRY_DISABLED ??= '1';
  const app = pages ? next({ dev, dir: ROOT, hostname: host, port, quiet: true }) : null;
  await app?.prepare();
  const handle = app?.getRequestHandler();

  const diagnose = o.diagnose ?? engineDiagnose;
  const catalog = new Catalog({ kubeconfig: o.kubeconfig, context: o.context });
  const gate = new Gate({ host, loopback, allowedHosts: o.allowedHosts, staticDir: join(ROOT, '.next', 'static') });
  const http = createServer();
  const io = new IoServer<ClientToServerEvents, ServerToClientEvents>(http, {
    serveClient: false,
    maxHttpBufferSize: 1e5,
    allowRequest: (req, cb) => {
      const bad = gate.checkSocket(req);
      cb(bad ? bad.error : null, !bad);
    },
  });
  const runs = new RunManager({ store, io, diagnose, kubeconfig: o.kubeconfig, context: o.context });
  const wall = new WallScheduler({ store, catalog, io, diagnose, kubeconfig: o.kubeconfig, context: o.context, intervalMs: o.wallIntervalMs ?? 30_000 });
  const matrices = new MatrixWeb({ store, io, kubeconfig: o.kubeconfig, context: o.context, intervalMs: o.wallIntervalMs ?? 30_000, log });

  io.use((socket, nextMw) => {
    const presented = (socket.handshake.auth as { token?: string } | undefined)?.token ?? presentedToken(socket.request).token;
    if (tokenOk(token, presented)) nextMw();
    else nextMw(new Error('unauthorized: open the page with ?token=… (PACKETWALK_TOKEN)'));
  });
  io.on('connection', (socket) => {
    socket.on('diagnosis:join', (rawId, rawAck) => {
      const { id, ack } = joinArgs<Diagnosis | null>(DiagnosisIdSchema, rawId, rawAck); // server/web/socketArgs.ts
      if (!id) return ack(null);
      void socket.join(room(id));
      // the snapshot goes out after the join, so every later event reaches this socket after it
      let snap: ReturnType<typeof runs.snapshot>;
      try {
        snap = runs.snapshot(id);
      } catch (e) {
        // a stored row that cannot be read (StoreError: its sentence names the row and the fix); the page's GET says it too
        log(`diagnosis:join ${id}: ${(e as Error).message}`);
        return ack(null);
      }
      ack(snap ? ({ ...snap.diagnosis, seq: snap.seq } as typeof snap.diagnosis) : null);
    });
    matrices.attach(socket);
    socket.on('wall:join', () => {
      void socket.join('wall');
      try {
        socket.emit('wall:update', { pins: wall.tiles() });
      } catch (e) {
        log(`wall:join: ${(e as Error).message}`); // a pin row that cannot be read; GET /api/pins answers its sentence
      }
    });
  });

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        if ((req.url ?? '/').startsWith('/socket.io/')) return; // engine.io answers these itself (allowRequest gates them)
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
        const g = gate.check(req);
        if (!g.ok) {
          // a bad path is a 400 like any other: {error, field, errors} from the one error answer (server/web/router.ts)
          return fail(res, g.status, g.error, g.field ? { field: g.field } : {});
        }
        req.url = g.url; // every layer below routes on the path the gate decided on
        const url = g.url;
        if (token && !g.isStatic) {
          const p = presentedToken(req);
          if (!tokenOk(token, p.token)) {
            const api = g.path.startsWith('/api/');
            res.writeHead(401, { 'content-type': api ? 'application/json' : 'text/plain; charset=utf-8' });
            res.end(api ? JSON.stringify({ error: 'unauthorized: send Authorization: Bearer $PACKETWALK_TOKEN' }) : 'packetwalk: this server needs its token. Open the link with ?token=<PACKETWALK_TOKEN>.\n');
            return;
          }
          if (p.fromQuery) {
            // keep the token in an HttpOnly cookie and drop it from the address bar
            const clean = new URL(url, 'http://x');
            clean.searchParams.delete('token');
            res.writeHead(303, { 'set-cookie': `${COOKIE}=${encodeURIComponent(p.token!)}; HttpOnly; SameSite=Strict; Path=/`, location: clean.pathname + clean.search });
            res.end();
            return;
          }
        }
        if (await matrices.handle(req, res)) return;
        if (await handleApi(req, res, { store, runs, catalog, wall })) return;
        if (handle) {
          // A permalink to no diagnosis (unknown here, or not an id) still gets the page, which says so — with a 404,
          // so that a link checker or a script sees what a person sees. Next sets the status of the pages it renders
          // (200), so the answer's status is pinned here.
          const permalink = req.method === 'GET' ? /^\/d\/([^/?#]+)$/.exec(g.path) : null;
          if (permalink && !knownDiagnosis(runs, permalink[1]!)) pinStatus(res, 404);
          return await handle(req, res);
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('pages are not served by this server\n');
      } catch (e) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error: ${(e as Error).message}`);
      }
    })();
  });

  try {
    await new Promise<void>((ok, bad) => {
      http.once('error', bad);
      http.listen(port, host, () => ok());
    });
  } catch (e) {
    reconciler.stop();
    await catalog.close();
    await app?.close?.();
    store.close();
    unlock();
    const sentence = listenErrorSentence((e as NodeJS.ErrnoException).code, host, port);
    if (sentence) throw new Error(sentence, { cause: e });
    throw e;
  }
  const addr = http.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  gate.listening(actualPort);
  wall.start();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;

  let closed = false;
  return {
    url,
    port: actualPort,
    store,
    wall,
    reconciler,
    async close() {
      if (closed) return;
      closed = true;
      reconciler.stop();
      wall.stop();
      matrices.stop();
      runs.abortAll();
      io.close();
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections?.();
      await catalog.close();
      await app?.close?.();
      store.close();
      unlock();
    },
  };
}

/** The sentence for a listen() error code a user can fix by a flag (the port in use, a host not of this machine); undefined for others. */
export function listenErrorSentence(code: string | undefined, host: string, port: number): string | undefined {
  if (code === 'EADDRINUSE') return `--port ${port}: something already listens on ${host}:${port}; pick another port with --port`;
  if (code === 'EADDRNOTAVAIL') return `--host ${host}: not an address of this machine; use 127.0.0.1 or one of this machine's addresses`;
  return undefined;
}

/** Whether a permalink's id (as it appears in the path) names a diagnosis this server has, running or stored. */
function knownDiagnosis(runs: RunManager, raw: string): boolean {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return false;
  }
  return ID_RE.test(id) && runs.snapshot(id) !== null;
}
