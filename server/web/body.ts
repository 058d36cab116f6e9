// Reading a JSON request body for the HTTP API: capped in bytes, parsed, and refused with a sentence that
// names the field (`body`) and shows what to send. One reader for every route (diagnoses, pins, matrix).
import type { IncomingMessage } from 'node:http';
import { UsageError } from '../cluster/errors';

/** A body over the size cap: HTTP 413 (Payload Too Large), not 400, so a client knows to send less, not to fix a field. */
export class BodyTooLarge extends UsageError {
  readonly status = 413;
}

/**
 * The request's JSON body. Throws UsageError (field `body`) when it is empty or not JSON, and BodyTooLarge (413) when
 * it is larger than `maxBytes`; `example` is the body to suggest, e.g. `{"from": "NS/POD", "to": "TARGET"}`.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, example: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > maxBytes) throw new BodyTooLarge(`body: larger than ${maxBytes} bytes; send ${example}`, 'body');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new UsageError(`body: empty; send ${example}`, 'body');
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`body: not valid JSON; send ${example}`, 'body');
  }
}
