import { describe, expect, it } from 'vitest';
import { parsePolicyText } from './policyFile';

const NP = (name: string, ns?: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ''}}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n`;

describe('what-if policy files', () => {
  it('reads several documents and a List, filling the namespace like kubectl apply -n', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - ${NP('c', 'db').trim().split('\n').join('\n    ')}\n`;
    const { policies: ps, notes } = parsePolicyText(`${NP('a')}---\n${NP('b', 'shop')}---\n${list}`, 'dflt', 'f.yaml');
    expect(ps.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['dflt/a', 'shop/b', 'db/c']);
    // the assumption is said, not silent
    expect(notes).toEqual(['what-if: a has no metadata.namespace, so it is taken as in dflt (the first namespace asked for), as kubectl apply -n dflt would']);
    expect(parsePolicyText(NP('b', 'shop'), 'dflt', 'f.yaml').notes).toEqual([]);
  });

  it('names the document and the field of what is wrong', () => {
    expect(() => parsePolicyText('kind: Service\nmetadata: {name: x}\n', 'ns', 'f.yaml')).toThrow(/f\.yaml: document 1 is kind Service; a what-if file holds only NetworkPolicy/);
    expect(() => parsePolicyText(`${NP('ok')}---\nkind: NetworkPolicy\nmetadata: {name: Bad_Name}\nspec: {podSelector: {}}\n`, 'ns', 'f.yaml')).toThrow(/document 2: metadata.name "Bad_Name" is not a valid name/);
    expect(() => parsePolicyText('kind: NetworkPolicy\nmetadata: {name: x}\nspec: {}\n', 'ns', 'f.yaml')).toThrow(/spec.podSelector is required/);
    expect(() => parsePolicyText('a: [1,\n', 'ns', 'f.yaml')).toThrow(/document 1 is not valid YAML/);
    expect(() => parsePolicyText('', 'ns', 'f.yaml')).toThrow(/holds no NetworkPolicy/);
  });

  it('refuses what kubectl\'s strict validation refuses, naming the field and what it was probably meant to be (a what-if that dropped it would gate CI on a policy that does nothing)', () => {
    const doc = (spec: string) => `kind: NetworkPolicy\nmetadata: {name: deny-backend, namespace: shop}\nspec: ${spec}\n`;
    expect(() => parsePolicyText(doc('{podSelector: {}, policyTypes: [Ingres]}'), 'ns', 'f.yaml')).toThrow('f.yaml: document 1 (shop/deny-backend): spec.policyTypes: "Ingres" is not Ingress or Egress; did you mean Ingress?');
    expect(() => parsePolicyText(doc('{podSelectr: {}}'), 'ns', 'f.yaml')).toThrow('spec.podSelectr is not a NetworkPolicy field; did you mean podSelector?');
    expect(() => parsePolicyText(doc('{podSelector: 5}'), 'ns', 'f.yaml')).toThrow('f.yaml: document 1 (shop/deny-backend): spec.podSelector is 5, not a label selector; write {matchLabels: {app: NAME}} (or {} to select every pod of the namespace)');
    expect(() => parsePolicyText(doc('{policyTypes: [Ingress]}'), 'ns', 'f.yaml')).toThrow(/spec.podSelector is required/);
    expect(() => parsePolicyText(doc('{podSelector: {}, podSelectr: {}}'), 'ns', 'f.yaml')).toThrow('spec.podSelectr is not a NetworkPolicy field; did you mean podSelector?');
    expect(() => parsePolicyText(doc('{podSelector: {}, ingress: [{form: [{podSelector: {}}]}]}'), 'ns', 'f.yaml')).toThrow('spec.ingress[0].form is not a NetworkPolicy field; the fields here are from, ports');
    expect(() => parsePolicyText(doc('{podSelector: {}, egress: [{to: [{podselector: {}}]}]}'), 'ns', 'f.yaml')).toThrow('spec.egress[0].to[0].podselector is not a NetworkPolicy field; did you mean podSelector? (field names are case-sensitive)');
    expect(parsePolicyText(doc('{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{protocol: TCP, port: 80}]}], egress: []}'), 'ns', 'f.yaml').policies).toHaveLength(1);
  });
});
