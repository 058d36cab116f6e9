// The lab's outside world and the Service kinds that reach it (DESIGN §3.2), the pure half: the lab
// file's `outside:` section and the Service/Pod fields of NodePort, LoadBalancer, ExternalName,
// headless and hostNetwork, validated with field + fix errors; and what the API server and a cloud
// controller would write into those objects (allocated nodePorts, healthCheckNodePort, the load
// balancer's ingress IP). lab/dataplane/outside.ts builds it.
//
// Sources of the facts: Service defaulting and validation (kubernetes pkg/apis/core/validation
// ValidateService: nodePort range 30000-32767, externalTrafficPolicy only for NodePort/LoadBalancer,
// clusterIP None not allowed with NodePort/LoadBalancer, healthCheckNodePort only for
// LoadBalancer + Local), https://kubernetes.io/docs/concepts/services-networking/service/.
import { reservedRangeProblem } from './specSafety';
import { createHash } from 'node:crypto';
import { cidrContains, cidrSize, cidrsOverlap, formatCidr, formatIp, parseCidr, parseIp, type Cidr } from './ipv4';
import type { KubeObject, LabCluster, LabOutsideHost, LabOutsideSpec } from './types';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** (field, problem, fix) → an error the caller numbers with its document. */
export type At = (field: string, problem: string, fix: string) => Error;

const UNDERLAY = '172.18.0.0/16';
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Ranges an outside address may not fall in: the cluster's own and the lab's reserved links. */
function reserved(cluster: LabCluster): [string, Cidr][] {
  return [
    ['podCIDR', parseCidr(cluster.podCIDR)!],
    ['serviceCIDR', parseCidr(cluster.serviceCIDR)!],
    ['the nodes\' network', parseCidr(UNDERLAY)!],
    ['the lab\'s outside link', parseCidr(OUTSIDE_LINK)!],
    ['loopback', parseCidr('127.0.0.0/8')!],
  ];
}

/** Validates the Lab document's `outside:` (absent → no hosts, the default pool). */
export function parseOutside(v: unknown, cluster: LabCluster, at: At, dnsDomain = 'cluster.local'): LabOutsideSpec {
  if (v === undefined || v === null) return { hosts: [], loadBalancerPool: DEFAULT_LB_POOL };
  if (!isObj(v)) throw at('outside', 'must be a mapping', 'write outside: {hosts: [{name: api.partner.example, ip: 198.51.100.20, ports: [443]}], loadBalancerPool: 198.51.100.128/28}');
  for (const k of Object.keys(v)) {
    if (k !== 'hosts' && k !== 'loadBalancerPool') throw at(`outside.${k}`, 'unknown setting', 'use hosts and loadBalancerPool');
  }
  const res = reserved(cluster);
  let pool = parseCidr(DEFAULT_LB_POOL)!;
  if (v.loadBalancerPool !== undefined) {
    const p = typeof v.loadBalancerPool === 'string' ? parseCidr(v.loadBalancerPool) : null;
    if (!p) throw at('outside.loadBalancerPool', `${JSON.stringify(v.loadBalancerPool)} is not an IPv4 CIDR with its host bits zero`, 'write e.g. 198.51.100.128/28');
    const reserved = reservedRangeProblem(formatCidr(p));
    if (reserved) throw at('outside.loadBalancerPool', reserved, 'pick a unicast range outside the cluster, e.g. 198.51.100.128/28');
    if (p.bits < 20) throw at('outside.loadBalancerPool', `${formatCidr(p)} is larger than the lab hands out`, 'use a /20 or smaller, e.g. 198.51.100.128/28');
    for (const [what, c] of res) if (cidrsOverlap(p, c)) throw at('outside.loadBalancerPool', `${formatCidr(p)} overlaps ${what} ${formatCidr(c)}`, 'pick a range outside the cluster, e.g. 198.51.100.128/28');
    pool = p;
  }
  const hosts: LabOutsideHost[] = [];
  if (v.hosts !== undefined && v.hosts !== null) {
    if (!Array.isArray(v.hosts)) throw at('outside.hosts', 'must be a list', 'write hosts: [{name: api.partner.example, ip: 198.51.100.20, ports: [443]}]');
    v.hosts.forEach((h, i) => {
      const f = `outside.hosts[${i}]`;
      if (!isObj(h)) throw at(f, 'a host must be a mapping', 'write {name: api.partner.example, ip: 198.51.100.20, ports: [443]}');
      for (const k of Object.keys(h)) if (!['name', 'ip', 'ports'].includes(k)) throw at(`${f}.${k}`, 'unknown field', 'use name, ip and ports');
      const name = typeof h.name === 'string' ? h.name.toLowerCase().replace(/\.$/, '') : '';
      if (!DNS_NAME.test(name)) throw at(`${f}.name`, `${JSON.stringify(h.name)} is not a DNS name`, 'write a name such as api.partner.example');
      if (name === dnsDomain || name.endsWith(`.${dnsDomain}`)) throw at(`${f}.name`, `${name} is inside the cluster domain ${dnsDomain}`, 'outside names must not end in the cluster domain; use e.g. api.partner.example');
      if (hosts.some((x) => x.name === name)) throw at(`${f}.name`, `duplicate host name ${name}`, 'list each name once');
      const ipn = typeof h.ip === 'string' ? parseIp(h.ip) : null;
      if (ipn === null) throw at(`${f}.ip`, `${JSON.stringify(h.ip)} is not an IPv4 address`, 'write e.g. 198.51.100.20');
      const ip = formatIp(ipn);
      for (const [what, c] of [...res, ['outside.loadBalancerPool', pool] as [string, Cidr]]) {
        if (cidrContains(c, ipn)) throw at(`${f}.ip`, `${ip} is inside ${what} ${formatCidr(c)}`, 'give the host an address outside the cluster, e.g. 198.51.100.20');
      }
      const reservedIp = reservedRangeProblem(`${ip}/32`);
      if (reservedIp || ipn >>> 28 >= 14 || ipn === 0) throw at(`${f}.ip`, `${ip} is not a unicast address${reservedIp ? ` (${reservedIp})` : ''}`, 'write e.g. 198.51.100.20');
      if (hosts.some((x) => x.ip === ip)) throw at(`${f}.ip`, `${ip} is already the address of ${hosts.find((x) => x.ip === ip)!.name}`, 'give every host its own address');
      if (!Array.isArray(h.ports) || !h.ports.length) throw at(`${f}.ports`, 'missing or empty', 'list the ports it serves, e.g. ports: [443]');
      const ports: LabOutsideHost['ports'] = [];
      h.ports.forEach((p, j) => {
        const o: Obj = isObj(p) ? p : { port: p };
        const port = o.port;
        const protocol = (o.protocol ?? 'TCP') as string;
        if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw at(`${f}.ports[${j}]`, `${JSON.stringify(p)} is not a port number`, 'use an integer 1-65535, or {port: 514, protocol: UDP}');
        if (protocol !== 'TCP' && protocol !== 'UDP') throw at(`${f}.ports[${j}].protocol`, `${JSON.stringify(protocol)} is not TCP or UDP`, 'use TCP or UDP');
        if (ports.some((x) => x.port === port && x.protocol === protocol)) throw at(`${f}.ports[${j}]`, `port ${String(port)}/${protocol} is listed twice`, 'list each port once');
        ports.push({ port: port as number, protocol });
      });
      hosts.push({ name, ip, ports });
    });
  }
  return { hosts, loadBalancerPool: formatCidr(pool) };
}

const validNodePort = (p: unknown) => Number.isInteger(p) && (p as number) >= NODE_PORT_MIN && (p as number) <= NODE_PORT_MAX;

/**
 * The Service fields of every kind, as the API server validates them. Returns true for an
 * ExternalName Service (its ports are optional and it needs no selector or clusterIP).
 */
export function checkServiceKind(spec: Obj, cluster: LabCluster, at: At): boolean {
  const type = spec.type ?? 'ClusterIP';
  const kinds = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!kinds.includes(type as string)) throw at('spec.type', `${JSON.stringify(type)} is not a Service type`, `use one of ${kinds.join(', ')}`);
  const external = type === 'NodePort' || type === 'LoadBalancer';
  if (type === 'ExternalName') {
    if (typeof spec.externalName !== 'string' || !DNS_NAME.test(spec.externalName.toLowerCase().replace(/\.$/, ''))) {
      throw at('spec.externalName', `${JSON.stringify(spec.externalName)} is not a DNS name`, 'write the name the Service stands for, e.g. externalName: api.partner.example');
    }
    if (spec.clusterIP !== undefined && spec.clusterIP !== '') throw at('spec.clusterIP', 'an ExternalName Service has no cluster IP', 'remove clusterIP');
  } else if (spec.externalName !== undefined) {
    throw at('spec.externalName', `only an ExternalName Service has externalName (this one is ${String(type)})`, 'set type: ExternalName or remove externalName');
  }
  if (external && spec.clusterIP === 'None') throw at('spec.clusterIP', `may not be "None" for a ${String(type)} Service`, 'remove clusterIP (a headless Service must be type ClusterIP)');
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined) {
    if (!external) throw at('spec.externalTrafficPolicy', `may only be set on NodePort and LoadBalancer Services (this one is ${String(type)})`, 'remove it or change spec.type');
    if (etp !== 'Cluster' && etp !== 'Local') throw at('spec.externalTrafficPolicy', `${JSON.stringify(etp)} is not Cluster or Local`, 'use Cluster (any node forwards, source NATed) or Local (only nodes with a ready endpoint, client IP kept)');
  }
  const itp = spec.internalTrafficPolicy;
  if (itp !== undefined && itp !== 'Cluster' && itp !== 'Local') throw at('spec.internalTrafficPolicy', `${JSON.stringify(itp)} is not Cluster or Local`, 'use Cluster or Local');
  if (spec.healthCheckNodePort !== undefined) {
    if (type !== 'LoadBalancer' || etp !== 'Local') throw at('spec.healthCheckNodePort', 'only a LoadBalancer Service with externalTrafficPolicy: Local has one', 'remove healthCheckNodePort');
    if (!validNodePort(spec.healthCheckNodePort)) throw at('spec.healthCheckNodePort', `${JSON.stringify(spec.healthCheckNodePort)} is outside the node port range`, `use ${NODE_PORT_MIN}-${NODE_PORT_MAX} or leave it out to have one allocated`);
  }
  if (spec.loadBalancerIP !== undefined) {
    if (type !== 'LoadBalancer') throw at('spec.loadBalancerIP', 'only a LoadBalancer Service has one', 'remove loadBalancerIP or set type: LoadBalancer');
    const n = typeof spec.loadBalancerIP === 'string' ? parseIp(spec.loadBalancerIP) : null;
    if (n === null) throw at('spec.loadBalancerIP', `${JSON.stringify(spec.loadBalancerIP)} is not an IPv4 address`, 'write e.g. 198.51.100.130, or leave it out to get one from outside.loadBalancerPool');
    for (const [what, c] of reserved(cluster)) if (cidrContains(c, n)) throw at('spec.loadBalancerIP', `${String(spec.loadBalancerIP)} is inside ${what} ${formatCidr(c)}`, 'use an address outside the cluster, e.g. from outside.loadBalancerPool');
  }
  if (Array.isArray(spec.ports)) {
    spec.ports.forEach((p, i) => {
      if (!isObj(p) || p.nodePort === undefined) return;
      if (!external) throw at(`spec.ports[${i}].nodePort`, `only NodePort and LoadBalancer Services have node ports (this one is ${String(type)})`, 'remove nodePort or set type: NodePort');
      if (!validNodePort(p.nodePort)) throw at(`spec.ports[${i}].nodePort`, `${JSON.stringify(p.nodePort)} is outside the node port range`, `use ${NODE_PORT_MIN}-${NODE_PORT_MAX} or leave it out to have one allocated`);
    });
  }
  return type === 'ExternalName';
}

/** hostNetwork pods: their ports live on the node, beside the node's own daemons. */
export function checkHostNetworkPod(spec: Obj, at: At): void {
  if (spec.hostNetwork === undefined || spec.hostNetwork === false) return;
  if (spec.hostNetwork !== true) throw at('spec.hostNetwork', `${JSON.stringify(spec.hostNetwork)} is not true or false`, 'write hostNetwork: true');
  for (const [i, c] of ((spec.containers as unknown[]) ?? []).entries()) {
    for (const [j, p] of ((isObj(c) && Array.isArray(c.ports) ? c.ports : []) as unknown[]).entries()) {
      const port = isObj(p) ? p.containerPort : undefined;
      if (port === 53 || port === PROXY_HEALTHZ_PORT || port === 10250) {
        throw at(`spec.containers[${i}].ports[${j}].containerPort`, `port ${String(port)} is taken on the node (${port === 53 ? 'the node\'s DNS resolver' : port === 10250 ? 'the kubelet' : 'kube-proxy\'s healthz'})`, 'use another port for a hostNetwork pod');
      }
    }
  }
}

const portKey = (p: Obj) => `${String(p.containerPort)}/${String(p.protocol ?? 'TCP')}`;

/**
 * Checks across documents: node ports and load balancer IPs unique, hostNetwork pods on one node not
 * sharing a port. `fail(object, field, problem, fix)` builds the error for that object's document.
 */
export function checkKindsAcross(manifests: KubeObject[], outside: LabOutsideSpec, fail: (o: KubeObject, field: string, problem: string, fix: string) => Error): void {
  const nodePorts = new Map<number, string>();
  const lbIPs = new Map<string, string>();
  const what = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
  const hostPorts = new Map<string, string>();
  for (const o of manifests) {
    const spec = (o.spec ?? {}) as Obj;
    if (o.kind === 'Service') {
      // One Service may give the same nodePort to a TCP and a UDP port (like DNS's 53/TCP+UDP); nothing else shares one.
      const mine = new Map<number, string>();
      const claim = (port: number, field: string, proto: string) => {
        const again = mine.has(port) && mine.get(port) !== proto && proto !== 'health' && mine.get(port) !== 'health';
        if (nodePorts.has(port) && !again) throw fail(o, field, `node port ${port} is already used by ${nodePorts.get(port)}`, 'pick another port or leave it out to have one allocated');
        nodePorts.set(port, what(o));
        mine.set(port, proto);
      };
      ((spec.ports as Obj[]) ?? []).forEach((p, i) => {
        if (typeof p.nodePort === 'number') claim(p.nodePort, `spec.ports[${i}].nodePort`, String(p.protocol ?? 'TCP'));
      });
      if (typeof spec.healthCheckNodePort === 'number') claim(spec.healthCheckNodePort, 'spec.healthCheckNodePort', 'health');
      if (typeof spec.loadBalancerIP === 'string') {
        if (lbIPs.has(spec.loadBalancerIP)) throw fail(o, 'spec.loadBalancerIP', `${spec.loadBalancerIP} is already the load balancer IP of ${lbIPs.get(spec.loadBalancerIP)}`, 'pick another address or leave it out');
        if (outside.hosts.some((h) => h.ip === spec.loadBalancerIP)) throw fail(o, 'spec.loadBalancerIP', `${spec.loadBalancerIP} is the address of outside host ${outside.hosts.find((h) => h.ip === spec.loadBalancerIP)!.name}`, 'pick another address or leave it out');
        lbIPs.set(spec.loadBalancerIP, what(o));
      }
    }
    if (o.kind === 'Pod' && spec.hostNetwork === true) {
      for (const c of (spec.containers as Obj[]) ?? []) {
        for (const p of (c.ports as Obj[] | undefined) ?? []) {
          const k = `${String(spec.nodeName)}/${portKey(p)}`;
          if (hostPorts.has(k)) throw fail(o, 'spec.containers.ports', `hostNetwork port ${portKey(p)} on node ${String(spec.nodeName)} is already taken by ${hostPorts.get(k)}`, 'move one pod to another node or change its port');
          hostPorts.set(k, what(o));
        }
      }
    }
  }
}

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
