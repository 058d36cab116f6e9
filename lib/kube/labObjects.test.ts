// lib/kube read against the lab's own objects (lab/objects.ts buildLab from lab/default.yaml): two
// independent implementations — the lab's controllers and lib/kube's readers — must agree on endpoints,
// and mode/CNI detection must read what the lab publishes for each cluster setting.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLab } from '../../lab/objects';
import { parseLabFile } from '../../lab/spec';
import {
  checkServicePort, endpointsForServicePort, evaluate, guessCni, podIsReady, proxyModeFromConfigMap, resolveClusterName,
  clusterFirstResolver, selectBackends, resolveTargetPort,
  type ConfigMap, type DaemonSet, type EndpointSlice, type Namespace, type NetworkPolicy, type Pod, type Service,
} from './index';

const spec = parseLabFile(readFileSync(new URL('../../lab/default.yaml', import.meta.url), 'utf8'));

function objects(kubeProxy: 'iptables' | 'nftables', networkPolicy: 'enforce' | 'ignore') {
  const lab = buildLab({ ...spec, cluster: { ...spec.cluster, kubeProxy, networkPolicy } }, 'kph5', new Date('2026-11-23T00:00:00Z'));
  const of = <T>(kind: string) => lab.objects.filter((o) => o.kind === kind) as unknown as T[];
  return {
    pods: of<Pod>('Pod'), services: of<Service>('Service'), slices: of<EndpointSlice>('EndpointSlice'),
    policies: of<NetworkPolicy>('NetworkPolicy'), namespaces: of<Namespace>('Namespace'),
    daemonSets: of<DaemonSet>('DaemonSet'), configMaps: of<ConfigMap>('ConfigMap'),
  };
}

describe('lib/kube on the lab objects', () => {
  for (const [kubeProxy, networkPolicy] of [['iptables', 'enforce'], ['nftables', 'ignore']] as const) {
    it(`${kubeProxy} + ${networkPolicy}: kube-proxy mode and CNI read from what the lab publishes`, () => {
      const o = objects(kubeProxy, networkPolicy);
      const cm = o.configMaps.find((c) => c.metadata?.namespace === 'kube-system' && c.metadata?.name === 'kube-proxy');
      expect(proxyModeFromConfigMap(cm).mode).toBe(kubeProxy);
      const cni = guessCni(o.pods.filter((p) => p.metadata?.namespace === 'kube-system'), o.daemonSets);
      expect(cni.enforcesNetworkPolicy).toBe(networkPolicy === 'enforce');
    });
  }

  it('every Service: the EndpointSlices the lab wrote are the ready backends lib/kube selects, on the resolved targetPort', () => {
    const o = objects('iptables', 'enforce');
    let checked = 0;
    for (const svc of o.services) {
      for (const sp of svc.spec?.ports ?? []) {
        const eps = endpointsForServicePort(svc, sp, o.slices);
        if (!svc.spec?.selector) continue; // kube-dns and kubernetes may be managed by hand in the lab
        const want = selectBackends(svc, o.pods).filter(podIsReady).map((p) => `${p.status?.podIP}:${resolveTargetPort(sp, p)}`).sort();
        expect(eps.ready.slice().sort(), `${svc.metadata?.namespace}/${svc.metadata?.name}:${sp.name}`).toEqual(want);
        expect(checkServicePort(svc, sp, o.pods).problem).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('the default lab\'s policy: backend reaches postgres, frontend does not, with the sentence; names resolve from shop', () => {
    const o = objects('iptables', 'enforce');
    const pod = (ns: string, name: string) => o.pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name)!;
    const flow = (from: Pod) => evaluate({ src: { pod: from }, dst: { pod: pod('db', 'postgres-0') }, protocol: 'TCP', port: 5432 }, o.policies, o.pods, o.namespaces);
    expect(flow(pod('shop', 'backend-0')).allowed).toBe(true);
    const denied = flow(pod('shop', 'frontend-0'));
    expect(denied.allowed).toBe(false);
    expect(denied.sentence).toBe('db/postgres-0 is selected by NetworkPolicy db/only-backend; it admits pods app=backend in namespaces tier=app on TCP 5432, not shop/frontend-0 (app=frontend; namespace tier=app).');
    const r = resolveClusterName('postgres.db', clusterFirstResolver('shop'), o.services);
    expect(r.matched?.service).toBe('db/postgres');
    expect(r.queries).toBe(4);
    expect(resolveClusterName('postgres', clusterFirstResolver('shop'), o.services)).toMatchObject({ queries: 8, elsewhere: ['db/postgres'] });
  });
});
