// parseTcpdump over real captures (lib/parse/fixtures/tcpdump, made by capture-tcpdump.sh in the lab): one
// cross-node flow seen at every capture point, VXLAN-encapsulated on the underlay, a RST, a policy drop and
// an ICMP port unreachable. The pcapng written from them is read back by the real tcpdump.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFixture } from './fixtureFile';
import { parseTcpdump, decodePacket, linesOn, tcpFlagLetters, timeOfDayLine, type TcpdumpCapture } from './tcpdump';
import { sll2ToSll, writePcapng, LINK_TYPES } from '../pcap';

const fixture = (name: string) => splitFixture(readFileSync(new URL(`./fixtures/tcpdump/${name}.txt`, import.meta.url), 'utf8'));
const read = (name: string): TcpdumpCapture => {
  const f = fixture(name);
  const r = parseTcpdump(f.stdout, f);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const flags = (c: TcpdumpCapture) => c.packets.map((p) => p.decoded?.tcpFlags).join(' ');

describe('parseTcpdump', () => {
  it('reads a handshake at the source pod: addresses, ports, flags, the listening line and counts', () => {
    const c = read('handshake-src-pod-eth0');
    expect(c).toMatchObject({ listening: true, iface: 'eth0', linkType: 'EN10MB', snaplen: 96, captured: 6 });
    expect(flags(c)).toBe('S S. . F. F. .');
    expect(c.packets[0].decoded).toMatchObject({ src: '10.244.1.3', sport: 41264, dst: '10.244.2.2', dport: 8080, proto: 6 });
    expect(c.packets[0].bytes.length).toBe(74);
    expect(c.packets[0].length).toBe(74);
    expect(c.packets[0].line).toMatch(/Flags \[S\]/);
  });
  it('looks inside VXLAN on the underlay: the inner flow, the outer VTEPs and the VNI', () => {
    const c = read('handshake-src-underlay');
    expect(c.packets.length).toBe(6);
    expect(c.packets[0].decoded).toMatchObject({ src: '10.244.1.3', sport: 41264, dst: '10.244.2.2', dport: 8080, tcpFlags: 'S', encap: { kind: 'vxlan', vni: 1, port: 4789, outerSrc: '172.18.0.2', outerDst: '172.18.0.3' } });
    expect(c.packets[0].line).toContain(' | ');
    expect(c.packets[1].decoded?.tcpFlags).toBe('S.');
  });
  it('sees the RST coming back', () => {
    expect(flags(read('rst-src-pod-eth0'))).toBe('S R.');
  });
  it('shows where a policy drop stops the SYNs: on the tunnel device, not the bridge behind it', () => {
    expect(flags(read('policy-timeout-dst-tunnel'))).toBe('S S');
    const bridge = read('policy-timeout-dst-bridge');
    expect(bridge.listening).toBe(true);
    expect(bridge.packets).toEqual([]);
  });
  it('reads an ICMP port unreachable and the UDP header it quotes', () => {
    const c = read('udp-port-unreachable-dst-pod-eth0');
    expect(c.packets[0].decoded).toMatchObject({ proto: 17, sport: 41267, dport: 9999, payloadLength: 1 });
    expect(c.packets[1].decoded?.icmp).toMatchObject({ type: 3, code: 3, quoted: { src: '10.244.1.3', sport: 41267, dport: 9999 } });
  });
  it('refuses hex with no packet before it, and a hex row out of order, naming the line', () => {
    const a = parseTcpdump('\t0x0000:  4500 0034\n');
    expect(a.ok ? 'ok' : a.error).toMatchObject({ tool: 'tcpdump', line: 1 });
    const b = parseTcpdump('1.5 aa:bb:cc:dd:ee:ff > 11:22:33:44:55:66, ethertype IPv4 (0x0800), length 60: x\n\t0x0010:  4500\n');
    expect(b.ok ? 'ok' : b.error).toMatchObject({ line: 2 });
    const c = parseTcpdump('garbage\n');
    expect(c.ok).toBe(false);
  });
  it('letters TCP flags as tcpdump does and decodes nothing from a non-IP frame', () => {
    expect(tcpFlagLetters(0x12)).toBe('S.');
    expect(tcpFlagLetters(0x14)).toBe('R.');
    expect(decodePacket(new Uint8Array(14))).toBeUndefined();
  });
});

describe('tcpdump -i any (LINUX_SLL2, capture-tcpdump.sh any)', () => {
  it('names each packet\'s interface and direction, in the order the packet met them, and decodes past the SLL2 header', () => {
    const c = read('handshake-any-src-node');
    expect(c).toMatchObject({ listening: true, iface: 'any', linkType: 'LINUX_SLL2', snaplen: 160 });
    // arriving from the pod's veth the SYN is "In" (to the bridge's MAC) or "P" (another host's, before the bridge learnt it)
    expect(c.packets.slice(0, 4).map((p) => p.ifname)).toEqual(['shop-frontend-0', 'cni0', 'flannel.1', 'eth0']);
    expect(c.packets.slice(0, 4).map((p) => p.direction)).toEqual([expect.stringMatching(/^(In|P)$/), 'In', 'Out', 'Out']);
    expect(c.packets[0].decoded).toMatchObject({ src: '10.244.1.3', sport: 41364, dst: '10.244.2.3', dport: 8080, proto: 6, tcpFlags: 'S' });
    expect(c.packets[0].bytes.length).toBe(80); // 20 of SLL2 + 60 of IP
    // the underlay's copy is the same SYN inside VXLAN
    expect(c.packets[3].decoded).toMatchObject({ src: '10.244.1.3', sport: 41364, tcpFlags: 'S', encap: { kind: 'vxlan', vni: 1, port: 4789, outerSrc: '172.18.0.2', outerDst: '172.18.0.3' } });
    expect(c.packets.every((p) => p.decoded)).toBe(true);
  });
  it('linesOn: one interface\'s packets, verbatim, themselves a capture; a one-interface output comes back whole', () => {
    const f = fixture('handshake-any-dst-node');
    const all = read('handshake-any-dst-node');
    const ifaces = [...new Set(all.packets.map((p) => p.ifname))];
    expect(ifaces.sort()).toEqual(['cni0', 'eth0', 'flannel.1', 'shop-backend-0']);
    let n = 0;
    for (const i of ifaces) {
      const text = linesOn(f.stdout, i!);
      for (const l of text.trimEnd().split('\n')) expect(f.stdout.split('\n')).toContain(l);
      const r = parseTcpdump(text, f);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      expect(r.value.packets.every((p) => p.ifname === i)).toBe(true);
      expect(r.value.packets.map((p) => p.decoded?.tcpFlags)).toEqual(all.packets.filter((p) => p.ifname === i).map((p) => p.decoded?.tcpFlags));
      n += r.value.packets.length;
    }
    expect(n).toBe(all.packets.length);
    expect(linesOn(f.stdout, 'lo')).toBe('');
    const one = fixture('handshake-src-veth').stdout;
    expect(linesOn(one, 'anything')).toBe(one);
  });
  it('linesOn: a node\'s underlay holds the tunnel\'s packets and, without the route back, the answer plain — both its own', () => {
    const f = fixture('node-route-missing-any-dst-node');
    const r = parseTcpdump(linesOn(f.stdout, 'eth0'), f);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.packets.length).toBe(read('node-route-missing-any-dst-node').packets.filter((p) => p.ifname === 'eth0').length);
    expect(r.value.packets.some((p) => p.decoded?.encap)).toBe(true);
    expect(r.value.packets.some((p) => !p.decoded?.encap)).toBe(true);
  });
  it('a policy drop: the SYNs arrive on the destination node (underlay, tunnel) and go no further; nothing comes back', () => {
    const node = read('policy-timeout-any-dst-node');
    expect(new Set(node.packets.map((p) => p.decoded?.tcpFlags))).toEqual(new Set(['S']));
    expect([...new Set(node.packets.map((p) => `${p.ifname} ${p.direction}`))].sort()).toEqual(['eth0 In', 'flannel.1 In']);
    expect(read('policy-timeout-any-dst-pod').packets).toEqual([]);
  });
});

describe('tcpdump -i any into a pcapng (sll2ToSll)', () => {
  it('tcpdump -r reads the points as LINUX_SLL: no interface names looked up on the reading machine, the same packets', () => {
    const c = read('handshake-any-src-node');
    const bytes = writePcapng([{ name: 'worker-1 any', linkType: LINK_TYPES.LINUX_SLL, snaplen: 156 }], c.packets.map((p) => ({ iface: 0, time: p.time, length: p.length - 4, bytes: sll2ToSll(p.bytes) })));
    const dir = mkdtempSync(join(tmpdir(), 'pw-pcap-'));
    writeFileSync(join(dir, 'x.pcapng'), bytes);
    const r = spawnSync('tcpdump', ['-r', join(dir, 'x.pcapng'), '-nn', '-tt'], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/interface names might be incorrect/);
    const lines = r.stdout.trim().split('\n').filter((l) => /^\d+\.\d+ /.test(l)); // a VXLAN packet's inner frame is a line of its own
    expect(lines.length).toBe(c.packets.length);
    expect(lines[0]).toMatch(/^\d+\.\d+ IP 10\.244\.1\.3\.41364 > 10\.244\.2\.3\.8080: Flags \[S\]/);
    expect(lines.filter((l) => l.includes('VXLAN')).length).toBe(c.packets.filter((p) => p.decoded?.encap).length);
  });
});

describe('writePcapng', () => {
  it('merges points into one file that tcpdump -r reads, one named interface per point, in time order', () => {
    const a = read('handshake-src-pod-eth0');
    const b = read('handshake-dst-underlay');
    const bytes = writePcapng(
      [{ name: 'pod shop/frontend-0 eth0', linkType: LINK_TYPES.EN10MB, snaplen: 96 }, { name: 'worker-2 eth0', description: 'udp port 4789', linkType: LINK_TYPES.EN10MB, snaplen: 160 }],
      [...a.packets.map((p) => ({ iface: 0, ...p })), ...b.packets.map((p) => ({ iface: 1, ...p }))],
    );
    const dir = mkdtempSync(join(tmpdir(), 'pw-pcap-'));
    writeFileSync(join(dir, 'x.pcapng'), bytes);
    const out = execFileSync('tcpdump', ['-r', join(dir, 'x.pcapng'), '-nn', '-tt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n').filter((l) => /^\d+\.\d+ /.test(l));
    expect(lines.length).toBe(12);
    expect(lines.filter((l) => l.includes('VXLAN')).length).toBe(6);
    const times = lines.map((l) => Number(l.split(' ')[0]));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(out).toContain('10.244.1.3.41264 > 10.244.2.2.8080: Flags [S]');
  });
});

describe('timeOfDayLine', () => {
  it('prints a captured -tt line the way tcpdump prints it without -tt (UTC time of day), leaving the rest verbatim', () => {
    const line = fixture('handshake-src-pod-eth0').stdout.split('\n')[0];
    const epoch = Number(line.split(' ')[0]);
    const out = timeOfDayLine(line);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{6} /);
    expect(out.slice(15)).toBe(line.slice(line.indexOf(' ')));
    const d = new Date(epoch * 1000);
    expect(out.slice(0, 8)).toBe(d.toISOString().slice(11, 19));
  });
  it('leaves lines without a leading timestamp alone', () => {
    expect(timeOfDayLine('\t0x0000:  4500 003c')).toBe('\t0x0000:  4500 003c');
    expect(timeOfDayLine('')).toBe('');
  });
});
