// North-south verdicts whose hops do not contradict them, through the real engine (diagnose(): live probes from the
// lab's outside client netns, node debug pods, the capture layer) on lib/verdict/fixtures/edge/ns-no-selector.yaml
// (lab/default.yaml plus selectorless Services shop/legacy, NodePort 31777, and shop/legacy-lb, LoadBalancer).
// The judge's own cases are lib/verdict/nsOutsideStops.test.ts over recordings of this lab; what only the lab shows:
// the whole engine's Diagnosis, and a node port nothing holds judged from the client's reset alone when the node
// debug pods cannot start at all (a debug namespace that does not exist), so no socket table is read.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../server/diagnose';
import { kubectl } from '../../lab/api/testkit';
import { noSelectorNextStep } from '../../lib/causes';
import type { Diagnosis } from '../../lib/model';
import { useLab } from './diagnoseLab';

const lab = useLab('nsst', '../../../lib/verdict/fixtures/edge/ns-no-selector.yaml');
const hop = (d: Diagnosis, id: string) => d.hops.find((h) => h.id === id)!;
const get = (name: string, path: string) => {
  const r = kubectl(lab.kubeconfig, ['get', 'svc', '-n', 'shop', name, '-o', `jsonpath={${path}}`]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
};

describe('outside: where the traffic stops is never shown green', () => {
  it('a ClusterIP: unreachable, no first failure, the client and service hops not judged (nc: Network is unreachable)', async () => {
    const vip = get('storefront', '.spec.clusterIP');
    const d = await lab.diagnose('outside', `${vip}:80`);
    expect(d.verdict).toBe('unreachable');
    expect(d.firstFailure).toBeNull();
    expect(d.summary).toContain(`${vip} is the ClusterIP of Service shop/storefront`);
    expect(hop(d, 'client')).toMatchObject({ status: 'skip', cause: null });
    expect(hop(d, 'client').summary).toMatch(new RegExp(`^not judged: the outside client → ${vip.replaceAll('.', '\\.')}:80: nc says "Network is unreachable": the traffic stops here, before the cluster`));
    expect(hop(d, 'service').status).toBe('skip');
    for (const h of d.hops.filter((x) => x.status === 'pass')) expect(h.summary).not.toMatch(/from the outside client: unreachable/);
  }, 120_000);

  it('a node port nothing holds, the node debug pods refused: node-port fails app-not-listening on the reset alone', async () => {
    const d = await diagnose({ from: 'outside', to: 'node/worker-1:31999' }, { kubeconfig: lab.kubeconfig, debugNamespace: 'nons' });
    expect(d.verdict).toBe('unreachable');
    expect(d.firstFailure).toMatchObject({ hop: 'node-port', cause: 'app-not-listening' });
    expect(d.firstFailure!.reason).toMatch(/^worker-1 answers TCP 31999 with a reset \(connection refused\): nothing listens on port 31999 in worker-1's own network, and no Service has NodePort 31999 \(worker-1's socket table was not read: namespace nons does not exist/);
    expect(d.firstFailure!.nextStep).toContain('NODEPORT:.spec.ports[*].nodePort');
    expect(hop(d, 'client').status).toBe('skip');
    expect(hop(d, 'client').summary).toMatch(/^not judged: the outside client → [\d.]+:31999: nc says "Connection refused"; the client only dials, and where the traffic stops is judged at node-port$/);
  }, 120_000);

  it('a LoadBalancer Service without a selector: no-endpoints with the shared no-selector next step', async () => {
    const ip = get('legacy-lb', '.status.loadBalancer.ingress[0].ip');
    const d = await lab.diagnose('outside', `${ip}:80`);
    expect(d.verdict).toBe('unreachable');
    expect(d.firstFailure).toMatchObject({ hop: 'node-port', cause: 'no-endpoints', nextStep: noSelectorNextStep('shop', 'legacy-lb') });
    expect(hop(d, 'client').status).toBe('skip');
    expect(hop(d, 'lb').status).toBe('skip');
  }, 120_000);
});
