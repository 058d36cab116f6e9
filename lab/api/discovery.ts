// Discovery documents (legacy, non-aggregated form: kubectl falls back to it when the response is not
// an APIGroupDiscoveryList) and /version.
import { GROUPS, POD_SUBRESOURCES, RESOURCES, type ResourceDef } from './resources';

export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-packetwalk-lab',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-23T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const resourceEntry = (r: ResourceDef) => ({
  name: r.plural,
  singularName: r.singular,
  namespaced: r.namespaced,
  kind: r.kind,
  verbs: r.verbs,
  ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
  ...(r.categories ? { categories: r.categories } : {}),
});

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** authorization.k8s.io: only SelfSubjectAccessReview (`kubectl auth can-i`), which every user may create. */
export const AUTHZ_GROUP = 'authorization.k8s.io';
const AUTHZ_RESOURCES = [{ name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] }];

export function resourceList(group: string, version: string) {
  if (group === AUTHZ_GROUP && version === 'v1') return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: AUTHZ_RESOURCES };
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return null;
  const resources: object[] = rs.map(resourceEntry);
  if (group === '') for (const s of POD_SUBRESOURCES) resources.push({ name: s.name, singularName: '', namespaced: true, kind: s.kind, verbs: s.verbs });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

const groupEntry = (g: string) => {
  const v = RESOURCES.find((r) => r.group === g)?.version ?? 'v1';
  const gv = { groupVersion: `${g}/${v}`, version: v };
  return { name: g, versions: [gv], preferredVersion: gv };
};

export const apiGroupList = () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [...GROUPS, AUTHZ_GROUP].map(groupEntry) });

export const apiGroup = (g: string) => (GROUPS.includes(g) || g === AUTHZ_GROUP ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g) } : null);
