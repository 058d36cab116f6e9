// `lab up` per dataplane family (issue 11, DESIGN §3.1): the same small cluster (2 nodes, 4 pods, 2
// Services, 1 NetworkPolicy, iptables kube-proxy, policies enforced) built as flannel, calico, cilium,
// kindnet and vpc, in-process labUp, total and per phase, median of --ups runs each; the lab is torn
// down after each family. Figures, not a test.
// Usage: npx tsx bench/families.ts [--ups 5]   (needs root)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp } from '../lab/dataplane/lab';
import { median, numberFlag } from './harness';
import { familyLabFile } from '../lab/dataplane/testkit';
import type { Cni, Overlay } from '../lab/families';

const ups = numberFlag('ups', 5);
const instance = `bf${Math.random().toString(36).slice(2, 6)}`;
const dir = `/run/packetwalk/${instance}`;
const FAMILIES: [string, string][] = [['flannel', 'vxlan'], ['calico', 'vxlan'], ['calico', 'host-gw'], ['cilium', 'vxlan'], ['kindnet', 'host-gw'], ['vpc', 'routed']];


async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-fam-'));
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| cni / overlay | lab up total | network | rules | daemons | api |');
  console.log('|---|---:|---:|---:|---:|---:|');
  try {
    for (const [cni, overlay] of FAMILIES) {
      const config = join(tmp, `${cni}-${overlay}.yaml`);
      writeFileSync(config, familyLabFile(cni as Cni, overlay as Overlay));
      const t: Record<string, number[]> = { total: [] };
      for (let i = 0; i < ups; i++) {
        const r = await labUp({ instance, dir, config });
        t.total.push(r.ms);
        for (const [k, v] of Object.entries(r.phases)) (t[k] ??= []).push(v);
        await labDown({ instance, dir });
      }
      const m = (k: string) => (t[k] ? `${median(t[k]).toFixed(0)} ms` : '–');
      console.log(`| ${cni} / ${overlay} | ${m('total')} (${Math.min(...t.total)}–${Math.max(...t.total)}, ${ups}) | ${m('network')} | ${m('rules')} | ${m('daemons')} | ${m('api')} |`);
    }
  } finally {
    await labDown({ instance, dir });
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
