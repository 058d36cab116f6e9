// The registry is the allowlist by type and by value (issue 9): every entry checks its own arguments before
// it builds argv. Generic over the whole table: an argument an entry uses, given a bad value, must throw a
// ProbeArgError naming that probe and that argument; the filters the trace planner writes must all pass.
import { describe, expect, it } from 'vitest';
import { PROBES, isProbeId, probeArgv, probeDef, ProbeArgError, type ProbeArgs, type ProbeId } from './probes';
import { isCaptureFilter, isHostname } from './probeArgs';
import { innerFilter, outerFilter } from './plan/trace';

const valid: Required<ProbeArgs> = { ip: '10.244.1.5', port: 8080, name: 'backend.shop.svc.cluster.local', size: 1000, iface: 'eth0', filter: 'tcp and port 40000', sport: 40000, proto: 'tcp' };
const bad: { [K in keyof ProbeArgs]-?: ProbeArgs[K][] } = {
  ip: ['999.1.1.1', '10.1', '-oProxyCommand=x', '10.0.0.1 ', ''],
  port: [0, 65536, 80.5, -1, NaN],
  name: ['-x', 'a b', 'web;reboot', `${'a'.repeat(64)}.shop`, 'a..b', '', 'x$(id)'],
  size: [-1, 1.5, 1 << 30],
  iface: ['eth0 -w', 'a-very-long-name0', '', 'eth0;x'],
  filter: ['tcp and not port 22', '-w /tmp/x', 'host 999.1.1.1', 'port 70000', '(tcp and port 1', 'ether host aa:bb:cc:dd:ee:ff', 'tcp or'],
  sport: [0, 70000],
  proto: ['icmp' as 'tcp'],
};

describe('probe registry: argument checks', () => {
  it('builds every registered probe from valid arguments', () => {
    for (const id of PROBES.keys()) expect(probeArgv(id, valid).length, id).toBeGreaterThan(0);
  });

  // An entry uses an argument when leaving it out makes it throw "needs": then every bad value must throw too.
  for (const [id] of PROBES) {
    for (const arg of Object.keys(bad) as (keyof ProbeArgs)[]) {
      const without = { ...valid, [arg]: undefined };
      let uses = false;
      try {
        probeArgv(id, without);
      } catch (e) {
        uses = e instanceof ProbeArgError && e.arg === arg;
      }
      if (!uses) continue;
      it(`${id} refuses a bad ${arg}`, () => {
        for (const v of bad[arg]) {
          let err: unknown;
          try {
            probeArgv(id, { ...valid, [arg]: v });
          } catch (e) {
            err = e;
          }
          expect(err, `${id} ${arg}=${JSON.stringify(v)}`).toBeInstanceOf(ProbeArgError);
          expect((err as ProbeArgError).probe).toBe(id);
          expect((err as ProbeArgError).arg).toBe(arg);
          expect((err as Error).message).toContain(`probe ${id}`);
          expect((err as Error).message).toContain(arg);
        }
      });
    }
  }

  it('says which probe lacks which argument', () => {
    expect(() => probeArgv('tcp-connect', { ip: '10.0.0.1' })).toThrow('probe tcp-connect needs port');
  });

  it('keeps argv as today for valid arguments (IPv4 and IPv6, a name with its root dot)', () => {
    expect(probeArgv('tcp-connect', { ip: '10.96.0.50', port: 80 })).toEqual(['nc', '-z', '-v', '-w', '2', '10.96.0.50', '80']);
    expect(probeArgv('route-get', { ip: 'fd00::1' })).toEqual(['ip', '-j', 'route', 'get', 'fd00::1']);
    expect(probeArgv('dig', { name: 'web.shop.svc.cluster.local' })).toEqual(['dig', '+tries=1', '+time=2', '+nosearch', 'web.shop.svc.cluster.local.', 'A']);
  });

  it('knows its ids', () => {
    expect(isProbeId('tcp-connect')).toBe(true);
    expect(isProbeId('rm')).toBe(false);
    // @ts-expect-error an unregistered probe does not compile
    expect(() => probeDef('rm' as string)).toThrow('not in the registry');
    const id: ProbeId = 'node-capture';
    expect(probeDef(id).where).toBe('node');
  });
});

describe('isHostname', () => {
  it('takes DNS host names and refuses the rest', () => {
    for (const n of ['backend', 'backend.shop', 'Example.COM.', 'a-1.b-2.cluster.local', `${'a'.repeat(63)}.x`]) expect(isHostname(n), n).toBe(true);
    for (const n of ['', '.', '-a', 'a-', 'a_b', 'a..b', `${'a'.repeat(64)}`, `${'abcdefgh.'.repeat(29)}x`]) expect(isHostname(n), n).toBe(false);
  });
});

describe('isCaptureFilter', () => {
  const flow = { srcIP: '10.244.1.5', dstIP: '10.96.0.50', sport: 40123, dport: 80, proto: 'tcp' as const };
  it("takes every filter the trace planner writes (lib/plan/trace.ts)", () => {
    for (const proto of ['tcp', 'udp'] as const) {
      for (const hairpin of [false, true]) {
        const f = { ...flow, proto };
        expect(isCaptureFilter(innerFilter(f, { hairpin })), innerFilter(f, { hairpin })).toBe(true);
        expect(isCaptureFilter(outerFilter(f, 4789, { hairpin })), outerFilter(f, 4789, { hairpin })).toBe(true);
      }
    }
  });
  it('refuses words outside that grammar', () => {
    for (const f of bad.filter) expect(isCaptureFilter(f!), f).toBe(false);
  });
});
