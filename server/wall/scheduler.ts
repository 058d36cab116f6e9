// Re-probes pinned paths on an interval (default 30 s; PACKETWALK_WALL_INTERVAL / --wall-interval in
// seconds) and pushes the tiles to every /wall viewer. One cycle at a time: the next starts `interval` after
// the previous ended, so a slow cluster never piles runs up. Per pin the state is bounded (lib/wall.ts).
import { emptyPinState, foldProbe, pathNamespaces, probeFromDiagnosis, summarizeObject, type ObjectSummary, type PinSpec, type PinState } from '../../lib/wall';
import type { Diagnosis } from '../../lib/model';
import type { Store } from '../store';
import type { Catalog } from '../web/catalog';
import type { DiagnoseFn, Io } from '../web/runs';
import { errorSentence, newId } from '../web/runs';

export interface WallOptions {
  store: Store;
  catalog: Catalog;
  io?: Io;
  diagnose: () => Promise<DiagnoseFn>;
  kubeconfig?: string;
  context?: string;
  intervalMs: number;
  /** pins probed at once */
  concurrency?: number;
}

export interface CycleStats {
  at: string;
  pins: number;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export class WallScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private states = new Map<string, PinState>();
  lastCycle: CycleStats | null = null;

  constructor(private readonly o: WallOptions) {
    for (const { spec, state } of o.store.listPins()) this.states.set(spec.id, state ?? emptyPinState(spec));
  }

  start(): void {
    this.stopped = false;
    this.schedule(500);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.cycle(), ms);
    this.timer.unref();
  }

  tiles(): PinState[] {
    return [...this.states.values()].sort((a, b) => a.pin.createdAt.localeCompare(b.pin.createdAt) || a.pin.id.localeCompare(b.pin.id));
  }

  pin(p: Omit<PinSpec, 'id' | 'createdAt'>, from?: Diagnosis): PinState {
    const spec: PinSpec = { id: newId(), createdAt: new Date().toISOString(), from: p.from, to: p.to, ...(p.context ? { context: p.context } : {}), ...(p.diagnosisId ? { diagnosisId: p.diagnosisId } : {}) };
    this.o.store.addPin(spec);
    let state = emptyPinState(spec);
    if (from && from.verdict !== 'running') state = foldProbe(state, probeFromDiagnosis(from, []));
    this.states.set(spec.id, state);
    this.o.store.savePinState(spec.id, state);
    this.broadcast();
    this.schedule(200); // probe the new pin soon, with its objects
    return state;
  }

  unpin(id: string): boolean {
    const ok = this.o.store.removePin(id);
    this.states.delete(id);
    if (ok) this.broadcast();
    return ok;
  }

  broadcast(): void {
    this.o.io?.to('wall').emit('wall:update', { pins: this.tiles() });
  }

  /** One refresh of every pin. Public so tests and the bench can drive it. */
  async cycle(): Promise<CycleStats | null> {
    if (this.running) return null;
    this.running = true;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      const pins = [...this.states.values()].map((s) => s.pin);
      if (!pins.length) return null; // nothing pinned: do not even load the engine
      const diagnose = await this.o.diagnose();
      const queue = [...pins];
      const workers = Array.from({ length: Math.min(this.o.concurrency ?? 4, queue.length) }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) await this.probe(p, diagnose);
      });
      await Promise.all(workers);
      const c = process.cpuUsage(c0);
      this.lastCycle = { at: new Date().toISOString(), pins: pins.length, wallMs: performance.now() - t0, cpuUserMs: c.user / 1000, cpuSystemMs: c.system / 1000 };
      this.broadcast();
      return this.lastCycle;
    } catch (e) {
      process.stderr.write(`wall: cycle failed: ${errorSentence(e)}\n`);
      return null;
    } finally {
      this.running = false;
      this.schedule(this.o.intervalMs);
    }
  }

  private async probe(p: PinSpec, diagnose: DiagnoseFn): Promise<void> {
    let next: PinState;
    const prev = this.states.get(p.id);
    if (!prev) return;
    try {
      const d = await diagnose({ from: p.from, to: p.to, ...(p.context ? { context: p.context } : {}) }, { kubeconfig: this.o.kubeconfig, context: p.context ?? this.o.context, id: `wall-${p.id}` });
      const objects = await this.objectsFor(d, p.context);
      next = foldProbe(prev, probeFromDiagnosis(d, objects, new Date().toISOString()));
      // Wall runs are not stored (the store stays small): a tile links to evidence only while it is not green,
      // through a copy of the failing run saved when the verdict flipped.
      let evidenceId: string | undefined;
      if (d.verdict !== 'reachable') {
        if (prev.current?.verdict === d.verdict && prev.current.diagnosisId) evidenceId = prev.current.diagnosisId;
        else {
          evidenceId = newId();
          this.o.store.saveDiagnosis({ ...d, id: evidenceId }, 0);
        }
      }
      next = { ...next, current: next.current ? { ...next.current, diagnosisId: evidenceId } : null };
    } catch (e) {
      const at = new Date().toISOString();
      next = foldProbe(prev, { at, verdict: 'undetermined', hops: prev.current?.hops.map((h) => ({ ...h, status: 'skip' as const })) ?? [], firstFailure: null, objects: prev.current?.objects ?? [], error: errorSentence(e) });
    }
    if (!this.states.has(p.id)) return; // unpinned meanwhile
    this.states.set(p.id, next);
    this.o.store.savePinState(p.id, next);
  }

  private async objectsFor(d: Diagnosis, context?: string): Promise<ObjectSummary[]> {
    try {
      const cc = await this.o.catalog.ensure(context ?? this.o.context, 2000);
      const out: ObjectSummary[] = [];
      for (const ns of pathNamespaces(d)) {
        for (const o of this.o.catalog.list(cc, 'services', ns)) out.push(summarizeObject('Service', o));
        for (const o of this.o.catalog.list(cc, 'endpointslices', ns)) out.push(summarizeObject('EndpointSlice', o));
        for (const o of this.o.catalog.list(cc, 'networkpolicies', ns)) out.push(summarizeObject('NetworkPolicy', o));
      }
      const nodes = new Set(d.hops.map((h) => h.node).filter((n): n is string => !!n));
      for (const o of this.o.catalog.list(cc, 'nodes')) if (nodes.has(o.metadata?.name ?? '')) out.push(summarizeObject('Node', o));
      return out;
    } catch {
      return []; // objects are context for the diff; a failing list must not fail the tile
    }
  }
}

export function wallIntervalMs(flag: string | undefined, env: string | undefined): number {
  const raw = flag ?? env;
  if (raw === undefined || raw === '') return 30_000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0.5 || s > 86_400) throw new Error(`wall interval: "${raw}" is not a number of seconds between 0.5 and 86400; e.g. --wall-interval 30`);
  return Math.round(s * 1000);
}
