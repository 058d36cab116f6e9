// A scripted engine for the server's tests (server/web/server.test.ts, server/cli/remote.test.ts): the engine's
// events on a timer, from a real Diagnosis fixture, so the HTTP API, the store, socket.io and the CLI's --server
// client run for real without a cluster. Test support only; no test runs in this file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiagnoseFn } from './runs';
import type { Diagnosis } from '../../lib/model';

/** lib/graph/fixtures/cross-node-mtu.json: a degraded cross-node diagnosis (mtu-blackhole at the overlay), 9 hops. */
export const fixture = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;

/** A temporary directory with a kubeconfig whose API server does not listen (the catalog reports it; runs do not need it); `cleanup` gets its removal. */
export function tmpServerDir(cleanup: (() => void)[]): string {
  const d = mkdtempSync(join(tmpdir(), 'pw-srv-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'kubeconfig'), `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lab, context: {cluster: c, user: u}}]\ncurrent-context: lab\n`);
  return d;
}

/** Emits plan, one hop:update per hop every `stepMs`, then done — the engine's event order. */
export function scripted(stepMs: number, hang = false): () => Promise<DiagnoseFn> {
  const fn: DiagnoseFn = async (spec, opts) => {
    const id = opts.id!;
    const planned: Diagnosis = { ...fixture, id, spec, verdict: 'running', firstFailure: null, hops: fixture.hops.map((h) => ({ ...h, status: 'pending', evidence: [] })) };
    opts.onEvent?.({ type: 'diagnosis:plan', payload: { id, diagnosis: planned } });
    let seq = 0;
    for (const h of fixture.hops) {
      await new Promise((r) => setTimeout(r, stepMs));
      if (opts.signal?.aborted) throw new Error('aborted');
      opts.onEvent?.({ type: 'hop:update', payload: { id, seq: ++seq, hop: h } });
    }
    if (hang) await new Promise(() => undefined);
    const done: Diagnosis = { ...fixture, id, spec, finishedAt: new Date().toISOString() };
    opts.onEvent?.({ type: 'diagnosis:done', payload: { id, verdict: done.verdict, depth: done.depth, firstFailure: done.firstFailure, warnings: done.warnings, finishedAt: done.finishedAt } });
    return done;
  };
  return async () => fn;
}
