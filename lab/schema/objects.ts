// The lab file's Kubernetes documents (DESIGN §3: Namespace, Pod, Service, NetworkPolicy after the Lab document)
// as zod schemas, one per kind, chosen by `kind`. manifestSchema(cluster) checks one document against the
// cluster the Lab document describes (a pod's node, a Service's clusterIP in serviceCIDR); what spans documents
// (unique names, defined namespaces, node ports …) is lab/schema/file.ts. Names are checked by lib/kube/names.ts;
// the object as a whole then passes the API server's own validation (lab/specSafety.ts labFileObjectProblem).
// Output: the KubeObject as written, with apiVersion and a namespaced object's namespace filled in.
import { z } from 'zod';
import { isDNS1035Label, isLabelName, isSubdomainName, isValidPortName } from '../../lib/kube/names';
import { parseCidr as parseAnyCidr } from '../../lib/ip';
import { cidrContains, parseCidr, parseIp } from '../ipv4';
import { labFileObjectProblem } from '../specSafety';
import { BUILTIN_NAMESPACES } from '../objects';
import type { KubeObject, LabCluster } from '../types';
import { hostNetworkRules, SERVICE_KIND_SHAPE, NodePortSchema, serviceKindRules } from './outside';
import { pathOf, report, says } from './problems';

export const SUPPORTED_KINDS = ['Namespace', 'Pod', 'Service', 'NetworkPolicy'] as const;
type Kind = (typeof SUPPORTED_KINDS)[number];

// ---- metadata ----------------------------------------------------------------------------------------

const VALID_NAME: Record<Kind, (s: string) => boolean> = {
  Namespace: isLabelName,
  Pod: isSubdomainName,
  Service: (s) => isDNS1035Label(s).length === 0,
  NetworkPolicy: (s) => isSubdomainName(s) && s.length <= 63,
};

const namespace = says((v) => `"${String(v)}" is not a namespace name`, 'use lowercase letters, digits and -');
/** `metadata.namespace`: a namespace name; absent or null is `default`. */
const NamespaceField = z.string(namespace).refine(isLabelName, namespace).nullish();

const stringMap = says('must map keys to strings', 'quote values such as "false" and "8080"');
const StringMap = z.record(z.string(), z.string(stringMap), stringMap);

const trueFalse = z.enum(['true', 'false'], says((v) => `${JSON.stringify(v)} is not "true" or "false"`, 'quote it: "false"')).optional();
/** The pod annotations the lab reads (docs/contracts.md, "The lab file"); the others are strings, passed as written. */
const PodAnnotations = z
  .object(
    {
      'packetwalk/listen-address': z
        .string(stringMap)
        .refine((la) => la === '[::]' || ((la === '0.0.0.0' || /^127\./.test(la)) && parseIp(la) !== null), says((v) => `${JSON.stringify(v)} is not an address the pod has before it starts`, 'use 127.0.0.1 (loopback only), 0.0.0.0 (every address) or [::] (IPv6 only)'))
        .optional(),
      'packetwalk/listening': trueFalse,
      'packetwalk/ready': trueFalse,
      'packetwalk/mesh': z.literal('istio', says((v) => `${JSON.stringify(v)} is not a mesh the lab builds`, 'use istio (an Istio-style sidecar: lab/dataplane/mesh.ts)')).optional(),
    },
    stringMap,
  )
  .catchall(z.string(stringMap));

/** The name of an object of `kind`: present, then valid as the API server requires for that kind. */
const nameOf = (kind: Kind) =>
  z
    .string(says('missing', 'give the object a name'))
    .min(1)
    .refine(VALID_NAME[kind], says((v) => `"${String(v)}" is not a valid ${kind} name`, `use lowercase letters, digits and -${kind === 'Service' ? ', starting with a letter' : ''}, at most 63 characters`));

const notBuiltin = says((v) => `namespace ${String(v)} is created by the lab itself`, 'remove this document');

const metadata = (kind: Kind) =>
  z.looseObject(
    {
      name: kind === 'Namespace' ? nameOf(kind).refine((n) => !BUILTIN_NAMESPACES.includes(n), notBuiltin) : nameOf(kind),
      ...(kind === 'Namespace' ? {} : { namespace: NamespaceField }),
      labels: StringMap.optional(),
      annotations: (kind === 'Pod' ? PodAnnotations : StringMap).optional(),
    },
    says('missing', 'add metadata: {name: …}'),
  );

/** "Pod shop/web-0" for a document whose kind, name and namespace are valid, "Pod" when only its kind is, else ''. */
export function describeDocument(v: unknown): string {
  const o = (typeof v === 'object' && v !== null ? v : {}) as { kind?: unknown; metadata?: unknown };
  const kind = SUPPORTED_KINDS.find((k) => k === o.kind);
  if (!kind) return '';
  const id = z.looseObject({ name: nameOf(kind), namespace: kind === 'Namespace' ? z.unknown().optional() : NamespaceField }).safeParse(o.metadata);
  if (!id.success) return kind;
  return `${kind} ${kind === 'Namespace' ? '' : `${(id.data.namespace as string | null | undefined) ?? 'default'}/`}${id.data.name}`;
}

// ---- ports -------------------------------------------------------------------------------------------

const portNumber = says((v) => `${JSON.stringify(v)} is not a port number`, 'use an integer 1-65535');
const PortNumber = z.number(portNumber).int().min(1).max(65535);
const Protocol = z.enum(['TCP', 'UDP', 'SCTP'], says((v) => `${JSON.stringify(v)} is not a protocol`, 'use TCP, UDP or SCTP')).nullish();
const portName = says((v) => `${JSON.stringify(v)} is not a port name`, 'use at most 15 lowercase letters, digits and -, with at least one letter');
/** IANA_SVC_NAME as the API server checks it (lib/kube/names.ts isValidPortName). */
const PortName = z.string(portName).refine((v) => isValidPortName(v).length === 0, portName);

// ---- Pod ---------------------------------------------------------------------------------------------

const ContainerPort = z.looseObject({ containerPort: PortNumber, protocol: Protocol, name: PortName.optional() }, portNumber);
const containerName = says('missing or not a valid name', 'name every container');
const Container = z.looseObject(
  {
    name: z.string(containerName).refine(isLabelName, containerName),
    ports: z.array(ContainerPort, says('must be a list', 'write ports: [{containerPort: 8080}]')).optional(),
  },
  containerName,
);

function podSpec(cluster: LabCluster) {
  const nodes = cluster.nodes.join(', ');
  return z
    .looseObject(
      {
        hostNetwork: z.boolean(says((v) => `${JSON.stringify(v)} is not true or false`, 'write hostNetwork: true')).optional(),
        nodeName: z.enum(
          cluster.nodes as [string, ...string[]],
          says(
            (v) => (v === undefined ? 'missing' : `node ${JSON.stringify(v)} is not in cluster.nodes`),
            (v) => (v === undefined ? `choose a node: one of ${nodes}` : `use one of ${nodes} or add it to cluster.nodes`),
          ),
        ),
        containers: z.array(Container, says('missing or empty', 'add containers: [{name: app, image: …, ports: [{containerPort: 8080}]}]')).min(1),
      },
      says('missing', 'add spec: {nodeName: …, containers: […]}'),
    )
    .superRefine((spec, ctx) => {
      hostNetworkRules(spec, ctx);
      // container names, port numbers and port names are unique across the whole pod
      const names = new Set<string>();
      const portKeys = new Set<string>();
      const portNames = new Set<string>();
      spec.containers.forEach((c, i) => {
        if (names.has(c.name)) report(ctx, ['containers', i, 'name'], `duplicate container name ${c.name}`, 'give every container its own name');
        names.add(c.name);
        (c.ports ?? []).forEach((p, j) => {
          const key = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
          if (portKeys.has(key)) report(ctx, ['containers', i, 'ports', j, 'containerPort'], `port ${key} is declared twice in this pod`, 'declare each port once');
          portKeys.add(key);
          if (p.name === undefined) return;
          if (portNames.has(p.name)) report(ctx, ['containers', i, 'ports', j, 'name'], `port name ${p.name} is used twice in this pod`, 'give every port its own name');
          portNames.add(p.name);
        });
      });
    });
}

// ---- Service -----------------------------------------------------------------------------------------

const targetPort = says((v) => `${JSON.stringify(v)} is neither a port number nor a port name`, 'use a number 1-65535 or a container port name');
const ServicePort = z.looseObject(
  {
    port: PortNumber,
    protocol: Protocol,
    targetPort: z.union([z.number(targetPort).int().min(1).max(65535), z.string(targetPort).refine((v) => isValidPortName(v).length === 0, targetPort)], targetPort).optional(),
    nodePort: NodePortSchema.optional(),
    name: z.unknown().optional(),
  },
  portNumber,
);
const selector = says('must map label keys to strings', 'write selector: {app: backend}');

function serviceSpec(cluster: LabCluster) {
  const svc = parseCidr(cluster.serviceCIDR)!;
  return z
    .looseObject(
      {
        ...SERVICE_KIND_SHAPE,
        selector: z.record(z.string(), z.string(selector), selector).optional(),
        ports: z.array(ServicePort, says('missing or empty', 'add ports: [{port: 80, targetPort: 8080}]')).min(1).optional(),
      },
      says('missing', 'add spec: {selector: {…}, ports: [{port: 80, targetPort: 8080}]}'),
    )
    .superRefine((spec, ctx) => {
      serviceKindRules(spec, cluster, ctx);
      const ports = spec.ports;
      if (ports === undefined) {
        if (spec.type !== 'ExternalName') report(ctx, ['ports'], 'missing or empty', 'add ports: [{port: 80, targetPort: 8080}]'); // ExternalName: ports optional
        return;
      }
      ports.forEach((p, i) => {
        if (ports.length > 1 && typeof p.name !== 'string') report(ctx, ['ports', i, 'name'], 'missing: a Service with several ports must name each', 'add name: http (for example)');
        if (typeof p.name === 'string' && ports.findIndex((q) => q.name === p.name) !== i) report(ctx, ['ports', i, 'name'], `duplicate port name ${p.name}`, 'name every port differently');
      });
      const ip = spec.clusterIP;
      if (spec.type === 'ExternalName' || ip === undefined || ip === 'None' || ip === '') return;
      const n = typeof ip === 'string' ? parseIp(ip) : null;
      if (n === null || !cidrContains(svc, n)) {
        report(ctx, ['clusterIP'], `${JSON.stringify(ip)} is not an address in serviceCIDR ${cluster.serviceCIDR}`, 'pick an address inside serviceCIDR, "None" for headless, or leave it out');
      } else if (n === svc.base || n === svc.base + 1 || n === svc.base + 10) {
        report(ctx, ['clusterIP'], `${String(ip)} is reserved (network, kubernetes or kube-dns)`, 'pick another address or leave it out');
      }
    });
}

// ---- NetworkPolicy -----------------------------------------------------------------------------------

const ipBlockCidr = says((v) => `${JSON.stringify(v)} is not an IPv4 CIDR`, 'write e.g. 10.0.0.0/8');
/** An ipBlock's cidr: IPv4 with a prefix length; host bits may be set (the API server keeps them as written). */
const IpBlockCidr = z.string(ipBlockCidr).refine((v) => v.includes('/') && parseAnyCidr(v)?.family === 4, ipBlockCidr);
const Peer = z.looseObject(
  { ipBlock: z.looseObject({ cidr: IpBlockCidr }, says('must be a mapping', 'write ipBlock: {cidr: 10.0.0.0/8}')).nullish() },
  says('a peer must be a mapping', 'use podSelector, namespaceSelector or ipBlock'),
);
const rules = (dir: 'ingress' | 'egress') => {
  const peers = dir === 'ingress' ? 'from' : 'to';
  const rule = z.looseObject({ [peers]: z.array(Peer, says('must be a list of peers', 'write a list: [{podSelector: …}]')).optional() }, says('a rule must be a mapping', `write {${peers}: […], ports: […]}`));
  return z.array(rule, says('must be a list of rules', `write ${dir}: [] to deny, or a list of rules`)).nullish();
};
const policyTypes = says((v) => `${JSON.stringify(v)} is not a list of Ingress/Egress`, 'write policyTypes: [Ingress] or [Ingress, Egress]');
const PolicySpec = z.looseObject(
  {
    podSelector: z.looseObject({}, says('missing', 'write podSelector: {} to select every pod of the namespace')),
    policyTypes: z.array(z.unknown(), policyTypes).refine((ts) => ts.every((t) => t === 'Ingress' || t === 'Egress'), policyTypes).optional(),
    ingress: rules('ingress'),
    egress: rules('egress'),
  },
  says('missing', 'add spec: {podSelector: {}, policyTypes: [Ingress]}'),
);

// ---- the document ------------------------------------------------------------------------------------

/**
 * A checked document as the lab keeps it: as written (keys in the file's order), apiVersion defaulted, a
 * namespaced object's namespace filled in (`default` when absent or null).
 */
export function asWritten(doc: unknown): KubeObject {
  const v = doc as { kind: Kind; apiVersion?: unknown; metadata: KubeObject['metadata'] & { namespace?: string | null } };
  const { kind, metadata: md } = v;
  const ns = kind === 'Namespace' ? undefined : (md.namespace ?? 'default');
  return {
    ...v,
    apiVersion: typeof v.apiVersion === 'string' ? v.apiVersion : kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1',
    kind,
    metadata: { ...md, name: md.name, ...(ns ? { namespace: ns } : {}) } as KubeObject['metadata'],
  };
}

const doc = <K extends Kind, S extends z.ZodType>(kind: K, spec: S) => z.looseObject({ kind: z.literal(kind), metadata: metadata(kind), spec });
const NamespaceDoc = z.looseObject({ kind: z.literal('Namespace'), metadata: metadata('Namespace') });

const kindProblem = (v: unknown) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'a manifest must be a mapping', fix: 'write a Kubernetes object with apiVersion, kind and metadata' };
  const kind = (v as { kind?: unknown }).kind;
  if (typeof kind !== 'string') return { problem: 'missing', fix: `set kind to one of ${SUPPORTED_KINDS.join(', ')}` };
  if (kind === 'Lab') return { problem: 'only the first document may be kind: Lab', fix: 'merge the two Lab documents' };
  return { problem: `"${kind}" is not something the lab builds`, fix: `use one of ${SUPPORTED_KINDS.join(', ')}` };
};

/**
 * One Kubernetes document of the lab file, checked against `cluster` → the KubeObject (asWritten of zod's copy:
 * the same content, keys in the schema's order). Issues name the field under the document.
 */
export function manifestSchema(cluster: LabCluster) {
  return z
    .discriminatedUnion('kind', [NamespaceDoc, doc('Pod', podSpec(cluster)), doc('Service', serviceSpec(cluster)), doc('NetworkPolicy', PolicySpec)], says((v) => kindProblem(v).problem, (v) => kindProblem(v).fix))
    .transform(asWritten)
    .superRefine((o, ctx) => {
      // what the API server itself would refuse (labels, annotations, port names …), worded for the lab file
      const bad = labFileObjectProblem(o);
      if (bad) report(ctx, pathOf(bad.field), bad.problem, bad.fix);
    });
}
