// Wallboard logic (pure): one pinned path's state across re-probes, and "what changed since it was last
// green" — which hops flipped, and a short diff of the API objects that feed them (EndpointSlices,
// NetworkPolicies, Services, nodes). History is bounded so an unattended wall does not grow.
import type { Diagnosis, Finding, HopId, HopStatus, Verdict } from './model';

export interface PinSpec {
  id: string;
  from: string;
  to: string;
  context?: string;
  createdAt: string;
  /** the diagnosis the pin was made from */
  diagnosisId?: string;
}

/** An API object reduced to a key and a few stable lines, so two snapshots diff into something readable. */
export interface ObjectSummary {
  key: string; // "EndpointSlice shop/backend-abc12"
  lines: string[];
}

export interface PinProbe {
  at: string; // ISO
  verdict: Verdict;
  hops: { id: HopId; status: HopStatus; cause: string | null; label: string }[];
  firstFailure: Finding | null;
  objects: ObjectSummary[];
  diagnosisId?: string;
  error?: string; // the run itself failed (cluster unreachable, pod gone …)
}

export interface ObjectDiff {
  key: string;
  change: 'added' | 'removed' | 'changed';
  removed: string[]; // lines only in the green snapshot
  added: string[]; // lines only in the current one
}

export interface HopChange {
  id: HopId;
  from: HopStatus | 'absent';
  to: HopStatus | 'absent';
}

export interface WallChange {
  since: string; // when it was last green
  hops: HopChange[];
  objects: ObjectDiff[];
}

export interface PinState {
  pin: PinSpec;
  current: PinProbe | null;
  /** the last probe that was green, kept whole (objects included) to diff against */
  lastGreen: PinProbe | null;
  lastChangeAt: string | null;
  history: { at: string; verdict: Verdict }[]; // verdict changes only, newest last, bounded
  change: WallChange | null; // set while not green
}

export const HISTORY_MAX = 20;
const DIFF_LINES_MAX = 6;

export function isGreen(v: Verdict): boolean {
  return v === 'reachable';
}

export function emptyPinState(pin: PinSpec): PinState {
  return { pin, current: null, lastGreen: null, lastChangeAt: null, history: [], change: null };
}

export function probeFromDiagnosis(d: Diagnosis, objects: ObjectSummary[], at = d.finishedAt ?? d.createdAt): PinProbe {
  return {
    at,
    verdict: d.verdict,
    hops: d.hops.map((h) => ({ id: h.id, status: h.status, cause: h.cause, label: h.label })),
    firstFailure: d.firstFailure,
    objects,
    diagnosisId: d.id,
  };
}

/** Folds one re-probe into a pin's state. The state's size does not depend on how many probes came before. */
export function foldProbe(state: PinState, probe: PinProbe): PinState {
  const prev = state.current;
  const flipped = !prev || prev.verdict !== probe.verdict || !sameHopStatuses(prev, probe);
  const history = prev && prev.verdict === probe.verdict ? state.history : [...state.history, { at: probe.at, verdict: probe.verdict }].slice(-HISTORY_MAX);
  const lastChangeAt = flipped ? probe.at : state.lastChangeAt;
  if (isGreen(probe.verdict)) {
    return { pin: state.pin, current: probe, lastGreen: probe, lastChangeAt, history, change: null };
  }
  const change = state.lastGreen ? whatChanged(state.lastGreen, probe) : null;
  return { pin: state.pin, current: probe, lastGreen: state.lastGreen, lastChangeAt, history, change };
}

function sameHopStatuses(a: PinProbe, b: PinProbe): boolean {
  return a.hops.length === b.hops.length && a.hops.every((h, i) => h.id === b.hops[i].id && h.status === b.hops[i].status);
}

export function whatChanged(green: PinProbe, now: PinProbe): WallChange {
  return { since: green.at, hops: hopChanges(green, now), objects: diffObjects(green.objects, now.objects) };
}

export function hopChanges(a: PinProbe, b: PinProbe): HopChange[] {
  const before = new Map(a.hops.map((h) => [h.id, h.status] as const));
  const after = new Map(b.hops.map((h) => [h.id, h.status] as const));
  const ids: HopId[] = [...new Set([...b.hops.map((h) => h.id), ...a.hops.map((h) => h.id)])];
  return ids
    .map((id) => ({ id, from: before.get(id) ?? ('absent' as const), to: after.get(id) ?? ('absent' as const) }))
    .filter((c) => c.from !== c.to);
}

export function diffObjects(before: ObjectSummary[], after: ObjectSummary[]): ObjectDiff[] {
  const a = new Map(before.map((o) => [o.key, o.lines]));
  const b = new Map(after.map((o) => [o.key, o.lines]));
  const out: ObjectDiff[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const la = a.get(key);
    const lb = b.get(key);
    if (!la && lb) out.push({ key, change: 'added', removed: [], added: lb.slice(0, DIFF_LINES_MAX) });
    else if (la && !lb) out.push({ key, change: 'removed', removed: la.slice(0, DIFF_LINES_MAX), added: [] });
    else if (la && lb) {
      const removed = la.filter((l) => !lb.includes(l));
      const added = lb.filter((l) => !la.includes(l));
      if (removed.length || added.length) out.push({ key, change: 'changed', removed: removed.slice(0, DIFF_LINES_MAX), added: added.slice(0, DIFF_LINES_MAX) });
    }
  }
  return out;
}

// ---- object summaries: only the fields that decide a packet's fate, one fact per line ----

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function keyOf(kind: string, o: Obj): string {
  const ns = o.metadata?.namespace;
  return `${kind} ${ns ? `${ns}/` : ''}${o.metadata?.name ?? '?'}`;
}
function kv(m: unknown): string {
  const r = rec(m);
  const keys = Object.keys(r).sort();
  return keys.length ? keys.map((k) => `${k}=${String(r[k])}`).join(',') : '(all)';
}

export function summarizeObject(kind: 'EndpointSlice' | 'Service' | 'NetworkPolicy' | 'Node', o: Obj): ObjectSummary {
  const key = keyOf(kind, o);
  const lines: string[] = [];
  if (kind === 'EndpointSlice') {
    for (const e of arr(o.endpoints)) {
      const ep = rec(e);
      const ready = rec(ep.conditions).ready;
      lines.push(`${arr(ep.addresses).join(',')} ${ready === false ? 'not ready' : 'ready'}${ep.nodeName ? ` on ${String(ep.nodeName)}` : ''}`);
    }
    const ports = arr(o.ports).map((p) => `${String(rec(p).name ?? '')}:${String(rec(p).port ?? '')}`).join(' ');
    if (ports) lines.push(`ports ${ports}`);
    if (!arr(o.endpoints).length) lines.push('no endpoints');
  } else if (kind === 'Service') {
    const spec = rec(o.spec);
    lines.push(`clusterIP ${String(spec.clusterIP ?? 'none')}`);
    lines.push(`selector ${kv(spec.selector)}`);
    for (const p of arr(spec.ports)) {
      const pr = rec(p);
      lines.push(`port ${String(pr.port)}/${String(pr.protocol ?? 'TCP')} → ${String(pr.targetPort ?? pr.port)}`);
    }
  } else if (kind === 'NetworkPolicy') {
    const spec = rec(o.spec);
    lines.push(`podSelector ${kv(rec(spec.podSelector).matchLabels)}`);
    lines.push(`policyTypes ${arr(spec.policyTypes).join(',') || 'Ingress'}`);
    arr(spec.ingress).forEach((r, i) => lines.push(`ingress[${i}] ${JSON.stringify(r)}`.slice(0, 160)));
    arr(spec.egress).forEach((r, i) => lines.push(`egress[${i}] ${JSON.stringify(r)}`.slice(0, 160)));
  } else {
    const spec = rec(o.spec);
    const ready = arr(rec(o.status).conditions).map(rec).find((c) => c.type === 'Ready');
    lines.push(`Ready=${String(ready?.status ?? 'Unknown')}`);
    if (spec.podCIDR) lines.push(`podCIDR ${String(spec.podCIDR)}`);
    if (spec.unschedulable) lines.push('unschedulable');
    for (const t of arr(spec.taints)) lines.push(`taint ${String(rec(t).key)}:${String(rec(t).effect)}`);
  }
  return { key, lines };
}

/** Namespaces whose objects feed a path: the source's, and the destination Service's or pod's. */
export function pathNamespaces(d: Diagnosis): string[] {
  const ns = new Set<string>();
  const src = d.spec.from.split('/')[0];
  if (src) ns.add(src);
  for (const h of d.hops) {
    if ((h.id === 'service' || h.id === 'dst-pod') && /^[a-z0-9-]+\//.test(h.label)) ns.add(h.label.split('/')[0]);
  }
  const m = /^pod:([^/]+)\//.exec(d.spec.to) ?? /^[a-z0-9-]+\.([a-z0-9-]+)(?:[.:]|$)/.exec(d.spec.to);
  if (m) ns.add(m[1]);
  return [...ns].sort();
}

/** "3 m", "2 h 5 m": time since the last change, compact enough for a wall tile. */
export function sinceText(fromIso: string | null, nowMs: number): string {
  if (!fromIso) return '—';
  const s = Math.max(0, Math.floor((nowMs - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}
