// DNS search-list expansion as glibc's resolver does it (res_nsearch; resolv.conf(5)), and mapping a
// cluster name to the Service it names. glibc sends A and AAAA for every candidate it tries, so a short
// name that only resolves at the third search suffix costs 6 queries before the answer.
import type { Service } from './types';
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
