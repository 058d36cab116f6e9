// Output captured from packetwalk's own lab (fixtures/capture-lab.sh: lab up with mtu-blackhole on
// worker-2, the engine's exact argv). Besides reading each capture, the captures must agree with each
// other the way the engine will cross-check them: DNS answer = getent = the address nc reached; the
// VXLAN fdb entry, the permanent neighbour and worker-2's own addresses name the same VTEP.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture, type Fixture } from './fixtureFile';
import * as P from './index';
import { error, value } from './testFixtures';

const fx = (name: string): Fixture => splitFixture(readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8'));
const run = <T>(name: string, fn: (t: string, r?: P.ToolRun) => T): T => {
  const f = fx(name);
  return fn(f.stdout, f);
};

describe('lab captures (frontend-0 on worker-1 → backend, mtu-blackhole on worker-2)', () => {
  it('the pod: eth0 address and the route to backend-0 via the bridge gateway', () => {
    const eth0 = value(run('ip-addr/lab-frontend', P.parseIpAddr)).entries.find((i) => i.ifname === 'eth0');
    expect(eth0 && P.ipv4Of(eth0)).toMatchObject({ local: '10.244.1.3', prefixlen: 24 });
    const rg = value(run('ip-route-get/lab-frontend-to-backend-0', P.parseIpRouteGet));
    expect(rg.outcome === 'route' && [rg.route.gateway, rg.route.dev, rg.route.prefsrc]).toEqual(['10.244.1.1', 'eth0', '10.244.1.3']);
  });

  it('DNS: kubelet-style resolv.conf, the FQDN answers the Service IP, a search candidate is NXDOMAIN, getent agrees, nc reaches it', () => {
    const rc = value(run('resolv-conf/lab-frontend', P.parseResolvConf));
    expect(rc).toMatchObject({ nameservers: ['10.96.0.10'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'] });
    expect(rc.options.ndots).toBe(5);
    const dig = value(run('dig/lab-frontend-backend-fqdn', P.parseDig));
    if (dig.outcome !== 'answer') throw new Error('expected an answer');
    expect(dig).toMatchObject({ rcode: 'NOERROR', server: { address: '10.96.0.10', port: 53 } });
    const vip = P.digAddresses(dig)[0];
    expect(vip).toMatch(/^10\.96\./);
    expect(value(run('dig/lab-frontend-search-candidate-nxdomain', P.parseDig))).toMatchObject({ outcome: 'answer', rcode: 'NXDOMAIN', answers: [] });
    expect(value(run('getent/lab-frontend-backend', P.parseGetentHosts))).toEqual({ found: true, addresses: [vip], canonicalName: 'backend.shop.svc.cluster.local' });
    const nc = value(run('nc/lab-frontend-to-backend-service', P.parseNc));
    expect(nc).toMatchObject({ outcome: 'succeeded', attempts: [{ address: vip, port: 80 }] });
    expect(value(run('nc/lab-frontend-to-backend-0-closed-port', P.parseNc)).outcome).toBe('refused');
  });

  it('the backend listens on 8080 on every address', () => {
    const socks = value(P.parseSs(fx('ss/lab-backend-0').stdout));
    expect(P.listenerOnPort(socks, 8080).verdict).toBe('reachable');
  });

  it('MTU: worker-2 tunnel 1200 < pod 1500; DF 1000 passes, DF 1400 vanishes silently; tracepath (-m 8) is killed with nothing printed', () => {
    const w2 = new Map(value(run('ip-addr/lab-node-worker-2', P.parseIpAddr)).entries.map((i) => [i.ifname, i]));
    expect(w2.get('flannel.1')?.mtu).toBe(1200);
    expect(w2.get('shop-backend-0')?.mtu).toBe(1500);
    expect(value(run('ping/lab-frontend-df-small-cross-node', P.parsePing))).toMatchObject({ outcome: 'ok', payloadBytes: 1000 });
    const big = value(run('ping/lab-frontend-df-mtu-blackhole', P.parsePing));
    expect(big).toMatchObject({ outcome: 'silent', payloadBytes: 1400, packetBytes: 1428, lossPercent: 100 });
    expect(big.fragNeeded).toBeUndefined();
    expect(big.localMtu).toBeUndefined();
    const tp = fx('tracepath/lab-frontend-mtu-blackhole');
    expect(tp.stdout).toBe('');
    expect(error(P.parseTracepath(tp.stdout, tp)).expected).toContain('-m');
  });

  it('overlay: fdb, permanent neighbour and worker-2 itself name the same VTEP', () => {
    const w1 = new Map(value(run('ip-addr/lab-node-worker-1', P.parseIpAddr)).entries.map((i) => [i.ifname, i]));
    const w2 = new Map(value(run('ip-addr/lab-node-worker-2', P.parseIpAddr)).entries.map((i) => [i.ifname, i]));
    const tunnel = w1.get('flannel.1');
    expect(tunnel).toMatchObject({ kind: 'vxlan', vxlan: { id: 1, port: 4789, local: '172.18.0.2', dev: 'eth0' } });
    const remoteMac = w2.get('flannel.1')?.address;
    const remoteUnderlay = w2.get('eth0') && P.ipv4Of(w2.get('eth0')!)?.local;
    const fdb = value(run('bridge-fdb/lab-node-worker-1', P.parseBridgeFdb)).entries.filter((e) => e.ifname === 'flannel.1' && e.dst !== undefined);
    expect(fdb).toEqual([expect.objectContaining({ mac: remoteMac, dst: remoteUnderlay, permanent: true })]);
    const neigh = value(run('ip-neigh/lab-node-worker-1', P.parseIpNeigh)).entries.find((n) => n.dev === 'flannel.1');
    expect(neigh).toMatchObject({ dst: '10.244.2.0', lladdr: remoteMac, state: ['PERMANENT'] });
    const rg = value(run('ip-route-get/lab-node-worker-1-to-backend-0', P.parseIpRouteGet));
    expect(rg.outcome === 'route' && [rg.route.dev, rg.route.gateway]).toEqual(['flannel.1', neigh?.dst]);
    expect(value(run('ping/lab-node-worker-1-to-worker-2-vtep', P.parsePing)).outcome).toBe('ok');
  });

  it('node: bridge ports have hairpin on, forwarding on, conntrack is tracking', () => {
    const ports = value(run('bridge-link/lab-node-worker-1', P.parseBridgeLink)).entries;
    expect(ports.length).toBe(3);
    expect(ports.every((p) => p.master === 'cni0' && p.state === 'forwarding' && p.hairpin === true)).toBe(true);
    const sys = value(run('sysctl/lab-node-worker-1', P.parseSysctl));
    expect(P.sysctlNumber(sys, 'net.ipv4.ip_forward')).toBe(1);
    expect(P.sysctlNumber(sys, 'net.netfilter.nf_conntrack_count')).toBeGreaterThan(0);
    expect(P.sysctlNumber(sys, 'net.netfilter.nf_conntrack_max')).toBe(262144);
    const ct = value(run('conntrack/lab-node-worker-1', P.parseConntrackStats));
    expect(ct.perCpu.length).toBe(2);
    expect(ct.total.insert_failed).toBe(0);
  });
});
