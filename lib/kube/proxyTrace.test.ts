import { sharedPath } from '../../test/shared';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../parse/iptablesSave';
import { parseNft } from '../parse/nft';
import { parseIpvsadm } from '../parse/ipvsadm';
import { compareWithEndpoints, proxyObservation, traceNodePort, traceService, type ProxyDump, type ProxyTrace } from './proxyTrace';
import { endpointsForServicePort } from './endpoints';
import type { EndpointSlice, Service } from './types';

const SHARED = sharedPath('fixtures/kube-proxy');
const OWN = new URL('../parse/fixtures/', import.meta.url).pathname;

interface FixtureSet { files: string[]; test: string; services: Service[] | string; endpointSlices: EndpointSlice[] | string }
const inputs = JSON.parse(readFileSync(`${SHARED}/proxier-test-inputs.json`, 'utf8')) as { fixtures: FixtureSet[] };
const byTest = new Map(inputs.fixtures.map((f) => [f.test, f]));
function load(path: string): ProxyDump {
  const text = readFileSync(path, 'utf8');
  if (/nft/.test(path)) {
    const r = parseNft(text);
    if (!r.ok) throw new Error(`${path}: ${JSON.stringify(r.error)}`);
    return { mode: 'nftables', ruleset: r.value };
  }
  const r = parseIptablesSave(text);
  if (!r.ok) throw new Error(`${path}: ${JSON.stringify(r.error)}`);
  return { mode: 'iptables', save: r.value };
}

/** The mapping a dump gives: "proto vip:port" → sorted "ip:port (p)" list, plus the reject flag. */
function mapping(t: ProxyTrace): string {
  const eps = t.endpoints.map((e) => `${e.ip}:${e.port}@${e.probability.toFixed(4)}`).sort();
  return `${t.found ? 'found' : 'absent'} ${t.reject ? 'reject ' : ''}[${eps.join(' ')}] ${t.servicePort ?? '?'}`;
}

describe('kube-proxy trace over every upstream dump', () => {
  // own captures: the same rulesets dumped back by real iptables-save / nft on this machine
  const ownFor: Record<string, string[]> = {
    TestOverallIPTablesRules: ['iptables-save/kube-proxy-overall-rules.txt'],
    TestOverallNFTablesRules: ['nft/kube-proxy-overall-table.json.txt', 'nft/kube-proxy-overall-ruleset.json.txt', 'nft/kube-proxy-overall-ruleset.txt'],
    'TestSyncProxyRulesRepeated (first sync)': ['iptables-save/kube-proxy-sync-repeated-initial.txt'],
    'TestSyncProxyRulesRepeated (last, full resync)': ['iptables-save/kube-proxy-sync-repeated-full-resync.txt'],
  };
  const overall = byTest.get('TestOverallIPTablesRules')!;
  let traced = 0;

  for (const fx of inputs.fixtures) {
    const services = typeof fx.services === 'string' ? (overall.services as Service[]) : fx.services;
    const slices = typeof fx.endpointSlices === 'string' ? (overall.endpointSlices as EndpointSlice[]) : fx.endpointSlices;
    const files = [...fx.files.map((f) => `${SHARED}/${f}`), ...(ownFor[fx.test] ?? []).map((f) => `${OWN}${f}`)];
    it(`${fx.test}: ${files.length} dumps map every Service VIP to its EndpointSlice endpoints`, () => {
      const perFile = files.map((f) => {
        const dump = load(f);
        return services.flatMap((svc) => (svc.spec?.ports ?? []).map((sp) => {
          const t = traceService(dump, svc.spec!.clusterIP!, sp.port, sp.protocol ?? 'TCP');
          const ready = endpointsForServicePort(svc, sp, slices).ready;
          traced++;
          // every VIP has rules; the DNAT targets are exactly the EndpointSlice's ready endpoints
          expect(t.found, `${f} ${svc.metadata?.name}`).toBe(true);
          expect(t.endpoints.map((e) => `${e.ip}:${e.port}`).sort(), `${f} ${svc.metadata?.name}`).toEqual([...ready].sort());
          expect(t.reject, `${f} ${svc.metadata?.name}`).toBe(ready.length === 0);
          if (ready.length) expect(t.endpoints.reduce((s, e) => s + e.probability, 0)).toBeCloseTo(1, 6);
          expect(t.servicePort).toBe(`${svc.metadata?.namespace}/${svc.metadata?.name}:${sp.name}`);
          expect(compareWithEndpoints(t, ready).status).toBe('ok');
          return `${svc.metadata?.namespace}/${svc.metadata?.name} ${mapping(t)}`;
        }));
      });
      // iptables restore input, iptables-save output, nft transaction, nft JSON and nft text all agree
      for (const m of perFile.slice(1)) expect(m).toEqual(perFile[0]);
    });
  }

  it('iptables and nftables forms of the overall ruleset agree with each other', () => {
    const ipt = load(`${SHARED}/iptables-save-overall-rules.normalized-by-iptables-1.8.9.txt`);
    const nft = load(`${OWN}nft/kube-proxy-overall-table.json.txt`);
    const vips = ['172.30.0.41', '172.30.0.42', '172.30.0.43', '172.30.0.44', '172.30.0.45', '172.30.0.46', '192.168.99.22', '1.2.3.4', '192.168.99.33', '5.6.7.8'];
    for (const vip of vips) {
      const a = traceService(ipt, vip, 80, 'TCP');
      const b = traceService(nft, vip, 80, 'TCP');
      expect(mapping(b), vip).toEqual(mapping(a));
      expect(a.affinity).toBe(b.affinity);
    }
    console.log(`kube-proxy dumps: ${traced} Service-port traces checked against EndpointSlices; ${vips.length} VIPs compared iptables vs nft`);
  });

  it('details of one trace: chains, comment, probabilities, masquerade, affinity', () => {
    const t = traceService(load(`${SHARED}/iptables-save-overall-rules.normalized-by-iptables-1.8.9.txt`), '172.30.0.44', 80);
    expect(t.chains).toEqual(['KUBE-SERVICES', 'KUBE-SVC-4SW47YFZTEDKD3PK']);
    expect(t.comment).toBe('ns4/svc4:p80 cluster IP');
    expect(t.endpoints).toEqual([
      { ip: '10.180.0.4', port: 80, probability: 0.5, chain: 'KUBE-SEP-UKSFD7AGPMPPLUHC' },
      { ip: '10.180.0.5', port: 80, probability: 0.5, chain: 'KUBE-SEP-C6EBXVWJJZMIWKLZ' },
    ]);
    expect(t.masquerade).toBe(true);
    expect(t.rules).toContain('-A KUBE-SEP-UKSFD7AGPMPPLUHC -p tcp -m comment --comment "ns4/svc4:p80" -m tcp -j DNAT --to-destination 10.180.0.4:80');
    expect(traceService(load(`${SHARED}/iptables-save-overall-rules.txt`), '172.30.0.45', 80).affinity).toBe(true);
    const n = traceService(load(`${OWN}nft/kube-proxy-overall-ruleset.txt`), '172.30.0.44', 80);
    expect(n.chains).toEqual(['services', 'service-ips', 'service-LAUZTJTB-ns4/svc4/tcp/p80']);
    expect(n.masquerade).toBe(true);
    const none = traceService(load(`${OWN}nft/kube-proxy-overall-ruleset.txt`), '172.30.0.46', 80);
    expect(none.reject).toBe(true);
    expect(none.comment).toBe('ns6/svc6:p80');
  });

  it('a NodePort traced from KUBE-NODEPORTS / service-nodeports reaches the endpoints the ClusterIP does, in both modes', () => {
    const ipt = load(`${SHARED}/iptables-save-overall-rules.normalized-by-iptables-1.8.9.txt`);
    const nft = load(`${OWN}nft/kube-proxy-overall-ruleset.txt`);
    const eps = (t: ProxyTrace) => t.endpoints.map((e) => `${e.ip}:${e.port}`).sort();
    // NodePort → its Service's ClusterIP (svc2 LoadBalancer with externalTrafficPolicy Local, svc3 NodePort, svc5 with affinity)
    for (const [nodePort, vip, svc] of [[3001, '172.30.0.42', 'ns2/svc2:p80'], [3003, '172.30.0.43', 'ns3/svc3:p80'], [3002, '172.30.0.45', 'ns5/svc5:p80']] as const) {
      const a = traceNodePort(ipt, nodePort, 'TCP', '192.168.0.2');
      const b = traceNodePort(nft, nodePort, 'TCP', '192.168.0.2');
      expect(a.found && b.found, `${nodePort}`).toBe(true);
      expect(a.nodePort).toBe(true);
      expect(a.chains[0]).toBe('KUBE-NODEPORTS');
      expect(b.chains.slice(0, 2)).toEqual(['services', 'service-nodeports']);
      expect(a.servicePort).toBe(svc);
      expect(b.servicePort).toBe(svc);
      expect(eps(a)).toEqual(eps(traceService(ipt, vip, 80)));
      expect(eps(b)).toEqual(eps(a));
      // svc2's "has no local endpoints" drop (iptables) / plain drop (nft) is externalTrafficPolicy Local's, not "no endpoints"
      expect(a.reject).toBe(false);
      expect(b.reject).toBe(false);
      expect(compareWithEndpoints(a, eps(a)).status).toBe('ok');
    }
    expect(traceNodePort(ipt, 3001, 'TCP').rules[0]).toBe('-A KUBE-NODEPORTS -p tcp -m comment --comment "ns2/svc2:p80" -m tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT');
    // a port kube-proxy has no NodePort for: missing, said of KUBE-NODEPORTS / service-nodeports
    const none = traceNodePort(ipt, 3999, 'TCP', '192.168.0.2');
    expect(none.found).toBe(false);
    expect(compareWithEndpoints(none, ['10.180.0.1:80']).sentence).toBe('kube-proxy has no rule for NodePort TCP 3999 (192.168.0.2:3999) in iptables-save (nat KUBE-NODEPORTS); the EndpointSlice lists 10.180.0.1:80.');
    expect(compareWithEndpoints(traceNodePort(nft, 3999, 'TCP'), []).sentence).toBe('kube-proxy has no rule for NodePort TCP 3999 in nft table ip kube-proxy (map service-nodeports).');
    // an endpoint the EndpointSlice no longer lists: stale, the DNAT named
    const stale = compareWithEndpoints(traceNodePort(ipt, 3003, 'TCP'), ['10.180.0.9:80']);
    expect(stale.status).toBe('stale');
    expect(stale.sentence).toMatch(/^EndpointSlice says 10\.180\.0\.9:80, the KUBE-SEP-\w+ rule DNATs to /);
  });

  it('a nat-only dump (iptables-save -t nat) still traces DNATs but cannot see the filter-table reject', () => {
    const nat = load(`${OWN}iptables-save/kube-proxy-overall-rules-nat-only.txt`);
    expect(traceService(nat, '172.30.0.44', 80).endpoints).toHaveLength(2);
    expect(traceService(nat, '172.30.0.46', 80).found).toBe(false);
  });

  it('the two ipvsadm -Ln pastes map VIPs to real servers with weights', () => {
    const ipvs = (f: string): ProxyDump => {
      const r = parseIpvsadm(readFileSync(`${SHARED}/${f}`, 'utf8'));
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return { mode: 'ipvs', ipvs: r.value };
    };
    const blog = traceService(ipvs('ipvsadm-Ln-ipvs-deep-dive-blog.txt'), '10.102.128.4', 3080);
    expect(blog.endpoints.map((e) => [e.ip, e.port, e.probability])).toEqual([['10.244.0.235', 8080, 0.5], ['10.244.1.237', 8080, 0.5]]);
    const readme = ipvs('ipvsadm-Ln-kube-proxy-ipvs-readme.txt');
    const api = traceService(readme, '10.0.0.1', 443);
    expect(api.endpoints).toEqual([{ ip: '192.168.0.1', port: 6443, probability: 1, chain: 'IPVS TCP  10.0.0.1:443 rr persistent 10800' }]);
    expect(api.affinity).toBe(true);
    expect(traceService(readme, '10.0.0.10', 53, 'UDP').endpoints.map((e) => e.ip)).toEqual(['172.17.0.2']);
    expect(traceService(readme, '10.0.0.10', 54, 'UDP').found).toBe(false);
  });
});

describe('compareWithEndpoints', () => {
  const dump = load(`${SHARED}/iptables-save-sync-repeated-full-resync.txt`);
  it('stale: the DNAT target is not the ready endpoint, in the sentence the issue asks for', () => {
    const t = traceService(dump, '172.30.0.41', 80);
    const c = compareWithEndpoints(t, ['10.0.1.7:80']);
    expect(c.status).toBe('stale');
    expect(c.sentence).toBe('EndpointSlice says 10.0.1.7:80, the KUBE-SEP-SNQ3ZNILQDEJNDQO rule DNATs to 10.0.1.1:80.');
    if (c.status === 'stale') { expect(c.extra).toEqual(['10.0.1.1:80']); expect(c.absent).toEqual(['10.0.1.7:80']); }
  });
  it('terminating-but-serving endpoints are what kube-proxy uses when none is ready: ok, not stale', () => {
    const t = traceService(dump, '172.30.0.41', 80);
    expect(compareWithEndpoints(t, [], ['10.0.1.1:80'])).toEqual({ status: 'ok', sentence: 'kube-proxy sends TCP 172.30.0.41:80 (ns1/svc1:p80) to 10.0.1.1:80 (100%), the Service\'s terminating but still serving endpoints (none is ready).' });
    expect(compareWithEndpoints(t, []).status).toBe('stale');
  });
  it('missing: no rule for the VIP (svc2 was deleted in this resync)', () => {
    const c = compareWithEndpoints(traceService(dump, '172.30.0.42', 8080), ['10.0.2.1:8080']);
    expect(c).toEqual({ status: 'missing', cause: 'proxy-rules-missing', sentence: 'kube-proxy has no rule for TCP 172.30.0.42:8080 in iptables-save (nat KUBE-SERVICES); the EndpointSlice lists 10.0.2.1:8080.' });
  });
  it('stale when kube-proxy still rejects a Service that now has endpoints; ok when it lists a subset wrongly is stale too', () => {
    const all = load(`${SHARED}/iptables-save-overall-rules.txt`);
    const c = compareWithEndpoints(traceService(all, '172.30.0.46', 80), ['10.180.0.9:80']);
    expect(c.status).toBe('stale');
    expect(c.sentence).toContain('kube-proxy still rejects TCP 172.30.0.46:80 as having no endpoints');
    expect(compareWithEndpoints(traceService(all, '172.30.0.44', 80), ['10.180.0.4:80']).status).toBe('stale');
    expect(compareWithEndpoints(traceService(all, '172.30.0.44', 80), ['10.180.0.5:80', '10.180.0.4:80']).status).toBe('ok');
  });
});

it('own fixtures dir holds only captured files with a command header', () => {
  for (const dir of ['iptables-save', 'nft']) {
    for (const f of readdirSync(`${OWN}${dir}`)) expect(readFileSync(`${OWN}${dir}/${f}`, 'utf8')).toMatch(/^# command: /);
  }
});

describe('proxyObservation: kube-proxy named once', () => {
  it('a sentence about kube-proxy continues after "kube-proxy (mode) on NODE"', () => {
    expect(proxyObservation('iptables', 'worker-1', 'kube-proxy sends TCP 10.96.44.134:80 (shop/backend:http) to 10.244.1.4:8080 (50%), 10.244.2.3:8080 (50%), the Service\'s ready endpoints.')).toBe(
      'kube-proxy (iptables) on worker-1 sends TCP 10.96.44.134:80 (shop/backend:http) to 10.244.1.4:8080 (50%), 10.244.2.3:8080 (50%), the Service\'s ready endpoints',
    );
    expect(proxyObservation('nftables', 'w2', 'kube-proxy has no rule for TCP 10.96.0.9:80 in nft table ip kube-proxy (map service-ips).')).toBe('kube-proxy (nftables) on w2 has no rule for TCP 10.96.0.9:80 in nft table ip kube-proxy (map service-ips)');
  });
  it('any other sentence is said of the node\'s rules, without a second "kube-proxy" up front', () => {
    expect(proxyObservation('iptables', 'worker-1', 'EndpointSlice says 10.244.1.4:8080, the KUBE-SEP-X rule DNATs to 10.244.9.9:8080.')).toBe('iptables rules on worker-1: EndpointSlice says 10.244.1.4:8080, the KUBE-SEP-X rule DNATs to 10.244.9.9:8080');
    expect(proxyObservation('ipvs', 'n1', 'EndpointSlice lists no ready endpoint, kube-proxy still rejects TCP 10.96.0.9:80 as having no endpoints.')).toMatch(/^the IPVS table on n1: EndpointSlice/);
    for (const [mode, s] of [['iptables', 'kube-proxy rejects TCP 1.2.3.4:80: the Service has no ready endpoints.'], ['nftables', 'the Service has internalTrafficPolicy Local and no ready endpoint on n1, so kube-proxy drops TCP 1.2.3.4:80 there on purpose.']] as const) {
      expect(proxyObservation(mode, 'n1', s)).not.toMatch(/kube-proxy[^:]*: kube-proxy/);
    }
  });
});
