// Every fault of the catalogue on the real dataplane (VXLAN, iptables kube-proxy): the healthy path
// works, the fault breaks exactly what its catalogue line says (seen with the plain tools in the pods'
// netns), and `fault clear` heals it. Then faults injected at `lab up` (lab file and --fault). Needs root.
import { testInstance } from '../testInstance';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labMain } from '../cli';
import { FAULTS } from '../faults';
import { readState } from '../state';
import type { LabState } from '../types';
import { addFault, clearFaults, staleMac } from './faults';
import { UNDERLAY_MTU, underlayNetns } from '../objects';
import { DEFAULT_LAB_FILE, labDown, labUp } from './lab';
import { dfPing, dig, httpGet, inPod, isRoot, tcpOk } from './testkit';
import { run } from './sh';

const INST = testInstance('dpf');
const DIR = `/run/packetwalk/${INST}`;

// A Service whose only endpoint is on worker-1, for hairpin (a pod reaching itself through its VIP).
const EXTRA = `
---
apiVersion: v1
kind: Pod
metadata: {name: solo-0, namespace: shop, labels: {app: solo}}
spec: {nodeName: worker-1, containers: [{name: app, image: busybox, ports: [{containerPort: 7070}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: solo, namespace: shop}
spec: {selector: {app: solo}, ports: [{port: 80, targetPort: 7070}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend-headless, namespace: shop}
spec: {clusterIP: None, selector: {app: backend}, ports: [{port: 8080}]}
`;

describe.skipIf(!isRoot())('faults on the VXLAN + iptables lab', () => {
  let st: LabState;
  const tested = new Set<string>();
  const dir = mkdtempSync(join(tmpdir(), 'pw-faults-'));
  const config = join(dir, 'lab.yaml');
  const ip = (k: string) => st.pods.find((p) => `${p.namespace}/${p.name}` === k)!.ip;
  const node = (n: string) => st.nodes.find((x) => x.name === n)!;

  /** The paths every fault test relies on, all healthy. */
  async function healthy(): Promise<void> {
    expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080)).toBe(true);
    expect(await tcpOk(st, 'shop/backend-0', ip('shop/frontend-0'), 8080)).toBe(true);
    expect(await httpGet(st, 'shop/frontend-0', 'backend', 80)).toMatch(/^backend-[01]\n$/);
    expect((await dfPing(st, 'shop/frontend-0', ip('shop/backend-0'), 1400, 1)).received).toBe(1);
  }

  async function withFault(spec: string, broken: () => Promise<void>): Promise<void> {
    tested.add(spec.split(':')[0]);
    await healthy();
    await addFault(DIR, spec);
    expect(readState(DIR)!.faults.map((f) => f.name)).toContain(spec.split(':')[0]);
    await broken();
    const healed = await clearFaults(DIR, spec.split(':')[0]);
    expect(healed).toHaveLength(1);
    expect(readState(DIR)!.faults).toEqual([]);
    await healthy();
  }

  beforeAll(async () => {
    process.env.PACKETWALK_LAB = INST;
    writeFileSync(config, readFileSync(DEFAULT_LAB_FILE, 'utf8') + EXTRA);
    st = (await labUp({ instance: INST, dir: DIR, config })).state;
  });
  afterAll(async () => {
    await labDown({ instance: INST, dir: DIR });
  });

  it('mtu-blackhole: small DF pings pass, big ones vanish with no ICMP error, a bulk download stalls', async () => {
    await withFault('mtu-blackhole:node=worker-2', async () => {
      const small = await dfPing(st, 'shop/frontend-0', ip('shop/backend-0'), 1000);
      expect(small.received).toBe(2);
      for (const [from, to] of [['shop/frontend-0', 'shop/backend-0'], ['shop/backend-0', 'shop/frontend-0']]) {
        const big = await dfPing(st, from, ip(to), 1400);
        expect(big.received, big.out).toBe(0);
        expect(big.icmpError, big.out).toBe(false);
      }
      const body = await httpGet(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, '/bytes/200000', 3);
      expect(body?.length ?? 0).toBeLessThan(200000);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-1'), 8080)).toBe(true); // same node: no tunnel
      // only worker-2's switch port narrows: the underlay bridge (gateway, VPC router) keeps its MTU for the others
      expect((await run(['ip', '-n', underlayNetns(st.instance), '-j', 'link', 'show', 'br0'])).stdout).toMatch(new RegExp(`"mtu":${UNDERLAY_MTU}\\b`));
    });
    expect((await httpGet(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, '/bytes/200000', 3))?.length).toBe(200000);
  });

  it('overlay-blocked: tunnel traffic into the node is dropped, same-node traffic flows', async () => {
    await withFault('overlay-blocked:node=worker-2', async () => {
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-1', ip('shop/backend-0'), 8080)).toBe(true);
      const rules = await run(['ip', 'netns', 'exec', node('worker-2').netns, 'iptables-save', '-t', 'filter']);
      expect(rules.stdout).toMatch(/-A INPUT -p udp -m udp --dport 4789 -j DROP/);
    });
  });

  it('node-route-missing: the node lacks the route to the other node\'s pod CIDR', async () => {
    await withFault('node-route-missing:node=worker-1,to=worker-2', async () => {
      const routes = await run(['ip', '-n', node('worker-1').netns, 'route']);
      expect(routes.stdout).not.toContain(node('worker-2').podCIDR);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-1'), 8080)).toBe(true);
      expect(await tcpOk(st, 'shop/frontend-1', ip('shop/backend-0'), 8080)).toBe(true);
    });
  });

  it('stale-neighbor: a wrong MAC for the peer\'s tunnel endpoint', async () => {
    await withFault('stale-neighbor:node=worker-1,peer=worker-2', async () => {
      const neigh = await run(['ip', '-n', node('worker-1').netns, 'neigh', 'show', 'dev', 'flannel.1']);
      expect(neigh.stdout).toContain(staleMac(INST, 'worker-2'));
      const fdb = await run(['bridge', '-n', node('worker-1').netns, 'fdb', 'show', 'dev', 'flannel.1']);
      expect(fdb.stdout).toContain(`${staleMac(INST, 'worker-2')} dst ${node('worker-2').internalIP}`);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-1'), 8080)).toBe(true);
    });
  });

  it('stale-proxy-rules: the VIP still DNATs to an endpoint that no pod has', async () => {
    await withFault('stale-proxy-rules:service=shop/backend', async () => {
      const nat = (await run(['ip', 'netns', 'exec', node('worker-1').netns, 'iptables-save', '-t', 'nat'])).stdout;
      const targets = [...nat.matchAll(/"shop\/backend:http".*--to-destination ([\d.]+):8080/g)].map((m) => m[1]);
      expect(targets.length).toBeGreaterThan(0);
      for (const t of targets) expect(st.pods.map((p) => p.ip)).not.toContain(t);
      expect(await tcpOk(st, 'shop/frontend-0', 'backend', 80, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080)).toBe(true);
    });
  });

  it('proxy-rules-missing: no kube-proxy rules for the Service, others intact', async () => {
    await withFault('proxy-rules-missing:service=shop/backend', async () => {
      for (const n of st.nodes) {
        const nat = (await run(['ip', 'netns', 'exec', n.netns, 'iptables-save'])).stdout;
        expect(nat).not.toContain('shop/backend');
        expect(nat).toContain('shop/frontend:http');
      }
      expect(await tcpOk(st, 'shop/frontend-0', 'backend', 80, 1)).toBe(false);
      expect(await httpGet(st, 'shop/frontend-0', 'frontend', 80)).toMatch(/^frontend-[01]\n$/);
    });
  });

  it('dns-down: the cluster DNS stops answering (timeouts), Services still work by IP', async () => {
    const vip = (st.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'backend')!.spec as { clusterIP: string }).clusterIP;
    await withFault('dns-down', async () => {
      expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local')).status).toBe('timeout');
      expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local', ['+tcp'])).status).toBe('timeout');
      expect(await httpGet(st, 'shop/frontend-0', vip, 80)).toMatch(/^backend-[01]\n$/);
    });
    expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local')).status).toBe('NOERROR');
  });

  it('dns-not-listening: the CoreDNS replica refuses queries (its dnsmasq stopped, the pod runs); healed, it answers again', async () => {
    const dns = st.pods.find((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-'))!;
    await withFault(`dns-not-listening:pod=kube-system/${dns.name}`, async () => {
      const r = await inPod(st, 'shop/frontend-0', ['dig', '+time=1', '+tries=1', `@${dns.ip}`, 'backend.shop.svc.cluster.local']);
      expect(r.stdout).toContain(`communications error to ${dns.ip}#53: connection refused`);
      expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local')).status).toBe('timeout'); // through the VIP: refused, no answer
      expect(readState(DIR)!.daemons.dnsmasq).toBeUndefined();
      expect(await run(['ip', 'netns', 'exec', dns.netns, 'true'])).toMatchObject({ code: 0 }); // the pod's netns is still there
    });
    expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local')).status).toBe('NOERROR');
    expect(readState(DIR)!.daemons.dnsmasq).toBeGreaterThan(0);
  });

  it('hairpin-off: a pod cannot reach itself through its Service VIP', async () => {
    expect(await httpGet(st, 'shop/solo-0', 'solo', 80)).toBe('solo-0\n');
    await withFault('hairpin-off:node=worker-1', async () => {
      expect(await tcpOk(st, 'shop/solo-0', 'solo', 80, 1)).toBe(false);
      expect(await httpGet(st, 'shop/frontend-0', 'solo', 80)).toBe('solo-0\n'); // other pods still reach it
      const links = await run(['bridge', '-n', node('worker-1').netns, '-d', 'link', 'show']);
      expect(links.stdout).toMatch(/hairpin off/);
      expect(links.stdout).not.toMatch(/hairpin on/);
    });
    expect(await httpGet(st, 'shop/solo-0', 'solo', 80)).toBe('solo-0\n');
  });

  it('bridge-nf-off: same-node pod → ClusterIP breaks (the bridged reply skips the reverse NAT), other paths flow', async () => {
    const vip = (name: string) => (st.objects.find((o) => o.kind === 'Service' && o.metadata.name === name)!.spec as { clusterIP: string }).clusterIP;
    await withFault('bridge-nf-off:node=worker-1', async () => {
      expect(await tcpOk(st, 'shop/frontend-0', vip('solo'), 80, 1)).toBe(false); // solo-0 is on worker-1 too
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/solo-0'), 7070)).toBe(true);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080)).toBe(true);
    });
  });

  it('pod-default-route-missing: the pod reaches only its own /24', async () => {
    await withFault('pod-default-route-missing:pod=shop/frontend-0', async () => {
      const r = await inPod(st, 'shop/frontend-0', ['ip', 'route', 'show', 'default']);
      expect(r.stdout.trim()).toBe('');
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-1'), 8080)).toBe(true); // on-link
    });
  });

  it('veth-down: the host side of the pod\'s veth is down', async () => {
    await withFault('veth-down:pod=shop/backend-0', async () => {
      const hv = st.pods.find((p) => p.name === 'backend-0')!.hostVeth;
      const link = JSON.parse((await run(['ip', '-j', '-n', node('worker-2').netns, 'link', 'show', hv])).stdout) as { flags: string[] }[];
      expect(link[0].flags).not.toContain('UP');
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/frontend-1'), 8080)).toBe(true);
    });
  });

  it('node-firewall-drop: forwarded TCP to the port dies on that node only', async () => {
    await withFault('node-firewall-drop:node=worker-2,port=8080', async () => {
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-1'), 8080)).toBe(true); // never crosses worker-2
      expect(await tcpOk(st, 'shop/backend-0', 'postgres.db', 5432)).toBe(true);
    });
  });

  it('masquerade-missing: pod traffic to the outside leaves worker-1 without SNAT and gets no reply; worker-2 unaffected', async () => {
    await withFault('masquerade-missing:node=worker-1', async () => {
      expect(await tcpOk(st, 'shop/backend-1', 'api.partner.example', 443, 1)).toBe(false);
      expect(await tcpOk(st, 'shop/backend-0', 'api.partner.example', 443)).toBe(true);
    });
  });

  it('upstream-dns-down: names outside the cluster time out, cluster names still resolve', async () => {
    await withFault('upstream-dns-down', async () => {
      expect((await dig(st, 'shop/backend-0', 'api.partner.example')).status).toBe('timeout');
      expect((await dig(st, 'shop/backend-0', 'backend.shop.svc.cluster.local')).status).toBe('NOERROR');
    });
  });

  it('covered every fault of the catalogue', () => {
    expect([...tested].sort()).toEqual(FAULTS.map((f) => f.name).sort());
  });

  it('fault add/clear through the CLI: exit 0, unknown faults exit 2, clear by spec heals that one, without a name all', async () => {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    let text = '';
    process.stdout.write = ((s: string) => ((text += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((text += s), true)) as typeof process.stderr.write;
    try {
      expect(await labMain(['fault', 'add', 'veth-down:pod=shop/backend-0'])).toBe(0);
      expect(await labMain(['fault', 'add', 'node-firewall-drop:node=worker-2,port=8080'])).toBe(0);
      expect(await labMain(['fault', 'add', 'gremlins'])).toBe(2);
      expect(await labMain(['fault', 'add', 'veth-down:pod=shop/nope'])).toBe(2);
      expect(readState(DIR)!.faults).toHaveLength(2);
      // the spec as `fault add` took it (and printed it) heals that fault alone
      expect(await labMain(['fault', 'clear', 'node-firewall-drop:port=8080,node=worker-2'])).toBe(0);
      expect(readState(DIR)!.faults.map((f) => f.name)).toEqual(['veth-down']);
      expect(await labMain(['fault', 'clear'])).toBe(0);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(text).toMatch(/unknown fault "gremlins"/);
    expect(text).toMatch(/pod=shop\/nope is not a pod/);
    expect(readState(DIR)!.faults).toEqual([]);
    await healthy();
  });

  it('fault add refuses a fault that would change nothing: exit 2 with the reason, nothing injected', async () => {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    let text = '';
    process.stdout.write = ((s: string) => ((text += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((text += s), true)) as typeof process.stderr.write;
    const hostNet = st.pods.find((p) => p.hostNetwork)!;
    try {
      expect(await labMain(['fault', 'add', 'stale-proxy-rules:service=shop/backend-headless'])).toBe(2);
      expect(await labMain(['fault', 'add', `veth-down:pod=${hostNet.namespace}/${hostNet.name}`])).toBe(2);
      expect(await labMain(['fault', 'add', 'node-firewall-drop:node=worker-2,port=31999'])).toBe(2);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(text).toMatch(/packetwalk lab fault: fault stale-proxy-rules: Service shop\/backend-headless is headless \(clusterIP: None\): kube-proxy writes no rules for it.*; fix: pick a Service with a ClusterIP\n/);
    expect(text).toMatch(new RegExp(`fault veth-down: pod ${hostNet.namespace}/${hostNet.name} runs with hostNetwork: true`));
    expect(text).toMatch(/fault node-firewall-drop: no pod and no outside host listens on TCP 31999/);
    expect(text).not.toMatch(/injected/);
    expect(readState(DIR)!.faults).toEqual([]);
  });

  it('injects faults at lab up, from the lab file and from --fault', async () => {
    writeFileSync(config, readFileSync(DEFAULT_LAB_FILE, 'utf8').replace('faults: []', 'faults: [{name: node-firewall-drop, node: worker-2, port: 8080}]') + EXTRA);
    st = (await labUp({ instance: INST, dir: DIR, config, faults: ['dns-down'] })).state;
    expect(st.faults.map((f) => f.name).sort()).toEqual(['dns-down', 'node-firewall-drop']);
    expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
    expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local')).status).toBe('timeout');
    await clearFaults(DIR);
    await healthy();
    expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local')).status).toBe('NOERROR');
  });
});
