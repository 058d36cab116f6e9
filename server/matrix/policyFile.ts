// Reads the NetworkPolicies of a what-if (`--with-policy FILE`, or the page's upload): multi-document YAML or
// JSON, each document a NetworkPolicy or a List of them (as `kubectl get networkpolicy -o yaml` writes).
// A document without a namespace takes `defaultNamespace`, as `kubectl apply -n NS -f FILE` would.
import { isLabelName, isSubdomainName } from '../../lib/kube/names';
import { parseAllDocuments } from 'yaml';
import type { NetworkPolicy } from '../../lib/kube/types';
import { UsageError } from '../cluster/errors';
import { didYouMean, nearNames } from '../../lib/suggest';


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
      // a misspelt field first (podSelectr: "did you mean podSelector?" says more than "podSelector is required")
      const bad = isObj(it.spec) ? strictSpecProblem(it.spec) : undefined;
      if (bad) throw new UsageError(`${where} (${ns}/${name}): ${bad}`, 'withPolicy');
      if (!isObj(it.spec) || it.spec.podSelector === undefined || it.spec.podSelector === null) throw new UsageError(`${where} (${ns}/${name}): spec.podSelector is required (use {} to select every pod of the namespace)`, 'withPolicy');
      if (!isObj(it.spec.podSelector)) throw new UsageError(`${where} (${ns}/${name}): spec.podSelector is ${JSON.stringify(it.spec.podSelector)}, not a label selector; write {matchLabels: {app: NAME}} (or {} to select every pod of the namespace)`, 'withPolicy');
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

/** The fields of a networking.k8s.io/v1 NetworkPolicy spec and its parts (the API reference). */
const SPEC_FIELDS = ['podSelector', 'policyTypes', 'ingress', 'egress'];
const RULE_FIELDS = { ingress: ['from', 'ports'], egress: ['to', 'ports'] } as const;
const PEER_FIELDS = ['podSelector', 'namespaceSelector', 'ipBlock'];
const PORT_FIELDS = ['protocol', 'port', 'endPort'];

/**
 * What kubectl's strict field validation (its default since v1.27) and the API server would refuse in a spec, as
 * one sentence naming the field and the fix: an unknown field (`podSelectr`, with the field it was probably meant to
 * be), a policyType other than Ingress or Egress (`Ingres`). Undefined when the spec is well formed. A what-if that
 * dropped them silently would gate CI on a policy that does nothing.
 */
export function strictSpecProblem(spec: Record<string, unknown>): string | undefined {
  const unknown = (obj: Record<string, unknown>, allowed: readonly string[], at: string) => {
    const k = Object.keys(obj).find((x) => !allowed.includes(x));
    if (k === undefined) return undefined;
    const cased = allowed.find((a) => a.toLowerCase() === k.toLowerCase());
    return `${at}${k} is not a NetworkPolicy field${cased ? `; did you mean ${cased}? (field names are case-sensitive)` : didYouMean(nearNames(k, allowed)) || `; the fields here are ${allowed.join(', ')}`}`;
  };
  const top = unknown(spec, SPEC_FIELDS, 'spec.');
  if (top) return top;
  const types = spec.policyTypes;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types)) return 'spec.policyTypes must be a list: [Ingress], [Egress] or [Ingress, Egress]';
    const t = types.find((x) => x !== 'Ingress' && x !== 'Egress');
    if (t !== undefined) return `spec.policyTypes: ${JSON.stringify(t)} is not Ingress or Egress${didYouMean(nearNames(String(t), ['Ingress', 'Egress']))}`;
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const list = spec[dir];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `spec.${dir} must be a list of rules (write ${dir}: [] to deny everything)`;
    for (const [i, rule] of list.entries()) {
      if (!isObj(rule)) return `spec.${dir}[${i}] must be a mapping {${RULE_FIELDS[dir][0]}: […], ports: […]}`;
      const r = unknown(rule, RULE_FIELDS[dir], `spec.${dir}[${i}].`);
      if (r) return r;
      const peers = rule[RULE_FIELDS[dir][0]];
      for (const [j, peer] of (Array.isArray(peers) ? peers : []).entries()) {
        const x = isObj(peer) ? unknown(peer, PEER_FIELDS, `spec.${dir}[${i}].${RULE_FIELDS[dir][0]}[${j}].`) : undefined;
        if (x) return x;
      }
      for (const [j, port] of (Array.isArray(rule.ports) ? rule.ports : []).entries()) {
        const x = isObj(port) ? unknown(port, PORT_FIELDS, `spec.${dir}[${i}].ports[${j}].`) : undefined;
        if (x) return x;
      }
    }
  }
  return undefined;
}
