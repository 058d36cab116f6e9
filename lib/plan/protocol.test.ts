// Which transport a target without /udp or /tcp is diagnosed over (docs/contracts.md): TCP unless the Service port
// is UDP; a port served on both (kube-dns 53, listed UDP first as kubeadm writes it) is TCP, and the suffix picks.
// Every planner chooses through lib/kube/ports.ts findServicePort / findNodePort / podPortProtocol.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLab } from '../../lab/objects';
import { parseLabFile } from '../../lab/spec';
import { dialledProto, parseTarget, type Source } from '../target';
import { planPath, type ClusterSnapshot } from './index';
import { planNorthSouth } from './northSouth';
import type { ConfigMap, EndpointSlice, Namespace, NetworkPolicy, Pod, Service } from '../kube';
import type { NodeObject } from './snapshot';

const spec = parseLabFile(readFileSync(new URL('../../lab/default.yaml', import.meta.url), 'utf8'));
const lab = buildLab(spec, 'proto', new Date('2026-11-23T00:00:00Z'));
const of = <T>(kind: string) => lab.objects.filter((o) => o.kind === kind) as unknown as T[];
const dns = of<Service>('Service').find((s) => s.metadata?.name === 'kube-dns')!;
// kube-dns exposed on a NodePort too, one nodePort for both protocols (as Kubernetes allows)
const dnsNodePort: Service = { ...dns, metadata: { ...dns.metadata, name: 'dns-np' }, spec: { ...dns.spec, clusterIP: '10.96.0.53', clusterIPs: ['10.96.0.53'], type: 'NodePort', ports: dns.spec!.ports!.map((p) => ({ ...p, ...(p.port === 53 ? { nodePort: 30053 } : {}) })) } };
// statsd: 8125 over UDP only, 8126 over TCP
const statsd: Service = { metadata: { name: 'statsd', namespace: 'shop' }, spec: { clusterIP: '10.96.0.81', type: 'NodePort', selector: { app: 'statsd' }, ports: [{ name: 'metrics', port: 8125, protocol: 'UDP', nodePort: 30125 }, { name: 'admin', port: 8126, protocol: 'TCP', nodePort: 30126 }] } };
const snap: ClusterSnapshot = {
  pods: of<Pod>('Pod'), services: [...of<Service>('Service'), dnsNodePort, statsd], endpointSlices: of<EndpointSlice>('EndpointSlice'),
  policies: of<NetworkPolicy>('NetworkPolicy'), namespaces: of<Namespace>('Namespace'), nodes: of<NodeObject>('Node'),
  kubeProxyConfig: of<ConfigMap>('ConfigMap').find((c) => c.metadata?.name === 'kube-proxy'),
};
const coredns = of<Pod>('Pod').find((p) => p.metadata?.name?.startsWith('coredns'))!.metadata!.name!;
const to = (text: string) => {
  const t = parseTarget(text);
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
};
const podPlan = (text: string) => planPath({ namespace: 'shop', name: 'frontend-0' }, to(text), snap);
const connects = (probes: readonly { probe: string }[]) => probes.map((p) => p.probe).filter((p) => /(tcp|udp)-(connect|exchange)$/.test(p));

describe('the transport of a target served on TCP and UDP (kube-dns 53)', () => {
  it('pod → Service: no suffix is TCP; /udp is UDP; /tcp is TCP', () => {
    const plain = podPlan('kube-dns.kube-system:53');
    expect(plain.service?.port).toMatchObject({ name: 'dns-tcp', protocol: 'TCP' });
    expect(plain.edge?.udp).toBeFalsy();
    expect(connects(plain.probes)).not.toContain('udp-connect');
    expect(podPlan('10.96.0.10:53').service?.port.protocol).toBe('TCP');
    const udp = podPlan('kube-dns.kube-system:53/udp');
    expect(udp.service?.port).toMatchObject({ name: 'dns', protocol: 'UDP' });
    expect(udp.edge?.udp).toBe(true);
    expect(podPlan('kube-dns.kube-system:53/tcp').service?.port.protocol).toBe('TCP');
  });

  it('pod → pod declaring 53 on both: TCP without the suffix', () => {
    expect(podPlan(`pod:kube-system/${coredns}:53`).edge?.udp).toBeFalsy();
    expect(podPlan(`pod:kube-system/${coredns}:53/udp`).edge?.udp).toBe(true);
  });

  it.each<[string, Source]>([
    ['node', { kind: 'node', node: 'worker-1' }],
    ['outside', { kind: 'outside' }],
  ])('%s → Service / NodePort: TCP without the suffix, UDP with /udp', (_, source) => {
    for (const target of ['kube-dns.kube-system.svc.cluster.local:53', 'node/worker-2:30053']) {
      if (source.kind === 'outside' && !target.startsWith('node/')) continue; // the outside client does not resolve cluster names
      const plain = planNorthSouth(source, to(target), snap);
      expect(plain.service?.port.protocol, target).toBe('TCP');
      expect(plain.service?.udp, target).toBe(false);
      const udp = planNorthSouth(source, to(`${target}/udp`), snap);
      expect(udp.service?.port.protocol, target).toBe('UDP');
      expect(udp.service?.udp, target).toBe(true);
    }
  });

  it('the plan records the transport on the hop its connection is judged on, for the headers (dialledProto)', () => {
    const tcp = podPlan('kube-dns.kube-system:53');
    expect(tcp.hops.find((h) => h.id === 'service')?.details?.protocol).toBe('TCP');
    expect(dialledProto('kube-dns.kube-system:53', tcp.hops)).toBeUndefined();
    const udp = podPlan('kube-dns.kube-system:53/udp');
    expect(udp.hops.find((h) => h.id === 'service')?.details?.protocol).toBe('UDP');
    expect(dialledProto('kube-dns.kube-system:53/udp', udp.hops)).toBeUndefined(); // the suffix already says
    expect(dialledProto('kube-dns.kube-system:53', udp.hops)).toBe('udp');
    const np = planNorthSouth({ kind: 'outside' }, to('node/worker-2:30053/udp'), snap);
    expect(np.hops.find((h) => h.id === 'node-port')?.details?.protocol).toBe('UDP');
  });

  it('a port served over the other protocol only: the error says which, the fix and every port with its protocol', () => {
    expect(() => podPlan('statsd:8125/tcp')).toThrow(/^--to: Service shop\/statsd serves port 8125 over UDP only; fix: use --to statsd:8125\/udp \(its ports: 8125\/UDP, 8126\/TCP\)$/);
    expect(() => podPlan('statsd.shop:8126/udp')).toThrow(/^--to: Service shop\/statsd serves port 8126 over TCP only; fix: use --to statsd\.shop:8126\/tcp \(its ports: 8125\/UDP, 8126\/TCP\)$/);
    expect(() => podPlan('statsd:9000')).toThrow(/^--to: Service shop\/statsd has no port 9000; its ports: 8125\/UDP, 8126\/TCP; fix: use one of them, e.g\. --to statsd:8125\/udp$/);
    expect(() => podPlan('statsd')).toThrow(/^--to: Service shop\/statsd has ports 8125\/UDP, 8126\/TCP; add the one to use, e\.g\. --to statsd:8125\/udp$/);
    expect(() => planNorthSouth({ kind: 'node', node: 'worker-1' }, to('statsd.shop.svc.cluster.local:8125/tcp'), snap)).toThrow(/^--to: Service shop\/statsd serves port 8125 over UDP only; fix: use --to statsd\.shop\.svc\.cluster\.local:8125\/udp \(its ports: 8125\/UDP, 8126\/TCP\)$/);
    expect(() => planNorthSouth({ kind: 'outside' }, to('node/worker-1:30125/tcp'), snap)).toThrow(/^--to: Service shop\/statsd serves nodePort 30125 over UDP only; fix: use --to node\/worker-1:30125\/udp \(its ports: 8125\/UDP \(nodePort 30125\), 8126\/TCP \(nodePort 30126\)\)$/);
    expect(podPlan('statsd:8125').service?.port.protocol).toBe('UDP'); // no suffix: what the Service port says
    expect(() => podPlan('kube-dns.kube-system')).toThrow(/^--to: Service kube-system\/kube-dns has ports 53\/UDP, 53\/TCP, 9153\/TCP; add the one to use, e\.g\. --to kube-dns\.kube-system:53$/);
  });
});
