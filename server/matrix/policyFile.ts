// Reads the NetworkPolicies of a what-if (`--with-policy FILE`, or the page's upload): multi-document YAML or
// JSON, each document a NetworkPolicy or a List of them (as `kubectl get networkpolicy -o yaml` writes).
// A document without a namespace takes `defaultNamespace`, as `kubectl apply -n NS -f FILE` would.
import { isLabelName, isSubdomainName } from '../../lib/kube/names';
import { parseAllDocuments } from 'yaml';
import type { NetworkPolicy } from '../../lib/kube/types';
import { UsageError } from '../cluster/errors';


/**
 * Parses the text of a what-if file: the policies, and notes for the matrix (a policy without a namespace, placed in
 * `defaultNamespace`). Throws UsageError naming the document and field (`field` = "withPolicy").
 * `what` names the source in messages ("--with-policy shop.yaml").
 */
export function parsePolicyText(text: string, defaultNamespace: string, what: string): { policies: NetworkPolicy[]; notes: string[] } {
  const out: NetworkPolicy[] = [];
  const defaulted: string[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    const at = `${what}: document ${i + 1}`;
    if (d.errors.length) throw new UsageError(`${at} is not valid YAML: ${d.errors[0].message.split('\n')[0]}`, 'withPolicy');
    const v = d.toJS() as unknown;
    if (v === null || v === undefined) return;
    const items = isObj(v) && v.kind === 'List' ? (Array.isArray(v.items) ? v.items : []) : [v];
    items.forEach((it: unknown, j: number) => {
      const where = items.length > 1 || (isObj(v) && v.kind === 'List') ? `${at}, item ${j + 1}` : at;
      if (!isObj(it) || it.kind !== 'NetworkPolicy') throw new UsageError(`${where} is ${isObj(it) && typeof it.kind === 'string' ? `kind ${it.kind}` : 'not an object with a kind'}; a what-if file holds only NetworkPolicy objects (networking.k8s.io/v1)`, 'withPolicy');
      const meta = isObj(it.metadata) ? it.metadata : {};
      const name = meta.name;
      if (typeof name !== 'string' || !isSubdomainName(name)) throw new UsageError(`${where}: metadata.name ${JSON.stringify(name)} is not a valid name; give each NetworkPolicy a DNS-1123 name`, 'withPolicy');
      const ns = meta.namespace ?? defaultNamespace;
      if (meta.namespace === undefined) defaulted.push(name);
      if (typeof ns !== 'string' || !isLabelName(ns)) throw new UsageError(`${where}: metadata.namespace ${JSON.stringify(ns)} is not a namespace name`, 'withPolicy');
      if (!isObj(it.spec) || !isObj(it.spec.podSelector)) throw new UsageError(`${where} (${ns}/${name}): spec.podSelector is required (use {} to select every pod of the namespace)`, 'withPolicy');
      out.push({ ...(it as NetworkPolicy), metadata: { ...(meta as NetworkPolicy['metadata']), name, namespace: ns } });
    });
  });
  if (out.length === 0) throw new UsageError(`${what} holds no NetworkPolicy; put one or more NetworkPolicy manifests in it`, 'withPolicy');
  const notes = defaulted.length ? [`what-if: ${defaulted.join(', ')} ${defaulted.length === 1 ? 'has' : 'have'} no metadata.namespace, so ${defaulted.length === 1 ? 'it is' : 'they are'} taken as in ${defaultNamespace} (the first namespace asked for), as kubectl apply -n ${defaultNamespace} would`] : [];
  return { policies: out, notes };
}

function isObj(v: unknown): v is Record<string, unknown> & { metadata?: unknown; spec?: Record<string, unknown> } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
