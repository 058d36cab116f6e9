// The namespace the new-diagnosis form offers first, when neither the user's last choice nor the context names one.

/** System namespaces: where an on-call engineer's workloads are not. */
const SYSTEM = (n: string) => n === 'default' || n.startsWith('kube-');

/**
 * The namespace with the most pods among those not of the system (ties: alphabetical), else the first non-system
 * one, else the first; '' for none. `podCounts`: pods per namespace as the server's cache holds them.
 */
export function firstNamespace(namespaces: readonly string[], podCounts: Readonly<Record<string, number>>): string {
  const apps = namespaces.filter((n) => !SYSTEM(n));
  const busiest = [...apps].sort((a, b) => (podCounts[b] ?? 0) - (podCounts[a] ?? 0) || a.localeCompare(b))[0];
  return busiest ?? namespaces[0] ?? '';
}
