// failWith: an engine error as the HTTP API answers it (server/web/router.ts).
import { describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { fail, failWith, pinStatus } from './router';
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
    const error = 'to: Service shop/backend has no port 81; its ports: 80 (context lab)';
    expect(c.out()).toEqual({ status: 400, body: { error, field: 'to', errors: [{ field: 'to', error }] } });
    const d = capture();
    failWith(d.res, new UsageError('--from "x": a pod is NS/NAME'));
    expect(d.out().body).toMatchObject({ error: 'from "x": a pod is NS/NAME', field: 'from' });
  });
});

describe('fail', () => {
  it('every 400 is {error, field, errors}: one entry for one problem, every entry when the caller found several', () => {
    const one = capture();
    fail(one.res, 400, 'from: pod app/nosuch not found', { field: 'from' });
    expect(one.out()).toEqual({ status: 400, body: { error: 'from: pod app/nosuch not found', field: 'from', errors: [{ field: 'from', error: 'from: pod app/nosuch not found' }] } });
    const several = capture();
    const errors = [{ field: 'from', error: 'from: choose the source' }, { field: 'to', error: 'to: type a target' }];
    fail(several.res, 400, errors[0].error, { field: 'from', errors });
    expect(several.out().body).toEqual({ error: errors[0].error, field: 'from', errors });
    const nameless = capture();
    fail(nameless.res, 400, 'bad request');
    expect(nameless.out().body).toEqual({ error: 'bad request', field: null, errors: [{ field: null, error: 'bad request' }] });
  });
  it('other answers carry errors only when they name a field', () => {
    const notFound = capture();
    fail(notFound.res, 404, 'diagnosis x not found');
    expect(notFound.out()).toEqual({ status: 404, body: { error: 'diagnosis x not found' } });
    const big = capture();
    fail(big.res, 413, 'body: larger than 10 bytes', { field: 'body' });
    expect(big.out().body).toEqual({ error: 'body: larger than 10 bytes', field: 'body', errors: [{ field: 'body', error: 'body: larger than 10 bytes' }] });
  });
});

describe('pinStatus', () => {
  // a real node:http server: what goes out on the wire, as Next's handler would write it after us
  async function answer(handler: (res: ServerResponse) => void): Promise<number> {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      pinStatus(res, 404);
      handler(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const r = await fetch(`http://127.0.0.1:${port}/d/nope00`, { redirect: 'manual' });
      await r.text();
      return r.status;
    } finally {
      server.close();
    }
  }
  it('a 200 the handler writes goes out as the pinned status: writeHead, statusCode then end, or implicit headers', async () => {
    expect(await answer((res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>not found</p>'))).toBe(404);
    expect(await answer((res) => ((res.statusCode = 200), res.end('x')))).toBe(404);
    expect(await answer((res) => res.end('x'))).toBe(404);
  });
  it('a redirect or an error the handler sets is kept', async () => {
    expect(await answer((res) => res.writeHead(307, { location: '/' }).end())).toBe(307);
    expect(await answer((res) => ((res.statusCode = 500), res.end('boom')))).toBe(500);
  });
});
