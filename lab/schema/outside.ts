// The lab's outside world and the Service kinds that reach it (DESIGN §3.2) as zod schemas: the Lab document's
// `outside:` section, the Service fields of NodePort, LoadBalancer, ExternalName and headless Services, and
// hostNetwork pods' ports. Shapes check each value; refinements check what depends on another field, on the
// cluster (its ranges and domain) or on other documents (node ports, load balancer IPs, host ports).
//
// Sources of the facts: Service defaulting and validation (kubernetes pkg/apis/core/validation
// ValidateService: nodePort range 30000-32767, externalTrafficPolicy only for NodePort/LoadBalancer,
// clusterIP None not allowed with NodePort/LoadBalancer, healthCheckNodePort only for
// LoadBalancer + Local), https://kubernetes.io/docs/concepts/services-networking/service/.
import { z } from 'zod';
import { isSubdomainName } from '../../lib/kube/names';
import { cidrContains, cidrsOverlap, formatCidr, formatIp, parseCidr, parseIp, type Cidr } from '../ipv4';
import { DEFAULT_LB_POOL, NODE_PORT_MAX, NODE_PORT_MIN, OUTSIDE_LINK, PROXY_HEALTHZ_PORT, UNDERLAY_CIDR } from '../outside';
import { DNS_DOMAIN } from '../objects';
import { reservedRangeProblem } from '../specSafety';
import type { KubeObject, LabCluster, LabOutsideHost, LabOutsideSpec } from '../types';
import { report, says } from './problems';

type Obj = Record<string, unknown>;
type Ctx = z.RefinementCtx;

/** A DNS name as written (any case, trailing dot allowed) → lowercase, no trailing dot. */
const dnsName = (v: string) => v.toLowerCase().replace(/\.$/, '');

/** Ranges an outside address may not fall in: the cluster's own and the lab's reserved links. */
export function reservedRanges(cluster: Pick<LabCluster, 'podCIDR' | 'serviceCIDR'>): [string, Cidr][] {
  return [
    ['podCIDR', parseCidr(cluster.podCIDR)!],
    ['serviceCIDR', parseCidr(cluster.serviceCIDR)!],
    ['the nodes\' network', parseCidr(UNDERLAY_CIDR)!],
    ['the lab\'s outside link', parseCidr(OUTSIDE_LINK)!],
    ['loopback', parseCidr('127.0.0.0/8')!],
  ];
}

// ---- outside: ----------------------------------------------------------------------------------------

const hostPortSays = says((v) => `${JSON.stringify(v)} is not a port number`, 'use an integer 1-65535, or {port: 514, protocol: UDP}');
const HostPortNumber = z.number(hostPortSays).int().min(1).max(65535);
/** `443` or `{port: 514, protocol: UDP}` → {port, protocol} (TCP when not said); a bare number is read as {port: N}. */
const HostPort = z.preprocess(
  (p) => (typeof p === 'object' && p !== null && !Array.isArray(p) ? p : { port: p }),
  z
    .looseObject({ port: HostPortNumber, protocol: z.enum(['TCP', 'UDP'], says((v) => `${JSON.stringify(v)} is not TCP or UDP`, 'use TCP or UDP')).nullish() })
    .transform((p) => ({ port: p.port, protocol: p.protocol ?? ('TCP' as const) })),
);

const hostName = says((v) => `${JSON.stringify(v)} is not a DNS name`, 'write a name such as api.partner.example');
const hostIp = says((v) => `${JSON.stringify(v)} is not an IPv4 address`, 'write e.g. 198.51.100.20');
const HostSchema = z.strictObject(
  {
    name: z.string(hostName).refine((v) => isSubdomainName(dnsName(v)), hostName).transform(dnsName),
    ip: z.string(hostIp).refine((v) => parseIp(v) !== null, hostIp).transform((v) => formatIp(parseIp(v)!)),
    ports: z
      .array(HostPort, says('missing or empty', 'list the ports it serves, e.g. ports: [443]'))
      .min(1)
      .superRefine((ports, ctx) => {
        ports.forEach((p, j) => {
          if (ports.findIndex((x) => x.port === p.port && x.protocol === p.protocol) !== j) report(ctx, [j], `port ${p.port}/${p.protocol} is listed twice`, 'list each port once');
        });
      }),
  },
  says('a host must be a mapping', 'write {name: api.partner.example, ip: 198.51.100.20, ports: [443]}', { problem: 'unknown field', fix: 'use name, ip and ports' }),
) satisfies z.ZodType<LabOutsideHost>;

const pool = says((v) => `${JSON.stringify(v)} is not an IPv4 CIDR with its host bits zero`, 'write e.g. 198.51.100.128/28');
const OUTSIDE_SHAPE = {
  hosts: z.array(HostSchema, says('must be a list', 'write hosts: [{name: api.partner.example, ip: 198.51.100.20, ports: [443]}]')).nullish(),
  loadBalancerPool: z.string(pool).refine((v) => parseCidr(v) !== null, pool).optional(),
};

/**
 * The Lab document's `outside:` (absent or null → no hosts, the default pool). What depends on the cluster
 * (its ranges, its domain) is checked by outsideInCluster once both are read.
 */
export const OutsideSchema = z
  .strictObject(
    OUTSIDE_SHAPE,
    says('must be a mapping', 'write outside: {hosts: [{name: api.partner.example, ip: 198.51.100.20, ports: [443]}], loadBalancerPool: 198.51.100.128/28}', { problem: 'unknown setting', fix: `use ${Object.keys(OUTSIDE_SHAPE).join(' and ')}` }),
  )
  .nullish()
  .transform((o): LabOutsideSpec => ({ hosts: o?.hosts ?? [], loadBalancerPool: formatCidr(parseCidr(o?.loadBalancerPool ?? DEFAULT_LB_POOL)!) }))
  .superRefine((o, ctx) => {
    const p = parseCidr(o.loadBalancerPool)!;
    const reserved = reservedRangeProblem(o.loadBalancerPool);
    if (reserved) report(ctx, ['loadBalancerPool'], reserved, 'pick a unicast range outside the cluster, e.g. 198.51.100.128/28');
    if (p.bits < 20) report(ctx, ['loadBalancerPool'], `${o.loadBalancerPool} is larger than the lab hands out`, 'use a /20 or smaller, e.g. 198.51.100.128/28');
    o.hosts.forEach((h, i) => {
      if (o.hosts.findIndex((x) => x.name === h.name) !== i) report(ctx, ['hosts', i, 'name'], `duplicate host name ${h.name}`, 'list each name once');
      const ipn = parseIp(h.ip)!;
      if (cidrContains(p, ipn)) report(ctx, ['hosts', i, 'ip'], `${h.ip} is inside outside.loadBalancerPool ${o.loadBalancerPool}`, 'give the host an address outside the cluster, e.g. 198.51.100.20');
      const reservedIp = reservedRangeProblem(`${h.ip}/32`);
      if (reservedIp || ipn >>> 28 >= 14 || ipn === 0) report(ctx, ['hosts', i, 'ip'], `${h.ip} is not a unicast address${reservedIp ? ` (${reservedIp})` : ''}`, 'write e.g. 198.51.100.20');
      const first = o.hosts.find((x) => x.ip === h.ip)!;
      if (first !== h) report(ctx, ['hosts', i, 'ip'], `${h.ip} is already the address of ${first.name}`, 'give every host its own address');
    });
  });

/** Refinement of the Lab document: `outside:` against the cluster's ranges and DNS domain (paths under outside). */
export function outsideInCluster(outside: LabOutsideSpec, cluster: LabCluster, ctx: Ctx): void {
  const res = reservedRanges(cluster);
  const p = parseCidr(outside.loadBalancerPool)!;
  for (const [what, c] of res) {
    if (cidrsOverlap(p, c)) report(ctx, ['outside', 'loadBalancerPool'], `${outside.loadBalancerPool} overlaps ${what} ${formatCidr(c)}`, 'pick a range outside the cluster, e.g. 198.51.100.128/28');
  }
  const domain = cluster.dnsDomain ?? DNS_DOMAIN;
  outside.hosts.forEach((h, i) => {
    if (h.name === domain || h.name.endsWith(`.${domain}`)) report(ctx, ['outside', 'hosts', i, 'name'], `${h.name} is inside the cluster domain ${domain}`, 'outside names must not end in the cluster domain; use e.g. api.partner.example');
    for (const [what, c] of res) {
      if (cidrContains(c, parseIp(h.ip)!)) report(ctx, ['outside', 'hosts', i, 'ip'], `${h.ip} is inside ${what} ${formatCidr(c)}`, 'give the host an address outside the cluster, e.g. 198.51.100.20');
    }
  });
}

// ---- Service kinds -----------------------------------------------------------------------------------

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;

const nodePort = says((v) => `${JSON.stringify(v)} is outside the node port range`, `use ${NODE_PORT_MIN}-${NODE_PORT_MAX} or leave it out to have one allocated`);
/** A node port (30000-32767). */
export const NodePortSchema = z.number(nodePort).int().min(NODE_PORT_MIN).max(NODE_PORT_MAX);

const policy = (fix: string) => z.enum(['Cluster', 'Local'], says((v) => `${JSON.stringify(v)} is not Cluster or Local`, fix)).optional();
const externalName = says((v) => `${JSON.stringify(v)} is not a DNS name`, 'write the name the Service stands for, e.g. externalName: api.partner.example');
const lbIp = says((v) => `${JSON.stringify(v)} is not an IPv4 address`, 'write e.g. 198.51.100.130, or leave it out to get one from outside.loadBalancerPool');

/** The fields of a Service's spec that its kind governs, each value checked on its own (serviceKindRules relates them). */
export const SERVICE_KIND_SHAPE = {
  type: z.enum(SERVICE_TYPES, says((v) => `${JSON.stringify(v)} is not a Service type`, `use one of ${SERVICE_TYPES.join(', ')}`)).nullish(),
  externalName: z.string(externalName).refine((v) => isSubdomainName(dnsName(v)), externalName).optional(),
  externalTrafficPolicy: policy('use Cluster (any node forwards, source NATed) or Local (only nodes with a ready endpoint, client IP kept)'),
  internalTrafficPolicy: policy('use Cluster or Local'),
  healthCheckNodePort: NodePortSchema.optional(),
  loadBalancerIP: z.string(lbIp).refine((v) => parseIp(v) !== null, lbIp).optional(),
  clusterIP: z.unknown().optional(),
};

type ServiceKindFields = { type?: (typeof SERVICE_TYPES)[number] | null; externalName?: string; externalTrafficPolicy?: string; healthCheckNodePort?: number; loadBalancerIP?: string; clusterIP?: unknown; ports?: { nodePort?: number }[] };

/** Refinement of a Service spec: which fields its type allows, as the API server's ValidateService has it (paths under spec). */
export function serviceKindRules(spec: ServiceKindFields, cluster: LabCluster, ctx: Ctx): void {
  const type = spec.type ?? 'ClusterIP';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  if (type === 'ExternalName') {
    if (spec.externalName === undefined) report(ctx, ['externalName'], 'missing', 'write the name the Service stands for, e.g. externalName: api.partner.example');
    if (spec.clusterIP !== undefined && spec.clusterIP !== '') report(ctx, ['clusterIP'], 'an ExternalName Service has no cluster IP', 'remove clusterIP');
  } else if (spec.externalName !== undefined) {
    report(ctx, ['externalName'], `only an ExternalName Service has externalName (this one is ${type})`, 'set type: ExternalName or remove externalName');
  }
  if (external && spec.clusterIP === 'None') report(ctx, ['clusterIP'], `may not be "None" for a ${type} Service`, 'remove clusterIP (a headless Service must be type ClusterIP)');
  if (spec.externalTrafficPolicy !== undefined && !external) report(ctx, ['externalTrafficPolicy'], `may only be set on NodePort and LoadBalancer Services (this one is ${type})`, 'remove it or change spec.type');
  if (spec.healthCheckNodePort !== undefined && (type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local')) {
    report(ctx, ['healthCheckNodePort'], 'only a LoadBalancer Service with externalTrafficPolicy: Local has one', 'remove healthCheckNodePort');
  }
  if (spec.loadBalancerIP !== undefined) {
    if (type !== 'LoadBalancer') report(ctx, ['loadBalancerIP'], 'only a LoadBalancer Service has one', 'remove loadBalancerIP or set type: LoadBalancer');
    for (const [what, c] of reservedRanges(cluster)) {
      if (cidrContains(c, parseIp(spec.loadBalancerIP)!)) report(ctx, ['loadBalancerIP'], `${spec.loadBalancerIP} is inside ${what} ${formatCidr(c)}`, 'use an address outside the cluster, e.g. from outside.loadBalancerPool');
    }
  }
  (spec.ports ?? []).forEach((p, i) => {
    if (p.nodePort !== undefined && !external) report(ctx, ['ports', i, 'nodePort'], `only NodePort and LoadBalancer Services have node ports (this one is ${type})`, 'remove nodePort or set type: NodePort');
  });
}

// ---- hostNetwork pods --------------------------------------------------------------------------------

/** Ports a hostNetwork pod may not take: the node's own listeners. */
const NODE_PORTS_TAKEN: Record<number, string> = { 53: 'the node\'s DNS resolver', 10250: 'the kubelet', [PROXY_HEALTHZ_PORT]: 'kube-proxy\'s healthz' };

/** Refinement of a Pod spec: a hostNetwork pod's ports live on the node, beside the node's own daemons. */
export function hostNetworkRules(spec: { hostNetwork?: boolean; containers: { ports?: { containerPort: number }[] }[] }, ctx: Ctx): void {
  if (spec.hostNetwork !== true) return;
  spec.containers.forEach((c, i) =>
    (c.ports ?? []).forEach((p, j) => {
      const taken = NODE_PORTS_TAKEN[p.containerPort];
      if (taken) report(ctx, ['containers', i, 'ports', j, 'containerPort'], `port ${p.containerPort} is taken on the node (${taken})`, 'use another port for a hostNetwork pod');
    }),
  );
}

// ---- across documents --------------------------------------------------------------------------------

const portKey = (p: Obj) => `${String(p.containerPort)}/${String(p.protocol ?? 'TCP')}`;

/**
 * Refinement across documents: node ports and load balancer IPs unique (and not an outside host's), hostNetwork
 * pods on one node not sharing a port. `docs[i]` is document i+1 (null for the Lab document and empty ones);
 * issues are reported at [i, field].
 */
export function serviceKindsAcross(docs: readonly (KubeObject | null)[], outside: LabOutsideSpec, ctx: Ctx): void {
  const nodePorts = new Map<number, string>();
  const lbIPs = new Map<string, string>();
  const hostPorts = new Map<string, string>();
  const what = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
  docs.forEach((o, i) => {
    if (!o) return;
    const spec = (o.spec ?? {}) as Obj;
    if (o.kind === 'Service') {
      // One Service may give the same nodePort to a TCP and a UDP port (like DNS's 53/TCP+UDP); nothing else shares one.
      const mine = new Map<number, string>();
      const claim = (port: number, path: PropertyKey[], proto: string) => {
        const again = mine.has(port) && mine.get(port) !== proto && proto !== 'health' && mine.get(port) !== 'health';
        if (nodePorts.has(port) && !again) report(ctx, [i, ...path], `node port ${port} is already used by ${nodePorts.get(port)}`, 'pick another port or leave it out to have one allocated');
        nodePorts.set(port, what(o));
        mine.set(port, proto);
      };
      ((spec.ports as Obj[] | undefined) ?? []).forEach((p, j) => {
        if (typeof p.nodePort === 'number') claim(p.nodePort, ['spec', 'ports', j, 'nodePort'], String(p.protocol ?? 'TCP'));
      });
      if (typeof spec.healthCheckNodePort === 'number') claim(spec.healthCheckNodePort, ['spec', 'healthCheckNodePort'], 'health');
      const ip = spec.loadBalancerIP;
      if (typeof ip === 'string') {
        if (lbIPs.has(ip)) report(ctx, [i, 'spec', 'loadBalancerIP'], `${ip} is already the load balancer IP of ${lbIPs.get(ip)}`, 'pick another address or leave it out');
        const host = outside.hosts.find((h) => h.ip === ip);
        if (host) report(ctx, [i, 'spec', 'loadBalancerIP'], `${ip} is the address of outside host ${host.name}`, 'pick another address or leave it out');
        lbIPs.set(ip, what(o));
      }
    }
    if (o.kind === 'Pod' && spec.hostNetwork === true) {
      for (const c of spec.containers as Obj[]) {
        for (const p of (c.ports as Obj[] | undefined) ?? []) {
          const k = `${String(spec.nodeName)}/${portKey(p)}`;
          if (hostPorts.has(k)) report(ctx, [i, 'spec', 'containers', 'ports'], `hostNetwork port ${portKey(p)} on node ${String(spec.nodeName)} is already taken by ${hostPorts.get(k)}`, 'move one pod to another node or change its port');
          hostPorts.set(k, what(o));
        }
      }
    }
  });
}
