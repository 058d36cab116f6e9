// matrix:join goes through the shared socket schema (server/web/socketArgs.ts MatrixIdSchema + joinArgs), as
// diagnosis:join does: only a matrix id joins a room, and the ack is called only when the client sent a function.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io';
import { Store } from '../store';
import { MatrixWeb } from './web';
import type { Matrix } from '../../lib/matrix/types';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A socket that records its handlers and the rooms it joins (all matrix:join touches). */
function fakeSocket() {
  const handlers = new Map<string, (...a: unknown[]) => void>();
  const rooms: string[] = [];
  const socket = { on: (ev: string, fn: (...a: unknown[]) => void) => handlers.set(ev, fn), join: (r: string) => void rooms.push(r) };
  return { socket: socket as unknown as Socket, rooms, join: (...a: unknown[]) => handlers.get('matrix:join')!(...a) };
}

describe('matrix:join', () => {
  const web = () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-mweb-'));
    dirs.push(d);
    const store = new Store(d);
    return { w: new MatrixWeb({ store, intervalMs: 0 }), store };
  };

  it('joins the room of a well-formed id and acks its snapshot', () => {
    const { w, store } = web();
    const m: Matrix = { id: 'm-abc123', namespaces: ['shop'], sources: [], targets: [], cells: [], depth: 'live', groups: [], allPods: false, notes: [], status: 'done' };
    w.db.save(m);
    const s = fakeSocket();
    w.attach(s.socket);
    const got: unknown[] = [];
    s.join('m-abc123', (v: unknown) => got.push(v));
    expect(s.rooms).toEqual(['m:m-abc123']);
    expect(got).toHaveLength(1);
    expect((got[0] as Matrix).id).toBe('m-abc123');
    w.stop();
    store.close();
  });

  it('refuses anything else as an id (acks null, joins nothing) and survives a non-function ack', () => {
    const { w, store } = web();
    const s = fakeSocket();
    w.attach(s.socket);
    for (const bad of [42, null, undefined, {}, ['m-abc123'], 'm-ABC123', '../../etc', 'm-a']) {
      const got: unknown[] = [];
      s.join(bad, (v: unknown) => got.push(v));
      expect(got, JSON.stringify(bad)).toEqual([null]);
    }
    expect(() => s.join('m-abc123', 'not a function')).not.toThrow();
    expect(() => s.join(7)).not.toThrow();
    expect(s.rooms).toEqual(['m:m-abc123']);
    w.stop();
    store.close();
  });
});
