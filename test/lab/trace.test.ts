// The packet's own walk (DESIGN §4 `trace`) on the real lab: tcpdump at every capture point around a
// connect from the trace's own source port. A healthy cross-node Service path is seen at every point in
// order; for each dataplane drop, lastSeen is the point where the dataplane really drops it and no later
// point saw it; a source without a route sends nothing; RST and ICMP answers are seen coming back; the
// merged pcap opens with tcpdump -r. One lab for the whole file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { inNodeNetns, useLab } from './diagnoseLab';
import type { Diagnosis, Trace } from '../../lib/model';
import { lastSeenLine, tracePcap } from '../../lib/verdict/trace';
import { CAPTURE_MAX_S } from '../../lib/probes';

const lab = useLab('trc', 'trace.yaml');

/** "hop node iface" of every point that saw the flow's first packet, in path order. */
const seenAt = (t: Trace) => t.points.filter((p) => p.seen).map((p) => `${p.hop} ${p.node} ${p.iface}`);
const where = (t: Trace) => (t.lastSeen ? `${t.lastSeen.hop} ${t.lastSeen.node} ${t.lastSeen.iface}` : 'nowhere');

function trace(d: Diagnosis): Trace {
  expect(d.depth).toBe('live');
  expect(d.trace, 'the diagnosis carries a trace').toBeDefined();
  return d.trace!;
}

/** No point after lastSeen saw the first packet (points that could not run are null, never true). */
function nothingAfter(t: Trace) {
  const i = t.points.findIndex((p) => p.hop === t.lastSeen?.hop && p.iface === t.lastSeen?.iface && p.node === t.lastSeen?.node);
  expect(i).toBeGreaterThanOrEqual(0);
  expect(t.points.slice(i + 1).filter((p) => p.seen === true)).toEqual([]);
  expect(t.points.slice(i + 1).length).toBeGreaterThan(0);
}

describe('trace: the packet is seen where it really goes', () => {
  it('a healthy cross-node Service path: seen at every point, in order, NATed to the endpoint, answered', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'api.shop:80');
    expect(d.verdict).toBe('reachable');
    const t = trace(d);
    expect(t.flow).toMatch(/^10\.244\.1\.\d+:\d+ > 10\.96\.\d+\.\d+:80\/tcp$/);
    // pod eth0, host veth, bridge, tunnel, underlay (outer) — then the same on worker-2 in reverse, and the pod
    expect(t.points.map((p) => `${p.hop} ${p.node} ${p.iface}${p.encapsulated ? ' (outer)' : ''}`)).toEqual([
      'src-pod worker-1 eth0', 'src-veth worker-1 shop-frontend-0', 'src-node worker-1 cni0', 'overlay worker-1 flannel.1', 'overlay worker-1 eth0 (outer)',
      'overlay worker-2 eth0 (outer)', 'dst-node worker-2 flannel.1', 'dst-node worker-2 cni0', 'dst-veth worker-2 shop-api-0', 'dst-pod worker-2 eth0',
    ]);
    expect(t.points.every((p) => p.seen === true && p.replySeen === true)).toBe(true);
    expect(where(t)).toBe('dst-pod worker-2 eth0');
    const api = d.hops.find((h) => h.id === 'dst-pod')!.label.split(' ')[1].split(':')[0];
    expect(t.sentTo).toBe(`${api}:8080`);
    // in order: the first packet's capture time never goes back along the path
    const firstTimes = t.points.map((p) => Number(p.lines[0].split(' ')[0]));
    expect([...firstTimes].sort((a, b) => a - b)).toEqual(firstTimes);
    // headers only: nothing beyond the snapshot length, and each point is evidence with argv + reproduce
    for (const p of t.points) {
      expect(p.evidence.command.slice(0, 5)).toEqual(['timeout', '-s', 'INT', String(CAPTURE_MAX_S), 'tcpdump']);
      expect(p.evidence.reproduce).toMatch(p.hop.startsWith('src-pod') || p.hop === 'dst-pod' ? /^kubectl debug -n \S+ \S+ .* -- timeout/ : /^kubectl debug node\/worker-\d .* -- timeout/);
      const asHop = d.hops.find((h) => h.id === p.hop)!.evidence.find((e) => e.where === p.evidence.where && e.command.join(' ') === p.evidence.command.join(' '));
      expect(asHop?.reproduce).toBe(p.evidence.reproduce);
      expect(asHop?.stdout).toContain('Flags [S]');
      expect(asHop?.stdout).not.toMatch(/0x0000:/);
    }
    // conntrack on the source node shows the DNAT that was really applied
    const ct = t.conntrack?.find((c) => c.node === 'worker-1');
    expect(ct?.entries.join('\n')).toMatch(new RegExp(`src=${api.replace(/\./g, '\\.')} dst=10\\.244\\.1\\.\\d+ sport=8080`));
    // the merged capture opens with tcpdump -r: one packet line per captured packet
    const pcap = tracePcap(t)!;
    const dir = mkdtempSync(join(tmpdir(), 'pw-trace-'));
    writeFileSync(join(dir, 'c.pcapng'), pcap);
    const out = execFileSync('tcpdump', ['-r', join(dir, 'c.pcapng'), '-nn', '-tt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.split('\n').filter((l) => /^\d+\.\d+ /.test(l));
    expect(lines.length).toBe(t.points.reduce((n, p) => n + p.packets, 0));
    expect(out).toMatch(/VXLAN, flags \[I\] \(0x08\), vni 1/);
    expect(out).toContain(`> ${api}.8080: Flags [S]`);
  });

  it.each([
    ['overlay-blocked:node=worker-2', 'pod:shop/api-0:8080', 'overlay worker-2 eth0', 'overlay', 'overlay-blocked'],
    ['node-firewall-drop:node=worker-2,port=8080', 'pod:shop/api-0:8080', 'dst-node worker-2 flannel.1', 'dst-node', 'node-firewall'],
    ['veth-down:pod=shop/api-0', 'pod:shop/api-0:8080', 'dst-node worker-2 cni0', 'dst-veth', 'veth-down'],
  ])('%s: last seen where the dataplane drops it (%s)', async (fault, to, last, hop, cause) => {
    const d = await lab.withFault(fault, () => lab.diagnose('shop/frontend-0', to));
    expect(`${d.verdict}/${d.firstFailure?.cause}@${d.firstFailure?.hop}`).toBe(`unreachable/${cause}@${hop}`);
    const t = trace(d);
    expect(where(t)).toBe(last);
    nothingAfter(t);
    expect(t.lastSeen?.summary).toMatch(/^SYN ×\d, no SYN-ACK$/);
    expect(t.points[0].replySeen).toBe(false);
    // the failing hop is backed by where the packet stopped
    expect(d.hops.find((h) => h.id === hop)!.summary).toContain(`capture: last seen at ${last.split(' ').slice(1).join(' ')}`);
    // the SYN count depends on how many retransmissions fit the connect's 2 s (×2 on a quiet machine, ×3 under load)
    if (fault.startsWith('overlay')) expect(lastSeenLine(t)).toMatch(/^last seen: worker-2 eth0 \(SYN ×[23], no SYN-ACK\)$/);
  });

  it('an ingress NetworkPolicy deny: the SYN arrives on the destination node and goes no further', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'postgres.db:5432');
    expect(d.firstFailure?.cause).toBe('policy-denied');
    const t = trace(d);
    expect(where(t)).toBe('dst-node worker-2 flannel.1');
    nothingAfter(t);
    expect(seenAt(t)).toContain('overlay worker-2 eth0');
  });

  it('a source without a route sends nothing, and the trace says so', async () => {
    const d = await lab.withFault('pod-default-route-missing:pod=shop/frontend-0', () => lab.diagnose('shop/frontend-0', 'pod:shop/api-0:8080'));
    const t = trace(d);
    expect(t.lastSeen).toBeNull();
    expect(t.points[0].seen).toBe(false);
    expect(t.summary).toMatch(/no packet of the flow was captured anywhere.*the source never sent it.*Network is unreachable/);
    expect(lastSeenLine(t)).toMatch(/^last seen: nowhere/);
  });

  it('answers are seen coming back: a RST from a closed TCP port, an ICMP port unreachable for UDP', async () => {
    const rst = trace(await lab.diagnose('shop/frontend-0', 'pod:shop/api-0:9999'));
    expect(where(rst)).toBe('dst-pod worker-2 eth0');
    expect(rst.points.every((p) => p.seen && p.replySeen)).toBe(true);
    expect(rst.points[0].summary).toBe('SYN, RST');
    // a RST is no answer to the connect: said as the reset it is (lib/verdict/trace.ts cameBack)
    expect(rst.points[0].replyKinds).toEqual(['RST']);
    expect(rst.summary).toMatch(/; a reset \(RST\) came back to the source instead of a SYN-ACK: the connection was refused/);
    expect(lastSeenLine(rst)).not.toMatch(/the answer came back/);

    const udp = trace(await lab.diagnose('shop/frontend-0', 'closed.shop:54'));
    expect(udp.proto).toBe('udp');
    expect(udp.flow).toMatch(/:54\/udp$/);
    expect(where(udp)).toBe('dst-pod worker-2 eth0');
    expect(udp.points[0]).toMatchObject({ seen: true, replySeen: true, summary: 'UDP, ICMP port unreachable' });
    // the ICMP error crosses the overlay too: matched inside VXLAN by the port it quotes
    expect(udp.points.find((p) => p.encapsulated && p.node === 'worker-1')?.summary).toBe('UDP, ICMP port unreachable');
  });

  it('a UDP conntrack entry sending a fixed-port client to an endpoint that is gone: conntrack-stale at the Service', async () => {
    const healthy = await lab.diagnose('shop/frontend-0', 'echo.shop:53');
    expect(healthy.verdict).toBe('reachable');
    expect(healthy.trace?.proto).toBe('udp');
    expect(healthy.trace?.stale).toBeUndefined();
    const vip = String(healthy.hops.find((h) => h.id === 'service')!.details!.vip).split(':')[0];
    const src = healthy.hops.find((h) => h.id === 'src-pod')!.label.split(' ')[1];
    // The trap as the kernel keeps it after the endpoint went away: the entry's DNAT to 10.244.2.77, which no
    // pod has. (The lab API runs the lab file's pods and refuses to delete one, so the entry is made directly.)
    const made = await inNodeNetns(lab, 'worker-1', ['conntrack', '-I', '-p', 'udp', '-s', src, '-d', vip, '--sport', '40053', '--dport', '53', '--dst-nat', '10.244.2.77:5353', '-t', '120']);
    expect(made.code, made.stderr).toBe(0);
    try {
      // the client sends again from its fixed port: the entry keeps it going to the gone address
      spawnSync('ip', ['netns', 'exec', `${lab.instance}-pod-shop-frontend-0`, 'nc', '-u', '-z', '-v', '-w', '1', '-p', '40053', vip, '53'], { timeout: 10_000 });
      const listed = await inNodeNetns(lab, 'worker-1', ['conntrack', '-L', '-p', 'udp', '--orig-port-src', '40053']);
      expect(listed.stdout).toMatch(/src=10\.244\.2\.77 dst=\S+ sport=5353 dport=40053/);

      const d = await lab.diagnose('shop/frontend-0', 'echo.shop:53');
      expect(`${d.verdict}/${d.firstFailure?.cause}@${d.firstFailure?.hop}`).toBe('degraded/conntrack-stale@service');
      expect(d.trace?.stale?.[0]).toMatchObject({ node: 'worker-1', flow: `${src}:40053 > ${vip}:53/udp`, target: '10.244.2.77:5353' });
      // the trace's own fresh flow still reaches the live endpoint: new flows work, the stuck one does not
      expect(d.trace?.lastSeen?.hop).toBe('dst-pod');
      const ev = d.hops.find((h) => h.id === 'service')!.evidence.find((e) => e.probe === 'conntrack-service')!;
      expect(ev.reproduce).toMatch(new RegExp(`^kubectl debug node/worker-1 .* -- conntrack -L -p udp --orig-dst ${vip.replace(/\./g, '\\.')} --orig-port-dst 53$`));
      expect(ev.stdout).toContain('src=10.244.2.77');
    } finally {
      await inNodeNetns(lab, 'worker-1', ['conntrack', '-D', '-p', 'udp', '--orig-port-src', '40053']);
    }
  });
});
