import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture, type Fixture } from './fixtureFile';
import { listenerOnPort, parseEndpoint, parseSs } from './ss';
import { error, value } from './testFixtures';

const fx = (name: string): Fixture => splitFixture(readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8'));

describe('ss -tanl', () => {
  it('reads every listener form: 0.0.0.0, 127.0.0.1, %lo, *, [::], [::1]', () => {
    const socks = value(parseSs(fx('ss/listeners-no-header').stdout));
    // ss lists sockets in hash order, which differs between captures: compare as a sorted list
    expect(socks.map((s) => `${s.local.address}|${s.local.port}|${s.local.family}|${s.local.interface ?? ''}|${s.local.wildcard}|${s.local.loopback}`).sort()).toEqual([
      '*|8081|any||true|false',
      '0.0.0.0|8080|inet||true|false',
      '127.0.0.1|9090|inet||false|true',
      '127.0.0.53|5353|inet|lo|false|true',
      '::1|9443|inet6||false|true',
      '::|8443|inet6||true|false',
    ]);
    expect(socks.every((s) => s.state === 'LISTEN' && s.recvQ === 0 && s.sendQ === 5 && s.peer.port === null)).toBe(true);
  });
  it('the header form (trailing spaces and all) gives the same sockets', () => {
    const a = value(parseSs(fx('ss/listeners-header').stdout));
    const b = value(parseSs(fx('ss/listeners-no-header').stdout));
    expect(a.map((s) => s.local)).toEqual(b.map((s) => s.local));
  });
  it('no listener: empty with -H, header only without', () => {
    expect(value(parseSs(fx('ss/none-no-header').stdout))).toEqual([]);
    expect(value(parseSs(fx('ss/none-header').stdout))).toEqual([]);
  });
  it('answers "does anything listen on P off loopback?"', () => {
    const socks = value(parseSs(fx('ss/listeners-no-header').stdout));
    expect(listenerOnPort(socks, 8080).verdict).toBe('reachable');
    expect(listenerOnPort(socks, 8081).verdict).toBe('reachable');
    // [::]:8443 is socat ipv6only=1 (capture.sh): IPv6 only; *:8081 is ipv6only=0: both families
    expect(listenerOnPort(socks, 8443)).toMatchObject({ verdict: 'other-family', listeners: [{ local: { address: '::' } }] });
    expect(listenerOnPort(socks, 8443, 'fd00:2::2').verdict).toBe('reachable');
    expect(listenerOnPort(socks, 8081, 'fd00:2::2').verdict).toBe('reachable');
    expect(listenerOnPort(socks, 8080, 'fd00:2::2').verdict).toBe('other-family');
    expect(listenerOnPort(socks, 9090)).toMatchObject({ verdict: 'loopback-only', listeners: [{ local: { address: '127.0.0.1' } }] });
    expect(listenerOnPort(socks, 9443).verdict).toBe('loopback-only');
    expect(listenerOnPort(socks, 5353).verdict).toBe('loopback-only');
    expect(listenerOnPort(socks, 1234)).toEqual({ verdict: 'none', listeners: [] });
  });
  it('a cut line or a bad address is a typed error with its line number', () => {
    const text = fx('ss/listeners-no-header').stdout;
    const cut = text.slice(0, text.indexOf('\n', text.indexOf('\n') + 1) + 20);
    expect(error(parseSs(cut))).toMatchObject({ tool: 'ss', line: 3 });
    expect(error(parseSs('LISTEN 0 5 0.0.0.0:http 0.0.0.0:*\n'))).toMatchObject({ tool: 'ss', line: 1, got: '0.0.0.0:http' });
  });
  it('endpoint edge cases: link-local scope, v4-mapped loopback', () => {
    expect(parseEndpoint('[fe80::1%eth0]:22')).toMatchObject({ address: 'fe80::1', interface: 'eth0', family: 'inet6', loopback: false });
    expect(parseEndpoint('[::ffff:127.0.0.1]:80')?.loopback).toBe(true);
    expect(parseEndpoint('10.0.0.1')).toBeUndefined();
  });
});
