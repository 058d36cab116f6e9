// Reads the objects a plan needs (DESIGN §5 config depth: get/list only). Pods, Services, EndpointSlices,
// NetworkPolicies and Namespaces are required; Nodes and the kube-proxy ConfigMap are optional (a
// namespace-scoped viewer may not list them) and their absence only weakens some checks.
import { CoreV1Api, DiscoveryV1Api, NetworkingV1Api, type KubeConfig, type V1NetworkPolicy } from '@kubernetes/client-node';
import type { ClusterSnapshot } from '../../lib/plan';
import { explainApiError } from './explain';
import { ClusterError } from './errors';

export async function readSnapshot(kc: KubeConfig, context: string, server?: string): Promise<ClusterSnapshot> {
  const core = kc.makeApiClient(CoreV1Api);
  const disc = kc.makeApiClient(DiscoveryV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const must = async <T>(resource: string, p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      const x = explainApiError(e, { verb: 'list', resource, context, ...(server ? { server } : {}) });
      throw new ClusterError(x.sentence, x.fix, x.raw, x.status);
    }
  };
  const may = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch {
      return undefined;
    }
  };
  const [pods, services, slices, policies, namespaces, nodes, kubeProxy] = await Promise.all([
    must('pods', core.listPodForAllNamespaces()),
    must('services', core.listServiceForAllNamespaces()),
    must('endpointslices', disc.listEndpointSliceForAllNamespaces()),
    must('networkpolicies', net.listNetworkPolicyForAllNamespaces()),
    must('namespaces', core.listNamespace()),
    may(core.listNode()),
    may(core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' })),
  ]);
  // client-node hands back class instances; lib/ reads them structurally, except one renamed field.
  return {
    pods: pods.items as ClusterSnapshot['pods'],
    services: services.items as ClusterSnapshot['services'],
    endpointSlices: slices.items as ClusterSnapshot['endpointSlices'],
    policies: policies.items.map(policyToWire),
    namespaces: namespaces.items as ClusterSnapshot['namespaces'],
    nodes: (nodes?.items ?? []) as ClusterSnapshot['nodes'],
    ...(kubeProxy ? { kubeProxyConfig: kubeProxy as ClusterSnapshot['kubeProxyConfig'] } : {}),
  };
}

/**
 * client-node's model renames the ingress rule's `from` (a reserved word in its generator) to `_from`;
 * lib/kube reads the API's JSON names. Without this every ingress peer list reads as "from anywhere".
 */
export function policyToWire(p: V1NetworkPolicy): ClusterSnapshot['policies'][number] {
  const spec = p.spec;
  if (!spec?.ingress) return p as ClusterSnapshot['policies'][number];
  const ingress = spec.ingress.map((r) => {
    const { _from, ...rest } = r as typeof r & { _from?: unknown };
    return _from === undefined ? rest : { ...rest, from: _from };
  });
  return { ...p, spec: { ...spec, ingress } } as ClusterSnapshot['policies'][number];
}
