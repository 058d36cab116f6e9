import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findTable, parseIptablesSave, tokenizeRule } from './iptablesSave';

const SHARED = sharedPath('fixtures/kube-proxy');
const OWN = new URL('./fixtures/iptables-save/', import.meta.url).pathname;
const read = (p: string) => readFileSync(p, 'utf8');

describe('parseIptablesSave', () => {
  it('reads real iptables-save output: tables, built-in policies, user chains, rules with modules', () => {
    const r = parseIptablesSave(read(`${SHARED}/iptables-save-overall-rules.normalized-by-iptables-1.8.9.txt`));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.tables.map((t) => t.name)).toEqual(['filter', 'nat']);
    const nat = findTable(r.value, 'nat')!;
    expect(nat.chains.get('PREROUTING')?.policy).toBe('ACCEPT');
    expect(nat.chains.get('KUBE-SERVICES')?.policy).toBeNull();
    expect(nat.chains.get('KUBE-SERVICES')?.rules).toHaveLength(10);
    const svc = nat.chains.get('KUBE-SVC-4SW47YFZTEDKD3PK')!.rules;
    expect(svc[0]).toMatchObject({ source: { addr: '10.0.0.0/8', negated: true }, destination: { addr: '172.30.0.44', negated: false }, protocol: 'tcp', dport: '80', target: 'KUBE-MARK-MASQ', comment: 'ns4/svc4:p80 cluster IP' });
    expect(svc[1]).toMatchObject({ modules: ['comment', 'statistic'], probability: 0.5, target: 'KUBE-SEP-UKSFD7AGPMPPLUHC', comment: 'ns4/svc4:p80 -> 10.180.0.4:80' });
    const sep = nat.chains.get('KUBE-SEP-I77PXRDZVX7PMWMN')!.rules[1];
    expect(sep).toMatchObject({ target: 'DNAT', toDestination: '10.180.0.3:80', modules: ['comment', 'recent', 'tcp'] });
    expect(nat.chains.get('KUBE-SVC-NUKIZ6OKUXPJNT4C')!.rules[1].affinityCheck).toBe(true);
    // the double space of `--nfacct-name  ct_state…` is one separator
    const fwd = findTable(r.value, 'filter')!.chains.get('KUBE-FORWARD')!.rules[0];
    expect(fwd.args).toEqual(['-m', 'conntrack', '--ctstate', 'INVALID', '-m', 'nfacct', '--nfacct-name', 'ct_state_invalid_dropped_pkts', '-j', 'DROP']);
    expect(JSON.parse(JSON.stringify(fwd))).toMatchObject({ target: 'DROP', line: 16 });
  });

  it('reads kube-proxy restore input too (unquoted comments, addresses without /32, -X deletes)', () => {
    const r = parseIptablesSave(read(`${SHARED}/iptables-save-sync-repeated-full-resync.txt`));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const nat = findTable(r.value, 'nat')!;
    expect(nat.deleted).toEqual(['KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK']);
    expect(nat.chains.has('KUBE-SVC-4SW47YFZTEDKD3PK')).toBe(false);
    expect(nat.chains.get('KUBE-SEP-DKCFIS26GWF2WLWC')!.rules[0]).toMatchObject({ comment: 'ns3/svc3:p80', source: { addr: '10.0.3.2', negated: false } });
  });

  it('an empty namespace prints nothing: a valid dump with no tables', () => {
    const r = parseIptablesSave(read(`${OWN}empty-netns.txt`));
    expect(r).toEqual({ ok: true, value: { tables: [] } });
  });

  it('truncated or malformed input is a typed error with the line', () => {
    const full = read(`${OWN}kube-proxy-overall-rules.txt`);
    const cut = full.slice(0, full.lastIndexOf('COMMIT'));
    const r1 = parseIptablesSave(cut);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error.expected).toBe('COMMIT at the end of table nat (the dump looks truncated)');
    // a line cut inside its comment
    const lines = full.split('\n');
    const i = lines.findIndex((l) => l.includes('"ns1/svc1:p80 cluster IP"'));
    const r2 = parseIptablesSave([...lines.slice(0, i), lines[i].slice(0, lines[i].indexOf('cluster IP'))].join('\n'));
    expect(r2).toMatchObject({ ok: false, error: { tool: 'iptables-save', line: i + 1, expected: 'a rule with balanced quotes (the line looks cut short)' } });
    expect(parseIptablesSave('-A FOO -j ACCEPT\n')).toMatchObject({ ok: false, error: { line: 1, expected: 'a *table line (a rule outside a table)' } });
    expect(parseIptablesSave('*nat\nhello\nCOMMIT\n')).toMatchObject({ ok: false, error: { line: 2 } });
    expect(parseIptablesSave('*nat\n*filter\n')).toMatchObject({ ok: false, error: { line: 2 } });
  });

  it('tokenizes like iptables-save quotes: spaces inside quotes, \\" escapes', () => {
    expect(tokenizeRule('-m comment --comment "a \\"b\\" c" -j X')).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
    expect(tokenizeRule('--comment "unterminated')).toBeNull();
    expect(tokenizeRule('  -j   ACCEPT ')).toEqual(['-j', 'ACCEPT']);
  });
});
