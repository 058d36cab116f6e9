// Small Service / EndpointSlice builders shared by the kube-proxy rule tests (iptables and nftables modes).
import type { KubeObject } from '../types';

export const svc = (ns: string, name: string, ip: string, ports: object[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports } });

export const withAffinity = (o: KubeObject): KubeObject => ({ ...o, spec: { ...(o.spec as object), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } } });

/** An EndpointSlice for a Service; an endpoint without `ready` gets empty conditions (nil ready counts as ready). */
export const slice = (ns: string, svcName: string, eps: { ip: string; ready?: boolean }[], ports: object[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: ns, name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4', ports, endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: e.ready === undefined ? {} : { ready: e.ready } })),
});
