import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, ipFamily, ipRange, ipToBigInt, ipv4ToNumber, isIPv4, numberToIPv4, parseCidr } from './ip';

describe('lib/ip', () => {
  it('accepts only strict address forms', () => {
    for (const ok of ['10.244.1.5', '0.0.0.0', '255.255.255.255']) expect(isIPv4(ok)).toBe(true);
    for (const bad of ['999.1.1.1', '10.1', '0x0a.0.0.1', '10.0.0.1 ', '', '1.2.3.4.5', '01.2.3.4x']) expect(isIPv4(bad)).toBe(false);
    expect(ipFamily('fd00:10:244::5')).toBe(6);
    expect(ipFamily('::ffff:10.0.0.1')).toBe(6);
    expect(ipFamily('fe80::1%eth0')).toBe(6);
    expect(ipFamily('backend.shop')).toBe(null);
  });
  it('converts numbers both ways', () => {
    expect(ipv4ToNumber('10.244.1.5')).toBe(0x0af40105);
    expect(numberToIPv4(0x0af40105)).toBe('10.244.1.5');
    expect(ipToBigInt('::1')).toEqual({ value: 1n, bits: 128 });
  });
  it('parses CIDRs, masks and reports host bits, contains and overlaps', () => {
    expect(parseCidr('10.244.0.0/16')).toEqual({ network: '10.244.0.0', prefix: 16, family: 4, hostBits: false });
    expect(parseCidr('10.244.1.7/16')).toMatchObject({ network: '10.244.0.0', hostBits: true });
    expect(parseCidr('10.0.0.0/33')).toBe(null);
    expect(parseCidr('10.0.0.0/8/1')).toBe(null);
    expect(parseCidr('fd00::/64')).toMatchObject({ network: 'fd00::', prefix: 64, family: 6 });
    const c = parseCidr('10.244.0.0/16')!;
    expect(cidrContains(c, '10.244.255.1')).toBe(true);
    expect(cidrContains(c, '10.245.0.1')).toBe(false);
    expect(cidrContains(c, 'fd00::1')).toBe(false);
    expect(cidrsOverlap(c, parseCidr('10.244.3.0/24')!)).toBe(true);
    expect(cidrsOverlap(c, parseCidr('10.96.0.0/16')!)).toBe(false);
  });
  it('names ranges the lab file must refuse', () => {
    expect(ipRange('127.0.0.1')).toBe('loopback');
    expect(ipRange('169.254.1.1')).toBe('linkLocal');
    expect(ipRange('224.0.0.1')).toBe('multicast');
    expect(ipRange('10.0.0.1')).toBe('private');
  });
});

describe('cidrHost', () => {
  it('is the nth address of an IPv4 CIDR, and null past its end, for IPv6 or a malformed CIDR', async () => {
    const { cidrHost } = await import('./ip');
    expect(cidrHost('10.244.1.0/24', 0)).toBe('10.244.1.0');
    expect(cidrHost('10.244.1.0/24', 1)).toBe('10.244.1.1');
    expect(cidrHost('10.244.1.7/24', 255)).toBe('10.244.1.255');
    expect(cidrHost('10.244.1.0/24', 256)).toBeNull();
    expect(cidrHost('fd00::/64', 1)).toBeNull();
    expect(cidrHost('nope', 1)).toBeNull();
  });
});
