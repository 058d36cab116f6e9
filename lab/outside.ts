// The lab's outside world and the Service kinds that reach it (DESIGN §3.2), the pure half: the lab's fixed
// networks and node port range, and what the API server and a cloud controller would write into NodePort,
// LoadBalancer and ExternalName Services (allocated nodePorts, healthCheckNodePort, the load balancer's ingress
// IP). The lab file's `outside:` section and those Services' fields are validated by lab/schema/outside.ts;
// lab/dataplane/outside.ts builds the outside netns.
import { createHash } from 'node:crypto';
import { cidrSize, formatIp, parseCidr } from './ipv4';
import type { KubeObject, LabOutsideSpec } from './types';

type Obj = Record<string, unknown>;

/** The nodes' underlay network (kind's docker network); pod and service CIDRs must not overlap it. */
export const UNDERLAY_CIDR = '172.18.0.0/16';

/** The link between the underlay's gateway (router) and the outside netns; the lab reserves it. */
export const OUTSIDE_LINK = '100.64.0.0/24';
export const OUTSIDE_ROUTER_IP = '100.64.0.1';
export const OUTSIDE_CLIENT_IP = '100.64.0.10';
export const OUTSIDE_DNS_IP = '100.64.0.53';
/** LoadBalancer ingress IPs when the lab file gives no `outside.loadBalancerPool`. */
export const DEFAULT_LB_POOL = '100.64.1.0/28';
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
/** kube-proxy's healthz port (--healthz-bind-address default :10256); cloud LBs probe it for eTP=Cluster. */
export const PROXY_HEALTHZ_PORT = 10256;

export const outsideNetns = (inst: string) => `${inst}-outside`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** What the API server and the cloud controller add to NodePort/LoadBalancer Services (deterministic). */
export interface ServiceKindPlan {
  /** "ns/name" → nodePort per spec.ports index */
  nodePorts: Map<string, number[]>;
  healthCheckNodePorts: Map<string, number>;
  /** "ns/name" → ingress IP ('' when the pool is exhausted: status stays pending) */
  ingress: Map<string, string>;
}

/** Allocates node ports (given ones first, then a hash-seeded free port) and ingress IPs from the pool, in file order. */
export function planServiceKinds(services: KubeObject[], outside: LabOutsideSpec, seed: (s: string) => string, pods: KubeObject[] = []): ServiceKindPlan {
  const key = (o: KubeObject) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
  // hostNetwork pods' ports are bound on the nodes: never allocate them (a healthCheckNodePort is a socket there too)
  const taken = new Set<number>(
    pods.filter((p) => (p.spec as Obj)?.hostNetwork === true).flatMap((p) => ((p.spec as Obj).containers as Obj[]).flatMap((c) => ((c.ports as Obj[] | undefined) ?? []).map((x) => x.containerPort as number))),
  );
  const isExt = (o: KubeObject) => ['NodePort', 'LoadBalancer'].includes(String((o.spec as Obj)?.type));
  for (const s of services.filter(isExt)) {
    const sp = s.spec as Obj;
    for (const p of (sp.ports as Obj[]) ?? []) if (typeof p.nodePort === 'number') taken.add(p.nodePort);
    if (typeof sp.healthCheckNodePort === 'number') taken.add(sp.healthCheckNodePort);
  }
  const span = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  const alloc = (what: string) => {
    let off = parseInt(sha(seed(`nodeport/${what}`)).slice(0, 8), 16) % span;
    while (taken.has(NODE_PORT_MIN + off)) off = (off + 1) % span;
    taken.add(NODE_PORT_MIN + off);
    return NODE_PORT_MIN + off;
  };
  const plan: ServiceKindPlan = { nodePorts: new Map(), healthCheckNodePorts: new Map(), ingress: new Map() };
  const pool = parseCidr(outside.loadBalancerPool)!;
  const usedIPs = new Set(services.map((s) => (s.spec as Obj)?.loadBalancerIP).filter((x): x is string => typeof x === 'string'));
  let next = pool.bits >= 31 ? 0 : 1; // skip the network address of a real subnet
  const last = pool.bits >= 31 ? cidrSize(pool) - 1 : cidrSize(pool) - 2;
  for (const s of services.filter(isExt)) {
    const sp = s.spec as Obj;
    const k = key(s);
    plan.nodePorts.set(k, ((sp.ports as Obj[]) ?? []).map((p, i) => (typeof p.nodePort === 'number' ? p.nodePort : alloc(`${k}/${i}`))));
    if (sp.type !== 'LoadBalancer') continue;
    if (sp.externalTrafficPolicy === 'Local') plan.healthCheckNodePorts.set(k, typeof sp.healthCheckNodePort === 'number' ? sp.healthCheckNodePort : alloc(`${k}/health`));
    if (typeof sp.loadBalancerIP === 'string') {
      plan.ingress.set(k, sp.loadBalancerIP);
      continue;
    }
    while (next <= last && usedIPs.has(formatIp(pool.base + next))) next++;
    plan.ingress.set(k, next <= last ? formatIp(pool.base + next++) : '');
  }
  return plan;
}

/**
 * A Service object as the API server (and for LoadBalancer the cloud controller) stores it: type,
 * nodePorts, externalTrafficPolicy defaulted, healthCheckNodePort, ingress in status; ExternalName
 * without any cluster IP fields. `svc` is the ClusterIP-shaped object lab/objects.ts built.
 */
export function shapeServiceKind(svc: KubeObject, plan: ServiceKindPlan): KubeObject {
  const spec = { ...(svc.spec as Obj) };
  const written = (svc.spec as Obj).type;
  const k = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const type = typeof written === 'string' ? written : 'ClusterIP';
  spec.type = type;
  if (type === 'ExternalName') {
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) delete spec[f];
    if (!Array.isArray((svc.spec as Obj).ports) || !((svc.spec as Obj).ports as unknown[]).length) delete spec.ports;
    return { ...svc, spec, status: { loadBalancer: {} } };
  }
  if (type === 'ClusterIP') return { ...svc, spec };
  const nps = plan.nodePorts.get(k) ?? [];
  spec.ports = ((spec.ports as Obj[]) ?? []).map((p, i) => ({ ...p, nodePort: nps[i] }));
  spec.externalTrafficPolicy = spec.externalTrafficPolicy ?? 'Cluster';
  if (type !== 'LoadBalancer') return { ...svc, spec };
  spec.allocateLoadBalancerNodePorts = spec.allocateLoadBalancerNodePorts ?? true;
  const hc = plan.healthCheckNodePorts.get(k);
  if (hc !== undefined) spec.healthCheckNodePort = hc;
  const ip = plan.ingress.get(k);
  return { ...svc, spec, status: { loadBalancer: ip ? { ingress: [{ ip, ipMode: 'VIP' }] } : {} } };
}
