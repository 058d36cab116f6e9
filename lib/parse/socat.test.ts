// socat's UDP exchange, read from captures made in the lab (lib/parse/fixtures/socat, headers say how).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture } from './fixtureFile';
import { parseSocatUdp } from './socat';
import { error, value } from './testFixtures';

const fx = (name: string) => splitFixture(readFileSync(new URL(`./fixtures/socat/${name}.txt`, import.meta.url), 'utf8'));
const read = (name: string) => {
  const f = fx(name);
  return parseSocatUdp(f.stdout, f);
};

describe('parseSocatUdp', () => {
  it('a reply datagram (the Broken pipe after it is the end of the run, not a failure)', () => {
    expect(value(read('lab-reply'))).toEqual({ outcome: 'reply', sent: [11], replies: ['statsd-0'] });
  });
  it('ICMP port-unreachable reads refused', () => {
    expect(value(read('lab-refused'))).toMatchObject({ outcome: 'refused', sent: [11], replies: [] });
  });
  it('sent and nothing came back (a dropped datagram) reads silent, not delivered', () => {
    expect(value(read('lab-silent-node-route-missing'))).toEqual({ outcome: 'silent', sent: [11], replies: [] });
  });
  it('no transfer line at all is a ParseError', () => {
    expect(error(parseSocatUdp('', { exitCode: 127, stderr: 'socat: not found\n' })).tool).toBe('socat');
    expect(value(parseSocatUdp('', { exitCode: 1, stderr: '2026/11/30 05:20:37 socat[1] E connect(5, AF=2 10.0.0.1:53, 16): Network is unreachable\n' })).outcome).toBe('unreachable');
  });
});
