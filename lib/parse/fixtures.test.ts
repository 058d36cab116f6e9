// Every captured fixture of lib/parse is read by its parser: a recapture that changes a tool's output
// shape fails here first. Expected parse errors are listed with the reason.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParseError, Result } from '../result';
import { splitFixture } from './fixtureFile';
import type { ToolRun } from './common';
import * as parse from './index';

const PARSERS: Record<string, (text: string, run?: ToolRun) => Result<unknown, ParseError>> = {
  'ip-addr': parse.parseIpAddr,
  'ip-route': parse.parseIpRoute,
  'ip-route-get': parse.parseIpRouteGet,
  'ip-link': parse.parseIpLink,
  'ip-neigh': parse.parseIpNeigh,
  'bridge-fdb': parse.parseBridgeFdb,
  'bridge-link': parse.parseBridgeLink,
  ss: (t) => parse.parseSs(t),
  'resolv-conf': parse.parseResolvConf,
  dig: parse.parseDig,
  getent: parse.parseGetentHosts,
  nc: parse.parseNc,
  socat: parse.parseSocatUdp,
  ping: parse.parsePing,
  tracepath: parse.parseTracepath,
  conntrack: parse.parseConntrackStats,
  'conntrack-list': parse.parseConntrackList,
  sysctl: parse.parseSysctl,
  tcpdump: parse.parseTcpdump,
};

// Fixtures whose right answer is a ParseError (the tool gave us nothing to read).
const EXPECTED_ERRORS: Record<string, string> = {
  'resolv-conf/missing': 'cat failed: no file to read',
  'tracepath/silent-killed-by-timeout': 'killed before it flushed: empty stdout',
  'tracepath/lab-frontend-mtu-blackhole': 'the engine argv (-m 8) in the lab mtu-blackhole: not done in 20 s, killed, empty stdout',
};

const root = new URL('./fixtures/', import.meta.url);
const cases = Object.keys(PARSERS).flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, root))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => `${dir}/${f.slice(0, -4)}`),
);

describe('every lib/parse fixture', () => {
  it('covers each tool with at least two captures', () => {
    for (const dir of Object.keys(PARSERS)) expect(cases.filter((c) => c.startsWith(`${dir}/`)).length, dir).toBeGreaterThanOrEqual(2);
  });
  it.each(cases)('%s', (name) => {
    const f = splitFixture(readFileSync(new URL(`${name}.txt`, root), 'utf8'));
    expect(f.version.trim()).not.toBe('');
    expect(f.captured).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    const r = PARSERS[name.split('/')[0]](f.stdout, f);
    if (EXPECTED_ERRORS[name]) expect(r.ok, EXPECTED_ERRORS[name]).toBe(false);
    else expect(r.ok ? 'ok' : JSON.stringify(r.error)).toBe('ok');
  });
});
