// A pod dialling a NodePort or a LoadBalancer ingress address while NetworkPolicy guards the endpoints, on a real lab
// (fixtures/np-policy-source.yaml: shop/client-0 on w1, every endpoint on w2). The ground truth is the lab's own: real
// connects from the client pod's netns, and the address the endpoint really saw (the lab's web server answers it in
// `x-packetwalk-client`). kube-proxy masquerades NodePort / LoadBalancer traffic with externalTrafficPolicy Cluster on
// the node it enters, so a policy admitting only the client's podSelector drops it and one admitting the node's
// address lets it in; on the endpoint's own node the policy is met before the masquerade (the client's own address),
// and with externalTrafficPolicy Local a pod's address is kept. The engine must say what the lab does: policy-denied
// at dst-pod naming the address the endpoint sees, reachable where the connect opens, and a model-mismatch warning,
// never a failure, when the connect opens although the objects predict the drop.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useLab, outcome, inNodeNetns } from './diagnoseLab';
import { nodeNetns } from '../../lab/objects';
import { outsideNetns } from '../../lab/outside';

const lab = useLab('nps', 'np-policy-source.yaml');

function inNetns(netns: string, argv: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', netns, ...argv], { timeout: 15_000 }, (e, stdout) => resolve({ code: e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 1) : 0, stdout }));
  });
}
const client = () => `${lab.instance}-pod-shop-client-0`;
/** The IPv4 address on `dev` in `netns`. */
async function addrOf(netns: string, dev: string): Promise<string> {
  const r = await inNetns(netns, ['ip', '-j', '-4', 'addr', 'show', 'dev', dev]);
  return (JSON.parse(r.stdout) as { addr_info: { local: string }[] }[])[0].addr_info[0].local;
}
/** A real TCP connect from shop/client-0. */
async function connects(ip: string, port: number): Promise<boolean> {
  return (await inNetns(client(), ['nc', '-z', '-w', '2', ip, String(port)])).code === 0;
}
/** The address the endpoint saw for a request from shop/client-0 (the lab's server says it), or undefined when it got no answer. */
async function seenBy(ip: string, port: number): Promise<string | undefined> {
  const r = await inNetns(client(), ['curl', '-s', '-m', '3', '-o', '/dev/null', '-D', '-', `http://${ip}:${port}/`]);
  return /^x-packetwalk-client: ([0-9.]+):\d+/im.exec(r.stdout)?.[1];
}

describe('a pod through a NodePort or a LoadBalancer address: NetworkPolicy judged with the address the endpoint sees', () => {
  it('entering w1 (externalTrafficPolicy Cluster, the endpoint on w2): the podSelector-only policy drops it, the node-address one admits it; the engine names the address', async () => {
    const w1 = await addrOf(nodeNetns(lab.instance, 'w1'), 'eth0');
    const podIP = await addrOf(client(), 'eth0');
    // ground truth: what shop/web-b-0 (ipBlock for the nodes) saw through w1's NodePort, and that web-a (podSelector) gets nothing
    const seen = await seenBy(w1, 30082);
    expect(seen, 'web-b-0 answers through w1:30082').toBeDefined();
    expect(seen).not.toBe(podIP);
    expect(await connects(w1, 30081)).toBe(false);

    const denied = await lab.diagnose('shop/client-0', 'node/w1:30081');
    expect(outcome(denied)).toBe('unreachable/policy-denied@dst-pod');
    expect(denied.firstFailure!.reason).toContain('NetworkPolicy shop/only-client');
    expect(denied.firstFailure!.reason).toContain(`not from shop/client-0's ${podIP} but from w1's own address, ${seen} (w1's route to the pod sends from it)`);
    expect(denied.firstFailure!.nextStep).toContain(`shop/web-a-0 sees shop/client-0's connection from ${seen} (w1's address after kube-proxy's masquerade), not from ${podIP}`);
    expect(denied.firstFailure!.nextStep).toMatch(new RegExp(`dial Service shop/np-a's ClusterIP [0-9.]+:80 instead.*an ipBlock holding ${seen!.replace(/\./g, '\\.')}/32.*externalTrafficPolicy: Local on Service shop/np-a`));

    const open = await lab.diagnose('shop/client-0', 'node/w1:30082');
    expect(outcome(open)).toBe('reachable/-@-');
    expect(open.warnings).toEqual([]);
  });

  it('a LoadBalancer address (Cluster) from the pod: kube-proxy on w1 captures it and masquerades, so the podSelector-only policy drops it', async () => {
    const seen = await seenBy(await addrOf(nodeNetns(lab.instance, 'w1'), 'eth0'), 30082);
    expect(await connects('198.51.100.130', 80)).toBe(false);
    const d = await lab.diagnose('shop/client-0', '198.51.100.130:80');
    expect(outcome(d)).toBe('unreachable/policy-denied@dst-pod');
    expect(d.firstFailure!.reason).toMatch(/NetworkPolicy shop\/only-client.*kube-proxy on w1 marks traffic to LoadBalancer address 198\.51\.100\.130 for masquerade/);
    expect(d.firstFailure!.reason).toContain(`from w1's own address, ${seen} `);
  });

  it("entering w2, the endpoint's own node: its policy is met before the masquerade, so the podSelector admits and the node-address policy drops", async () => {
    const w2 = await addrOf(nodeNetns(lab.instance, 'w2'), 'eth0');
    const podIP = await addrOf(client(), 'eth0');
    expect(await connects(w2, 30081)).toBe(true);
    expect(await connects(w2, 30082)).toBe(false);

    const open = await lab.diagnose('shop/client-0', 'node/w2:30081');
    expect(outcome(open)).toBe('reachable/-@-');
    expect(open.warnings).toEqual([]);
    const denied = await lab.diagnose('shop/client-0', 'node/w2:30082');
    expect(outcome(denied)).toBe('unreachable/policy-denied@dst-pod');
    expect(denied.firstFailure!.reason).toContain('NetworkPolicy shop/only-nodes');
    expect(denied.firstFailure!.reason).toContain(`its NetworkPolicy rules judge the packet with shop/client-0's own address ${podIP}, before kube-proxy masquerades it`);
    expect(denied.firstFailure!.nextStep).toMatch(/^On w2, which runs shop\/web-b-0, the policy judges shop\/client-0's own address .*admit shop\/client-0 \(a podSelector for its labels\)/);
  });

  it('externalTrafficPolicy Local keeps the pod\'s own address: the podSelector admits it through the LoadBalancer address', async () => {
    const podIP = await addrOf(client(), 'eth0');
    expect(await seenBy('198.51.100.131', 80)).toBe(podIP);
    const d = await lab.diagnose('shop/client-0', '198.51.100.131:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.warnings).toEqual([]);
  });

  it("an outside client entering w2, the endpoint's own node (Cluster): the policy there judges the client's own address, so node-address rules do not admit it; through w1 it is masqueraded and admitted", async () => {
    const w1 = await addrOf(nodeNetns(lab.instance, 'w1'), 'eth0');
    const w2 = await addrOf(nodeNetns(lab.instance, 'w2'), 'eth0');
    const outside = outsideNetns(lab.instance);
    const me = await addrOf(outside, 'eth0');
    expect((await inNetns(outside, ['nc', '-z', '-w', '2', w1, '30082'])).code, 'outside → w1:30082 opens').toBe(0);
    expect((await inNetns(outside, ['nc', '-z', '-w', '2', w2, '30082'])).code, 'outside → w2:30082 does not').not.toBe(0);
    expect(outcome(await lab.diagnose('outside', 'node/w1:30082'))).toBe('reachable/-@-');
    for (const [port, policy] of [[30082, 'only-nodes'], [30084, 'only-node-network'], [30081, 'only-client']] as const) {
      const d = await lab.diagnose('outside', `node/w2:${port}`);
      expect(outcome(d), `w2:${port}`).toBe('unreachable/policy-denied@dst-pod');
      expect(d.firstFailure!.reason).toContain(`NetworkPolicy shop/${policy}`);
      expect(d.firstFailure!.reason).toContain(`not ${me} — w2, where node/w2:${port} enters, runs the endpoint itself`);
      expect(d.hops.find((h) => h.id === 'dst-pod')!.nextStep).toMatch(new RegExp(`^On w2, which runs shop/web-.-0, the policy judges the client's own address ${me.replaceAll('.', '\\.')}`));
    }
  });

  it('observed beats inferred: a rule the objects do not show lets the masqueraded connection in — reachable with a model-mismatch warning, never a fail', async () => {
    const w1 = await addrOf(nodeNetns(lab.instance, 'w1'), 'eth0');
    const webA = await addrOf(`${lab.instance}-pod-shop-web-a-0`, 'eth0');
    const rule = ['PACKETWALK-FORWARD', '-d', `${webA}/32`, '-p', 'tcp', '--dport', '8080', '-j', 'ACCEPT'];
    const ins = await inNodeNetns(lab, 'w2', ['iptables', '-I', ...rule.slice(0, 1), '1', ...rule.slice(1)]);
    expect(ins.code, ins.stderr).toBe(0);
    try {
      expect(await connects(w1, 30081)).toBe(true);
      const d = await lab.diagnose('shop/client-0', 'node/w1:30081');
      expect(outcome(d)).toBe('reachable/-@-');
      expect(d.hops.filter((h) => h.status === 'fail')).toEqual([]);
      expect(d.warnings.map((w) => `${w.cause}@${w.hop}`)).toEqual(['model-mismatch@dst-pod']);
      expect(d.warnings[0].reason).toMatch(/^the connection from shop\/client-0 opened, yet the NetworkPolicy objects predict a drop: .*NetworkPolicy shop\/only-client/);
    } finally {
      await inNodeNetns(lab, 'w2', ['iptables', '-D', ...rule]);
    }
  });
});
