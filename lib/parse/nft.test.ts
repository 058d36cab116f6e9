import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findNftTable, parseNft, type NftRuleset } from './nft';

const OWN = new URL('./fixtures/nft/', import.meta.url).pathname;
const SHARED = sharedPath('fixtures/kube-proxy');
const parse = (text: string): NftRuleset => {
  const r = parseNft(text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

/** A form-independent summary: maps' elements and every chain's rules as (verdict, vmap, dnat). */
function summary(rs: NftRuleset) {
  const t = findNftTable(rs, 'ip', 'kube-proxy')!;
  const sets = [...t.sets.values()].map((s) => `${s.kind} ${s.name}: ${s.elements.map((e) => `${e.key.join('.')}${e.comment ? `#${e.comment}` : ''}=${e.verdict ? JSON.stringify(e.verdict) : ''}`).sort().join(' ')}`).sort();
  const chains = [...t.chains.values()].map((c) => `${c.name}${c.hook ? ` hook ${c.hook}` : ''}: ${c.rules.map((r) => JSON.stringify([r.verdict ?? null, r.vmap ?? null, r.dnat ?? null, r.masquerade ?? false, r.comment ?? null])).join(' | ')}`).sort();
  return { sets, chains };
}

describe('parseNft', () => {
  const json = parse(readFileSync(`${OWN}kube-proxy-overall-table.json.txt`, 'utf8'));
  it('JSON: sets, verdict maps with commented elements, hooks, rules', () => {
    const t = findNftTable(json, 'ip', 'kube-proxy')!;
    expect(t.sets.get('service-ips')?.elements).toHaveLength(9);
    expect(t.sets.get('no-endpoint-services')?.elements.find((e) => e.key[0] === '172.30.0.46')).toEqual({ key: ['172.30.0.46', 'tcp', '80'], comment: 'ns6/svc6:p80', verdict: { kind: 'goto', target: 'reject-chain' } });
    expect(t.chains.get('nat-prerouting')).toMatchObject({ type: 'nat', hook: 'prerouting', priority: '-100', policy: 'accept' });
    const lb = t.chains.get('service-LAUZTJTB-ns4/svc4/tcp/p80')!.rules[1];
    expect(lb.vmap?.key).toBe('numgen random mod 2');
    expect(lb.vmap?.entries?.map((e) => e.verdict)).toEqual([{ kind: 'goto', target: 'endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80' }, { kind: 'goto', target: 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80' }]);
    expect(t.chains.get('endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80')!.rules[1]).toMatchObject({ dnat: { addr: '10.180.0.4', port: 80 }, text: 'meta l4proto tcp dnat to 10.180.0.4:80' });
    expect(t.chains.get('masquerading')!.rules[2].masquerade).toBe(true);
  });
  it('the same ruleset as JSON, `nft list` text and the upstream nft -f transaction reads the same', () => {
    const text = parse(readFileSync(`${OWN}kube-proxy-overall-ruleset.txt`, 'utf8'));
    const upstreamListing = parse(readFileSync(`${SHARED}/nft-list-table-overall-rules.by-nft-1.0.6.txt`, 'utf8'));
    const transaction = parse(readFileSync(`${SHARED}/nft-overall-rules.txt`, 'utf8'));
    const a = summary(json);
    expect(summary(text)).toEqual(a);
    expect(summary(upstreamListing)).toEqual(a);
    // the transaction has no `policy accept;` and prints verdicts/priorities as written; compare the maps and the dispatch
    const tr = summary(transaction);
    expect(tr.sets).toEqual(a.sets.map((s) => s)); // elements identical
    expect(tr.chains.filter((c) => /^(service|endpoint|external)-/.test(c))).toEqual(a.chains.filter((c) => /^(service|endpoint|external)-/.test(c)));
  });
  it('an empty ruleset (metainfo only) has no tables; bad input is a typed error', () => {
    expect(parse(readFileSync(`${OWN}empty-ruleset.json.txt`, 'utf8')).tables).toEqual([]);
    const full = readFileSync(`${OWN}kube-proxy-overall-table.json.txt`, 'utf8');
    expect(parseNft(full.slice(0, 5000))).toMatchObject({ ok: false, error: { tool: 'nft', line: 0 } });
    const listing = readFileSync(`${OWN}kube-proxy-overall-ruleset.txt`, 'utf8');
    const cut = parseNft(listing.slice(0, listing.indexOf('chain services')));
    expect(cut).toMatchObject({ ok: false, error: { expected: 'a closing } (the listing looks truncated)' } });
    expect(parseNft('tabel ip x {\n}\n')).toMatchObject({ ok: false, error: { line: 1, expected: 'table <family> <name> {' } });
    expect(parseNft('{"foo": 1}')).toMatchObject({ ok: false, error: { expected: 'an object with an "nftables" array' } });
  });
});
