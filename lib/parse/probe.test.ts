// nc, ping, tracepath, conntrack -S and sysctl against captured output (fixtures/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture, type Fixture } from './fixtureFile';
import { parseNc } from './nc';
import { parsePing } from './ping';
import { parseTracepath } from './tracepath';
import { parseConntrackStats } from './conntrack';
import { parseSysctl, sysctlNumber } from './sysctl';
import { error, value } from './testFixtures';

const fx = (name: string): Fixture => splitFixture(readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8'));

describe('nc -z -v -w 2', () => {
  it.each([
    ['succeeded', 'succeeded', 0, 8080],
    ['refused', 'refused', 1, 9090],
    ['timed-out', 'timed-out', 1, 7777],
    ['no-route', 'network-unreachable', 1, 80],
    ['host-unreachable', 'no-route-to-host', 1, 80],
    ['admin-prohibited', 'no-route-to-host', 1, 80],
    ['net-unreachable-icmp', 'network-unreachable', 1, 80],
    ['blackhole-route', 'network-unreachable', 1, 80],
    ['v6-succeeded', 'succeeded', 0, 8443],
  ])('%s → %s', (name, outcome, exit, port) => {
    const f = fx(`nc/${name}`);
    expect(f.exitCode).toBe(exit);
    expect(f.stdout).toBe(''); // netcat-openbsd says everything on stderr
    const r = value(parseNc(f.stdout, f));
    expect(r.outcome).toBe(outcome);
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0].port).toBe(port);
    expect(r.attempts[0].message).toBe(f.stderr.trim());
  });
  it('a name with two addresses: one refused, one succeeded → succeeded, both attempts kept', () => {
    const f = fx('nc/by-name');
    const r = value(parseNc(f.stdout, f));
    expect(r.outcome).toBe('succeeded');
    expect(r.attempts.map((a) => [a.host, a.address, a.outcome])).toEqual([
      ['multi.shop.svc.cluster.local', '10.244.1.3', 'refused'],
      ['multi.shop.svc.cluster.local', '10.244.2.2', 'succeeded'],
    ]);
  });
  it('a name that does not resolve', () => {
    const f = fx('nc/name-not-found');
    expect(value(parseNc(f.stdout, f))).toMatchObject({ outcome: 'name-not-resolved', attempts: [{ host: 'nosuch', port: 80 }] });
  });
  it('silence with exit 0 (nc without -v) is success; unknown text is a typed error', () => {
    expect(value(parseNc('', { exitCode: 0, stderr: '' })).outcome).toBe('succeeded');
    expect(error(parseNc('', { exitCode: 1, stderr: 'nc: something new\n' }))).toMatchObject({ tool: 'nc', line: 1, got: 'nc: something new' });
    expect(error(parseNc(''))).toMatchObject({ tool: 'nc', line: 0 });
  });
});

describe('ping', () => {
  it('ok: counts and rtt', () => {
    const f = fx('ping/ok');
    const p = value(parsePing(f.stdout, f));
    expect(p).toMatchObject({ outcome: 'ok', target: '10.244.2.2', payloadBytes: 56, packetBytes: 84, transmitted: 2, received: 2, errors: 0, lossPercent: 0 });
    expect(p.replies.map((r) => [r.seq, r.ttl, r.bytes])).toEqual([[1, 62, 64], [2, 62, 64]]);
    expect(p.rtt && p.rtt.min <= p.rtt.avg && p.rtt.avg <= p.rtt.max).toBe(true);
  });
  it('DF 1000 bytes fits a 1200 tunnel', () => {
    const p = value(parsePing(fx('ping/df-fits').stdout));
    expect(p).toMatchObject({ outcome: 'ok', payloadBytes: 1000, packetBytes: 1028, received: 2 });
  });
  it('frag-needed from a hop names the hop and its MTU; later sends fail locally', () => {
    const f = fx('ping/frag-needed');
    const p = value(parsePing(f.stdout, f));
    expect(p).toMatchObject({ outcome: 'frag-needed', fragNeeded: { from: '10.244.1.1', mtu: 1200 }, localMtu: 1200, received: 0, errors: 2, lossPercent: 100 });
  });
  it.each([
    ['message-too-long', 1200],
    ['message-too-long-local-mtu', 1500],
  ])('%s: the kernel knows the PMTU (%i)', (name, mtu) => {
    const f = fx(`ping/${name}`);
    expect(value(parsePing(f.stdout, f))).toMatchObject({ outcome: 'message-too-long', localMtu: mtu, transmitted: 2, received: 0 });
  });
  it('silent drop: 100% loss, no error at all', () => {
    const f = fx('ping/silent-drop');
    const p = value(parsePing(f.stdout, f));
    expect(p).toMatchObject({ outcome: 'silent', transmitted: 2, received: 0, errors: 0, lossPercent: 100, icmpErrors: [] });
    expect(p.fragNeeded).toBeUndefined();
    expect(p.localMtu).toBeUndefined();
  });
  it.each(['host-unreachable', 'unreachable-route-on-node'])('%s: Destination Host Unreachable from the node', (name) => {
    const p = value(parsePing(fx(`ping/${name}`).stdout));
    expect(p.outcome).toBe('unreachable');
    expect(p.icmpErrors[0]).toEqual({ from: '10.244.1.1', seq: 1, text: 'Destination Host Unreachable', kind: 'host-unreachable' });
  });
  it.each([
    ['admin-prohibited', 'admin-prohibited', 'Packet filtered'],
    ['net-unreachable-icmp', 'net-unreachable', 'Destination Net Unreachable'],
    ['port-unreachable-icmp', 'port-unreachable', 'Destination Port Unreachable'],
    ['ttl-exceeded', 'ttl-exceeded', 'Time to live exceeded'],
    ['host-unreachable', 'host-unreachable', 'Destination Host Unreachable'],
  ])('ICMP error %s → kind %s', (name, kind, text) => {
    const p = value(parsePing(fx(`ping/${name}`).stdout));
    expect(p.outcome).toBe('unreachable');
    expect(p.icmpErrors).toEqual([
      { from: '10.244.1.1', seq: 1, text, kind },
      { from: '10.244.1.1', seq: 2, text, kind },
    ]);
  });
  it('IPv6: header without packet size; Packet Too Big is frag-needed; the local error says "mtu: N"', () => {
    const ok6 = value(parsePing(fx('ping/v6-ok').stdout));
    expect(ok6).toMatchObject({ outcome: 'ok', target: 'fd00:2::2', payloadBytes: 56, received: 2 });
    expect(ok6.packetBytes).toBeUndefined();
    const f = fx('ping/v6-packet-too-big');
    expect(value(parsePing(f.stdout, f))).toMatchObject({ outcome: 'frag-needed', fragNeeded: { from: 'fd00:1::1', mtu: 1280 }, localMtu: 1280, payloadBytes: 1400 });
  });
  it('no route: ping gives up before sending (exit 2)', () => {
    const f = fx('ping/no-route');
    expect(value(parsePing(f.stdout, f))).toMatchObject({ outcome: 'no-route', fatal: 'ping: connect: Network is unreachable', transmitted: 0 });
  });
  it.each([
    ['engine-df-fits-c1', 'ok', undefined, undefined],
    ['engine-df-frag-needed-c1', 'frag-needed', 1200, undefined],
    ['engine-df-message-too-long-c1', 'message-too-long', undefined, 1200],
    ['engine-df-silent-c1', 'silent', undefined, undefined],
  ])('the engine\'s one-probe DF ping: %s → %s', (name, outcome, hopMtu, localMtu) => {
    const f = fx(`ping/${name}`);
    const p = value(parsePing(f.stdout, f));
    expect(p.outcome).toBe(outcome);
    expect(p.transmitted).toBe(1);
    expect(p.fragNeeded?.mtu).toBe(hopMtu);
    expect(p.localMtu).toBe(localMtu);
  });
  it('node ping to the peer VTEP', () => {
    expect(value(parsePing(fx('ping/node-ping').stdout))).toMatchObject({ outcome: 'ok', target: '10.244.2.0', received: 1 });
  });
  it('truncated before the statistics is a typed error', () => {
    const text = fx('ping/ok').stdout;
    const cut = text.slice(0, text.indexOf('---'));
    expect(error(parsePing(cut))).toMatchObject({ tool: 'ping', expected: 'the "N packets transmitted, N received" line (output truncated?)' });
    expect(error(parsePing('PING x\nhello\n'))).toMatchObject({ tool: 'ping', line: 1 });
  });
});

describe('tracepath -n', () => {
  it('the pmtu drop at the node and the Resume line', () => {
    const t = value(parseTracepath(fx('tracepath/pmtu-discovered').stdout));
    expect(t.resume).toEqual({ pmtu: 1200, hops: 3, back: 3 });
    expect(t.pmtuChanges).toEqual([
      { ttl: 1, host: '[LOCALHOST]', pmtu: 1500 },
      { ttl: 2, host: '10.244.1.1', pmtu: 1200 },
    ]);
    expect(t.reached).toBe(true);
    expect(t.hops.filter((h) => !h.probe).map((h) => h.host)).toEqual(['10.244.1.1', '10.244.1.1', '10.244.1.1', '10.244.2.0', '10.244.2.2']);
  });
  it('the engine\'s argv (-m 8) finds the 1200 bottleneck at the node', () => {
    const t = value(parseTracepath(fx('tracepath/engine-argv').stdout));
    expect(t.resume.pmtu).toBe(1200);
    expect(t.pmtuChanges.at(-1)).toEqual({ ttl: 2, host: '10.244.1.1', pmtu: 1200 });
  });
  it('IPv6 path MTU 1280', () => {
    const t = value(parseTracepath(fx('tracepath/v6-pmtu').stdout));
    expect(t).toMatchObject({ reached: true, resume: { pmtu: 1280, hops: 3, back: 3 } });
    expect(t.hops.at(-1)?.host).toBe('fd00:2::2');
  });
  it('-l 1000: the path is not probed above 1000, pmtu 1000', () => {
    const t = value(parseTracepath(fx('tracepath/small-length').stdout));
    expect(t.resume).toEqual({ pmtu: 1000, hops: 3, back: 3 });
    expect(t.pmtuChanges).toEqual([]);
  });
  it('silent drop: no replies, too many hops, pmtu stays 1500', () => {
    const t = value(parseTracepath(fx('tracepath/silent-pmtu').stdout));
    expect(t).toMatchObject({ reached: false, tooManyHops: true, resume: { pmtu: 1500 } });
    expect(t.hops.filter((h) => h.noReply).map((h) => h.ttl)).toEqual([2, 3, 4]);
  });
  it('same subnet and no route', () => {
    expect(value(parseTracepath(fx('tracepath/same-subnet').stdout)).resume).toEqual({ pmtu: 1500, hops: 1, back: 1 });
    const nr = value(parseTracepath(fx('tracepath/no-route').stdout));
    expect(nr.hops).toEqual([{ ttl: 1, probe: false, reached: false, noReply: false, sendFailed: true }]);
    expect(nr.resume).toEqual({ pmtu: 65535 });
  });
  it('killed by a timeout: empty output is a typed error that says why', () => {
    const f = fx('tracepath/silent-killed-by-timeout');
    expect(f.exitCode).toBe(124);
    expect(error(parseTracepath(f.stdout, f)).expected).toContain('bound it with -m');
    const text = fx('tracepath/pmtu-discovered').stdout;
    expect(error(parseTracepath(text.slice(0, text.indexOf('Resume'))))).toMatchObject({ tool: 'tracepath' });
  });
});

describe('conntrack -S and sysctl', () => {
  it('per-cpu counters and their sums', () => {
    const f = fx('conntrack/stats');
    const s = value(parseConntrackStats(f.stdout, f));
    expect(s.perCpu.map((c) => c.cpu)).toEqual([0, 1]);
    expect(Object.keys(s.total)).toEqual(['found', 'invalid', 'insert', 'insert_failed', 'drop', 'early_drop', 'error', 'search_restart', 'clash_resolve', 'chaintoolong']);
    expect(s.total.insert_failed).toBe(s.perCpu[0].counters.insert_failed + s.perCpu[1].counters.insert_failed);
  });
  it('conntrack: a bad pair or empty output is a typed error', () => {
    expect(error(parseConntrackStats('cpu=0 found=x\n'))).toMatchObject({ tool: 'conntrack', line: 1, got: 'found=x' });
    expect(error(parseConntrackStats('', { exitCode: 1, stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: Operation not permitted' })).got).toContain('Operation not permitted');
  });
  it('sysctl: values as printed, numbers on request', () => {
    const s = value(parseSysctl(fx('sysctl/node').stdout));
    expect(sysctlNumber(s, 'net.netfilter.nf_conntrack_max')).toBe(262144);
    expect(sysctlNumber(s, 'net.netfilter.nf_conntrack_count')).toBeGreaterThan(0);
    expect(sysctlNumber(s, 'net.ipv4.ip_forward')).toBe(1);
    expect(sysctlNumber(s, 'net.bridge.bridge-nf-call-iptables')).toBe(1);
    const pod = value(parseSysctl(fx('sysctl/pod').stdout));
    expect(pod.values['net.ipv4.ip_local_port_range']).toBe('32768\t60999');
    expect(sysctlNumber(pod, 'net.ipv4.ip_local_port_range')).toBeUndefined();
  });
  it('sysctl: a key the kernel lacks is listed as missing', () => {
    const f = fx('sysctl/unknown-key');
    expect(value(parseSysctl(f.stdout, f))).toEqual({ values: { 'net.ipv4.ip_forward': '1' }, missing: ['net.ipv4.nosuch_key'] });
    expect(error(parseSysctl('net.ipv4.ip_forward: 1\n'))).toMatchObject({ tool: 'sysctl', line: 1 });
  });
});
