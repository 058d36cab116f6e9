// Capture-point selection (lib/plan/trace.ts) over each dataplane family's REAL probe output
// (lib/verdict/fixtures/families/*, captured by its capture.sh from namespaces built the way flannel, Calico,
// Cilium, kindnet and the VPC CNIs build them): the device names come from the probes, never from a naming
// convention, and the filters match the flow inside the tunnel where the capture sees it encapsulated.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { parseIpAddr, parseIpRouteGet, type IpLink, type RouteGet } from '../parse';
import type { PathPlan } from './index';
import { egressFilter, innerFilter, outerFilter, planCapturePoints, traceSourcePort, flowText, offPathPoints, type TraceFlow } from './trace';

const fam = (family: string, name: string) => splitFixture(readFileSync(new URL(`../verdict/fixtures/families/${family}/${name}.txt`, import.meta.url), 'utf8'));
const links = (family: string, name: string): IpLink[] => {
  const f = fam(family, name);
  const r = parseIpAddr(f.stdout, f);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.entries;
};
const route = (family: string, name: string): RouteGet => {
  const f = fam(family, name);
  const r = parseIpRouteGet(f.stdout, f);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

// The addresses the family captures were made with (capture.sh): frontend-0 on worker-1, backend-0 on worker-2.
const plan = {
  src: { namespace: 'shop', name: 'frontend-0', ip: '10.244.1.3', node: 'worker-1' },
  dst: { namespace: 'shop', name: 'backend-0', ip: '10.244.2.3', node: 'worker-2' },
  sameNode: false,
  hairpin: false,
} as unknown as PathPlan;
const nodes = [
  { metadata: { name: 'worker-1' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } },
  { metadata: { name: 'worker-2' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.3' }] } },
];
const flow: TraceFlow = { proto: 'tcp', srcIP: '10.244.1.3', sport: 24001, dstIP: '10.96.0.50', dport: 80 };

function points(family: string) {
  return planCapturePoints(plan, {
    srcPodLinks: links(family, 'pod-addr-p1'),
    dstPodLinks: links(family, 'pod-addr-p2'),
    nodeLinks: new Map([['worker-1', links(family, 'node-link-w1')], ['worker-2', links(family, 'node-link-w2')]]),
    srcNodeRoute: route(family, 'route-get-w1'),
    dstNodeRoute: route(family, 'route-get-w2'),
    nodes,
  }, flow);
}
const show = (family: string) => points(family).points.map((p) => `${p.hop} ${p.node} ${p.iface}${p.encapsulated ? ` (outer ${/udp port (\d+)/.exec(p.filter)?.[1]})` : ''}`);

describe('planCapturePoints over each family', () => {
  it('links that were not read (the API server failed mid-run) are said as not read, not as missing from the output', () => {
    const m = planCapturePoints(plan, { nodeLinks: new Map(), nodes }, flow).missing;
    expect(m).toContain('shop/frontend-0: its interfaces were not read (addr probe)');
    expect(m.join('; ')).not.toMatch(/no eth0|neither a tunnel/);
    const read = planCapturePoints(plan, { srcPodLinks: [], nodeLinks: new Map([['worker-1', []]]), nodes }, flow).missing;
    expect(read).toContain("shop/frontend-0: no eth0 in the pod's ip addr output");
  });
  it('calico: the cali veth (no bridge), vxlan.calico inside and the underlay outside on 4789', () => {
    const s = show('calico');
    expect(s[0]).toBe('src-pod worker-1 eth0');
    expect(s[1]).toMatch(/^src-veth worker-1 cali[0-9a-f]{11}$/);
    expect(s.slice(2, 6)).toEqual(['overlay worker-1 vxlan.calico', 'overlay worker-1 eth0 (outer 4789)', 'overlay worker-2 eth0 (outer 4789)', 'dst-node worker-2 vxlan.calico']);
    expect(s[6]).toMatch(/^dst-veth worker-2 cali[0-9a-f]{11}$/);
    expect(s[7]).toBe('dst-pod worker-2 eth0');
    expect(points('calico').missing).toEqual([]);
  });
  it('cilium: the lxc veth, cilium_host as the routing device, cilium_vxlan (no lower device) and the InternalIP link outside on 8472', () => {
    const s = show('cilium');
    expect(s[1]).toMatch(/^src-veth worker-1 lxc/);
    expect(s).toContain('src-node worker-1 cilium_host');
    expect(s).toContain('overlay worker-1 cilium_vxlan');
    expect(s).toContain('overlay worker-1 eth0 (outer 8472)');
    expect(s).toContain('dst-node worker-2 cilium_vxlan');
    // worker-2's cilium_host is the answer's way back (its route to the source pod), not the first packet's
    expect(s.filter((x) => x.includes('worker-2 cilium_host'))).toEqual([]);
    expect(s.indexOf('overlay worker-2 eth0 (outer 8472)')).toBe(s.indexOf('overlay worker-1 eth0 (outer 8472)') + 1);
  });
  it('kindnet and vpc: no bridge, no tunnel — the routed underlay carries the flow itself', () => {
    for (const f of ['kindnet', 'vpc']) {
      const s = show(f);
      expect(s.filter((x) => x.includes('outer'))).toEqual([]);
      expect(s).toContain('overlay worker-1 eth0');
      expect(s).toContain('dst-node worker-2 eth0');
      expect(s[1]).toMatch(f === 'kindnet' ? /^src-veth worker-1 veth/ : /^src-veth worker-1 eni/);
    }
  });
  it('says which point it could not place when a probe output is missing', () => {
    const r = planCapturePoints(plan, { srcPodLinks: links('calico', 'pod-addr-p1'), nodeLinks: new Map(), nodes }, flow);
    expect(r.points.map((p) => p.iface)).toEqual(['eth0']);
    expect(r.missing.join('; ')).toMatch(/node worker-1: its links were not read/);
  });
});

describe('a path out of the cluster', () => {
  // frontend-0 on worker-1 (the calico captures) dialling an address outside the cluster; the node's route to it
  // from the edge lab (lib/parse/fixtures/ip-route-get/lab-node-to-external.txt: dev eth0 via the underlay gateway).
  const egressPlan = { ...plan, dst: undefined, dstIP: '198.51.100.20', edge: { external: true } } as unknown as PathPlan;
  const out: TraceFlow = { proto: 'tcp', srcIP: '10.244.1.3', sport: 24001, dstIP: '198.51.100.20', dport: 443 };
  const routeOut = (): RouteGet => {
    const f = splitFixture(readFileSync(new URL('../parse/fixtures/ip-route-get/lab-node-to-external.txt', import.meta.url), 'utf8'));
    const r = parseIpRouteGet(f.stdout, f);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value;
  };
  it('is captured where the node routes the address (masqueraded there), not in the tunnel', () => {
    const r = planCapturePoints(egressPlan, { srcPodLinks: links('calico', 'pod-addr-p1'), nodeLinks: new Map([['worker-1', links('calico', 'node-link-w1')]]), egressRoute: routeOut(), nodes }, out);
    expect(r.missing).toEqual([]);
    const last = r.points[r.points.length - 1];
    expect(last).toMatchObject({ hop: 'egress', node: 'worker-1', iface: 'eth0', natted: true, encapsulated: false, filter: egressFilter(out) });
    expect(r.points.map((p) => p.hop)).toEqual(['src-pod', 'src-veth', 'egress']);
    expect(r.points.some((p) => /vxlan/.test(p.iface))).toBe(false);
  });
  it('says so when the node\'s route out was not read', () => {
    const r = planCapturePoints(egressPlan, { srcPodLinks: links('calico', 'pod-addr-p1'), nodeLinks: new Map([['worker-1', links('calico', 'node-link-w1')]]), nodes }, out);
    expect(r.missing.join('; ')).toMatch(/node worker-1: no route to 198\.51\.100\.20 was read/);
    expect(r.points.map((p) => p.hop)).toEqual(['src-pod', 'src-veth']);
  });
  it('filters on the far end (the source is the node\'s after masquerade) and ICMP errors quoting a packet to it', () => {
    expect(egressFilter(out)).toBe('(tcp and host 198.51.100.20 and port 443) or (icmp and (icmp[0] = 3 or icmp[0] = 11) and icmp[24:4] = 0xc6336414)');
  });
});

describe('filters', () => {
  it('key on the source address and the trace port (both directions), ICMP errors quoting it, and the same inside VXLAN', () => {
    expect(innerFilter(flow)).toBe('(tcp and host 10.244.1.3 and port 24001) or (icmp and host 10.244.1.3 and (icmp[0] = 3 or icmp[0] = 11) and icmp[28:2] = 24001)');
    expect(innerFilter(flow, { hairpin: true })).not.toContain('host');
    expect(outerFilter(flow, 8472)).toBe('udp port 8472 and ((udp[39] = 6 and udp[42:4] = 0x0af40103 and udp[50:2] = 24001) or (udp[39] = 6 and udp[46:4] = 0x0af40103 and udp[52:2] = 24001) or (udp[39] = 1 and udp[46:4] = 0x0af40103 and udp[78:2] = 24001))');
    expect(flowText(flow)).toBe('10.244.1.3:24001 > 10.96.0.50:80/tcp');
  });
  it('picks the source port outside the kernel ephemeral range', () => {
    expect(traceSourcePort(0)).toBe(20000);
    expect(traceSourcePort(0.9999)).toBeLessThan(32768);
  });
  it('leaves out the points the flow did not cross when kube-proxy picked another endpoint', () => {
    const pts = points('calico').points;
    const local = offPathPoints(pts, plan, '10.244.1.9', 'worker-1');
    expect(pts.filter((p) => local.has(p.key)).map((p) => p.hop)).toEqual(['overlay', 'overlay', 'overlay', 'dst-node', 'dst-veth', 'dst-pod']);
    expect(offPathPoints(pts, plan, '10.244.2.3', 'worker-2').size).toBe(0);
  });
});
