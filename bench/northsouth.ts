// Wall time of north-south and egress diagnoses on the lab (figures for BENCHMARKS.md, not a test): the real
// engine through the lab's Kubernetes API on test/contract/edge-ours.yaml — an outside client to a
// LoadBalancer, a NodePort that externalTrafficPolicy Local drops, a pod to a name outside the cluster (healthy
// and with masquerade-missing), and a node to a Service. Prints the median of --runs per case.
// Usage: npx tsx bench/northsouth.ts [--runs 7]   (builds its own lab, instance "nsb", and removes it)
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../server/diagnose';
import { benchLab, median, numberFlag, ROOT } from './harness';

const runs = numberFlag('runs', 7);
const lab = benchLab('nsb');
const CASES: { name: string; from: string; to: string; fault?: string; want: string }[] = [
  { name: 'outside → LoadBalancer (Cluster)', from: 'outside', to: '198.51.100.130:80', want: 'reachable' },
  { name: 'outside → NodePort, Local, no local endpoint', from: 'outside', to: 'node/node-b:31081', want: 'unreachable' },
  { name: 'pod → external name', from: 'web/client-0', to: 'api.partner.example:443', want: 'reachable' },
  { name: 'pod → external name, masquerade-missing', from: 'web/client-0', to: 'api.partner.example:443', fault: 'masquerade-missing:node=node-b', want: 'unreachable' },
  { name: 'node → Service name', from: 'node/node-b', to: 'site.web:80', want: 'reachable' },
];

const kubeconfig = lab.up(join(ROOT, 'test', 'contract', 'edge-ours.yaml'));
try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()[0].toFixed(2)}; ${runs} runs per case (first run warms the footholds)`);
  for (const c of CASES) {
    if (c.fault) lab.run(['fault', 'add', c.fault]);
    try {
      const ms: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        const d = await diagnose({ from: c.from, to: c.to }, { kubeconfig });
        if (d.verdict !== c.want) throw new Error(`${c.name}: got ${d.verdict}, want ${c.want}`);
        if (i > 0) ms.push(performance.now() - t0);
      }
      console.log(`${c.name.padEnd(48)} median ${Math.round(median(ms))} ms  (min ${Math.round(Math.min(...ms))}, max ${Math.round(Math.max(...ms))})`);
    } finally {
      if (c.fault) lab.run(['fault', 'clear']);
    }
  }
} finally {
  lab.run(['down']);
}
