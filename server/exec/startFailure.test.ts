// Why a probe container did not start, told apart as the kubelet and the API server say it: waiting reasons
// (kubelet images/types.go, kuberuntime) and admission's 403 versus RBAC's 403 (message shapes from real
// servers: RBAC `… is forbidden: User "x" cannot …`, Pod Security `… is forbidden: violates PodSecurity …`).
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { admissionRefusal, applyStartFailures, StartFailure, stuckWaiting } from './startFailure';
import type { Judgement } from '../../lib/verdict';
import { explainApiError } from '../cluster/explain';

const waiting = (reason: string, message?: string) => ({ name: 'packetwalk-debug', image: 'nicolaka/netshoot:missing', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, ...(message ? { message } : {}) } } });
const status = (code: number, message: string) => new ApiException(code, 'refused', JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: 'Forbidden', code }), {});

describe('stuckWaiting', () => {
  it('pull failures are image-pull with the kubelet\'s words; a container still being created is not stuck', () => {
    const f = stuckWaiting(waiting('ImagePullBackOff', 'Back-off pulling image "nicolaka/netshoot:missing"'), 'the debug container x');
    expect(f?.startCause).toBe('image-pull');
    expect(f?.message).toBe('the debug container x cannot start: the kubelet reports ImagePullBackOff: Back-off pulling image "nicolaka/netshoot:missing" (image nicolaka/netshoot:missing)');
    expect(stuckWaiting(waiting('ContainerCreating'), 'x')).toBeNull();
    expect(stuckWaiting(waiting('CreateContainerConfigError', 'container has runAsNonRoot and image will run as root'), 'x')?.startCause).toBe('admission-denied');
  });
});

describe('admissionRefusal', () => {
  it('Pod Security\'s 403 is admission-denied with the server\'s sentence; RBAC\'s 403 is not', () => {
    const psa = admissionRefusal(status(403, 'pods "web" is forbidden: violates PodSecurity "restricted:latest": unrestricted capabilities (container "packetwalk-debug" must not include "NET_RAW" in securityContext.capabilities.add)'), 'the debug container');
    expect(psa?.startCause).toBe('admission-denied');
    expect(psa?.message).toMatch(/refused by admission: pods "web" is forbidden: violates PodSecurity "restricted:latest"/);
    expect(admissionRefusal(status(403, 'pods "web" is forbidden: User "viewer" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"'), 'x')).toBeNull();
    expect(admissionRefusal(status(400, 'admission webhook "validate.kyverno.svc-fail" denied the request: policy disallow-capabilities'), 'x')?.startCause).toBe('admission-denied');
  });
  it('explain.ts says admission, not a missing RBAC grant, for the same 403', () => {
    const x = explainApiError(status(403, 'pods "packetwalk-node-w1-abcde" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true)'), { verb: 'create', resource: 'pods', namespace: 'base', context: 'lab' });
    expect(x.kind).toBe('admission');
    expect(x.sentence).toBe('admission refused create pods in namespace base (context lab): pods "packetwalk-node-w1-abcde" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true)');
    expect(x.fix).toMatch(/--debug-namespace/);
    expect(explainApiError(status(403, 'pods is forbidden: User "viewer" cannot create resource "pods" in API group "" in the namespace "base"'), { verb: 'create', resource: 'pods', namespace: 'base' }).kind).toBe('forbidden');
  });
});

describe('applyStartFailures', () => {
  const j = (verdict: Judgement['verdict'], first: Judgement['firstFailure'] = null): Judgement => ({ hops: [{ id: 'src-pod', kind: 'pod', label: 'p', status: 'skip', cause: null, summary: '', evidence: [] }], verdict, firstFailure: first, warnings: [], summary: 'No end-to-end connection could be tried.' });
  const f = new StartFailure('image-pull', 'the debug container packetwalk-debug in a/b cannot start: the kubelet reports ErrImagePull', 'ErrImagePull');
  it('an undetermined verdict carries the cause; a fault the evidence shows stays first; nothing becomes a fail', () => {
    const u = applyStartFailures(j('undetermined'), [f]);
    expect(u.verdict).toBe('undetermined');
    expect(u.firstFailure).toMatchObject({ hop: 'src-pod', cause: 'image-pull' });
    const kept = applyStartFailures(j('unreachable', { hop: 'service', cause: 'no-endpoints', reason: 'r', nextStep: 's' }), [f]);
    expect(kept.firstFailure?.cause).toBe('no-endpoints');
    expect(kept.summary).toMatch(/Live probes could not all start/);
    expect(applyStartFailures(j('reachable'), []).verdict).toBe('reachable');
  });
});
