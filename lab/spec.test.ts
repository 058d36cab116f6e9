// Lab file validation: every mistake names the document, the field and the fix (pure; no root needed).
import { sharedPath } from '../test/shared';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultCatalogue, FAULTS, parseFaultSpec } from './faults';
import { LabFileError, parseLabFile } from './spec';

const DEFAULT = readFileSync(join(import.meta.dirname, 'default.yaml'), 'utf8');
const LAB = 'kind: Lab\ncluster: {nodes: [worker-1, worker-2]}\n';
const pod = (name: string, extra = '', spec = 'nodeName: worker-1, containers: [{name: c, ports: [{containerPort: 80}]}]') =>
  `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}${extra}}\nspec: {${spec}}\n`;

function fails(text: string): LabFileError {
  try {
    parseLabFile(text, 'lab.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(LabFileError);
    return e as LabFileError;
  }
  throw new Error('expected a LabFileError');
}

describe('parseLabFile', () => {
  it('reads the default topology and the public contract scenario', () => {
    const d = parseLabFile(DEFAULT);
    expect(d.cluster).toEqual({ nodes: ['worker-1', 'worker-2'], overlay: 'vxlan', kubeProxy: 'iptables', networkPolicy: 'enforce', podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16' });
    expect(new Set(d.manifests.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).size).toBeGreaterThanOrEqual(2);
    expect(d.manifests.filter((o) => o.kind === 'NetworkPolicy')).toHaveLength(1);
    const shop = parseLabFile(readFileSync(sharedPath('contract/shop.yaml'), 'utf8'));
    expect(shop.manifests.filter((o) => o.kind === 'Pod').map((o) => o.metadata.name)).toEqual(['frontend-0', 'backend-0', 'backend-1', 'postgres-0']);
  });

  it('reads cluster.zones (a node may have none; an empty map is no zones) and keeps spec.trafficDistribution as written', () => {
    const z = parseLabFile('kind: Lab\ncluster: {nodes: [worker-1, worker-2, worker-3], zones: {worker-1: zone-a, worker-2: us-east-1b}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {trafficDistribution: PreferSameNode, ports: [{port: 80}]}\n');
    expect(z.cluster.zones).toEqual({ 'worker-1': 'zone-a', 'worker-2': 'us-east-1b' });
    expect((z.manifests[0].spec as { trafficDistribution: string }).trafficDistribution).toBe('PreferSameNode');
    expect(parseLabFile('kind: Lab\ncluster: {nodes: [n1], zones: {}}\n').cluster).not.toHaveProperty('zones');
  });

  it('defaults what the Lab document leaves out', () => {
    expect(parseLabFile('kind: Lab\ncluster: {nodes: [n1]}\n').cluster).toMatchObject({ overlay: 'vxlan', kubeProxy: 'iptables', networkPolicy: 'enforce' });
  });

  const cases: [string, string, number, string, RegExp][] = [
    ['malformed YAML', `${LAB}${pod('a')}---\nkind: Pod\nmetadata: {name: [b\n`, 3, '', /malformed YAML/],
    ['no Lab first', `apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n`, 1, 'kind', /first document must be the lab/],
    ['no nodes', 'kind: Lab\ncluster: {overlay: vxlan}\n', 1, 'cluster.nodes', /missing or empty/],
    ['bad overlay', 'kind: Lab\ncluster: {nodes: [a], overlay: geneve}\n', 1, 'cluster.overlay', /use one of vxlan \| host-gw/],
    ['bad kubeProxy', 'kind: Lab\ncluster: {nodes: [a], kubeProxy: ipvs}\n', 1, 'cluster.kubeProxy', /use one of iptables \| nftables/],
    ['bad networkPolicy', 'kind: Lab\ncluster: {nodes: [a], networkPolicy: maybe}\n', 1, 'cluster.networkPolicy', /enforce \| ignore/],
    ['unknown cluster key', 'kind: Lab\ncluster: {nodes: [a], tunnel: calico}\n', 1, 'cluster.tunnel', /unknown setting/],
    ['duplicate node', 'kind: Lab\ncluster: {nodes: [a, a]}\n', 1, 'cluster.nodes[1]', /duplicate node name a/],
    ['overlapping CIDRs', 'kind: Lab\ncluster: {nodes: [a], podCIDR: 10.96.0.0/12, serviceCIDR: 10.96.0.0/16}\n', 1, 'cluster.serviceCIDR', /overlaps podCIDR/],
    ['CIDR over the node network', 'kind: Lab\ncluster: {nodes: [a], podCIDR: 172.16.0.0/12}\n', 1, 'cluster.podCIDR', /overlaps the nodes' network/],
    ['pod CIDR too small', 'kind: Lab\ncluster: {nodes: [a, b], podCIDR: 10.244.0.0/24}\n', 1, 'cluster.podCIDR', /too small: 2 nodes need 3 \/24s/],
    ['host bits set', 'kind: Lab\ncluster: {nodes: [a], podCIDR: 10.244.1.0/16}\n', 1, 'cluster.podCIDR', /host bits zero/],
    ['pod on unknown node', `${LAB}${pod('a', '', 'nodeName: worker-9, containers: [{name: c}]')}`, 2, 'spec.nodeName', /node "worker-9" is not in cluster.nodes.*worker-1, worker-2/],
    ['pod without containers', `${LAB}${pod('a', '', 'nodeName: worker-1')}`, 2, 'spec.containers', /missing/],
    ['pod without nodeName', `${LAB}${pod('a', '', 'containers: [{name: c}]')}`, 2, 'spec.nodeName', /choose a node/],
    ['duplicate pods', `${LAB}${pod('a')}${pod('a')}`, 3, 'metadata.name', /duplicate: document 2 already defines Pod default\/a/],
    ['undeclared namespace', `${LAB}${pod('a', ', namespace: shop')}`, 2, 'metadata.namespace', /namespace "shop" is not defined/],
    ['bad containerPort', `${LAB}${pod('a', '', 'nodeName: worker-1, containers: [{name: c, ports: [{containerPort: 70000}]}]')}`, 2, 'spec.containers[0].ports[0].containerPort', /not a port number/],
    ['listen address the pod cannot have', `${LAB}${pod('a', ', annotations: {packetwalk/listen-address: 10.9.9.9}')}`, 2, 'metadata.annotations["packetwalk/listen-address"]', /use 127.0.0.1 \(loopback only\), 0.0.0.0 \(every address\) or \[::\] \(IPv6 only\)/],
    ['bad annotation', `${LAB}${pod('a', ', annotations: {packetwalk/ready: "no"}')}`, 2, 'metadata.annotations["packetwalk/ready"]', /not "true" or "false"/],
    ['unsupported kind', `${LAB}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n`, 2, 'kind', /not something the lab builds/],
    ['unnamed ports', `${LAB}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}, {port: 81}]}\n`, 2, 'spec.ports[0].name', /several ports must name each/],
    ['clusterIP outside', `${LAB}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.0.0.5, ports: [{port: 80}]}\n`, 2, 'spec.clusterIP', /not an address in serviceCIDR/],
    ['zone for a node the lab lacks', 'kind: Lab\ncluster: {nodes: [worker-1, worker-2], zones: {worker-1: zone-a, worker-9: zone-b}}\n', 1, 'cluster.zones["worker-9"]', /node "worker-9" is not in cluster.nodes; fix: give zones to the nodes of this lab \(worker-1, worker-2\), or add worker-9 to cluster.nodes/],
    ['zone that is no label value', 'kind: Lab\ncluster: {nodes: [worker-1], zones: {worker-1: "Zone A"}}\n', 1, 'cluster.zones["worker-1"]', /"Zone A" is not a zone name: a valid label must be .*; fix: use a label value: at most 63 letters, digits, -, _ and \., starting and ending with a letter or digit \(e\.g\. zone-a or us-east-1a\)/],
    ['empty zone', 'kind: Lab\ncluster: {nodes: [worker-1], zones: {worker-1: ""}}\n', 1, 'cluster.zones["worker-1"]', /"" is not a zone name: must not be empty/],
    ['zones as a list', 'kind: Lab\ncluster: {nodes: [worker-1], zones: [zone-a]}\n', 1, 'cluster.zones', /must map node names to zones; fix: write e\.g\. zones: \{worker-1: zone-a, worker-2: zone-b\}/],
    ['unknown trafficDistribution', `${LAB}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {trafficDistribution: Nearby, ports: [{port: 80}]}\n`, 2, 'spec.trafficDistribution', /Unsupported value: "Nearby": supported values: "PreferClose", "PreferSameZone", "PreferSameNode"/],
    ['unknown fault', `${LAB}faults: [{name: solar-flare}]\n`, 1, 'faults[0]', /unknown fault "solar-flare"; known faults: mtu-blackhole/],
    ['unknown fault param', `${LAB}faults: [{name: dns-down, node: worker-1}]\n`, 1, 'faults[0]', /fault dns-down has no parameter "node"; it takes none/],
    ['missing fault param', `${LAB}faults: [{name: node-route-missing, node: worker-1}]\n`, 1, 'faults[0]', /needs to=/],
    ['fault on unknown node', `${LAB}faults: [{name: mtu-blackhole, node: worker-3}]\n`, 1, 'faults[0]', /node=worker-3 is not a node of this lab; choose one of: worker-1, worker-2/],
    ['fault on unknown service', `${LAB}faults: [{name: proxy-rules-missing, service: shop/nope}]\n`, 1, 'faults[0]', /service=shop\/nope is not a Service/],
    ['fault on a Service named without its namespace', `${LAB}faults: [{name: proxy-rules-missing, service: kube-dns}]\n`, 1, 'faults[0]', /service=kube-dns is not a Service \(ns\/name\) of this lab; did you mean service=kube-system\/kube-dns\?; choose one of: /],
  ];
  for (const [what, text, doc, field, re] of cases) {
    it(`rejects: ${what}`, () => {
      const e = fails(text);
      expect(e.doc).toBe(doc);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(re);
      expect(e.message).toContain('lab.yaml');
      if (doc) expect(e.message).toContain(`document ${doc}`);
    });
  }
});

describe('fault specs and the catalogue', () => {
  it('parses NAME[:k=v,…]', () => {
    expect(parseFaultSpec('node-route-missing:node=worker-1,to=worker-2')).toEqual({ name: 'node-route-missing', params: { node: 'worker-1', to: 'worker-2' } });
    expect(parseFaultSpec('dns-down')).toEqual({ name: 'dns-down', params: {} });
    expect(() => parseFaultSpec('mtu-blackhole:node')).toThrow(/not key=value/);
    expect(() => parseFaultSpec('mtu-blackhole')).toThrow(/needs node=/);
  });
  it('lists every fault of the contract, one line each', () => {
    expect(FAULTS.map((f) => f.name)).toEqual(expect.arrayContaining(['mtu-blackhole', 'overlay-blocked', 'node-route-missing', 'stale-neighbor', 'stale-proxy-rules', 'proxy-rules-missing', 'dns-down', 'hairpin-off', 'pod-default-route-missing', 'veth-down', 'node-firewall-drop', 'masquerade-missing', 'upstream-dns-down']));
    expect(faultCatalogue().trim().split('\n')).toHaveLength(FAULTS.length);
  });
  it('writes each fault in the form one types it, and that form parses', () => {
    const lines = faultCatalogue().trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^node-route-missing:node=NODE,to=NODE +the node lacks/));
    expect(lines).toContainEqual(expect.stringMatching(/^stale-proxy-rules:service=NS\/NAME +kube-proxy/));
    expect(lines).toContainEqual(expect.stringMatching(/^dns-down +the cluster DNS/));
    for (const l of lines) {
      const spec = l.split(/ +/)[0].replace('NS/NAME', 'shop/x').replace(/NODE/g, 'worker-1').replace('PORT', '80');
      expect(parseFaultSpec(spec).name, l).toBe(spec.split(':')[0]);
    }
  });
});
