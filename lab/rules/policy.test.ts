import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { egressChainName, ingressChainName, renderPolicyRestore, RulesInputError } from './index';
import { hasRoot, makeScratch, type Scratch } from './scratch';

interface Case {
  id: string;
  namespaces: { name: string; labels: Record<string, string> }[];
  pods: { namespace: string; name: string; labels: Record<string, string>; containerPorts: { name: string; containerPort: number; protocol: string }[] }[];
  policies: KubeObject[];
  probes: { port: number; protocol: 'TCP' | 'UDP' | 'SCTP'; matrixColumns: string[]; matrix: Record<string, string> }[];
}
const cases = (JSON.parse(readFileSync(sharedPath('fixtures/networkpolicy/k8s-e2e-netpol-truth-tables.json'), 'utf8')) as { cases: Case[] }).cases;

/** The e2e world as Kubernetes objects: pod i gets 10.0.i.2 (the scratch topology's address). */
function world(c: Case, nodeOf: (i: number) => string) {
  const ipOf = new Map(c.pods.map((p, i) => [`${p.namespace}/${p.name}`, `10.0.${i + 1}.2`]));
  const pods: KubeObject[] = c.pods.map((p, i) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { namespace: p.namespace, name: p.name, labels: p.labels },
    spec: { nodeName: nodeOf(i), containers: [{ name: 'c', ports: p.containerPorts }] },
    status: { podIP: ipOf.get(`${p.namespace}/${p.name}`) },
  }));
  const namespaces: KubeObject[] = c.namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels: n.labels } }));
  const policies = JSON.parse(JSON.stringify(c.policies).replace(/\{podIP:([^}]+)\}/g, (_, k: string) => ipOf.get(k) ?? 'missing')) as KubeObject[];
  return { pods, namespaces, policies, ipOf };
}

// ---- a small interpreter of the filter rules we generate, to check all truth-table cells cheaply ----
const toN = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string) {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len ?? 32));
  return Math.floor(toN(ip) / size) === Math.floor(toN(base) / size);
}
function inRange(ip: string, range: string) {
  const [lo, hi] = range.split('-').map(toN);
  return toN(ip) >= lo && toN(ip) <= hi;
}
interface Pkt { src: string; dst: string; proto: string; dport: number }
function ruleMatches(args: string[], p: Pkt): boolean {
  for (let i = 0; i < args.length; i++) {
    const neg = args[i] === '!';
    if (neg) i++;
    const a = args[i];
    const v = args[i + 1];
    let ok: boolean | undefined;
    if (a === '-s') ok = inCidr(p.src, v);
    else if (a === '-d') ok = inCidr(p.dst, v);
    else if (a === '-p') ok = p.proto === v;
    else if (a === '--dport') ok = v.includes(':') ? p.dport >= Number(v.split(':')[0]) && p.dport <= Number(v.split(':')[1]) : p.dport === Number(v);
    else if (a === '--src-range') ok = inRange(p.src, v);
    else if (a === '--dst-range') ok = inRange(p.dst, v);
    else if (a === '--ctstate') ok = false; // every probe is a NEW connection
    else if (a === '--comment') { i++; continue; }
    else if (a === '-m') { i++; continue; }
    else continue;
    i++;
    if (ok === neg) return false;
  }
  return true;
}
function tokenize(rule: string): string[] {
  return [...rule.matchAll(/"[^"]*"|\S+/g)].map((m) => m[0]);
}
/** Walk FORWARD of one node: returns false if a DROP/REJECT is reached. */
function forwardAllows(text: string, p: Pkt): boolean {
  const rules = new Map<string, string[][]>();
  for (const line of text.split('\n')) {
    const t = tokenize(line);
    if (t[0] === '-A' || t[0] === '-I') {
      const chain = t[1] === 'FORWARD' ? 'FORWARD' : t[1];
      const body = t[0] === '-I' && /^\d+$/.test(t[2]) ? t.slice(3) : t.slice(2);
      rules.set(chain, [...(rules.get(chain) ?? []), body]);
    }
  }
  const walk = (chain: string, depth: number): 'ACCEPT' | 'DROP' | 'RETURN' => {
    if (depth > 5) throw new Error('loop');
    for (const r of rules.get(chain) ?? []) {
      const j = r.indexOf('-j');
      if (!ruleMatches(r.slice(0, j), p)) continue;
      const target = r[j + 1];
      if (target === 'RETURN') return 'RETURN';
      if (target === 'ACCEPT') return 'ACCEPT';
      if (target === 'DROP' || target === 'REJECT') return 'DROP';
      const v = walk(target, depth + 1);
      if (v !== 'RETURN') return v;
    }
    return 'RETURN';
  };
  return walk('FORWARD', 0) !== 'DROP';
}

describe('NetworkPolicy rules agree with the upstream e2e truth tables (all cases, all cells, two nodes)', () => {
  // pods a → node-1, b and c → node-2: same-node and cross-node pairs, egress on the source node
  // and ingress on the destination node, each node rendering only its own pods
  for (const c of cases) {
    it(c.id, () => {
      const nodeOf = (i: number) => (c.pods[i].name === 'a' ? 'node-1' : 'node-2');
      const w = world(c, nodeOf);
      const text = { 'node-1': renderPolicyRestore({ ...w, nodeName: 'node-1' }), 'node-2': renderPolicyRestore({ ...w, nodeName: 'node-2' }) };
      const node = new Map(c.pods.map((p, i) => [`${p.namespace}/${p.name}`, nodeOf(i)]));
      let cells = 0;
      for (const probe of c.probes) {
        for (const [from, row] of Object.entries(probe.matrix)) {
          probe.matrixColumns.forEach((to, k) => {
            if (row[k] === '-') return;
            const pkt = { src: w.ipOf.get(from) as string, dst: w.ipOf.get(to) as string, proto: probe.protocol.toLowerCase(), dport: probe.port };
            const srcNode = node.get(from) as 'node-1' | 'node-2';
            const dstNode = node.get(to) as 'node-1' | 'node-2';
            const allowed = forwardAllows(text[srcNode], pkt) && (srcNode === dstNode || forwardAllows(text[dstNode], pkt));
            expect({ from, to, port: probe.port, protocol: probe.protocol, allowed }).toEqual({ from, to, port: probe.port, protocol: probe.protocol, allowed: row[k] === '.' });
            cells++;
          });
        }
      }
      expect(cells).toBe(72 * c.probes.length);
    });
  }
});

describe('NetworkPolicy rule text', () => {
  const c = cases.find((x) => x.id === 'ingress-and-egress-together') as Case;
  const w = world(c, (i) => (i < 3 ? 'node-1' : 'node-2'));
  const text = renderPolicyRestore({ ...w, nodeName: 'node-1' });
  it('hooks PACKETWALK-FORWARD first in FORWARD, replies first, one chain per isolated local pod', () => {
    expect(text).not.toMatch(/-j ACCEPT/); // policy chains only deny; the rest of FORWARD still applies
    expect(text).toContain('-I FORWARD 1 -m comment --comment "packetwalk network policy" -j PACKETWALK-FORWARD');
    expect(text.split('\n')).toContain('-A PACKETWALK-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections" -j RETURN');
    expect(text).toContain(`:${ingressChainName('x', 'a')} - [0:0]`);
    expect(text).not.toContain(ingressChainName('y', 'a')); // y/a lives on node-2
    expect(ingressChainName('x', 'a').length).toBeLessThanOrEqual(28);
    expect(egressChainName('x', 'a').length).toBeLessThanOrEqual(28);
  });
  it('names the policy in every allow and deny rule', () => {
    const chainRules = text.split('\n').filter((l) => l.startsWith(`-A ${ingressChainName('x', 'a')} `));
    expect(chainRules.length).toBeGreaterThan(1);
    for (const l of chainRules) expect(l).toMatch(/x\/allow-client-a-via-ns-selector|x\/[a-z-]+/);
    expect(chainRules.at(-1)).toMatch(/--comment "ingress to x\/a not allowed by x\/[^"]+" -j DROP$/);
  });
  it('re-render: stale per-pod chains are declared and deleted, the hook is not added again', () => {
    const existing = ['PACKETWALK-FORWARD', ...[...text.matchAll(/^:(PACKETWALK-\S+)/gm)].map((m) => m[1])];
    const again = renderPolicyRestore({ ...w, policies: [], nodeName: 'node-1', existingChains: existing });
    expect(again).not.toContain('-I FORWARD');
    expect(again).toContain(`-X ${ingressChainName('x', 'a')}`);
    expect(again).toContain(`:${ingressChainName('x', 'a')} - [0:0]`);
  });
  it('resolves a named ingress port on the destination pod and REJECTs when asked', () => {
    const t = renderPolicyRestore({ ...world(cases.find((x) => x.id === 'ingress-named-port') as Case, () => 'n'), nodeName: 'n', denyAction: 'REJECT' });
    expect(t).toContain(`-A ${ingressChainName('x', 'a')} -m comment --comment "x/allow-all" -p tcp -m tcp --dport 81 -j RETURN`);
    expect(t).toMatch(/-j REJECT\n/);
  });
  it('treats an IPv6 ipBlock as matching nothing here (valid Kubernetes, IPv4-only dataplane)', () => {
    const pol = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'x', name: 'v6' }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/64' } }] }] } };
    const t = renderPolicyRestore({ ...w, nodeName: 'node-1', policies: [pol] });
    expect(t).not.toContain('2001:db8');
    expect(t).toMatch(/-A PACKETWALK-ING-\w+ -m comment --comment "ingress to x\/a not allowed by x\/v6" -j DROP/);
  });
  it('names the field on bad input', () => {
    const bad = (spec: object) => () => renderPolicyRestore({ ...w, nodeName: 'node-1', policies: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'x', name: 'p' }, spec }] });
    expect(bad({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0' } }] }] })).toThrow(/NetworkPolicy x\/p: spec.ingress\[0\].from\[0\].ipBlock.cidr/);
    expect(bad({ podSelector: {}, policyTypes: ['Inbound'] })).toThrow(RulesInputError);
    expect(bad({ podSelector: { matchExpressions: [{ key: 'a', operator: 'Like' }] } })).toThrow(/operator.*Like/);
    expect(bad({ podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 70 }] }] })).toThrow(/endPort/);
    // caught even though no pod carries the label that would reach the bad expression
    expect(bad({ podSelector: { matchLabels: { nobody: 'x' }, matchExpressions: [{ key: 'a', operator: 'In' }] } })).toThrow(/spec.podSelector.matchExpressions\[0\].values/);
    expect(bad({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } }] }] })).toThrow(/from\[0\].namespaceSelector.*Has/);
    expect(() => renderPolicyRestore({ ...w, nodeName: '' })).toThrow(/nodeName/);
  });
});

describe.skipIf(!hasRoot())('NetworkPolicy rules in a real netns: real TCP/UDP connections', () => {
  let s: Scratch;
  beforeAll(() => {
    s = makeScratch('pol', 9);
    for (const p of s.pods) {
      s.listen(p, 80, `ok-${p.name}`);
      s.listen(p, 81, `ok-${p.name}`);
      s.listen(p, 80, `ok-${p.name}`, 'udp');
    }
  }, 60_000);
  afterAll(() => s?.teardown());

  const run = (id: string, first: boolean) => {
    const c = cases.find((x) => x.id === id) as Case;
    const w = world(c, () => 'n');
    const existing = first ? undefined : [...s.save().matchAll(/^:(PACKETWALK-\S+)/gm)].map((m) => m[1]);
    s.restore(renderPolicyRestore({ ...w, nodeName: 'n', denyAction: 'REJECT', existingChains: existing }));
    const wrong: string[] = [];
    for (const probe of c.probes) {
      for (const [from, row] of Object.entries(probe.matrix)) {
        probe.matrixColumns.forEach((to, k) => {
          if (row[k] === '-') return;
          // UDP costs a full client timeout per probe: probe the columns that differ (x/a denied, x/b allowed)
          if (probe.protocol === 'UDP' && to !== 'x/a' && to !== 'x/b') return;
          const src = s.pods[c.pods.findIndex((p) => `${p.namespace}/${p.name}` === from)];
          const proto = probe.protocol === 'UDP' ? 'udp' : 'tcp';
          let r = s.connect(src, w.ipOf.get(to) as string, probe.port, proto, 1);
          // a lost datagram is not a policy verdict: an expected-open UDP probe gets one retry
          if (proto === 'udp' && !r.ok && row[k] === '.' && !/refused/i.test(r.out)) r = s.connect(src, w.ipOf.get(to) as string, probe.port, proto, 2);
          if (r.ok !== (row[k] === '.')) wrong.push(`${from}->${to} ${probe.protocol}/${probe.port}: ${r.ok ? 'connected' : r.out}`);
        });
      }
    }
    return wrong;
  };

  it('ingress-and-egress-together: every pair as upstream expects', () => {
    expect(run('ingress-and-egress-together', true)).toEqual([]);
  });
  it('then egress-ipblock-except, re-rendered over it (ipBlock except via iprange)', () => {
    expect(run('egress-ipblock-except', false)).toEqual([]);
    const saved = s.save();
    expect(saved.match(/-j PACKETWALK-FORWARD/g)?.length).toBe(1);
    expect(saved).not.toContain(ingressChainName('x', 'b')); // x/b was ingress-isolated before, not now
  });
  it('then protocol-only-port (TCP allowed, UDP to x/a rejected)', () => {
    expect(run('protocol-only-port', false)).toEqual([]);
  });
});
