// A pod dialling itself (PathPlan.loopback): its own address or 127.0.0.0/8 is delivered on lo inside its own network
// namespace, so the path is src-pod → dst-pod with no veth, node, overlay, egress or outside server, and no node
// probe (no node debug pod). Before session 16, 127.0.0.1 was planned as a host outside the cluster (egress, SNAT,
// "on 127.0.0.1 itself (outside the cluster) run ss") and the pod's own IP through its veth and node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPath } from '.';
import { parseTarget } from '../target';
import type { RecordedDiagnosis } from '../verdict/replay';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'verdict', 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;
const src = { namespace: 'shop', name: 'frontend-0' };
const ownIP = fx.snapshot.pods.find((p) => p.metadata?.name === 'frontend-0')!.status!.podIP!;
const plan = (to: string) => {
  const t = parseTarget(to);
  if (!t.ok) throw new Error(t.error.message);
  return planPath(src, t.value, fx.snapshot);
};

describe('a pod dialling itself', () => {
  it.each(['127.0.0.1:8080', '127.1.2.3:15000', 'pod:shop/frontend-0:8080', `${ownIP}:8080`])('%s: src-pod → dst-pod on lo, probed only in the pod', (to) => {
    const p = plan(to);
    expect(p.loopback).toBe(true);
    expect(p.hops.map((h) => h.id)).toEqual(['src-pod', 'dst-pod']);
    expect(p.dst?.name).toBe('frontend-0');
    expect(p.probes.filter((x) => x.where !== 'pod')).toEqual([]);
    expect(p.probes.map((x) => x.probe).sort()).toEqual(['addr', 'route-get', 'ss-listen', 'tcp-connect']);
    expect(p.edge?.external).toBeUndefined();
  });

  it('another pod, or a host outside the cluster, is not loopback', () => {
    expect(plan('pod:shop/backend-0:8080').loopback).toBeUndefined();
    expect(plan('203.0.113.9:443').loopback).toBeUndefined();
    expect(plan('203.0.113.9:443').hops.map((h) => h.id)).toContain('external');
  });
});

describe('the pod behind an endpoint address no targetRef names (default/kubernetes)', () => {
  const hostPod = (name: string, extra: Record<string, unknown> = {}, ports: { containerPort: number }[] = []) => ({ metadata: { namespace: 'kube-system', name, ...extra }, spec: { nodeName: 'worker-1', hostNetwork: true, containers: [{ name: 'c', ports }] }, status: { podIP: '172.18.0.2' } });
  it('a pod of the pod network first; then the hostNetwork pod declaring the port; then one that is not a static pod\'s mirror', async () => {
    const { podAtAddress } = await import('.');
    const mirror = hostPod('kube-apiserver-worker-1', { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    const proxy = hostPod('kube-proxy-abcde');
    const declaring = hostPod('agent-xyz', {}, [{ containerPort: 6443 }]);
    const pods = (...ps: unknown[]) => ({ pods: ps as never });
    expect(podAtAddress(pods(mirror, proxy), '172.18.0.2', 6443)?.metadata?.name).toBe('kube-proxy-abcde');
    expect(podAtAddress(pods(mirror, proxy, declaring), '172.18.0.2', 6443)?.metadata?.name).toBe('agent-xyz');
    expect(podAtAddress(pods(mirror), '172.18.0.2', 6443)?.metadata?.name).toBe('kube-apiserver-worker-1');
    expect(podAtAddress(pods(mirror), '172.18.0.3', 6443)).toBeUndefined();
  });
});
