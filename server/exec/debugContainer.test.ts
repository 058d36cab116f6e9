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
      namespace: 'shop', pod: 'frontend-0', container: 'packetwalk-debug', target: 'web', reused: true, profile: 'restricted', image: 'nicolaka/netshoot',
    });
  });

  it('reads the pod afresh when ours is not running there yet', async () => {
    await expect(ensureDebugContainer(unreachable(), 'shop', 'frontend-0', { image: 'nicolaka/netshoot', known: pod('waiting') })).rejects.toThrow(/ECONNREFUSED|fetch failed/);
  });
});

describe('ensureDebugContainer stopped while the container starts (Ctrl-C, the deadline)', () => {
  it('the signal ends the wait for Running at once, with PodWaitAborted', async () => {
    const { createServer } = await import('node:http');
    const { PodWaitAborted } = await import('./podWait');
    // An API server whose pod shows our container ContainerCreating for good (a slow image pull): GETs answer it,
    // the watch stays open and silent.
    const open: import('node:http').ServerResponse[] = [];
    const api = createServer((req, res) => {
      if (req.url?.includes('watch=')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        open.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod('waiting') }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(api.address() as { port: number }).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    try {
      const e = await ensureDebugContainer(kc, 'shop', 'frontend-0', { image: 'nicolaka/netshoot', readyTimeoutMs: 8000, signal: stop.signal }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PodWaitAborted);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      for (const r of open) r.destroy();
      api.close();
    }
  }, 15_000);
});
