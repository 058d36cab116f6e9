// Topology-aware routing in kube-proxy: which of a Service's ready endpoints the node's "cluster" chain (KUBE-SVC- /
// service-) DNATs to, from the EndpointSlice hints. A port of upstream kube-proxy's pkg/proxy/topology.go
// (kubernetes/kubernetes 008b3652959c: CategorizeEndpoints → topologyModeFromHints + availableForTopology):
//   - every ready endpoint has node hints and one names this node → only the endpoints hinted for this node
//     (PreferSameNode; upstream behind the PreferSameTrafficDistribution feature gate, programmed here as if it were on);
//   - else every ready endpoint has zone hints and one names this node's zone → only those hinted for the zone;
//   - else every ready endpoint (hints ignored: some endpoint lacks one, or none is for this node/zone).
// kube-proxy no longer reads the Service's annotations or trafficDistribution here: the hints alone decide. The
// Local policies (internal/externalTrafficPolicy: Local) keep using this node's endpoints, hints or not.
import type { Endpoint } from './objects';

export type TopologyMode = '' | 'PreferSameNode' | 'PreferSameZone';

/** topologyModeFromHints over ready endpoints (ServicePort.endpoints holds only ready ones). */
export function topologyMode(endpoints: Endpoint[], nodeName: string, zone: string | undefined): TopologyMode {
  if (!endpoints.length) return '';
  const has = (hints: string[] | undefined, v: string | undefined) => v !== undefined && v !== '' && (hints ?? []).includes(v);
  if (endpoints.every((e) => (e.nodeHints ?? []).length > 0) && endpoints.some((e) => has(e.nodeHints, nodeName))) return 'PreferSameNode';
  if (endpoints.every((e) => (e.zoneHints ?? []).length > 0) && endpoints.some((e) => has(e.zoneHints, zone))) return 'PreferSameZone';
  return '';
}

/** The cluster-policy endpoints of this node: the ready endpoints availableForTopology under the mode the hints give. */
export function clusterEndpoints(endpoints: Endpoint[], nodeName: string, zone: string | undefined): Endpoint[] {
  const mode = topologyMode(endpoints, nodeName, zone);
  if (mode === 'PreferSameNode') return endpoints.filter((e) => (e.nodeHints ?? []).includes(nodeName));
  if (mode === 'PreferSameZone') return endpoints.filter((e) => (e.zoneHints ?? []).includes(zone!));
  return endpoints;
}
