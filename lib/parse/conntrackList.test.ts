// conntrack -L over real captures (fixtures/conntrack-list): the SNATed flow and the one that left with the pod's address.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFixture } from './fixtureFile';
import { parseConntrackList, seenSource } from './conntrackList';
import { value, error } from './testFixtures';

const fx = (n: string) => splitFixture(readFileSync(new URL(`./fixtures/conntrack-list/${n}.txt`, import.meta.url), 'utf8'));

describe('parseConntrackList', () => {
  it('reads the original and reply tuples; the reply dst is the address the far end saw', () => {
    const f = fx('snat-and-unreplied');
    const [snat, raw] = value(parseConntrackList(f.stdout, f));
    expect(snat).toMatchObject({ protocol: 'tcp', state: 'TIME_WAIT', unreplied: false, assured: true, original: { src: '10.244.1.5', dst: '10.9.0.2', dport: 80 } });
    expect(seenSource(snat)).toBe('10.9.0.1');
    expect(raw).toMatchObject({ state: 'SYN_SENT', unreplied: true, assured: false });
    expect(seenSource(raw)).toBe('10.244.1.5');
  });
  it('an empty list is no entry, not an error', () => {
    const f = fx('none');
    expect(value(parseConntrackList(f.stdout, f))).toEqual([]);
  });
  it('a line of another shape is a ParseError naming the line', () => {
    expect(error(parseConntrackList('tcp 6 118 SYN_SENT garbage\n')).line).toBe(1);
    expect(parseConntrackList('', { exitCode: 1, stderr: 'conntrack v1.4.7 (conntrack-tools): Operation not permitted' }).ok).toBe(false);
  });
});
