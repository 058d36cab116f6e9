// kube-proxy in the node netns: lab/rules' text applied with iptables-restore --noflush (re-syncs pass
// the chains already there, so stale ones are deleted) or nft -f -. Faults that live in kube-proxy's rules
// (proxy-rules-missing, stale-proxy-rules) are rendered from state.faults, so every re-sync keeps them.
import { parseCidr, nthIp } from '../ipv4';
import { ZONE_LABEL } from '../objects';
import { renderIptablesRestore, renderNftScript, type ProxyRulesInput } from '../rules';
import type { LabNode, LabState } from '../types';
import { inNetns, must } from './sh';

type Obj = Record<string, unknown>;

/** Chain names declared in one table of a node's `iptables-save`. */
export async function chainsIn(netns: string, table: 'filter' | 'nat'): Promise<string[]> {
  const out = await must(inNetns(netns, ['iptables-save', '-t', table]), { what: `reading ${table} rules of ${netns}` });
  return out.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]);
}

/**
 * The address stale-proxy-rules DNATs to: inside the pod CIDR of the node that hosts the Service's
 * first endpoint, held by no pod (as after the pod behind it was deleted).
 */
export function staleEndpointIP(st: LabState, service: string): string {
  const [ns, name] = service.split('/');
  const slice = st.objects.find((o) => o.kind === 'EndpointSlice' && o.metadata.namespace === ns && o.metadata.labels?.['kubernetes.io/service-name'] === name);
  const nodeName = ((slice?.endpoints as Obj[] | undefined)?.[0]?.nodeName as string | undefined) ?? st.nodes[0].name;
  const node = st.nodes.find((n) => n.name === nodeName) ?? st.nodes[0];
  const used = new Set(st.pods.map((p) => p.ip));
  const c = parseCidr(node.podCIDR)!;
  for (let i = 254; i > 1; i--) if (!used.has(nthIp(c, i))) return nthIp(c, i);
  throw new Error(`node ${node.name} has no free address for a stale endpoint`);
}

export function proxyInput(st: LabState, n: LabNode): ProxyRulesInput {
  const faults = st.faults;
  return {
    services: st.objects.filter((o) => o.kind === 'Service'),
    endpointSlices: st.objects.filter((o) => o.kind === 'EndpointSlice'),
    nodeName: n.name,
    nodeIP: n.internalIP,
    // kube-proxy reads its zone from its own Node (cluster.zones put the label there)
    zone: st.objects.find((o) => o.kind === 'Node' && o.metadata.name === n.name)?.metadata.labels?.[ZONE_LABEL],
    clusterCIDR: st.cluster.podCIDR,
    omitServices: faults.filter((f) => f.name === 'proxy-rules-missing').map((f) => f.params.service),
    staleEndpoints: Object.fromEntries(faults.filter((f) => f.name === 'stale-proxy-rules').map((f) => [f.params.service, [staleEndpointIP(st, f.params.service)]])),
  };
}

/** (Re)programs kube-proxy's rules on every node. `fresh`: the netns has no rules yet (lab up). */
export async function syncProxy(st: LabState, fresh = false): Promise<void> {
  await Promise.all(
    st.nodes.map(async (n) => {
      const input = proxyInput(st, n);
      if (st.cluster.kubeProxy === 'nftables') {
        await must(inNetns(n.netns, ['nft', '-f', '-']), { input: renderNftScript({ ...input, serviceCIDR: st.cluster.serviceCIDR }), what: `kube-proxy nftables rules on ${n.name}` });
        return;
      }
      const existingChains = fresh ? undefined : [...(await chainsIn(n.netns, 'filter')), ...(await chainsIn(n.netns, 'nat'))];
      await must(inNetns(n.netns, ['iptables-restore', '--noflush']), { input: renderIptablesRestore({ ...input, existingChains }), what: `kube-proxy iptables rules on ${n.name}` });
    }),
  );
}

