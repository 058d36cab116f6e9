// Captures lib/verdict's unit-test fixtures from a real lab: the API objects the engine read and the
// Diagnosis it produced (every probe's argv, stdout, stderr, exit code). Not part of the product.
// Usage (root, a lab up, the fault already added): npx tsx test/lab/diagnoseCapture.ts KUBECONFIG NAME FROM TO [FAULT]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose } from '../../server/diagnose';
import { loadCluster } from '../../server/cluster/kubeconfig';
import { readSnapshot } from '../../server/cluster/snapshot';

const [kubeconfig, name, from, to, fault] = process.argv.slice(2);
const cl = loadCluster({ kubeconfig });
const snapshot = await readSnapshot(cl.kc, cl.context);
const diagnosis = await diagnose({ from, to }, { kubeconfig });
const header = {
  command: `packetwalk diagnose --from ${from} --to ${to} (lab${fault ? `, fault ${fault}` : ''})`,
  version: `${execFileSync('ip', ['-V'], { encoding: 'utf8' }).trim()}; ${execFileSync('iptables', ['-V'], { encoding: 'utf8' }).trim()}`,
  captured: new Date().toISOString(),
};
writeFileSync(join(import.meta.dirname, '..', '..', 'lib', 'verdict', 'fixtures', `${name}.json`), JSON.stringify({ header, snapshot, diagnosis }, null, 1) + '\n');
console.log(name, diagnosis.verdict, diagnosis.firstFailure?.cause ?? '-');
