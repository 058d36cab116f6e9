// The catalogue's applicability checks, pure (no netns): a fault whose target exists but where it would change
// nothing (a Service kube-proxy writes no rules for, a node without the pods the fault breaks, a hostNetwork pod,
// a port nothing listens on) is refused with the reason; the faults the lab tests inject stay accepted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFaultTargets, FaultRefused, faultWouldDoNothing, parseFaultSpec, type FaultWorld } from './faults';
import { buildLab } from './objects';
import { faultTargets, parseLabFile } from './spec';

const world = (yaml: string): FaultWorld => {
  const spec = parseLabFile(yaml);
  return { cluster: spec.cluster, ...buildLab(spec, 'ut'), ...(spec.outside ? { outside: spec.outside } : {}) };
};
const file = (name: string) => readFileSync(new URL(`../test/contract/${name}.yaml`, import.meta.url), 'utf8');
const DEFAULT = readFileSync(new URL('./default.yaml', import.meta.url), 'utf8');
const why = (w: FaultWorld, spec: string) => faultWouldDoNothing(parseFaultSpec(spec), w);

// default.yaml plus a node that runs only hostNetwork pods and a pod alone on a node
const lab = (nodes: string) => DEFAULT.replace('nodes: [worker-1, worker-2]', `nodes: [${nodes}]`) + `
---
apiVersion: v1
kind: Pod
metadata: {name: agent-0, namespace: shop, labels: {app: agent}}
spec: {nodeName: worker-3, hostNetwork: true, containers: [{name: a, image: agent:1, ports: [{containerPort: 9100}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lone-0, namespace: shop, labels: {app: lone}}
spec: {nodeName: worker-4, containers: [{name: l, image: lone:1, ports: [{containerPort: 7000}]}]}
`;

describe('faults that would do nothing', () => {
  const edge = world(file('edge-ours'));
  const w = world(lab('worker-1, worker-2, worker-3, worker-4'));

  it('Service faults: headless and ExternalName Services have no kube-proxy rules; stale rules need an endpoint', () => {
    expect(why(edge, 'stale-proxy-rules:service=data/search')).toBe('fault stale-proxy-rules: Service data/search is headless (clusterIP: None): kube-proxy writes no rules for it (clients dial the pods\' own IPs); fix: pick a Service with a ClusterIP');
    expect(why(edge, 'proxy-rules-missing:service=data/search')).toMatch(/^fault proxy-rules-missing: Service data\/search is headless \(clusterIP: None\): kube-proxy writes no rules for it/);
    expect(why(edge, 'stale-proxy-rules:service=web/partner')).toMatch(/^fault stale-proxy-rules: Service web\/partner is an ExternalName \(api\.partner\.example\): a DNS CNAME with no cluster IP, and kube-proxy writes no rules for it; fix: pick a Service with a ClusterIP$/);
    expect(why(edge, 'proxy-rules-missing:service=web/partner')).toMatch(/ExternalName/);
    expect(why(edge, 'stale-proxy-rules:service=web/site')).toBeNull();
    expect(why(edge, 'proxy-rules-missing:service=kube-system/kube-dns')).toBeNull();
    // locked-0 has no ports: a selector-less Service with no EndpointSlice has no endpoints to go stale
    const empty = world(file('edge-ours') + '\n---\napiVersion: v1\nkind: Service\nmetadata: {name: empty, namespace: web}\nspec: {ports: [{port: 80}]}\n');
    expect(why(empty, 'stale-proxy-rules:service=web/empty')).toMatch(/has no ready endpoints: kube-proxy already rejects it/);
    expect(why(empty, 'proxy-rules-missing:service=web/empty')).toBeNull(); // its REJECT rules go: refused becomes a timeout
  });

  it('node faults: a node without pods of its own network has no pod CIDR traffic, bridge ports or pod SNAT', () => {
    expect(why(w, 'node-route-missing:node=worker-1,to=worker-3')).toMatch(/^fault node-route-missing: node worker-3 runs no pod with its own network \(only hostNetwork pods.*\): nothing is routed to worker-3's pod CIDR; fix: to= a node that runs pods: worker-2, worker-4$/);
    expect(why(w, 'node-route-missing:node=worker-3,to=worker-2')).toBeNull(); // worker-3 forwards NodePort traffic there
    expect(why(w, 'stale-neighbor:node=worker-1,peer=worker-3')).toMatch(/nothing crosses the tunnel to worker-3's tunnel endpoint/);
    expect(why(world(lab('worker-1, worker-2, worker-3, worker-4').replace('overlay: vxlan ', 'overlay: host-gw')), 'stale-neighbor:node=worker-1,peer=worker-3')).toBeNull(); // the peer's InternalIP
    expect(why(w, 'masquerade-missing:node=worker-3')).toMatch(/no pod traffic leaves worker-3 for the outside/);
    expect(why(w, 'masquerade-missing:node=worker-4')).toBeNull();
    expect(why(w, 'hairpin-off:node=worker-3')).toMatch(/its bridge has no pod ports/);
    expect(why(w, 'hairpin-off:node=worker-4')).toMatch(/^fault hairpin-off: no pod on worker-4 \(shop\/lone-0\) is a ready endpoint of a Service with a ClusterIP: hairpin matters only to a pod reaching itself through its Service; fix: pick a node that runs a Service's pod: worker-1, worker-2$/);
    expect(why(w, 'hairpin-off:node=worker-2')).toBeNull();
    expect(why(w, 'bridge-nf-off:node=worker-4')).toMatch(/is a ready endpoint/);
    expect(why(w, 'bridge-nf-off:node=worker-1')).toBeNull();
    expect(why(w, 'mtu-blackhole:node=worker-3')).toBeNull(); // its own link still carries NodePort traffic
    expect(why(w, 'overlay-blocked:node=worker-3')).toBeNull(); // answers to what it forwards come back through its tunnel
    expect(why(world(lab('worker-1, worker-2, worker-3, worker-4').replace(/nodeName: worker-[234]/g, 'nodeName: worker-1').replace('[worker-1, worker-2, worker-3, worker-4]', '[worker-1]')), 'overlay-blocked:node=worker-1')).toMatch(/this lab has one node/);
  });

  it('node-firewall-drop needs a TCP port some pod or outside host listens on', () => {
    expect(why(w, 'node-firewall-drop:node=worker-2,port=8080')).toBeNull();
    expect(why(w, 'node-firewall-drop:node=worker-2,port=443')).toBeNull(); // the outside host
    expect(why(w, 'node-firewall-drop:node=worker-2,port=9100')).toBeNull(); // a hostNetwork pod on another node
    expect(why(w, 'node-firewall-drop:node=worker-2,port=31999')).toMatch(/^fault node-firewall-drop: no pod and no outside host listens on TCP 31999: nothing forwarded through worker-2 goes to that port; fix: pick a port .*: .*8080/);
    expect(why(edge, 'node-firewall-drop:node=node-a,port=8125')).toMatch(/listens on TCP 8125/); // statsd is UDP
  });

  it('pod faults on a hostNetwork pod name it as such, not as an unknown pod', () => {
    const spec = parseLabFile(lab('worker-1, worker-2, worker-3, worker-4'));
    let err: unknown;
    try {
      checkFaultTargets(parseFaultSpec('veth-down:pod=shop/agent-0'), faultTargets(spec));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FaultRefused);
    expect((err as Error).message).toMatch(/^fault veth-down: pod shop\/agent-0 runs with hostNetwork: true, in its node's own network namespace: it has no veth and no routes of its own to break; fix: pick a pod with its own network: shop\/frontend-0/);
  });

  it('accepts every fault the lab and contract tests inject', () => {
    for (const spec of ['mtu-blackhole:node=worker-2', 'overlay-blocked:node=worker-2', 'node-route-missing:node=worker-1,to=worker-2', 'node-route-missing:node=worker-2,to=worker-1',
      'stale-neighbor:node=worker-1,peer=worker-2', 'stale-proxy-rules:service=shop/backend', 'proxy-rules-missing:service=shop/backend', 'dns-down', 'hairpin-off:node=worker-1',
      'pod-default-route-missing:pod=shop/frontend-0', 'veth-down:pod=shop/backend-0', 'node-firewall-drop:node=worker-2,port=8080', 'bridge-nf-off:node=worker-1',
      'masquerade-missing:node=worker-1', 'upstream-dns-down']) expect(why(w, spec), spec).toBeNull();
    for (const [name, specs] of Object.entries({
      'cilium-vxlan': ['node-route-missing:node=node-b,to=node-a', 'overlay-blocked:node=node-b', 'mtu-blackhole:node=node-b', 'node-firewall-drop:node=node-b,port=8080', 'stale-proxy-rules:service=app/local', 'proxy-rules-missing:service=app/web', 'masquerade-missing:node=node-b'],
      'udp-ours': ['node-route-missing:node=k1,to=k2', 'stale-neighbor:node=k1,peer=k2'],
      'vxlan-ignore': ['node-firewall-drop:node=worker-1,port=9000'],
      'hostgw-nftables': ['node-firewall-drop:node=worker-2,port=9000'],
    })) for (const spec of specs) expect(why(world(file(name)), spec), `${name}: ${spec}`).toBeNull();
  });
});

describe('a fault spec', () => {
  it('refuses a key given twice instead of keeping the last one silently', () => {
    expect(() => parseFaultSpec('mtu-blackhole:node=worker-1,node=worker-2')).toThrow('fault "mtu-blackhole:node=worker-1,node=worker-2": node is given twice (worker-1, worker-2); a fault takes one node — add a second fault for the other');
    expect(parseFaultSpec('mtu-blackhole:node=worker-2').params).toEqual({ node: 'worker-2' });
    expect(() => parseFaultSpec('mtu-blackhole:constructor=x')).toThrow(/has no parameter "constructor"/);
  });
});
