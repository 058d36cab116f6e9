// lib/kube's object types are structural subsets of what @kubernetes/client-node returns, so the server can
// pass its V1* objects straight in. This file does not compile if that stops being true.
import type { V1ConfigMap, V1EndpointSlice, V1Namespace, V1NetworkPolicy, V1Pod, V1Service } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { checkServicePort, endpointsForServicePort, evaluate, proxyModeFromConfigMap } from './index';

it('accepts @kubernetes/client-node V1 objects', () => {
  const pod: V1Pod = {
    metadata: { namespace: 'shop', name: 'api-0', labels: { app: 'api' } },
    spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: { podIP: '10.244.1.5', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const svc: V1Service = { metadata: { namespace: 'shop', name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
  const slice: V1EndpointSlice = {
    addressType: 'IPv4', metadata: { namespace: 'shop', name: 'api-x', labels: { 'kubernetes.io/service-name': 'api' } },
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
  const ns: V1Namespace = { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } };
  const np: V1NetworkPolicy = { metadata: { namespace: 'shop', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  const cm: V1ConfigMap = { metadata: { namespace: 'kube-system', name: 'kube-proxy' }, data: { 'config.conf': 'mode: nftables\n' } };
  expect(checkServicePort(svc, svc.spec!.ports![0], [pod]).backends[0].targetPort).toBe(8080);
  expect(endpointsForServicePort(svc, svc.spec!.ports![0], [slice]).ready).toEqual(['10.244.1.5:8080']);
  expect(evaluate({ src: { ip: '10.0.0.1' }, dst: { pod }, protocol: 'TCP', port: 8080 }, [np], [pod], [ns]).allowed).toBe(false);
  expect(proxyModeFromConfigMap(cm).mode).toBe('nftables');
});
