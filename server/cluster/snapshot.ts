// Reads the objects a plan needs (DESIGN §5 "reads only what it needs"; config depth: get/list only).
// Every diagnosis's read is focused: the source pod (if it is one), the Services the
// name can mean (GET by name), their EndpointSlices (LIST by label kubernetes.io/service-name) and the pods
// their selectors select, the NetworkPolicies and Namespaces of the namespaces on the path (and kube-system's,
// for DNS), the cluster DNS Service (kube-system/kube-dns, else the Service labelled k8s-app=kube-dns), the
// kube-proxy ConfigMap, kube-system's pods (DNS pods, CNI detection) and the nodes of the path by name — never
// a cluster-wide LIST, except the Service list an IP or NODE:PORT target needs to learn what the address is
// (and a NodePort), and the Node list a north-south path (a node or outside source, a LoadBalancer or node
// address) needs to choose its entry and dial each node's NodePort.
// Every read but the source pod may be refused (a Role in one namespace): the snapshot is then what the user
// may read, and `snapshotLimits(snap)` says what was left out and why, for the depth sentence.
// The matrix reads its namespaces only (readNamespaces). Without a `need` (or PACKETWALK_FULL_SNAPSHOT=1, for
// bench/control-plane.ts's comparison) it reads cluster-wide.
import { CoreV1Api, DiscoveryV1Api, NetworkingV1Api, type KubeConfig, type V1NetworkPolicy } from '@kubernetes/client-node';
import { namespaceOfName, type ClusterSnapshot } from '../../lib/plan';
import type { Target } from '../../lib/target';
import { endClause, joinClauses } from '../../lib/clauses';
import { candidateNames, clusterDomainFromCorefile, clusterFirstResolver, DEFAULT_CLUSTER_DOMAIN } from '../../lib/kube';
import { lbIngressIPs } from '../../lib/plan/egress';
import { serviceWithNodePort } from '../../lib/plan/northSouth';
import type { Service } from '../../lib/kube';
import { explainApiError, type ExplainedError } from './explain';
import { ClusterError } from './errors';

export interface SnapshotNeed {
  /** the source: a pod, a node (`--from node/NAME`) or the outside client */
  from: { namespace: string; name: string } | { node: string } | 'outside';
  target: Target;
  /**
   * Called once, before the read ends, with what decides the path's pods and nodes: the source pod, the target's
   * Service, EndpointSlices and pods (no Node objects, kube-system perhaps not yet). The engine plans on it to
   * start its node footholds while the rest is read (server/diagnose/index.ts). Exceptions are ignored.
   */
  onPathKnown?: (partial: ClusterSnapshot) => void;
}

/** What a snapshot left out (forbidden or failed reads), as sentences; empty when it read everything it wanted. */
const limits = new WeakMap<ClusterSnapshot, string[]>();
/** CoreDNS's Corefile (kube-system/coredns), when readable: it names the cluster domain. */
const corefiles = new WeakMap<ClusterSnapshot, string>();

/**
 * The cluster domain to plan names with (DESIGN §3.3: not always cluster.local): what CoreDNS serves
 * (its Corefile's `kubernetes <domain>`), else what an FQDN target says (`x.ns.svc.<domain>`), else cluster.local.
 * The pod's own resolv.conf, read as a probe, is the final word (server/diagnose re-plans when it differs).
 */
export function snapshotClusterDomain(snap: ClusterSnapshot, target: Target): string {
  const fromCore = clusterDomainFromCorefile(corefiles.get(snap));
  if (fromCore) return fromCore;
  if (target.kind === 'name') {
    const m = /^[^.]+\.[^.]+\.svc\.(.+?)\.?$/.exec(target.name);
    if (m) return m[1];
  }
  return DEFAULT_CLUSTER_DOMAIN;
}
export const snapshotLimits = (snap: ClusterSnapshot): string[] => limits.get(snap) ?? [];

/** The judgement's summary, saying which objects the user could not read (the depth the objects reached). */
export function withReadLimits<J extends { summary: string }>(j: J, notes: string[]): J {
  if (!notes.length) return j;
  const shown = endClause(joinClauses(notes.slice(0, 4)));
  return { ...j, summary: `${j.summary} Read what this user may read; not read: ${shown}${notes.length > 4 ? ` (and ${notes.length - 4} more)` : ''}.` };
}

type Item = { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Services a name can mean under the ClusterFirst search list: ns/name pairs, in the resolver's order. */
export function serviceCandidates(name: string, srcNamespace: string, domain = DEFAULT_CLUSTER_DOMAIN): { namespace: string; name: string }[] {
  const r = clusterFirstResolver(srcNamespace, domain);
  const out: { namespace: string; name: string }[] = [];
  const add = (fqdn: string) => {
    const m = /^([^.]+)\.([^.]+)\.svc\.(.+?)\.?$/.exec(fqdn);
    if (m && DNS_LABEL.test(m[1]) && DNS_LABEL.test(m[2]) && !out.some((x) => x.namespace === m[2] && x.name === m[1])) out.push({ namespace: m[2], name: m[1] });
    // <hostname>.<service>.<namespace>.svc.<domain>: a pod's record under a headless Service (lib/plan/egress.ts)
    const h = /^([^.]+)\.([^.]+)\.([^.]+)\.svc\.(.+?)\.?$/.exec(fqdn);
    if (h && DNS_LABEL.test(h[2]) && DNS_LABEL.test(h[3]) && !out.some((x) => x.namespace === h[3] && x.name === h[2])) out.push({ namespace: h[3], name: h[2] });
  };
  for (const c of candidateNames(name, r.search, r.ndots)) add(c);
  add(name); // an FQDN in another cluster domain (resolv.conf decides later which one is ours)
  return out;
}

/**
 * The objects the plan needs: focused on `need` (every source and target kind), else cluster-wide.
 * PACKETWALK_FULL_SNAPSHOT=1 forces the cluster-wide read (the pre-focused behaviour, for bench/control-plane.ts).
 * Throws ClusterError when the source pod cannot be read (or, cluster-wide, any required list).
 */
export async function readSnapshot(kc: KubeConfig, context: string, server?: string, need?: SnapshotNeed): Promise<ClusterSnapshot> {
  if (process.env.PACKETWALK_FULL_SNAPSHOT === '1' || !need) return readClusterWide(kc, context, server);
  return readFocused(kc, context, server, need);
}

/**
 * `p`, marked as handled: a read started now and awaited later (its ClusterError then surfaces where it is
 * awaited) must not be an unhandled rejection, which ends the process, if it fails before that.
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function clients(kc: KubeConfig) {
  return { core: kc.makeApiClient(CoreV1Api), disc: kc.makeApiClient(DiscoveryV1Api), net: kc.makeApiClient(NetworkingV1Api) };
}

const asClusterError = (x: ExplainedError) => new ClusterError(x.sentence, x.fix, x.raw, x.status);

/** Refusals no other read will do better on (credentials, network, TLS, no cluster): they end the read. */
const endsTheRead = (x: ExplainedError) => x.kind === 'unauthorized' || x.kind === 'credentials' || x.kind === 'unreachable' || x.kind === 'tls' || x.kind === 'no-cluster';

/** A LIST the read cannot do without: its failure is a ClusterError in explainApiError's words. */
async function mustList<T>(p: Promise<T>, what: { resource: string; namespace?: string; context: string; server?: string }): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw asClusterError(explainApiError(e, { verb: 'list', ...what }));
  }
}

async function readFocused(kc: KubeConfig, context: string, server: string | undefined, need: SnapshotNeed): Promise<ClusterSnapshot> {
  const { core, disc, net } = clients(kc);
  // What could not be read, ranked by what it costs the diagnosis (the summary shows the first four), not by
  // when the refusal came back: the reads run concurrently, so arrival order would differ from run to run.
  const notes: { rank: number; text: string }[] = [];
  const srcRef = typeof need.from === 'object' && 'namespace' in need.from ? need.from : undefined;
  const srcNode = typeof need.from === 'object' && 'node' in need.from ? need.from.node : undefined;
  const rankOf = (w: { resource: string; namespace?: string }) =>
    w.namespace !== undefined && (w.namespace === srcRef?.namespace || w.namespace === (need.target as { namespace?: string }).namespace) ? 0
      : w.resource === 'pods' && w.namespace === 'kube-system' ? 1 // DNS, kube-proxy and CNI pods: the dataplane's shape
      : w.resource === 'services' || w.resource === 'endpointslices' || (w.resource === 'pods' && !w.namespace) ? 2
      : w.namespace === 'kube-system' ? 3
      : w.resource === 'networkpolicies' || w.resource === 'namespaces' ? 4
      : w.resource === 'nodes' ? 5
      : 6;
  /** A read that may be refused or fail: undefined then, with the reason kept for the depth sentence. */
  const may = async <T>(what: { verb: string; resource: string; namespace?: string; name?: string }, p: Promise<T>, quietNotFound = true): Promise<T | undefined> => {
    try {
      return await p;
    } catch (e) {
      const x = explainApiError(e, { ...what, context, ...(server ? { server } : {}) });
      if (x.kind === 'not-found' && quietNotFound) return undefined;
      if (endsTheRead(x)) throw asClusterError(x);
      notes.push({ rank: rankOf(what), text: x.sentence });
      if (x.kind === 'forbidden' && what.resource === 'services' && what.namespace) hiddenServices.add(what.namespace);
      if (x.kind === 'forbidden' && what.resource === 'nodes') nodesHidden = true;
      return undefined;
    }
  };
  /** namespaces whose Services a refused read hides (ClusterSnapshot.unreadableServiceNamespaces) */
  const hiddenServices = new Set<string>();
  let nodesHidden = false;
  const pods = new Map<string, Item>();
  const services = new Map<string, Item>();
  const slices = new Map<string, Item>();
  const policies = new Map<string, V1NetworkPolicy>();
  const namespaces = new Map<string, Item>();
  const key = (o: Item) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const addAll = (m: Map<string, Item>, items: Item[] | undefined) => items?.forEach((o) => m.set(key(o), o));
  const nsDone = new Set<string>();
  /** namespace reads under way: they decide policies, not the path's pods and nodes, so nothing waits on them but the end */
  const nsReads: Promise<void>[] = [];
  let corefileText: string | undefined;
  let serviceNamesIn: ClusterSnapshot['serviceNamesIn'];
  let podNamesIn: ClusterSnapshot['podNamesIn'];
  /**
   * The names a LIST of `namespace` (its first page, `limit` 500) answers, for "did you mean" on a failure; undefined
   * when it fails — that decides nothing (not even that the kind is unreadable there: the reads before said so).
   */
  const namesFor = async (namespace: string, list: Promise<{ items: { metadata?: { name?: string } }[] }>) => {
    try {
      return { namespace, names: (await list).items.map((x) => x.metadata?.name ?? '').filter(Boolean) };
    } catch {
      return undefined;
    }
  };
  /** A namespace on the path: its object (labels, for namespaceSelectors) and its policies. */
  const namespace = (ns: string): void => {
    if (nsDone.has(ns)) return;
    nsDone.add(ns);
    nsReads.push(handled(Promise.all([
      may({ verb: 'get', resource: 'namespaces', name: ns }, core.readNamespace({ name: ns })),
      may({ verb: 'list', resource: 'networkpolicies', namespace: ns }, net.listNamespacedNetworkPolicy({ namespace: ns })),
    ]).then(([o, pol]) => {
      if (o) namespaces.set(ns, o as Item);
      pol?.items.forEach((p) => policies.set(key(p as Item), p));
    })));
  };
  /** A Service on the path: its EndpointSlices by label and the pods its selector selects. */
  const serviceDone = new Set<string>();
  const service = async (svc: Item & { spec?: { selector?: Record<string, string> } }) => {
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    if (serviceDone.has(`${ns}/${name}`)) return;
    serviceDone.add(`${ns}/${name}`);
    services.set(key(svc), svc);
    const sel = Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    namespace(ns);
    const [sl, ps] = await Promise.all([
      may({ verb: 'list', resource: 'endpointslices', namespace: ns }, disc.listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` })),
      sel ? may({ verb: 'list', resource: 'pods', namespace: ns }, core.listNamespacedPod({ namespace: ns, labelSelector: sel })) : Promise.resolve(undefined),
    ]);
    addAll(slices, sl?.items as Item[]);
    addAll(pods, ps?.items as Item[]);
    // Endpoints whose pods the selector did not bring (manual slices): by name from targetRef.
    const missing = new Set<string>();
    for (const s of (sl?.items ?? []) as { endpoints?: { targetRef?: { kind?: string; name?: string; namespace?: string } }[] }[]) {
      for (const e of s.endpoints ?? []) if (e.targetRef?.kind === 'Pod' && e.targetRef.name && !pods.has(`${e.targetRef.namespace ?? ns}/${e.targetRef.name}`)) missing.add(`${e.targetRef.namespace ?? ns}/${e.targetRef.name}`);
    }
    await Promise.all([...missing].slice(0, 50).map(async (k) => {
      const [pns, pn] = k.split('/');
      const p = await may({ verb: 'get', resource: 'pods', namespace: pns, name: pn }, core.readNamespacedPod({ namespace: pns, name: pn }));
      if (p) pods.set(k, p as Item);
    }));
  };

  // A source pod is the one read that must work: without it there is nothing to plan. It runs beside the target's
  // and kube-system's reads (a round trip fewer: their names do not depend on it); its refusal is the one the read
  // reports, whatever else failed meanwhile (it is awaited first, below).
  const src = srcRef;
  let srcPod: Item | undefined;
  const srcRead = handled((async () => {
    if (!src) return;
    try {
      srcPod = (await core.readNamespacedPod({ namespace: src.namespace, name: src.name })) as Item;
      pods.set(key(srcPod), srcPod);
    } catch (e) {
      const x = explainApiError(e, { verb: 'get', resource: 'pods', namespace: src.namespace, name: src.name, context, ...(server ? { server } : {}) });
      if (x.kind !== 'not-found') throw asClusterError(x);
      // no such pod: its namespace's pod names, for "did you mean"
      podNamesIn = await namesFor(src.namespace, core.listNamespacedPod({ namespace: src.namespace, limit: 500 }));
    }
  })());
  /** Every node (one LIST, however many ask): the north-south planner chooses an entry among them and dials each one's NodePort. */
  let ipNodes: Item[] = [];
  let nodeList: Promise<void> | undefined;
  const allNodes = () => (nodeList ??= (async () => {
    ipNodes = ((await may({ verb: 'list', resource: 'nodes' }, core.listNode()))?.items ?? []) as Item[];
  })());
  // Sources other than a (pod-network) pod are north-south (lib/plan/northSouth.ts): it needs every node.
  const nodesRead = handled(srcRead.then(() => (!src || (srcPod as { spec?: { hostNetwork?: boolean } } | undefined)?.spec?.hostNetwork ? allNodes() : undefined)));

  const kubeSystem = async () => {
    // CNIs installed by operators run outside kube-system (lib/kube/family.ts reads these too).
    const cniPodsP = handled(Promise.all(['calico-system', 'kube-flannel'].map((ns) => may({ verb: 'list', resource: 'pods', namespace: ns }, core.listNamespacedPod({ namespace: ns })))));
    const [ksPods, proxyCm, dnsSvc, corefile] = await Promise.all([
      may({ verb: 'list', resource: 'pods', namespace: 'kube-system' }, core.listNamespacedPod({ namespace: 'kube-system' })),
      may({ verb: 'get', resource: 'configmaps', namespace: 'kube-system', name: 'kube-proxy' }, core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' })),
      (async () => {
        const byName = await may({ verb: 'get', resource: 'services', namespace: 'kube-system', name: 'kube-dns' }, core.readNamespacedService({ namespace: 'kube-system', name: 'kube-dns' }));
        if (byName) return [byName as Item];
        // kubeadm-era and k3s clusters name it coredns; it keeps the k8s-app=kube-dns label.
        const byLabel = await may({ verb: 'list', resource: 'services', namespace: 'kube-system' }, core.listNamespacedService({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' }));
        return (byLabel?.items ?? []) as Item[];
      })(),
      may({ verb: 'get', resource: 'configmaps', namespace: 'kube-system', name: 'coredns' }, core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' })),
    ]);
    if (corefile?.data?.Corefile) corefileText = corefile.data.Corefile;
    addAll(pods, ksPods?.items as Item[]);
    for (const l of await cniPodsP) addAll(pods, l?.items as Item[]);
    namespace('kube-system');
    await Promise.all(dnsSvc.map((s) => service(s)));
    return proxyCm;
  };

  const t = need.target;
  const targetReads = async () => {
    if (t.kind === 'pod') {
      const p = await may({ verb: 'get', resource: 'pods', namespace: t.namespace, name: t.name }, core.readNamespacedPod({ namespace: t.namespace, name: t.name }));
      if (p) pods.set(key(p as Item), p as Item);
      namespace(t.namespace);
      // no such pod: its namespace's pod names, for "did you mean" (a missing source's names, read above, come first)
      if (!p) {
        const names = await namesFor(t.namespace, core.listNamespacedPod({ namespace: t.namespace, limit: 500 }));
        podNamesIn ??= names;
      }
    } else if (t.kind === 'ip') {
      // What an IP is cannot be read by name: every Service (a field selector on clusterIP is not served), and the pod with that IP.
      const [svcs, ps] = await Promise.all([
        may({ verb: 'list', resource: 'services' }, core.listServiceForAllNamespaces()),
        may({ verb: 'list', resource: 'pods' }, core.listPodForAllNamespaces({ fieldSelector: `status.podIP=${t.ip}` })),
      ]);
      addAll(pods, ps?.items as Item[]);
      const hit = (svcs?.items ?? []).find((s) => s.spec?.clusterIP === t.ip || s.spec?.clusterIPs?.includes(t.ip) || lbIngressIPs(s as Parameters<typeof lbIngressIPs>[0]).includes(t.ip));
      // A LoadBalancer's ingress, a node's address or an address outside the cluster (lib/plan/northSouth,
      // lib/plan/egress): the north-south plan needs every node (entry choice, each node's NodePort). A node's
      // address is also the podIP of its hostNetwork pods (kube-proxy, the CNI's agent), so only a pod with its
      // own network namespace says the address is a pod's.
      const ownPod = (ps?.items ?? []).some((p) => !p.spec?.hostNetwork);
      if (hit?.spec?.type === 'LoadBalancer' || (!hit && !ownPod)) await allNodes();
      for (const s of svcs?.items ?? []) services.set(key(s as Item), s as Item);
      if (hit) await service(hit as Item);
      // A node's address and a port: the Service with that nodePort is the one kube-proxy DNATs to.
      const isNode = !hit && ipNodes.some((n) => (n as { status?: { addresses?: { address?: string }[] } }).status?.addresses?.some((a) => a.address === t.ip));
      const byNodePort = isNode ? serviceWithNodePort((svcs?.items ?? []) as Service[], t.port) : undefined;
      if (byNodePort) await service(byNodePort as Item);
      for (const p of ps?.items ?? []) namespace(p.metadata?.namespace ?? 'default');
    } else if (t.kind === 'node') {
      // NODE:PORT — a NodePort (the Service with that nodePort: no field selector serves it, so the Service
      // list), else a listener in the node's own network (its hostNetwork pods, by field selector).
      const [svcs, onNode] = await Promise.all([
        may({ verb: 'list', resource: 'services' }, core.listServiceForAllNamespaces()),
        may({ verb: 'list', resource: 'pods' }, core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${t.node}` })),
        allNodes(),
      ]);
      for (const s of svcs?.items ?? []) services.set(key(s as Item), s as Item);
      addAll(pods, (onNode?.items ?? []).filter((p) => p.spec?.hostNetwork) as Item[]);
      const byNodePort = serviceWithNodePort((svcs?.items ?? []) as Service[], t.port);
      if (byNodePort) await service(byNodePort as Item);
    } else if (t.kind === 'name') {
      const cands = serviceCandidates(t.name, src?.namespace ?? 'default');
      // Services of the same name in other namespaces ("backend exists in namespace shop: use backend.shop"):
      // one LIST by field selector metadata.name, not a list of every Service.
      const first = t.name.split('.')[0];
      const [found, sameName] = await Promise.all([
        Promise.all(cands.map((c) => may({ verb: 'get', resource: 'services', namespace: c.namespace, name: c.name }, core.readNamespacedService({ namespace: c.namespace, name: c.name })))),
        DNS_LABEL.test(first) ? may({ verb: 'list', resource: 'services' }, core.listServiceForAllNamespaces({ fieldSelector: `metadata.name=${first}` })) : Promise.resolve(undefined),
      ]);
      for (const s of sameName?.items ?? []) if (!services.has(key(s as Item))) services.set(key(s as Item), s as Item);
      await Promise.all(found.filter((s): s is NonNullable<typeof s> => !!s).map((s) => service(s as Item)));
      // An ExternalName that aliases a Service of this cluster (<svc>.<ns>.svc.<domain>): that Service and its
      // endpoints too, so the path is planned through it (lib/plan/egress clusterTargetOf).
      for (const s of found) {
        const alias = s?.spec?.type === 'ExternalName' ? /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\./.exec(s.spec.externalName?.toLowerCase() ?? '') : null;
        if (!alias || services.has(`${alias[2]}/${alias[1]}`)) continue;
        const inner = await may({ verb: 'get', resource: 'services', namespace: alias[2], name: alias[1] }, core.readNamespacedService({ namespace: alias[2], name: alias[1] }));
        if (inner) await service(inner as Item);
      }
      void srcRead.then(pathKnown, () => undefined);
      // "backend.shop": is "shop" a namespace? (the DNS hop's explanation asks; a Service found there read it already)
      const second = t.name.split('.')[1];
      if (second && DNS_LABEL.test(second) && !nsDone.has(second)) {
        const o = await may({ verb: 'get', resource: 'namespaces', name: second }, core.readNamespace({ name: second }));
        if (o) namespaces.set(second, o as Item);
      }
      // A name no Service has, in any namespace: the Service names of the namespace it points into, for "did you
      // mean" (one namespaced LIST, on this failure only).
      const into = namespaceOfName(t.name, src?.namespace);
      if (into && (into === src?.namespace || namespaces.has(into)) && cands.length && !found.some(Boolean) && !sameName?.items.length) {
        serviceNamesIn = await namesFor(into, core.listNamespacedService({ namespace: into, limit: 500 }));
      }
    }
  };
  // The nodes of the path (the source's, the endpoints' and the DNS pods'), read by name as soon as each is known.
  const nodeReads = new Map<string, Promise<Item | undefined>>();
  const readNodes = () => {
    const names: string[] = [];
    const podNode = (srcPod as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName;
    if (podNode) names.push(podNode);
    if (srcNode) names.push(srcNode);
    for (const s of slices.values() as IterableIterator<{ endpoints?: { nodeName?: string }[] }>) for (const e of s.endpoints ?? []) if (e.nodeName) names.push(e.nodeName);
    if (t.kind === 'pod') {
      const n = (pods.get(`${t.namespace}/${t.name}`) as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName;
      if (n) names.push(n);
    }
    for (const name of names) {
      if (nodeReads.has(name) || nodeReads.size >= 100 || ipNodes.some((x) => x.metadata?.name === name)) continue;
      nodeReads.set(name, handled(may({ verb: 'get', resource: 'nodes', name }, core.readNode({ name })) as Promise<Item | undefined>));
    }
  };
  void srcRead.then(readNodes, () => undefined);
  let known = false;
  const pathKnown = () => {
    readNodes();
    if (!need.onPathKnown || known) return;
    known = true;
    try {
      need.onPathKnown({ pods: [...pods.values()], services: [...services.values()], endpointSlices: [...slices.values()], policies: [...policies.values()].map(policyToWire), namespaces: [...namespaces.values()], nodes: [] } as unknown as ClusterSnapshot);
    } catch {
      /* the caller's to judge later on the whole snapshot */
    }
  };
  if (src) namespace(src.namespace);
  const rest = handled(Promise.all([kubeSystem().then((x) => (readNodes(), x)), targetReads().then(() => srcRead).then(pathKnown), nodesRead]));
  await srcRead;
  const [kubeProxy] = await rest;
  for (let done = 0; done < nsReads.length; ) {
    const upto = nsReads.length;
    await Promise.all(nsReads.slice(done, upto));
    done = upto;
  }
  readNodes();
  const nodes = [...(await Promise.all(nodeReads.values())).filter((n) => !!n && !ipNodes.some((x) => x.metadata?.name === n.metadata?.name)), ...ipNodes];

  const snap: ClusterSnapshot = {
    pods: [...pods.values()] as ClusterSnapshot['pods'],
    services: [...services.values()] as ClusterSnapshot['services'],
    endpointSlices: [...slices.values()] as ClusterSnapshot['endpointSlices'],
    policies: [...policies.values()].map(policyToWire),
    namespaces: [...namespaces.values()] as ClusterSnapshot['namespaces'],
    nodes: nodes as ClusterSnapshot['nodes'],
    ...(kubeProxy ? { kubeProxyConfig: kubeProxy as ClusterSnapshot['kubeProxyConfig'] } : {}),
    ...(hiddenServices.size ? { unreadableServiceNamespaces: [...hiddenServices].sort() } : {}),
    ...(nodesHidden ? { nodesUnreadable: true } : {}),
    ...(serviceNamesIn ? { serviceNamesIn } : {}),
    ...(podNamesIn ? { podNamesIn } : {}),
  };
  limits.set(snap, [...new Set(notes.sort((a, b) => a.rank - b.rank || a.text.localeCompare(b.text)).map((n) => n.text))]);
  if (corefileText) corefiles.set(snap, corefileText);
  return snap;
}

async function readClusterWide(kc: KubeConfig, context: string, server?: string): Promise<ClusterSnapshot> {
  const { core, disc, net } = clients(kc);
  const must = <T>(resource: string, p: Promise<T>): Promise<T> => mustList(p, { resource, context, ...(server ? { server } : {}) });
  const may = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch {
      return undefined;
    }
  };
  const [pods, services, slices, policies, namespaces, nodes, kubeProxy] = await Promise.all([
    must('pods', core.listPodForAllNamespaces()),
    must('services', core.listServiceForAllNamespaces()),
    must('endpointslices', disc.listEndpointSliceForAllNamespaces()),
    must('networkpolicies', net.listNetworkPolicyForAllNamespaces()),
    must('namespaces', core.listNamespace()),
    may(core.listNode()),
    may(core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' })),
  ]);
  // client-node hands back class instances; lib/ reads them structurally, except one renamed field.
  return {
    pods: pods.items as ClusterSnapshot['pods'],
    services: services.items as ClusterSnapshot['services'],
    endpointSlices: slices.items as ClusterSnapshot['endpointSlices'],
    policies: policies.items.map(policyToWire),
    namespaces: namespaces.items as ClusterSnapshot['namespaces'],
    nodes: (nodes?.items ?? []) as ClusterSnapshot['nodes'],
    ...(kubeProxy ? { kubeProxyConfig: kubeProxy as ClusterSnapshot['kubeProxyConfig'] } : {}),
  };
}

/** What `readNamespaces` read: the objects, and the asked namespaces that do not exist. */
export interface NamespacesRead {
  snap: ClusterSnapshot;
  /** asked namespaces the API server says do not exist (GET namespace: 404) */
  missing: string[];
}

/**
 * The objects of the given namespaces only (the matrix, DESIGN §7; §5 "never a cluster-wide LIST"): per
 * namespace a LIST of its pods, Services, EndpointSlices and NetworkPolicies, and a GET of the Namespace
 * (its labels decide namespaceSelector peers). Works with a Role in those namespaces alone (DESIGN §3.3's
 * namespace-scoped viewer): a Namespace object the user may not get is left out, with a sentence in
 * `snapshotLimits(snap)` — the policy evaluator then knows it by its `kubernetes.io/metadata.name` label only,
 * which the API server sets on every namespace (Kubernetes ≥ 1.21).
 * Throws ClusterError when a namespace's pods, Services, EndpointSlices or NetworkPolicies cannot be listed:
 * a matrix without them would predict from half the objects.
 */
export async function readNamespaces(kc: KubeConfig, context: string, server: string | undefined, names: readonly string[]): Promise<NamespacesRead> {
  const { core, disc, net } = clients(kc);
  const at = { context, ...(server ? { server } : {}) };
  const must = <T>(resource: string, namespace: string, p: Promise<T>): Promise<T> => mustList(p, { resource, namespace, ...at });
  const notes: string[] = [];
  const missing: string[] = [];
  const reads = await Promise.all(names.map(async (ns) => {
    const [pods, services, slices, policies, object] = await Promise.all([
      must('pods', ns, core.listNamespacedPod({ namespace: ns })),
      must('services', ns, core.listNamespacedService({ namespace: ns })),
      must('endpointslices', ns, disc.listNamespacedEndpointSlice({ namespace: ns })),
      must('networkpolicies', ns, net.listNamespacedNetworkPolicy({ namespace: ns })),
      core.readNamespace({ name: ns }).catch((e: unknown) => {
        const x = explainApiError(e, { verb: 'get', resource: 'namespaces', name: ns, ...at });
        if (x.kind === 'not-found') missing.push(ns);
        else if (endsTheRead(x)) throw asClusterError(x);
        else notes.push(`${x.sentence}: namespace ${ns} is known by its kubernetes.io/metadata.name label only, so a namespaceSelector on other labels cannot match it in the predictions`);
        return undefined;
      }),
    ]);
    return { pods: pods.items, services: services.items, slices: slices.items, policies: policies.items, object };
  }));
  const snap: ClusterSnapshot = {
    pods: reads.flatMap((r) => r.pods) as ClusterSnapshot['pods'],
    services: reads.flatMap((r) => r.services) as ClusterSnapshot['services'],
    endpointSlices: reads.flatMap((r) => r.slices) as ClusterSnapshot['endpointSlices'],
    policies: reads.flatMap((r) => r.policies).map(policyToWire),
    namespaces: reads.flatMap((r) => (r.object ? [r.object] : [])) as ClusterSnapshot['namespaces'],
    nodes: [],
  };
  limits.set(snap, notes.sort());
  return { snap, missing: missing.sort() };
}

/** The namespaces the cluster has, when the user may list them (for a "not found" sentence); else undefined. */
export async function listNamespaceNames(kc: KubeConfig): Promise<string[] | undefined> {
  try {
    return (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
  } catch {
    return undefined;
  }
}

/**
 * client-node's model renames the ingress rule's `from` (a reserved word in its generator) to `_from`;
 * lib/kube reads the API's JSON names. Without this every ingress peer list reads as "from anywhere".
 */
export function policyToWire(p: V1NetworkPolicy): ClusterSnapshot['policies'][number] {
  const spec = p.spec;
  if (!spec?.ingress) return p as ClusterSnapshot['policies'][number];
  const ingress = spec.ingress.map((r) => {
    const { _from, ...rest } = r as typeof r & { _from?: unknown };
    return _from === undefined ? rest : { ...rest, from: _from };
  });
  return { ...p, spec: { ...spec, ingress } } as ClusterSnapshot['policies'][number];
}
