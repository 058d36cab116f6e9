// NetworkPolicy enforcement (`networkPolicy: enforce`): lab/rules' filter chains applied in every node
// netns with iptables-restore --noflush, named as the lab's family names them (calico: Felix's cali-
// chains; the others: PACKETWALK-*, the kube-network-policies shape); `ignore` applies nothing, as
// flannel does. The family's own filter rules that must sit before kube-proxy's hooks (Felix's
// cali-INPUT) are applied here too, after kube-proxy.
import { cniOf, familyVethName } from '../families';
import { PACKETWALK_SHAPE, renderPolicyRestore, type PolicyChainShape } from '../rules/policy';
import { readState } from '../state';
import type { LabState } from '../types';
import { felixInputRestore } from './families/calico';
import { chainsIn } from './proxy';
import { inNetns, must } from './sh';

/** The policy chain names of a lab's family (DESIGN §3.1). */
export function policyShape(st: Pick<LabState, 'cluster'>): PolicyChainShape {
  switch (cniOf(st.cluster)) {
    case 'calico': {
      const iface = (ns: string, name: string) => familyVethName('calico', ns, name)!;
      return { forward: 'cali-FORWARD', ingress: (ns, name) => `cali-tw-${iface(ns, name)}`, egress: (ns, name) => `cali-fw-${iface(ns, name)}`, perPod: /^cali-(tw|fw)-/, hookComment: 'cali:wUHhoiAYhphO9Mso' };
    }
    case 'cilium':
      return { ...PACKETWALK_SHAPE, skipIn: ['cilium_net'] };
    default:
      return PACKETWALK_SHAPE;
  }
}

/** Applies the family's filter rules and the NetworkPolicy filter rules on every node (no policy rules when the lab ignores policies). */
export async function applyPolicies(st: LabState, fresh = false): Promise<void> {
  const enforce = st.cluster.networkPolicy === 'enforce';
  const felix = cniOf(st.cluster) === 'calico' && st.cluster.overlay === 'vxlan';
  if (!enforce && !felix) return;
  const input = {
    policies: st.objects.filter((o) => o.kind === 'NetworkPolicy'),
    pods: st.objects.filter((o) => o.kind === 'Pod'),
    namespaces: st.objects.filter((o) => o.kind === 'Namespace'),
  };
  const shape = policyShape(st);
  await Promise.all(
    st.nodes.map(async (n) => {
      const existingChains = fresh ? undefined : await chainsIn(n.netns, 'filter');
      if (felix) {
        await must(inNetns(n.netns, ['iptables-restore', '--noflush']), { input: felixInputRestore(st, n, !existingChains?.includes('cali-INPUT')), what: `Felix cali-INPUT rules on ${n.name}` });
      }
      if (!enforce) return;
      await must(inNetns(n.netns, ['iptables-restore', '--noflush']), { input: renderPolicyRestore({ ...input, nodeName: n.name, existingChains, shape }), what: `NetworkPolicy rules on ${n.name}` });
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
