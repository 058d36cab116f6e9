// A backend pod without its way back, reached from outside or from a node's own network, on a real lab
// (fixtures/ns-wide.yaml: shop/web-0 on n2 behind NodePort np 31080, externalTrafficPolicy Cluster, and LoadBalancer
// lb 198.51.100.129, Local, entering n2). The pod answers only the sources it has a route to; which source it sees is
// the engine's to work out (lib/plan/northSouth podSeesFrom): n1's flannel.1 address after kube-proxy's masquerade
// (Cluster) or n1's own route (a node source), the client's own 100.64.0.10 (Local). Only a failing connect asks the
// pod where its reply would go (replyRouteProbes): a healthy run has no such probe.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useLab, outcome } from './diagnoseLab';
import type { Diagnosis } from '../../lib/model';

const lab = useLab('rr', 'ns-wide.yaml');

/** The probes asked of the destination pod about its way back. */
const replyProbes = (d: Diagnosis) => d.hops.flatMap((h) => h.evidence).filter((e) => e.where.startsWith('pod shop/web-0') && (e.probe === 'route-show' || e.probe === 'route-get')).map((e) => e.command.join(' '));

/** `ip ARGS` in shop/web-0's netns (the test's own arrangement, as a CNI that set up only some routes would leave it). */
function inWeb(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', `${lab.instance}-pod-shop-web-0`, 'ip', ...args], { timeout: 10_000 }, (e, stdout, stderr) => (e ? reject(new Error(`ip ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

describe("a backend pod's way back from a node or the outside", () => {
  it('no fault: reachable from outside and from n1, and the pod is never asked for its routes', async () => {
    for (const [from, to] of [['outside', 'node/n1:31080'], ['outside', '198.51.100.129:80'], ['node/n1', 'pod:shop/web-0:8080']]) {
      const d = await lab.diagnose(from, to);
      expect(outcome(d), `${from} → ${to}`).toBe('reachable/-@-');
      expect(replyProbes(d), `${from} → ${to}`).toEqual([]);
    }
  });

  it.each([
    ['outside', 'node/n1:31080', 'unreachable/pod-network@dst-pod', /^shop\/web-0 has no route to 10\.50\.1\.0 \(the source it sees: n1's address after kube-proxy's masquerade\): "Network is unreachable" — the pod lacks its default route$/],
    ['outside', '198.51.100.129:80', 'unreachable/pod-network@dst-pod', /^shop\/web-0 has no route to 100\.64\.0\.10 \(the source it sees: the client's own address \(externalTrafficPolicy Local\)\): "Network is unreachable"/],
    ['node/n1', 'pod:shop/web-0:8080', 'unreachable/pod-network@dst-pod', /^shop\/web-0 has no route to 10\.50\.1\.0 \(the source it sees: n1's own address\): "Network is unreachable"/],
    ['shop/hostc', 'pod:shop/web-0:8080', 'unreachable/pod-network@dst-pod', /^shop\/web-0 has no route to 10\.50\.1\.0 \(the source it sees: n1's own address\)/],
  ])('pod-default-route-missing:pod=shop/web-0, %s → %s: %s', async (from, to, want, reason) => {
    const d = await lab.withFault('pod-default-route-missing:pod=shop/web-0', () => lab.diagnose(from, to));
    expect(outcome(d)).toBe(want);
    expect(d.firstFailure!.reason).toMatch(reason);
    expect(d.summary).not.toMatch(/no hop's probes explain/);
    expect(replyProbes(d)).toHaveLength(2);
    expect(d.hops.find((h) => h.id === 'dst-pod')!.evidence.find((e) => e.probe === 'route-show')!.finding).toMatch(/\(no default route\)$/);
  });

  // A pod dialling a NodePort: on another node (client-2 on n2 → n1) the flow arrives at n1 from n2's address (the CNI
  // masquerades a pod's traffic to an address outside the pod network) and kube-proxy masquerades it on to web-0 as
  // n1's flannel.1 address; on its own node (client-0 on n1) kube-proxy passes pod traffic unmasqueraded, from
  // client-0's address in n1's pod CIDR. Either way web-0 answers toward n1's pod CIDR, which n2 lacks a route to.
  it.each([['outside', 'node/n1:31080'], ['node/n1', 'pod:shop/web-0:8080'], ['shop/client-2', 'node/n1:31080'], ['shop/client-0', 'node/n1:31080']])("node-route-missing:node=n2,to=n1, %s → %s: n2's way back to n1's pod CIDR (the address the flow arrives from) is named at dst-node", async (from, to) => {
    const d = await lab.withFault('node-route-missing:node=n2,to=n1', () => lab.diagnose(from, to));
    expect(outcome(d)).toBe('unreachable/node-route@dst-node');
    expect(d.firstFailure!.reason).toMatch(/^n2 has no route to n1's pod CIDR: 10\.50\.1\.0 would leave via /);
  });

  it('routes only toward the cluster CIDR: n1 (10.50.1.0, inside it) is answered, the outside client through the Local LoadBalancer is not', async () => {
    await inWeb(['route', 'del', 'default']);
    await inWeb(['route', 'add', '10.50.0.0/16', 'via', '10.50.2.1']);
    try {
      const fromNode = await lab.diagnose('node/n1', 'pod:shop/web-0:8080');
      expect(outcome(fromNode)).toBe('reachable/-@-');
      expect(replyProbes(fromNode)).toEqual([]);
      const d = await lab.diagnose('outside', '198.51.100.129:80');
      expect(outcome(d)).toBe('unreachable/pod-network@dst-pod');
      expect(d.firstFailure!.reason).toMatch(/^shop\/web-0 has no route to 100\.64\.0\.10 \(the source it sees: the client's own address \(externalTrafficPolicy Local\)\): "Network is unreachable"/);
      expect(d.hops.find((h) => h.id === 'dst-pod')!.evidence.find((e) => e.probe === 'route-show')!.finding).toBe("shop/web-0's routes: 10.50.0.0/16 via 10.50.2.1 dev eth0; 10.50.2.0/24 dev eth0 (no default route)");
    } finally {
      await inWeb(['route', 'del', '10.50.0.0/16']);
      await inWeb(['route', 'add', 'default', 'via', '10.50.2.1']);
    }
  });

  it('a default route, and an "unreachable" route for the client\'s range: named as that route', async () => {
    await inWeb(['route', 'add', 'unreachable', '100.64.0.0/24']);
    try {
      const d = await lab.diagnose('outside', '198.51.100.129:80');
      expect(outcome(d)).toBe('unreachable/pod-network@dst-pod');
      expect(d.firstFailure!.reason).toMatch(/^shop\/web-0 has no route to 100\.64\.0\.10 \(the source it sees: the client's own address \(externalTrafficPolicy Local\)\): "No route to host" — an "unreachable" route in the pod matches it$/);
    } finally {
      await inWeb(['route', 'del', 'unreachable', '100.64.0.0/24']);
    }
  });
});
