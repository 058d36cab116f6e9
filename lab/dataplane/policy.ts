// NetworkPolicy enforcement (`networkPolicy: enforce`): lab/rules' PACKETWALK-* filter chains applied
// in every node netns with iptables-restore --noflush; `ignore` applies nothing, as flannel does.
import { renderPolicyRestore } from '../rules';
import { readState } from '../state';
import type { LabState } from '../types';
import { chainsIn } from './proxy';
import { inNetns, must } from './sh';

/** Applies the NetworkPolicy filter rules on every node (nothing when the lab ignores policies). */
export async function applyPolicies(st: LabState, fresh = false): Promise<void> {
  if (st.cluster.networkPolicy !== 'enforce') return;
  const input = {
    policies: st.objects.filter((o) => o.kind === 'NetworkPolicy'),
    pods: st.objects.filter((o) => o.kind === 'Pod'),
    namespaces: st.objects.filter((o) => o.kind === 'Namespace'),
  };
  await Promise.all(
    st.nodes.map(async (n) => {
      const existingChains = fresh ? undefined : await chainsIn(n.netns, 'filter');
      await must(inNetns(n.netns, ['iptables-restore', '--noflush']), { input: renderPolicyRestore({ ...input, nodeName: n.name, existingChains }), what: `NetworkPolicy rules on ${n.name}` });
    }),
  );
}

/**
 * Re-reads the lab's state and re-applies every node's NetworkPolicy rules. The lab API calls this after
 * a NetworkPolicy is created or deleted through the API (and the tests, to swap policies quickly).
 */
export function syncPolicies(labDir: string): Promise<void> {
  // One at a time: each run reads the chains the previous one left (API writes can arrive together).
  const next = queue.catch(() => {}).then(async () => {
    const st = readState(labDir);
    if (!st) throw new Error(`no lab state in ${labDir}`);
    await applyPolicies(st);
  });
  queue = next;
  return next;
}

let queue: Promise<void> = Promise.resolve();
