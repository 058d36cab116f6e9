// failWith: an engine error as the HTTP API answers it (server/web/router.ts).
import { describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { failWith } from './router';
import { UsageError } from '../cluster/errors';

/** A ServerResponse that keeps what was written. */
function capture(): { res: ServerResponse; out: () => { status: number; body: Record<string, unknown> } } {
  let status = 0;
  let text = '';
  const res = { writeHead: (s: number) => ((status = s), res), end: (t: string) => ((text = t), res) } as unknown as ServerResponse;
  return { res, out: () => ({ status, body: JSON.parse(text) as Record<string, unknown> }) };
}

describe('failWith', () => {
  it('an input error worded for the CLI names the field as the HTTP API does ("to: …", not "--to: …")', () => {
    const c = capture();
    failWith(c.res, new UsageError('--to: Service shop/backend has no port 81; its ports: 80 (context lab)', 'to'));
    expect(c.out()).toEqual({ status: 400, body: { error: 'to: Service shop/backend has no port 81; its ports: 80 (context lab)', field: 'to' } });
    const d = capture();
    failWith(d.res, new UsageError('--from "x": a pod is NS/NAME'));
    expect(d.out().body).toMatchObject({ error: 'from "x": a pod is NS/NAME', field: 'from' });
  });
});
