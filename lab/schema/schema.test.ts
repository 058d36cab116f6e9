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

describe('the documents as written', () => {
  it('keeps every key in the file\'s order and fills in only apiVersion and namespace', () => {
    const s = parseLabFile(`${LAB}---\nkind: Pod\nspec: {containers: [{ports: [{name: http, containerPort: 80}], name: c}], nodeName: w1}\nmetadata: {labels: {app: a}, name: p}\n`);
    expect(JSON.stringify(s.manifests[0])).toBe('{"kind":"Pod","spec":{"containers":[{"ports":[{"name":"http","containerPort":80}],"name":"c"}],"nodeName":"w1"},"metadata":{"labels":{"app":"a"},"name":"p","namespace":"default"},"apiVersion":"v1"}');
  });
  it('treats an empty (null) choice as its default, like a missing one', () => {
    expect(parseLabFile('kind: Lab\ncluster: {nodes: [a], cni: kindnet, overlay: null, kubeProxy: null}\n').cluster).toMatchObject({ cni: 'kindnet', overlay: 'host-gw', kubeProxy: 'iptables' });
  });
});
