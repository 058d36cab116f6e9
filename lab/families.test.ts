// `cluster.cni` and `overlay` in the lab file (DESIGN §3.1): the allowed pairs, each family's default
// overlay, and errors that name the field and the fix — before anything is built.
import { describe, expect, it } from 'vitest';
import { cniSystemPods, faultInapplicable, faultWhere, familyVethName } from './families';
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

describe('what each family names, runs and breaks', () => {
  it('names host veths as the CNIs do (≤ 15 chars); flannel keeps the lab\'s readable names', () => {
    expect(familyVethName('calico', 'demo', 'client-0')).toMatch(/^cali[0-9a-f]{11}$/);
    expect(familyVethName('vpc', 'demo', 'client-0')).toBe(familyVethName('calico', 'demo', 'client-0')!.replace('cali', 'eni'));
    expect(familyVethName('cilium', 'demo', 'client-0')).toMatch(/^lxc[0-9a-f]{12}$/);
    expect(familyVethName('kindnet', 'demo', 'client-0')).toMatch(/^veth[0-9a-f]{8}$/);
    expect(familyVethName('flannel', 'demo', 'client-0')).toBeNull();
    expect(familyVethName('calico', 'demo', 'client-0')).not.toBe(familyVethName('calico', 'demo', 'client-1'));
  });

  it('runs the CNI\'s own kube-system pods', () => {
    expect(cniSystemPods({ cni: 'calico', networkPolicy: 'enforce' })!.map((d) => d.name)).toEqual(['calico-node']);
    expect(cniSystemPods({ cni: 'cilium', networkPolicy: 'ignore' })!.map((d) => [d.name, d.perNode])).toEqual([['cilium', true], ['cilium-operator', false]]);
    expect(cniSystemPods({ cni: 'vpc', networkPolicy: 'enforce' })![0].containers.map((c) => c.name)).toEqual(['aws-node', 'aws-eks-nodeagent']);
    expect(cniSystemPods({ cni: 'vpc', networkPolicy: 'ignore' })![0].containers).toHaveLength(1);
    expect(cniSystemPods({ networkPolicy: 'enforce' })).toBeNull();
  });

  it('says which faults lack their mechanism, and why', () => {
    expect(faultInapplicable('overlay-blocked', { cni: 'cilium', overlay: 'vxlan' })).toBeNull();
    expect(faultInapplicable('overlay-blocked', { cni: 'kindnet', overlay: 'host-gw' })).toMatch(/needs a tunnel.*overlay is host-gw and has no tunnel/);
    expect(faultInapplicable('stale-neighbor', { cni: 'cilium', overlay: 'vxlan' })).toMatch(/external \(collect-metadata\) VXLAN device with no FDB/);
    expect(faultInapplicable('stale-neighbor', { cni: 'vpc', overlay: 'routed' })).toMatch(/VPC router/);
    expect(faultInapplicable('stale-neighbor', { cni: 'calico', overlay: 'host-gw' })).toBeNull();
    expect(faultInapplicable('hairpin-off', { cni: 'calico', overlay: 'vxlan' })).toMatch(/needs a Linux bridge/);
    expect(faultInapplicable('bridge-nf-off', { overlay: 'host-gw' })).toBeNull();
    expect(faultWhere('hairpin-off')).toBe('flannel');
    expect(faultWhere('overlay-blocked')).toBe('flannel vxlan, calico vxlan, cilium');
    expect(faultWhere('stale-neighbor')).toBe('flannel, calico, kindnet');
    expect(faultWhere('veth-down')).toBe('every family');
  });
});
