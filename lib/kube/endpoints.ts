// EndpointSlice readiness (discovery.k8s.io/v1): which addresses a Service really sends traffic to.
import type { Endpoint, EndpointSlice, Service, ServicePort } from './types';
import { nsName, protocolOf } from './types';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface EndpointEntry {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  /** "ns/name" of the backing pod when the slice names it. */
  pod?: string;
  /** hints.forZones of the endpoint (topology-aware routing), when the slice gives hints */
  hintZones?: string[];
  /** hints.forNodes of the endpoint (trafficDistribution PreferSameNode), when the slice gives them */
  hintNodes?: string[];
}

export interface ServicePortEndpoints {
  service: string; // ns/name
  portName: string; // '' for an unnamed port
  protocol: string;
  endpoints: EndpointEntry[];
  /** "ip:port" of the ready endpoints, sorted: what kube-proxy should DNAT to. */
  ready: string[];
  /** "ip:port" of endpoints listed but not ready (NotReady or terminating). */
  notReady: string[];
  /** "ip:port" of terminating endpoints that still serve: kube-proxy falls back to them when none is ready. */
  servingTerminating: string[];
}

/** The API docs: a nil `ready` is to be read as ready; `serving` nil follows `ready`; `terminating` nil is false. */
export function endpointConditions(ep: Endpoint): { ready: boolean; serving: boolean; terminating: boolean } {
  const c = ep.conditions ?? {};
  const ready = c.ready ?? true;
  return { ready, serving: c.serving ?? ready, terminating: c.terminating ?? false };
}

/** The slices that belong to a Service: same namespace, label kubernetes.io/service-name = its name. */
export function slicesForService(service: Service, slices: readonly EndpointSlice[]): EndpointSlice[] {
  const ns = service.metadata?.namespace ?? 'default';
  const name = service.metadata?.name;
  return slices.filter((s) => (s.metadata?.namespace ?? 'default') === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
}

/** Groups slices by "ns/service" (the label), for callers that look up many Services. */
export function groupSlicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${svc}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

/** The endpoints of one Service port: the slice port with the same name (and protocol) gives the target port. */
export function endpointsForServicePort(
  service: Service,
  servicePort: ServicePort,
  slices: readonly EndpointSlice[],
): ServicePortEndpoints {
  const portName = servicePort.name ?? '';
  const protocol = protocolOf(servicePort.protocol);
  const seen = new Set<string>();
  const endpoints: EndpointEntry[] = [];
  for (const slice of slicesForService(service, slices)) {
    if (slice.addressType && slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue; // FQDN slices
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && protocolOf(p.protocol) === protocol);
    if (!sp || sp.port === null || sp.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const cond = endpointConditions(ep);
      for (const ip of ep.addresses ?? []) {
        const key = `${ip}:${sp.port}`;
        if (seen.has(key)) continue; // an endpoint may appear in two slices during a resync
        seen.add(key);
        const tr = ep.targetRef;
        endpoints.push({
          ip,
          port: sp.port,
          ...cond,
          ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
          ...(tr?.name && (tr.kind ?? 'Pod') === 'Pod' ? { pod: `${tr.namespace ?? service.metadata?.namespace ?? 'default'}/${tr.name}` } : {}),
          ...((ep as EndpointX).hints?.forZones?.length ? { hintZones: (ep as EndpointX).hints!.forZones!.map((z) => z.name) } : {}),
          ...((ep as EndpointX).hints?.forNodes?.length ? { hintNodes: (ep as EndpointX).hints!.forNodes!.map((z) => z.name) } : {}),
        });
      }
    }
  }
  const fmt = (e: EndpointEntry) => formatEndpoint(e.ip, e.port);
  return {
    service: nsName(service),
    portName,
    protocol,
    endpoints,
    ready: endpoints.filter((e) => e.ready).map(fmt).sort(compareEndpoints),
    notReady: endpoints.filter((e) => !e.ready).map(fmt).sort(compareEndpoints),
    servingTerminating: endpoints.filter((e) => e.serving && e.terminating).map(fmt).sort(compareEndpoints),
  };
}

/** "ip:port", with brackets for IPv6 as kube-proxy writes it. */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Numeric order of IPv4 endpoints ("10.0.0.9:80" before "10.0.0.10:80"); others by string. */
export function compareEndpoints(a: string, b: string): number {
  const pa = a.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/);
  const pb = b.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/);
  if (pa && pb) {
    for (let i = 1; i <= 5; i++) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

// ------------------------------------------------------------ kube-proxy's own endpoint choice ----

/** The well-known node label kube-proxy reads its zone from (k8s.io/api core/v1 LabelTopologyZone). */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** The zone of node `name` among `nodes` (its ZONE_LABEL), undefined when it has none or is not there. */
export function nodeZone(nodes: readonly { metadata?: { name?: string; labels?: Record<string, string> | null } }[], name: string | undefined): string | undefined {
  return name === undefined ? undefined : nodes.find((n) => n.metadata?.name === name)?.metadata?.labels?.[ZONE_LABEL] || undefined;
}

/** Fields of the API the choice reads beyond lib/kube/types (Service.spec.internalTrafficPolicy, Endpoint.hints). */
type ServiceX = Service & { spec?: { internalTrafficPolicy?: string | null } };
type EndpointX = Endpoint & { hints?: { forZones?: { name: string }[] | null; forNodes?: { name: string }[] | null } | null; zone?: string | null };

export interface KubeProxyView {
  /** "ip:port" kube-proxy on this node DNATs the ClusterIP to (what the rules should show), sorted */
  expected: string[];
  /** internalTrafficPolicy of the Service ('Cluster' when unset) */
  policy: 'Cluster' | 'Local';
  /** ITP Local and no usable endpoint on this node: kube-proxy drops ("has no local endpoints") on purpose */
  noLocal: boolean;
  /** why `expected` is not simply the ready endpoints, for the sentence ('' when it is) */
  note: string;
}

const familyOf = (ip: string) => (ip.includes(':') ? 'IPv6' : 'IPv4');

/**
 * The endpoints kube-proxy on `node` uses for a ClusterIP — or, `external`, for a NodePort or LoadBalancer address
 * with externalTrafficPolicy Cluster (its "cluster endpoints": internalTrafficPolicy does not apply) — as upstream
 * pkg/proxy/topology.go CategorizeEndpoints chooses them: only the VIP's address family; ready endpoints, else
 * terminating ones that still serve (topology ignored then); with internalTrafficPolicy Local only those on `node`
 * (none → a deliberate drop); and by the EndpointSlice hints alone (topologyModeFromHints, kube-proxy ≥ 1.31: no
 * annotation read — the EndpointSlice controller writes hints only for `spec.trafficDistribution` or the
 * `service.kubernetes.io/topology-mode` annotation): every ready endpoint with node hints and one for `node` → only
 * those (PreferSameNode); else every ready endpoint with zone hints and one for `zone` (the node's
 * `topology.kubernetes.io/zone`) → only those; else all.
 */
export function kubeProxyView(service: Service, spe: ServicePortEndpoints, ctx: { node?: string; zone?: string; vip: string; external?: boolean }): KubeProxyView {
  const fam = familyOf(ctx.vip);
  const eps = spe.endpoints.filter((e) => familyOf(e.ip) === fam);
  const usable = (list: EndpointEntry[]) => {
    const ready = list.filter((e) => e.ready);
    return ready.length ? ready : list.filter((e) => e.serving && e.terminating);
  };
  const fmt = (e: EndpointEntry) => formatEndpoint(e.ip, e.port);
  const notes: string[] = [];
  if (eps.length < spe.endpoints.length) notes.push(`only the ${fam} endpoints serve the ${fam} ClusterIP ${ctx.vip}`);
  const policy = (service as ServiceX).spec?.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster';
  if (policy === 'Local' && !ctx.external) {
    const local = usable(eps.filter((e) => ctx.node !== undefined && e.nodeName === ctx.node));
    const expected = local.map(fmt).sort(compareEndpoints);
    notes.push(`internalTrafficPolicy Local: kube-proxy on ${ctx.node ?? 'the node'} uses only its own endpoints${expected.length ? '' : ', and it has none'}`);
    return { expected, policy, noLocal: expected.length === 0 && usable(eps).length > 0, note: notes.join('; ') };
  }
  let chosen = usable(eps);
  const ready = eps.filter((e) => e.ready);
  const hinted = (hints: (e: EndpointEntry) => string[] | undefined, mine: string | undefined) =>
    mine !== undefined && ready.length > 0 && ready.every((e) => hints(e)?.length) && ready.some((e) => hints(e)!.includes(mine));
  if (hinted((e) => e.hintNodes, ctx.node)) {
    chosen = ready.filter((e) => e.hintNodes!.includes(ctx.node!));
    notes.push(`topology hints: kube-proxy on ${ctx.node} uses only the endpoints hinted for its node`);
  } else if (hinted((e) => e.hintZones, ctx.zone)) {
    chosen = ready.filter((e) => e.hintZones!.includes(ctx.zone!));
    notes.push(`topology hints: kube-proxy in zone ${ctx.zone} uses only the endpoints hinted for it`);
  }
  const expected = chosen.map(fmt).sort(compareEndpoints);
  if (!spe.ready.length && expected.length) notes.push('no endpoint is ready, so kube-proxy uses the terminating ones that still serve');
  return { expected, policy, noLocal: false, note: notes.join('; ') };
}
