// The first failure's reproduce line runs the failing step itself — on the pod or node the failure is about, to the
// address and port it names — and running it there shows the failure (lib/verdict/reproduce.ts firstFailureShown).
// The default lab (lab/default.yaml): frontend-0 and backend-1 on worker-1, frontend-1 and backend-0 on worker-2.
// A fresh lab instance of its own; each evidence's argv is run again in the netns its `where` names (what
// `kubectl debug` runs there on the lab).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeNetns, podNetns } from '../../lab/objects';
import { firstFailureShown } from '../../lib/verdict/reproduce';
import type { Diagnosis, Evidence } from '../../lib/model';
import { outcome, useLab, type CliResult, type Lab } from './diagnoseLab';

const lab = useLab('rp', '../../../lab/default.yaml');

/** The evidence's argv again, where it ran: `pod NS/NAME` or `node NAME`. */
function rerun(l: Lab, e: Evidence): Promise<CliResult> {
  const pod = /^pod ([^/\s]+)\/(\S+)$/.exec(e.where);
  const node = /^node (\S+)$/.exec(e.where);
  const netns = pod ? podNetns(l.instance, pod[1], pod[2]) : node ? nodeNetns(l.instance, node[1]) : undefined;
  if (!netns) throw new Error(`no netns for ${e.where}`);
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', netns, ...e.command], { timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    p.stdout.on('data', (b: Buffer) => (out.stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
    p.on('error', (err) => resolve({ code: 1, stdout: out.stdout, stderr: `${out.stderr}${err.message}` }));
    p.on('close', (code) => resolve({ code: code ?? 1, ...out }));
  });
}
const ip = (d: Diagnosis, ns: string, name: string) => d.hops.flatMap((h) => h.evidence).find((e) => e.probe === 'addr' && e.where === `pod ${ns}/${name}`)?.finding.match(/(\d+\.\d+\.\d+\.\d+)\//)?.[1];

describe('the reproduce line is the failing step, and running it shows the failure', () => {
  it('bridge-nf-off on worker-2, frontend-1 → backend.shop:80: worker-2\'s sysctl (0), never the healthy backend-1 on worker-1', async () => {
    await lab.withFault('bridge-nf-off:node=worker-2', async () => {
      const d = await lab.diagnose('shop/frontend-1', 'backend.shop:80');
      expect(outcome(d)).toMatch(/^(unreachable|degraded)\/bridge-netfilter@src-node$/);
      const e = firstFailureShown(d).reproduce!;
      expect(e.reproduce).toMatch(/^kubectl debug node\/worker-2 .* -- sysctl net\.bridge\.bridge-nf-call-iptables$/);
      const healthy = ip(d, 'shop', 'backend-1');
      expect(healthy).toMatch(/^10\.244\./);
      expect(e.reproduce).not.toContain(healthy!);
      const r = await rerun(lab, e);
      expect(r.stdout).toMatch(/^net\.bridge\.bridge-nf-call-iptables = 0$/m);
      expect(d.firstFailure!.nextStep).toMatch(/^On worker-2, /);
    });
  }, 180_000);

  it('pod-default-route-missing on frontend-0, frontend-0 → backend.shop:80: the connect to the VIP it has no route to, which fails "Network is unreachable"', async () => {
    await lab.withFault('pod-default-route-missing:pod=shop/frontend-0', async () => {
      const d = await lab.diagnose('shop/frontend-0', 'backend.shop:80');
      expect(outcome(d)).toBe('unreachable/pod-network@src-pod');
      const vip = String(d.hops.find((h) => h.id === 'service')!.details!.vip);
      const e = firstFailureShown(d).reproduce!;
      expect(e.where).toBe('pod shop/frontend-0');
      expect(`${e.command.at(-2)}:${e.command.at(-1)}`).toBe(vip);
      expect(d.firstFailure!.reason).toContain(`no route to ${vip.split(':')[0]}`);
      const r = await rerun(lab, e);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Network is unreachable/);
    });
  }, 180_000);

  it('pod-default-route-missing on backend-0, frontend-0 → pod:shop/backend-0:8080: the connect to backend-0, which gets no answer', async () => {
    await lab.withFault('pod-default-route-missing:pod=shop/backend-0', async () => {
      const d = await lab.diagnose('shop/frontend-0', 'pod:shop/backend-0:8080');
      expect(outcome(d)).toBe('unreachable/pod-network@dst-pod');
      const e = firstFailureShown(d).reproduce!;
      expect(e.where).toBe('pod shop/frontend-0');
      expect(e.command.slice(-2)).toEqual([ip(d, 'shop', 'backend-0'), '8080']);
      const r = await rerun(lab, e);
      expect(r.code).not.toBe(0);
      expect(d.firstFailure!.nextStep).toMatch(/^Check shop\/backend-0's sandbox on worker-2: /);
    });
  }, 180_000);
});
