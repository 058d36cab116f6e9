// The lab file (DESIGN §3): a `kind: Lab` document, then ordinary Kubernetes manifests. Everything is
// validated before anything is built: an error names the document (1-based, as an editor counts), the
// field, and the fix, so `lab up` can exit 2 with nothing half-built.
import { parseAllDocuments } from 'yaml';
import { checkFaultShape, checkFaultTargets, type FaultContext } from './faults';
import { cidrSize, cidrsOverlap, formatCidr, parseCidr, parseIp, cidrContains, type Cidr } from './ipv4';
import type { KubeObject, LabCluster, LabFault, LabOutsideSpec } from './types';
import { checkHostNetworkPod, checkKindsAcross, checkServiceKind, parseOutside } from './outside';
import { MANNER_KEYS, parseManners } from './api/manners';
import { dnsServiceName } from './objects';
import { checkFamily, CNIS, FAMILY_OVERLAYS, OVERLAYS } from './families';
import { labFileObjectProblem, MAX_YAML_ALIASES, reservedRangeProblem } from './specSafety';

/** The nodes' underlay network (kind's docker network); pod and service CIDRs must not overlap it. */
export const UNDERLAY_CIDR = '172.18.0.0/16';

export interface LabSpec {
  cluster: LabCluster;
  faults: LabFault[];
  /** Namespace, Pod, Service and NetworkPolicy manifests as written (validated), in file order. */
  manifests: KubeObject[];
  /** Additive: the validated `outside:` section (DESIGN §3.2; lab/outside.ts); absent = no hosts, default pool. */
  outside?: LabOutsideSpec;
}

export class LabFileError extends Error {
  constructor(
    readonly source: string,
    readonly doc: number, // 1-based document number; 0 = the file as a whole
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
    readonly what = '',
  ) {
    super(`${source}${doc ? `, document ${doc}${what ? ` (${what})` : ''}` : ''}${field ? `, field ${field}` : ''}: ${problem}${fix ? `; fix: ${fix}` : ''}`);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/; // RFC 1123 label
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/; // Service names
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SUPPORTED_KINDS = ['Namespace', 'Pod', 'Service', 'NetworkPolicy'];
const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseLabFile(text: string, source = 'lab file'): LabSpec {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  list.forEach((d, i) => {
    if (d.errors.length) {
      const e = d.errors[0];
      throw new LabFileError(source, i + 1, '', `malformed YAML: ${e.message.split('\n')[0]}`, 'correct the YAML syntax at that line');
    }
    try {
      values.push(d.toJS({ maxAliasCount: MAX_YAML_ALIASES }));
    } catch (e) {
      throw new LabFileError(source, i + 1, '', `YAML aliases expand too far (${(e as Error).message.split('\n')[0]})`, `write the values out or use fewer aliases (at most ${MAX_YAML_ALIASES} per document)`);
    }
  });
  // Empty documents (a trailing `---`) are skipped, but keep their numbers for messages.
  const numbered = values.map((v, i) => ({ v, n: i + 1 })).filter((x) => x.v !== null && x.v !== undefined);
  if (!numbered.length) throw new LabFileError(source, 0, '', 'the file has no documents', 'start it with a `kind: Lab` document (see lab/default.yaml)');
  const first = numbered[0];
  const err = (n: number, field: string, problem: string, fix: string, what = '') => new LabFileError(source, n, field, problem, fix, what);

  if (!isObj(first.v) || first.v.kind !== 'Lab') {
    throw err(first.n, 'kind', 'the first document must be the lab itself (kind: Lab)', 'put a `kind: Lab` document with `cluster:` first');
  }
  const cluster = parseCluster(first.v, first.n, err);
  const outside = parseOutside(first.v.outside, cluster, (field, problem, fix) => err(first.n, field, problem, fix), cluster.dnsDomain);

  const manifests: KubeObject[] = [];
  const docOf = new Map<KubeObject, number>();
  const seen = new Map<string, number>();
  for (const { v, n } of numbered.slice(1)) {
    if (!isObj(v)) throw err(n, '', 'a manifest must be a mapping', 'write a Kubernetes object with apiVersion, kind and metadata');
    const kind = v.kind;
    if (typeof kind !== 'string') throw err(n, 'kind', 'missing', `set kind to one of ${SUPPORTED_KINDS.join(', ')}`);
    if (!SUPPORTED_KINDS.includes(kind)) throw err(n, 'kind', `"${kind}" is not something the lab builds`, `use one of ${SUPPORTED_KINDS.join(', ')}`);
    if (kind === 'Lab') throw err(n, 'kind', 'only the first document may be kind: Lab', 'merge the two Lab documents');
    const md = v.metadata;
    if (!isObj(md)) throw err(n, 'metadata', 'missing', 'add metadata: {name: …}', kind);
    const name = md.name;
    if (typeof name !== 'string' || !name) throw err(n, 'metadata.name', 'missing', 'give the object a name', kind);
    const namespaced = kind !== 'Namespace';
    const ns = namespaced ? (md.namespace ?? 'default') : undefined;
    if (namespaced && (typeof ns !== 'string' || !DNS_LABEL.test(ns))) throw err(n, 'metadata.namespace', `"${String(ns)}" is not a namespace name`, 'use lowercase letters, digits and -', kind);
    const what = `${kind} ${ns ? `${ns}/` : ''}${name}`;
    const nameRe = kind === 'Pod' || kind === 'NetworkPolicy' ? DNS_SUBDOMAIN : kind === 'Service' ? DNS_1035 : DNS_LABEL;
    if (!nameRe.test(name) || name.length > (kind === 'Pod' ? 253 : 63)) {
      throw err(n, 'metadata.name', `"${name}" is not a valid ${kind} name`, `use lowercase letters, digits and -${kind === 'Service' ? ', starting with a letter' : ''}, at most 63 characters`, kind);
    }
    for (const f of ['labels', 'annotations'] as const) {
      if (md[f] === undefined) continue;
      if (!isObj(md[f]) || Object.values(md[f] as Obj).some((x) => typeof x !== 'string')) {
        throw err(n, `metadata.${f}`, 'must map keys to strings', 'quote values such as "false" and "8080"', what);
      }
    }
    const key = `${kind}/${ns ?? ''}/${name}`;
    if (seen.has(key)) throw err(n, 'metadata.name', `duplicate: document ${seen.get(key)} already defines ${what}`, 'rename one of them or delete the copy', what);
    seen.set(key, n);
    if (kind === 'Namespace' && BUILTIN_NAMESPACES.includes(name)) {
      throw err(n, 'metadata.name', `namespace ${name} is created by the lab itself`, 'remove this document', what);
    }
    const obj: KubeObject = {
      ...(v as Obj),
      apiVersion: typeof v.apiVersion === 'string' ? v.apiVersion : kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1',
      kind,
      metadata: { ...(md as Obj), name, ...(ns ? { namespace: ns as string } : {}) },
    };
    const at = (field: string, problem: string, fix: string) => err(n, field, problem, fix, what);
    if (kind === 'Pod') checkPod(obj, cluster, at);
    if (kind === 'Service') checkService(obj, cluster, at);
    if (kind === 'NetworkPolicy') checkPolicy(obj, at);
    const bad = labFileObjectProblem(obj);
    if (bad) throw at(bad.field, bad.problem, bad.fix);
    manifests.push(obj);
    docOf.set(obj, n);
  }

  // Cross-document checks: namespaces exist, pods fit their node's /24, cluster IPs are unique.
  const namespaces = new Set([...BUILTIN_NAMESPACES, ...manifests.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)]);
  const perNode = new Map<string, number>();
  const clusterIPs = new Map<string, string>();
  for (const o of manifests) {
    const n = docOf.get(o)!;
    const what = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    if (o.metadata.namespace && !namespaces.has(o.metadata.namespace)) {
      throw err(n, 'metadata.namespace', `namespace "${o.metadata.namespace}" is not defined`, `add a document {apiVersion: v1, kind: Namespace, metadata: {name: ${o.metadata.namespace}}}`, what);
    }
    if (o.kind === 'Pod') {
      const node = (o.spec as Obj).nodeName as string;
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
      if (perNode.get(node)! > 250) throw err(n, 'spec.nodeName', `node ${node} has more pods than its /24 holds (250 after the bridge and kube-system)`, 'spread the pods over more nodes', what);
    }
    if (o.kind === 'Service') {
      const ip = (o.spec as Obj).clusterIP;
      if (typeof ip === 'string' && ip !== 'None') {
        if (clusterIPs.has(ip)) throw err(n, 'spec.clusterIP', `${ip} is already the clusterIP of ${clusterIPs.get(ip)}`, 'pick another address or leave clusterIP out', what);
        clusterIPs.set(ip, what);
      }
    }
  }

  checkKindsAcross(manifests, outside, (o, field, problem, fix) => err(docOf.get(o)!, field, problem, fix, `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`));

  const faults = parseFaultList(first.v.faults, first.n, err);
  const ctx = faultTargets({ cluster, manifests });
  faults.forEach((f, i) => {
    try {
      checkFaultTargets(f, ctx);
    } catch (e) {
      throw err(first.n, `faults[${i}]`, (e as Error).message, 'name an existing node, Service or pod');
    }
  });
  return { cluster, faults, manifests, outside };
}

/** What a fault of this lab may name: its nodes, Services (ns/name, kube-dns included) and pods. */
export function faultTargets(spec: Pick<LabSpec, 'cluster' | 'manifests'>): FaultContext {
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  return {
    nodes: spec.cluster.nodes,
    services: [...spec.manifests.filter((o) => o.kind === 'Service').map(key), `kube-system/${dnsServiceName(spec.cluster)}`, 'default/kubernetes'],
    pods: spec.manifests.filter((o) => o.kind === 'Pod' && (o.spec as Obj)?.hostNetwork !== true).map(key),
  };
}

type Err = (n: number, field: string, problem: string, fix: string, what?: string) => LabFileError;
type At = (field: string, problem: string, fix: string) => LabFileError;

function parseCluster(lab: Obj, n: number, err: Err): LabCluster {
  const c = lab.cluster;
  if (!isObj(c)) throw err(n, 'cluster', 'missing', 'add cluster: {nodes: [worker-1, worker-2], …}');
  for (const k of Object.keys(c)) {
    if (!['nodes', 'cni', 'overlay', 'kubeProxy', 'networkPolicy', 'podCIDR', 'serviceCIDR', ...MANNER_KEYS].includes(k)) {
      throw err(n, `cluster.${k}`, 'unknown setting', `use nodes, cni, overlay, kubeProxy, networkPolicy, podCIDR, serviceCIDR, ${MANNER_KEYS.join(', ')}`);
    }
  }
  for (const k of Object.keys(lab)) {
    if (!['kind', 'apiVersion', 'metadata', 'cluster', 'faults', 'outside'].includes(k)) throw err(n, k, 'unknown top-level key of the Lab document', 'use cluster, outside and faults');
  }
  const nodes = c.nodes;
  if (!Array.isArray(nodes) || !nodes.length) throw err(n, 'cluster.nodes', 'missing or empty', 'list the node names, e.g. nodes: [worker-1, worker-2]');
  nodes.forEach((x, i) => {
    if (typeof x !== 'string' || !DNS_LABEL.test(x) || x.length > 40) throw err(n, `cluster.nodes[${i}]`, `${JSON.stringify(x)} is not a node name`, 'use lowercase letters, digits and -, at most 40 characters');
    if (nodes.indexOf(x) !== i) throw err(n, `cluster.nodes[${i}]`, `duplicate node name ${x}`, 'give every node its own name');
  });
  if (nodes.length > 50) throw err(n, 'cluster.nodes', `${nodes.length} nodes; the lab builds at most 50`, 'use fewer nodes');
  const choice = <T extends string>(key: string, allowed: readonly T[], dflt: T): T => {
    const v = c[key] ?? dflt;
    if (!allowed.includes(v as T)) throw err(n, `cluster.${key}`, `${JSON.stringify(v)} is not supported`, `use one of ${allowed.join(' | ')}`);
    return v as T;
  };
  // DESIGN §3.1: the family, then an overlay it builds (lab/families.ts); a missing overlay is the family's own.
  const cni = choice('cni', CNIS, 'flannel');
  const overlay = choice('overlay', OVERLAYS, FAMILY_OVERLAYS[cni].allowed[0]);
  const bad = checkFamily(cni, overlay);
  if (bad) throw err(n, bad.field, bad.problem, bad.fix);
  const kubeProxy = choice('kubeProxy', ['iptables', 'nftables'] as const, 'iptables');
  const networkPolicy = choice('networkPolicy', ['enforce', 'ignore'] as const, 'enforce');
  const cidr = (key: string, dflt: string): Cidr => {
    const v = c[key] ?? dflt;
    const p = typeof v === 'string' ? parseCidr(v) : null;
    if (!p) throw err(n, `cluster.${key}`, `${JSON.stringify(v)} is not an IPv4 CIDR with its host bits zero`, `write e.g. ${dflt}`);
    return p;
  };
  const pod = cidr('podCIDR', '10.244.0.0/16');
  const svc = cidr('serviceCIDR', '10.96.0.0/16');
  const underlay = parseCidr(UNDERLAY_CIDR)!;
  if (cidrsOverlap(pod, svc)) throw err(n, 'cluster.serviceCIDR', `${formatCidr(svc)} overlaps podCIDR ${formatCidr(pod)}`, 'use disjoint ranges, e.g. podCIDR 10.244.0.0/16 and serviceCIDR 10.96.0.0/16');
  for (const [k, x] of [['podCIDR', pod], ['serviceCIDR', svc]] as const) {
    const reserved = reservedRangeProblem(formatCidr(x));
    if (reserved) throw err(n, `cluster.${k}`, reserved, 'use a private range, e.g. 10.244.0.0/16 for pods and 10.96.0.0/16 for Services');
    if (cidrsOverlap(x, underlay)) throw err(n, `cluster.${k}`, `${formatCidr(x)} overlaps the nodes' network ${UNDERLAY_CIDR}`, 'pick a range outside 172.18.0.0/16');
  }
  // Node i gets the (i+1)-th /24 (worker-1 → 10.244.1.0/24), as kind leaves .0 to its control plane.
  if (pod.bits > 24 || cidrSize(pod) / 256 < nodes.length + 1) {
    throw err(n, 'cluster.podCIDR', `${formatCidr(pod)} is too small: ${nodes.length} nodes need ${nodes.length + 1} /24s (one per node, the first left free)`, `use a /${Math.min(23, 24 - Math.ceil(Math.log2(nodes.length + 1)))} or larger, e.g. 10.244.0.0/16`);
  }
  if (svc.bits > 27) throw err(n, 'cluster.serviceCIDR', `${formatCidr(svc)} is too small for kubernetes (.1), kube-dns (.10) and the Services`, 'use a /24 or larger, e.g. 10.96.0.0/16');
  return { nodes: nodes as string[], ...(cni !== 'flannel' ? { cni } : {}), overlay, kubeProxy, networkPolicy, podCIDR: formatCidr(pod), serviceCIDR: formatCidr(svc), ...parseManners(c, (field, problem, fix) => err(n, field, problem, fix)) };
}

function parseFaultList(v: unknown, n: number, err: Err): LabFault[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw err(n, 'faults', 'must be a list', 'write faults: [{name: mtu-blackhole, node: worker-2}]');
  return v.map((x, i) => {
    if (!isObj(x) || typeof x.name !== 'string') throw err(n, `faults[${i}].name`, 'missing', 'write {name: FAULT, param: value}; `packetwalk lab faults` lists them');
    const params: Record<string, string> = {};
    for (const [k, val] of Object.entries(x)) if (k !== 'name') params[k] = String(val);
    try {
      return checkFaultShape({ name: x.name, params });
    } catch (e) {
      throw err(n, `faults[${i}]`, (e as Error).message, '`packetwalk lab faults` lists the faults and their parameters');
    }
  });
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const validPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

function checkPod(o: KubeObject, cluster: LabCluster, at: At): void {
  const spec = o.spec;
  if (!isObj(spec)) throw at('spec', 'missing', 'add spec: {nodeName: …, containers: […]}');
  checkHostNetworkPod(spec, at);
  if (spec.nodeName === undefined) throw at('spec.nodeName', 'missing', `choose a node: one of ${cluster.nodes.join(', ')}`);
  if (!cluster.nodes.includes(spec.nodeName as string)) {
    throw at('spec.nodeName', `node ${JSON.stringify(spec.nodeName)} is not in cluster.nodes`, `use one of ${cluster.nodes.join(', ')} or add it to cluster.nodes`);
  }
  const cs = spec.containers;
  if (!Array.isArray(cs) || !cs.length) throw at('spec.containers', 'missing or empty', 'add containers: [{name: app, image: …, ports: [{containerPort: 8080}]}]');
  const names = new Set<string>();
  const portNames = new Set<string>();
  const portKeys = new Set<string>();
  cs.forEach((c, i) => {
    if (!isObj(c) || typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) throw at(`spec.containers[${i}].name`, 'missing or not a valid name', 'name every container');
    if (names.has(c.name)) throw at(`spec.containers[${i}].name`, `duplicate container name ${c.name}`, 'give every container its own name');
    names.add(c.name);
    if (c.ports === undefined) return;
    if (!Array.isArray(c.ports)) throw at(`spec.containers[${i}].ports`, 'must be a list', 'write ports: [{containerPort: 8080}]');
    c.ports.forEach((p, j) => {
      const f = `spec.containers[${i}].ports[${j}]`;
      if (!isObj(p) || !validPort(p.containerPort)) throw at(`${f}.containerPort`, `${JSON.stringify(isObj(p) ? p.containerPort : p)} is not a port number`, 'use an integer 1-65535');
      const proto = p.protocol ?? 'TCP';
      if (!PROTOCOLS.includes(proto as string)) throw at(`${f}.protocol`, `${JSON.stringify(proto)} is not a protocol`, 'use TCP, UDP or SCTP');
      const key = `${p.containerPort}/${proto}`;
      if (portKeys.has(key)) throw at(`${f}.containerPort`, `port ${key} is declared twice in this pod`, 'declare each port once');
      portKeys.add(key);
      if (p.name !== undefined) {
        if (typeof p.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || p.name.length > 15 || !/[a-z]/.test(p.name)) {
          throw at(`${f}.name`, `${JSON.stringify(p.name)} is not a port name`, 'use at most 15 lowercase letters, digits and -, with at least one letter');
        }
        if (portNames.has(p.name)) throw at(`${f}.name`, `port name ${p.name} is used twice in this pod`, 'give every port its own name');
        portNames.add(p.name);
      }
    });
  });
  const ann = (o.metadata.annotations ?? {}) as Record<string, string>;
  const la = ann['packetwalk/listen-address'];
  if (la !== undefined && !(la === '0.0.0.0' || /^127\./.test(la)) || (la !== undefined && parseIp(la) === null)) {
    throw at('metadata.annotations["packetwalk/listen-address"]', `${JSON.stringify(la)} is not an address the pod has before it starts`, 'use 127.0.0.1 (loopback only) or 0.0.0.0 (every address)');
  }
  for (const k of ['packetwalk/listening', 'packetwalk/ready']) {
    if (ann[k] !== undefined && !['true', 'false'].includes(ann[k])) throw at(`metadata.annotations["${k}"]`, `${JSON.stringify(ann[k])} is not "true" or "false"`, 'quote it: "false"');
  }
  if (ann['packetwalk/mesh'] !== undefined && ann['packetwalk/mesh'] !== 'istio') throw at('metadata.annotations["packetwalk/mesh"]', `${JSON.stringify(ann['packetwalk/mesh'])} is not a mesh the lab builds`, 'use istio (an Istio-style sidecar: lab/dataplane/mesh.ts)');
}

function checkService(o: KubeObject, cluster: LabCluster, at: At): void {
  const spec = o.spec;
  if (!isObj(spec)) throw at('spec', 'missing', 'add spec: {selector: {…}, ports: [{port: 80, targetPort: 8080}]}');
  if (checkServiceKind(spec, cluster, at) && spec.ports === undefined) return; // ExternalName: ports optional
  if (spec.selector !== undefined && (!isObj(spec.selector) || Object.values(spec.selector).some((x) => typeof x !== 'string'))) {
    throw at('spec.selector', 'must map label keys to strings', 'write selector: {app: backend}');
  }
  const ports = spec.ports;
  if (!Array.isArray(ports) || !ports.length) throw at('spec.ports', 'missing or empty', 'add ports: [{port: 80, targetPort: 8080}]');
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    if (!isObj(p) || !validPort(p.port)) throw at(`${f}.port`, `${JSON.stringify(isObj(p) ? p.port : p)} is not a port number`, 'use an integer 1-65535');
    if (!PROTOCOLS.includes((p.protocol ?? 'TCP') as string)) throw at(`${f}.protocol`, `${JSON.stringify(p.protocol)} is not a protocol`, 'use TCP, UDP or SCTP');
    const tp = p.targetPort;
    if (tp !== undefined && !validPort(tp) && !(typeof tp === 'string' && /^[a-z0-9-]{1,15}$/.test(tp))) {
      throw at(`${f}.targetPort`, `${JSON.stringify(tp)} is neither a port number nor a port name`, 'use a number 1-65535 or a container port name');
    }
    if (ports.length > 1 && typeof p.name !== 'string') throw at(`${f}.name`, 'missing: a Service with several ports must name each', 'add name: http (for example)');
    if (typeof p.name === 'string') {
      if (names.has(p.name)) throw at(`${f}.name`, `duplicate port name ${p.name}`, 'name every port differently');
      names.add(p.name);
    }
  });
  const ip = spec.clusterIP;
  if (ip !== undefined && ip !== 'None' && ip !== '') {
    const n = typeof ip === 'string' ? parseIp(ip) : null;
    const svc = parseCidr(cluster.serviceCIDR)!;
    if (n === null || !cidrContains(svc, n)) throw at('spec.clusterIP', `${JSON.stringify(ip)} is not an address in serviceCIDR ${cluster.serviceCIDR}`, 'pick an address inside serviceCIDR, "None" for headless, or leave it out');
    if (n === svc.base || n === svc.base + 1 || n === svc.base + 10) throw at('spec.clusterIP', `${ip} is reserved (network, kubernetes or kube-dns)`, 'pick another address or leave it out');
  }
}

function checkPolicy(o: KubeObject, at: At): void {
  const spec = o.spec;
  if (!isObj(spec)) throw at('spec', 'missing', 'add spec: {podSelector: {}, policyTypes: [Ingress]}');
  if (!isObj(spec.podSelector)) throw at('spec.podSelector', 'missing', 'write podSelector: {} to select every pod of the namespace');
  if (spec.policyTypes !== undefined) {
    if (!Array.isArray(spec.policyTypes) || spec.policyTypes.some((t) => t !== 'Ingress' && t !== 'Egress')) {
      throw at('spec.policyTypes', `${JSON.stringify(spec.policyTypes)} is not a list of Ingress/Egress`, 'write policyTypes: [Ingress] or [Ingress, Egress]');
    }
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = spec[dir];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) throw at(`spec.${dir}`, 'must be a list of rules', `write ${dir}: [] to deny, or a list of rules`);
    rules.forEach((r, i) => {
      if (!isObj(r)) throw at(`spec.${dir}[${i}]`, 'a rule must be a mapping', `write {${dir === 'ingress' ? 'from' : 'to'}: […], ports: […]}`);
      const peers = r[dir === 'ingress' ? 'from' : 'to'];
      if (peers !== undefined && !Array.isArray(peers)) throw at(`spec.${dir}[${i}].${dir === 'ingress' ? 'from' : 'to'}`, 'must be a list of peers', 'write a list: [{podSelector: …}]');
      for (const [j, p] of ((peers as unknown[]) ?? []).entries()) {
        if (!isObj(p)) throw at(`spec.${dir}[${i}].peers[${j}]`, 'a peer must be a mapping', 'use podSelector, namespaceSelector or ipBlock');
        if (isObj(p.ipBlock) && !parseCidr(String(p.ipBlock.cidr)) && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(String(p.ipBlock.cidr))) {
          throw at(`spec.${dir}[${i}].ipBlock.cidr`, `${JSON.stringify(p.ipBlock.cidr)} is not an IPv4 CIDR`, 'write e.g. 10.0.0.0/8');
        }
      }
    });
  }
}
