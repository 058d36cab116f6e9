// What a node foothold that could not start says, and the check of --debug-namespace both front ends share
// (lib/schema/flags debugNamespaceProblem, used by runDiagnosis and serve).
import { ApiException } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { diagnose, foothold, UsageError } from './index';
import { PodSlowToStart } from '../exec/podWait';
import { debugNamespaceProblem, msEnv, msEnvProblem, msEnvProblems } from '../../lib/schema/flags';

const status = (code: number, message: string, reason: string) => new ApiException(code, 'failed', JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }), {});

describe('node foothold in a namespace that is not there', () => {
  it('says the namespace does not exist and how to fix it (was "pods in namespace nons not found")', async () => {
    const f = await foothold(Promise.reject(status(404, 'namespaces "nons" not found', 'NotFound')), { kind: 'node', verb: 'create', resource: 'pods', namespace: 'nons', context: 'lab' });
    expect(f).toMatchObject({ ok: false, forbidden: false, reason: 'namespace nons does not exist (kubectl create namespace nons, or pick another --debug-namespace)' });
  });
  it('another 404 keeps the API sentence', async () => {
    const f = await foothold(Promise.reject(status(404, 'pods "x" not found', 'NotFound')), { kind: 'node', verb: 'get', resource: 'pods', namespace: 'ns', name: 'x', context: 'lab' });
    expect(f.ok ? '' : f.reason).toMatch(/^pods ns\/x not found in context lab/);
  });
});

describe('--debug-namespace is checked before anything runs', () => {
  it('names the flag', () => {
    expect(debugNamespaceProblem('Bad_NS')).toMatch(/^--debug-namespace: "Bad_NS" is not a namespace name \(lowercase/);
    expect(debugNamespaceProblem('a'.repeat(64))).toMatch(/64 characters, at most 63/);
    expect(debugNamespaceProblem('kube-system')).toBeUndefined();
    expect(debugNamespaceProblem('x_', 'PACKETWALK_DEBUG_NAMESPACE')).toMatch(/^PACKETWALK_DEBUG_NAMESPACE: /);
  });
  it('diagnose() refuses it as a usage error, no cluster read (was: REACHABLE, a 422 per node hop)', async () => {
    const p = diagnose({ from: 'shop/frontend-0', to: 'backend:80' }, { kubeconfig: '/nonexistent', debugNamespace: 'Bad_NS' });
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toThrow(/--debug-namespace: "Bad_NS" is not a namespace name/);
  });
});

describe('a debug foothold that is slow to start', () => {
  // what server/exec's start deadlines throw (debugContainer.ts waitRunning, nodeDebug.ts): a PodSlowToStart
  it('debug container: created, not running yet — the kubelet is slow (was "patch pods/ephemeralcontainers … failed")', async () => {
    const e = new PodSlowToStart('debug-container', 'shop/frontend-0', 60, 'ContainerCreating', 'the debug container packetwalk-debug-1 in shop/frontend-0 is not running after 60 s (waiting: ContainerCreating)');
    const f = await foothold(Promise.reject(e), { kind: 'pod', verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: 'shop', name: 'frontend-0', context: 'lab' });
    expect(f.ok ? '' : f.reason).toBe('the debug container in shop/frontend-0 was created but is not running after 60 s (ContainerCreating): the kubelet is slow to start it; re-run (it is reused once running)');
  });
  it('node debug pod: created, not Running yet', async () => {
    const e = new PodSlowToStart('node-debug-pod', 'shop/packetwalk-node-worker-1-abc', 60, 'Pending', 'node debug pod shop/packetwalk-node-worker-1-abc on worker-1 is not Running after 60 s', 'worker-1');
    const f = await foothold(Promise.reject(e), { kind: 'node', verb: 'create', resource: 'pods', namespace: 'shop', context: 'lab' });
    expect(f.ok ? '' : f.reason).toBe('node debug pod shop/packetwalk-node-worker-1-abc on worker-1 was created but not Running after 60 s: the kubelet is slow to start it; re-run, or --keep-node-pods to reuse them');
  });
  it('the same sentence in a plain Error is not read as a slow start (the type says it, not the words)', async () => {
    const f = await foothold(Promise.reject(new Error('node debug pod shop/p on worker-1 is not Running after 60 s')), { kind: 'node', verb: 'create', resource: 'pods', namespace: 'shop', context: 'lab' });
    expect(f.ok ? '' : f.reason).not.toMatch(/the kubelet is slow/);
  });
  it('any other error keeps its sentence', async () => {
    const f = await foothold(Promise.reject(new Error('socket hang up')), { kind: 'pod', verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: 'shop', name: 'frontend-0', context: 'lab' });
    expect(f.ok ? '' : f.reason).toMatch(/^patch pods\/ephemeralcontainers shop\/frontend-0 failed: socket hang up/);
  });
});

describe('deadline variables that are no deadline', () => {
  afterEach(() => vi.unstubAllEnvs());
  it.each([
    ['PACKETWALK_API_TIMEOUT_MS', 'abc'],
    ['PACKETWALK_DIAGNOSIS_DEADLINE_MS', '-5'],
    ['PACKETWALK_DIAGNOSIS_DEADLINE_MS', '1'],
  ])('%s=%s is a usage error naming it (was: ignored, or "did not finish within 0 s")', async (name, value) => {
    vi.stubEnv(name, value);
    const p = diagnose({ from: 'shop/frontend-0', to: 'backend:80' }, { kubeconfig: '/nonexistent' });
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toThrow(`${name} "${value}" is not a whole number of milliseconds of at least 1000`);
  });
  it('a whole number of at least 1000, or unset, is a deadline', () => {
    expect(msEnvProblems({ PACKETWALK_API_TIMEOUT_MS: '60000', PACKETWALK_DIAGNOSIS_DEADLINE_MS: '' })).toBeUndefined();
    expect(msEnvProblem('X', '999')).toMatch(/^X "999" is not/);
  });
  it('msEnv reads the deadline the check admits, else the default (one reading for the request and diagnosis deadlines)', () => {
    expect(msEnv('PACKETWALK_API_TIMEOUT_MS', { PACKETWALK_API_TIMEOUT_MS: '60000' }, 15000)).toBe(60000);
    expect(msEnv('PACKETWALK_API_TIMEOUT_MS', { PACKETWALK_API_TIMEOUT_MS: '' }, 15000)).toBe(15000);
    expect(msEnv('PACKETWALK_DIAGNOSIS_DEADLINE_MS', { PACKETWALK_DIAGNOSIS_DEADLINE_MS: '5' }, 180000)).toBe(180000);
    expect(msEnv('PACKETWALK_DIAGNOSIS_DEADLINE_MS', {}, 180000)).toBe(180000);
  });
  it('the matrix refuses a deadline variable that is no deadline before any read', async () => {
    vi.stubEnv('PACKETWALK_DIAGNOSIS_DEADLINE_MS', 'soon');
    const { runMatrix } = await import('../matrix');
    const p = runMatrix({ namespaces: ['shop'], kubeconfig: '/nonexistent' });
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toThrow('PACKETWALK_DIAGNOSIS_DEADLINE_MS "soon" is not a whole number');
  });
});
