// A NodePort with externalTrafficPolicy Local dialled on a node without a local endpoint, on a real lab
// (fixtures/ns-wide.yaml: shop/nplocal NodePort 31081, its one endpoint shop/web-0 on n2; shop/client-0 and the
// hostNetwork shop/hostc on n1, shop/client-2 on n2). kube-proxy on n1 drops it from outside and from another node's
// own network, but sends what starts on n1 itself (its pods, its own network) on to web-0 across the overlay: that
// path is walked and drawn to web-0, not stopped at the NodePort with no endpoint.
import { describe, expect, it } from 'vitest';
import { useLab, outcome } from './diagnoseLab';

const lab = useLab('nl', 'ns-wide.yaml');

describe('NodePort with externalTrafficPolicy Local on a node without a local endpoint', () => {
  it.each(['shop/client-0', 'shop/hostc'])('%s on that node: reachable, walked to shop/web-0 on n2', async (from) => {
    const d = await lab.diagnose(from, 'node/n1:31081');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.hops.map((h) => h.id).slice(-5)).toEqual(['node-port', 'overlay', 'dst-node', 'dst-veth', 'dst-pod']);
    expect(d.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^shop\/web-0 10\.50\.2\.\d+:8080$/);
    expect(d.hops.every((h) => h.status === 'pass')).toBe(true);
  });

  it('veth-down:pod=shop/web-0, from shop/client-0 on n1: the endpoint is what fails, n1 is not said to drop it', async () => {
    const d = await lab.withFault('veth-down:pod=shop/web-0', () => lab.diagnose('shop/client-0', 'node/n1:31081'));
    expect(outcome(d)).toBe('unreachable/veth-down@dst-veth');
    expect(d.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['dst-veth']);
  });

  // The source pod's own veth down: nothing it sends leaves n1, whichever node's address it dials (its own node's
  // NodePort, another node's, the LoadBalancer address, a port of a node's own network). Was "no hop's probes explain
  // it": no src-veth hop.
  it.each([['node/n1:31081'], ['node/n2:31080'], ['198.51.100.129:80']])('veth-down:pod=shop/client-0, from shop/client-0 → %s: veth-down at src-veth, the only red hop', async (to) => {
    const d = await lab.withFault('veth-down:pod=shop/client-0', () => lab.diagnose('shop/client-0', to));
    expect(outcome(d)).toBe('unreachable/veth-down@src-veth');
    expect(d.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['src-veth']);
    expect(d.firstFailure!.nextStep).toMatch(/^On n1, `ip link show /);
  });

  // Its default route missing: the kernel refuses the lookup toward a node's or the load balancer's address (outside
  // the pod's own subnet). Was "no hop's probes explain it" (this session's sweep).
  it.each([['node/n2:31080'], ['198.51.100.129:80']])('pod-default-route-missing:pod=shop/client-0 → %s: pod-network at src-pod, its missing route named', async (to) => {
    const d = await lab.withFault('pod-default-route-missing:pod=shop/client-0', () => lab.diagnose('shop/client-0', to));
    expect(outcome(d)).toBe('unreachable/pod-network@src-pod');
    expect(d.firstFailure!.reason).toMatch(/^shop\/client-0 has no route to [\d.]+: "Network is unreachable"/);
    expect(d.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['src-pod']);
  });

  it("veth-down:pod=shop/client-0 → node/n2:9999 (no pod at the end, nothing listening there): veth-down at src-veth first, n2's missing listener beside it", async () => {
    const d = await lab.withFault('veth-down:pod=shop/client-0', () => lab.diagnose('shop/client-0', 'node/n2:9999'));
    expect(outcome(d)).toBe('unreachable/veth-down@src-veth');
    expect(d.hops.filter((h) => h.status === 'fail').map((h) => `${h.id}/${h.cause}`)).toEqual(['src-veth/veth-down', 'node-port/app-not-listening']);
  });

  it('outside and from another node: unreachable, no-local-endpoint at node-port, nothing drawn past it', async () => {
    for (const from of ['outside', 'node/n3']) {
      const d = await lab.diagnose(from, 'node/n1:31081');
      expect(outcome(d), from).toBe('unreachable/no-local-endpoint@node-port');
      expect(d.hops.map((h) => h.id), from).not.toContain('dst-pod');
    }
  });

  it("a pod on another node: its connect is reset (the answer comes back around n1), said as such; other nodes' no-answers not called drops", async () => {
    const d = await lab.diagnose('shop/client-2', 'node/n1:31081');
    expect(outcome(d)).toBe('unreachable/no-local-endpoint@node-port');
    expect(d.firstFailure!.reason).toMatch(/a pod's traffic is not dropped there but sent to an endpoint without SNAT/);
    expect(d.firstFailure!.reason).not.toMatch(/Local drops there/);
  });
});
