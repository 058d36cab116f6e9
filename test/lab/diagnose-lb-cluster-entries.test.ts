// A LoadBalancer with externalTrafficPolicy Cluster spreads the outside client's connections over every node, and each
// node's kube-proxy over every endpoint: a fault on one node-to-endpoint way fails only the connections that take it.
// On the default lab (storefront, LoadBalancer 198.51.100.129: frontend-0 on worker-1, frontend-1 on worker-2) with
// frontend-0 lacking its default route, a connection entering worker-2 and sent to frontend-0 (masqueraded to
// worker-2's flannel.1 address) gets no answer, every other combination works. The verdict must be the same every run,
// whichever node the client's one connect landed on: degraded, naming frontend-0's missing way back to worker-2 —
// never reachable with the broken way unseen, never unreachable while most connections work.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useLab, outcome } from './diagnoseLab';
import { outsideNetns } from '../../lab/outside';

const lab = useLab('lbc', '../../../lab/default.yaml');

/** Real connects from the lab's outside client to the LoadBalancer address: how many of `n` opened. */
async function opened(n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    ok += await new Promise<number>((resolve) => execFile('ip', ['netns', 'exec', outsideNetns(lab.instance), 'nc', '-z', '-w', '2', '198.51.100.129', '80'], { timeout: 10_000 }, (e) => resolve(e ? 0 : 1)));
  }
  return ok;
}

describe('a LoadBalancer (externalTrafficPolicy Cluster) with one broken node-to-endpoint way', () => {
  it('healthy: reachable', async () => {
    expect(outcome(await lab.diagnose('outside', '198.51.100.129:80'))).toBe('reachable/-@-');
  });

  it('pod-default-route-missing:pod=shop/frontend-0: degraded with the way back from worker-2 named, run after run', async () => {
    await lab.withFault('pod-default-route-missing:pod=shop/frontend-0', async () => {
      const open = await opened(12);
      expect(open, 'some real connects open').toBeGreaterThan(0);
      expect(open, 'some real connects fail').toBeLessThan(12);
      for (let i = 0; i < 3; i++) {
        const d = await lab.diagnose('outside', '198.51.100.129:80');
        expect(outcome(d), `run ${i}`).toBe('degraded/pod-network@dst-pod');
        expect(d.firstFailure!.reason).toMatch(/^shop\/frontend-0 has no route to 10\.244\.2\.0 \(the source it sees: worker-2's address after kube-proxy's masquerade\)/);
        expect(d.hops.find((h) => h.id === 'node-port')!.label).toBe('NodePort ' + d.hops.find((h) => h.id === 'node-port')!.details!.nodePort + ' on worker-2');
      }
    });
  });
});
