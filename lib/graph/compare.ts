// "Run again": which hops changed between two runs of the same path (pure).
import type { Hop, HopId, HopStatus } from '../model';

export interface HopDiff {
  id: HopId;
  before: HopStatus | 'absent';
  after: HopStatus | 'absent';
}

export function compareRuns(before: Hop[], after: Hop[]): HopDiff[] {
  const a = new Map(before.map((h) => [h.id, h.status] as const));
  const b = new Map(after.map((h) => [h.id, h.status] as const));
  const order: HopId[] = [...new Set([...after.map((h) => h.id), ...before.map((h) => h.id)])];
  return order.map((id) => ({ id, before: a.get(id) ?? ('absent' as const), after: b.get(id) ?? ('absent' as const) })).filter((d) => d.before !== d.after);
}
