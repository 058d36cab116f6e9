// The lab API server frozen (SIGSTOP) mid-diagnosis: the deadline is an exit, not a hang (server/cluster/deadline.ts,
// bin/run.mjs). The CLI exits 2 at the deadline plus the bounded cleanup, naming what it could not delete.
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useLab } from './diagnoseLab';

const lab = useLab('fz', 'mesh-vxlan-iptables.yaml');
const ROOT = join(import.meta.dirname, '..', '..');

describe('API server frozen mid-diagnosis', () => {
  it('diagnose exits 2 with the deadline sentence within the deadline + a few seconds', async () => {
    const apiPid = (JSON.parse(readFileSync(join(lab.kubeconfig, '..', 'state.json'), 'utf8')) as { api: { pid: number } }).api.pid;
    const kubectl = (args: string[]) => new Promise<string>((resolve) => execFile('kubectl', ['--kubeconfig', lab.kubeconfig, ...args], { timeout: 30_000 }, (_e, out) => resolve(String(out))));
    const nodePods = () => kubectl(['get', 'pods', '-A', '-l', 'app.kubernetes.io/managed-by=packetwalk,packetwalk.dev/role=node-debug', '-o', 'name']);
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'packetwalk.mjs'), 'diagnose', '--from', 'shop/frontend-0', '--to', 'postgres.db:5432', '--kubeconfig', lab.kubeconfig], { env: { ...process.env, NO_COLOR: '1', PACKETWALK_DIAGNOSIS_DEADLINE_MS: '6000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // frozen once the run has made a node debug pod (it is then starting or probing)
      const end = Date.now() + 20_000;
      while (!(await nodePods()).trim() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      process.kill(apiPid, 'SIGSTOP');
      const code = await Promise.race([exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 30_000))]);
      expect(code).toBe(2);
      // deadline 6 s from the run's start, 4 s of cleanup, 0.5 s to leave, start-up (the sources through tsx when the bundle is stale)
      expect(Date.now() - t0).toBeLessThan(18_000);
      expect(stderr).toMatch(/the diagnosis did not finish within 6 s/);
      expect(stderr).toMatch(/could not be deleted in time: kubectl delete pods -n \S+ packetwalk-node-/);
    } finally {
      process.kill(apiPid, 'SIGCONT');
      if (child.exitCode === null) child.kill('SIGKILL');
      await kubectl(['delete', 'pods', '-A', '-l', 'app.kubernetes.io/managed-by=packetwalk', '--wait=false']);
    }
  }, 60_000);
});
