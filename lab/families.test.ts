// `cluster.cni` and `overlay` in the lab file (DESIGN §3.1): the allowed pairs, each family's default
// overlay, and errors that name the field and the fix — before anything is built.
import { describe, expect, it } from 'vitest';
import { LabFileError, parseLabFile } from './spec';

const lab = (extra: string) => `kind: Lab\ncluster: {nodes: [a, b]${extra}}\n`;

describe('cluster.cni and overlay', () => {
  it('keeps flannel as it was: no cni field in the parsed cluster', () => {
    const c = parseLabFile(lab('')).cluster;
    expect(c.cni).toBeUndefined();
    expect(c.overlay).toBe('vxlan');
    expect(parseLabFile(lab(', cni: flannel, overlay: host-gw')).cluster).not.toHaveProperty('cni');
  });

  it.each([
    ['calico', 'vxlan', 'vxlan'],
    ['calico', 'host-gw', 'host-gw'],
    ['cilium', 'vxlan', 'vxlan'],
    ['kindnet', '', 'host-gw'],
    ['kindnet', 'host-gw', 'host-gw'],
    ['vpc', '', 'routed'],
    ['vpc', 'routed', 'routed'],
    ['calico', '', 'vxlan'],
  ])('cni %s overlay %s → %s', (cni, overlay, want) => {
    const c = parseLabFile(lab(`, cni: ${cni}${overlay ? `, overlay: ${overlay}` : ''}`)).cluster;
    expect(c.cni).toBe(cni);
    expect(c.overlay).toBe(want);
  });

  it.each([
    ['cni: weave', 'cluster.cni', /"weave" is not supported.*use one of flannel \| calico \| cilium \| kindnet \| vpc/],
    ['overlay: geneve', 'cluster.overlay', /use one of vxlan \| host-gw \| routed/],
    ['cni: kindnet, overlay: vxlan', 'cluster.overlay', /cni kindnet does not build overlay vxlan.*fix: use overlay: host-gw with cni: kindnet/],
    ['cni: vpc, overlay: vxlan', 'cluster.overlay', /cni vpc does not build overlay vxlan.*fix: use overlay: routed with cni: vpc/],
    ['cni: cilium, overlay: host-gw', 'cluster.overlay', /cni cilium does not build overlay host-gw.*fix: use overlay: vxlan/],
    ['overlay: routed', 'cluster.overlay', /routed is the VPC dataplane's.*cni flannel.*fix: use cni: vpc with overlay: routed/],
    ['cni: calico, overlay: routed', 'cluster.overlay', /cni calico does not route that way.*vxlan \| host-gw for calico/],
  ])('refuses %s', (extra, field, re) => {
    let e: unknown;
    try {
      parseLabFile(lab(`, ${extra}`), 'f.yaml');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(LabFileError);
    expect((e as LabFileError).field).toBe(field);
    expect((e as LabFileError).message).toMatch(re);
  });
});
