// Informer cache per kubeconfig context, for the pickers (namespaces, pods, Services) and the wallboard's
// object snapshots (EndpointSlices, NetworkPolicies, Services, nodes). Started lazily on first use, so
// switching context in the page needs no restart; a failing informer records a sentence (explain.ts) and is
// restarted later, except on 401/403, which are final until the user asks again.
import { CoreV1Api, DiscoveryV1Api, NetworkingV1Api, makeInformer, type KubeConfig, type KubernetesObject, type Informer, type ObjectCache } from '@kubernetes/client-node';
import { loadCluster, listContexts, type ContextInfo } from '../cluster/kubeconfig';
import { explainApiError, isRetryable, type ExplainedError } from '../cluster/explain';
import { ClusterError } from '../cluster/errors';

export type CatalogKind = 'namespaces' | 'pods' | 'services' | 'endpointslices' | 'networkpolicies' | 'nodes';
const KINDS: CatalogKind[] = ['namespaces', 'pods', 'services', 'endpointslices', 'networkpolicies', 'nodes'];

type Obj = KubernetesObject & Record<string, unknown>;

interface KindCache {
  informer: Informer<Obj> & ObjectCache<Obj>;
  ready: boolean;
  error: ExplainedError | null;
  errorAt: number;
  started: Promise<void>;
}

interface ContextCache {
  context: string;
  server: string;
  kinds: Map<CatalogKind, KindCache>;
}

export interface CatalogOptions {
  kubeconfig?: string;
  /** the context used when a request names none */
  context?: string;
}

export interface CatalogStatus {
  context: string;
  ready: boolean;
  errors: { kind: CatalogKind; sentence: string; fix: string; state: ExplainedError['kind'] }[];
}

const RESTART_MS = 5000;
const FINAL_RETRY_MS = 60_000; // 401/403: not retried on their own; a new request after this may try again

export class Catalog {
  private contexts = new Map<string, ContextCache>();

  constructor(private readonly opts: CatalogOptions) {}

  listContexts(): ContextInfo[] {
    return listContexts({ kubeconfig: this.opts.kubeconfig });
  }

  defaultContext(): string {
    return loadCluster({ kubeconfig: this.opts.kubeconfig, context: this.opts.context }).context;
  }

  /** The cache of one context, its informers started (waits up to `waitMs` for the first lists). */
  async ensure(context: string | undefined, waitMs = 4000): Promise<ContextCache> {
    const name = context || this.defaultContext();
    let cc = this.contexts.get(name);
    if (!cc) {
      const cluster = loadCluster({ kubeconfig: this.opts.kubeconfig, context: name });
      cc = { context: name, server: cluster.server, kinds: new Map() };
      for (const kind of KINDS) cc.kinds.set(kind, this.startKind(cluster.kc, name, cluster.server, kind));
      this.contexts.set(name, cc);
    } else {
      // a final (401/403) failure is retried only when someone asks again, and not more than once a minute
      for (const [kind, kc] of cc.kinds) {
        if (kc.error && !isRetryable(kc.error) && Date.now() - kc.errorAt > FINAL_RETRY_MS) {
          await kc.informer.stop().catch(() => undefined);
          const cluster = loadCluster({ kubeconfig: this.opts.kubeconfig, context: name });
          cc.kinds.set(kind, this.startKind(cluster.kc, name, cluster.server, kind));
        }
      }
    }
    const all = Promise.allSettled([...cc.kinds.values()].map((k) => k.started));
    await Promise.race([all, new Promise((r) => setTimeout(r, waitMs).unref())]);
    return cc;
  }

  private startKind(kc: KubeConfig, context: string, server: string, kind: CatalogKind): KindCache {
    const core = kc.makeApiClient(CoreV1Api);
    const disc = kc.makeApiClient(DiscoveryV1Api);
    const net = kc.makeApiClient(NetworkingV1Api);
    const paths: Record<CatalogKind, [string, () => Promise<{ items: Obj[] }>]> = {
      namespaces: ['/api/v1/namespaces', () => core.listNamespace() as Promise<{ items: Obj[] }>],
      pods: ['/api/v1/pods', () => core.listPodForAllNamespaces() as Promise<{ items: Obj[] }>],
      services: ['/api/v1/services', () => core.listServiceForAllNamespaces() as Promise<{ items: Obj[] }>],
      endpointslices: ['/apis/discovery.k8s.io/v1/endpointslices', () => disc.listEndpointSliceForAllNamespaces() as unknown as Promise<{ items: Obj[] }>],
      networkpolicies: ['/apis/networking.k8s.io/v1/networkpolicies', () => net.listNetworkPolicyForAllNamespaces() as Promise<{ items: Obj[] }>],
      nodes: ['/api/v1/nodes', () => core.listNode() as Promise<{ items: Obj[] }>],
    };
    const [path, list] = paths[kind];
    // `ready` means a list succeeded (the informer's 'connect' fires before it lists, and its start()
    // resolves even when the list fails: failures arrive as 'error').
    const listed = async () => {
      const l = await list();
      cache.ready = true;
      cache.error = null;
      return l;
    };
    const informer = makeInformer<Obj>(kc, path, listed as never);
    const cache: KindCache = { informer, ready: false, error: null, errorAt: 0, started: Promise.resolve() };
    let settle: () => void = () => undefined;
    cache.started = new Promise<void>((r) => (settle = r));
    informer.on('add', () => settle());
    informer.on('error', (err: unknown) => {
      settle();
      cache.error = explainApiError(err, { verb: 'watch', resource: kind, context, server });
      cache.errorAt = Date.now();
      if (isRetryable(cache.error)) {
        setTimeout(() => {
          if (this.contexts.get(context)?.kinds.get(kind) === cache) informer.start().catch(() => undefined);
        }, RESTART_MS).unref();
      }
    });
    informer.start().then(
      () => settle(),
      (err: unknown) => {
        cache.error = explainApiError(err, { verb: 'list', resource: kind, context, server });
        cache.errorAt = Date.now();
        settle();
      },
    );
    return cache;
  }

  status(cc: ContextCache): CatalogStatus {
    const errors = [...cc.kinds.entries()]
      .filter(([, k]) => k.error)
      .map(([kind, k]) => ({ kind, sentence: k.error!.sentence, fix: k.error!.fix, state: k.error!.kind }));
    return { context: cc.context, ready: [...cc.kinds.values()].every((k) => k.ready), errors };
  }

  list(cc: ContextCache, kind: CatalogKind, namespace?: string): readonly Obj[] {
    const k = cc.kinds.get(kind);
    if (!k) return [];
    if (!k.ready && k.error) throw new ClusterError(k.error.sentence, k.error.fix, k.error.raw, k.error.status);
    return k.informer.list(namespace);
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const cc of this.contexts.values()) for (const k of cc.kinds.values()) all.push(k.informer.stop().catch(() => undefined));
    this.contexts.clear();
    await Promise.all(all);
  }
}

// ---- sources and targets beyond pods (DESIGN §3.2): the node picker and the Services' NodePort/LoadBalancer addresses ----

type NodeLike = { metadata?: { name?: string }; status?: { addresses?: { type: string; address: string }[] } };
type ServiceLike = { metadata?: { name?: string; namespace?: string }; spec?: { type?: string; ports?: { port: number; nodePort?: number; protocol?: string }[]; loadBalancerIP?: string; externalTrafficPolicy?: string }; status?: { loadBalancer?: { ingress?: { ip?: string }[] } } };

/** The node picker's choices: name and InternalIP, sorted by name. */
export function nodeChoices(nodes: readonly unknown[]): { name: string; ip: string }[] {
  return (nodes as NodeLike[])
    .map((n) => ({ name: n.metadata?.name ?? '', ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '' }))
    .filter((n) => n.name)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Target suggestions a Service offers from outside the cluster: `node/NODE:NODEPORT` on every node for a
 * NodePort/LoadBalancer port, and `INGRESS-IP:PORT` for a LoadBalancer's ingress addresses.
 */
export function edgeSuggestions(services: readonly unknown[], nodes: readonly unknown[]): { value: string; kind: 'nodeport' | 'loadbalancer'; hint: string }[] {
  const names = nodeChoices(nodes).map((n) => n.name);
  const out: { value: string; kind: 'nodeport' | 'loadbalancer'; hint: string }[] = [];
  for (const s of services as ServiceLike[]) {
    const key = `${s.metadata?.namespace}/${s.metadata?.name}`;
    const local = s.spec?.externalTrafficPolicy === 'Local' ? ', externalTrafficPolicy Local' : '';
    if (s.spec?.type === 'LoadBalancer') {
      const ips = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x);
      for (const ip of ips.length ? ips : s.spec.loadBalancerIP ? [s.spec.loadBalancerIP] : []) for (const p of s.spec.ports ?? []) out.push({ value: `${ip}:${p.port}`, kind: 'loadbalancer', hint: `LoadBalancer ${key}${local}` });
    }
    if (s.spec?.type === 'LoadBalancer' || s.spec?.type === 'NodePort') {
      for (const p of s.spec.ports ?? []) if (p.nodePort) for (const n of names) out.push({ value: `node/${n}:${p.nodePort}`, kind: 'nodeport', hint: `NodePort of ${key}:${p.port}${local}` });
    }
  }
  return out;
}
