// Services and EndpointSlices (v1 / discovery.k8s.io/v1 JSON) reduced to what kube-proxy programs:
// one ServicePort per (Service, port) with its ready endpoints. Bad objects throw RulesInputError
// naming the object and field, so a broken lab file never turns into a half-written rule set.
import type { KubeObject } from '../types';

export class RulesInputError extends Error {
  override name = 'RulesInputError';
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  nodeName?: string;
  /** hints.forZones[].name of the endpoint (topology-aware routing; lab/rules/topology.ts) */
  zoneHints?: string[];
  /** hints.forNodes[].name of the endpoint (trafficDistribution: PreferSameNode) */
  nodeHints?: string[];
}

export interface ServicePort {
  namespace: string;
  service: string;
  /** port name, '' when the port is unnamed */
  portName: string;
  /** kube-proxy's ServicePortName.String(): "ns/svc:port" or "ns/svc" for an unnamed port */
  spn: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress[].ip (type LoadBalancer) */
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges, trimmed as kube-proxy trims them */
  sourceRanges: string[];
  /** externalTrafficPolicy: Local on an externally reachable Service */
  externalLocal: boolean;
  /** internalTrafficPolicy: Local: cluster IP traffic only to this node's endpoints (KUBE-SVL-), dropped without one */
  internalLocal?: boolean;
  healthCheckNodePort?: number;
  /** sessionAffinity: ClientIP → its timeout in seconds (default 10800), else undefined */
  affinitySeconds?: number;
  /** ready endpoints, sorted as kube-proxy sorts them (by "ip:port" string); each node's cluster chain uses those its hints allow (topology.ts) */
  endpoints: Endpoint[];
}

import { isIPv4 } from '../../lib/ip';

export { isIPv4 };

export function isCIDRv4(s: string): boolean {
  const [ip, len, ...rest] = s.split('/');
  return rest.length === 0 && isIPv4(ip) && len !== undefined && /^\d{1,2}$/.test(len) && Number(len) <= 32;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function objName(o: KubeObject): string {
  return `${o.kind ?? 'object'} ${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? '(unnamed)'}`;
}

export function parseProtocol(v: unknown, where: string): Protocol {
  if (v === undefined || v === null || v === '') return 'TCP';
  if (v === 'TCP' || v === 'UDP' || v === 'SCTP') return v;
  throw new RulesInputError(`${where}: protocol ${JSON.stringify(v)} is not supported; use TCP, UDP or SCTP`);
}

function parsePort(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) return v;
  throw new RulesInputError(`${where}: ${JSON.stringify(v)} is not a port number; use an integer 1-65535`);
}

/** Endpoint readiness as kube-proxy reads it: a nil `ready` condition counts as ready. */
export function endpointReady(ep: Record<string, unknown>): boolean {
  return asRecord(ep.conditions).ready !== false;
}

export function serviceKey(o: KubeObject): string {
  return `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`;
}

/**
 * Every ClusterIP-bearing Service port with its ready IPv4 endpoints. Headless and ExternalName
 * Services get no rules (kube-proxy skips them too).
 */
export function servicePorts(services: KubeObject[], endpointSlices: KubeObject[]): ServicePort[] {
  const out: ServicePort[] = [];
  for (const svc of services) {
    if (svc.kind !== undefined && svc.kind !== 'Service') continue;
    const spec = asRecord(svc.spec);
    const where = objName({ ...svc, kind: 'Service' });
    if (!svc.metadata?.name) throw new RulesInputError(`Service: metadata.name is missing; give every Service a name`);
    const type = (spec.type as string | undefined) ?? 'ClusterIP';
    if (type === 'ExternalName') continue;
    const clusterIP = spec.clusterIP;
    if (clusterIP === 'None') continue;
    if (typeof clusterIP !== 'string' || !isIPv4(clusterIP)) {
      throw new RulesInputError(`${where}: spec.clusterIP ${JSON.stringify(clusterIP)} is not an IPv4 address; set spec.clusterIP (the lab assigns one from serviceCIDR)`);
    }
    const namespace = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name;
    const affinity = spec.sessionAffinity === 'ClientIP'
      ? (() => {
          const t = asRecord(asRecord(spec.sessionAffinityConfig).clientIP).timeoutSeconds;
          if (t === undefined) return 10800;
          if (typeof t === 'number' && Number.isInteger(t) && t > 0 && t <= 86400) return t;
          throw new RulesInputError(`${where}: spec.sessionAffinityConfig.clientIP.timeoutSeconds ${JSON.stringify(t)} must be an integer 1-86400`);
        })()
      : undefined;
    const externalIPs = asArray(spec.externalIPs).filter((x): x is string => typeof x === 'string' && isIPv4(x));
    const loadBalancerIPs = type === 'LoadBalancer'
      ? asArray(asRecord(asRecord(svc.status).loadBalancer).ingress).map((g) => asRecord(g).ip).filter((x): x is string => typeof x === 'string' && isIPv4(x))
      : [];
    const sourceRanges = asArray(spec.loadBalancerSourceRanges).map((r, i) => {
      const t = typeof r === 'string' ? r.trim() : r;
      if (typeof t !== 'string' || !isCIDRv4(t)) throw new RulesInputError(`${where}: spec.loadBalancerSourceRanges[${i}] ${JSON.stringify(r)} is not an IPv4 CIDR`);
      return t;
    });
    const hc = spec.healthCheckNodePort;
    const healthCheckNodePort = typeof hc === 'number' ? parsePort(hc, `${where}: spec.healthCheckNodePort`) : undefined;
    const slices = endpointSlices.filter(
      (s) => (s.metadata?.namespace ?? 'default') === namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === name &&
        (s.addressType === undefined || s.addressType === 'IPv4'),
    );
    asArray(spec.ports).forEach((raw, i) => {
      const p = asRecord(raw);
      const pw = `${where}: spec.ports[${i}]`;
      const portName = typeof p.name === 'string' ? p.name : '';
      const protocol = parseProtocol(p.protocol, pw);
      const port = parsePort(p.port, `${pw}.port`);
      const nodePort = (type === 'NodePort' || type === 'LoadBalancer') && p.nodePort !== undefined ? parsePort(p.nodePort, `${pw}.nodePort`) : undefined;
      const seen = new Set<string>();
      const endpoints: Endpoint[] = [];
      for (const slice of slices) {
        const sp = asArray(slice.ports).map(asRecord).find((q) => (typeof q.name === 'string' ? q.name : '') === portName && parseProtocol(q.protocol, `${objName(slice)}: ports`) === protocol);
        if (!sp || typeof sp.port !== 'number') continue;
        for (const ep of asArray(slice.endpoints).map(asRecord)) {
          if (!endpointReady(ep)) continue;
          const ip = asArray(ep.addresses)[0];
          if (typeof ip !== 'string' || !isIPv4(ip)) continue;
          const key = `${ip}:${sp.port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const hints = asRecord(ep.hints);
          const names = (v: unknown) => asArray(v).map((h) => asRecord(h).name).filter((n): n is string => typeof n === 'string' && n !== '');
          const zoneHints = names(hints.forZones);
          const nodeHints = names(hints.forNodes);
          endpoints.push({ ip, port: sp.port, nodeName: typeof ep.nodeName === 'string' ? ep.nodeName : undefined, ...(zoneHints.length ? { zoneHints } : {}), ...(nodeHints.length ? { nodeHints } : {}) });
        }
      }
      endpoints.sort((a, b) => (`${a.ip}:${a.port}` < `${b.ip}:${b.port}` ? -1 : `${a.ip}:${a.port}` > `${b.ip}:${b.port}` ? 1 : 0));
      out.push({
        namespace, service: name, portName, spn: `${namespace}/${name}${portName ? `:${portName}` : ''}`,
        protocol, clusterIP, port, nodePort, externalIPs, loadBalancerIPs, sourceRanges,
        externalLocal: spec.externalTrafficPolicy === 'Local' && (nodePort !== undefined || externalIPs.length > 0 || loadBalancerIPs.length > 0),
        internalLocal: spec.internalTrafficPolicy === 'Local',
        healthCheckNodePort, affinitySeconds: affinity, endpoints,
      });
    });
  }
  return out.sort((a, b) => (a.spn + a.protocol < b.spn + b.protocol ? -1 : 1));
}

/**
 * The fault stale-proxy-rules: DNAT targets that replace the ready endpoints. Entries are "ip" or
 * "ip:port"; a bare ip takes the port of the first ready endpoint, else the numeric targetPort,
 * else the Service port.
 */
export function staleTargets(sp: ServicePort, entries: string[], services: KubeObject[]): Endpoint[] {
  const svc = services.find((s) => serviceKey(s) === `${sp.namespace}/${sp.service}`);
  const rawPort = asArray(asRecord(svc?.spec).ports).map(asRecord).find((p) => (typeof p.name === 'string' ? p.name : '') === sp.portName);
  const fallback = sp.endpoints[0]?.port ?? (typeof rawPort?.targetPort === 'number' ? rawPort.targetPort : sp.port);
  return entries.map((e) => {
    const [ip, port] = e.split(':');
    if (!isIPv4(ip) || (port !== undefined && !/^\d+$/.test(port))) {
      throw new RulesInputError(`staleEndpoints["${sp.namespace}/${sp.service}"]: ${JSON.stringify(e)} is not "IP" or "IP:PORT"; give the stale endpoint's IPv4 address`);
    }
    return { ip, port: port === undefined ? fallback : parsePort(Number(port), `staleEndpoints["${sp.namespace}/${sp.service}"]`) };
  });
}
