import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIpvsadm } from './ipvsadm';

const SHARED = sharedPath('fixtures/kube-proxy');

describe('parseIpvsadm', () => {
  it('kube-proxy README output: persistent, TCP and UDP virtual services', () => {
    const r = parseIpvsadm(readFileSync(`${SHARED}/ipvsadm-Ln-kube-proxy-ipvs-readme.txt`, 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.version).toBe('1.2.1');
    expect(r.value.size).toBe(4096);
    expect(r.value.services.map((s) => [s.protocol, s.address, s.port, s.scheduler, s.persistent ?? null, s.realServers.length])).toEqual([
      ['TCP', '10.0.0.1', 443, 'rr', 10800, 1], ['TCP', '10.0.0.10', 53, 'rr', null, 1], ['UDP', '10.0.0.10', 53, 'rr', null, 1],
    ]);
    expect(r.value.services[0].realServers[0]).toEqual({ address: '192.168.0.1', port: 6443, forward: 'Masq', weight: 1, activeConn: 1, inactiveConn: 0 });
  });
  it('the blog paste with its trailing padding', () => {
    const r = parseIpvsadm(readFileSync(`${SHARED}/ipvsadm-Ln-ipvs-deep-dive-blog.txt`, 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.services[0].realServers.map((x) => `${x.address}:${x.port}`)).toEqual(['10.244.0.235:8080', '10.244.1.237:8080']);
  });
  it('IPv6, cut lines and foreign text are typed errors or parsed, never thrown', () => {
    const v6 = parseIpvsadm('TCP  [fd00::a]:80 rr\n  -> [fd00::1:5]:8080   Masq    1      0          0\n');
    expect(v6.ok && v6.value.services[0].realServers[0].address).toBe('fd00::1:5');
    expect(parseIpvsadm('TCP  10.0.0.1:443 rr\n  -> 192.168.0.1:6443    Masq    1\n')).toMatchObject({ ok: false, error: { tool: 'ipvsadm', line: 2 } });
    expect(parseIpvsadm('  -> 1.2.3.4:80 Masq 1 0 0\n')).toMatchObject({ ok: false, error: { line: 1 } });
    expect(parseIpvsadm('Can\'t initialize ipvs: Protocol not available\n')).toMatchObject({ ok: false });
    expect(parseIpvsadm('')).toEqual({ ok: true, value: { services: [] } });
  });
});
