// Pure pieces of the lab API's manners: Go's ParseBool, paging tokens, the lab file's cluster.api, and Pod
// Security admission worded as the API server words it (the expected strings follow real admission errors
// quoted in public issues, e.g. metal-stack/gardener-extension-provider-metal#327).
import { describe, expect, it } from 'vitest';
import { decodeContinue, encodeContinue, parseBool, parseLimit, parseManners } from './manners';
import { admitPodSecurity, violations } from './podSecurity';
import { bulkObjects } from './bulk';
import type { KubeObject, LabState } from '../types';

const q = (s: string) => new URLSearchParams(s);

describe('query parameters as the API server parses them', () => {
  it.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('%s is true', (v) => expect(parseBool(q(`watch=${v}`), 'watch')).toBe(true));
  it.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('%s is false', (v) => expect(parseBool(q(`watch=${v}`), 'watch')).toBe(false));
  it('absent is undefined; anything else is strconv.ParseBool\'s error', () => {
    expect(parseBool(q(''), 'watch')).toBeUndefined();
    expect(() => parseBool(q('watch=yes'), 'watch')).toThrow('strconv.ParseBool: parsing "yes": invalid syntax');
  });
  it('limit and continue', () => {
    expect(parseLimit(q('limit=0'))).toBeUndefined();
    expect(parseLimit(q('limit=5'))).toBe(5);
    expect(() => parseLimit(q('limit=x'))).toThrow(/limit/);
    expect(decodeContinue(encodeContinue(42, 'shop/a'))).toEqual({ rv: 42, start: 'shop/a' });
    expect(() => decodeContinue('garbage')).toThrow(/continue/);
  });
});

describe('cluster.api in the lab file', () => {
  const at = (field: string, problem: string, fix: string) => new Error(`${field}: ${problem}; ${fix}`);
  it('reads every setting and names the field of a bad one', () => {
    expect(parseManners({ api: { startDelayMs: 500, latencyMs: 20, nsViewer: 'shop' }, dnsDomain: 'corp.local', dnsService: 'kube-system/coredns' }, at)).toEqual({ api: { startDelayMs: 500, latencyMs: 20, nsViewer: 'shop' }, dnsDomain: 'corp.local', dnsService: 'kube-system/coredns' });
    expect(() => parseManners({ api: { latencyMs: -1 } }, at)).toThrow(/cluster\.api\.latencyMs/);
    expect(() => parseManners({ api: { speed: 1 } }, at)).toThrow(/cluster\.api\.speed: unknown setting/);
    expect(() => parseManners({ dnsService: 'coredns' }, at)).toThrow(/cluster\.dnsService.*NAMESPACE\/NAME/);
  });
});

describe('Pod Security admission', () => {
  const ns = (level: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { 'pod-security.kubernetes.io/enforce': level } } });
  const kubectlDebugLegacy = { name: 'debugger', image: 'busybox' };
  it('restricted: the four checks of an unhardened container, in upstream order', () => {
    expect(() => admitPodSecurity(ns('restricted'), 'web', {}, [kubectlDebugLegacy])).toThrow(
      'pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "debugger" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "debugger" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "debugger" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "debugger" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });
  it('restricted: NET_RAW added is refused, a hardened container passes', () => {
    const hardened = { name: 'd', securityContext: { runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } };
    expect(violations('restricted', {}, [hardened])).toEqual([]);
    const withRaw = { ...hardened, securityContext: { ...hardened.securityContext, capabilities: { drop: ['ALL'], add: ['NET_RAW'] } } };
    expect(violations('restricted', {}, [withRaw])).toEqual(['unrestricted capabilities (container "d" must not include "NET_RAW" in securityContext.capabilities.add)']);
  });
  it('baseline: NET_RAW is allowed, host namespaces and privileged are not', () => {
    expect(violations('baseline', {}, [{ name: 'd', securityContext: { capabilities: { add: ['NET_RAW'] } } }])).toEqual([]);
    expect(violations('baseline', { hostNetwork: true, hostPID: true }, [{ name: 'debugger', securityContext: { privileged: true } }])).toEqual(['host namespaces (hostNetwork=true, hostPID=true)', 'privileged (container "debugger" must not set securityContext.privileged=true)']);
    expect(violations('privileged', { hostNetwork: true }, [{ name: 'd', securityContext: { privileged: true } }])).toEqual([]);
  });
});

describe('bulk objects', () => {
  it('N Services with E ready endpoints each, pods the selectors select, ClusterIPs not taken by the lab', () => {
    const state = { cluster: { nodes: ['w1'], serviceCIDR: '10.96.0.0/16', podCIDR: '10.244.0.0/16', api: { bulk: { services: 1500, endpointsPerService: 3, pods: 1500 } } }, nodes: [{ name: 'w1', internalIP: '172.18.0.2' }], objects: [{ kind: 'Service', metadata: { name: 'a', namespace: 'x' }, spec: { clusterIP: '10.96.128.0' } }], createdAt: '2026-01-01T00:00:00Z', resourceVersion: 5 } as unknown as LabState;
    const objs = bulkObjects(state);
    const svcs = objs.filter((o) => o.kind === 'Service');
    expect(svcs).toHaveLength(1500);
    expect(new Set(svcs.map((s) => (s.spec as { clusterIP: string }).clusterIP)).size).toBe(1500);
    expect(svcs.some((s) => (s.spec as { clusterIP: string }).clusterIP === '10.96.128.0')).toBe(false);
    const slice = objs.find((o) => o.kind === 'EndpointSlice' && o.metadata.namespace === 'bulk-1' && o.metadata.labels?.['kubernetes.io/service-name'] === 'bulk-svc-499')! as unknown as { endpoints: { addresses: string[]; targetRef: { name: string } }[] };
    expect(slice.endpoints).toHaveLength(3);
    const svc = svcs.find((s) => s.metadata.namespace === 'bulk-1' && s.metadata.name === 'bulk-svc-499')!;
    const sel = Object.keys((svc.spec as { selector: Record<string, string> }).selector)[0];
    const selected = objs.filter((o) => o.kind === 'Pod' && o.metadata.namespace === 'bulk-1' && sel in (o.metadata.labels ?? {})).map((p) => p.metadata.name).sort();
    expect(selected).toEqual(slice.endpoints.map((e) => e.targetRef.name).sort());
  });
});
