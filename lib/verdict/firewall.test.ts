// Filter rules read in order and by owner, on real rule text: Felix's cali-INPUT (allow VXLAN from known
// hosts before drop from others, from Calico's own issue reports), and kube-proxy's "has no endpoints"
// REJECT on an iptables-nft node as iptables-save and `nft list ruleset` print it (captured in a scratch
// netns by fixtures/families/capture.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import { parseIptablesSave, parseNft, detectProxyMode } from '../kube';
import { decideIptables, decideNft, droppingRule, ruleOwner } from './firewall';

const text = (p: string) => splitFixture(readFileSync(join(import.meta.dirname, 'fixtures', p), 'utf8')).stdout;
const ipt = (p: string) => { const r = parseIptablesSave(text(p)); if (!r.ok) throw new Error(JSON.stringify(r.error)); return r.value; };
const nft = (p: string) => { const r = parseNft(text(p)); if (!r.ok) throw new Error(JSON.stringify(r.error)); return r.value; };

describe('Felix allow-before-drop (rule order)', () => {
  const vxlan = { hook: 'input' as const, proto: 'udp' as const, port: 4789, src: '172.18.0.3', dst: '172.18.0.2' };
  it('the peer node\'s VXLAN is accepted by the first rule for UDP 4789, so nothing drops it', () => {
    const d = decideIptables(ipt('felix-cali-input.txt'), vxlan);
    expect(d?.decision).toBe('accept');
    expect(d?.owner).toBe('calico');
    expect(d?.text).toMatch(/Allow IPv4 VXLAN packets from whitelisted hosts/);
    expect(droppingRule(ipt('felix-cali-input.txt'), undefined, vxlan).drop).toBeUndefined();
  });
  it('a DROP inserted first in INPUT (overlay-blocked) decides before Felix\'s allow', () => {
    const save = ipt('felix-cali-input.txt');
    const withDrop = parseIptablesSave(text('felix-cali-input.txt').replace('-A INPUT -m comment', '-A INPUT -p udp -m udp --dport 4789 -j DROP\n-A INPUT -m comment'));
    if (!withDrop.ok) throw new Error('unparsable');
    expect(droppingRule(save, undefined, vxlan).drop).toBeUndefined();
    const d = droppingRule(withDrop.value, undefined, vxlan).drop!;
    expect(d.decision).toBe('drop');
    expect(d.owner).toBe('node');
    expect(d.where).toBe('iptables filter INPUT');
  });
  it('another port is not decided by VXLAN rules', () => {
    expect(decideIptables(ipt('felix-cali-input.txt'), { ...vxlan, port: 8472 })).toBeUndefined();
  });
});

describe('kube-proxy\'s own REJECT on an iptables-nft node', () => {
  const toPod = { hook: 'forward' as const, proto: 'tcp' as const, port: 8080, src: '10.244.1.3', dst: '10.244.2.3' };
  it('is kube-proxy\'s, for its own VIP only: a flow to a pod on the same port is not dropped by it', () => {
    for (const rs of [nft('families/iptables-nft/nft-no-endpoints.txt')]) {
      expect(decideNft(rs, toPod)).toEqual([]);
      const own = decideNft(rs, { ...toPod, dst: '10.96.0.99' })[0];
      expect(own.decision).toBe('reject');
      expect(own.owner).toBe('kube-proxy');
      expect(own.where).toBe('nft ip filter KUBE-SERVICES');
    }
    expect(decideIptables(ipt('families/iptables-nft/iptables-save-no-endpoints.txt'), toPod)).toBeUndefined();
    expect(decideIptables(ipt('families/iptables-nft/iptables-save-no-endpoints.txt'), { ...toPod, dst: '10.96.0.99' })?.owner).toBe('kube-proxy');
  });
  it('the node\'s own DROP of the port, first in FORWARD, is the node\'s firewall', () => {
    const d = droppingRule(undefined, nft('families/iptables-nft/nft-node-drop.txt'), toPod).drop!;
    expect(d.owner).toBe('node');
    expect(d.where).toBe('nft ip filter FORWARD');
    expect(d.text).toMatch(/tcp dport 8080 .*drop/);
  });
  it('an iptables-nft node is kube-proxy in iptables mode, not a replacement (no table ip kube-proxy needed)', () => {
    for (const dumps of [{ nft: nft('families/iptables-nft/nft-no-endpoints.txt') }, { iptablesSave: ipt('families/iptables-nft/iptables-save-no-endpoints.txt'), nft: nft('families/iptables-nft/nft-no-endpoints.txt') }]) {
      const m = detectProxyMode(null, dumps);
      expect(m.mode).toBe('iptables');
      expect(m.warning).toBeUndefined();
    }
  });
  it('owners by chain and table name', () => {
    expect(ruleOwner('KUBE-SERVICES')).toBe('kube-proxy');
    expect(ruleOwner('filter-forward', 'kube-proxy')).toBe('kube-proxy');
    expect(ruleOwner('cali-INPUT')).toBe('calico');
    expect(ruleOwner('KUBE-NWPLCY-ABC')).toBe('policy');
    expect(ruleOwner('FORWARD')).toBe('node');
  });
});
