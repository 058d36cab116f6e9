// Faults on the default lab that a tester found named at the wrong place. (1) A mistyped Service name while the cluster DNS's upstream forwarder is down (default lab, fault upstream-dns-down):
// the resolver's cluster tries are NXDOMAIN and its last one, the bare name sent upstream, times out. The typo is
// what the on-call must fix ("did you mean backend?"), with the upstream said beside it; a real outside name is
// upstream-dns. (2) worker-1 without a route to worker-2's pod CIDR: from frontend-1 (worker-2) the lookup fails at dns
// (the CoreDNS answers from worker-1 are lost) and the connect by address fails at dst-node; the Service hop's failed
// connect dialled the address, so dst-node explains it, not dns.
import { describe, expect, it } from 'vitest';
import { cli, useLab, outcome } from './diagnoseLab';

const lab = useLab('ut', '../../../lab/default.yaml');

describe('a Service-name typo while the upstream DNS is down', () => {
  it('healthy: a dotted name outside the cluster that does not exist is checked as one (not as a Service or a namespace)', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'nope.example:443');
    expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
    expect(d.firstFailure!.nextStep).toMatch(/^nope\.example is a name outside the cluster: .*`dig nope\.example\.` from the pod/);
    expect(d.firstFailure!.nextStep).not.toMatch(/namespace/);
  });

  it('healthy: dns-nxdomain with the near Service', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'backnd:80');
    expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
    expect(d.firstFailure!.nextStep).toMatch(/did you mean backend\?/);
  });

  it('upstream-dns-down: still the typo first, the upstream beside it; an outside name is upstream-dns', async () => {
    await lab.withFault('upstream-dns-down', async () => {
      const d = await lab.diagnose('shop/frontend-0', 'backnd:80');
      expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
      expect(d.firstFailure!.reason).toMatch(/^no Service matches "backnd" from namespace shop: .*NXDOMAIN, and its last try outside the cluster gets no answer/);
      expect(d.firstFailure!.nextStep).toMatch(/^Check the name: namespace shop has no Service backnd; did you mean backend\?.* Separately, the cluster DNS's upstream forwarder does not answer/);
      expect(outcome(await lab.diagnose('shop/frontend-0', 'example.com:443'))).toBe('unreachable/upstream-dns@dns');
    });
  });
});

describe('node-route-missing:node=worker-1,to=worker-2 from shop/frontend-1', () => {
  it("the lookup fails at dns (the DNS node's way back), the Service's failed connect points at dst-node", async () => {
    await lab.withFault('node-route-missing:node=worker-1,to=worker-2', async () => {
      // kube-proxy sends the connect to backend-0 (worker-2, answers) or backend-1 (worker-1, lost): until one is lost
      let d = await lab.diagnose('shop/frontend-1', 'backend:80');
      for (let i = 0; i < 7 && !/failed \(/.test(d.hops.find((h) => h.id === 'service')!.summary); i++) d = await lab.diagnose('shop/frontend-1', 'backend:80');
      expect(outcome(d)).toBe('unreachable/node-route@dns');
      expect(d.firstFailure!.reason).toMatch(/worker-1 has no route to worker-2's pod CIDR, so the answers of the DNS pod there/);
      const svc = d.hops.find((h) => h.id === 'service')!;
      expect(svc.summary).toMatch(/failed \(no answer within 2 s\); the dst-node hop explains it \(Node has no route to the pod CIDR\)/);
      expect(d.hops.find((h) => h.id === 'dst-node')!.status).toBe('fail');
    });
  });
});

describe('proxy-rules-missing:service=shop/storefront from outside through its LoadBalancer', () => {
  it('proxy-rules-missing at node-port, its next step the NodePort rule and kube-proxy on that node; the reproduce line says where it runs', async () => {
    await lab.withFault('proxy-rules-missing:service=shop/storefront', async () => {
      const d = await lab.diagnose('outside', '198.51.100.129:80');
      expect(outcome(d)).toBe('unreachable/proxy-rules-missing@node-port');
      expect(d.firstFailure!.nextStep).toMatch(/^On worker-\d, `iptables-save -t nat \| grep -e KUBE-NODEPORTS -e \d+` .*check that kube-proxy runs on worker-\d/);
      const r = await cli(lab.instance, ['diagnose', '--kubeconfig', lab.kubeconfig, '--from', 'outside', '--to', '198.51.100.129:80']);
      expect(r.stdout).toMatch(/\nreproduce \(here, outside the cluster\): nc -z -v -w 2 172\.18\.0\.\d+ \d+\n/);
    });
  });
});

describe('pod-default-route-missing:pod=shop/frontend-0, frontend-0 → backend:80', () => {
  it('pod-network at src-pod first, and the lookup that could not leave the pod says the same cause at dns (not dns-timeout)', async () => {
    await lab.withFault('pod-default-route-missing:pod=shop/frontend-0', async () => {
      const d = await lab.diagnose('shop/frontend-0', 'backend:80');
      expect(outcome(d)).toBe('unreachable/pod-network@src-pod');
      const dns = d.hops.find((h) => h.id === 'dns')!;
      expect([dns.status, dns.cause]).toEqual(['fail', 'pod-network']);
      expect(dns.summary).toMatch(/^no query reached the resolver 10\.96\.0\.10: the network is unreachable from the pod, whose own network is broken \(src-pod\)$/);
    });
  });
});

describe('overlay-blocked:node=worker-2, shop/frontend-0 → its own Service frontend.shop:80 (hairpin drawn)', () => {
  it('the other endpoint (frontend-1 on worker-2) that does not answer is followed: degraded, overlay-blocked at overlay', async () => {
    await lab.withFault('overlay-blocked:node=worker-2', async () => {
      const d = await lab.diagnose('shop/frontend-0', 'frontend.shop:80');
      expect(outcome(d)).toBe('degraded/overlay-blocked@overlay');
      expect(d.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/frontend answer .*connections kube-proxy sends to shop\/frontend-1 /);
    });
  });
});

describe('veth-down:pod=shop/backend-1, the outside client → the pod address itself', () => {
  it('healthy: the pod network is not routed out, said in the summary, no red hop; with the veth down its own node cannot reach it either: veth-down at dst-veth', async () => {
    const healthy = await lab.diagnose('outside', 'pod:shop/backend-1:8080');
    expect(outcome(healthy)).toBe('unreachable/-@-');
    expect(healthy.summary).toMatch(/yet the pod answers from its own node: .* the pod network is not routed to the outside client/);
    await lab.withFault('veth-down:pod=shop/backend-1', async () => {
      const d = await lab.diagnose('outside', 'pod:shop/backend-1:8080');
      // was "no hop's probes explain it": the outside → pod plan judged no veth (no node the flow leaves from)
      expect(outcome(d)).toBe('unreachable/veth-down@dst-veth');
      expect(d.firstFailure!.nextStep).toMatch(/^On worker-1, `ip link show /);
    });
  });
});
