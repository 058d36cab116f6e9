import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compareRuns } from './compare';
import type { Diagnosis } from '../model';

const failing = JSON.parse(readFileSync(new URL('./fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;

describe('compareRuns', () => {
  it('lists the hops whose status changed between runs, in the new run’s path order', () => {
    const healed = failing.hops.map((h) => ({ ...h, status: 'pass' as const }));
    expect(compareRuns(failing.hops, healed)).toEqual([{ id: 'overlay', before: 'fail', after: 'pass' }]);
    expect(compareRuns(failing.hops, failing.hops)).toEqual([]);
  });
  it('reports hops that appear or disappear (a path that became same-node)', () => {
    const same = failing.hops.filter((h) => h.id !== 'overlay' && h.id !== 'dst-node');
    expect(compareRuns(failing.hops, same)).toEqual([
      { id: 'overlay', before: 'fail', after: 'absent' },
      { id: 'dst-node', before: 'pass', after: 'absent' },
    ]);
  });
});
