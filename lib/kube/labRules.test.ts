// The trace on the lab's own dataplane: lab/rules renders kube-proxy rules (iptables and nftables mode,
// with the proxy-rules-missing and stale-proxy-rules faults), a scratch netns kp-h5-lab-<pid> loads them
// with the real iptables-restore / nft, and the real iptables-save / `nft -j list ruleset` output goes
// through parseProxyDump → traceService → compareWithEndpoints, as the engine does on a lab node.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderIptablesRestore, renderNftScript } from '../../lab/rules/index';
import type { KubeObject } from '../../lab/types';
import { compareWithEndpoints, parseProxyDump, traceService, type ProxyMode } from './proxyTrace';
import { detectProxyMode } from './proxyMode';
import { endpointsForServicePort } from './endpoints';
import type { EndpointSlice, Service } from './types';

const NS = `kp-h5-lab-${process.pid}`;
const run = (argv: string[], input?: string) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', input, timeout: 20_000, maxBuffer: 16 << 20 });
const canRun = process.getuid?.() === 0 && run(['sh', '-c', 'command -v ip && command -v iptables-save && command -v nft']).status === 0;

const svc = (name: string, ip: string, port: number, targetPort: number): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name },
  spec: { clusterIP: ip, selector: { app: name }, ports: [{ name: 'http', port, targetPort, protocol: 'TCP' }] },
} as KubeObject);
const slice = (name: string, port: number, ips: string[], notReady: string[] = []): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'shop', name: `${name}-abcde`, labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4', ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints: [...ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })), ...notReady.map((ip) => ({ addresses: [ip], conditions: { ready: false } }))],
} as KubeObject);

const services = [svc('backend', '10.96.0.50', 80, 8080), svc('cart', '10.96.0.51', 80, 8080), svc('ledger', '10.96.0.52', 5432, 5432), svc('empty', '10.96.0.53', 80, 8080)];
const slices = [slice('backend', 8080, ['10.244.1.5', '10.244.2.7', '10.244.2.8'], ['10.244.1.9']), slice('cart', 8080, ['10.244.1.6']), slice('ledger', 5432, ['10.244.2.7']), slice('empty', 8080, [], ['10.244.1.10'])];
const input = {
  services, endpointSlices: slices, nodeName: 'worker-1', nodeIP: '192.168.77.1', clusterCIDR: '10.244.0.0/16',
  omitServices: ['shop/cart'], staleEndpoints: { 'shop/ledger': ['10.244.2.9'] },
};

describe.skipIf(!canRun)('kube-proxy trace on lab-rendered rules loaded into a real netns', () => {
  beforeAll(() => {
    for (const s of [['ip', 'netns', 'add', NS], ['ip', '-n', NS, 'link', 'set', 'lo', 'up']]) {
      const r = run(s);
      if (r.status !== 0) throw new Error(`${s.join(' ')}: ${r.stderr}`);
    }
  });
  afterAll(() => { run(['ip', 'netns', 'del', NS]); });

  const expectations = (mode: ProxyMode, dumpText: string) => {
    const dump = parseProxyDump(mode, dumpText);
    if (!dump.ok) throw new Error(JSON.stringify(dump.error));
    const judge = (name: string) => {
      const s = services.find((x) => x.metadata.name === name) as unknown as Service;
      const sp = s.spec!.ports![0];
      const ready = endpointsForServicePort(s, sp, slices as unknown as EndpointSlice[]).ready;
      const t = traceService(dump.value, s.spec!.clusterIP!, sp.port, 'TCP');
      return { t, c: compareWithEndpoints(t, ready) };
    };
    const healthy = judge('backend');
    expect(healthy.c.status).toBe('ok');
    expect(healthy.t.endpoints.map((e) => `${e.ip}:${e.port}`).sort()).toEqual(['10.244.1.5:8080', '10.244.2.7:8080', '10.244.2.8:8080']);
    for (const e of healthy.t.endpoints) expect(e.probability).toBeCloseTo(1 / 3, 6);
    expect(healthy.t.servicePort).toBe('shop/backend:http');
    expect(healthy.t.masquerade).toBe(true);
    expect(judge('cart').c).toMatchObject({ status: 'missing', cause: 'proxy-rules-missing' });
    const stale = judge('ledger');
    expect(stale.c).toMatchObject({ status: 'stale', cause: 'proxy-rules-stale', extra: ['10.244.2.9:5432'], absent: ['10.244.2.7:5432'] });
    expect(stale.c.sentence).toMatch(mode === 'iptables'
      ? /^EndpointSlice says 10\.244\.2\.7:5432, the KUBE-SEP-[A-Z2-7]{16} rule DNATs to 10\.244\.2\.9:5432\.$/
      : /^EndpointSlice says 10\.244\.2\.7:5432, the endpoint-[A-Z2-7]{8}-shop\/ledger\/tcp\/http__10\.244\.2\.9\/5432 chain DNATs to 10\.244\.2\.9:5432\.$/);
    const empty = judge('empty');
    expect(empty.t.reject).toBe(true);
    expect(empty.c.status).toBe('ok');
    return dump.value;
  };

  it('iptables mode: healthy, missing, stale and no-endpoint Services read right from real iptables-save', () => {
    const restore = run(['ip', 'netns', 'exec', NS, 'iptables-restore', '--noflush'], renderIptablesRestore(input));
    expect(restore.status, restore.stderr).toBe(0);
    const save = run(['ip', 'netns', 'exec', NS, 'iptables-save']);
    expect(save.status).toBe(0);
    const dump = expectations('iptables', save.stdout);
    if (dump.mode !== 'iptables') throw new Error('mode');
    const nftEmpty = parseProxyDump('nftables', run(['ip', 'netns', 'exec', NS, 'nft', '-j', 'list', 'table', 'ip', 'kube-proxy']).stdout || '{"nftables": []}');
    expect(detectProxyMode({ data: { 'config.conf': 'mode: iptables\n' } }, { iptablesSave: dump.save, nft: nftEmpty.ok && nftEmpty.value.mode === 'nftables' ? nftEmpty.value.ruleset : undefined })).toMatchObject({ mode: 'iptables', confirmed: true });
  });

  it('nftables mode: the same Services read right from real `nft -j list ruleset` and `nft list ruleset`', () => {
    const load = run(['ip', 'netns', 'exec', NS, 'nft', '-f', '-'], renderNftScript({ ...input, serviceCIDR: '10.96.0.0/16' }));
    expect(load.status, load.stderr).toBe(0);
    const json = run(['ip', 'netns', 'exec', NS, 'nft', '-j', 'list', 'ruleset']);
    expect(json.status).toBe(0);
    const dump = expectations('nftables', json.stdout);
    expectations('nftables', run(['ip', 'netns', 'exec', NS, 'nft', 'list', 'ruleset']).stdout);
    if (dump.mode !== 'nftables') throw new Error('mode');
    expect(detectProxyMode({ data: { 'config.conf': 'mode: nftables\n' } }, { nft: dump.ruleset })).toMatchObject({ mode: 'nftables', confirmed: true });
  });
});
