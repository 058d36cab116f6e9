// kube-proxy's own endpoint choice (kubeProxyView) and the comparison that uses it: internalTrafficPolicy
// Local, topology hints, serving/terminating, address family — and upstream's "has no local endpoints"
// drop read as no-local-endpoint, never as proxy-rules-stale. Dumps: upstream kube-proxy's test fixtures
// (test/upstream/fixtures/kube-proxy, TestOverallIPTablesRules / TestOverallNFTablesRules), whose svc2 has a
// Local traffic policy and no local endpoint (its endpoint has no nodeName).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../test/shared';
import { parseIptablesSave } from '../parse/iptablesSave';
import { parseNft } from '../parse/nft';
import { compareWithEndpoints, traceService } from './proxyTrace';
import { endpointsForServicePort, kubeProxyView } from './endpoints';
import type { EndpointSlice, Service } from './types';

const read = (f: string) => readFileSync(sharedPath(`fixtures/kube-proxy/${f}`), 'utf8');

const svc = (extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}): Service =>
  ({ metadata: { namespace: 'ns', name: 's', annotations }, spec: { clusterIP: '10.96.0.5', ports: [{ name: 'p', port: 80, protocol: 'TCP' }], ...extra } }) as Service;
const slice = (addressType: string, eps: unknown[]): EndpointSlice =>
  ({ metadata: { namespace: 'ns', name: `s-${addressType}`, labels: { 'kubernetes.io/service-name': 's' } }, addressType, ports: [{ name: 'p', port: 8080, protocol: 'TCP' }], endpoints: eps }) as EndpointSlice;
const ep = (ip: string, nodeName: string, cond: Record<string, boolean> = { ready: true, serving: true, terminating: false }, zones?: string[]) => ({ addresses: [ip], nodeName, conditions: cond, ...(zones ? { hints: { forZones: zones.map((name) => ({ name })) } } : {}) });

describe('kubeProxyView: what kube-proxy on this node uses', () => {
  const slices = [slice('IPv4', [ep('10.244.1.5', 'w1', undefined, ['a']), ep('10.244.2.5', 'w2', undefined, ['b'])]), slice('IPv6', [ep('fd00::5', 'w1')])];
  const view = (s: Service, node: string, zone?: string) => kubeProxyView(s, endpointsForServicePort(s, s.spec!.ports![0], slices), { node, vip: '10.96.0.5', ...(zone ? { zone } : {}) });

  it('Cluster policy: every ready endpoint of the VIP\'s family', () => {
    expect(view(svc(), 'w1')).toMatchObject({ expected: ['10.244.1.5:8080', '10.244.2.5:8080'], policy: 'Cluster', noLocal: false });
    expect(view(svc(), 'w1').note).toMatch(/only the IPv4 endpoints/);
  });
  it('internalTrafficPolicy Local: the node\'s own, or none (a deliberate drop)', () => {
    expect(view(svc({ internalTrafficPolicy: 'Local' }), 'w2')).toMatchObject({ expected: ['10.244.2.5:8080'], noLocal: false });
    expect(view(svc({ internalTrafficPolicy: 'Local' }), 'w3')).toMatchObject({ expected: [], noLocal: true });
  });
  it('topology hints: only the zone\'s endpoints, by the hints alone (kube-proxy ≥ 1.31 topologyModeFromHints reads no annotation)', () => {
    expect(view(svc({}, { 'service.kubernetes.io/topology-mode': 'Auto' }), 'w1', 'b').expected).toEqual(['10.244.2.5:8080']);
    // spec.trafficDistribution: PreferClose writes the same hints and no annotation (was: hints ignored, so rules that
    // DNAT only to the zone's endpoints read as stale on a healthy path)
    expect(view(svc({ trafficDistribution: 'PreferClose' }), 'w1', 'b').expected).toEqual(['10.244.2.5:8080']);
    expect(view(svc(), 'w1', 'a').expected).toEqual(['10.244.1.5:8080']);
    expect(view(svc(), 'w1', 'a').note).toMatch(/topology hints: kube-proxy in zone a uses only the endpoints hinted for it/);
  });
  it('topology hints ignored: a zone no endpoint is hinted for, a node without a zone label, an endpoint without hints', () => {
    expect(view(svc(), 'w1', 'c').expected).toHaveLength(2);
    expect(view(svc(), 'w1').expected).toHaveLength(2);
    const partial = [slice('IPv4', [ep('10.244.1.5', 'w1', undefined, ['a']), ep('10.244.2.5', 'w2')])];
    const s = svc();
    expect(kubeProxyView(s, endpointsForServicePort(s, s.spec!.ports![0], partial), { node: 'w1', zone: 'a', vip: '10.96.0.5' }).expected).toHaveLength(2);
  });
  it('node hints (trafficDistribution PreferSameNode): only the node\'s own, before the zone\'s', () => {
    const withNodes = [slice('IPv4', [{ ...ep('10.244.1.5', 'w1', undefined, ['a']), hints: { forZones: [{ name: 'a' }], forNodes: [{ name: 'w1' }] } }, { ...ep('10.244.1.6', 'w2', undefined, ['a']), hints: { forZones: [{ name: 'a' }], forNodes: [{ name: 'w2' }] } }])];
    const s = svc({ trafficDistribution: 'PreferSameNode' });
    const v = (node: string) => kubeProxyView(s, endpointsForServicePort(s, s.spec!.ports![0], withNodes), { node, zone: 'a', vip: '10.96.0.5' });
    expect(v('w2').expected).toEqual(['10.244.1.6:8080']);
    expect(v('w3').expected).toEqual(['10.244.1.5:8080', '10.244.1.6:8080']); // no endpoint for w3: the zone's
  });
  it('external traffic (NodePort / LoadBalancer, externalTrafficPolicy Cluster): the hints, not internalTrafficPolicy', () => {
    const s = svc({ internalTrafficPolicy: 'Local' });
    const v = kubeProxyView(s, endpointsForServicePort(s, s.spec!.ports![0], slices), { node: 'w3', zone: 'b', vip: '10.96.0.5', external: true });
    expect(v).toMatchObject({ expected: ['10.244.2.5:8080'], noLocal: false });
  });
  it('no ready endpoint: the terminating ones that still serve', () => {
    const s = svc();
    const sl = [slice('IPv4', [ep('10.244.1.5', 'w1', { ready: false, serving: true, terminating: true }), ep('10.244.2.5', 'w2', { ready: false, serving: false, terminating: true })])];
    const v = kubeProxyView(s, endpointsForServicePort(s, s.spec!.ports![0], sl), { node: 'w1', vip: '10.96.0.5' });
    expect(v.expected).toEqual(['10.244.1.5:8080']);
    expect(v.note).toMatch(/terminating ones that still serve/);
  });
});

describe('a "has no local endpoints" drop is no-local-endpoint, not stale rules', () => {
  const local = { noLocal: true, note: '', node: 'test-node' };
  it('iptables: upstream\'s DROP for svc2 (Local policy, endpoint on another node)', () => {
    const r = parseIptablesSave(read('iptables-save-overall-rules.txt'));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const t = traceService({ mode: 'iptables', save: r.value }, '192.168.99.22', 80);
    expect(t.comment ?? '').toMatch(/has no local endpoints|external IP/);
    const cmp = compareWithEndpoints(t, [], [], local);
    expect(cmp.status).toBe('no-local');
    expect(cmp.sentence).toMatch(/internalTrafficPolicy Local and no ready endpoint on test-node, so kube-proxy drops TCP 192.168.99.22:80 there on purpose/);
  });
  it('nftables: upstream\'s no-endpoint-services drop element for svc2', () => {
    const r = parseNft(read('nft-overall-rules.txt'));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const t = traceService({ mode: 'nftables', ruleset: r.value }, '1.2.3.4', 80);
    expect(t.reject).toBe(true);
    expect(compareWithEndpoints(t, [], [], local).status).toBe('no-local');
  });
  it('without the Local view the same trace is not silently ok (the comparison needs the policy)', () => {
    const r = parseIptablesSave(read('iptables-save-overall-rules.txt'));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const t = traceService({ mode: 'iptables', save: r.value }, '172.30.0.46', 80); // svc6: no endpoints at all
    expect(compareWithEndpoints(t, []).status).toBe('ok');
    expect(compareWithEndpoints(t, ['10.0.0.9:80']).status).toBe('stale');
  });
});
