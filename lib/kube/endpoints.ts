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
