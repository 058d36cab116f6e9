// Helpers for the engine's lab tests: a real lab (its own PACKETWALK_LAB instance) driven through the
// packetwalk CLI, diagnoses through the real engine against the lab's Kubernetes API. No mocks.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { nodeNetns } from '../../lab/objects';
import { testInstance } from '../../lab/testInstance';
import { diagnose } from '../../server/diagnose';
import { loadCluster } from '../../server/cluster/kubeconfig';
import { NODE_DEBUG_SELECTOR } from '../../server/exec/nodeDebug';
import type { Diagnosis } from '../../lib/model';
import type { DiagnosisEvent } from '../../lib/events';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'packetwalk.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(instance: string, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { cwd: ROOT, env: { ...process.env, PACKETWALK_LAB: instance, NO_COLOR: '1' }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export class Lab {
  kubeconfig = '';
  viewerKubeconfig = '';
  constructor(readonly instance: string) {}

  async up(config: string): Promise<void> {
    const r = await cli(this.instance, ['lab', 'up', '--config', join(ROOT, 'test', 'lab', 'fixtures', config)], 300_000);
    if (r.code !== 0) throw new Error(`lab up failed (${r.code}): ${r.stderr || r.stdout}`);
    this.kubeconfig = r.stdout.trim().split('\n').filter((l) => l.trim()).pop()!.trim();
    this.viewerKubeconfig = join(this.kubeconfig, '..', 'viewer.kubeconfig');
  }

  async down(): Promise<void> {
    await cli(this.instance, ['lab', 'down'], 120_000);
  }

  /** Runs `fn` with one fault of the catalogue injected, and clears it afterwards, failure or not. */
  async withFault<T>(spec: string, fn: () => Promise<T>): Promise<T> {
    await this.fault(spec);
    try {
      return await fn();
    } finally {
      await this.fault(null);
    }
  }

  async fault(spec: string | null): Promise<void> {
    const r = spec ? await cli(this.instance, ['lab', 'fault', 'add', spec]) : await cli(this.instance, ['lab', 'fault', 'clear']);
    if (r.code !== 0) throw new Error(`lab fault ${spec ?? 'clear'} failed: ${r.stderr || r.stdout}`);
  }

  diagnose(from: string, to: string, opts: { viewer?: boolean; onEvent?: (e: DiagnosisEvent) => void; keepNodePods?: number } = {}): Promise<Diagnosis> {
    return diagnose({ from, to }, { kubeconfig: opts.viewer ? this.viewerKubeconfig : this.kubeconfig, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}), ...(opts.keepNodePods !== undefined ? { keepNodePods: opts.keepNodePods } : {}) });
  }

  /** Our ephemeral containers per pod ("ns/name" → count) and the node debug pods left, read from the API. */
  async footprint(): Promise<{ debugContainers: Map<string, number>; nodeDebugPods: string[] }> {
    const core = loadCluster({ kubeconfig: this.kubeconfig }).kc.makeApiClient(CoreV1Api);
    const pods = await core.listPodForAllNamespaces();
    const debugContainers = new Map<string, number>();
    for (const p of pods.items) {
      const n = (p.spec?.ephemeralContainers ?? []).filter((c) => c.name.startsWith('packetwalk-debug')).length;
      if (n) debugContainers.set(`${p.metadata?.namespace}/${p.metadata?.name}`, n);
    }
    const nodeDebug = await core.listPodForAllNamespaces({ labelSelector: NODE_DEBUG_SELECTOR });
    return { debugContainers, nodeDebugPods: nodeDebug.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`) };
  }
}

/**
 * One lab for a whole test file: a fresh instance name from `prefix`, brought up from
 * test/lab/fixtures/<config> before the file's tests and torn down after them, failure or not.
 */
export function useLab(prefix: string, config: string): Lab {
  const lab = new Lab(testInstance(prefix));
  beforeAll(() => lab.up(config), 300_000);
  afterAll(() => lab.down(), 120_000);
  return lab;
}

/**
 * `argv` inside the lab's netns of `node` (a test's own arrangement, never the engine's): no shell, killed
 * after `timeoutMs`, at most 1 MiB of each stream kept (conntrack -D prints every entry it deletes).
 */
export function inNodeNetns(lab: Lab, node: string, argv: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', nodeNetns(lab.instance, node), ...argv], { timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    const keep = (k: 'stdout' | 'stderr') => (b: Buffer) => {
      if (out[k].length < 1 << 20) out[k] += b.toString();
    };
    p.stdout.on('data', keep('stdout'));
    p.stderr.on('data', keep('stderr'));
    p.on('error', (e) => resolve({ code: 1, stdout: out.stdout, stderr: `${out.stderr}${e.message}` }));
    p.on('close', (code) => resolve({ code: code ?? 1, ...out }));
  });
}

/** "verdict/cause@hop" — the three things DESIGN §4 fixes for a case. */
export function outcome(d: Diagnosis): string {
  return `${d.verdict}/${d.firstFailure?.cause ?? '-'}@${d.firstFailure?.hop ?? '-'}`;
}

export function failingHops(d: Diagnosis): string[] {
  return d.hops.filter((h) => h.status === 'fail').map((h) => h.id);
}
