// What a cluster of the lab file's shape holds: the lab's layout (node and pod addresses, netns and veth
// names) and every API object the controllers of a real cluster would have written — Nodes, pod status,
// ClusterIPs, EndpointSlices, kube-dns, kube-proxy and CNI pods, the kube-proxy ConfigMap. Pure: the same
// spec, instance and clock give the same objects.
import { createHash } from 'node:crypto';
import { release } from 'node:os';
import { cidrSize, nthIp, parseCidr, parseIp, subnet, formatCidr, formatIp } from './ipv4';
import { cniOf, cniSystemPods, familyNodeAnnotations, familyPodGateway, familyVethName } from './families';
import type { LabSpec } from './spec';
import { DEFAULT_LB_POOL, planServiceKinds, shapeServiceKind } from './outside';
import type { KubeObject, LabCluster, LabNode, LabPod } from './types';

export const K8S_VERSION = 'v1.32.0';
export const POD_MTU = 1500;
/** Underlay MTU: room for the 50 bytes of VXLAN so the tunnel carries full 1500-byte pod packets. */
export const UNDERLAY_MTU = 1550;
export const DNS_DOMAIN = 'cluster.local';
/** The namespaces every cluster has; the lab makes them, a lab file may use them without defining them. */
export const BUILTIN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
/** The cluster DNS Service's name in kube-system (cluster.dnsService, DESIGN §3.3; default kube-dns). */
export const dnsServiceName = (cluster: Pick<LabCluster, 'dnsService'>) => cluster.dnsService?.split('/')[1] ?? 'kube-dns';

export interface LabLayout {
  nodes: LabNode[];
  pods: LabPod[];
  objects: KubeObject[];
}

type Obj = Record<string, unknown>;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** Kubernetes' random-looking name suffixes (consonants and digits), derived so a rebuild gives the same names. */
function suffix(seed: string, n: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = sha(seed);
  let out = '';
  for (let i = 0; out.length < n; i += 2) out += alphabet[parseInt(h.slice(i, i + 2), 16) % alphabet.length];
  return out;
}
const uid = (seed: string) => {
  const h = sha(`uid:${seed}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

// Kernel and file names derived from Kubernetes names, in one place. A Node (and a pod) may be named with a
// DNS-1123 subdomain of up to 253 characters, dots included (EKS: ip-10-0-1-23.ec2.internal), while a netns or
// log file name holds at most 255 bytes (NAME_MAX) and an interface name 15 (IFNAMSIZ - 1); a dot in an interface
// name also breaks `sysctl net.ipv4.conf.<if>.…`. So a name that is not a short DNS label is shortened to a
// readable head plus a hash of the whole name (stable across runs, distinct per name); the Kubernetes-visible
// names (the Node object, spec.nodeName, hop labels, fault parameters) stay exactly as written.

/** Longest node key: every node name the lab took before dots were allowed (labels ≤ 40) is its own key. */
const NODE_KEY_MAX = 40;
/**
 * A node name as netns and file names carry it (`<inst>-node-<key>`, `logs/healthcheck-<key>.log`): the name
 * itself when it is a DNS label of at most 40 characters (worker-1), else its first characters with dots as
 * `-` and 8 hex digits of its SHA-256 (ip-10-0-1-23.ec2.internal → ip-10-0-1-23-ec2-internal-1a2b3c4d).
 */
export function nodeKey(node: string): string {
  if (node.length <= NODE_KEY_MAX && /^[a-z0-9-]*$/.test(node)) return node;
  return shortened(node, NODE_KEY_MAX);
}
/** `name` with dots as `-`, cut to leave room for `-` + 8 hex of its SHA-256 within `max` characters. */
function shortened(name: string, max: number): string {
  const head = name.replace(/\./g, '-').slice(0, max - 9).replace(/-+$/, '');
  return `${head}-${sha(name).slice(0, 8)}`;
}

/** The node netns prefix of an instance (`pw-node-`): `lab down` finds a crashed lab's node netns by it. */
export const nodeNetnsPrefix = (inst: string) => `${inst}-node-`;
export const nodeNetns = (inst: string, node: string) => `${nodeNetnsPrefix(inst)}${nodeKey(node)}`;
/** The pod netns prefix of an instance (`pw-pod-`). */
export const podNetnsPrefix = (inst: string) => `${inst}-pod-`;
/** Longest pod netns name: well inside NAME_MAX, so /etc/netns/<netns>/resolv.conf and the like stay valid too. */
const POD_NETNS_MAX = 200;
/** `<inst>-pod-<ns>-<name>` (pw-pod-shop-frontend-0); a pod name too long for that is shortened the same way. */
export const podNetns = (inst: string, ns: string, name: string) => {
  const full = `${podNetnsPrefix(inst)}${ns}-${name}`;
  return full.length <= POD_NETNS_MAX ? full : `${podNetnsPrefix(inst)}${shortened(`${ns}-${name}`, POD_NETNS_MAX - podNetnsPrefix(inst).length)}`;
};
/** The log file name part of a pod's daemon (`listener-<ns>-<name>`), within NAME_MAX like the netns. */
export const podLogName = (role: string, ns: string, name: string) => {
  const full = `${role}-${ns}-${name}`;
  return full.length <= POD_NETNS_MAX ? full : `${role}-${shortened(`${ns}-${name}`, POD_NETNS_MAX - role.length - 1)}`;
};
export const underlayNetns = (inst: string) => `${inst}-underlay`;

const RESERVED_LINKS = new Set(['lo', 'eth0', 'cni0', 'flannel.1', 'br0']);
/**
 * Interface names (≤15 chars, no dots) a human maps back to their pod or node; unique within `taken`: the
 * first candidate that fits, else the last one's head with dots as `-` plus 4 hex of a hash of `seed`.
 */
export function linkName(candidates: string[], seed: string, taken: Set<string>): string {
  for (const c of candidates) {
    if (c.length <= 15 && !c.includes('.') && !taken.has(c) && !RESERVED_LINKS.has(c)) return (taken.add(c), c);
  }
  const base = candidates[candidates.length - 1].replace(/\./g, '-').slice(0, 10).replace(/-+$/, '');
  for (let i = 0; ; i++) {
    const c = `${base}-${sha(seed + i).slice(0, 4)}`;
    if (!taken.has(c)) return (taken.add(c), c);
  }
}

interface PodPlan {
  manifest: KubeObject;
  node: LabNode;
  ip: string; // pod IP (node IP for hostNetwork)
  hostNetwork: boolean;
  owner?: { kind: string; name: string };
}

/** Builds the layout and every API object. `now` stamps creation and transition times. */
/**
 * Where default/kubernetes points: the first node's InternalIP (its EndpointSlice, port 6443), as a kind cluster's
 * points at its control-plane node. The lab's real API server listens on this machine's loopback for kubectl and
 * packetwalk; in the node network a stand-in answers TCP there (lab/dataplane/lab.ts), so a pod's connect to
 * kubernetes.default:443 opens as on a cluster. (Before session 16 it was the underlay gateway, where nothing
 * listened and no route led back to the pods: every pod → kubernetes.default diagnosis timed out.)
 */
export function apiServerAddress(nodes: readonly { internalIP: string }[]): string {
  return nodes[0]?.internalIP ?? '172.18.0.2';
}
export const API_SERVER_PORT = 6443;

export function buildLab(spec: LabSpec, instance: string, now = new Date()): LabLayout {
  const { cluster } = spec;
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const seed = (s: string) => `${instance}/${s}`;
  const podCidr = parseCidr(cluster.podCIDR)!;
  const underlayLinks = new Set<string>();

  const nodes: LabNode[] = cluster.nodes.map((name, i) => {
    const c = subnet(podCidr, 24, i + 1);
    return { name, netns: nodeNetns(instance, name), internalIP: `172.18.0.${i + 2}`, podCIDR: formatCidr(c), bridgeIP: familyPodGateway(cniOf(cluster)) ?? nthIp(c, 1), underlayVeth: linkName([name], name, underlayLinks) };
  });
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const nextHost = new Map(nodes.map((n) => [n.name, 2]));
  const allocPodIP = (node: LabNode) => {
    const i = nextHost.get(node.name)!;
    nextHost.set(node.name, i + 1);
    return nthIp(parseCidr(node.podCIDR)!, i);
  };

  // kube-system pods first: a real cluster starts them before any workload, so CoreDNS holds the first pod IP.
  const plans: PodPlan[] = [];
  const rsHash = suffix(seed('coredns-rs'), 10);
  // cluster.dnsReplicas: one per node in node order; the first keeps the name and IP a one-replica lab gives it
  for (let r = 0; r < (cluster.dnsReplicas ?? 1); r++) {
    const dnsNode = nodes[r % nodes.length];
    const corednsName = `coredns-${rsHash}-${suffix(seed(r ? `coredns-pod-${r}` : 'coredns-pod'), 5)}`;
    plans.push({
      manifest: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: corednsName, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': rsHash } },
        spec: {
          nodeName: dnsNode.name,
          priorityClassName: 'system-cluster-critical',
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.11.3',
              args: ['-conf', '/etc/coredns/Corefile'],
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
              ],
            },
          ],
        },
      },
      node: dnsNode,
      ip: allocPodIP(dnsNode),
      hostNetwork: false,
      owner: { kind: 'ReplicaSet', name: `coredns-${rsHash}` },
    });
  }
  const cni = cluster.networkPolicy === 'enforce'
    ? { ds: 'kube-network-policies', labels: { app: 'kube-network-policies', 'k8s-app': 'kube-network-policies' } as Record<string, string>, image: 'registry.k8s.io/networking/kube-network-policies:v0.7.0', container: 'kube-network-policies' }
    : { ds: 'kube-flannel-ds', labels: { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' } as Record<string, string>, image: 'docker.io/flannel/flannel:v0.26.1', container: 'kube-flannel' };
  // DESIGN §3.1: the family's own agents (calico-node, cilium, kindnet, aws-node …; lab/families.ts) replace flannel's.
  const familyPods = (n: LabNode) => (cniSystemPods(cluster) ?? [{ name: cni.ds, labels: cni.labels, containers: [{ name: cni.container, image: cni.image }], perNode: true }])
    .filter((d) => d.perNode || n === nodes[0])
    .map((d) => ({ name: d.name, labels: d.labels, image: d.containers[0].image, container: d.containers[0].name, command: undefined, extra: d.containers.slice(1), perNode: d.perNode }));
  for (const n of nodes) {
    for (const ds of [
      { name: 'kube-proxy', labels: { 'k8s-app': 'kube-proxy' }, image: `registry.k8s.io/kube-proxy:${K8S_VERSION}`, container: 'kube-proxy', command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', `--hostname-override=${n.name}`], extra: [] as { name: string; image: string }[], perNode: true },
      ...familyPods(n),
    ]) {
      plans.push({
        manifest: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: ds.perNode
            ? { name: `${ds.name}-${suffix(seed(`${ds.name}/${n.name}`), 5)}`, namespace: 'kube-system', labels: { ...ds.labels, 'controller-revision-hash': suffix(seed(`${ds.name}-rev`), 10), 'pod-template-generation': '1' } }
            : { name: `${ds.name}-${suffix(seed(`${ds.name}-rs`), 10)}-${suffix(seed(`${ds.name}/pod`), 5)}`, namespace: 'kube-system', labels: { ...ds.labels, 'pod-template-hash': suffix(seed(`${ds.name}-rs`), 10) } },
          spec: { nodeName: n.name, hostNetwork: true, priorityClassName: 'system-node-critical', containers: [{ name: ds.container, image: ds.image, ...(ds.command ? { command: ds.command } : {}), securityContext: { privileged: true } }, ...ds.extra.map((c) => ({ ...c, securityContext: { privileged: true } }))] },
        },
        node: n,
        ip: n.internalIP,
        hostNetwork: true,
        owner: ds.perNode ? { kind: 'DaemonSet', name: ds.name } : { kind: 'ReplicaSet', name: `${ds.name}-${suffix(seed(`${ds.name}-rs`), 10)}` },
      });
    }
  }
  for (const m of spec.manifests.filter((o) => o.kind === 'Pod')) {
    const node = nodeByName.get((m.spec as Obj).nodeName as string)!;
    const hostNet = (m.spec as Obj).hostNetwork === true; // shares the node's netns and address
    plans.push({ manifest: m, node, ip: hostNet ? node.internalIP : allocPodIP(node), hostNetwork: hostNet });
  }

  const podLinks = new Map<string, Set<string>>(nodes.map((n) => [n.name, new Set<string>()]));
  const pods: LabPod[] = plans.map((p) => {
    const ns = p.manifest.metadata.namespace!;
    const name = p.manifest.metadata.name;
    return {
      namespace: ns,
      name,
      node: p.node.name,
      netns: p.hostNetwork ? p.node.netns : podNetns(instance, ns, name),
      ip: p.ip,
      hostVeth: p.hostNetwork ? '' : familyVethName(cniOf(cluster), ns, name) ?? linkName([`${ns}-${name}`, `${ns.slice(0, 4)}-${name}`, name], `${ns}/${name}`, podLinks.get(p.node.name)!),
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
    };
  });

  const objects: KubeObject[] = [];
  const meta = (kind: string, name: string, namespace?: string, extra: Obj = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: uid(seed(`${kind}/${namespace ?? ''}/${name}`)),
    creationTimestamp: ts,
    ...extra,
  });

  // Namespaces: the four every cluster has, then the file's.
  const userNs = spec.manifests.filter((o) => o.kind === 'Namespace');
  for (const n of [...BUILTIN_NAMESPACES.map((name) => ({ metadata: { name } }) as KubeObject), ...userNs]) {
    const name = n.metadata.name;
    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { ...meta('Namespace', name), ...n.metadata, labels: { ...(n.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  for (const n of nodes) objects.push(nodeObject(n, cluster, meta, ts, instance));

  for (const p of plans) objects.push(podObject(p, meta, ts, seed));

  // Services with their ClusterIPs, then the EndpointSlices the EndpointSlice controller would write.
  const svcCidr = parseCidr(cluster.serviceCIDR)!;
  const taken = new Set<number>([svcCidr.base + 1, svcCidr.base + 10]);
  const userSvcs = spec.manifests.filter((o) => o.kind === 'Service');
  for (const s of userSvcs) {
    const ip = (s.spec as Obj).clusterIP;
    if (typeof ip === 'string' && ip !== 'None' && ip) taken.add(parseIp(ip)!);
  }
  const allocSvcIP = (key: string) => {
    const size = cidrSize(svcCidr);
    let off = 11 + (parseInt(sha(seed(`svc/${key}`)).slice(0, 8), 16) % (size - 12));
    while (taken.has(svcCidr.base + off)) off = off + 1 >= size - 1 ? 11 : off + 1;
    taken.add(svcCidr.base + off);
    return formatIp(svcCidr.base + off);
  };
  const services: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: nthIp(svcCidr, 1), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      // cluster.dnsService names it (kubeadm-era and k3s clusters call it coredns); the k8s-app label stays.
      metadata: { name: dnsServiceName(cluster), namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
      spec: {
        clusterIP: nthIp(svcCidr, 10),
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    },
    ...userSvcs,
  ];
  const podObjs = objects.filter((o) => o.kind === 'Pod');
  // NodePort/LoadBalancer allocations and ExternalName shapes (lab/outside.ts)
  const kinds = planServiceKinds(userSvcs, spec.outside ?? { hosts: [], loadBalancerPool: DEFAULT_LB_POOL }, seed, spec.manifests.filter((o) => o.kind === 'Pod'));
  for (const s of services) {
    const ns = s.metadata.namespace!;
    const sp = s.spec as Obj;
    const headless = sp.clusterIP === 'None';
    const ip = headless || sp.type === 'ExternalName' ? 'None' : typeof sp.clusterIP === 'string' && sp.clusterIP ? sp.clusterIP : allocSvcIP(`${ns}/${s.metadata.name}`);
    const svc0: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...meta('Service', s.metadata.name, ns), ...s.metadata },
      spec: {
        ...sp,
        ports: ((sp.ports as Obj[] | undefined) ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port })),
        clusterIP: ip,
        clusterIPs: [ip],
        type: sp.type ?? 'ClusterIP',
        sessionAffinity: sp.sessionAffinity ?? 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: sp.internalTrafficPolicy ?? 'Cluster',
      },
      status: { loadBalancer: {} },
    };
    const svc = shapeServiceKind(svc0, kinds);
    objects.push(svc);
    if ((svc.spec as Obj).type !== 'ExternalName') objects.push(...endpointSlices(svc, podObjs, meta, seed, (node) => cluster.zones?.[node], apiServerAddress(nodes)));
  }

  for (const np of spec.manifests.filter((o) => o.kind === 'NetworkPolicy')) objects.push(networkPolicyObject(np, meta));

  objects.push(...configMaps(cluster, meta));
  return { nodes, pods, objects };
}

type Meta = (kind: string, name: string, namespace?: string, extra?: Obj) => KubeObject['metadata'];

function nodeObject(n: LabNode, cluster: LabCluster, meta: Meta, ts: string, instance: string): KubeObject {
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: ts, lastTransitionTime: ts, reason, message });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...meta('Node', n.name),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        // cluster.zones: the label a cloud provider's node controller sets, read by the EndpointSlice controller and kube-proxy
        ...(cluster.zones?.[n.name] ? { [ZONE_LABEL]: cluster.zones[n.name] } : {}),
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...familyNodeAnnotations(cluster, n, nthIp(parseCidr(n.podCIDR)!, 0), nthIp(parseCidr(n.podCIDR)!, 1)),
        ...(cluster.overlay === 'vxlan' && cniOf(cluster) === 'flannel'
          ? {
              'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 1, VtepMAC: vtepMac(instance, n.name) }),
              'flannel.alpha.coreos.com/backend-type': 'vxlan',
              'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
              'flannel.alpha.coreos.com/public-ip': n.internalIP,
            }
          : {}),
      },
    },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR], providerID: `kind://docker/packetwalk/${n.name}` },
    status: {
      capacity: { cpu: '2', 'ephemeral-storage': '61202244Ki', 'hugepages-2Mi': '0', memory: '24683520Ki', pods: '110' },
      allocatable: { cpu: '2', 'ephemeral-storage': '61202244Ki', 'hugepages-2Mi': '0', memory: '24683520Ki', pods: '110' },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: n.internalIP },
        { type: 'Hostname', address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: sha(`machine/${instance}/${n.name}`).slice(0, 32),
        systemUUID: uid(`system/${instance}/${n.name}`),
        bootID: uid(`boot/${instance}/${n.name}`),
        kernelVersion: release(), // the nodes are netns on this kernel
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: K8S_VERSION,
        kubeProxyVersion: K8S_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** The deterministic MAC of a node's flannel.1 (VXLAN tunnel endpoint). */
export function vtepMac(instance: string, node: string): string {
  const h = sha(`vtep/${instance}/${node}`);
  // locally administered, unicast
  return ['0e', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

const normaliseImage = (image: string) => {
  let i = image || 'busybox';
  if (!i.includes(':') && !i.includes('@')) i += ':latest';
  if (!/^[^/]+\.[^/]+\//.test(i)) i = `docker.io/${i.includes('/') ? '' : 'library/'}${i}`;
  return i;
};

function podObject(p: PodPlan, meta: Meta, ts: string, seed: (s: string) => string): KubeObject {
  const m = p.manifest;
  const ns = m.metadata.namespace!;
  const name = m.metadata.name;
  const spec = m.spec as Obj;
  const ann = (m.metadata.annotations ?? {}) as Record<string, string>;
  const ready = ann['packetwalk/ready'] !== 'false';
  const containers = (spec.containers as Obj[]).map((c) => ({
    ...c,
    name: c.name as string,
    image: c.image ?? 'busybox',
    imagePullPolicy: c.imagePullPolicy ?? (String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent'),
    ...(Array.isArray(c.ports) ? { ports: (c.ports as Obj[]).map((pt) => ({ ...pt, protocol: pt.protocol ?? 'TCP' })) } : {}),
    resources: c.resources ?? {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  }));
  // packetwalk/mesh: istio — the sidecar Istio's injector adds (lab/dataplane/mesh.ts runs its capture and proxy).
  const meshed = ann['packetwalk/mesh'] === 'istio';
  if (meshed) containers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0', imagePullPolicy: 'IfNotPresent', args: ['proxy', 'sidecar'], securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true }, resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' } as (typeof containers)[number]);
  const cond = (type: string, ok: boolean, extra: Obj = {}) => ({ lastProbeTime: null, lastTransitionTime: ts, status: ok ? 'True' : 'False', type, ...extra });
  const unready = { reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta('Pod', name, ns),
      ...m.metadata,
      ...(meshed ? { annotations: { ...ann, 'sidecar.istio.io/status': JSON.stringify({ initContainers: ['istio-init'], containers: ['istio-proxy'], volumes: [], imagePullSecrets: null }) } } : {}),
      ...(p.owner
        ? {
            generateName: `${p.owner.name}-`,
            ownerReferences: [{ apiVersion: 'apps/v1', kind: p.owner.kind, name: p.owner.name, uid: uid(seed(`${p.owner.kind}/${ns}/${p.owner.name}`)), controller: true, blockOwnerDeletion: true }],
          }
        : {}),
    },
    spec: {
      ...spec,
      containers,
      // the API server's default whatever the network (a hostNetwork pod then resolves with its node's resolv.conf)
      dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
      enableServiceLinks: spec.enableServiceLinks ?? true,
      nodeName: p.node.name,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: spec.priorityClassName === 'system-node-critical' ? 2000001000 : spec.priorityClassName === 'system-cluster-critical' ? 2000000000 : 0,
      restartPolicy: spec.restartPolicy ?? 'Always',
      schedulerName: 'default-scheduler',
      securityContext: spec.securityContext ?? {},
      serviceAccount: spec.serviceAccountName ?? 'default',
      serviceAccountName: spec.serviceAccountName ?? 'default',
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
      tolerations: spec.tolerations ?? [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: 'Running',
      conditions: [
        cond('PodReadyToStartContainers', true),
        cond('Initialized', true),
        cond('Ready', ready, ready ? {} : unready),
        cond('ContainersReady', ready, ready ? {} : unready),
        cond('PodScheduled', true),
      ],
      hostIP: p.node.internalIP,
      hostIPs: [{ ip: p.node.internalIP }],
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: ts,
      qosClass: 'BestEffort',
      containerStatuses: containers.map((c) => ({
        containerID: `containerd://${sha(seed(`container/${ns}/${name}/${c.name}`))}`,
        image: normaliseImage(String(c.image)),
        imageID: `${normaliseImage(String(c.image)).replace(/:[^:/]+$/, '')}@sha256:${sha(`image/${c.image}`)}`,
        lastState: {},
        name: c.name,
        ready,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: ts } },
      })),
    },
  };
}

/** Equality-based Service selector (Services have only matchLabels semantics). */
export const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The well-known zone label of a Node (v1.LabelTopologyZone). */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/**
 * The hints the EndpointSlice controller gives a Service's endpoints: 'zone' (own zone), 'node' (own node and own
 * zone), or none. The annotation `service.kubernetes.io/topology-mode` (else the older `topology-aware-hints`) set to
 * Auto/auto wins (the reconciler asks the topology cache first); otherwise `spec.trafficDistribution` PreferClose or
 * PreferSameZone → 'zone', PreferSameNode → 'node' (staging/src/k8s.io/endpointslice: reconciler.go, trafficdist).
 */
export function hintMode(svc: KubeObject): { mode: 'zone' | 'node'; auto: boolean } | null {
  const ann = svc.metadata.annotations ?? {};
  const topologyMode = ann['service.kubernetes.io/topology-mode'] ?? ann['service.kubernetes.io/topology-aware-hints'];
  if (topologyMode === 'Auto' || topologyMode === 'auto') return { mode: 'zone', auto: true };
  const td = (svc.spec as Obj | undefined)?.trafficDistribution;
  if (td === 'PreferClose' || td === 'PreferSameZone') return { mode: 'zone', auto: false };
  if (td === 'PreferSameNode') return { mode: 'node', auto: false };
  return null;
}

/**
 * Sets `hints` on the ready endpoints of a Service's slices, as the EndpointSlice controller would. trafficDistribution
 * (trafficdist.go preferCloseHeuristic): each ready endpoint is hinted for its own zone (when it has one) and, for
 * PreferSameNode, its own node. The Auto annotation (topologycache.go AddHints) needs a zone on every ready endpoint,
 * else no endpoint gets hints; upstream then spreads the endpoints over the zones in proportion to their nodes' CPUs —
 * the lab hints each endpoint for its own zone instead, which is the same allocation when the endpoints are spread
 * like the nodes (one per node of equal size) and a simplification otherwise. Unready endpoints get no hints.
 */
function addHints(svc: KubeObject, endpoints: Obj[]): void {
  const m = hintMode(svc);
  if (!m) return;
  const ready = endpoints.filter((e) => (e.conditions as Obj).ready === true);
  if (m.auto && !ready.every((e) => typeof e.zone === 'string')) return;
  for (const e of ready) {
    const forZones = typeof e.zone === 'string' ? [{ name: e.zone }] : undefined;
    const forNodes = m.mode === 'node' && typeof e.nodeName === 'string' ? [{ name: e.nodeName }] : undefined;
    if (forZones || forNodes) e.hints = { ...(forZones ? { forZones } : {}), ...(forNodes ? { forNodes } : {}) };
  }
}

const isReady = (pod: KubeObject) => ((pod.status as Obj).conditions as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True');

/** A Service port's target for one pod: the number, or the named containerPort; null when the pod lacks that name. */
export function resolveTargetPort(svcPort: Obj, pod: KubeObject): number | null {
  const tp = svcPort.targetPort ?? svcPort.port;
  if (typeof tp === 'number') return tp;
  for (const c of (pod.spec as Obj).containers as Obj[]) {
    for (const p of (c.ports as Obj[] | undefined) ?? []) {
      if (p.name === tp && (p.protocol ?? 'TCP') === (svcPort.protocol ?? 'TCP')) return p.containerPort as number;
    }
  }
  return /^\d+$/.test(String(tp)) ? Number(tp) : null;
}

/**
 * The EndpointSlices the EndpointSlice controller writes for a Service: the selected pods grouped by
 * their resolved port set (a named targetPort may resolve differently per pod), ready/serving from pod
 * readiness; a Service that selects nothing still gets one empty slice. `zoneOf` gives a node's zone label: an
 * endpoint on a node with one carries it as `zone`, and a Service asking for topology-aware routing gets `hints`.
 */
export function endpointSlices(svc: KubeObject, pods: KubeObject[], meta: Meta, seed: (s: string) => string, zoneOf: (node: string) => string | undefined = () => undefined, apiServer = '172.18.0.2'): KubeObject[] {
  const sp = svc.spec as Obj;
  const selector = sp.selector as Record<string, string> | undefined;
  const ns = svc.metadata.namespace!;
  const name = svc.metadata.name;
  const labels: Record<string, string> = { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': name };
  if (sp.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  const mk = (i: number, endpoints: Obj[], ports: Obj[]): KubeObject => {
    const sliceName = `${name}-${suffix(seed(`eps/${ns}/${name}/${i}`), 5)}`;
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        ...meta('EndpointSlice', sliceName, ns),
        generateName: `${name}-`,
        generation: 1,
        labels,
        annotations: {},
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints,
      ports,
    };
  };
  if (name === 'kubernetes' && ns === 'default') {
    // The API server's own endpoint: a node's address on the node network and 6443, as kind's control-plane node
    // (lab/dataplane apiServerStandIn answers a TCP handshake there, so pods reach default/kubernetes).
    return [{ ...mk(0, [{ addresses: [apiServer], conditions: { ready: true, serving: true, terminating: false } }], [{ name: 'https', port: 6443, protocol: 'TCP' }]), metadata: { ...meta('EndpointSlice', 'kubernetes', ns), generation: 1, labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' } } }];
  }
  if (!selector) return [];
  const groups = new Map<string, { ports: Obj[]; endpoints: Obj[] }>();
  const selected = pods.filter((p) => p.metadata.namespace === ns && selects(selector, p.metadata.labels ?? {}));
  for (const pod of selected) {
    const ports = (sp.ports as Obj[])
      .map((p) => ({ name: p.name ?? '', port: resolveTargetPort(p, pod), protocol: p.protocol ?? 'TCP' }))
      .filter((p) => p.port !== null);
    const key = JSON.stringify(ports);
    if (!groups.has(key)) groups.set(key, { ports, endpoints: [] });
    const st = pod.status as Obj;
    // publishNotReadyAddresses: the controller marks every endpoint ready (serving still says the truth).
    const ready = isReady(pod);
    groups.get(key)!.endpoints.push({
      addresses: [st.podIP],
      conditions: { ready: ready || sp.publishNotReadyAddresses === true, serving: ready, terminating: false },
      // the controller publishes a pod's hostname when its subdomain names this (headless) Service
      ...((pod.spec as Obj).hostname && (pod.spec as Obj).subdomain === name ? { hostname: (pod.spec as Obj).hostname } : {}),
      nodeName: (pod.spec as Obj).nodeName,
      targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: ns, uid: pod.metadata.uid },
      ...(zoneOf((pod.spec as Obj).nodeName as string) ? { zone: zoneOf((pod.spec as Obj).nodeName as string) } : {}),
    });
  }
  // hints: whether every ready endpoint has a zone is a question about the whole Service, not one slice
  addHints(svc, [...groups.values()].flatMap((g) => g.endpoints));
  if (!groups.size) return [mk(0, [], [])];
  return [...groups.values()].map((g, i) => mk(i, g.endpoints, g.ports));
}

function networkPolicyObject(np: KubeObject, meta: Meta): KubeObject {
  const spec = { ...(np.spec as Obj) };
  // The API server's defaulting: Ingress always, Egress when egress rules are given.
  if (!spec.policyTypes) spec.policyTypes = spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { ...meta('NetworkPolicy', np.metadata.name, np.metadata.namespace), generation: 1, ...np.metadata }, spec };
}

function configMaps(cluster: LabCluster, meta: Meta): KubeObject[] {
  const proxyConf = [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'bindAddress: 0.0.0.0',
    `clusterCIDR: ${cluster.podCIDR}`,
    'conntrack:',
    '  maxPerCore: 0',
    'iptables:',
    '  masqueradeAll: false',
    '  masqueradeBit: 14',
    '  minSyncPeriod: 1s',
    '  syncPeriod: 30s',
    'kind: KubeProxyConfiguration',
    'metricsBindAddress: 0.0.0.0:10249',
    `mode: ${cluster.kubeProxy}`,
    'nftables:',
    '  masqueradeBit: 14',
    '  minSyncPeriod: 1s',
    '  syncPeriod: 30s',
    '',
  ].join('\n');
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    '    server: https://172.18.0.1:6443',
    '  name: default',
    'contexts:',
    '- context:',
    '    cluster: default',
    '    namespace: default',
    '    user: default',
    '  name: default',
    'current-context: default',
    'users:',
    '- name: default',
    '  user:',
    '    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token',
    '',
  ].join('\n');
  const corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${cluster.dnsDomain ?? DNS_DOMAIN} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...meta('ConfigMap', 'kube-proxy', 'kube-system'), labels: { app: 'kube-proxy' } }, data: { 'config.conf': proxyConf, 'kubeconfig.conf': kubeconfig } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ConfigMap', 'coredns', 'kube-system'), data: { Corefile: corefile } },
  ];
}
