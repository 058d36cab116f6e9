import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture, type Fixture } from './fixtureFile';
import { parseResolvConf } from './resolvConf';
import { digAddresses, parseDig } from './dig';
import { parseGetentHosts } from './getent';
import { error, value } from './testFixtures';

const fx = (name: string): Fixture => splitFixture(readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8'));

describe('resolv.conf', () => {
  it('a kubelet-style pod file: search list, ndots 5', () => {
    const f = fx('resolv-conf/pod-cluster-first');
    const c = value(parseResolvConf(f.stdout, f));
    expect(c.nameservers).toEqual(['10.244.1.3']);
    expect(c.search).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    expect(c.options).toMatchObject({ ndots: 5, timeout: 2, attempts: 1, rotate: false });
    expect(c.explicit).toEqual({ ndots: true, timeout: true, attempts: true });
    expect(c.ignored).toEqual([]);
  });
  it('comments, domain then search (last wins), two options lines, trailing words on nameserver', () => {
    const c = value(parseResolvConf(fx('resolv-conf/commented').stdout));
    expect(c.nameservers).toEqual(['10.244.1.3', 'fd00::53']);
    expect(c.search).toEqual(['corp.example', 'example.net']);
    expect(c.domain).toBeUndefined();
    expect(c.options).toMatchObject({ ndots: 2, timeout: 1, attempts: 3, rotate: true, edns0: true });
  });
  it("glibc defaults when the file sets nothing; the host's file", () => {
    const c = value(parseResolvConf(fx('resolv-conf/host').stdout));
    expect(c.nameservers.length).toBe(1);
    expect(c.options).toMatchObject({ ndots: 1, timeout: 5, attempts: 2 });
    expect(c.explicit.ndots).toBe(false);
  });
  it('a missing file is a typed error quoting cat', () => {
    const f = fx('resolv-conf/missing');
    expect(error(parseResolvConf(f.stdout, f))).toMatchObject({ tool: 'resolv.conf', line: 0, got: 'cat: /etc/resolv.conf.nosuch: No such file or directory' });
  });
  it('only 3 nameservers count; caps; unknown lines are listed', () => {
    const c = value(parseResolvConf('nameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4\noptions ndots:99\nbogus line\n'));
    expect(c.nameservers).toEqual(['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    expect(c.ignoredNameservers).toEqual(['4.4.4.4']);
    expect(c.options.ndots).toBe(15);
    expect(c.ignored).toEqual([{ line: 6, text: 'bogus line' }]);
  });
});

describe('dig', () => {
  it('NOERROR with one A record, query time and server', () => {
    const f = fx('dig/noerror');
    const d = value(parseDig(f.stdout, f));
    expect(d.outcome).toBe('answer');
    if (d.outcome !== 'answer') return;
    expect(d).toMatchObject({ rcode: 'NOERROR', flags: ['qr', 'aa', 'rd', 'ra'], counts: { query: 1, answer: 1, authority: 0, additional: 1 } });
    expect(d.queryTimeMs).toBe(Number(/Query time: (\d+) msec/.exec(f.stdout)?.[1]));
    expect(d.server).toEqual({ address: '10.244.1.3', port: 53, transport: 'UDP' });
    expect(d.question).toEqual({ name: 'web.shop.svc.cluster.local.', class: 'IN', type: 'A' });
    expect(d.answers).toEqual([{ name: 'web.shop.svc.cluster.local.', ttl: 0, class: 'IN', type: 'A', data: '10.96.0.50' }]);
    expect(digAddresses(d)).toEqual(['10.96.0.50']);
  });
  it.each([
    ['nxdomain', 'NXDOMAIN'],
    ['refused', 'REFUSED'],
  ])('%s', (name, rcode) => {
    const d = value(parseDig(fx(`dig/${name}`).stdout));
    expect(d.outcome === 'answer' && d.rcode).toBe(rcode);
    expect(d.outcome === 'answer' && d.answers).toEqual([]);
  });
  it('the engine\'s argv (no @server, +nosearch, FQDN.) reports the resolv.conf server', () => {
    const d = value(parseDig(fx('dig/engine-argv-search-off').stdout));
    expect(d).toMatchObject({ outcome: 'answer', rcode: 'NOERROR', server: { address: '10.244.1.3', port: 53 } });
  });
  it('two A records; a CNAME-only answer has no address', () => {
    const two = value(parseDig(fx('dig/two-answers').stdout));
    expect(two.outcome === 'answer' && digAddresses(two).sort()).toEqual(['10.244.1.3', '10.244.2.2']);
    const cname = value(parseDig(fx('dig/cname').stdout));
    expect(cname.outcome === 'answer' && cname.answers.map((r) => [r.type, r.data])).toEqual([['CNAME', 'web.shop.svc.cluster.local.']]);
    expect(cname.outcome === 'answer' && digAddresses(cname)).toEqual([]);
  });
  it('NOERROR without records (no AAAA for an A-only name)', () => {
    const d = value(parseDig(fx('dig/nodata-aaaa').stdout));
    expect(d).toMatchObject({ outcome: 'answer', rcode: 'NOERROR', answers: [], question: { type: 'AAAA' } });
  });
  it('REFUSED from dnsmasq carries its extended error', () => {
    const d = value(parseDig(fx('dig/refused').stdout));
    expect(d.outcome === 'answer' && d.ede).toBe('14 (Not Ready)');
  });
  it.each([
    ['timeout', 'timeout', '10.244.1.99'],
    ['forwarder-dead', 'timeout', '10.244.1.3'],
    ['no-route', 'network-unreachable', '10.9.9.9'],
    // a CoreDNS pod with nothing on port 53 (lab fault dns-not-listening), asked twice (dig-replica's +tries=2)
    ['replica-refused', 'connection-refused', '10.244.1.2'],
    // the same refusal through the kube-dns ClusterIP, when kube-proxy sent the query to that pod
    ['vip-refused', 'connection-refused', '10.96.0.10'],
    // one try timed out (its ICMP error rate-limited), the other refused: the refusal is what the server said
    ['replica-timeout-then-refused', 'connection-refused', '10.244.1.2'],
  ])('%s is a result: no-response (%s)', (name, reason, server) => {
    const f = fx(`dig/${name}`);
    expect(f.exitCode).toBe(9);
    expect(value(parseDig(f.stdout, f))).toMatchObject({ outcome: 'no-response', reason, server });
  });
  it('a datagram that is not a DNS answer (a UDP server that is not DNS) is said as stray; a plain timeout has none', () => {
    const f = fx('dig/not-dns-reply');
    expect(f.exitCode).toBe(9);
    expect(value(parseDig(f.stdout, f))).toMatchObject({ outcome: 'no-response', reason: 'timeout', server: '10.244.2.2', stray: 'Warning: short (< header size) message received' });
    const t = fx('dig/timeout');
    expect(value(parseDig(t.stdout, t))).not.toHaveProperty('stray');
  });
  it('the older dig timeout wording is understood', () => {
    expect(value(parseDig(';; connection timed out; no servers could be reached\n'))).toMatchObject({ outcome: 'no-response', reason: 'timeout' });
  });
  it('truncated before the answer record is a typed error, not an empty answer', () => {
    const text = fx('dig/noerror').stdout;
    const cut = text.slice(0, text.indexOf(';; ANSWER SECTION:'));
    expect(error(parseDig(cut))).toMatchObject({ tool: 'dig', expected: '1 answer record(s) as the header says (output truncated?)' });
    expect(error(parseDig('garbage\n'))).toMatchObject({ tool: 'dig', line: 0, got: 'garbage' });
  });
});

describe('getent ahostsv4', () => {
  it('found: the address once, the canonical name', () => {
    const f = fx('getent/found');
    expect(value(parseGetentHosts(f.stdout, f))).toEqual({ found: true, addresses: ['10.96.0.50'], canonicalName: 'web.shop.svc.cluster.local' });
  });
  it('a short name resolves through the search list', () => {
    const f = fx('getent/short-name');
    expect(value(parseGetentHosts(f.stdout, f))).toMatchObject({ found: true, canonicalName: 'web.shop.svc.cluster.local' });
  });
  it('two addresses, the name printed once', () => {
    const f = fx('getent/two-addresses');
    expect(value(parseGetentHosts(f.stdout, f))).toEqual({ found: true, addresses: ['10.244.1.3', '10.244.2.2'], canonicalName: 'multi.shop.svc.cluster.local' });
  });
  it('exit 2 is "not found"', () => {
    const f = fx('getent/not-found');
    expect(f.exitCode).toBe(2);
    expect(value(parseGetentHosts(f.stdout, f))).toEqual({ found: false });
  });
  it('a garbled line or an unexpected exit is a typed error', () => {
    expect(error(parseGetentHosts('not-an-ip STREAM x\n'))).toMatchObject({ tool: 'getent', line: 1 });
    expect(error(parseGetentHosts('', { exitCode: 1, stderr: 'Unknown database: ahostsv9' }))).toMatchObject({ tool: 'getent', line: 0 });
  });
});
