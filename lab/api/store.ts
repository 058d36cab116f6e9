// The daemon's view of state.json: the served objects, their resourceVersions, and a bounded history
// of WatchEvents so a watch that starts at a list's resourceVersion misses nothing that changed since.
import { createHash } from 'node:crypto';
import { objectKey, readState } from '../state';
import type { KubeObject, LabState } from '../types';
import { bulkObjects } from './bulk';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  object: KubeObject;
  /** the object before this change (MODIFIED/DELETED), so selector watches can tell "left the selection" */
  previous?: KubeObject;
  rv: number;
}

const HISTORY = 2000;

/** A stable uid for objects the lab file did not give one, so uid-based clients see the same object every time. */
function stableUid(key: string, created: string): string {
  const h = createHash('sha1').update(`${key}@${created}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class ObjectStore {
  state: LabState;
  objects = new Map<string, KubeObject>();
  /** events with rv > floor are all in history */
  floor: number;
  private history: StoreEvent[] = [];
  private listeners = new Set<(ev: StoreEvent) => void>();
  /** cluster.api.bulk's generated objects (bulk.ts), made once: API-only, never changed, never in events */
  private bulk = new Map<string, KubeObject>();

  constructor(readonly labDir: string) {
    const s = readState(labDir);
    if (!s) throw new Error(`no state.json in ${labDir}`);
    this.state = s;
    for (const o of bulkObjects(s)) this.bulk.set(objectKey(o), o);
    for (const [k, o] of this.bulk) this.objects.set(k, o);
    for (const o of s.objects) this.objects.set(objectKey(o), this.complete(o, s));
    this.floor = s.resourceVersion;
  }

  get resourceVersion(): number {
    return this.state.resourceVersion;
  }

  /** Fills what a real API server always sets (uid, creationTimestamp, namespace default) without writing back. */
  private complete(o: KubeObject, s: LabState): KubeObject {
    const key = objectKey(o);
    const created = o.metadata.creationTimestamp ?? s.createdAt;
    return { ...o, metadata: { ...o.metadata, creationTimestamp: created, uid: o.metadata.uid ?? stableUid(key, created), resourceVersion: o.metadata.resourceVersion ?? String(s.resourceVersion) } };
  }

  reloadFromDisk(): void {
    const s = readState(this.labDir);
    if (s) this.apply(s);
  }

  /** Takes a new state and turns the object differences into events, in resourceVersion order. */
  apply(s: LabState): void {
    if (s.resourceVersion < this.state.resourceVersion && s.createdAt === this.state.createdAt) return; // an older file seen late
    const next = new Map<string, KubeObject>(this.bulk);
    for (const o of s.objects) next.set(objectKey(o), this.complete(o, s));
    const events: StoreEvent[] = [];
    for (const [k, o] of next) {
      const old = this.objects.get(k);
      if (!old) events.push({ type: 'ADDED', object: o, rv: Number(o.metadata.resourceVersion) });
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) events.push({ type: 'MODIFIED', object: o, previous: old, rv: Number(o.metadata.resourceVersion) });
    }
    const tombs = new Map((s.tombstones ?? []).map((t) => [t.key, Number(t.resourceVersion)]));
    for (const [k, old] of this.objects) {
      if (next.has(k)) continue;
      const rv = tombs.get(k) ?? s.resourceVersion;
      events.push({ type: 'DELETED', object: { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } }, previous: old, rv });
    }
    this.state = s;
    this.objects = next;
    events.sort((a, b) => a.rv - b.rv);
    for (const ev of events) {
      this.history.push(ev);
      for (const l of this.listeners) l(ev);
    }
    if (this.history.length > HISTORY) {
      const dropped = this.history.splice(0, this.history.length - HISTORY);
      this.floor = Math.max(this.floor, dropped[dropped.length - 1].rv);
    }
  }

  /** Events after `rv`, or null when they are no longer all known (the client must relist: 410 Gone). */
  since(rv: number): StoreEvent[] | null {
    if (rv < this.floor) return null;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  list(kind: string, namespace?: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(`${kind}/${namespace ?? ''}/${name}`);
  }
}
