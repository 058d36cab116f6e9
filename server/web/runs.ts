// Runs diagnoses for the server: starts the engine, folds its events (lib/events applyEvent), stores every
// step (so a permalink, a reconnecting viewer or a restarted server sees what the run had), and broadcasts
// to the diagnosis's socket.io room `d:<id>`. The server re-numbers hop:update `seq` itself so the stored
// copy and the stream agree on where a viewer stands.
import { randomBytes } from 'node:crypto';
import type { Server as IoServer } from 'socket.io';
import { applyEvent, type ClientToServerEvents, type DiagnosisEvent, type ServerToClientEvents } from '../../lib/events';
import type { Diagnosis, DiagnosisSpec } from '../../lib/model';
import type { Store } from '../store';
import { UsageError, ClusterError } from '../cluster/errors';
import { DiagnosisDeadline } from '../cluster/deadline';
import { stoppedHops } from '../../lib/verdict/stopped';
import { StoreError } from '../store/errors';
// a type-only import: erased at run time, so the engine still loads lazily (engineDiagnose below)
import type { DiagnoseOptions } from '../diagnose/index';

export type DiagnoseFn = (spec: DiagnosisSpec, opts: DiagnoseOptions) => Promise<Diagnosis>;

/** The engine (issue 5), loaded when first needed so the server starts even while it is being built. */
export async function engineDiagnose(): Promise<DiagnoseFn> {
  const mod = await import('../diagnose/index');
  const fn: DiagnoseFn = mod.diagnose; // the engine's signature must stay assignable to ours
  return fn;
}

/** What the server takes as a diagnosis id: newId's 12 characters, with room for ids of other lengths (6 to 40). */
export const ID_RE = /^[A-Za-z0-9_-]{6,40}$/;
/** ID_RE in words, for the answer to a string it refuses. */
export const ID_RULE = 'a diagnosis id is 6 to 40 characters of letters, digits, - and _ (this server makes 12, e.g. "Xq3_k9-aZ0bT")';

export function newId(): string {
  return randomBytes(9).toString('base64url'); // 12 url-safe characters
}

/** The sentence for `field` holding `value`, which is not a diagnosis id (ID_RE): what it holds, then the rule. */
export function notAnId(field: string, value: string): string {
  return `${field}: ${JSON.stringify(value.slice(0, 60))}${value.length > 60 ? '…' : ''} is not a diagnosis id; ${ID_RULE}`;
}

interface Live {
  diagnosis: Diagnosis;
  seq: number;
  abort: AbortController;
  /** set when the store refused a write: the run is stopped and ended in memory (issue 10) */
  storeError?: StoreError;
  /** a hop's save waiting out SAVE_INTERVAL_MS (saveSoon), and when the store last took this run */
  saveTimer?: ReturnType<typeof setTimeout>;
  savedAt?: number;
  /** set once the run's end is stored (finish): nothing the engine says later changes it */
  ended?: boolean;
}

/**
 * At most one store write per this many ms while a run goes on (its plan and its end are written at once):
 * viewers read a live run from memory, the store serves permalinks once it ends and a restarted server, which
 * marks it interrupted with what it had. Each write serializes the whole Diagnosis with its evidence (~1 ms
 * and up per write on the lab, ~20 writes per healthy walk before).
 */
export const SAVE_INTERVAL_MS = 250;

export type Io = IoServer<ClientToServerEvents, ServerToClientEvents>;

export interface RunManagerOptions {
  store: Store;
  io?: Io;
  diagnose: () => Promise<DiagnoseFn>;
  kubeconfig?: string;
  context?: string;
  /** how long POST waits for the plan (or an input error) before answering 201 anyway */
  planWaitMs?: number;
}

export class RunManager {
  private live = new Map<string, Live>();
  /** runs a storage failure ended whose final state the store could not take (bounded) */
  private unsaved = new Map<string, { diagnosis: Diagnosis; seq: number }>();

  /** who follows a run besides the socket.io room (GET /api/diagnoses/<id>/events) */
  private followers = new Map<string, Set<(ev: DiagnosisEvent) => void>>();

  constructor(private readonly o: RunManagerOptions) {}

  /** One event of a run to its room and its followers; a follower that throws is dropped, the run goes on. */
  private broadcast(ev: DiagnosisEvent): void {
    const id = ev.payload.id;
    // socket.io encodes an event before it looks for the room's sockets: nobody watching, nothing to encode
    const to = this.o.io?.sockets.adapter.rooms.get(room(id))?.size ? this.o.io.to(room(id)) : undefined;
    if (ev.type === 'diagnosis:plan') to?.emit('diagnosis:plan', ev.payload);
    else if (ev.type === 'hop:update') to?.emit('hop:update', ev.payload);
    else to?.emit('diagnosis:done', ev.payload);
    const set = this.followers.get(id);
    for (const f of set ?? []) {
      try {
        f(ev);
      } catch {
        set!.delete(f);
      }
    }
    // a done while the run is no longer live is its last event (finish, or a store failure): nothing follows it
    if (ev.type === 'diagnosis:done' && !this.live.has(id)) this.followers.delete(id);
  }

  /**
   * Follows a live run: `fn` gets every event from now on (a diagnosis:done last); returns the unfollow. Null when
   * the run is not live (finished, or not this server's): its snapshot is all there is.
   */
  follow(id: string, fn: (ev: DiagnosisEvent) => void): (() => void) | null {
    if (!this.live.has(id)) return null;
    return this.addFollower(id, fn);
  }

  private addFollower(id: string, fn: (ev: DiagnosisEvent) => void): () => void {
    let set = this.followers.get(id);
    if (!set) this.followers.set(id, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size && this.followers.get(id) === set) this.followers.delete(id);
    };
  }

  /** The diagnosis as far as it got, with the seq of the last hop:update folded in. */
  snapshot(id: string): { diagnosis: Diagnosis; seq: number } | null {
    const l = this.live.get(id);
    if (l) return { diagnosis: l.diagnosis, seq: l.seq };
    const u = this.unsaved.get(id);
    if (u) return u;
    return this.o.store.getDiagnosis(id);
  }

  /** Saves the run as it stands now, or once SAVE_INTERVAL_MS has passed since its last save (the latest state then). */
  private saveSoon(live: Live): void {
    if (live.storeError || live.saveTimer) return;
    const wait = (live.savedAt ?? -Infinity) + SAVE_INTERVAL_MS - Date.now();
    if (wait <= 0) return this.save(live, live.diagnosis, live.seq);
    live.saveTimer = setTimeout(() => {
      live.saveTimer = undefined;
      if (this.live.get(live.diagnosis.id) === live) this.save(live, live.diagnosis, live.seq);
    }, wait);
    live.saveTimer.unref();
  }

  /**
   * Saves; on a storage failure (disk full, read-only, corrupt) stops the run instead: the engine is aborted
   * (its footholds are removed by its own cleanup), the run ends `undetermined` with the store's sentence,
   * viewers get diagnosis:done, and it is kept in memory — never left `running`.
   */
  private save(live: Live, d: Diagnosis, seq: number): void {
    if (live.storeError) return;
    clearTimeout(live.saveTimer);
    live.saveTimer = undefined;
    live.savedAt = Date.now();
    try {
      this.o.store.saveDiagnosis(d, seq);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      live.storeError = e;
      live.abort.abort();
      const now = new Date().toISOString();
      // a run the engine had finished keeps its verdict; one still going ends undetermined
      const ended: Diagnosis = d.verdict !== 'running' ? { ...d, summary: `${d.summary ? `${d.summary} ` : ''}(Not saved: ${e.message})` } : {
        ...live.diagnosis,
        verdict: 'undetermined',
        finishedAt: now,
        summary: `The run stopped: ${e.message}`,
        hops: live.diagnosis.hops.map((h) => (h.status === 'running' || h.status === 'pending' ? { ...h, status: 'skip' as const, summary: 'not probed: the store could not be written' } : h)),
      };
      live.diagnosis = ended;
      this.live.delete(ended.id);
      this.unsaved.set(ended.id, { diagnosis: ended, seq: live.seq });
      if (this.unsaved.size > 200) this.unsaved.delete(this.unsaved.keys().next().value!);
      this.broadcast({ type: 'diagnosis:done', payload: { id: ended.id, verdict: ended.verdict, depth: ended.depth, firstFailure: ended.firstFailure, warnings: ended.warnings, summary: ended.summary, finishedAt: ended.finishedAt ?? now } });
    }
  }

  isLive(id: string): boolean {
    return this.live.has(id);
  }

  /**
   * Starts a run. Resolves once the engine has planned the path (or planWaitMs passed): input and cluster
   * errors found before the plan reject with UsageError/ClusterError, so the page can show them inline.
   * `follow.fn` follows the run from its first event (its diagnosis:plan, which has come by the time this
   * resolves); `follow.stop` is set to its unfollow. A run refused before its plan drops it.
   */
  async start(spec: DiagnosisSpec, previousId?: string, follow?: { fn: (ev: DiagnosisEvent) => void; stop?: () => void }): Promise<Diagnosis> {
    const diagnose = await this.o.diagnose();
    const id = newId();
    if (follow) follow.stop = this.addFollower(id, follow.fn);
    const abort = new AbortController();
    const placeholder: Diagnosis = {
      id,
      createdAt: new Date().toISOString(),
      cluster: spec.context ?? this.o.context ?? '',
      spec,
      verdict: 'running',
      depth: 'live',
      hops: [],
      firstFailure: null,
      warnings: [],
      ...(previousId ? { previousId } : {}),
    };
    const live: Live = { diagnosis: placeholder, seq: 0, abort };
    let planned = false;
    let settlePlan: () => void = () => undefined;
    const planSeen = new Promise<void>((r) => (settlePlan = r));

    const onEvent = (ev: DiagnosisEvent) => {
      if (ev.payload.id !== id || live.storeError || live.ended) return;
      if (ev.type === 'diagnosis:plan') {
        const d = { ...ev.payload.diagnosis, id, ...(previousId ? { previousId } : {}), spec: { ...ev.payload.diagnosis.spec, ...spec } };
        live.diagnosis = d;
        // seq only grows across a re-plan (issue 9): a viewer holding seq N never drops the new path's hops as old.
        if (!planned) {
          planned = true;
          this.live.set(id, live);
        }
        this.save(live, d, live.seq);
        if (live.storeError) return settlePlan();
        this.broadcast({ type: 'diagnosis:plan', payload: { id, diagnosis: d } });
        settlePlan();
      } else if (ev.type === 'hop:update') {
        live.seq += 1;
        const payload = { ...ev.payload, seq: live.seq };
        live.diagnosis = applyEvent(live.diagnosis, { type: 'hop:update', payload }) ?? live.diagnosis;
        if (planned) this.saveSoon(live);
        if (live.storeError) return;
        this.broadcast({ type: 'hop:update', payload });
      } else {
        // the engine's done comes just before it returns the Diagnosis; finish() then sends the one done every
        // viewer gets, after the hops the final judgement changed (so it is folded here, not broadcast twice)
        live.diagnosis = applyEvent(live.diagnosis, ev) ?? live.diagnosis;
        this.saveSoon(live);
      }
    };

    // A run that ended without its Diagnosis (the deadline, an engine error): what it had, no hop left under way.
    const stopped = (err: unknown, summary: string): Diagnosis => ({
      ...live.diagnosis,
      hops: stoppedHops(live.diagnosis.hops, err instanceof DiagnosisDeadline ? 'the run stopped at the deadline' : 'the run stopped before this hop was judged'),
      verdict: 'undetermined',
      finishedAt: new Date().toISOString(),
      summary,
    });
    const run = diagnose(spec, { kubeconfig: this.o.kubeconfig, context: spec.context ?? this.o.context, id, onEvent, signal: abort.signal });
    const finished = run.then(
      (final) => {
        if (live.storeError || live.ended) return live.diagnosis;
        const d: Diagnosis = { ...final, id, ...(previousId ? { previousId } : {}) };
        this.finish(live, d);
        return d;
      },
      (err: unknown) => {
        if (live.storeError || live.ended) return live.diagnosis;
        if (!planned) {
          follow?.stop?.(); // refused before its plan: no run to follow
          throw err;
        }
        const d = stopped(err, `The run stopped: ${(err as Error).message}`);
        this.finish(live, d);
        return d;
      },
    );
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.o.planWaitMs ?? 8000).unref());
    const first = await Promise.race([planSeen.then(() => 'plan' as const), finished.then(() => 'done' as const), timer]);
    if (live.storeError) throw live.storeError; // POST answers 507/503 with the store's sentence
    if (first === 'timeout' && !planned) {
      // no plan yet: keep a placeholder so the permalink works, and let the run go on
      planned = true;
      this.live.set(id, live);
      this.save(live, placeholder, 0);
      if (live.storeError) throw live.storeError;
      finished.catch((err: unknown) => {
        if (!live.ended) this.finish(live, stopped(err, errorSentence(err)));
      });
    }
    return live.diagnosis;
  }

  /**
   * The engine's returned Diagnosis is the truth: hops it changed without a hop:update are sent again, then the
   * run's one diagnosis:done, so every viewer ends exactly where the store does.
   */
  private finish(live: Live, d: Diagnosis): void {
    const before = new Map(live.diagnosis.hops.map((h) => [h.id, JSON.stringify(h)]));
    for (const hop of d.hops) {
      if (before.get(hop.id) === JSON.stringify(hop)) continue;
      live.seq += 1;
      this.broadcast({ type: 'hop:update', payload: { id: d.id, seq: live.seq, hop } });
    }
    live.diagnosis = d;
    live.ended = true;
    this.save(live, d, live.seq);
    if (live.storeError) return;
    this.live.delete(d.id);
    this.broadcast({
      type: 'diagnosis:done',
      payload: { id: d.id, verdict: d.verdict, depth: d.depth, firstFailure: d.firstFailure, warnings: d.warnings, summary: d.summary, finishedAt: d.finishedAt, ...(d.trace ? { trace: d.trace } : {}) },
    });
  }

  /** Stops every run (server shutdown); the store keeps them as `running`, start-up marks them interrupted. */
  abortAll(): void {
    for (const l of this.live.values()) {
      if (l.saveTimer) this.save(l, l.diagnosis, l.seq); // what the run had, for the restart to mark interrupted
      l.abort.abort();
    }
  }
}

export function room(id: string): string {
  return `d:${id}`;
}

export function errorSentence(err: unknown): string {
  if (err instanceof ClusterError) return err.fix ? `${err.message}. ${err.fix}` : err.message;
  if (err instanceof UsageError) return err.message;
  return (err as Error)?.message ?? String(err);
}
