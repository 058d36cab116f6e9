import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, policyTypesOf } from './networkPolicy';
import type { Namespace, NetworkPolicy, Pod } from './types';

// The upstream e2e netpol suite's expectations, transcribed (test/upstream/fixtures/networkpolicy/README).
interface TruthCase {
  id: string;
  namespaces: { name: string; labels: Record<string, string> }[];
  pods: { namespace: string; name: string; labels: Record<string, string>; containerPorts: { name: string; containerPort: number; protocol: string }[] }[];
  policies: NetworkPolicy[];
  probes: { port: number; protocol: string; matrixColumns: string[]; matrix: Record<string, string>; denied: [string, string][] }[];
}

const FILE = sharedPath('fixtures/networkpolicy/k8s-e2e-netpol-truth-tables.json');
const cases = (JSON.parse(readFileSync(FILE, 'utf8')) as { cases: TruthCase[] }).cases;

function build(c: TruthCase) {
  const nsIndex = new Map(c.namespaces.map((n, i) => [n.name, i]));
  const ipOf = new Map<string, string>();
  const pods: Pod[] = c.pods.map((p, i) => {
    const ip = `10.244.${nsIndex.get(p.namespace)}.${10 + i}`;
    ipOf.set(`${p.namespace}/${p.name}`, ip);
    return {
      metadata: { namespace: p.namespace, name: p.name, labels: p.labels },
      spec: { containers: p.containerPorts.map((cp) => ({ name: `cont-${cp.containerPort}-${cp.protocol.toLowerCase()}`, ports: [cp] })) },
      status: { podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
    };
  });
  // the ipBlock cases use live pod IPs: substitute {podIP:ns/pod}
  const policies = JSON.parse(JSON.stringify(c.policies).replace(/\{podIP:([^}]+)\}/g, (_m, k: string) => {
    const ip = ipOf.get(k);
    if (!ip) throw new Error(`unknown pod ${k} in ${c.id}`);
    return ip;
  })) as NetworkPolicy[];
  const namespaces: Namespace[] = c.namespaces.map((n) => ({ metadata: { name: n.name, labels: n.labels } }));
  const byName = new Map(pods.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
  return { pods, policies, namespaces, byName };
}

describe('NetworkPolicy evaluation against the upstream e2e truth tables', () => {
  it('agrees with every cell of every case', () => {
    let cells = 0;
    const wrong: string[] = [];
    for (const c of cases) {
      const { pods, policies, namespaces, byName } = build(c);
      for (const probe of c.probes) {
        for (const [client, row] of Object.entries(probe.matrix)) {
          [...row].forEach((ch, j) => {
            if (ch === '-') return; // loopback pair, ignored by the suite
            const server = probe.matrixColumns[j];
            const src = byName.get(client);
            const dst = byName.get(server);
            if (!src || !dst) throw new Error(`${c.id}: unknown pod ${client} or ${server}`);
            const got = evaluate({ src: { pod: src }, dst: { pod: dst }, protocol: probe.protocol, port: probe.port }, policies, pods, namespaces);
            cells++;
            if (got.allowed !== (ch === '.')) wrong.push(`${c.id} ${probe.protocol}/${probe.port} ${client} -> ${server}: expected ${ch}, got ${got.allowed ? 'allowed' : `denied (${got.sentence})`}`);
            // the same flow given as pod IPs (what a probe sees) must map back to the pods and agree
            const byIp = evaluate({ src: { ip: src.status!.podIP! }, dst: { ip: dst.status!.podIP! }, protocol: probe.protocol, port: probe.port }, policies, pods, namespaces);
            if (byIp.allowed !== got.allowed) wrong.push(`${c.id} by IP ${client} -> ${server}: ${byIp.allowed} vs ${got.allowed}`);
            if (!got.allowed && !/ is selected by /.test(got.sentence)) wrong.push(`${c.id} ${client} -> ${server}: denial without a sentence: ${got.sentence}`);
          });
        }
        // the denied list and the matrix say the same thing
        const xs = Object.entries(probe.matrix).flatMap(([cl, row]) => [...row].flatMap((ch, j) => (ch === 'X' ? [[cl, probe.matrixColumns[j]]] : [])));
        expect(xs.sort()).toEqual([...probe.denied].sort());
      }
    }
    console.log(`NetworkPolicy truth tables: ${cases.length} cases, ${cells} cells checked, ${wrong.length} wrong`);
    expect(wrong).toEqual([]);
    expect(cases.length).toBe(20);
    expect(cells).toBeGreaterThan(20 * 72 - 1);
  });
});

describe('NetworkPolicy explanations', () => {
  const ns = (name: string, labels: Record<string, string> = {}): Namespace => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
  const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, ports: { name?: string; containerPort: number }[] = []): Pod => ({
    metadata: { namespace, name, labels },
    spec: { containers: [{ name: 'app', ports }] },
    status: { podIP: ip },
  });
  const frontend = pod('shop', 'frontend-0', { app: 'frontend' }, '10.244.1.5');
  const backend = pod('app', 'backend-0', { app: 'backend' }, '10.244.1.6');
  const postgres = pod('db', 'postgres-0', { app: 'postgres' }, '10.244.2.7', [{ name: 'pg', containerPort: 5432 }]);
  const onlyBackend: NetworkPolicy = {
    metadata: { namespace: 'db', name: 'only-backend' },
    spec: {
      podSelector: { matchLabels: { app: 'postgres' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'backend' } }, namespaceSelector: { matchLabels: { tier: 'app' } } }], ports: [{ port: 5432 }] }],
    },
  };
  const namespaces = [ns('shop'), ns('app', { tier: 'app' }), ns('db')];
  const pods = [frontend, backend, postgres];

  it('names the policy, what it admits and the peer that it does not', () => {
    const r = evaluate({ src: { pod: frontend }, dst: { pod: postgres }, protocol: 'TCP', port: 5432 }, [onlyBackend], pods, namespaces);
    expect(r.allowed).toBe(false);
    expect(r.ingress.selectedBy).toEqual(['db/only-backend']);
    expect(r.egress.isolated).toBe(false);
    expect(r.sentence).toBe('db/postgres-0 is selected by NetworkPolicy db/only-backend; it admits pods app=backend in namespaces tier=app on TCP 5432, not shop/frontend-0 (app=frontend).');
    // the right peer on the wrong port: the port is named
    const wrongPort = evaluate({ src: { pod: backend }, dst: { pod: postgres }, protocol: 'TCP', port: 5433 }, [onlyBackend], pods, namespaces);
    expect(wrongPort.sentence).toBe('db/postgres-0 is selected by NetworkPolicy db/only-backend; it admits pods app=backend in namespaces tier=app on TCP 5432, not app/backend-0 (app=backend; namespace tier=app) on TCP 5433.');
  });

  it('reports the rule that admitted an allowed flow, and maps a bare pod IP to its pod', () => {
    const r = evaluate({ src: { ip: '10.244.1.6' }, dst: { pod: postgres }, protocol: 'TCP', port: 5432 }, [onlyBackend], pods, namespaces);
    expect(r.allowed).toBe(true);
    expect(r.ingress.admittedBy).toEqual({ policy: 'db/only-backend', direction: 'ingress', rule: 0 });
    expect(r.sentence).toContain('admitted by db/only-backend');
  });

  it('an outside IP is not selected by a pod selector; an ipBlock with except decides it', () => {
    const viaBlock: NetworkPolicy = {
      metadata: { namespace: 'db', name: 'from-office' },
      spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.9.0/24'] } }] }] },
    };
    const run = (ip: string) => evaluate({ src: { ip }, dst: { pod: postgres }, protocol: 'TCP', port: 5432 }, [onlyBackend, viaBlock], pods, namespaces);
    expect(run('192.168.1.1').allowed).toBe(true);
    expect(run('192.168.9.4').allowed).toBe(false);
    expect(run('192.168.9.4').sentence).toContain('selected by NetworkPolicies db/only-backend and db/from-office');
    expect(run('192.168.9.4').sentence).toBe('db/postgres-0 is selected by NetworkPolicies db/only-backend and db/from-office; only-backend admits pods app=backend in namespaces tier=app on TCP 5432; from-office admits 192.168.0.0/16 except 192.168.9.0/24 on any port; neither admits 192.168.9.4 on TCP 5432.');
  });

  it('egress default deny that also blocks DNS, endPort ranges and policyTypes defaults', () => {
    const denyEgress: NetworkPolicy = { metadata: { namespace: 'shop', name: 'no-egress' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };
    const r = evaluate({ src: { pod: frontend }, dst: { ip: '10.96.0.10' }, protocol: 'UDP', port: 53 }, [denyEgress], pods, namespaces);
    expect(r.allowed).toBe(false);
    expect(r.egress.selectedBy).toEqual(['shop/no-egress']);
    expect(r.sentence).toBe('shop/frontend-0 is selected by NetworkPolicy shop/no-egress for egress; it allows no egress, not 10.96.0.10 on UDP 53.');
    const range: NetworkPolicy = { metadata: { namespace: 'db', name: 'range' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 5000, endPort: 5500 }] }] } };
    expect(evaluate({ src: { pod: frontend }, dst: { pod: postgres }, protocol: 'TCP', port: 5432 }, [range], pods, namespaces).allowed).toBe(true);
    expect(evaluate({ src: { pod: frontend }, dst: { pod: postgres }, protocol: 'TCP', port: 5501 }, [range], pods, namespaces).allowed).toBe(false);
    expect(policyTypesOf({ spec: { podSelector: {}, egress: [{}] } })).toEqual(['ingress', 'egress']);
    expect(policyTypesOf({ spec: { podSelector: {} } })).toEqual(['ingress']);
  });
});
