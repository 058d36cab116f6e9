// North-south and egress paths in the graph: the outside is its own group (client, load balancer, external
// server), the entry node keeps its group, and the reply's way back is drawn where SNAT decides it.
import { describe, expect, it } from 'vitest';
import type { Hop, HopId, HopKind } from '../model';
import { layoutPath, type LayoutGroupNode, type LayoutHopNode } from './layout';

const h = (id: HopId, kind: HopKind, node?: string, status: Hop['status'] = 'pass'): Hop => ({ id, kind, label: id, ...(node ? { node } : {}), status, cause: null, summary: '', evidence: [] });

describe('layoutPath beyond the cluster', () => {
  it('outside → LoadBalancer: client and lb in one outside group, the entry node, the endpoint node', () => {
    const l = layoutPath([h('client', 'client'), h('lb', 'lb'), h('src-node', 'node', 'node-b'), h('node-port', 'node', 'node-b'), h('overlay', 'overlay'), h('dst-node', 'node', 'node-a'), h('dst-veth', 'veth', 'node-a'), h('dst-pod', 'pod', 'node-a')]);
    const groups = l.nodes.filter((n): n is LayoutGroupNode => n.type === 'group-node');
    expect(groups.map((g) => [g.data.node, !!g.data.outside])).toEqual([['outside', true], ['node-b', false], ['node-a', false]]);
    const parent = (id: string) => (l.nodes.find((n) => n.id === id) as LayoutHopNode).parentId;
    expect(parent('client')).toBe(parent('lb'));
    expect(parent('node-port')).toBe(groups[1].id);
    expect(l.edges.map((e) => e.id)).toContain('edge:lb->src-node');
    expect(l.edges.some((e) => e.type === 'return')).toBe(false);
  });
  it('egress: the external server stands in the outside group and the reply returns to the egress hop with its status', () => {
    const l = layoutPath([h('src-pod', 'pod', 'node-a'), h('src-veth', 'veth', 'node-a'), h('src-node', 'node', 'node-a'), h('egress', 'egress', 'node-a', 'fail'), h('external', 'external')]);
    const groups = l.nodes.filter((n): n is LayoutGroupNode => n.type === 'group-node');
    expect(groups.map((g) => g.data.node)).toEqual(['node-a', 'outside']);
    expect(groups[0].data.status).toBe('fail');
    const back = l.edges.find((e) => e.type === 'return');
    expect(back).toMatchObject({ source: 'external', target: 'egress', data: { status: 'fail' } });
    expect(l.height).toBeGreaterThan(layoutPath([h('src-pod', 'pod', 'node-a')]).height);
  });
});
