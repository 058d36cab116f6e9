import { describe, expect, it } from 'vitest';
import { groupRecent, relativeTime, rowTime, utcTime, type RecentItem } from './recentRows';

const item = (id: string, createdAt: string, o: Partial<RecentItem> = {}): RecentItem => ({ id, createdAt, from: 'shop/frontend-0', to: 'backend:80', context: 'lab', verdict: 'reachable', cause: null, ...o });

describe('groupRecent', () => {
  it('folds consecutive runs of the same pair and outcome into one row with a count, newest first', () => {
    const rows = groupRecent([item('c', '2026-12-01T04:20:00Z'), item('b', '2026-12-01T04:19:00Z'), item('a', '2026-12-01T04:18:00Z')]);
    expect(rows).toEqual([{ latest: item('c', '2026-12-01T04:20:00Z'), count: 3, oldestAt: '2026-12-01T04:18:00Z', ids: ['c', 'b', 'a'] }]);
  });
  it('a different outcome, pair or context in between starts a new row', () => {
    const rows = groupRecent([
      item('d', '2026-12-01T04:21:00Z'),
      item('c', '2026-12-01T04:20:00Z', { verdict: 'unreachable', cause: 'policy-denied' }),
      item('b', '2026-12-01T04:19:00Z'),
      item('a', '2026-12-01T04:18:00Z', { to: 'postgres.db:5432' }),
      item('z', '2026-12-01T04:17:00Z', { to: 'postgres.db:5432', context: 'prod' }),
    ]);
    expect(rows.map((r) => [r.latest.id, r.count])).toEqual([['d', 1], ['c', 1], ['b', 1], ['a', 1], ['z', 1]]);
  });
  it('stops at max rows but still counts the last row\'s repeats', () => {
    const rows = groupRecent([item('c', '2026-12-01T04:20:00Z', { to: 'x:1' }), item('b', '2026-12-01T04:19:00Z'), item('a', '2026-12-01T04:18:00Z'), item('0', '2026-12-01T04:17:00Z', { to: 'y:1' })], 2);
    expect(rows.map((r) => [r.latest.id, r.count])).toEqual([['c', 1], ['b', 2]]);
  });
});

describe('times', () => {
  const now = Date.parse('2026-12-01T04:30:00Z');
  it('relative: seconds, minutes, hours, days, then the UTC date; a skewed future time is just now', () => {
    expect(relativeTime('2026-12-01T04:29:55Z', now)).toBe('just now');
    expect(relativeTime('2026-12-01T04:30:30Z', now)).toBe('just now');
    expect(relativeTime('2026-12-01T04:29:15Z', now)).toBe('45 s ago');
    expect(relativeTime('2026-12-01T04:27:00Z', now)).toBe('3 min ago');
    expect(relativeTime('2026-12-01T02:10:00Z', now)).toBe('2 h ago');
    expect(relativeTime('2026-11-30T04:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-11-27T04:00:00Z', now)).toBe('4 days ago');
    expect(relativeTime('2026-11-20T04:00:00Z', now)).toBe('2026-11-20');
  });
  it('absolute: UTC, no locale or zone in it (server and browser render the same string)', () => {
    expect(utcTime('2026-12-01T04:16:49.123Z')).toBe('2026-12-01 04:16:49 UTC');
    expect(utcTime('2026-12-01T05:16:49+01:00')).toBe('2026-12-01 04:16:49 UTC');
  });
  it('a row shows the UTC time until the page knows now, then the relative time; the title keeps the UTC time(s)', () => {
    const [one] = groupRecent([item('a', '2026-12-01T04:27:00Z')]);
    expect(rowTime(one, null)).toEqual({ text: '2026-12-01 04:27:00 UTC', title: '2026-12-01 04:27:00 UTC' });
    expect(rowTime(one, now)).toEqual({ text: '3 min ago', title: '2026-12-01 04:27:00 UTC' });
    const [three] = groupRecent([item('c', '2026-12-01T04:27:00Z'), item('b', '2026-12-01T04:20:00Z'), item('a', '2026-12-01T04:18:00Z')]);
    expect(rowTime(three, now).title).toBe('3 runs, 2026-12-01 04:18:00 UTC – 2026-12-01 04:27:00 UTC');
  });
});
