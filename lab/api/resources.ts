// The resources the lab serves: one table drives discovery, routing, kinds and authorization.

export interface ResourceDef {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  group: string; // '' = core
  version: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  categories?: string[];
}

const READ = ['get', 'list', 'watch'];

export const RESOURCES: ResourceDef[] = [
  { plural: 'namespaces', singular: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], verbs: READ },
  { plural: 'nodes', singular: 'node', kind: 'Node', listKind: 'NodeList', group: '', version: 'v1', namespaced: false, shortNames: ['no'], verbs: READ },
  { plural: 'pods', singular: 'pod', kind: 'Pod', listKind: 'PodList', group: '', version: 'v1', namespaced: true, shortNames: ['po'], verbs: [...READ, 'create', 'delete'], categories: ['all'] },
  { plural: 'services', singular: 'service', kind: 'Service', listKind: 'ServiceList', group: '', version: 'v1', namespaced: true, shortNames: ['svc'], verbs: READ, categories: ['all'] },
  { plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', listKind: 'ConfigMapList', group: '', version: 'v1', namespaced: true, shortNames: ['cm'], verbs: READ },
  { plural: 'events', singular: 'event', kind: 'Event', listKind: 'EventList', group: '', version: 'v1', namespaced: true, shortNames: ['ev'], verbs: ['list', 'watch'] },
  { plural: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice', listKind: 'EndpointSliceList', group: 'discovery.k8s.io', version: 'v1', namespaced: true, shortNames: [], verbs: READ },
  { plural: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', group: 'networking.k8s.io', version: 'v1', namespaced: true, shortNames: ['netpol'], verbs: [...READ, 'create', 'delete', 'update', 'patch'] },
];

/** Subresources served under /api/v1 (discovery lists them so kubectl knows exec/debug exist). */
export const POD_SUBRESOURCES: { name: string; kind: string; verbs: string[] }[] = [
  { name: 'pods/exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
  { name: 'pods/attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  { name: 'pods/ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  { name: 'pods/status', kind: 'Pod', verbs: ['get'] },
];

export const GROUPS = [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ''))];

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export const resourceByKind = (kind: string) => RESOURCES.find((r) => r.kind === kind);

export const apiVersionOf = (r: ResourceDef) => (r.group ? `${r.group}/${r.version}` : r.version);
