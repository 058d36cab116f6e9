// The matrix for `serve` (DESIGN §7): HTTP routes, socket.io rooms `m:<id>`, the SQLite copy, and the
// re-probing of matrices pinned to the wall (each re-run reuses the matrix's id, so the wall tile and an open
// page flip cell by cell). Routes:
//   POST   /api/matrix              {namespaces: string[], context?, allPods?} → 201 {id, url}
//                                   (bad input: 400 {error, field, errors} from server/web/validate.ts checkMatrixRequest)
//   GET    /api/matrix/<id>         → the Matrix (as far as it got)
//   GET    /api/matrix?pinned=1     → {matrices: Matrix[]} (the wall's tiles)
//                                   (a stored row that is not a Matrix: 503 {error, file, fix, code: EBADROW})
//   POST   /api/matrix/whatif       {namespaces, context?, allPods?, policy: "YAML text"} → the predicted Matrix
//                                   with predictedAfter/change (never probes, never stored)
//   POST   /api/matrix/<id>/pin  ·  DELETE /api/matrix/<id>/pin
import { readJsonBody } from '../web/body';
import { dispatch, fail, origin, send, type Matched, type Route } from '../web/router';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as IoServer, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../lib/events';
import { applyMatrixEvent, type MatrixEvent } from '../../lib/matrix/events';
import type { Matrix } from '../../lib/matrix/types';
import { UsageError } from '../cluster/errors';
import type { Store } from '../store';
import { MatrixStore } from './store';
import { joinArgs, MatrixIdSchema } from '../web/socketArgs';
import { checkMatrixRequest } from '../web/validate';

type Io = IoServer<ClientToServerEvents, ServerToClientEvents>;
const MAX_BODY = 256 * 1024;

export interface MatrixWebOptions {
  store: Store;
  io?: Io;
  kubeconfig?: string;
  context?: string;
  /** re-probe pinned matrices this often (default 30 s; 0 = never) */
  intervalMs?: number;
  log?: (line: string) => void;
}

interface StartSpec {
  namespaces: string[];
  context?: string;
  allPods?: boolean;
}

export class MatrixWeb {
  readonly db: MatrixStore;
  private live = new Map<string, { matrix: Matrix; spec: StartSpec; abort: AbortController }>();
  private timer: NodeJS.Timeout | null = null;
  /** the last unreadable-row sentence the re-probe timer logged (said once, not every cycle) */
  private lastRerunError = '';

  constructor(private readonly o: MatrixWebOptions) {
    this.db = new MatrixStore(o.store.db);
    // a matrix row that is not a Matrix stays as it is and start-up goes on; reading it answers 503 with why
    for (const e of this.db.markInterrupted()) o.log?.(`serve: ${e.message}`);
    // at least 5 s apart: a matrix is many connects, and the wall may ask for a faster cycle than that
    const every = o.intervalMs === 0 ? 0 : Math.max(5_000, o.intervalMs ?? 30_000);
    if (every > 0) {
      this.timer = setInterval(() => this.rerunPinned(), every);
      this.timer.unref();
    }
  }

  snapshot(id: string): Matrix | null {
    return this.live.get(id)?.matrix ?? this.db.get(id);
  }

  /** Starts a run and resolves once the grid is planned (or rejects with UsageError/ClusterError before that). */
  async start(spec: StartSpec, id?: string): Promise<Matrix> {
    const { runMatrix, checkMatrixInput } = await import('./index');
    const namespaces = checkMatrixInput(spec.namespaces, spec.context);
    // A new matrix gets its id from runMatrix once every check passed (the namespaces exist, the cluster answers):
    // the plan event carries it. A refused request never has one, so nothing is stored, sent or logged under an id.
    let planId: string | undefined = id;
    const abort = new AbortController();
    let planned: (m: Matrix) => void = () => {};
    const plan = new Promise<Matrix>((r) => (planned = r));
    const previous = id ? this.db.get(id) : null;
    const onEvent = (ev: MatrixEvent) => {
      const mid = ev.payload.id;
      if (ev.type === 'matrix:plan' && previous) {
        // a re-run keeps showing the last observations until each new one arrives, so only changes flip
        const before = new Map(previous.cells.map((c) => [`${c.from}→${c.to}`, c]));
        ev = { type: 'matrix:plan', payload: { ...ev.payload, matrix: { ...ev.payload.matrix, cells: ev.payload.matrix.cells.map((c) => before.get(`${c.from}→${c.to}`) ?? c) } } };
      }
      const cur = this.live.get(mid);
      const next = applyMatrixEvent(cur?.matrix ?? null, ev);
      if (next) {
        this.live.set(mid, { matrix: next, spec, abort });
        if (ev.type !== 'matrix:cell') this.db.save(next);
      }
      this.o.io?.to(`m:${mid}`).emit(ev.type, ev.payload as never);
      if (ev.type === 'matrix:plan') {
        planId = mid;
        planned(ev.payload.matrix);
      }
    };
    const run = runMatrix({ namespaces, ...(spec.context ?? this.o.context ? { context: spec.context ?? this.o.context } : {}), ...(this.o.kubeconfig ? { kubeconfig: this.o.kubeconfig } : {}), allPods: !!spec.allPods, ...(id ? { id } : {}), onEvent, signal: abort.signal });
    const done = run.then(
      (m) => {
        this.db.save(m);
        if (m.id) this.live.delete(m.id);
        return m;
      },
      (e: unknown) => {
        const mid = planId;
        if (!mid) throw e; // refused before it had an id: the caller's answer says why
        const cur = this.live.get(mid);
        this.live.delete(mid);
        if (cur) {
          const m = { ...cur.matrix, status: 'done' as const, notes: [...cur.matrix.notes, `stopped: ${(e as Error).message}`] };
          this.db.save(m);
          this.o.io?.to(`m:${mid}`).emit('matrix:done', { id: mid, matrix: m, exitCode: 2, error: (e as Error).message });
        }
        throw e;
      },
    );
    // an input or cluster error before the plan reaches the caller; later ones end the run (logged)
    // (the catch is attached at once and not returned, so the answer does not wait for the whole run)
    // (a new request refused before its plan has no id and is not logged: the 400/502 answer is the whole story)
    done.catch((e: unknown) => planId && this.o.log?.(`matrix ${planId}: ${(e as Error).message}`));
    return Promise.race([plan, done]);
  }

  private rerunPinned(): void {
    let pinned: Matrix[];
    try {
      pinned = this.db.pinned();
    } catch (e) {
      // runs in a timer: a bad row (or a storage failure) must not take the server down; say it once
      const line = `matrix wall: ${(e as Error).message}`;
      if (line !== this.lastRerunError) this.o.log?.(line);
      this.lastRerunError = line;
      return;
    }
    this.lastRerunError = '';
    for (const m of pinned) {
      if (!m.id || this.live.has(m.id)) continue;
      this.start({ namespaces: m.namespaces, ...(m.context ? { context: m.context } : {}), allPods: m.allPods }, m.id).catch(() => undefined);
    }
  }

  attach(socket: Socket<ClientToServerEvents, ServerToClientEvents>): void {
    socket.on('matrix:join', (rawId, rawAck) => {
      const { id, ack } = joinArgs<Matrix | null>(MatrixIdSchema, rawId, rawAck); // server/web/socketArgs.ts
      if (!id) return ack(null);
      void socket.join(`m:${id}`);
      let snap: Matrix | null;
      try {
        snap = this.snapshot(id);
      } catch (e) {
        // an unreadable row (StoreError): the page asks GET /api/matrix/<id> on a null ack and shows its sentence
        this.o.log?.(`matrix ${id}: ${(e as Error).message}`);
        snap = null;
      }
      ack(snap);
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const l of this.live.values()) l.abort.abort();
  }

  /** Handles /api/matrix…; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path !== '/api/matrix' && !path.startsWith('/api/matrix/')) return false;
    await dispatch(this.routes, req, res, path, { req, res, url });
    return true;
  }

  /** The routes of the header above: what dispatch and a 405's Allow header both read (server/web/router.ts). */
  private readonly routes: readonly Route<Call>[] = [
    {
      method: 'GET',
      path: /^\/api\/matrix$/,
      run: ({ res, url }) => {
        if (url.searchParams.get('pinned') !== null) return send(res, 200, { matrices: this.db.pinned().map((m) => this.snapshot(m.id!) ?? m) });
        fail(res, 400, 'GET /api/matrix/<id>, or /api/matrix?pinned=1 for the wall', { field: 'id' });
      },
    },
    {
      method: 'POST',
      path: /^\/api\/matrix$/,
      run: async ({ req, res }) => {
        const m = await this.start(matrixRequest(await readJson(req)));
        send(res, 201, { id: m.id, url: `${origin(req)}/matrix?id=${m.id}` }, { location: `/matrix?id=${m.id}` });
      },
    },
    { method: 'POST', path: /^\/api\/matrix\/whatif$/, run: ({ req, res }) => this.whatIf(req, res) },
    {
      method: 'GET',
      path: /^\/api\/matrix\/(?!whatif$)([^/]+)$/, // not the what-if route's path (405 there, not "not a matrix id")
      run: ({ res, match }) =>
        this.withId(res, match[1], (id) => {
          const m = this.snapshot(id);
          return m ? send(res, 200, m) : fail(res, 404, `matrix ${id} not found; it may have been made on another server`);
        }),
    },
    ...(['POST', 'DELETE'] as const).map((method) => ({
      method,
      path: /^\/api\/matrix\/([^/]+)\/pin$/,
      run: ({ res, match }: Call) => this.withId(res, match[1], (id) => (this.db.setPinned(id, method === 'POST') ? send(res, 200, { ok: true, pinned: method === 'POST' }) : fail(res, 404, `matrix ${id} not found`))),
    })),
  ];

  /** `answer(id)` when `raw` (a path segment) is a matrix id; else 400 naming the field. */
  private withId(res: ServerResponse, raw: string, answer: (id: string) => void): void {
    const id = decodeURIComponent(raw);
    if (!MatrixIdSchema.safeParse(id).success) return fail(res, 400, 'id: not a matrix id (m- and hex digits)', { field: 'id' });
    answer(id);
  }

  /** POST /api/matrix/whatif: the matrix predicted with the posted policies added (never probed, never stored) */
  private async whatIf(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const b = await readJson(req);
    const { namespaces, context, allPods } = matrixRequest(b);
    if (typeof b.policy !== 'string' || !b.policy.trim()) throw new UsageError('policy: send the NetworkPolicy YAML as a string ("policy": "apiVersion: networking.k8s.io/v1 …")', 'policy');
    const { runMatrix } = await import('./index');
    const withPolicy = (await import('./policyFile')).parsePolicyText(b.policy, namespaces[0], 'policy');
    const ctx = context ?? this.o.context;
    const m = await runMatrix({ namespaces, withPolicy: withPolicy.policies, withPolicyNotes: withPolicy.notes, allPods, ...(ctx ? { context: ctx } : {}), ...(this.o.kubeconfig ? { kubeconfig: this.o.kubeconfig } : {}) });
    send(res, 200, m);
  }
}

/** What a matrix route's handler gets (server/web/router.ts adds the pattern's `match`). */
interface Call extends Matched {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

/** The start spec of a matrix request body (server/web/validate.ts checkMatrixRequest), or UsageError naming the field. */
export function matrixRequest(body: unknown): StartSpec & { allPods: boolean } {
  const r = checkMatrixRequest(body);
  if (!r.ok) throw new UsageError(r.e.error, r.e.field);
  return { namespaces: r.namespaces, ...(r.context ? { context: r.context } : {}), allPods: r.allPods };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const v = await readJsonBody(req, MAX_BODY, '{"namespaces": ["NS"]}');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('body: send a JSON object {"namespaces": ["NS"]}', 'body');
  return v as Record<string, unknown>;
}
