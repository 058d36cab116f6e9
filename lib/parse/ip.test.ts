// ip/bridge parsers against output captured from iproute2-6.1.0 (fixtures/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture, type Fixture } from './fixtureFile';
import { parseIpAddr, ipv4Of } from './ipAddr';
import { parseIpRoute, defaultRoute } from './ipRoute';
import { parseIpRouteGet } from './ipRouteGet';
import { parseIpLink, vethForPeerIndex } from './ipLink';
import { parseIpNeigh, isUsableNeigh } from './ipNeigh';
import { parseBridgeFdb } from './bridgeFdb';
import { parseBridgeLink } from './bridgeLink';

const fx = (name: string): Fixture => splitFixture(readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8'));
function value<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(`parse failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

describe('ip -j addr', () => {
  it('reads a pod: lo and eth0 with its address and veth peer index', () => {
    const f = fx('ip-addr/pod-two-ifaces');
    const { entries, error } = value(parseIpAddr(f.stdout, f));
    expect(error).toBeUndefined();
    expect(entries.map((i) => i.ifname)).toEqual(['lo', 'eth0']);
    const eth0 = entries[1];
    expect(eth0).toMatchObject({ mtu: 1500, operstate: 'UP', up: true, lowerUp: true, linkIndex: 5, linkNetnsid: 0 });
    expect(ipv4Of(eth0)).toMatchObject({ family: 'inet', local: '10.244.1.2', prefixlen: 24, scope: 'global' });
    expect(ipv4Of(entries[0])).toBeUndefined(); // 127.0.0.1 is scope host
  });
  it('reads a node: bridge, vxlan /32, enslaved veths', () => {
    const f = fx('ip-addr/node-bridge-vxlan');
    const { entries } = value(parseIpAddr(f.stdout, f));
    const byName = new Map(entries.map((i) => [i.ifname, i]));
    expect(byName.get('flannel.1')?.mtu).toBe(1200);
    expect(byName.get('flannel.1')?.addresses).toEqual([{ family: 'inet', local: '10.244.1.0', prefixlen: 32, scope: 'global', label: 'flannel.1' }]);
    expect(byName.get('vethpa')?.master).toBe('cni0');
    expect(byName.get('vethpx')).toMatchObject({ up: false, operstate: 'DOWN' });
  });
  it('-d addr (the engine\'s node probe): addresses and link details in one listing', () => {
    const f = fx('ip-addr/node-details');
    const { entries } = value(parseIpAddr(f.stdout, f));
    const byName = new Map(entries.map((i) => [i.ifname, i]));
    expect(byName.get('flannel.1')).toMatchObject({ kind: 'vxlan', mtu: 1200, vxlan: { id: 1, port: 4789, local: '192.168.77.1', dev: 'eth0' } });
    expect(ipv4Of(byName.get('flannel.1')!)).toMatchObject({ local: '10.244.1.0', prefixlen: 32 });
    expect(ipv4Of(byName.get('cni0')!)?.local).toBe('10.244.1.1');
    expect(byName.get('vethpa')?.bridgePort).toEqual({ state: 'forwarding', hairpin: true });
    const pod = value(parseIpAddr(fx('ip-addr/pod-details').stdout)).entries.find((i) => i.ifname === 'eth0');
    expect(pod).toMatchObject({ kind: 'veth', linkIndex: 5 });
    expect(pod && ipv4Of(pod)?.local).toBe('10.244.1.2');
  });
  it('link show has no addresses', () => {
    expect(value(parseIpLink(fx('ip-link/pod').stdout)).entries.every((l) => l.addresses.length === 0)).toBe(true);
  });
  it('truncated JSON is a typed error naming the tool', () => {
    const f = fx('ip-addr/pod-two-ifaces');
    const r = parseIpAddr(f.stdout.slice(0, 200));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ tool: 'ip addr', line: 1 });
  });
  it('an entry without ifname is a typed error naming the field', () => {
    const r = parseIpAddr('[{"ifindex":1,"flags":[],"mtu":1,"operstate":"UP"}]');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.expected).toContain('"ifname"');
  });
  it('empty stdout without an error message is a parse error, not an empty list', () => {
    const r = parseIpAddr('', { exitCode: 0, stderr: '' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ tool: 'ip addr', line: 0 });
  });
});

describe('ip -j route show', () => {
  it('pod: default via the bridge gateway', () => {
    const f = fx('ip-route/pod-default');
    const { entries } = value(parseIpRoute(f.stdout, f));
    expect(defaultRoute(entries)).toMatchObject({ type: 'unicast', gateway: '10.244.1.1', dev: 'eth0' });
    expect(entries[1]).toMatchObject({ dst: '10.244.1.0/24', prefsrc: '10.244.1.2', scope: 'link' });
  });
  it('node: onlink route over vxlan, unreachable and blackhole types', () => {
    const f = fx('ip-route/node-onlink-blackhole');
    const { entries } = value(parseIpRoute(f.stdout, f));
    expect(entries.find((r) => r.dst === '10.244.2.0/24')).toMatchObject({ gateway: '10.244.2.0', dev: 'flannel.1', onlink: true });
    const unreachable = entries.find((r) => r.dst === '10.244.8.0/24');
    expect(unreachable?.type).toBe('unreachable');
    expect(unreachable && 'dev' in unreachable).toBe(false);
    expect(entries.find((r) => r.dst === '10.244.9.0/24')?.type).toBe('blackhole');
  });
  it('no default route, linkdown flag', () => {
    const f = fx('ip-route/pod-no-default');
    const { entries } = value(parseIpRoute(f.stdout, f));
    expect(defaultRoute(entries)).toBeUndefined();
    expect(entries[0].linkdown).toBe(true);
  });
  it('missing table: a lone "[" on stdout plus the error on stderr is the tool refusing, not garbage', () => {
    const f = fx('ip-route/empty-table');
    expect(f.stdout.trim()).toBe('[');
    const v = value(parseIpRoute(f.stdout, f));
    expect(v.entries).toEqual([]);
    expect(v.error).toMatchObject({ kind: 'no-such-table', message: 'Error: ipv4: FIB table does not exist.' });
    // the same stdout without the run's stderr is a truncated document
    const r = parseIpRoute(f.stdout);
    expect(r.ok ? 'ok' : r.error.tool).toBe('ip route');
  });
  it('an unknown route type is an error naming it', () => {
    const r = parseIpRoute('[{"type":"weird","dst":"1.2.3.0/24","flags":[]}]');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.expected).toContain('weird');
  });
});

describe('ip -j route get', () => {
  it('pod → remote pod goes via the gateway', () => {
    const f = fx('ip-route-get/pod-via-gateway');
    expect(value(parseIpRouteGet(f.stdout, f))).toEqual({
      outcome: 'route',
      route: expect.objectContaining({ dst: '10.244.2.2', gateway: '10.244.1.1', dev: 'eth0', prefsrc: '10.244.1.2', type: 'unicast', uid: 0, cache: [] }),
    });
  });
  it('node → remote pod goes over flannel.1', () => {
    const f = fx('ip-route-get/node-via-vxlan');
    const v = value(parseIpRouteGet(f.stdout, f));
    expect(v.outcome === 'route' && v.route.dev).toBe('flannel.1');
    expect(v.outcome === 'route' && v.route.prefsrc).toBe('10.244.1.0');
  });
  it('PMTU learnt from frag-needed shows in the cached route', () => {
    const f = fx('ip-route-get/pmtu-cached');
    const v = value(parseIpRouteGet(f.stdout, f));
    expect(v.outcome).toBe('route');
    if (v.outcome === 'route') expect(v.route.mtu).toBe(1200);
  });
  it.each([
    ['network-unreachable', 'network-unreachable', 'no-route', 'RTNETLINK answers: Network is unreachable'],
    ['unreachable-route', 'no-route-to-host', 'unreachable-route', 'RTNETLINK answers: No route to host'],
    ['blackhole-route', 'invalid-argument', 'blackhole-route', 'RTNETLINK answers: Invalid argument'],
    ['bad-address', 'bad-argument', 'other', 'Error: any valid prefix is expected rather than "10.244.2.999".'],
  ])('%s: the refusal is a result', (name, kind, meaning, message) => {
    const f = fx(`ip-route-get/${name}`);
    expect(f.stdout).toBe('');
    expect(value(parseIpRouteGet(f.stdout, f))).toEqual({ outcome: 'refused', error: { kind, message }, meaning });
    // a runner that merged stderr into the text is understood too
    expect(value(parseIpRouteGet(f.stderr)).outcome).toBe('refused');
  });
  it('empty output with no stderr is a parse error', () => {
    const r = parseIpRouteGet('', { exitCode: null, stderr: '' });
    expect(r.ok ? 'ok' : r.error.tool).toBe('ip route get');
  });
  it('an empty array is a parse error (route get always answers one route)', () => {
    const r = parseIpRouteGet('[]');
    expect(r.ok ? 'ok' : r.error.expected).toBe('one route in the JSON array');
  });
});

describe('ip -j -d link', () => {
  it('node: bridge, vxlan details, bridge ports with hairpin, veth peers', () => {
    const f = fx('ip-link/node');
    const { entries } = value(parseIpLink(f.stdout, f));
    const byName = new Map(entries.map((l) => [l.ifname, l]));
    expect(byName.get('cni0')?.kind).toBe('bridge');
    expect(byName.get('flannel.1')).toMatchObject({ kind: 'vxlan', mtu: 1200, address: 'ee:ee:00:00:00:01', vxlan: { id: 1, port: 4789, local: '192.168.77.1', dev: 'eth0', learning: false } });
    expect(byName.get('vethpa')).toMatchObject({ kind: 'veth', master: 'cni0', slaveKind: 'bridge', bridgePort: { state: 'forwarding', hairpin: true } });
    expect(byName.get('vethpb')?.bridgePort?.hairpin).toBe(false);
    expect(byName.get('vethpx')).toMatchObject({ up: false, lowerUp: false, operstate: 'DOWN' });
    expect(byName.get('vethpx')?.master).toBeUndefined();
  });
  it("pod eth0's link_index finds the node's veth", () => {
    const pod = value(parseIpLink(fx('ip-link/pod').stdout));
    const node = value(parseIpLink(fx('ip-link/node').stdout));
    const eth0 = pod.entries.find((l) => l.ifname === 'eth0');
    expect(eth0?.linkIndex).toBe(5);
    expect(vethForPeerIndex(node.entries, eth0?.linkIndex ?? -1)?.ifname).toBe('vethpa');
  });
  it('dev X: one link; missing device is a result', () => {
    expect(value(parseIpLink(fx('ip-link/node-vxlan').stdout)).entries.map((l) => l.ifname)).toEqual(['flannel.1']);
    const f = fx('ip-link/no-such-device');
    expect(value(parseIpLink(f.stdout, f))).toEqual({ entries: [], error: { kind: 'no-such-device', message: 'Device "nosuch0" does not exist.', device: 'nosuch0' } });
  });
  it('a vxlan without an id is an error naming it', () => {
    const r = parseIpLink('[{"ifindex":4,"ifname":"flannel.1","flags":[],"mtu":1450,"operstate":"UP","linkinfo":{"info_kind":"vxlan","info_data":{"port":4789}}}]');
    expect(r.ok ? 'ok' : r.error.expected).toBe('flannel.1 vxlan info_data: "id" (number)');
  });
});

describe('ip -j neigh', () => {
  it('node: permanent vxlan neighbour, reachable, incomplete', () => {
    const f = fx('ip-neigh/node');
    const { entries } = value(parseIpNeigh(f.stdout, f));
    expect(entries.find((n) => n.dev === 'flannel.1')).toMatchObject({ dst: '10.244.2.0', lladdr: 'ee:ee:00:00:00:02', state: ['PERMANENT'] });
    const incomplete = entries.find((n) => n.dst === '10.244.1.77');
    expect(incomplete?.state).toEqual(['INCOMPLETE']);
    expect(incomplete && isUsableNeigh(incomplete)).toBe(false);
    expect(isUsableNeigh(entries.find((n) => n.dev === 'flannel.1')!)).toBe(true);
    expect(entries.filter((n) => !isUsableNeigh(n)).map((n) => n.dst)).toEqual(['10.244.1.77']);
  });
  it('dev X leaves dev out; empty is []; missing device is a result', () => {
    expect(value(parseIpNeigh(fx('ip-neigh/node-vxlan').stdout)).entries[0].dev).toBeUndefined();
    expect(value(parseIpNeigh(fx('ip-neigh/empty').stdout))).toEqual({ entries: [] });
    const f = fx('ip-neigh/no-such-device');
    expect(value(parseIpNeigh(f.stdout, f)).error?.kind).toBe('no-such-device');
  });
});

describe('bridge -j fdb / link', () => {
  it('vxlan fdb: MAC → remote VTEP, self permanent', () => {
    const f = fx('bridge-fdb/node-vxlan');
    expect(value(parseBridgeFdb(f.stdout, f)).entries).toEqual([
      { mac: 'ee:ee:00:00:00:02', dst: '192.168.77.2', flags: ['self'], state: 'permanent', self: true, permanent: true },
    ]);
  });
  it('the whole fdb (the engine\'s probe): the vxlan entry carries ifname and its remote VTEP', () => {
    const { entries } = value(parseBridgeFdb(fx('bridge-fdb/node-all').stdout));
    expect(entries.filter((e) => e.dst !== undefined)).toEqual([
      { mac: 'ee:ee:00:00:00:02', dst: '192.168.77.2', ifname: 'flannel.1', flags: ['self'], state: 'permanent', self: true, permanent: true },
    ]);
  });
  it('bridge fdb: learnt entries have an empty state and a port', () => {
    const { entries } = value(parseBridgeFdb(fx('bridge-fdb/node-bridge').stdout));
    const learnt = entries.filter((e) => e.state === '' && e.master === 'cni0');
    expect(learnt.map((e) => e.ifname).sort()).toEqual(['vethpa', 'vethpb']);
    const f = fx('bridge-fdb/no-such-device');
    expect(value(parseBridgeFdb(f.stdout, f)).error?.device).toBe('nosuch0');
  });
  it('bridge link: hairpin only with -d', () => {
    const plain = value(parseBridgeLink(fx('bridge-link/node').stdout)).entries;
    expect(plain.map((p) => p.hairpin)).toEqual([undefined, undefined]);
    const detailed = value(parseBridgeLink(fx('bridge-link/node-details').stdout)).entries;
    expect(detailed.map((p) => [p.ifname, p.master, p.state, p.hairpin])).toEqual([
      ['vethpa', 'cni0', 'forwarding', true],
      ['vethpb', 'cni0', 'forwarding', false],
    ]);
    expect(value(parseBridgeLink(fx('bridge-link/empty').stdout)).entries).toEqual([]);
  });
  it('malformed fdb entry (mac not a string)', () => {
    const r = parseBridgeFdb('[{"mac":5}]');
    expect(r.ok ? 'ok' : `${r.error.tool}: ${r.error.expected}`).toBe('bridge fdb: entry 1: "mac" (string)');
  });
});
