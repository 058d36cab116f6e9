// The lab file's zod layer (lab/schema/*): paths spelled as the file spells them, field + fix carried through
// zod, messages that improved when the checks moved onto schemas, and the document kept exactly as written.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseLabFile } from '../spec';
import { fieldOf, firstProblem, pathOf, says } from './problems';
import { refusal } from '../specTestkit';

const LAB = 'kind: Lab\ncluster: {nodes: [w1, w2]}\n';

describe('problems', () => {
  it('spells paths as the file does, and reads the API server\'s field strings back', () => {
    expect(fieldOf(['spec', 'containers', 0, 'ports', 1, 'name'])).toBe('spec.containers[0].ports[1].name');
    expect(fieldOf(['metadata', 'annotations', 'packetwalk/ready'])).toBe('metadata.annotations["packetwalk/ready"]');
    expect(pathOf('spec.ingress[0].ports[2].port')).toEqual(['spec', 'ingress', 0, 'ports', 2, 'port']);
    expect(pathOf('metadata.annotations["packetwalk/ready"]')).toEqual(['metadata', 'annotations', 'packetwalk/ready']);
  });

  it('carries problem and fix through zod, the offending input in either, and an unknown key in the path', () => {
    const s = z.strictObject({ port: z.number(says((v) => `${JSON.stringify(v)} is not a port`, 'use 1-65535')).int().min(1) }, says('not a map', 'write {port: 80}', { problem: 'unknown setting', fix: 'use port' }));
    expect(firstProblem(s.safeParse({ port: 0 }).error!, ['x'])).toMatchObject({ field: 'x.port', problem: '0 is not a port', fix: 'use 1-65535' });
    expect(firstProblem(s.safeParse({ port: 1, speed: 2 }).error!)).toMatchObject({ field: 'speed', problem: 'unknown setting', fix: 'use port' });
    expect(firstProblem(s.safeParse(3).error!)).toMatchObject({ field: '', problem: 'not a map', fix: 'write {port: 80}' });
  });

  it('keeps the fix whole when a quoted value holds the separator (a YAML "\\x1f" escape)', () => {
    const e = refusal(`${LAB}faults: [{name: "solar\\x1fflare"}]\n`);
    expect(e.field).toBe('faults[0]');
    expect(e.problem.startsWith('unknown fault "solar\u001fflare"; known faults: mtu-blackhole')).toBe(true);
    expect(e.fix).toBe('`packetwalk lab faults` lists the faults and their parameters');
  });
});

describe('messages that improved on the schemas', () => {
  it('a second Lab document says so', () => {
    const e = refusal(`${LAB}---\nkind: Lab\ncluster: {nodes: [w3]}\n`);
    expect([e.doc, e.field, e.problem, e.fix]).toEqual([2, 'kind', 'only the first document may be kind: Lab', 'merge the two Lab documents']);
  });
  it('a NetworkPolicy peer and its ipBlock are named by their real path', () => {
    const pol = (rules: string) => `${LAB}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, ${rules}}\n`;
    expect(refusal(pol('ingress: [{from: [5]}]')).field).toBe('spec.ingress[0].from[0]');
    const e = refusal(pol('egress: [{to: [{ipBlock: {cidr: 999.1.1.1/99}}]}]'));
    expect([e.field, e.problem]).toEqual(['spec.egress[0].to[0].ipBlock.cidr', '"999.1.1.1/99" is not an IPv4 CIDR']);
  });
  it('an ExternalName Service without its name says "missing"', () => {
    const e = refusal(`${LAB}---\napiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {type: ExternalName}\n`);
    expect([e.field, e.problem]).toEqual(['spec.externalName', 'missing']);
    expect(e.fix).toMatch(/externalName: api\.partner\.example/);
  });
});

describe('node names', () => {
  it('takes DNS-1123 subdomains as a real cluster names its nodes (EKS ip-10-0-1-23.ec2.internal), pods\' nodeName included', () => {
    const eks = ['ip-10-0-1-23.ec2.internal', 'ip-10-0-2-7.ec2.internal'];
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`; // 253 characters
    const s = parseLabFile(`kind: Lab\ncluster: {nodes: [${eks.join(', ')}, ${long}]}\n---\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: ${eks[1]}, containers: [{name: c}]}\n`);
    expect(s.cluster.nodes).toEqual([...eks, long]);
    expect((s.manifests[0].spec as { nodeName: string }).nodeName).toBe(eks[1]);
  });
  it.each([
    ['upper case', 'Worker-1', /a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.'/],
    ['an empty label', 'a..b', /lowercase RFC 1123 subdomain/],
    ['a trailing dot', 'a.', /must start and end with an alphanumeric character/],
    ['an underscore', 'worker_1', /lowercase RFC 1123 subdomain/],
    ['254 characters', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, /must be no more than 253 characters/],
  ])('refuses %s with the API server\'s sentence, the field and the fix', (_, name, problem) => {
    const e = refusal(`kind: Lab\ncluster: {nodes: [worker-1, "${name}"]}\n`);
    expect(e.field).toBe('cluster.nodes[1]');
    expect(e.problem).toMatch(new RegExp(`^${JSON.stringify(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a node name: `));
    expect(e.problem).toMatch(problem);
    expect(e.fix).toMatch(/DNS subdomain.*at most 253 characters \(e\.g\. worker-1 or ip-10-0-1-23\.ec2\.internal\)/);
  });
});

describe('the documents as written', () => {
  it('keeps every key in the file\'s order and fills in only apiVersion and namespace', () => {
    const s = parseLabFile(`${LAB}---\nkind: Pod\nspec: {containers: [{ports: [{name: http, containerPort: 80}], name: c}], nodeName: w1}\nmetadata: {labels: {app: a}, name: p}\n`);
    expect(JSON.stringify(s.manifests[0])).toBe('{"kind":"Pod","spec":{"containers":[{"ports":[{"name":"http","containerPort":80}],"name":"c"}],"nodeName":"w1"},"metadata":{"labels":{"app":"a"},"name":"p","namespace":"default"},"apiVersion":"v1"}');
  });
  it('treats an empty (null) choice as its default, like a missing one', () => {
    expect(parseLabFile('kind: Lab\ncluster: {nodes: [a], cni: kindnet, overlay: null, kubeProxy: null}\n').cluster).toMatchObject({ cni: 'kindnet', overlay: 'host-gw', kubeProxy: 'iptables' });
  });
});
