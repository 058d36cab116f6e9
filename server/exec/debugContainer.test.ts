// The pod a diagnosis already read stands in for a fresh GET when it shows our container running. The API server
// here is an address nothing listens on: a GET would fail, so only the known pod can answer.
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ensureDebugContainer, knownPod } from './debugContainer';

function unreachable(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const pod = (state: 'running' | 'waiting'): V1Pod => ({
  metadata: { namespace: 'shop', name: 'frontend-0' },
  spec: {
    containers: [{ name: 'web' }],
    ephemeralContainers: [{ name: 'packetwalk-debug', image: 'nicolaka/netshoot', targetContainerName: 'web', securityContext: { runAsNonRoot: true } }],
  },
  status: { ephemeralContainerStatuses: [{ name: 'packetwalk-debug', image: 'nicolaka/netshoot', imageID: '', ready: false, restartCount: 0, state: state === 'running' ? { running: {} } : { waiting: { reason: 'ContainerCreating' } } }] },
});

describe('ensureDebugContainer with the pod the diagnosis read', () => {
  it('uses our running container without reading the pod again', async () => {
    const known = knownPod([{ metadata: { namespace: 'shop', name: 'other' } }, pod('running')], 'shop', 'frontend-0');
    expect(known).toBeDefined();
    await expect(ensureDebugContainer(unreachable(), 'shop', 'frontend-0', { image: 'nicolaka/netshoot', known })).resolves.toEqual({
      namespace: 'shop', pod: 'frontend-0', container: 'packetwalk-debug', target: 'web', reused: true, profile: 'restricted',
    });
  });

  it('reads the pod afresh when ours is not running there yet', async () => {
    await expect(ensureDebugContainer(unreachable(), 'shop', 'frontend-0', { image: 'nicolaka/netshoot', known: pod('waiting') })).rejects.toThrow(/ECONNREFUSED|fetch failed/);
  });
});
