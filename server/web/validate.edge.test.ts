// POST /api/diagnoses input: node and outside sources, node targets (DESIGN §3.2); errors name the field.
import { describe, expect, it } from 'vitest';
import { checkSpec } from './validate';
import { edgeSuggestions, nodeChoices } from './catalog';

describe('checkSpec: sources and targets beyond pods', () => {
  it('accepts node/NAME and outside as sources, node/NAME:PORT and LoadBalancer IPs as targets', () => {
    expect(checkSpec({ from: 'outside', to: '198.51.100.130:80' })).toMatchObject({ ok: true, from: 'outside' });
    expect(checkSpec({ from: 'node/node-a', to: 'node/node-b:31080' })).toMatchObject({ ok: true, from: 'node/node-a', to: 'node/node-b:31080' });
  });
  it('refuses malformed ones with the field and the accepted forms', () => {
    expect(checkSpec({ from: 'node/', to: 'x:80' })).toMatchObject({ ok: false, e: { field: 'from', error: expect.stringContaining('node/NAME or outside') } });
    expect(checkSpec({ from: 'outside', to: 'node/node-b' })).toMatchObject({ ok: false, e: { field: 'to', error: expect.stringContaining('node/NAME:PORT') } });
    expect(checkSpec({ from: 'outsider', to: 'x:80' })).toMatchObject({ ok: false, e: { field: 'from' } });
  });
});

describe('edge target suggestions', () => {
  // Shapes as the lab API (and kube-apiserver) return them: kubectl get svc,nodes -o json on the edge-ours lab.
  const nodes = [
    { metadata: { name: 'node-b' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'node-b' }] } },
    { metadata: { name: 'node-a' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } },
  ];
  const services = [
    { metadata: { name: 'site', namespace: 'web' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 31080, protocol: 'TCP' }] } },
    { metadata: { name: 'site-lb-local', namespace: 'web' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIP: '198.51.100.131', ports: [{ port: 80, nodePort: 31736 }] }, status: { loadBalancer: { ingress: [{ ip: '198.51.100.131', ipMode: 'VIP' }] } } },
    { metadata: { name: 'backend', namespace: 'shop' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } },
  ];
  it('lists nodes sorted with their InternalIP', () => {
    expect(nodeChoices(nodes)).toEqual([{ name: 'node-a', ip: '172.18.0.2' }, { name: 'node-b', ip: '172.18.0.3' }]);
  });
  it('offers each NodePort on every node and each LoadBalancer ingress, not ClusterIP Services', () => {
    const s = edgeSuggestions(services, nodes);
    expect(s.map((x) => x.value)).toEqual(['node/node-a:31080', 'node/node-b:31080', '198.51.100.131:80', 'node/node-a:31736', 'node/node-b:31736']);
    expect(s.find((x) => x.value === '198.51.100.131:80')).toMatchObject({ kind: 'loadbalancer', hint: 'LoadBalancer web/site-lb-local, externalTrafficPolicy Local' });
  });
});
