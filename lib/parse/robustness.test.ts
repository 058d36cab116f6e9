// Malformed and truncated input never throws: every captured fixture, cut at 25 points and with bytes
// flipped (seeded, so a failure reproduces), gives either a value or a ParseError naming the tool.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { ParseError, Result } from '../result';
import { splitFixture } from './fixtureFile';
import type { ToolRun } from './common';
import * as parse from './index';

const PARSERS: Record<string, [string, (text: string, run?: ToolRun) => Result<unknown, ParseError>]> = {
  'ip-addr': ['ip addr', parse.parseIpAddr],
  'ip-route': ['ip route', parse.parseIpRoute],
  'ip-route-get': ['ip route get', parse.parseIpRouteGet],
  'ip-link': ['ip link', parse.parseIpLink],
  'ip-neigh': ['ip neigh', parse.parseIpNeigh],
  'bridge-fdb': ['bridge fdb', parse.parseBridgeFdb],
  'bridge-link': ['bridge link', parse.parseBridgeLink],
  ss: ['ss', (t) => parse.parseSs(t)],
  'resolv-conf': ['resolv.conf', parse.parseResolvConf],
  dig: ['dig', parse.parseDig],
  getent: ['getent', parse.parseGetentHosts],
  nc: ['nc', parse.parseNc],
  ping: ['ping', parse.parsePing],
  tracepath: ['tracepath', parse.parseTracepath],
  conntrack: ['conntrack', parse.parseConntrackStats],
  sysctl: ['sysctl', parse.parseSysctl],
};

/** mulberry32: a tiny seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = ['', '\u0000', '{', ']', '"', ':', '\n', 'x', '9', ' ', '%', '[', '(', '-'];

it('no parser throws on cut or corrupted fixtures', () => {
  const root = new URL('./fixtures/', import.meta.url);
  const rand = rng(20261123);
  let variants = 0;
  let errors = 0;
  for (const [dir, [tool, fn]] of Object.entries(PARSERS)) {
    for (const file of readdirSync(new URL(`${dir}/`, root)).filter((f) => f.endsWith('.txt'))) {
      const f = splitFixture(readFileSync(new URL(`${dir}/${file}`, root), 'utf8'));
      const inputs: [string, ToolRun][] = [];
      for (let i = 1; i <= 25; i++) {
        const at = Math.floor((f.stdout.length * i) / 26);
        inputs.push([f.stdout.slice(0, at), f]);
        inputs.push([f.stdout, { exitCode: f.exitCode, stderr: f.stderr.slice(0, Math.floor((f.stderr.length * i) / 26)) }]);
      }
      for (let i = 0; i < 25; i++) {
        const chars = [...f.stdout];
        const n = 1 + Math.floor(rand() * 3);
        for (let k = 0; k < n && chars.length > 0; k++) chars[Math.floor(rand() * chars.length)] = JUNK[Math.floor(rand() * JUNK.length)];
        inputs.push([chars.join(''), f]);
      }
      for (const [text, run] of inputs) {
        variants++;
        let r: Result<unknown, ParseError>;
        try {
          r = fn(text, run);
        } catch (e) {
          throw new Error(`${dir}/${file} threw on ${JSON.stringify(text.slice(0, 120))}: ${String(e)}`, { cause: e });
        }
        if (!r.ok) {
          errors++;
          expect(r.error.tool, `${dir}/${file}`).toBe(tool);
          expect(r.error.line).toBeGreaterThanOrEqual(0);
          expect(r.error.expected.length).toBeGreaterThan(0);
        }
      }
    }
  }
  console.log(`parse robustness: ${variants} variants, ${errors} typed ParseErrors, 0 throws`);
  expect(variants).toBeGreaterThan(5000);
  expect(errors).toBeGreaterThan(0);
});
