// The trace-consistency step on real lab runs (fixtures/trace-*.json: `packetwalk diagnose --json` on the
// vxlan-ignore contract lab with a fault): a first packet seen past a hop clears that hop only when the
// answer came back through it too; a reply-direction cause or a receive-side drop stands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../model';
import { applyTrace, buildTrace, cameBack, conntrackNat, lastSeenLine, onPoint, otherInterfaces, sawBothWays, summarizeCapture, walkEndedOffPath, withSentElsewhere, withUntunnelled } from './trace';
import { traceMarks } from '../graph/layout';
import { splitFixture } from '../parse/fixtureFile';
import { parseConntrackList, parseTcpdump } from '../parse';
import type { Judgement } from '.';

const load = (n: string) => (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${n}.json`), 'utf8')) as { diagnosis: Diagnosis & { trace: Parameters<typeof applyTrace>[1] } }).diagnosis;
const judgement = (d: Diagnosis): Judgement => ({ hops: d.hops.map((h) => ({ ...h, evidence: h.evidence.filter((e) => e.probe !== 'tcpdump') })), verdict: d.verdict, firstFailure: d.firstFailure, warnings: d.warnings, summary: d.summary ?? '' });

describe('applyTrace', () => {
  it.each([
    ['trace-node-route-missing', 'node-route', 'dst-node'],
    ['trace-stale-neighbor', 'neighbor-stale', 'overlay'],
  ])('%s: the SYN seen past the hop without an answer back does not clear %s', (name, cause, hop) => {
    const d = load(name);
    expect(d.trace.points.some((p) => p.seen)).toBe(true);
    const j = applyTrace(judgement(d), d.trace);
    expect(j.firstFailure).toMatchObject({ cause, hop });
    expect(j.hops.find((h) => h.id === hop)!.status).toBe('fail');
  });
  it('the same capture with the answer seen back at the source pod clears it (model-mismatch)', () => {
    const d = load('trace-node-route-missing');
    const trace = { ...d.trace, points: d.trace.points.map((p) => (p.hop === 'src-pod' ? { ...p, replySeen: true } : p)) };
    const j = applyTrace(judgement(d), trace);
    expect(j.hops.find((h) => h.id === 'dst-node')!.cause).toBe('model-mismatch');
  });
  it('a passing hop past the failure that no packet reached says so (veth down: the pod listens, but nothing got there)', () => {
    const d = load('trace-veth-down');
    // the judgement before the trace step: no hop carries the capture's words yet
    const j0 = judgement(d);
    const before = { ...j0, hops: j0.hops.map((h) => ({ ...h, summary: h.summary.replace(/ — capture: .*$/, '') })) };
    const j = applyTrace(before, d.trace);
    expect(j.firstFailure).toMatchObject({ hop: 'dst-veth', cause: 'veth-down' });
    const pod = j.hops.find((h) => h.id === 'dst-pod')!;
    expect(pod.status).toBe('pass');
    expect(pod.summary).toMatch(/listening on 0\.0\.0\.0:9300 — capture: no packet of the flow reached this hop \(last seen at node-a flannel\.1; the path fails at dst-veth\)$/);
    // hops the packet crossed, and the failing hop itself, say nothing of the kind
    for (const id of ['src-node', 'overlay', 'dst-node', 'dst-veth'] as const) expect(j.hops.find((h) => h.id === id)!.summary).not.toMatch(/no packet of the flow reached/);
  });
  it('a flow kube-proxy sent to another endpoint does not clear the drawn endpoint\'s finding past the source side', () => {
    // varied-3node-nftables lab, node-a without its route to node-c: the hops are drawn to web/api-1 (node-c), whose
    // direct connect fails; the traced connection went to web/api-0 on node-b and crossed node-a's flannel.1
    const d = load('trace-sent-elsewhere-node-route');
    const drawn = d.hops.find((h) => h.id === 'dst-pod')!.label.match(/\d+\.\d+\.\d+\.\d+/)![0];
    expect(drawn).toBe('10.32.3.3');
    expect(d.trace.sentTo).toBe('10.32.2.2:9000');
    expect(d.trace.points.some((p) => p.hop === 'overlay' && p.seen && p.replySeen)).toBe(true);
    const j = applyTrace(judgement(d), d.trace, drawn);
    expect(j.firstFailure).toMatchObject({ hop: 'src-node', cause: 'node-route' });
    const hop = j.hops.find((h) => h.id === 'src-node')!;
    expect(hop.status).toBe('fail');
    expect(hop.summary).not.toMatch(/capture/);
    // without knowing the drawn endpoint the packet seen past src-node reads as the capture winning: what this guards
    expect(applyTrace(judgement(d), d.trace).hops.find((h) => h.id === 'src-node')!.cause).toBe('model-mismatch');
  });
  it('a flow captured end to end does not clear a DNS failure: the trace dials the address, the queries go elsewhere', () => {
    const d = load('trace-dns-overlay-blocked');
    expect(d.trace.points.some((p) => p.replySeen)).toBe(true);
    const j = applyTrace(judgement(d), d.trace);
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'overlay-blocked' });
    expect(j.hops.find((h) => h.id === 'dns')!.status).toBe('fail');
  });
});

describe('summarizeCapture on real captures', () => {
  const cap = (name: string) => {
    const f = splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'tcpdump', `${name}.txt`), 'utf8'));
    const r = parseTcpdump(f.stdout, f);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value;
  };
  it('a pod-to-pod handshake on the bridge: the flow by its source port, both ways', () => {
    const s = summarizeCapture(cap('handshake-src-bridge'), { proto: 'tcp', srcIP: '10.244.1.3', sport: 41264, dstIP: '10.244.2.2', dport: 8080 });
    expect(s).toMatchObject({ seen: true, replySeen: true });
    expect(s.summary).toMatch(/^SYN, SYN-ACK/);
  });
  // The egress capture (lib/parse/fixtures/tcpdump/egress-node-underlay-snat.txt): pod 10.132.2.2:24777 leaving node-b
  // masqueraded as 172.18.0.3:24777 toward 198.51.100.20:443.
  const out = { proto: 'tcp' as const, srcIP: '10.132.2.2', sport: 24777, dstIP: '198.51.100.20', dport: 443 };
  it('leaving the node masqueraded: the flow by the far end and its ports, though the source address is the node\'s', () => {
    const s = summarizeCapture(cap('egress-node-underlay-snat'), out, [24777]);
    expect(s).toMatchObject({ seen: true, replySeen: true });
    expect(s.summary).toMatch(/^SYN, SYN-ACK, ACK/);
  });
  it('a port SNAT rewrote is matched only through the ports conntrack named (the trace dialled from 30001 here)', () => {
    const rewritten = { ...out, sport: 30001 };
    expect(summarizeCapture(cap('egress-node-underlay-snat'), rewritten).summary).toBe('no packet of the flow');
    expect(summarizeCapture(cap('egress-node-underlay-snat'), rewritten, [30001, 24777])).toMatchObject({ seen: true, replySeen: true });
    // the far end must match too: the same ports toward another address are not the flow
    expect(summarizeCapture(cap('egress-node-underlay-snat'), { ...rewritten, dstIP: '198.51.100.99' }, [30001, 24777]).seen).toBe(false);
  });
});

describe('sawBothWays: when a capture has nothing left to show (the trace stops waiting for it)', () => {
  const stdout = (name: string) => splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'tcpdump', `${name}.txt`), 'utf8')).stdout;
  const parsed = (text: string) => {
    const r = parseTcpdump(text);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value;
  };
  const seen = (text: string, flow: Parameters<typeof sawBothWays>[1], point: Parameters<typeof sawBothWays>[2]) => sawBothWays(parsed(text), flow, point);
  const ok = { proto: 'tcp' as const, srcIP: '10.244.1.3', sport: 41264, dstIP: '10.244.2.2', dport: 8080 };
  const plainPoint = { iface: 'eth0', encapsulated: false };
  it('a handshake seen both ways is done, on a veth, a bridge and inside the VXLAN underlay alike', () => {
    for (const at of ['src-veth', 'src-bridge', 'dst-pod-eth0']) expect(seen(stdout(`handshake-${at}`), ok, plainPoint)).toBe(true);
    expect(seen(stdout('handshake-dst-underlay'), ok, { iface: 'eth0', encapsulated: true })).toBe(true);
  });
  it('not done before the answer: the output cut after the SYN, or cut inside a packet\'s hex lines', () => {
    const full = stdout('handshake-src-veth');
    const lines = full.split('\n');
    const second = lines.findIndex((l, i) => i > 0 && /^\d/.test(l));
    expect(seen(lines.slice(0, second).join('\n'), ok, plainPoint)).toBe(false);
    expect(seen(lines.slice(0, second + 2).join('\n'), ok, plainPoint)).toBe(false);
    expect(seen('', ok, plainPoint)).toBe(false);
  });
  it('a SYN no one answers is never done (the trace waits the settle time out); nor another flow\'s packets', () => {
    expect(seen(stdout('policy-timeout-src-veth'), { ...ok, sport: 41266, dstIP: '10.244.2.3', dport: 5432 }, plainPoint)).toBe(false);
    expect(seen(stdout('handshake-src-veth'), { ...ok, sport: 41265 }, plainPoint)).toBe(false);
  });
  it('a natted point (after SNAT) waits: its ports are known only from conntrack', () => {
    expect(seen(stdout('handshake-src-veth'), ok, { ...plainPoint, natted: true })).toBe(false);
  });
  it('-i any: each point by its interface, the underlay by its tunnel packets only', () => {
    const any = parsed(stdout('node-route-missing-any-dst-node'));
    const flow = { ...ok, sport: 41368, dstIP: '10.244.2.3' };
    expect(sawBothWays(any, flow, { iface: 'cni0', encapsulated: false })).toBe(true);
    // the SYN-ACK left eth0 outside the tunnel: the tunnel point has not seen the answer
    expect(sawBothWays(any, flow, { iface: 'eth0', encapsulated: true })).toBe(false);
    expect(onPoint(any, { iface: 'eth0', encapsulated: false }).packets.every((p) => p.decoded?.tcpFlags === 'S.')).toBe(true);
  });
});

describe('withUntunnelled on a real -i any capture (lib/parse/fixtures/tcpdump/node-route-missing-any-dst-node.txt)', () => {
  const f = splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'tcpdump', 'node-route-missing-any-dst-node.txt'), 'utf8'));
  const flow = { proto: 'tcp' as const, srcIP: '10.244.1.3', sport: 41368, dstIP: '10.244.2.3', dport: 8080 };
  const all = parseTcpdump(f.stdout, f);
  const cap = (encapsulated: boolean) => {
    if (!all.ok) throw new Error(JSON.stringify(all.error));
    return onPoint(all.value, { iface: 'eth0', encapsulated });
  };
  it('onPoint: the tunnel point\'s packets are the encapsulated SYNs, the rest of eth0 the SYN-ACKs sent out plain', () => {
    const tunnel = cap(true).packets;
    const plain = cap(false).packets;
    expect(tunnel.length).toBeGreaterThan(0);
    expect(tunnel.every((p) => p.decoded?.encap?.kind === 'vxlan' && p.decoded.tcpFlags === 'S' && p.direction === 'In')).toBe(true);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((p) => !p.decoded?.encap && p.decoded?.tcpFlags === 'S.' && p.direction === 'Out' && p.decoded.dst === '10.244.1.3')).toBe(true);
    expect(tunnel.length + plain.length).toBe(all.ok ? all.value.packets.filter((p) => p.ifname === 'eth0').length : -1);
  });
  it('the underlay point of a node without the route back: the SYNs came through the tunnel, the SYN-ACKs left outside it', () => {
    const tunnel = summarizeCapture(cap(true), flow);
    expect(tunnel).toMatchObject({ seen: true, replySeen: false });
    const both = withUntunnelled(tunnel, cap(false), flow, 'eth0');
    expect(both.summary).toMatch(/^SYN( ×\d+)?, no SYN-ACK; outside the tunnel on eth0: SYN-ACK( ×\d+)?$/);
    // its lines show the answers too, in time order
    expect(both.lines.length).toBe(tunnel.lines.length + cap(false).packets.length);
    expect(both.lines.map((l) => parseFloat(l))).toEqual([...both.lines.map((l) => parseFloat(l))].sort((a, b) => a - b));
    expect(both.lines.some((l) => /Flags \[S\.\]/.test(l))).toBe(true);
  });
  it('unchanged when nothing of the flow went outside the tunnel', () => {
    const tunnel = summarizeCapture(cap(true), flow);
    expect(withUntunnelled(tunnel, cap(true), { ...flow, sport: 1 }, 'eth0')).toEqual(tunnel);
  });
});

describe('otherInterfaces: where else on a node the flow went (a real -i any capture of worker-1)', () => {
  const f = splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'tcpdump', 'handshake-any-src-node.txt'), 'utf8'));
  const cap = parseTcpdump(f.stdout, f);
  const flow = { proto: 'tcp' as const, srcIP: '10.244.1.3', sport: 41364, dstIP: '10.244.2.3', dport: 8080 };
  it('nothing when every interface that carried it is a point; the one that is not, with what it saw', () => {
    if (!cap.ok) throw new Error('fixture');
    expect(otherInterfaces(cap.value, 'worker-1', new Set(['shop-frontend-0', 'cni0', 'flannel.1', 'eth0']), flow)).toEqual([]);
    expect(otherInterfaces(cap.value, 'worker-1', new Set(['shop-frontend-0', 'cni0', 'eth0']), flow)).toEqual([expect.stringMatching(/^worker-1 flannel\.1 \(SYN, SYN-ACK/)]);
    // another flow's port: nothing of it anywhere
    expect(otherInterfaces(cap.value, 'worker-1', new Set(), { ...flow, sport: 1 })).toEqual([]);
  });

  it('kept on the trace and said on the CLI\'s last-seen line after the last drawn point, before where the answer came from', () => {
    if (!cap.ok) throw new Error('fixture');
    const elsewhere = otherInterfaces(cap.value, 'worker-1', new Set(['shop-frontend-0', 'cni0', 'eth0']), flow);
    const sum = summarizeCapture(onPoint(cap.value, { iface: 'shop-frontend-0', encapsulated: false }), flow);
    const point = { hop: 'src-veth' as const, node: 'worker-1', iface: 'shop-frontend-0', label: 'worker-1 shop-frontend-0', filter: 'tcp', ...sum, evidence: { probe: 'tcpdump', where: 'node worker-1', command: [], reproduce: '', exitCode: 0, stdout: '', stderr: '', durationMs: 0, finding: '' } };
    const trace = buildTrace(flow, [point], { sentTo: '10.244.2.3:8080', elsewhere });
    expect(trace.elsewhere).toEqual(elsewhere);
    expect(lastSeenLine(trace)).toBe(`last seen: worker-1 shop-frontend-0 (${sum.summary}); also on ${elsewhere[0]}; the answer came back from 10.244.2.3:8080`);
    expect(buildTrace(flow, [point], {}).elsewhere).toBeUndefined();
  });

  it('the answer came back from off the drawn path (kube-proxy picked another endpoint): that point leads the CLI line, the drawn path\'s last point follows', () => {
    if (!cap.ok) throw new Error('fixture');
    const ev = { probe: 'tcpdump', where: 'node worker-1', command: [], reproduce: '', exitCode: 0, stdout: '', stderr: '', durationMs: 0, finding: '' };
    const src = { hop: 'src-veth' as const, node: 'worker-1', iface: 'shop-frontend-0', label: 'worker-1 shop-frontend-0', filter: 'tcp', ...summarizeCapture(onPoint(cap.value, { iface: 'shop-frontend-0', encapsulated: false }), flow), evidence: ev };
    // a bridge that carries only the way out (the answer is bridged port to port): its packets from the source only
    const out = { ...cap.value, packets: cap.value.packets.filter((p) => p.decoded?.src === flow.srcIP) };
    const bridge = { hop: 'src-node' as const, node: 'worker-1', iface: 'cni0', label: 'worker-1 cni0', filter: 'tcp', ...summarizeCapture(onPoint(out, { iface: 'cni0', encapsulated: false }), flow), evidence: ev };
    // the drawn endpoint on the other node saw nothing of this connection
    const drawn = { hop: 'dst-pod' as const, node: 'worker-2', iface: 'eth0', label: 'pod shop/backend-0 eth0', filter: 'tcp', ...summarizeCapture({ ...cap.value, packets: [] }, flow), evidence: ev };
    expect(drawn.seen).toBe(false);
    const elsewhere = otherInterfaces(cap.value, 'worker-1', new Set(['shop-frontend-0', 'cni0', 'eth0']), flow);
    const trace = buildTrace(flow, [src, bridge, drawn], { sentTo: '10.244.2.3:8080', elsewhere });
    expect(trace.lastSeen).toMatchObject({ iface: 'cni0' }); // the Diagnosis's lastSeen stays on the drawn path
    expect(lastSeenLine(trace)).toBe(`last seen: ${elsewhere[0]}, off the drawn path; the answer came back from 10.244.2.3:8080; on the drawn path: worker-1 cni0 (${trace.lastSeen!.summary})`);
    expect(trace.lastSeen!.summary).toMatch(/the answer took another way$/);
    expect(trace.summary).toBe(`the answer came back from ${elsewhere[0]}, off the drawn path; on the drawn path last seen at worker-1 cni0 (${trace.lastSeen!.summary})`);
    // the graph marks no drawn hop "packet last seen" then (the Service box says where the packet went)
    expect(walkEndedOffPath(trace)).toBe(true);
    expect([...traceMarks(trace).values()].some((m) => m.lastSeen)).toBe(false);
    // the drawn path seen to its end: the off-path point stays an "also on", and the last drawn hop is marked
    const whole = buildTrace(flow, [src, bridge], { sentTo: '10.244.2.3:8080', elsewhere });
    expect(lastSeenLine(whole)).toMatch(/^last seen: worker-1 cni0 \(.*\); also on worker-1 flannel\.1 /);
    expect(walkEndedOffPath(whole)).toBe(false);
    expect(traceMarks(whole).get('src-node')).toEqual({ trace: 'seen', lastSeen: true });
  });
});

describe('conntrackNat on a real conntrack -L of the flow', () => {
  const f = splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'conntrack-list', 'egress-masquerade.txt'), 'utf8'));
  const r = parseConntrackList(f.stdout, f);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const out = { proto: 'tcp' as const, srcIP: '10.132.2.2', sport: 24777, dstIP: '198.51.100.20', dport: 443 };
  it('masquerade that kept the port: no other source port, no DNAT', () => {
    expect(conntrackNat(r.value, out)).toEqual({ snatPorts: [] });
  });
  it('read against a flow that dialled another address or port: the reply names where it went; a rewritten port is named', () => {
    // the same entry seen as the answer to a Service VIP the trace dialled (DNAT), and as a flow whose port SNAT changed
    expect(conntrackNat(r.value, { ...out, dstIP: '10.96.0.10', dport: 80 }).sentTo).toBe('198.51.100.20:443');
    const rewritten = r.value.map((e) => ({ ...e, reply: { ...e.reply, dport: 31000 } }));
    expect(conntrackNat(rewritten, out).snatPorts).toEqual([31000]);
  });
});

describe('withSentElsewhere', () => {
  const j = (verdict: Judgement['verdict'], summary: string): Judgement => ({ hops: [], verdict, firstFailure: null, warnings: [], summary });
  const trace = (sentTo?: string) => ({ flow: '10.244.1.3:41234 > 10.96.14.23:80/tcp', proto: 'tcp' as const, points: [], lastSeen: null, summary: '', ...(sentTo ? { sentTo } : {}) });
  const drawn = { pod: 'shop/backend-0', ip: '10.244.2.3', node: 'worker-2' };
  const sent = { pod: 'shop/backend-1', ip: '10.244.1.4', node: 'worker-1' };
  it('the summary stays as it was whichever endpoint the traced connection reached (it reads the same on every run)', () => {
    for (const v of ['reachable', 'degraded'] as const) {
      const before = j(v, 'shop/frontend-0 reaches backend:80 (the hops are drawn to shop/backend-0 10.244.2.3, one of the 2 ready endpoints kube-proxy picks from per connection); every hop checked.');
      const out = withSentElsewhere(before, trace('10.244.1.4:8080'), drawn, sent);
      expect(out.summary).toBe(before.summary);
      expect(out).not.toBe(before);
    }
  });
  it('the Service hop carries both ends for the graph to say beside it', () => {
    const svc = { id: 'service', kind: 'service', label: 'Service shop/backend 10.96.14.23:80', status: 'pass', cause: null, summary: '', evidence: [], details: { vip: '10.96.14.23:80' } } as Judgement['hops'][number];
    const out = withSentElsewhere({ ...j('reachable', 'shop/frontend-0 reaches backend:80 (shop/backend-0 10.244.2.3); every hop checked.'), hops: [svc] }, trace('10.244.1.4:8080'), drawn, sent);
    expect(out.hops[0].details).toEqual({ vip: '10.96.14.23:80', drawnEndpoint: 'shop/backend-0 10.244.2.3 on worker-2', sentEndpoint: 'shop/backend-1 (10.244.1.4:8080 on worker-1)' });
  });
  it('unchanged when the trace reached the drawn endpoint, or nothing says where it went', () => {
    const same = j('reachable', 'shop/frontend-0 reaches backend:80 (shop/backend-0 10.244.2.3); every hop checked.');
    expect(withSentElsewhere(same, trace('10.244.2.3:8080'), drawn, sent)).toBe(same);
    expect(withSentElsewhere(same, trace(), drawn, sent)).toBe(same);
    expect(withSentElsewhere(same, trace('10.244.1.4:8080'), undefined, sent)).toBe(same);
  });
});

// A RST is no answer to a connect: what came back is said as it was (lib/parse/fixtures/tcpdump/rst-*.txt: nc to
// 10.244.2.2:9, where nothing listens; the capture at the source pod's eth0 saw SYN, RST).
describe('what came back: a reset is said as a reset', () => {
  const f = splitFixture(readFileSync(join(import.meta.dirname, '..', 'parse', 'fixtures', 'tcpdump', 'rst-src-pod-eth0.txt'), 'utf8'));
  const cap = parseTcpdump(f.stdout, f);
  const flow = { proto: 'tcp' as const, srcIP: '10.244.1.3', sport: 41265, dstIP: '10.244.2.2', dport: 9 };
  const ev = { probe: 'tcpdump', where: 'pod shop/frontend-0', command: [], reproduce: '', exitCode: 0, stdout: '', stderr: '', durationMs: 0, finding: '' };
  it('SYN, RST: "a reset (RST) came back from …", not "the answer came back"', () => {
    if (!cap.ok) throw new Error('fixture');
    const sum = summarizeCapture(cap.value, flow);
    expect(sum).toMatchObject({ seen: true, replySeen: true, replyKinds: ['RST'] });
    expect(sum.resetSent).toBeUndefined();
    const point = { hop: 'src-pod' as const, iface: 'eth0', label: 'pod shop/frontend-0 eth0', filter: 'tcp', ...sum, evidence: ev };
    const trace = buildTrace(flow, [point], { sentTo: '10.244.2.2:9' });
    expect(lastSeenLine(trace)).toBe(`last seen: pod shop/frontend-0 eth0 (${sum.summary}); a reset (RST) came back from 10.244.2.2:9 instead of a SYN-ACK: the connection was refused`);
    expect(trace.summary).toBe(`last seen at pod shop/frontend-0 eth0 (${sum.summary}); a reset (RST) came back to the source instead of a SYN-ACK: the connection was refused`);
    expect(`${lastSeenLine(trace)} ${trace.summary}`).not.toMatch(/the answer came back/);
  });
  it('SYN-ACK then RST, and the source resetting an answered connect, each said as such', () => {
    expect(cameBack({ replyKinds: ['SYN-ACK', 'RST'] }, ' from 10.244.1.4:8080')).toBe('a SYN-ACK and then a reset (RST) came back from 10.244.1.4:8080: the connection was reset');
    expect(cameBack({ replyKinds: ['SYN-ACK'], resetSent: true }, ' from 10.244.1.4:8080')).toBe('the answer came back from 10.244.1.4:8080, and the source reset the connection (RST)');
    expect(cameBack({ replyKinds: ['SYN-ACK'] }, ' from 10.244.1.4:8080')).toBe('the answer came back from 10.244.1.4:8080');
    expect(cameBack({ replyKinds: ['ICMP host unreachable'] }, ' to the source')).toBe('only an error came back to the source: ICMP host unreachable, not an answer');
    // a point that saw only the way out keeps "no SYN-ACK" when all that came back to the source was an ICMP error
    const pt = (hop: 'src-pod' | 'src-node', replySeen: boolean, replyKinds: string[]) => ({ hop, iface: 'eth0', label: hop, filter: 'tcp', seen: true, replySeen, replyKinds, packets: 2, summary: replySeen ? 'SYN ×62, ICMP TTL exceeded' : 'SYN ×62, no SYN-ACK', lines: [], evidence: ev });
    const loop = buildTrace(flow, [pt('src-pod', true, ['ICMP TTL exceeded']), pt('src-node', false, [])]);
    expect(loop.points[1].summary).toBe('SYN ×62, no SYN-ACK');
    expect(buildTrace(flow, [pt('src-pod', true, ['SYN-ACK']), pt('src-node', false, [])]).points[1].summary).toBe('SYN ×62, the answer took another way');
    expect(cameBack({ replyKinds: ['ICMP host unreachable'] }, ' from 10.132.1.254:8125')).toBe('only an error came back for the flow sent to 10.132.1.254:8125: ICMP host unreachable, not an answer');
    // a trace stored before replyKinds existed reads as it did
    expect(cameBack({}, ' to the source')).toBe('the answer came back to the source');
  });
  it('UDP with no reply at any point: the summary says nc\'s probe datagrams draw none (a healthy DNS Service read "UDP ×3, no reply" as a loss)', () => {
    const udp = { ...flow, proto: 'udp' as const };
    const pt = (hop: 'src-pod' | 'dst-pod', replySeen: boolean) => ({ hop, iface: 'eth0', label: `pod ${hop}`, filter: 'udp', seen: true, replySeen, packets: 3, summary: replySeen ? 'UDP ×3, UDP reply' : 'UDP ×3, no reply', lines: [], evidence: ev });
    const silent = buildTrace(udp, [pt('src-pod', false), pt('dst-pod', false)]);
    expect(silent.summary).toMatch(/^last seen at pod dst-pod \(UDP ×3, no reply\); no reply is expected to nc's UDP probe datagrams/);
    expect(lastSeenLine(silent)).toMatch(/^last seen: pod dst-pod \(UDP ×3, no reply\); no reply is expected to nc's UDP probe datagrams/);
    // a reply seen, or TCP: unchanged
    expect(buildTrace(udp, [pt('src-pod', true), pt('dst-pod', true)]).summary).not.toMatch(/no reply is expected/);
    expect(buildTrace(flow, [pt('src-pod', false), pt('dst-pod', false)]).summary).not.toMatch(/no reply is expected/);
  });
});

// Real runs on test/lab/fixtures/dns-policies.yaml (fixtures/trace-udp-dns-*.json): UDP to CoreDNS on 53 with the
// lab's dns-down fault (dnsmasq stopped, its socket bound, the queries queued unread), recorded before this rule,
// when the trace's capture in the pod made the undetermined judgement "reachable"; and a healthy run.
describe('applyTrace: a DNS server that receives the queries and does not answer', () => {
  // the judgement as judge() left it before the trace: no datagram came back, so undetermined
  const undetermined = (d: Diagnosis): Judgement => ({ ...judgement(d), verdict: 'undetermined', firstFailure: null, summary: 'no datagram came back' });
  it.each([
    ['trace-udp-dns-down-pod', '10.244.1.2'],
    ['trace-udp-dns-down-vip', '10.96.0.10'],
  ])('%s: dns-timeout at dst-pod naming the pod, its bound socket and its unread queue; next step in that pod', (name, server) => {
    const d = load(name);
    const j = applyTrace(undetermined(d), d.trace);
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'dns-timeout' });
    expect(j.firstFailure!.reason).toMatch(/^the DNS server in kube-system\/coredns-2w68j9c7f6-vqrkd receives the queries but does not answer: the capture saw the traced datagrams to UDP 53 arrive in the pod \(UDP ×3, no reply\) and UDP 53 is bound there \(10\.244\.1\.2:53, its receive queue holding \d+ bytes on 10\.244\.1\.2:53 unread\)/);
    expect(j.firstFailure!.reason).toContain(`\`dig @${server === '10.96.0.10' ? '10.244.1.2' : server} -p 53\` timed out`);
    expect(j.firstFailure!.nextStep).toMatch(/^Check the DNS server process in kube-system\/coredns-2w68j9c7f6-vqrkd: `kubectl logs -n kube-system coredns-2w68j9c7f6-vqrkd`/);
    expect(j.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['dst-pod']);
  });
  it('the same capture when the query was answered: no finding (never a fail on a path whose query was answered)', () => {
    const d = load('trace-udp-dns-healthy-pod');
    expect(d.verdict).toBe('reachable');
    const j = applyTrace(judgement(d), d.trace);
    expect(j.verdict).toBe('reachable');
    expect(j.hops.some((h) => h.status === 'fail')).toBe(false);
    // and were it left undetermined, the answered query still keeps dns-timeout away
    expect(applyTrace(undetermined(d), d.trace).firstFailure).toBeNull();
  });
});
