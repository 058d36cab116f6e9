// kube-proxy rules and policy rules together in one node netns, applied in the lab's order (proxy,
// then policy): policy still judges Service traffic after DNAT, even traffic kube-proxy marked for
// masquerade (KUBE-FORWARD accepts marked packets, so PACKETWALK-FORWARD must come first), and a pod
// reaches itself through its own VIP only thanks to the KUBE-SEP hairpin masquerade.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { renderIptablesRestore, renderPolicyRestore } from './index';
import { hasRoot, makeScratch, type Scratch } from './scratch';

const pod = (name: string, ip: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name, labels },
  spec: { nodeName: 'n', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] }, status: { podIP: ip, phase: 'Running' },
});

describe.skipIf(!hasRoot())('kube-proxy + NetworkPolicy rules in one real netns', () => {
  let s: Scratch;
  beforeAll(() => { s = makeScratch('mix', 3); });
  afterAll(() => s?.teardown());

  it('hairpin through the VIP works; an ingress policy then blocks VIP traffic from others, marked or not', () => {
    const [client, server, other] = s.pods;
    const proxy = {
      services: [{ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: 'backend' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }],
      endpointSlices: [{
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'shop', name: 'backend-1', labels: { 'kubernetes.io/service-name': 'backend' } },
        addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: [server.ip], conditions: { ready: true } }],
      }],
      // client (10.0.1.2) lies outside this "cluster CIDR", so kube-proxy marks its VIP traffic for masquerade
      nodeName: 'n', nodeIP: '10.0.1.1', clusterCIDR: '10.0.2.0/23',
    };
    s.restore(renderIptablesRestore(proxy));
    s.listen(server, 8080, 'backend-ok');
    expect(s.connect(server, '10.96.0.50', 80)).toMatchObject({ ok: true, out: 'backend-ok' }); // hairpin
    expect(s.connect(client, '10.96.0.50', 80)).toMatchObject({ ok: true, out: 'backend-ok' });

    const pods = [pod('client', client.ip, { app: 'client' }), pod('backend', server.ip, { app: 'backend' }), pod('other', other.ip, { app: 'other' })];
    const allowOnlyOther: KubeObject = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'shop', name: 'backend-from-other' },
      spec: { podSelector: { matchLabels: { app: 'backend' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'other' } } }], ports: [{ port: 'http' }] }] },
    };
    s.restore(renderPolicyRestore({ policies: [allowOnlyOther], pods, namespaces: [], nodeName: 'n', denyAction: 'REJECT' }));
    expect(s.save().split('\n').filter((l) => l.startsWith('-A FORWARD'))[0]).toContain('-j PACKETWALK-FORWARD');
    const denied = s.connect(client, '10.96.0.50', 80);
    expect(denied.ok).toBe(false);
    expect(denied.out).toMatch(/refused/i);
    expect(s.connect(other, '10.96.0.50', 80)).toMatchObject({ ok: true, out: 'backend-ok' });
    expect(s.connect(other, server.ip, 8080)).toMatchObject({ ok: true, out: 'backend-ok' });
  });
});
