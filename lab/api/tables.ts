// Server-side printing: the Table (meta.k8s.io/v1) that `kubectl get` asks for, with the columns and
// priorities of kubernetes pkg/printers/internalversion/printers.go (priority 1 = only with -o wide).
import type { KubeObject } from '../types';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number;

const col = (name: string, description: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, description, priority });
const NAME = col('Name', 'Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 0, 'string', 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only. Null for lists.');

/** apimachinery duration.HumanDuration, what kubectl prints in AGE: 45s, 2m30s, 3h12m, 3d1h, 400d, 2y70d … */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const age = (o: KubeObject, now: number) => (o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>');

/* eslint-disable @typescript-eslint/no-explicit-any -- printers read deep optional API fields */
const get = (o: KubeObject): any => o;

function selectorText(sel: Record<string, string> | undefined): string {
  const parts = Object.entries(sel ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '<none>';
}

function labelSelectorText(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'exists') parts.push(e.key);
    else if (op === 'doesnotexist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function podRow(o: KubeObject, now: number): Cell[] {
  const p = get(o);
  const containers: any[] = p.spec?.containers ?? [];
  const statuses: any[] = p.status?.containerStatuses ?? [];
  const ready = statuses.filter((s) => s.ready).length;
  let restarts = 0;
  let reason: string = p.status?.reason ?? p.status?.phase ?? 'Unknown';
  for (const s of statuses) {
    restarts += s.restartCount ?? 0;
    if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
    else if (s.state?.terminated?.reason) reason = s.state.terminated.reason;
  }
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  const gates: any[] = p.spec?.readinessGates ?? [];
  return [
    o.metadata.name,
    `${ready}/${containers.length}`,
    reason,
    String(restarts),
    age(o, now),
    p.status?.podIP ?? '<none>',
    p.spec?.nodeName ?? '<none>',
    p.status?.nominatedNodeName ?? '<none>',
    gates.length ? `0/${gates.length}` : '<none>',
  ];
}

function nodeRow(o: KubeObject, now: number): Cell[] {
  const n = get(o);
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  let status = ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown';
  if (n.spec?.unschedulable) status += ',SchedulingDisabled';
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  const addr = (t: string) => (n.status?.addresses ?? []).find((a: any) => a.type === t)?.address ?? '<none>';
  const info = n.status?.nodeInfo ?? {};
  return [o.metadata.name, status, roles.length ? roles.join(',') : '<none>', age(o, now), info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'];
}

function serviceRow(o: KubeObject, now: number): Cell[] {
  const s = get(o);
  const ports = (s.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  const ext = [...(s.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname), ...(s.spec?.externalIPs ?? [])];
  const type = s.spec?.type ?? 'ClusterIP';
  // kubectl's printService: ExternalName shows spec.externalName as its External-IP
  const external = type === 'ExternalName' ? s.spec?.externalName ?? '<none>' : ext.length ? ext.join(',') : type === 'LoadBalancer' ? '<pending>' : '<none>';
  return [o.metadata.name, type, s.spec?.clusterIP ?? '<none>', external, ports.length ? ports.join(',') : '<none>', age(o, now), selectorText(s.spec?.selector)];
}

function endpointSliceRow(o: KubeObject, now: number): Cell[] {
  const e = get(o);
  const ports: any[] = e.ports ?? [];
  const addrs: string[] = (e.endpoints ?? []).flatMap((ep: any) => ep.addresses ?? []);
  const shown = addrs.slice(0, 3).join(',') + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '');
  return [o.metadata.name, e.addressType ?? '', ports.length ? ports.map((p) => String(p.port ?? '')).join(',') : '<unset>', addrs.length ? shown : '<unset>', age(o, now)];
}

const networkPolicyRow = (o: KubeObject, now: number): Cell[] => [o.metadata.name, labelSelectorText(get(o).spec?.podSelector), age(o, now)];
const configMapRow = (o: KubeObject, now: number): Cell[] => [o.metadata.name, Object.keys(get(o).data ?? {}).length + Object.keys(get(o).binaryData ?? {}).length, age(o, now)];
const namespaceRow = (o: KubeObject, now: number): Cell[] => [o.metadata.name, get(o).status?.phase ?? 'Active', age(o, now)];
const defaultRow = (o: KubeObject, now: number): Cell[] => [o.metadata.name, age(o, now)];
/* eslint-enable @typescript-eslint/no-explicit-any */

const PRINTERS: Record<string, { columns: Column[]; row: (o: KubeObject, now: number) => Cell[] }> = {
  Pod: {
    columns: [
      NAME,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
      col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
      col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
      col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    row: podRow,
  },
  Node: {
    columns: [
      NAME,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of internal IPs of the node.', 1),
      col('External-IP', 'List of external IPs of the node.', 1),
      col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
      col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    row: nodeRow,
  },
  Service: {
    columns: [
      NAME,
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'List of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      AGE,
      col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    row: serviceRow,
  },
  EndpointSlice: {
    columns: [NAME, col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'), col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'), col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'), AGE],
    row: endpointSliceRow,
  },
  NetworkPolicy: { columns: [NAME, col('Pod-Selector', 'podSelector selects the pods to which this NetworkPolicy object applies.'), AGE], row: networkPolicyRow },
  ConfigMap: { columns: [NAME, col('Data', 'Data contains the configuration data.', 0, 'integer'), AGE], row: configMapRow },
  Namespace: { columns: [NAME, col('Status', 'The status of the namespace'), AGE], row: namespaceRow },
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(objects: KubeObject[], kind: string, listMeta: { resourceVersion: string }, include: IncludeObject, now = Date.now()) {
  const p = PRINTERS[kind] ?? { columns: [NAME, AGE], row: defaultRow };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: p.columns,
    rows: objects.map((o) => ({ cells: p.row(o, now), object: rowObject(o, include) })),
  };
}

/** Does the Accept header ask for a Table (kubectl get)? Returns the meta.k8s.io version asked for first. */
export function wantsTable(accept: string | undefined): 'v1' | 'v1beta1' | null {
  for (const part of (accept ?? '').split(',')) {
    const params = part.split(';').map((s) => s.trim());
    if (!params.includes('as=Table')) continue;
    if (params.includes('v=v1')) return 'v1';
    if (params.includes('v=v1beta1')) return 'v1beta1';
  }
  return null;
}
