// Family and tunnel detection on real `ip -j -d addr show` of family-shaped nodes (lib/verdict/fixtures/
// families, captured by its capture.sh) and of the flannel lab (lib/parse/fixtures/ip-addr).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { parseIpAddr } from '../parse';
import type { Pod } from './types';
import { detectFamily, familyFromLinks, tunnelOfNode, tunnelText } from './family';

const linksOf = (path: string) => {
  const r = parseIpAddr(splitFixture(readFileSync(join(import.meta.dirname, '..', path), 'utf8')).stdout);
  if (!r.ok || r.value.error) throw new Error(`unreadable ${path}`);
  return r.value.entries;
};
const fam = (f: string) => linksOf(`verdict/fixtures/families/${f}/node-link-w1.txt`);
const ksPod = (name: string): Pod => ({ metadata: { name, namespace: 'kube-system' } }) as Pod;

describe('family and tunnel from the node\'s links', () => {
  it.each([
    ['calico', 'calico', 'calico-vxlan', 'vxlan.calico VNI 4096 UDP 4789'],
    ['cilium', 'cilium', 'external-vxlan', 'cilium_vxlan (external VXLAN, collect-metadata: no FDB) UDP 8472'],
    ['kindnet', 'kindnet', 'none', 'no tunnel'],
    ['vpc', 'vpc', 'none', 'no tunnel'],
  ])('%s node', (f, family, kind, text) => {
    const l = fam(f);
    expect(familyFromLinks(l).family).toBe(family);
    expect(tunnelOfNode(l).kind).toBe(kind);
    expect(tunnelText(tunnelOfNode(l))).toBe(text);
  });
  it('the flannel lab node: flannel.1 + cni0', () => {
    const l = linksOf('parse/fixtures/ip-addr/lab-node-worker-1.txt');
    expect(familyFromLinks(l).family).toBe('flannel');
    expect(tunnelOfNode(l)).toMatchObject({ kind: 'flannel-vxlan', device: 'flannel.1' });
  });
  it('the node wins over the kube-system pods, and says so', () => {
    const d = detectFamily([ksPod('kube-flannel-ds-abcde')], fam('calico'));
    expect(d.family).toBe('calico');
    expect(d.confirmed).toBe(false);
    expect(d.sentence).toMatch(/trusting the node/);
    const e = detectFamily([ksPod('calico-node-x7k2p')], fam('calico'));
    expect(e.confirmed).toBe(true);
    expect(detectFamily([ksPod('cilium-4xk9m')]).family).toBe('cilium');
    expect(detectFamily([ksPod('aws-node-8fj2k')]).family).toBe('vpc');
    expect(detectFamily([]).family).toBeNull();
  });
});
