// Topology-aware routing in the kube-proxy rules (lab/rules/topology.ts, upstream pkg/proxy/topology.go): on the lab
// of test/lab/fixtures/topology-zones.yaml (worker-1 in zone-a; worker-2, worker-3 in zone-b; web-0/1/2 on them) each
// node DNATs the PreferClose Service only to its zone's endpoints and the plain one to all, in both modes; then the
// fallbacks of topologyModeFromHints on hand-made slices. Pure: no root needed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLab } from '../objects';
import { parseLabFile } from '../spec';
import type { KubeObject } from '../types';
import { renderIptablesRestore, renderNftScript } from './index';
import { clusterEndpoints, topologyMode } from './topology';
import type { Endpoint } from './objects';

type Obj = Record<string, unknown>;
const ZONES = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'lab', 'fixtures', 'topology-zones.yaml'), 'utf8');
const built = buildLab(parseLabFile(ZONES), 'pw', new Date('2026-11-23T00:00:00Z'));
const ipOf = (pod: string) => built.pods.find((p) => p.name === pod)!.ip;
const clusterIP = (svc: string) => (built.objects.find((o) => o.kind === 'Service' && o.metadata.name === svc)!.spec as Obj).clusterIP as string;
const zoneOf = (node: string) => built.objects.find((o) => o.kind === 'Node' && o.metadata.name === node)!.metadata.labels!['topology.kubernetes.io/zone'];
const input = (node: string, objects: KubeObject[] = built.objects) => ({
  services: objects.filter((o) => o.kind === 'Service'),
  endpointSlices: objects.filter((o) => o.kind === 'EndpointSlice'),
  nodeName: node,
  nodeIP: built.nodes.find((n) => n.name === node)!.internalIP,
  clusterCIDR: '10.244.0.0/16',
  zone: zoneOf(node),
});

/** iptables: the DNAT targets reachable from a chain (following KUBE-SVC-/KUBE-SEP- jumps). */
function ipDnats(text: string, chain: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (const l of lines.filter((x) => x.startsWith(`-A ${chain} `))) {
    const dnat = / --to-destination (\S+)/.exec(l);
    if (dnat) out.push(dnat[1]);
    const jump = / -j (KUBE-(?:SVC|SVL|SEP|EXT)-\S+)$/.exec(l);
    if (jump) out.push(...ipDnats(text, jump[1]));
  }
  return [...new Set(out)].sort();
}
/** iptables: where the cluster IP of `svc` goes (the chain its KUBE-SERVICES rule jumps to), as DNAT targets. */
const ipClusterIP = (text: string, svc: string) => ipDnats(text, / -j (\S+)$/.exec(text.split('\n').find((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(`-d ${clusterIP(svc)} `))!)![1]);
/** iptables: where NodePort `port` goes. */
const ipNodePort = (text: string, port: number) => ipDnats(text, / -j (\S+)$/.exec(text.split('\n').find((l) => l.startsWith('-A KUBE-NODEPORTS ') && l.includes(`--dport ${port} `))!)![1]);

/** nft: the dnat targets reachable from a chain (goto/jump into service-/external-/endpoint- chains). */
function nftDnats(text: string, chain: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n').filter((x) => x.startsWith(`add rule ip kube-proxy ${chain} `))) {
    const dnat = / dnat to (\S+)$/.exec(l);
    if (dnat) out.push(dnat[1]);
    for (const m of l.matchAll(/goto ((?:service|external|endpoint|local)-\S+)/g)) out.push(...nftDnats(text, m[1]));
  }
  return [...new Set(out)].sort();
}
const nftClusterIP = (text: string, svc: string) => nftDnats(text, /: goto (\S+) \}$/.exec(text.split('\n').find((l) => l.startsWith(`add element ip kube-proxy service-ips { ${clusterIP(svc)} . tcp . 80 `))!)![1]);
const nftNodePort = (text: string, port: number) => nftDnats(text, /: goto (\S+) \}$/.exec(text.split('\n').find((l) => l.startsWith(`add element ip kube-proxy service-nodeports { tcp . ${port} `))!)![1]);

const at = (...pods: string[]) => pods.map((p) => `${ipOf(p)}:8080`).sort();

describe('topology hints on the topology-zones lab', () => {
  const modes = [
    ['iptables', (node: string) => renderIptablesRestore(input(node)), ipClusterIP, ipNodePort],
    ['nftables', (node: string) => renderNftScript(input(node)), nftClusterIP, nftNodePort],
  ] as const;
  for (const [mode, render, viaClusterIP, viaNodePort] of modes) {
    it(`${mode}: worker-1 (zone-a) DNATs the PreferClose Service only to web-0, ClusterIP and NodePort; the plain Service to all three`, () => {
      const t = render('worker-1');
      expect(viaClusterIP(t, 'web-close')).toEqual(at('web-0'));
      expect(viaNodePort(t, 30080)).toEqual(at('web-0'));
      expect(viaClusterIP(t, 'web-any')).toEqual(at('web-0', 'web-1', 'web-2'));
      expect(viaNodePort(t, 30081)).toEqual(at('web-0', 'web-1', 'web-2'));
    });
    it(`${mode}: worker-2 and worker-3 (zone-b) DNAT the PreferClose Service to web-1 and web-2`, () => {
      for (const node of ['worker-2', 'worker-3']) {
        const t = render(node);
        expect(viaClusterIP(t, 'web-close')).toEqual(at('web-1', 'web-2'));
        expect(viaNodePort(t, 30080)).toEqual(at('web-1', 'web-2'));
        expect(viaClusterIP(t, 'web-any')).toEqual(at('web-0', 'web-1', 'web-2'));
      }
    });
  }

  it('iptables: the zone-a cluster chain has one endpoint and no probability cascade; no KUBE-SEP- chain for the other zone\'s endpoints', () => {
    const t = renderIptablesRestore(input('worker-1'));
    const svc = / -j (\S+)$/.exec(t.split('\n').find((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(`-d ${clusterIP('web-close')} `))!)![1];
    expect(t.split('\n').filter((l) => l.startsWith(`-A ${svc} `) && l.includes('->'))).toEqual([expect.not.stringContaining('statistic')]);
    expect(t.split('\n').filter((l) => l.includes('zones/web-close') && l.includes('DNAT'))).toHaveLength(1);
  });

  it('without the node\'s zone label (kube-proxy on a node outside the zones) the hints are ignored: all endpoints', () => {
    expect(ipClusterIP(renderIptablesRestore({ ...input('worker-1'), zone: undefined }), 'web-close')).toEqual(at('web-0', 'web-1', 'web-2'));
    expect(nftClusterIP(renderNftScript({ ...input('worker-1'), zone: 'zone-c' }), 'web-close')).toEqual(at('web-0', 'web-1', 'web-2'));
  });

  it('keeps externalTrafficPolicy: Local on this node\'s endpoints, while pods still get the zone\'s endpoints', () => {
    const local = built.objects.map((o) => (o.kind === 'Service' && o.metadata.name === 'web-close' ? { ...o, spec: { ...(o.spec as Obj), externalTrafficPolicy: 'Local' } } : o));
    const t = renderIptablesRestore(input('worker-2', local));
    expect(ipClusterIP(t, 'web-close')).toEqual(at('web-1', 'web-2'));
    const ext = / -j (\S+)$/.exec(t.split('\n').find((l) => l.startsWith('-A KUBE-NODEPORTS ') && l.includes('--dport 30080 '))!)![1];
    const svl = t.split('\n').find((l) => l.startsWith(`-A ${ext} -j KUBE-SVL-`))!.split(' -j ')[1];
    expect(ipDnats(t, svl)).toEqual(at('web-1'));
    const n = renderNftScript(input('worker-2', local));
    expect(nftClusterIP(n, 'web-close')).toEqual(at('web-1', 'web-2'));
  });
});

describe('topologyModeFromHints / availableForTopology', () => {
  const ep = (ip: string, nodeName: string, zoneHints?: string[], nodeHints?: string[]): Endpoint => ({ ip, port: 80, nodeName, ...(zoneHints ? { zoneHints } : {}), ...(nodeHints ? { nodeHints } : {}) });
  const a = ep('10.0.1.2', 'n1', ['a']);
  const b = ep('10.0.2.2', 'n2', ['b']);
  const b2 = ep('10.0.3.2', 'n3', ['b']);
  it('zone hints: only the zone\'s endpoints when every endpoint has a hint and one is for this zone', () => {
    expect(topologyMode([a, b, b2], 'n2', 'b')).toBe('PreferSameZone');
    expect(clusterEndpoints([a, b, b2], 'n2', 'b')).toEqual([b, b2]);
  });
  it('falls back to every endpoint when one lacks a zone hint, or none is for this zone', () => {
    const bare = ep('10.0.4.2', 'n4');
    expect(clusterEndpoints([a, b, bare], 'n1', 'a')).toEqual([a, b, bare]);
    expect(clusterEndpoints([b, b2], 'n1', 'a')).toEqual([b, b2]);
    expect(topologyMode([], 'n1', 'a')).toBe('');
  });
  it('node hints first (PreferSameNode), then zone hints when no endpoint is hinted for this node', () => {
    const n1 = ep('10.0.1.2', 'n1', ['a'], ['n1']);
    const n1b = ep('10.0.1.3', 'n1', ['a'], ['n1']);
    const n2 = ep('10.0.2.2', 'n2', ['a'], ['n2']);
    const n3 = ep('10.0.3.2', 'n3', ['b'], ['n3']);
    expect(clusterEndpoints([n1, n1b, n2, n3], 'n1', 'a')).toEqual([n1, n1b]);
    expect(topologyMode([n2, n3, n1], 'n4', 'a')).toBe('PreferSameZone');
    expect(clusterEndpoints([n1, n2, n3], 'n4', 'a')).toEqual([n1, n2]);
    // one endpoint without a node hint: node hints ignored, zone hints still apply
    expect(clusterEndpoints([n1, n2, b2], 'n1', 'a')).toEqual([n1, n2]);
  });
});
