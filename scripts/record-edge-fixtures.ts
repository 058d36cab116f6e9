// Records lab diagnoses for the north-south/egress judge tests: the API objects the engine planned from and
// the Diagnosis with every probe's output, as lib/verdict/replay.ts reads them.
// usage (the edge-ours lab up as PACKETWALK_LAB=dir; PACKETWALK_LAB_FILE names another lab file for the header):
//   npx tsx scripts/record-edge-fixtures.ts /run/packetwalk/dir/kubeconfig NAME FROM TO [FAULT]
// writes lib/verdict/fixtures/edge/NAME.json (PACKETWALK_FIXTURE_DIR=hostnet: lib/verdict/fixtures/hostnet/NAME.json)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadCluster } from '../server/cluster/kubeconfig';
import { readSnapshot } from '../server/cluster/snapshot';
import { diagnose } from '../server/diagnose';

const [kubeconfig, name, from, to, fault] = process.argv.slice(2);
const cli = (...a: string[]) => execFileSync('npx', ['--no-install', 'packetwalk', ...a], { stdio: 'pipe' });
if (fault) cli('lab', 'fault', 'add', fault);
try {
  const cl = loadCluster({ kubeconfig });
  const snapshot = await readSnapshot(cl.kc, cl.context, cl.server);
  const diagnosis = await diagnose({ from, to }, { kubeconfig });
  const version = `${execFileSync('ip', ['-V']).toString().trim()}; ${execFileSync('nc', ['-h'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n')[0] || 'OpenBSD netcat'}; ${execFileSync('conntrack', ['--version']).toString().trim()}`;
  const header = { command: `packetwalk diagnose --from ${from} --to ${to} (lab ${process.env.PACKETWALK_LAB_FILE ?? 'test/contract/edge-ours.yaml'}${fault ? `, fault ${fault}` : ''})`, version, captured: new Date().toISOString() };
  writeFileSync(new URL(`../lib/verdict/fixtures/${process.env.PACKETWALK_FIXTURE_DIR ?? 'edge'}/${name}.json`, import.meta.url), `${JSON.stringify({ header, snapshot, diagnosis }, null, 1)}\n`);
  console.log(name, diagnosis.verdict, diagnosis.firstFailure?.cause ?? '-');
} finally {
  if (fault) cli('lab', 'fault', 'clear');
}
