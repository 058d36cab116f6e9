// "Malformed or truncated input gives a typed error, never a throw from deep inside": every dump cut at
// many points (and with bytes flipped) goes through the parser and, when it parses, through the trace.
import { sharedPath } from '../../test/shared';
import { readFileSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { compareWithEndpoints, parseProxyDump, traceService, type ProxyMode } from './proxyTrace';

const SHARED = sharedPath('fixtures/kube-proxy');
const OWN = new URL('../parse/fixtures/', import.meta.url).pathname;
const files: [ProxyMode, string][] = [
  ...readdirSync(SHARED).filter((f) => f.startsWith('iptables-save')).map((f) => ['iptables', `${SHARED}/${f}`] as [ProxyMode, string]),
  ...readdirSync(SHARED).filter((f) => f.startsWith('nft')).map((f) => ['nftables', `${SHARED}/${f}`] as [ProxyMode, string]),
  ...readdirSync(SHARED).filter((f) => f.startsWith('ipvsadm')).map((f) => ['ipvs', `${SHARED}/${f}`] as [ProxyMode, string]),
  ...readdirSync(`${OWN}iptables-save`).map((f) => ['iptables', `${OWN}iptables-save/${f}`] as [ProxyMode, string]),
  ...readdirSync(`${OWN}nft`).map((f) => ['nftables', `${OWN}nft/${f}`] as [ProxyMode, string]),
];

it('every dump, cut at 60 points and with bytes flipped, parses or returns a ParseError; traces never throw', () => {
  let cases = 0;
  let errors = 0;
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const [mode, f] of files) {
    const text = readFileSync(f, 'utf8');
    const variants: string[] = [];
    for (let i = 1; i <= 60; i++) variants.push(text.slice(0, Math.floor((text.length * i) / 61)));
    for (let i = 0; i < 20; i++) {
      const at = Math.floor(rnd() * text.length);
      variants.push(text.slice(0, at) + ['"', '{', '}', '\n', ' ', ':', '['][i % 7] + text.slice(at + 1));
    }
    for (const v of variants) {
      cases++;
      const r = parseProxyDump(mode, v);
      if (!r.ok) {
        errors++;
        expect(r.error.tool).toMatch(/^(iptables-save|nft|ipvsadm)$/);
        expect(typeof r.error.expected).toBe('string');
        continue;
      }
      for (const vip of ['172.30.0.41', '172.30.0.44', '172.30.0.46', '10.0.0.10', '10.102.128.4']) {
        for (const port of [80, 53, 3080]) {
          const t = traceService(r.value, vip, port, 'TCP');
          expect(compareWithEndpoints(t, ['10.180.0.1:80']).status).toMatch(/^(ok|missing|stale)$/);
        }
      }
    }
  }
  console.log(`robustness: ${files.length} dumps, ${cases} damaged variants, ${errors} typed ParseErrors, no throw`);
  expect(errors).toBeGreaterThan(cases / 3);
});
