import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { renderNftScript } from './index';
import { inNetns, mustRun, run } from './run';
import { hasRoot, makeScratch, type Scratch } from './scratch';
import { slice, svc, withAffinity } from './testObjects';

const FIX = sharedPath('fixtures/kube-proxy');
const inputs = JSON.parse(readFileSync(`${FIX}/proxier-test-inputs.json`, 'utf8')) as { fixtures: { services: KubeObject[]; endpointSlices: KubeObject[] }[] };
const overall = inputs.fixtures[0];
const lines = (t: string) => t.split('\n').filter((l) => l.trim() && !l.startsWith('#'));

describe('kube-proxy nftables script against upstream TestOverallNFTablesRules', () => {
  const got = renderNftScript({ services: overall.services, endpointSlices: overall.endpointSlices, nodeName: 'test-node', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', serviceCIDR: '172.30.0.0/16' });
  const want = lines(readFileSync(`${FIX}/nft-overall-rules.txt`, 'utf8'));
  it('has exactly the upstream lines (every Service: ClusterIP, NodePort, externalIPs, LoadBalancer, eTP=Local, source ranges, affinity, no endpoints)', () => {
    const g = lines(got).filter((l) => !/^(add|delete) table ip kube-proxy$/.test(l));
    expect([...g].sort()).toEqual([...want].sort());
  });
  it('has upstream\'s NodePort/LoadBalancer lines (nodeport maps, external- chains, firewall, no-endpoint-nodeports drop)', () => {
    const external = (t: string[]) => t.filter((l) => /nodeport|external-|firewall|loadbalancer|no-endpoint-nodeports/.test(l)).sort();
    const w = external(want);
    expect(w.length).toBeGreaterThan(25);
    expect(w).toContain('add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }');
    expect(external(lines(got))).toEqual(w);
  });
  it('deletes and recreates the table in one transaction', () => {
    expect(lines(got).slice(0, 3)).toEqual(['add table ip kube-proxy', 'delete table ip kube-proxy', 'add table ip kube-proxy { comment "rules for kube-proxy" ; }']);
  });
  it('defines every chain before any rule or element refers to it', () => {
    const ls = lines(got);
    const firstUse = ls.findIndex((l) => l.startsWith('add rule') || l.startsWith('add element'));
    expect(ls.slice(firstUse).some((l) => l.startsWith('add chain'))).toBe(false);
  });
});

describe('internalTrafficPolicy: Local in nftables mode', () => {
  const cache = { ...svc('app', 'cache', '10.96.0.70', [{ port: 6379 }]) };
  cache.spec = { ...(cache.spec as object), internalTrafficPolicy: 'Local' };
  const sl = slice('app', 'cache', [{ ip: '10.244.1.7' }, { ip: '10.244.2.7' }], [{ port: 6379 }]);
  (sl.endpoints as { nodeName?: string }[]).forEach((e, i) => (e.nodeName = `worker-${i + 1}`));
  const input = { services: [cache], endpointSlices: [sl], nodeIP: '172.18.0.2', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16' };
  it('maps the cluster IP to the local chain (masquerade + local endpoints only), or drops it without a local endpoint', () => {
    const here = lines(renderNftScript({ ...input, nodeName: 'worker-1' }));
    const local = here.find((l) => /^add element ip kube-proxy service-ips \{ 10\.96\.0\.70 \. tcp \. 6379 : goto local-/.test(l));
    expect(local).toBeDefined();
    const chain = /goto (local-\S+) \}/.exec(local!)![1];
    expect(here.filter((l) => l.startsWith(`add rule ip kube-proxy ${chain} `))).toEqual([
      `add rule ip kube-proxy ${chain} ip daddr 10.96.0.70 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
      expect.stringContaining('10.244.1.7'),
    ]);
    expect(here.some((l) => l.includes('10.244.2.7'))).toBe(false);
    expect(here.some((l) => /add chain ip kube-proxy service-[A-Z0-9]{8}-/.test(l))).toBe(false);
    const away = lines(renderNftScript({ ...input, nodeName: 'worker-3' }));
    expect(away).toContain('add element ip kube-proxy no-endpoint-services { 10.96.0.70 . tcp . 6379 comment "app/cache" : drop }');
    expect(away.some((l) => l.includes('service-ips { 10.96.0.70'))).toBe(false);
  });
});

describe.skipIf(!hasRoot())('kube-proxy nftables script in a real netns (nft 1.0.6)', () => {
  let s: Scratch;
  beforeAll(() => { s = makeScratch('nft', 3); });
  afterAll(() => s?.teardown());

  it('loads twice (replacing itself), and connections go through numgen DNAT; no endpoints is rejected', () => {
    const [client, server, dns] = s.pods;
    const input = {
      services: [
        // with ClientIP affinity, so the kernel's xt_recent / nft dynamic sets are exercised too
        withAffinity(svc('shop', 'backend', '10.96.0.50', [{ name: 'http', port: 80, targetPort: 8080 }])),
        svc('shop', 'db', '10.96.0.60', [{ port: 5432 }]),
        svc('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
      ],
      endpointSlices: [
        slice('shop', 'backend', [{ ip: server.ip, ready: true }], [{ name: 'http', port: 8080 }]),
        slice('kube-system', 'kube-dns', [{ ip: dns.ip, ready: true }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
      ],
      nodeName: 'n', nodeIP: '10.0.1.1', clusterCIDR: '10.0.0.0/16', serviceCIDR: '10.96.0.0/16',
    };
    const nft = (text: string) => mustRun(inNetns(s.node, ['nft', '-f', '-']), { input: text });
    nft(renderNftScript({ ...input, staleEndpoints: { 'shop/backend': ['10.0.3.99'] } }));
    nft(renderNftScript(input));
    const listed = mustRun(inNetns(s.node, ['nft', 'list', 'table', 'ip', 'kube-proxy']));
    expect(listed).toContain(`meta l4proto tcp dnat to ${server.ip}:8080`);
    expect(listed).toMatch(/flags dynamic,timeout\s+timeout 10m/);
    expect(listed).not.toContain('10.0.3.99'); // the first render is gone, not merged
    expect(listed).toMatch(/10\.96\.0\.60 \. tcp \. 5432 comment "shop\/db" : goto reject-chain/);
    s.listen(server, 8080, 'backend-ok');
    s.listen(dns, 53, 'dns-ok', 'udp');
    expect(s.connect(client, '10.96.0.50', 80)).toMatchObject({ ok: true, out: 'backend-ok' });
    expect(s.connect(client, '10.96.0.10', 53, 'udp')).toMatchObject({ ok: true, out: 'dns-ok' });
    const db = s.connect(client, '10.96.0.60', 5432);
    expect(db.ok).toBe(false);
    expect(db.out).toMatch(/refused/i);
    // a wrong port on a live ClusterIP is rejected too (cluster-ips-check)
    expect(s.connect(client, '10.96.0.50', 81).out).toMatch(/refused/i);
    expect(run(inNetns(s.node, ['nft', 'delete', 'table', 'ip', 'kube-proxy'])).code).toBe(0);
  });
});

describe.skipIf(!hasRoot())('kube-proxy nftables script as a real node prints it', () => {
  let s: Scratch;
  beforeAll(() => { s = makeScratch('nfn', 1); });
  afterAll(() => s?.teardown());

  it('`nft list table ip kube-proxy` of our TestOverallNFTablesRules script has the same blocks as upstream\'s listing by nft 1.0.6', () => {
    mustRun(inNetns(s.node, ['nft', '-f', '-']), {
      input: renderNftScript({ services: overall.services, endpointSlices: overall.endpointSlices, nodeName: 'test-node', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', serviceCIDR: '172.30.0.0/16' }),
    });
    // chains, sets and maps print in creation order, which differs from the upstream load order: compare the
    // blocks as a set, each block with its element list flattened and sorted
    const blocks = (t: string) => t.split(/\n(?=\t(?:chain|set|map) )/).slice(1).map((b) => {
      // the last block also carries the table's closing brace
      const [head, ...rest] = b.trimEnd().replace(/\n\}$/, '').trimEnd().split('\n');
      const body = rest.join('\n').replace(/elements = \{([^}]*)\}/, (_, e: string) => `elements = { ${e.split(/,\s*/).map((x) => x.trim()).sort().join(', ')} }`);
      return `${head}\n${body}`;
    }).sort();
    const listed = mustRun(inNetns(s.node, ['nft', 'list', 'table', 'ip', 'kube-proxy']));
    expect(blocks(listed)).toEqual(blocks(readFileSync(`${FIX}/nft-list-table-overall-rules.by-nft-1.0.6.txt`, 'utf8')));
  });
});
