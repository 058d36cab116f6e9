// The other shape of the lab: host-gw routing, nftables kube-proxy, NetworkPolicy ignored (a flannel
// cluster). Connectivity, DNS, unenforced policy, and the faults whose mechanism differs from VXLAN and
// iptables. Needs root.
import { testInstance } from '../testInstance';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabState } from '../types';
import { addFault, clearFaults, staleMac } from './faults';
import { DEFAULT_LAB_FILE, labDown, labUp } from './lab';
import { run } from './sh';
import { dfPing, dig, httpGet, isRoot, tcpOk } from './testkit';

const INST = testInstance('dpv');
const DIR = `/run/packetwalk/${INST}`;

describe.skipIf(!isRoot())('host-gw + nftables + NetworkPolicy ignored', () => {
  let st: LabState;
  const ip = (k: string) => st.pods.find((p) => `${p.namespace}/${p.name}` === k)!.ip;
  const node = (n: string) => st.nodes.find((x) => x.name === n)!;

  beforeAll(async () => {
    process.env.PACKETWALK_LAB = INST;
    const file = join(mkdtempSync(join(tmpdir(), 'pw-var-')), 'lab.yaml');
    writeFileSync(file, readFileSync(DEFAULT_LAB_FILE, 'utf8').replace('overlay: vxlan', 'overlay: host-gw').replace('kubeProxy: iptables', 'kubeProxy: nftables').replace('networkPolicy: enforce', 'networkPolicy: ignore'));
    st = (await labUp({ instance: INST, dir: DIR, config: file })).state;
  });
  afterAll(async () => {
    await labDown({ instance: INST, dir: DIR });
  });

  it('routes pods across nodes without a tunnel, Services through nftables, DNS through the VIP', async () => {
    const routes = (await run(['ip', '-n', node('worker-1').netns, 'route'])).stdout;
    expect(routes).toContain(`${node('worker-2').podCIDR} via ${node('worker-2').internalIP} dev eth0`);
    expect((await run(['ip', '-n', node('worker-1').netns, 'link', 'show', 'flannel.1'])).code).not.toBe(0);
    expect(await httpGet(st, 'shop/frontend-0', ip('shop/backend-0'), 8080)).toBe('backend-0\n');
    expect(await httpGet(st, 'shop/frontend-0', 'backend', 80)).toMatch(/^backend-[01]\n$/);
    expect((await dig(st, 'shop/frontend-0', 'postgres.db.svc.cluster.local')).status).toBe('NOERROR');
    const nft = (await run(['ip', 'netns', 'exec', node('worker-1').netns, 'nft', 'list', 'table', 'ip', 'kube-proxy'])).stdout;
    expect(nft).toMatch(/map service-ips/);
    expect((await run(['ip', 'netns', 'exec', node('worker-1').netns, 'iptables-save', '-t', 'nat'])).stdout).not.toContain('KUBE-SERVICES');
  });

  it('leaves NetworkPolicies unenforced, as flannel does', async () => {
    expect(st.objects.some((o) => o.kind === 'NetworkPolicy')).toBe(true);
    expect(await tcpOk(st, 'shop/frontend-0', 'postgres.db', 5432)).toBe(true);
    expect(st.objects.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('kube-flannel-ds-'))).toHaveLength(2);
  });

  it('mtu-blackhole without a tunnel: the node link is the bottleneck', async () => {
    await addFault(DIR, 'mtu-blackhole:node=worker-2');
    expect((await dfPing(st, 'shop/frontend-0', ip('shop/backend-0'), 1000)).received).toBe(2);
    const big = await dfPing(st, 'shop/frontend-0', ip('shop/backend-0'), 1400);
    expect(big.received).toBe(0);
    expect(big.icmpError).toBe(false);
    await clearFaults(DIR);
    expect((await dfPing(st, 'shop/frontend-0', ip('shop/backend-0'), 1472, 1)).received).toBe(1);
  });

  it('stale-neighbor and node-route-missing on host-gw', async () => {
    await addFault(DIR, 'stale-neighbor:node=worker-1,peer=worker-2');
    expect((await run(['ip', '-n', node('worker-1').netns, 'neigh', 'show', node('worker-2').internalIP])).stdout).toContain(staleMac(INST, 'worker-2'));
    expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080, 1)).toBe(false);
    await clearFaults(DIR);
    expect(await tcpOk(st, 'shop/frontend-0', ip('shop/backend-0'), 8080)).toBe(true);
    await addFault(DIR, 'node-route-missing:node=worker-2,to=worker-1');
    expect(await tcpOk(st, 'shop/backend-0', ip('shop/frontend-0'), 8080, 1)).toBe(false);
    await clearFaults(DIR);
    expect(await tcpOk(st, 'shop/backend-0', ip('shop/frontend-0'), 8080)).toBe(true);
  });

  it('refuses overlay-blocked: there is no tunnel to block', async () => {
    await expect(addFault(DIR, 'overlay-blocked:node=worker-1')).rejects.toThrow(/host-gw and has no tunnel/);
  });

  it('proxy faults in nftables mode', async () => {
    await addFault(DIR, 'proxy-rules-missing:service=shop/backend');
    const nft = (await run(['ip', 'netns', 'exec', node('worker-1').netns, 'nft', 'list', 'table', 'ip', 'kube-proxy'])).stdout;
    expect(nft).not.toContain('shop/backend');
    expect(await tcpOk(st, 'shop/frontend-0', 'backend', 80, 1)).toBe(false);
    expect(await httpGet(st, 'shop/frontend-0', 'frontend', 80)).toMatch(/^frontend-[01]\n$/);
    await clearFaults(DIR);
    await addFault(DIR, 'stale-proxy-rules:service=shop/backend');
    expect(await tcpOk(st, 'shop/frontend-0', 'backend', 80, 1)).toBe(false);
    await clearFaults(DIR);
    expect(await httpGet(st, 'shop/frontend-0', 'backend', 80)).toMatch(/^backend-[01]\n$/);
  });
});
