import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { layoutPath, overlayLabel, hopSubLabel, worstStatus, traceMarks, sentElsewhereNote, HOP_W, HOP_H, type LayoutNode } from './layout';
import type { Diagnosis, Hop, Trace, TracePoint } from '../model';

/** A node's position on the canvas (a child's is relative to its group). */
function absPos(nodes: LayoutNode[], id: string): { x: number; y: number } {
  const n = nodes.find((m) => m.id === id)!;
  const parent = n.type === 'hop' && n.parentId ? nodes.find((m) => m.id === n.parentId)! : null;
  return { x: n.position.x + (parent ? parent.position.x : 0), y: n.position.y + (parent ? parent.position.y : 0) };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;

describe('layoutPath', () => {
  it('gives every hop node its handles at fixed places (path: left in, right out at mid-height; look-ups: top and bottom), so edges need no DOM measuring', () => {
    const { nodes } = layoutPath(fixture.hops);
    const hops = nodes.filter((n) => n.type === 'hop');
    expect(hops.length).toBeGreaterThan(3);
    for (const n of hops) {
      if (n.type !== 'hop') continue;
      expect(n.handles.map((h) => `${h.id}:${h.type}@${h.position}`)).toEqual(['left:target@left', 'right:source@right', 'top-out:source@top', 'top-in:target@top', 'bottom-out:source@bottom', 'bottom-in:target@bottom']);
      for (const h of n.handles.slice(0, 2)) expect(h.y + h.height / 2).toBe(HOP_H / 2);
      expect(n.handles[1].x + n.handles[1].width / 2).toBe(n.width);
      for (const h of n.handles.slice(2)) expect(h.x + h.width / 2).toBe(n.width - 28);
      expect(n.handles[4].y + n.handles[4].height / 2).toBe(HOP_H);
    }
  });

  it('runs the look-up chain up from the source pod, along the look-up row and down into the source node (no edge doubles back across a box)', () => {
    const { edges } = layoutPath(fixture.hops);
    const ends = (e: { source: string; target: string; sourceHandle: string; targetHandle: string }) => `${e.source}.${e.sourceHandle}>${e.target}.${e.targetHandle}`;
    expect(edges.filter((e) => e.type === 'lookup').map(ends)).toEqual(['src-pod.top-out>dns.bottom-in', 'dns.right>service.left', 'service.bottom-out>src-node.top-in']);
    for (const e of edges.filter((x) => x.type === 'path')) expect([e.sourceHandle, e.targetHandle]).toEqual(['right', 'left']);
  });

  it('puts groups first and every hop after, the path in order left to right, look-ups above it', () => {
    const { nodes, edges } = layoutPath(fixture.hops);
    const firstHop = nodes.findIndex((n) => n.type === 'hop');
    expect(nodes.slice(0, firstHop).every((n) => n.type === 'group-node')).toBe(true);
    expect(nodes.slice(firstHop).every((n) => n.type === 'hop')).toBe(true);
    const path = fixture.hops.filter((h) => h.id !== 'dns' && h.id !== 'service');
    const xs = path.map((h) => absPos(nodes, h.id).x);
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1] + HOP_W);
    // the look-ups sit on the row above the path: DNS over the source pod, the Service over the source node
    expect(absPos(nodes, 'dns').y).toBeLessThan(absPos(nodes, 'src-pod').y - HOP_H);
    expect(absPos(nodes, 'dns').x).toBe(absPos(nodes, 'src-pod').x);
    expect(absPos(nodes, 'service').x).toBe(absPos(nodes, 'src-node').x);
    expect(nodes.find((n) => n.id === 'service')?.data).toMatchObject({ lookup: true });
    expect(edges.filter((e) => e.type === 'path').map((e) => `${e.source}>${e.target}`)).toEqual(path.slice(1).map((h, i) => `${path[i].id}>${h.id}`));
    expect(edges.filter((e) => e.type === 'lookup').map((e) => `${e.source}>${e.target}`)).toEqual(['src-pod>dns', 'dns>service', 'service>src-node']);
  });

  it('draws each Kubernetes node once, and keeps the overlay between the groups', () => {
    const { nodes } = layoutPath(fixture.hops);
    const groups = nodes.filter((n) => n.type === 'group-node');
    expect(groups.map((g) => g.data.node)).toEqual(['worker-1', 'worker-2']);
    const parentOf = (id: string) => {
      const n = nodes.find((m) => m.id === id);
      return n && n.type === 'hop' ? n.parentId : undefined;
    };
    expect(parentOf('src-pod')).toBe(groups[0].id);
    expect(parentOf('dns')).toBeUndefined();
    expect(parentOf('src-veth')).toBe(groups[0].id);
    expect(parentOf('src-node')).toBe(groups[0].id);
    expect(parentOf('overlay')).toBeUndefined();
    expect(parentOf('dst-pod')).toBe(groups[1].id);
    expect(groups[1].data.status).toBe('pass');
  });

  it('labels the overlay link between the groups and the Service VIP → endpoints', () => {
    const { nodes } = layoutPath(fixture.hops);
    expect(nodes.find((n) => n.id === 'overlay')?.data).toMatchObject({ sub: 'VXLAN/UDP 4789' });
    const svc = nodes.find((n) => n.id === 'service');
    expect(svc?.data).toMatchObject({ sub: '10.96.0.50:80 → 10.244.2.2:8080 (+1)' }); // one endpoint whole, not two cut mid-port
    const hostgw: Hop = { ...fixture.hops[5], details: { mode: 'host-gw' } };
    expect(overlayLabel(hostgw)).toBe('routed (host-gw)');
    const none: Hop = { ...fixture.hops[2], details: { vip: '10.96.0.9:80', endpoints: [] } };
    expect(hopSubLabel(none)).toBe('10.96.0.9:80 → no endpoints');
    const labelled: Hop = { ...fixture.hops[2], label: 'Service shop/backend 10.96.0.50:80' };
    expect(hopSubLabel(labelled)).toBe('→ 10.244.2.2:8080 (+1)');
    expect(nodes.find((n) => n.id === 'service')?.width).toBeGreaterThan(nodes.find((n) => n.id === 'dns')!.width);
  });

  it('an edge leaving a failed hop is not drawn in the next hop\'s colour, unless the packet was captured at both its ends', () => {
    const dnsFailed = fixture.hops.map((h) => (h.id === 'dns' ? { ...h, status: 'fail' as const } : h));
    const { edges } = layoutPath(dnsFailed);
    const out = edges.filter((e) => e.source === 'dns');
    expect(out.length).toBeGreaterThan(0);
    for (const e of out) expect(e.data.status).toBe('skip');
    expect(edges.find((e) => e.target === 'dns')?.data.status).toBe('fail'); // the edge into it carries its colour
    expect(layoutPath(fixture.hops).edges.find((e) => e.source === 'dns')?.data.status).toBe('pass');
  });

  it('is deterministic and does not depend on statuses for positions', () => {
    const pending = fixture.hops.map((h) => ({ ...h, status: 'pending' as const }));
    const a = layoutPath(pending);
    const b = layoutPath(fixture.hops);
    expect(a.nodes.map((n) => [n.id, n.position])).toEqual(b.nodes.map((n) => [n.id, n.position]));
    expect(JSON.stringify(layoutPath(fixture.hops))).toBe(JSON.stringify(b));
  });

  it('animates the edge into a running hop only', () => {
    const hops = fixture.hops.map((h) => ({ ...h, status: h.id === 'overlay' ? ('running' as const) : ('pass' as const) }));
    const { edges } = layoutPath(hops);
    expect(edges.filter((e) => e.animated).map((e) => e.target)).toEqual(['overlay']);
  });

  it('handles a same-node path and an empty plan', () => {
    const same = fixture.hops.filter((h) => h.id !== 'overlay' && h.id !== 'dst-node').map((h) => (h.node ? { ...h, node: 'worker-1' } : h));
    const { nodes } = layoutPath(same);
    expect(nodes.filter((n) => n.type === 'group-node').map((g) => g.data.node)).toEqual(['worker-1']);
    expect(layoutPath([])).toEqual({ nodes: [], edges: [], width: 0, height: expect.any(Number) });
    expect(worstStatus(['pass', 'warn', 'running'])).toBe('warn');
  });

  it('marks the packet walk: seen / not seen per hop, the last-seen hop, the edges it travelled, the address NAT sent it to', () => {
    const point = (hop: TracePoint['hop'], node: string, iface: string, seen: boolean | null): TracePoint => ({
      hop, node, iface, label: `${node} ${iface}`, seen, packets: seen ? 2 : 0, summary: seen ? 'SYN ×2, no SYN-ACK' : 'no packet of the flow', lines: [], filter: 'tcp', evidence: { probe: 'node-capture', where: `node ${node}`, command: [], reproduce: '', exitCode: 0, stdout: '', stderr: '', durationMs: 1, finding: '' },
    });
    const trace: Trace = {
      flow: '10.244.1.2:20001 > 10.96.0.50:80/tcp', proto: 'tcp', summary: 'last seen at worker-2 eth0', sentTo: '10.244.2.9:8080',
      points: [point('src-pod', 'worker-1', 'eth0', true), point('src-veth', 'worker-1', 'veth1', true), point('src-node', 'worker-1', 'cni0', true), point('overlay', 'worker-1', 'flannel.1', true), point('overlay', 'worker-2', 'eth0', true), point('dst-node', 'worker-2', 'flannel.1', false), point('dst-veth', 'worker-2', 'veth9', null)],
      lastSeen: { hop: 'overlay', node: 'worker-2', iface: 'eth0', summary: 'SYN ×2, no SYN-ACK' },
    };
    const marks = traceMarks(trace);
    expect(marks.get('overlay')).toEqual({ trace: 'seen', lastSeen: true });
    expect(marks.get('dst-node')).toEqual({ trace: 'not-seen', lastSeen: false });
    expect(marks.has('dst-veth')).toBe(false); // the capture could not run there: no claim
    const { nodes, edges } = layoutPath(fixture.hops, trace);
    expect(nodes.find((n) => n.id === 'overlay')?.data).toMatchObject({ trace: 'seen', lastSeen: true });
    expect(nodes.find((n) => n.id === 'dst-node')?.data).toMatchObject({ trace: 'not-seen' });
    expect(edges.find((e) => e.id === 'edge:src-node->overlay')?.data.trace).toBe('seen');
    expect(edges.find((e) => e.id === 'edge:overlay->dst-node')?.data.trace).toBe('not-seen');
    // a stale DNAT target is where the packet went, not the healthy endpoint drawn
    expect(nodes.find((n) => n.id === 'service')?.data.sub).toBe('→ 10.244.2.9:8080 (sent here: no endpoint)');
    // positions do not depend on the trace
    expect(layoutPath(fixture.hops, trace).nodes.map((n) => n.position)).toEqual(layoutPath(fixture.hops).nodes.map((n) => n.position));
  });
});

describe('sentElsewhereNote', () => {
  const hop = (id: Hop['id'], kind: Hop['kind'], label: string, details?: Hop['details'], node?: string): Hop => ({ id, kind, label, status: 'pass', cause: null, summary: '', evidence: [], ...(details ? { details } : {}), ...(node ? { node } : {}) });
  const trace = (sentTo?: string): Trace => ({ flow: '10.244.1.3:41234 > 10.96.171.21:80/tcp', proto: 'tcp', points: [], lastSeen: null, summary: '', ...(sentTo ? { sentTo } : {}) });
  const svc = (details: Hop['details']) => hop('service', 'service', 'Service shop/storefront 10.96.171.21:80', { vip: '10.96.171.21:80', endpoints: ['10.244.1.3:8080', '10.244.2.2:8080'], ...details });
  const dst = hop('dst-pod', 'pod', 'shop/frontend-0 10.244.1.3:8080', undefined, 'worker-1');

  it('names both ends when the traced packet went to another endpoint than the one drawn', () => {
    const hops = [svc({ drawnEndpoint: 'shop/frontend-0 10.244.1.3 on worker-1', sentEndpoint: 'shop/frontend-1 (10.244.2.2:8080 on worker-2)' }), dst];
    expect(sentElsewhereNote(hops, trace('10.244.2.2:8080'))).toEqual({ drawn: 'shop/frontend-0 10.244.1.3 on worker-1', sent: 'shop/frontend-1 (10.244.2.2:8080 on worker-2)' });
  });
  it('an older diagnosis (no drawnEndpoint) reads the drawn end from the dst-pod hop; a stale target is said to be no ready endpoint', () => {
    expect(sentElsewhereNote([svc({}), dst], trace('10.244.2.2:8080'))).toEqual({ drawn: 'shop/frontend-0 10.244.1.3 on worker-1', sent: '10.244.2.2:8080' });
    expect(sentElsewhereNote([svc({}), dst], trace('10.244.2.9:8080'))?.sent).toBe('10.244.2.9:8080 (not a ready endpoint)');
  });
  it('nothing to say when the packet went to the drawn endpoint, or there is no sentTo or no Service', () => {
    expect(sentElsewhereNote([svc({}), dst], trace('10.244.1.3:8080'))).toBeUndefined();
    expect(sentElsewhereNote([svc({}), dst], trace())).toBeUndefined();
    expect(sentElsewhereNote([svc({}), dst], undefined)).toBeUndefined();
    expect(sentElsewhereNote([dst], trace('10.244.2.2:8080'))).toBeUndefined();
  });
});
