import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { layoutPath, overlayLabel, hopSubLabel, worstStatus, HOP_W } from './layout';
import type { Diagnosis, Hop } from '../model';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;

describe('layoutPath', () => {
  it('puts groups first and every hop after, in path order, left to right', () => {
    const { nodes, edges } = layoutPath(fixture.hops);
    const firstHop = nodes.findIndex((n) => n.type === 'hop');
    expect(nodes.slice(0, firstHop).every((n) => n.type === 'group-node')).toBe(true);
    expect(nodes.slice(firstHop).every((n) => n.type === 'hop')).toBe(true);
    // absolute x of each hop increases along the path
    const abs = (id: string) => {
      const n = nodes.find((m) => m.id === id)!;
      const parent = n.type === 'hop' && n.parentId ? nodes.find((m) => m.id === n.parentId)! : null;
      return n.position.x + (parent ? parent.position.x : 0);
    };
    const xs = fixture.hops.map((h) => abs(h.id));
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1] + HOP_W);
    expect(edges.map((e) => `${e.source}>${e.target}`)).toEqual(
      fixture.hops.slice(1).map((h, i) => `${fixture.hops[i].id}>${h.id}`),
    );
  });

  it('groups hops by Kubernetes node and keeps the overlay between the groups', () => {
    const { nodes } = layoutPath(fixture.hops);
    const groups = nodes.filter((n) => n.type === 'group-node');
    expect(groups.map((g) => g.data.node)).toEqual(['worker-1', 'worker-1', 'worker-2']);
    const parentOf = (id: string) => {
      const n = nodes.find((m) => m.id === id);
      return n && n.type === 'hop' ? n.parentId : undefined;
    };
    expect(parentOf('src-pod')).toBe(groups[0].id);
    expect(parentOf('dns')).toBeUndefined();
    expect(parentOf('src-veth')).toBe(groups[1].id);
    expect(parentOf('src-node')).toBe(groups[1].id);
    expect(parentOf('overlay')).toBeUndefined();
    expect(parentOf('dst-pod')).toBe(groups[2].id);
    expect(groups[2].data.status).toBe('pass');
  });

  it('labels the overlay link between the groups and the Service VIP → endpoints', () => {
    const { nodes } = layoutPath(fixture.hops);
    expect(nodes.find((n) => n.id === 'overlay')?.data).toMatchObject({ sub: 'VXLAN/UDP 4789' });
    const svc = nodes.find((n) => n.id === 'service');
    expect(svc?.data).toMatchObject({ sub: '10.96.0.50:80 → 10.244.2.2:8080, 10.244.1.3:8080' });
    const hostgw: Hop = { ...fixture.hops[5], details: { mode: 'host-gw' } };
    expect(overlayLabel(hostgw)).toBe('routed (host-gw)');
    const none: Hop = { ...fixture.hops[2], details: { vip: '10.96.0.9:80', endpoints: [] } };
    expect(hopSubLabel(none)).toBe('10.96.0.9:80 → no endpoints');
    const labelled: Hop = { ...fixture.hops[2], label: 'Service shop/backend 10.96.0.50:80' };
    expect(hopSubLabel(labelled)).toBe('→ 10.244.2.2:8080, 10.244.1.3:8080');
    expect(nodes.find((n) => n.id === 'service')?.width).toBeGreaterThan(nodes.find((n) => n.id === 'dns')!.width);
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
    expect(nodes.filter((n) => n.type === 'group-node').map((g) => g.data.node)).toEqual(['worker-1', 'worker-1']);
    expect(layoutPath([])).toEqual({ nodes: [], edges: [], width: 0, height: expect.any(Number) });
    expect(worstStatus(['pass', 'warn', 'running'])).toBe('warn');
  });
});
