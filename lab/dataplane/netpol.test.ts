// The lab's enforced NetworkPolicies against the upstream e2e truth tables
// (test/upstream/fixtures/networkpolicy/k8s-e2e-netpol-truth-tables.json): one lab with the suite's x/y/z
// namespaces and a/b/c pods spread over two nodes; for each case its policies are swapped in with
// syncPolicies and every client pod connects to every server pod, on the real dataplane. Needs root.
import { sharedPath } from '../../test/shared';
import { testInstance } from '../testInstance';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateState } from '../state';
import type { KubeObject, LabState } from '../types';
import { labDown, labUp } from './lab';
import { syncPolicies } from './policy';
import { run } from './sh';
import { isRoot, podOf } from './testkit';

const INST = testInstance('dpn');
const DIR = `/run/packetwalk/${INST}`;
const TABLES = sharedPath('fixtures/networkpolicy/k8s-e2e-netpol-truth-tables.json');

interface Probe {
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  matrixColumns: string[];
  matrix: Record<string, string>;
}
interface Case {
  id: string;
  policies: KubeObject[];
  probes: Probe[];
}

const loadCases = (): Case[] => (JSON.parse(readFileSync(TABLES, 'utf8')) as { cases: Case[] }).cases;

function labFile(): string {
  const docs = [`kind: Lab\ncluster: {nodes: [worker-1, worker-2], overlay: vxlan, kubeProxy: iptables, networkPolicy: enforce}`];
  let i = 0;
  for (const ns of ['x', 'y', 'z']) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}`);
    for (const pod of ['a', 'b', 'c']) {
      const ports = [[80, 'TCP'], [81, 'TCP'], [80, 'UDP'], [81, 'UDP']]
        .map(([p, proto]) => `{name: serve-${p}-${String(proto).toLowerCase()}, containerPort: ${p}, protocol: ${proto}}`)
        .join(', ');
      docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: ${pod}, namespace: ${ns}, labels: {pod: ${pod}}}\nspec: {nodeName: worker-${(i++ % 2) + 1}, containers: [{name: cont, image: agnhost, ports: [${ports}]}]}`);
    }
  }
  return docs.join('\n---\n') + '\n';
}

/** Replaces {podIP:ns/pod} placeholders with the lab's pod IPs. */
function substitute(policies: KubeObject[], st: LabState): KubeObject[] {
  return JSON.parse(JSON.stringify(policies).replace(/\{podIP:([a-z]+)\/([a-z]+)\}/g, (_m, ns: string, pod: string) => podOf(st, `${ns}/${pod}`).ip)) as KubeObject[];
}

async function connects(st: LabState, from: string, to: string, probe: Probe): Promise<boolean> {
  const netns = podOf(st, from).netns;
  const ip = podOf(st, to).ip;
  if (probe.protocol === 'UDP') {
    const r = await run(['ip', 'netns', 'exec', netns, 'nc', '-u', '-n', '-w', '1', ip, String(probe.port)], { input: 'probe\n', timeoutMs: 5000 });
    return r.stdout.includes(`${to.split('/')[1]}\n`);
  }
  return (await run(['ip', 'netns', 'exec', netns, 'nc', '-z', '-n', '-w', '1', ip, String(probe.port)], { timeoutMs: 5000 })).code === 0;
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

describe.skipIf(!isRoot())('NetworkPolicy truth tables (upstream e2e) on the lab dataplane', () => {
  let st: LabState;
  const cases = loadCases();

  beforeAll(async () => {
    process.env.PACKETWALK_LAB = INST;
    const file = join(mkdtempSync(join(tmpdir(), 'pw-netpol-')), 'lab.yaml');
    writeFileSync(file, labFile());
    st = (await labUp({ instance: INST, dir: DIR, config: file })).state;
  });
  afterAll(async () => {
    await labDown({ instance: INST, dir: DIR });
  });

  it('has the cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of cases) {
    const runnable = c.probes.filter((p) => p.protocol !== 'SCTP');
    it.skipIf(!runnable.length)(`${c.id}`, async () => {
      const policies = substitute(c.policies, st);
      updateState((s) => {
        s.objects = [...s.objects.filter((o) => o.kind !== 'NetworkPolicy'), ...policies.map((p) => ({ ...p, apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }))];
      }, DIR);
      await syncPolicies(DIR);
      const wrong: string[] = [];
      for (const probe of runnable) {
        const pairs: [string, string, boolean][] = [];
        for (const [from, row] of Object.entries(probe.matrix)) {
          probe.matrixColumns.forEach((to, i) => {
            if (row[i] !== '-') pairs.push([from, to, row[i] === '.']);
          });
        }
        await pool(pairs, 36, async ([from, to, want]) => {
          const got = await connects(st, from, to, probe);
          if (got !== want) wrong.push(`${probe.protocol}/${probe.port} ${from} → ${to}: ${got ? 'connected' : 'blocked'}, want ${want ? 'connected' : 'blocked'}`);
        });
      }
      expect(wrong.sort()).toEqual([]);
    });
  }
});
