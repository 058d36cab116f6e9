// The lab API on a real `packetwalk lab up` (default topology, real dataplane): a NetworkPolicy applied
// with kubectl changes what a TCP connect does, exec sees the pod's own resolv.conf and cluster DNS,
// WATCH follows policy changes, and `lab down` stops the API daemon with the rest.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readState } from '../state';
import type { LabState } from '../types';
import { kubectl, kubectlEnv, removeKubectlCache } from './testkit';

// A fresh instance per run: two runs of this file at once (two people running the lab project) must not
// tear down each other's lab.
const INST = `ap${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}`;
const DIR = `/run/packetwalk/${INST}`;
const env = { ...process.env, PACKETWALK_LAB: INST };
let state: LabState;
let kubeconfig: string;

const cli = (args: string[]) => spawnSync('node', ['bin/packetwalk.mjs', ...args], { env, timeout: 90_000, encoding: 'utf8' });
const k = (args: string[], input?: string) => kubectl(kubeconfig, args, input);
const ipOf = (ns: string, name: string) => state.pods.find((p) => p.namespace === ns && p.name === name)!.ip;

beforeAll(() => {
  cli(['lab', 'down']);
  const up = cli(['lab', 'up']);
  if (up.status !== 0) throw new Error(`lab up failed (${up.status}): ${up.stderr}`);
  kubeconfig = up.stdout.trim().split('\n').at(-1)!;
  state = readState(DIR)!;
});

afterAll(() => {
  cli(['lab', 'down']);
  removeKubectlCache();
});

describe('lab API on a real lab', () => {
  it('lab up prints the kubeconfig the API daemon serves', () => {
    expect(kubeconfig).toBe(`${DIR}/kubeconfig`);
    expect(state.api?.kubeconfig).toBe(kubeconfig);
    const r = k(['get', 'pods', '-n', 'shop', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBeGreaterThan(1);
  });

  it('exec sees the pod resolv.conf and resolves a Service through the lab DNS', () => {
    const resolv = k(['exec', '-n', 'shop', 'frontend-0', '--', 'cat', '/etc/resolv.conf']);
    expect(resolv.stdout).toContain('search shop.svc.cluster.local svc.cluster.local cluster.local');
    const svc = state.objects.find((o) => o.kind === 'Service' && o.metadata.namespace === 'shop' && o.metadata.name === 'backend') as unknown as { spec: { clusterIP: string } };
    const host = k(['exec', '-n', 'shop', 'frontend-0', '--', 'getent', 'hosts', 'backend']);
    expect(host.stdout).toMatch(new RegExp(`^${svc.spec.clusterIP.replace(/\./g, '\\.')}\\s+backend\\.shop\\.svc\\.cluster\\.local`));
  });

  it('kubectl apply of a deny policy blocks the TCP connect, kubectl delete heals it, and a watch sees both', async () => {
    const target = ipOf('shop', 'backend-0');
    const connect = () => k(['exec', '-n', 'shop', 'frontend-0', '--', 'nc', '-z', '-w', '2', target, '8080']).code;
    const w = spawn('kubectl', ['get', 'networkpolicies', '-n', 'shop', '--watch', '--output-watch-events'], { env: kubectlEnv(kubeconfig) });
    let watched = '';
    w.stdout.on('data', (d) => (watched += d));
    const deny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-backend-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress]
`;
    try {
      expect(connect()).toBe(0);
      expect(k(['apply', '-f', '-'], deny).stdout.trim()).toBe('networkpolicy.networking.k8s.io/deny-backend-ingress created');
      expect(connect()).toBe(1);
      expect(k(['delete', '-f', '-'], deny).code).toBe(0);
      expect(connect()).toBe(0);
      const deadline = Date.now() + 10_000;
      while (!/DELETED\s+deny-backend-ingress/.test(watched) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      w.kill();
    }
    expect(watched).toMatch(/ADDED\s+deny-backend-ingress\s+app=backend/);
    expect(watched).toMatch(/DELETED\s+deny-backend-ingress\s+app=backend/);
  });

  it('lab down stops the API daemon', () => {
    const pid = state.api!.pid;
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(cli(['lab', 'down']).status).toBe(0);
    const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
    expect(stat === '' || stat.startsWith('Z')).toBe(true);
    expect(k(['get', 'pods']).code).not.toBe(0);
  });
});
