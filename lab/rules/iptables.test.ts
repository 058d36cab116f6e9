import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { renderIptablesRestore, RulesInputError, servicePortChainName, servicePortEndpointChainName } from './index';
import { hasRoot, makeScratch, type Scratch } from './scratch';
import { slice, svc, withAffinity } from './testObjects';

const FIX = sharedPath('fixtures/kube-proxy');
const inputs = JSON.parse(readFileSync(`${FIX}/proxier-test-inputs.json`, 'utf8')) as {
  fixtures: { files: string[]; services: KubeObject[] | string; endpointSlices: KubeObject[] | string }[];
};
const fixture = (file: string) => {
  const f = inputs.fixtures.find((x) => x.files[0] === file);
  if (!f || !Array.isArray(f.services) || !Array.isArray(f.endpointSlices)) throw new Error(`no inputs for ${file}`);
  return { services: f.services, endpointSlices: f.endpointSlices };
};
const base = { nodeName: 'test-node', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', hooks: false, nfacct: true };

describe('kube-proxy iptables text against upstream kube-proxy test expectations', () => {
  it('reproduces TestSyncProxyRulesRepeated (first sync) byte for byte', () => {
    const got = renderIptablesRestore({ ...fixture('iptables-save-sync-repeated-initial.txt'), ...base });
    expect(got).toBe(readFileSync(`${FIX}/iptables-save-sync-repeated-initial.txt`, 'utf8'));
  });

  it('reproduces the full resync (2 endpoints, 0.5 probability, -X of stale chains) byte for byte', () => {
    const got = renderIptablesRestore({
      ...fixture('iptables-save-sync-repeated-full-resync.txt'), ...base,
      existingChains: ['KUBE-SERVICES', 'KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK', 'KUBE-SVC-XPGD46QRK7WJZT7O'],
    });
    expect(got).toBe(readFileSync(`${FIX}/iptables-save-sync-repeated-full-resync.txt`, 'utf8'));
  });

  it('reproduces TestOverallIPTablesRules byte for byte (ClusterIP, NodePort, externalIPs, LoadBalancer with eTP=Local and source ranges, affinity, no endpoints)', () => {
    const got = renderIptablesRestore({ ...fixture('iptables-save-overall-rules.txt'), ...base });
    expect(got).toBe(readFileSync(`${FIX}/iptables-save-overall-rules.txt`, 'utf8'));
  });

  it('has upstream\'s NodePort/LoadBalancer rules line for line, in order (KUBE-NODEPORTS, KUBE-EXT-, KUBE-FW-, health check port, "has no local endpoints" DROP, LB IPs, MARK-MASQ of external traffic)', () => {
    const external = (t: string) => t.split('\n').filter((l) => /KUBE-NODEPORTS|KUBE-EXT-|KUBE-FW-|KUBE-PROXY-FIREWALL -m|health check node port|has no local endpoints|loadbalancer IP|external IP|external destinations/.test(l));
    const want = external(readFileSync(`${FIX}/iptables-save-overall-rules.txt`, 'utf8'));
    expect(want.length).toBeGreaterThan(30); // the fixture holds NodePort, LB, eTP=Local and source-range Services
    expect(want.filter((l) => l.includes('has no local endpoints') && l.endsWith('-j DROP'))).toHaveLength(3);
    expect(external(renderIptablesRestore({ ...fixture('iptables-save-overall-rules.txt'), ...base }))).toEqual(want);
  });

  it('sends external traffic of an eTP=Local Service to this node\'s endpoints only (KUBE-SVL-)', () => {
    const f = fixture('iptables-save-overall-rules.txt');
    // svc2's endpoint moved onto this node: now it has a local endpoint
    const slices = f.endpointSlices.map((s) => s.metadata.namespace === 'ns2'
      ? { ...s, endpoints: [{ addresses: ['10.180.0.2'], nodeName: 'test-node' }, { addresses: ['10.180.0.9'], nodeName: 'other' }] } : s);
    const got = renderIptablesRestore({ ...f, endpointSlices: slices, ...base });
    const svl = servicePortChainName('ns2/svc2:p80', 'TCP').replace('SVC', 'SVL');
    const ext = servicePortChainName('ns2/svc2:p80', 'TCP').replace('SVC', 'EXT');
    expect(got).toContain(`-A ${ext} -j ${svl}\n`);
    expect(got.split('\n').filter((l) => l.startsWith(`-A ${svl} `))).toEqual([
      `-A ${svl} -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j ${servicePortEndpointChainName('ns2/svc2:p80', 'TCP', '10.180.0.2:80')}`,
    ]);
    expect(got).not.toContain('has no local endpoints');
  });

  it('computes the chain names quoted in the fixtures README', () => {
    expect(servicePortChainName('kube-system/kube-dns:dns', 'UDP')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(servicePortChainName('default/kubernetes:https', 'TCP')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(servicePortEndpointChainName('ns1/svc1:p80', 'TCP', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
  });
});

// The lab's own shapes: kube-dns with UDP+TCP 53, a 3-endpoint Service, readiness, faults.
const lab = {
  services: [
    svc('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }]),
    svc('shop', 'backend', '10.96.0.50', [{ name: 'http', port: 80, targetPort: 8080 }]),
    svc('shop', 'db', '10.96.0.60', [{ port: 5432 }]),
  ],
  endpointSlices: [
    slice('kube-system', 'kube-dns', [{ ip: '10.244.1.3' }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
    slice('shop', 'backend', [{ ip: '10.244.1.5', ready: true }, { ip: '10.244.2.5' }, { ip: '10.244.2.6', ready: false }, { ip: '10.244.2.10' }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice('shop', 'db', [{ ip: '10.244.2.7', ready: false }], [{ port: 5432 }]),
  ],
  nodeName: 'worker-1', nodeIP: '172.18.0.2', clusterCIDR: '10.244.0.0/16',
};

describe('kube-proxy iptables text for lab objects', () => {
  const text = renderIptablesRestore(lab);
  it('programs kube-dns on UDP and TCP under the well-known chain name', () => {
    expect(text).toContain('-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(text).toMatch(/-A KUBE-SERVICES -m comment --comment "kube-system\/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-/);
  });
  it('uses only ready endpoints, in kube-proxy order, with the probability cascade', () => {
    const svcRules = text.split('\n').filter((l) => l.startsWith(`-A ${servicePortChainName('shop/backend:http', 'TCP')} `));
    expect(svcRules).toEqual([
      `-A ${servicePortChainName('shop/backend:http', 'TCP')} -m comment --comment "shop/backend:http cluster IP" -m tcp -p tcp -d 10.96.0.50 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ`,
      `-A ${servicePortChainName('shop/backend:http', 'TCP')} -m comment --comment "shop/backend:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.3333333333 -j ${servicePortEndpointChainName('shop/backend:http', 'TCP', '10.244.1.5:8080')}`,
      // "10.244.2.10:8080" sorts before "10.244.2.5:8080" as a string, as in kube-proxy
      `-A ${servicePortChainName('shop/backend:http', 'TCP')} -m comment --comment "shop/backend:http -> 10.244.2.10:8080" -m statistic --mode random --probability 0.5000000000 -j ${servicePortEndpointChainName('shop/backend:http', 'TCP', '10.244.2.10:8080')}`,
      `-A ${servicePortChainName('shop/backend:http', 'TCP')} -m comment --comment "shop/backend:http -> 10.244.2.5:8080" -j ${servicePortEndpointChainName('shop/backend:http', 'TCP', '10.244.2.5:8080')}`,
    ]);
    expect(text).not.toContain('10.244.2.6');
  });
  it('REJECTs a Service whose endpoints are all unready, in the filter table', () => {
    expect(text).toContain('-A KUBE-SERVICES -m comment --comment "shop/db has no endpoints" -m tcp -p tcp -d 10.96.0.60 --dport 5432 -j REJECT');
    expect(text).not.toContain(servicePortChainName('shop/db', 'TCP'));
  });
  it('omits a Service entirely for proxy-rules-missing', () => {
    const t = renderIptablesRestore({ ...lab, omitServices: ['shop/backend'] });
    expect(t).not.toContain('shop/backend');
    expect(t).toContain('kube-system/kube-dns:dns cluster IP');
  });
  it('DNATs to the stale endpoint for stale-proxy-rules', () => {
    const t = renderIptablesRestore({ ...lab, staleEndpoints: { 'shop/backend': ['10.244.2.99'] } });
    expect(t).toContain('-j DNAT --to-destination 10.244.2.99:8080');
    expect(t).not.toContain('--to-destination 10.244.1.5:8080');
    expect(t).not.toContain('statistic');
  });
  it('includes the built-in hooks for a fresh netns and leaves them out once KUBE-SERVICES exists', () => {
    expect(text).toContain('-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(renderIptablesRestore({ ...lab, existingChains: ['KUBE-SERVICES'] })).not.toContain('-I PREROUTING');
  });
  it('names the field on bad input', () => {
    expect(() => renderIptablesRestore({ ...lab, clusterCIDR: '10.244.0.0' })).toThrow(/clusterCIDR.*IPv4 CIDR/);
    expect(() => renderIptablesRestore({ ...lab, services: [svc('a', 'b', 'nope', [{ port: 80 }])] })).toThrow(RulesInputError);
    expect(() => renderIptablesRestore({ ...lab, services: [svc('a', 'b', '10.96.0.1', [{ port: 80, protocol: 'ICMP' }])] })).toThrow(/spec.ports\[0\].*ICMP/);
  });
});

describe('internalTrafficPolicy: Local, as kube-proxy writes it (proxier.go: internalPolicyChain = localPolicyChain)', () => {
  const cache = { ...svc('app', 'cache', '10.96.0.70', [{ port: 6379 }]) };
  cache.spec = { ...(cache.spec as object), internalTrafficPolicy: 'Local' };
  const sl = slice('app', 'cache', [{ ip: '10.244.1.7' }, { ip: '10.244.2.7' }], [{ port: 6379 }]);
  (sl.endpoints as { nodeName?: string }[]).forEach((e, i) => (e.nodeName = `worker-${i + 1}`));
  const input = { services: [cache], endpointSlices: [sl], nodeIP: '172.18.0.2', clusterCIDR: '10.244.0.0/16' };
  const svl = servicePortChainName('app/cache', 'TCP').replace('SVC', 'SVL');
  it('sends cluster IP traffic to this node\'s endpoints only, masquerading off-cluster sources in KUBE-SVL-', () => {
    const t = renderIptablesRestore({ ...input, nodeName: 'worker-1' });
    expect(t).toContain(`-A KUBE-SERVICES -m comment --comment "app/cache cluster IP" -m tcp -p tcp -d 10.96.0.70 --dport 6379 -j ${svl}\n`);
    expect(t.split('\n').filter((l) => l.startsWith(`-A ${svl} `))).toEqual([
      `-A ${svl} -m comment --comment "app/cache cluster IP" -m tcp -p tcp -d 10.96.0.70 --dport 6379 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ`,
      `-A ${svl} -m comment --comment "app/cache -> 10.244.1.7:6379" -j ${servicePortEndpointChainName('app/cache', 'TCP', '10.244.1.7:6379')}`,
    ]);
    expect(t).not.toContain(servicePortChainName('app/cache', 'TCP'));
    expect(t).not.toContain('10.244.2.7');
  });
  it('drops cluster IP traffic on a node without a local endpoint ("has no local endpoints")', () => {
    const t = renderIptablesRestore({ ...input, nodeName: 'worker-3' });
    expect(t).toContain('-A KUBE-SERVICES -m comment --comment "app/cache has no local endpoints" -m tcp -p tcp -d 10.96.0.70 --dport 6379 -j DROP\n');
    expect(t.split('\n').filter((l) => l.includes('app/cache') && !l.includes('has no local endpoints'))).toEqual([]);
  });
});

describe.skipIf(!hasRoot())('kube-proxy iptables text in a real netns (iptables-restore 1.8.9)', () => {
  let s: Scratch;
  beforeAll(() => { s = makeScratch('ipt', 3); });
  afterAll(() => s?.teardown());

  it('loads, and a TCP connection to the VIP reaches the endpoint through DNAT', () => {
    const [client, server, dns] = s.pods;
    const input = {
      services: [
        // with ClientIP affinity, so the kernel's xt_recent / nft dynamic sets are exercised too
        withAffinity(svc('shop', 'backend', '10.96.0.50', [{ name: 'http', port: 80, targetPort: 8080 }])),
        svc('shop', 'db', '10.96.0.60', [{ port: 5432 }]),
        svc('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }]),
      ],
      endpointSlices: [
        slice('shop', 'backend', [{ ip: server.ip }], [{ name: 'http', port: 8080 }]),
        slice('kube-system', 'kube-dns', [{ ip: dns.ip }], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
      ],
      nodeName: 'n', nodeIP: '10.0.1.1', clusterCIDR: '10.0.0.0/16',
    };
    s.restore(renderIptablesRestore(input));
    const saved = s.save();
    expect(saved).toContain(`-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment "shop/backend:http cluster IP" -m tcp --dport 80 -j ${servicePortChainName('shop/backend:http', 'TCP')}`);
    expect(saved).toMatch(new RegExp(`-m recent --set --name KUBE-SEP-\\w+ --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination ${server.ip.replace(/\./g, '\\.')}:8080`));
    s.listen(server, 8080, 'backend-ok');
    s.listen(dns, 53, 'dns-ok', 'udp');
    expect(s.connect(client, '10.96.0.50', 80)).toMatchObject({ ok: true, out: 'backend-ok' });
    expect(s.connect(client, '10.96.0.10', 53, 'udp')).toMatchObject({ ok: true, out: 'dns-ok' });
    // no endpoints: refused at once by the filter REJECT, not a timeout
    const t0 = Date.now();
    const db = s.connect(client, '10.96.0.60', 5432);
    expect(db.ok).toBe(false);
    expect(db.out).toMatch(/refused/i);
    expect(Date.now() - t0).toBeLessThan(1500);

    // re-render as a running node does: backend's endpoint changes; stale chains deleted, hooks not doubled
    const existing = [...s.save().matchAll(/^:(\S+)/gm)].map((m) => m[1]);
    s.restore(renderIptablesRestore({ ...input, staleEndpoints: { 'shop/backend': ['10.0.3.99'] }, existingChains: existing }));
    const after = s.save();
    // hooks: nat PREROUTING + OUTPUT, filter FORWARD + OUTPUT, once each, before and after
    expect(saved.match(/-j KUBE-SERVICES/g)?.length).toBe(4);
    expect(after.match(/-j KUBE-SERVICES/g)?.length).toBe(4);
    expect(after).not.toContain(servicePortEndpointChainName('shop/backend:http', 'TCP', `${server.ip}:8080`));
    expect(after).toContain('--to-destination 10.0.3.99:8080');
    expect(s.connect(client, '10.96.0.50', 80, 'tcp', 1).ok).toBe(false);
  });
});

describe.skipIf(!hasRoot())('kube-proxy iptables text as a real node prints it', () => {
  let s: Scratch;
  beforeAll(() => { s = makeScratch('ipn', 1); });
  afterAll(() => s?.teardown());

  it('iptables-save of our TestOverallIPTablesRules text equals the upstream text normalized by iptables 1.8.9', () => {
    // without nfacct (its counters do not exist here); the upstream dump is compared with those matches removed
    s.restore(renderIptablesRestore({ ...fixture('iptables-save-overall-rules.txt'), ...base, nfacct: false }));
    const ours = (t: string) => t.split('\n').filter((l) => l && !l.startsWith('#') && !/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l) && !/^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l));
    const upstream = readFileSync(`${FIX}/iptables-save-overall-rules.normalized-by-iptables-1.8.9.txt`, 'utf8').replace(/ -m nfacct --nfacct-name +\S+/g, '');
    expect(ours(s.save())).toEqual(ours(upstream));
  });
});
