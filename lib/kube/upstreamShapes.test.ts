// Shapes this kernel cannot build (no ipip, geneve or wireguard module; no eBPF), judged from outputs real
// clusters printed, published in the projects' issues (lib/kube/fixtures/upstream, provenance in each header).
// They are `ip a` / `ip -d link` TEXT (nobody published the -j form), so the test reads the few fields the
// family detection uses with a reader of its own; the engine itself runs `ip -j -d addr show`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from '../parse/fixtureFile';
import type { IpLink } from '../parse';
import { parseIptablesSave } from '../parse/iptablesSave';
import { detectProxyMode } from './proxyMode';
import { familyFromLinks, tunnelOfNode, tunnelText } from './family';
import { ruleOwner, droppingRule } from '../verdict/firewall';

const text = (f: string) => splitFixture(readFileSync(join(import.meta.dirname, 'fixtures', 'upstream', f), 'utf8')).stdout;

/** `N: name[@peer]: <FLAGS> mtu M … state S`, `link/TYPE …`, `inet A/P`, and a `-d` line's kind word. */
function readIpText(t: string): IpLink[] {
  const out: IpLink[] = [];
  for (const raw of t.split('\n')) {
    const line = raw.trim();
    const head = /^(\d+): ([^:@\s]+)(?:@\S+)?: <([^>]*)> mtu (\d+).*? state (\S+)/.exec(line);
    if (head) {
      const flags = head[3].split(',');
      out.push({ ifindex: Number(head[1]), ifname: head[2], flags, mtu: Number(head[4]), operstate: head[5], up: flags.includes('UP'), lowerUp: flags.includes('LOWER_UP'), addresses: [] });
      continue;
    }
    const l = out[out.length - 1];
    if (!l) continue;
    const link = /^link\/(\S+)/.exec(line);
    if (link?.[1] === 'ipip') l.kind = 'ipip';
    const inet = /^inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line);
    if (inet) l.addresses.push({ family: 'inet', local: inet[1], prefixlen: Number(inet[2]) });
    const kind = /^(vxlan|geneve|wireguard)\b/.exec(line);
    if (kind) {
      l.kind = kind[1];
      const port = /dstport (\d+)/.exec(line);
      const id = /\bid (\d+)/.exec(line);
      if (kind[1] === 'vxlan') l.vxlan = { id: Number(id?.[1] ?? 0), ...(port ? { port: Number(port[1]) } : {}), ...(/\bexternal\b/.test(line) ? { external: true } : {}) };
    }
  }
  return out;
}

describe('shapes judged from published outputs', () => {
  it('Calico IPIP: tunl0 up with its /32 is calico with an IP-in-IP tunnel', () => {
    const links = readIpText(text('calico-ipip-node.txt'));
    expect(links.map((l) => l.ifname)).toEqual(['ens3', 'tunl0']);
    expect(familyFromLinks(links).family).toBe('calico');
    expect(tunnelText(tunnelOfNode(links))).toBe('tunl0 (IP-in-IP, IP protocol 4)');
  });
  it('a tunl0 that is down and has no address (ipip loaded, not Calico\'s) is no tunnel', () => {
    const links = readIpText(text('calico-ipip-node.txt')).map((l) => (l.ifname === 'tunl0' ? { ...l, up: false, flags: ['NOARP'], addresses: [] } : l));
    expect(tunnelOfNode(links).kind).toBe('none');
  });
  it('Calico WireGuard: wireguard.cali is calico, tunnel WireGuard', () => {
    const links = readIpText(text('calico-wireguard-node.txt'));
    expect(familyFromLinks(links).family).toBe('calico');
    expect(tunnelOfNode(links)).toMatchObject({ kind: 'wireguard', device: 'wireguard.cali', mtu: 1440 });
  });
  it('Geneve: a geneve device is its own tunnel kind on UDP 6081', () => {
    const links = readIpText(text('geneve-link.txt'));
    expect(links[0].kind).toBe('geneve');
    expect(tunnelText(tunnelOfNode(links))).toBe('geneve0 (Geneve) UDP 6081');
  });
  it('Cilium kube-proxy replacement: no KUBE-SERVICES anywhere is mode none with the warning, and its CILIUM_ chains are Cilium\'s, not the node firewall', () => {
    const r = parseIptablesSave(text('cilium-kpr-ip6tables-save.txt'));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const m = detectProxyMode(null, { iptablesSave: r.value });
    expect(m.mode).toBe('none');
    expect(m.warning).toBe('proxy-mode-unknown');
    expect(m.sentence).toMatch(/cilium bpf lb list/);
    expect(ruleOwner('CILIUM_FORWARD')).toBe('cilium');
    expect(droppingRule(r.value, undefined, { hook: 'forward', proto: 'tcp', port: 8080 }).drop).toBeUndefined();
  });
});
