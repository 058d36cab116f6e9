// DNS search-list expansion as glibc's resolver does it (res_nsearch; resolv.conf(5)), and mapping a
// cluster name to the Service it names. glibc sends A and AAAA for every candidate it tries, so a short
// name that only resolves at the third search suffix costs 6 queries before the answer.
import type { Pod, Service } from './types';
import { nsName } from './types';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_NDOTS = 5; // kubelet's ClusterFirst resolv.conf

export interface ResolverConfig {
  search: string[];
  ndots: number;
  nameservers?: string[];
}

/** The search list and ndots kubelet writes for a ClusterFirst pod in `namespace`. */
export function clusterFirstResolver(namespace: string, domain = DEFAULT_CLUSTER_DOMAIN): ResolverConfig {
  return { search: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain], ndots: DEFAULT_NDOTS };
}

/**
 * The FQDNs glibc queries for `name`, in order (no trailing dots). A trailing dot makes the name absolute
 * (tried alone). A name with at least `ndots` dots is tried as-is first, then with each search suffix;
 * one with fewer goes through the search list first and is tried as-is last. glibc caps ndots at 15.
 */
export function candidateNames(name: string, search: readonly string[], ndots: number): string[] {
  const n = name.trim();
  if (n === '' || n === '.') return [];
  if (n.endsWith('.')) return [n.slice(0, -1)];
  const dots = (n.match(/\./g) ?? []).length;
  const suffixes = search.map((s) => s.replace(/^\.+|\.+$/g, '')).filter((s) => s !== '');
  const withSearch = suffixes.map((s) => `${n}.${s}`);
  return dots >= Math.min(ndots, 15) ? [n, ...withSearch] : [...withSearch, n];
}

/** Queries glibc sends until candidate `answeredAt` (0-based) answers; null = none answered (all tried). */
export function queryCount(candidates: readonly string[], answeredAt: number | null, perCandidate = 2): number {
  const tried = answeredAt === null ? candidates.length : Math.min(answeredAt + 1, candidates.length);
  return tried * perCandidate;
}

export interface ClusterName {
  service: string;
  namespace: string;
}

/** `<svc>.<ns>.svc.<domain>` → its parts; anything else → null. */
export function parseServiceFqdn(fqdn: string, domain = DEFAULT_CLUSTER_DOMAIN): ClusterName | null {
  const f = fqdn.replace(/\.$/, '').toLowerCase();
  const suffix = `.svc.${domain.toLowerCase()}`;
  if (!f.endsWith(suffix)) return null;
  const parts = f.slice(0, -suffix.length).split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { service: parts[0], namespace: parts[1] };
}

export interface NameResolution {
  name: string;
  candidates: string[];
  /** The first candidate that names an existing Service (what CoreDNS would answer). */
  matched?: { fqdn: string; index: number; service: string; clusterIP?: string };
  /** Queries glibc sends up to the answer (or for every candidate when nothing matches). */
  queries: number;
  /** Services with this short name in other namespaces — the usual reason a short name fails. */
  elsewhere: string[];
}

/**
 * What the source pod's resolver would do for `name`: each candidate in order, the first that names a
 * Service, the query count. `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local` all land here.
 */
export function resolveClusterName(name: string, resolver: ResolverConfig, services: readonly Service[], domain = DEFAULT_CLUSTER_DOMAIN): NameResolution {
  const candidates = candidateNames(name, resolver.search, resolver.ndots);
  const byKey = new Map(services.map((s) => [`${(s.metadata?.name ?? '').toLowerCase()}.${(s.metadata?.namespace ?? 'default').toLowerCase()}`, s]));
  let matched: NameResolution['matched'];
  for (const [index, fqdn] of candidates.entries()) {
    const p = parseServiceFqdn(fqdn, domain);
    const s = p && byKey.get(`${p.service}.${p.namespace}`);
    if (s) {
      const clusterIP = s.spec?.clusterIP;
      matched = { fqdn, index, service: nsName(s), ...(clusterIP ? { clusterIP } : {}) };
      break;
    }
  }
  const first = name.split('.')[0].toLowerCase();
  const elsewhere = matched ? [] : services.filter((s) => (s.metadata?.name ?? '').toLowerCase() === first).map(nsName);
  return { name, candidates, ...(matched ? { matched } : {}), queries: queryCount(candidates, matched ? matched.index : null), elsewhere };
}

/**
 * The cluster DNS Service, whatever it is called (DESIGN §3.3: kube-dns, or coredns on kubeadm-era and k3s
 * clusters): the Service whose ClusterIP is the pod's nameserver when that is known, else kube-system's
 * `kube-dns`, else kube-system's Service labelled `k8s-app=kube-dns` (CoreDNS keeps that label), else
 * kube-system's `coredns`.
 */
export function clusterDnsService(services: readonly Service[], nameserver?: string): Service | undefined {
  if (nameserver) {
    const byIP = services.find((s) => s.spec?.clusterIP === nameserver || s.spec?.clusterIPs?.includes(nameserver));
    if (byIP) return byIP;
  }
  const ks = services.filter((s) => (s.metadata?.namespace ?? 'default') === 'kube-system');
  return ks.find((s) => s.metadata?.name === 'kube-dns') ?? ks.find((s) => s.metadata?.labels?.['k8s-app'] === 'kube-dns') ?? ks.find((s) => s.metadata?.name === 'coredns');
}

/** The cluster domain a ClusterFirst resolv.conf shows: its `<ns>.svc.<domain>` search entry, else undefined. */
export function clusterDomainOf(search: readonly string[], namespace: string): string | undefined {
  const own = search.find((s) => s.startsWith(`${namespace}.svc.`));
  if (own) return own.slice(`${namespace}.svc.`.length).replace(/\.$/, '');
  const svc = search.find((s) => s.startsWith('svc.'));
  return svc ? svc.slice(4).replace(/\.$/, '') : undefined;
}

/** The domain CoreDNS serves cluster names under, from its Corefile's `kubernetes <domain> …` line. */
export function clusterDomainFromCorefile(corefile: string | undefined): string | undefined {
  const m = /^\s*kubernetes\s+([a-z0-9.-]+)/m.exec(corefile ?? '');
  return m ? m[1].replace(/\.$/, '') : undefined;
}

/** Whom a pod's lookups go to, and why (podResolver). */
export interface PodResolver {
  /** the pod's nameservers: its resolv.conf's when read, else what its spec makes the kubelet write (may be empty) */
  nameservers: string[];
  /** true when a nameserver is the cluster DNS (its Service's ClusterIP or a DNS pod), or dnsPolicy hands the pod the kubelet's cluster DNS */
  cluster: boolean;
  /** the pod's dnsPolicy as the kubelet applies it ("ClusterFirst" when unset) */
  policy: string;
  /** where those nameservers come from, in words: "dnsPolicy Default: the node's resolv.conf" */
  how: string;
}

/**
 * The resolver a pod really asks, from its dnsPolicy and dnsConfig and (when read) its own /etc/resolv.conf.
 * Kubernetes "DNS for Services and Pods", Pod's DNS Policy
 * (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy):
 * - `ClusterFirst` (the default when unset): the kubelet's cluster DNS (`--cluster-dns`: the kube-dns Service's
 *   ClusterIP, or a node-local cache such as NodeLocal DNSCache's 169.254.20.10), which forwards names outside the
 *   cluster domain upstream. A hostNetwork pod with ClusterFirst "will fallback to the behavior of the Default policy".
 * - `ClusterFirstWithHostNet`: the cluster DNS, for a hostNetwork pod too.
 * - `Default`: "the Pod inherits the name resolution configuration from the node that the pods run on" — the node's
 *   resolv.conf (kubelet `--resolv-conf`), which knows no cluster name. "Default" is not the default.
 * - `None`: "ignore DNS settings from the Kubernetes environment"; all of it comes from `dnsConfig` (nameservers: at
 *   most 3, at least one with None).
 * Pod's DNS Config: dnsConfig's nameservers are merged into those the policy gives, so a ClusterFirst pod keeps the
 * cluster DNS first. The pod's resolv.conf, when read, is the truth over the spec: `cluster` is then whether one of
 * its nameservers is the cluster DNS Service's ClusterIP or a DNS pod's address — or, for ClusterFirst (not in the
 * host network), whatever the kubelet wrote there (a node-local cache is still the cluster DNS).
 */
export function podResolver(pod: Pick<Pod, 'spec'>, conf: { nameservers: readonly string[] } | undefined, clusterDns: { ips: readonly string[] }): PodResolver {
  const spec = pod.spec ?? {};
  const policy = spec.dnsPolicy || 'ClusterFirst';
  const clusterPolicy = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec.hostNetwork);
  const own = spec.dnsConfig?.nameservers ?? [];
  const nameservers = conf ? [...conf.nameservers] : clusterPolicy ? [...clusterDns.ips.slice(0, 1), ...own] : policy === 'None' ? [...own] : [];
  const cluster = clusterPolicy || nameservers.some((n) => clusterDns.ips.includes(n));
  const how =
    policy === 'Default' ? "dnsPolicy Default: the node's resolv.conf"
    : policy === 'None' ? "dnsPolicy None: the pod's dnsConfig.nameservers"
    : clusterPolicy ? `dnsPolicy ${policy}: the cluster DNS`
    : `dnsPolicy ${policy} in the host network: the node's resolv.conf`;
  return { nameservers, cluster, policy, how };
}
