// What a node foothold that could not start says, and the check of --debug-namespace both front ends share
// (lib/schema/flags debugNamespaceProblem, used by runDiagnosis and serve).
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { diagnose, foothold, UsageError } from './index';
import { debugNamespaceProblem } from '../../lib/schema/flags';

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
