// The lab file's `outside:` section and the Service kinds beyond ClusterIP: what is accepted, what the
// API server / cloud controller would write into the objects, and the field + fix of each refusal.
import { describe, expect, it } from 'vitest';
import { buildLab } from './objects';
import { DEFAULT_LB_POOL, planServiceKinds } from './outside';
import { parseLabFile } from './spec';
import type { KubeObject, LabState } from './types';
import { dnsmasqConfig } from './dataplane/dns';
import { outsideDnsConfig, planOutsideState } from './dataplane/outside';

type Obj = Record<string, unknown>;
const LAB = `kind: Lab
cluster: {nodes: [n1, n2]}
outside:
  hosts: [{name: api.partner.example, ip: 198.51.100.20, ports: [443, {port: 514, protocol: UDP}]}]
  loadBalancerPool: 198.51.100.128/28
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: w, image: web, ports: [{containerPort: 8080}]}]}
`;
const svc = (name: string, spec: string) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const service = (objs: KubeObject[], name: string) => objs.find((o) => o.kind === 'Service' && o.metadata.name === name)!;

describe('outside: and the Service kinds, as the lab builds their objects', () => {
  const spec = parseLabFile(
    LAB +
      svc('np', '{type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 31080}, {name: b, port: 81, targetPort: 8080}]}').replace('ports: [{port: 80', 'ports: [{name: a, port: 80') +
      svc('lb', '{type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}') +
      svc('lb2', '{type: LoadBalancer, loadBalancerIP: 203.0.113.7, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}') +
      svc('ext', '{type: ExternalName, externalName: api.partner.example}') +
      svc('hl', '{clusterIP: None, selector: {app: web}, ports: [{port: 8080}]}'),
  );
  const objs = buildLab(spec, 'tst').objects;

  it('reads the hosts and the pool', () => {
    expect(spec.outside).toEqual({ hosts: [{ name: 'api.partner.example', ip: '198.51.100.20', ports: [{ port: 443, protocol: 'TCP' }, { port: 514, protocol: 'UDP' }] }], loadBalancerPool: '198.51.100.128/28' });
    expect(parseLabFile('kind: Lab\ncluster: {nodes: [a]}\n').outside).toEqual({ hosts: [], loadBalancerPool: DEFAULT_LB_POOL });
  });

  it('keeps a given nodePort, allocates the others in 30000-32767, defaults externalTrafficPolicy', () => {
    const np = service(objs, 'np').spec as Obj;
    const ports = np.ports as Obj[];
    expect(np.type).toBe('NodePort');
    expect(ports[0].nodePort).toBe(31080);
    expect(ports[1].nodePort).toBeGreaterThanOrEqual(30000);
    expect(ports[1].nodePort).toBeLessThanOrEqual(32767);
    expect(ports[1].nodePort).not.toBe(31080);
    expect(np.externalTrafficPolicy).toBe('Cluster');
  });

  it('gives a LoadBalancer an ingress IP from the pool (or its loadBalancerIP) and, with Local, a healthCheckNodePort', () => {
    const lb = service(objs, 'lb');
    expect((lb.status as Obj).loadBalancer).toEqual({ ingress: [{ ip: '198.51.100.129', ipMode: 'VIP' }] });
    expect((lb.spec as Obj).healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect((lb.spec as Obj).allocateLoadBalancerNodePorts).toBe(true);
    const lb2 = service(objs, 'lb2');
    expect((lb2.status as Obj).loadBalancer).toEqual({ ingress: [{ ip: '203.0.113.7', ipMode: 'VIP' }] });
    expect((lb2.spec as Obj).healthCheckNodePort).toBeUndefined();
  });

  it('stores an ExternalName without cluster IP fields or EndpointSlices; a headless Service keeps clusterIP None', () => {
    const ext = service(objs, 'ext').spec as Obj;
    expect(ext).toMatchObject({ type: 'ExternalName', externalName: 'api.partner.example' });
    expect(ext.clusterIP).toBeUndefined();
    expect(ext.clusterIPs).toBeUndefined();
    expect(objs.filter((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'ext')).toEqual([]);
    expect((service(objs, 'hl').spec as Obj).clusterIP).toBe('None');
  });

  it('builds a hostNetwork pod on its node\'s address', () => {
    const s = parseLabFile(LAB + '---\napiVersion: v1\nkind: Pod\nmetadata: {name: agent}\nspec: {nodeName: n2, hostNetwork: true, containers: [{name: a, image: a, ports: [{containerPort: 9100}]}]}\n');
    const l = buildLab(s, 'tst');
    const p = l.pods.find((x) => x.name === 'agent')!;
    expect(p).toMatchObject({ hostNetwork: true, ip: '172.18.0.3', netns: 'tst-node-n2' });
  });

  it('never allocates a port a hostNetwork pod binds on the nodes', () => {
    const plan = planServiceKinds(
      [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }],
      { hosts: [], loadBalancerPool: DEFAULT_LB_POOL },
      (x) => x,
    );
    const port = plan.nodePorts.get('default/s')![0];
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'h' }, spec: { hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: port }] }] } };
    const again = planServiceKinds([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }], { hosts: [], loadBalancerPool: DEFAULT_LB_POOL }, (x) => x, [pod]);
    expect(again.nodePorts.get('default/s')![0]).not.toBe(port);
  });

  it('lets one Service give the same nodePort to its TCP and UDP ports', () => {
    expect(() => parseLabFile(LAB + svc('dns', '{type: NodePort, ports: [{name: u, port: 53, protocol: UDP, nodePort: 30053}, {name: t, port: 53, nodePort: 30053}]}'))).not.toThrow();
  });

  const bad: [string, string, RegExp, RegExp][] = [
    ['unknown outside key', LAB.replace('loadBalancerPool:', 'pool:'), /outside\.pool/, /use hosts and loadBalancerPool/],
    ['host name inside the cluster domain', LAB.replace('api.partner.example', 'api.svc.cluster.local'), /outside\.hosts\[0\]\.name/, /must not end in the cluster domain/],
    ['host ip in the pod CIDR', LAB.replace('198.51.100.20', '10.244.3.3'), /outside\.hosts\[0\]\.ip/, /outside the cluster/],
    ['host ip in the pool', LAB.replace('198.51.100.20', '198.51.100.130'), /outside\.hosts\[0\]\.ip/, /loadBalancerPool/],
    ['pool overlapping the nodes', LAB.replace('198.51.100.128/28', '172.18.5.0/24'), /outside\.loadBalancerPool/, /nodes.{1,2}network/],
    ['a link-local host ip', LAB.replace('198.51.100.20', '169.254.9.9'), /outside\.hosts\[0\]\.ip/, /link-local/],
    ['a multicast pool', LAB.replace('198.51.100.128/28', '224.0.1.0/28'), /outside\.loadBalancerPool/, /multicast/],
    ['a port that is no port', LAB.replace('ports: [443', 'ports: [70000'), /outside\.hosts\[0\]\.ports\[0\]/, /1-65535/],
    ['an unknown Service type', LAB + svc('x', '{type: Ingress, ports: [{port: 80}]}'), /spec\.type/, /NodePort, LoadBalancer, ExternalName/],
    ['a nodePort outside the range', LAB + svc('x', '{type: NodePort, ports: [{port: 80, nodePort: 8080}]}'), /spec\.ports\[0\]\.nodePort/, /30000-32767/],
    ['a nodePort on a ClusterIP Service', LAB + svc('x', '{ports: [{port: 80, nodePort: 30001}]}'), /spec\.ports\[0\]\.nodePort/, /type: NodePort/],
    ['the same nodePort twice', LAB + svc('x', '{type: NodePort, ports: [{port: 80, nodePort: 30001}]}') + svc('y', '{type: NodePort, ports: [{port: 80, nodePort: 30001}]}'), /document 4.*spec\.ports\[0\]\.nodePort/, /already used by Service default\/x/],
    ['externalTrafficPolicy on a ClusterIP Service', LAB + svc('x', '{externalTrafficPolicy: Local, ports: [{port: 80}]}'), /spec\.externalTrafficPolicy/, /remove it or change spec\.type/],
    ['a headless NodePort', LAB + svc('x', '{type: NodePort, clusterIP: None, ports: [{port: 80}]}'), /spec\.clusterIP/, /headless Service must be type ClusterIP/],
    ['ExternalName without a name', LAB + svc('x', '{type: ExternalName}'), /spec\.externalName/, /externalName: api\.partner\.example/],
    ['loadBalancerIP on a NodePort', LAB + svc('x', '{type: NodePort, loadBalancerIP: 203.0.113.9, ports: [{port: 80}]}'), /spec\.loadBalancerIP/, /type: LoadBalancer/],
    ['a hostNetwork pod on port 53', LAB + '---\napiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec: {nodeName: n1, hostNetwork: true, containers: [{name: a, image: a, ports: [{containerPort: 53, protocol: UDP}]}]}\n', /containerPort/, /another port/],
  ];
  for (const [what, text, field, fix] of bad) {
    it(`refuses ${what}, naming the field and the fix`, () => {
      let msg = '';
      try {
        parseLabFile(text);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(field);
      expect(msg).toMatch(fix);
    });
  }

  it('DNS: the cluster DNS forwards non-cluster names to the DNS node; ExternalName is a CNAME here for a Service with an address, else the outside DNS\'s', () => {
    const sp = parseLabFile(
      LAB +
        svc('web', '{selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}') +
        svc('empty', '{clusterIP: None, selector: {app: nobody}, ports: [{port: 80}]}') +
        svc('alias', '{type: ExternalName, externalName: web.default.svc.cluster.local}') +
        svc('partner', '{type: ExternalName, externalName: api.partner.example}') +
        svc('nowhere', '{type: ExternalName, externalName: empty.default.svc.cluster.local}'),
    );
    const l = buildLab(sp, 'tst');
    const st = { instance: 'tst', cluster: sp.cluster, nodes: l.nodes, pods: l.pods, objects: l.objects, outside: planOutsideState(sp, 'tst'), daemons: {} } as unknown as LabState;
    const conf = dnsmasqConfig(st).split('\n');
    expect(conf).toEqual(expect.arrayContaining(['local=/cluster.local/', 'server=172.18.0.2', 'cname=alias.default.svc.cluster.local,web.default.svc.cluster.local', 'server=/partner.default.svc.cluster.local/172.18.0.2', 'server=/nowhere.default.svc.cluster.local/172.18.0.2']));
    expect(conf).not.toContain('address=/#/');
    expect(outsideDnsConfig(st).split('\n')).toEqual(expect.arrayContaining(['listen-address=100.64.0.53', 'address=/#/', 'host-record=api.partner.example,198.51.100.20', 'cname=partner.default.svc.cluster.local,api.partner.example']));
  });
});
