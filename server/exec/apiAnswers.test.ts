// When a probe's time runs out, a ping on its exec socket tells a silent command (a timeout: data) from a silent
// API server (a transport error: the probe did not run). server/exec/exec.ts apiAnswers.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { apiAnswers, type ExecSocket } from './exec';

const socket = (answers: boolean): ExecSocket => {
  const e = new EventEmitter();
  return Object.assign(e, { readyState: 1, close() {}, ping: () => answers && setTimeout(() => e.emit('pong'), 5) }) as unknown as ExecSocket;
};

describe('apiAnswers', () => {
  it('is true when the pong comes back, false when none comes within the wait', async () => {
    expect(await apiAnswers(socket(true), 200)).toBe(true);
    expect(await apiAnswers(socket(false), 50)).toBe(false);
  });
  it('keeps the old reading (answers) for a socket it cannot ping', async () => {
    expect(await apiAnswers({ close() {}, on: () => undefined } as ExecSocket, 50)).toBe(true);
  });
});
