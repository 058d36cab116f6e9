// Nodes named with dots, as EKS names them (ip-10-0-1-23.ec2.internal): the lab comes up, the API serves the
// names as written, the kernel names derived from them carry no dot, and a cross-node path (from a pod, and
// from a node's own network through its node debug pod) is diagnosed with the same hops as on worker-1/worker-2.
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readState } from '../../lab/state';
import { loadCluster } from '../../server/cluster/kubeconfig';
import { failingHops, outcome, useLab } from './diagnoseLab';

const A = 'ip-10-0-1-23.ec2.internal';
const B = 'ip-10-0-2-7.ec2.internal';
const lab = useLab('dot', 'dotted-nodes.yaml');

describe('a lab whose nodes are named with dots', () => {
  it('serves the Nodes and spec.nodeName as written, with dot-less netns and link names', async () => {
    const core = loadCluster({ kubeconfig: lab.kubeconfig }).kc.makeApiClient(CoreV1Api);
    expect((await core.listNode()).items.map((n) => n.metadata?.name)).toEqual([A, B]);
    expect((await core.readNamespacedPod({ name: 'backend-0', namespace: 'shop' })).spec?.nodeName).toBe(B);
    const st = readState(`/run/packetwalk/${lab.instance}`)!;
    for (const n of st.nodes) {
      expect(n.netns).toMatch(new RegExp(`^${lab.instance}-node-ip-10-0-\\d-\\d+-ec2-internal-[0-9a-f]{8}$`));
      expect(n.underlayVeth).toMatch(/^[a-z0-9-]{1,15}$/);
    }
  });

  it('diagnoses a cross-node path from a pod and from a node with every hop passing', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'backend.shop:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.hops.map((h) => `${h.id}${h.node ? `@${h.node}` : ''}`)).toEqual(['src-pod@' + A, 'dns', 'service', `src-veth@${A}`, `src-node@${A}`, 'overlay', `dst-node@${B}`, `dst-veth@${B}`, `dst-pod@${B}`]);
    expect(d.hops.find((h) => h.id === 'overlay')!.label).toBe(`${A} → ${B}`);
    const n = await lab.diagnose(`node/${A}`, 'backend.shop:80');
    expect(outcome(n)).toBe('reachable/-@-');
    expect(failingHops(n)).toEqual([]);
    expect(n.hops.find((h) => h.id === 'src-node')!.node).toBe(A);
    expect((await lab.footprint()).nodeDebugPods).toEqual([]);
  });
});
