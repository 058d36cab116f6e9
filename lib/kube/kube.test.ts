import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  candidateNames, checkServicePort, clusterFirstResolver, describeSelector, detectProxyMode, endpointConditions,
  endpointsForServicePort, groupSlicesByService, guessCni, parseIptablesSave, parseIpvsadm, parseNft, parseServiceFqdn,
  proxyModeFromConfigMap, queryCount, resolveClusterName, resolveTargetPort, selectorError, selectorMatches,
  serviceSelectorMatches, type EndpointSlice, type Pod, type Service,
} from './index';

const API = sharedPath('fixtures/api');
const json = <T>(f: string): T => JSON.parse(readFileSync(`${API}/${f}`, 'utf8')) as T;

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it('matchLabels AND matchExpressions with all four operators', () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true); // absent key passes NotIn
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels)).toBe(false);
  });
  it('an invalid operator selects nothing and says why', () => {
    const bad = { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] };
    expect(selectorMatches(bad, { a: 'x' })).toBe(false);
    expect(selectorError(bad)).toBe('matchExpressions[0].operator is "Equals"; use one of In, NotIn, Exists, DoesNotExist');
    expect(selectorError({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toContain('needs at least one value');
  });
  it('a Service with a null, absent or empty selector selects no pod', () => {
    expect(serviceSelectorMatches(null, labels)).toBe(false);
    expect(serviceSelectorMatches(undefined, labels)).toBe(false);
    expect(serviceSelectorMatches({}, labels)).toBe(false);
    expect(serviceSelectorMatches({ app: 'web' }, labels)).toBe(true);
  });
  it('prints like kubectl', () => {
    expect(describeSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 't', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] })).toBe('app=web,t in (a,b),!x');
    expect(describeSelector({ app: 'web' })).toBe('app=web');
    expect(describeSelector({})).toBe('');
  });
});

describe('EndpointSlice readiness (real API objects)', () => {
  const list = json<{ items: EndpointSlice[] }>('endpointslicelist-raw-apiserver.json').items;
  const kubeDns = json<{ items: Service[] }>('servicelist-raw-apiserver.json').items[0];
  it('kube-dns: ports by name and protocol; a Service port missing from the slice has no endpoints', () => {
    const ports = kubeDns.spec!.ports!;
    const by = (name: string) => endpointsForServicePort(kubeDns, ports.find((p) => p.name === name)!, list);
    expect(by('dns').ready).toEqual(['10.244.0.3:53']);
    expect(by('dns').protocol).toBe('UDP');
    expect(by('metrics').ready).toEqual(['10.244.0.3:9153']);
    expect(by('metrics').endpoints[0].pod).toBe('kube-system/coredns-66bff467f8-z8czk');
    expect(by('dns-tcp').endpoints).toEqual([]);
  });
  it('a terminating endpoint is not ready; nil conditions count as ready', () => {
    const k8s: Service = { metadata: { namespace: 'default', name: 'kubernetes' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] } };
    const eps = endpointsForServicePort(k8s, k8s.spec!.ports![0], list);
    expect(eps.ready).toEqual([]);
    expect(eps.notReady).toEqual(['172.18.0.2:6443']);
    expect(eps.servingTerminating).toEqual([]); // terminating and not serving: no fallback either
    expect(eps.endpoints[0]).toMatchObject({ ready: false, serving: false, terminating: true });
    expect(endpointConditions({ addresses: ['1.1.1.1'] })).toEqual({ ready: true, serving: true, terminating: false });
    expect(endpointConditions({ addresses: ['1.1.1.1'], conditions: { ready: false } })).toEqual({ ready: false, serving: false, terminating: false });
  });
  it('groups slices by service label; a slice without it (k9s-trimmed) belongs to no Service', () => {
    const trimmed = json<EndpointSlice>('endpointslice-trimmed.json');
    const g = groupSlicesByService([...list, trimmed]);
    expect([...g.keys()].sort()).toEqual(['default/kubernetes', 'kube-system/kube-dns']);
  });
});

describe('Service port → targetPort', () => {
  const pod = (name: string, ports: { name?: string; containerPort: number; protocol?: string }[], ready = true, labels = { app: 'api' }): Pod => ({
    metadata: { namespace: 'shop', name, labels },
    spec: { containers: [{ name: 'c', ports }] },
    status: { podIP: `10.244.1.${name.length}`, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const svc = (targetPort?: number | string, selector: Record<string, string> | null = { app: 'api' }): Service => ({
    metadata: { namespace: 'shop', name: 'api' },
    spec: { selector, ports: [{ name: 'http', port: 80, protocol: 'TCP', ...(targetPort !== undefined ? { targetPort } : {}) }] },
  });
  const a = pod('api-a', [{ name: 'http', containerPort: 8080 }]);
  const b = pod('api-bb', [{ name: 'http', containerPort: 9090 }]);
  it('a named targetPort resolves per pod (pods may differ); default targetPort = port', () => {
    const s = svc('http');
    expect(resolveTargetPort(s.spec!.ports![0], a)).toBe(8080);
    expect(resolveTargetPort(s.spec!.ports![0], b)).toBe(9090);
    expect(resolveTargetPort(svc().spec!.ports![0], a)).toBe(80);
    const c = checkServicePort(s, s.spec!.ports![0], [a, b]);
    expect(c.problem).toBeNull();
    expect(c.backends.map((x) => x.targetPort)).toEqual([8080, 9090]);
  });
  it('port-mismatch for a named or numeric targetPort that no backend declares', () => {
    const named = checkServicePort(svc('web'), svc('web').spec!.ports![0], [a, b]);
    expect(named.problem).toEqual({ cause: 'port-mismatch', kind: 'named-port-unknown', sentence: 'Service shop/api port TCP 80 (http) targets the port named "web", which none of its backends (shop/api-a, shop/api-bb) declares for TCP.' });
    const num = checkServicePort(svc(8081), svc(8081).spec!.ports![0], [a]);
    expect(num.problem?.cause).toBe('port-mismatch');
    expect(num.problem?.sentence).toBe('Service shop/api port TCP 80 (http) targets TCP 8081, which none of its backends (shop/api-a) declares; they declare TCP 8080 (http).');
  });
  it('no-endpoints: selector matches nothing vs selected but none Ready vs no selector', () => {
    const none = checkServicePort(svc('http', { app: 'apii' }), svc().spec!.ports![0], [a]);
    expect(none.problem).toMatchObject({ cause: 'no-endpoints', kind: 'no-pods-selected', sentence: 'Service shop/api selects app=apii, which matches no pod in namespace shop.' });
    const notReady = checkServicePort(svc('http'), svc('http').spec!.ports![0], [pod('api-a', [{ name: 'http', containerPort: 8080 }], false)]);
    expect(notReady.problem).toMatchObject({ cause: 'no-endpoints', kind: 'none-ready', sentence: 'Service shop/api selects 1 pod (shop/api-a) but none is Ready.' });
    expect(checkServicePort(svc('http', null), svc().spec!.ports![0], [a]).problem?.kind).toBe('no-selector');
    // a selector-less Service (the `kubernetes` Service) whose slices list a ready endpoint is no fault of the objects
    const byHand = { endpoints: [{ ip: '172.18.0.1', ready: true, serving: true, terminating: false }] };
    expect(checkServicePort(svc('http', null), svc().spec!.ports![0], [a], byHand).problem).toBeNull();
    expect(checkServicePort(svc('http', null), svc().spec!.ports![0], [a], { endpoints: [{ ...byHand.endpoints[0], ready: false, serving: false }] }).problem?.kind).toBe('no-selector');
  });
  it('readiness comes from the EndpointSlice conditions (as kube-proxy reads them), not from the pods', () => {
    // publishNotReadyAddresses: the endpoints controller lists a NotReady pod with ready: true.
    const slice = (conditions: { ready?: boolean; serving?: boolean; terminating?: boolean }): EndpointSlice => ({
      metadata: { namespace: 'shop', name: 'api-x1', labels: { 'kubernetes.io/service-name': 'api' } },
      addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.1.5'], conditions }],
    });
    const s = svc('http');
    const sp = s.spec!.ports![0];
    const notReadyPod = pod('api-a', [{ name: 'http', containerPort: 8080 }], false);
    const pub = checkServicePort(s, sp, [notReadyPod], endpointsForServicePort(s, sp, [slice({ ready: true })]));
    expect(pub.problem).toBeNull();
    expect(pub.backends[0].ready).toBe(true);
    // terminating but still serving carries traffic when nothing is ready (kube-proxy's fallback)
    expect(checkServicePort(s, sp, [notReadyPod], endpointsForServicePort(s, sp, [slice({ ready: false, serving: true, terminating: true })])).problem).toBeNull();
    // a Ready pod the slice lists as not ready is not an endpoint
    const gone = checkServicePort(s, sp, [a], endpointsForServicePort(s, sp, [slice({ ready: false, serving: false, terminating: true })]));
    expect(gone.problem).toMatchObject({ kind: 'none-ready', sentence: 'Service shop/api selects 1 pod (shop/api-a) but none is Ready in its EndpointSlices.' });
    // no slice at all: the pod's Ready condition stands in
    expect(checkServicePort(s, sp, [notReadyPod], endpointsForServicePort(s, sp, [])).problem?.kind).toBe('none-ready');
  });
});

describe('DNS search expansion', () => {
  // the resolv.conf kubelet writes (captured from a pod netns in lib/parse/fixtures/resolv-conf)
  const conf = clusterFirstResolver('shop');
  it('fewer dots than ndots: search list first, then as-is; a trailing dot is absolute', () => {
    expect(candidateNames('backend', conf.search, 5)).toEqual(['backend.shop.svc.cluster.local', 'backend.svc.cluster.local', 'backend.cluster.local', 'backend']);
    expect(candidateNames('backend.shop.svc.cluster.local.', conf.search, 5)).toEqual(['backend.shop.svc.cluster.local']);
    expect(candidateNames('a.b.c.d.e.f', conf.search, 5)[0]).toBe('a.b.c.d.e.f');
    expect(candidateNames('example.com', conf.search, 1)).toEqual(['example.com', 'example.com.shop.svc.cluster.local', 'example.com.svc.cluster.local', 'example.com.cluster.local']);
  });
  const services: Service[] = [
    { metadata: { namespace: 'shop', name: 'backend' }, spec: { clusterIP: '10.96.0.50' } },
    { metadata: { namespace: 'web', name: 'ui' }, spec: { clusterIP: '10.96.0.60' } },
  ];
  it('every cluster form names the Service; the query count is A+AAAA per candidate up to the answer', () => {
    for (const [name, index] of [['backend', 0], ['backend.shop', 1], ['backend.shop.svc', 2], ['backend.shop.svc.cluster.local', 3], ['backend.shop.svc.cluster.local.', 0]] as const) {
      const r = resolveClusterName(name, conf, services);
      expect(r.matched, name).toMatchObject({ service: 'shop/backend', clusterIP: '10.96.0.50', index, fqdn: 'backend.shop.svc.cluster.local' });
      expect(r.queries).toBe(2 * (index + 1));
    }
    expect(queryCount(['a', 'b', 'c'], null)).toBe(6);
  });
  it('a short name from another namespace matches nothing and points at where it lives', () => {
    const r = resolveClusterName('ui', conf, services);
    expect(r.matched).toBeUndefined();
    expect(r.queries).toBe(8);
    expect(r.elsewhere).toEqual(['web/ui']);
    expect(parseServiceFqdn('ui.web.svc.cluster.local.')).toEqual({ service: 'ui', namespace: 'web' });
    expect(parseServiceFqdn('ui.svc.cluster.local')).toBeNull();
  });
});

describe('kube-proxy mode and CNI', () => {
  const cm = (conf: string) => ({ metadata: { namespace: 'kube-system', name: 'kube-proxy' }, data: { 'config.conf': conf } });
  const kubeadm = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nipvs:\n  scheduler: ""\n  strictARP: false\nkind: KubeProxyConfiguration\nmode: ""\nnftables:\n  syncPeriod: 30s\n';
  it('reads config.conf mode; "" means iptables; nested keys are not the mode', () => {
    expect(proxyModeFromConfigMap(cm(kubeadm)).mode).toBe('iptables');
    expect(proxyModeFromConfigMap(cm('kind: KubeProxyConfiguration\nmode: "ipvs"\n')).mode).toBe('ipvs');
    expect(proxyModeFromConfigMap(cm('{"kind":"KubeProxyConfiguration","mode":"nftables"}')).mode).toBe('nftables');
    expect(proxyModeFromConfigMap(undefined).mode).toBeNull();
    expect(proxyModeFromConfigMap({ data: { 'config.yaml': 'mode: ipvs' } }).mode).toBe('ipvs');
  });
  const ipt = parseIptablesSave(readFileSync(sharedPath('fixtures/kube-proxy/iptables-save-overall-rules.normalized-by-iptables-1.8.9.txt'), 'utf8'));
  const emptyIpt = parseIptablesSave(readFileSync(new URL('../parse/fixtures/iptables-save/empty-netns.txt', import.meta.url), 'utf8'));
  const nft = parseNft(readFileSync(new URL('../parse/fixtures/nft/kube-proxy-overall-ruleset.json.txt', import.meta.url), 'utf8'));
  const emptyNft = parseNft(readFileSync(new URL('../parse/fixtures/nft/empty-ruleset.json.txt', import.meta.url), 'utf8'));
  const ipvs = parseIpvsadm(readFileSync(sharedPath('fixtures/kube-proxy/ipvsadm-Ln-kube-proxy-ipvs-readme.txt'), 'utf8'));
  if (!ipt.ok || !emptyIpt.ok || !nft.ok || !emptyNft.ok || !ipvs.ok) throw new Error('fixture did not parse');
  it('confirms the mode from the node dumps; none found is a warning naming the replacement tool', () => {
    expect(detectProxyMode(cm(kubeadm), { iptablesSave: ipt.value, nft: emptyNft.value }).mode).toBe('iptables');
    const nftMode = detectProxyMode(cm('mode: nftables'), { iptablesSave: emptyIpt.value, nft: nft.value });
    expect(nftMode).toMatchObject({ mode: 'nftables', confirmed: true });
    expect(detectProxyMode(cm('mode: ipvs'), { iptablesSave: ipt.value, ipvs: ipvs.value }).mode).toBe('ipvs');
    const disagree = detectProxyMode(cm('mode: ipvs'), { iptablesSave: ipt.value });
    expect(disagree).toMatchObject({ mode: 'iptables', confirmed: false });
    const none = detectProxyMode(undefined, { iptablesSave: emptyIpt.value, nft: emptyNft.value });
    expect(none).toMatchObject({ mode: 'none', warning: 'proxy-mode-unknown' });
    expect(none.sentence).toContain('cilium bpf lb list');
    expect(detectProxyMode(cm(kubeadm), {})).toMatchObject({ mode: 'iptables', confirmed: false });
  });
  it('guesses the CNI from kube-system names; flannel alone does not enforce NetworkPolicy', () => {
    const p = (name: string, namespace = 'kube-system'): Pod => ({ metadata: { name, namespace } });
    expect(guessCni([p('kube-flannel-ds-7x2kq'), p('kube-proxy-abcde'), p('coredns-66bff467f8-z8czk')])).toMatchObject({ cni: 'flannel', enforcesNetworkPolicy: false });
    expect(guessCni([p('kube-flannel-ds-7x2kq', 'kube-flannel'), p('kube-network-policies-9k2f1')])).toMatchObject({ found: ['kube-network-policies', 'flannel'], cni: 'flannel', enforcesNetworkPolicy: true });
    expect(guessCni([p('cilium-operator-5d8c'), p('cilium-x8d2k')])).toMatchObject({ cni: 'cilium', enforcesNetworkPolicy: true });
    expect(guessCni([p('canal-xyz12')], [{ metadata: { name: 'canal', namespace: 'kube-system' } }])).toMatchObject({ found: ['canal'], enforcesNetworkPolicy: true });
    expect(guessCni([p('kindnet-abcde')]).enforcesNetworkPolicy).toBeNull();
    expect(guessCni([p('coredns-1')])).toMatchObject({ cni: null, enforcesNetworkPolicy: null });
  });
});
