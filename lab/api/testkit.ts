// Test support for lab/api tests: a small lab file (two nodes, a frontend and a backend pod on different
// nodes, a Service) for `packetwalk lab up --config`, and helpers to run the real kubectl against it and
// to count what the API daemon leaves behind.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_LAB = `kind: Lab
cluster:
  nodes: [worker-1, worker-2]
  overlay: vxlan
  kubeProxy: iptables
  networkPolicy: enforce
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/16
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: frontend, namespace: shop, labels: {app: frontend}}
spec:
  nodeName: worker-1
  containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: backend, namespace: shop, labels: {app: backend}}
spec:
  nodeName: worker-2
  containers: [{name: api, image: api, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: shop}
spec:
  selector: {app: backend}
  ports: [{port: 80, targetPort: 8080}]
`;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl's discovery cache for this test process, in /tmp (not ~/.kube/cache); removeKubectlCache() deletes it. */
export const KUBECTL_CACHE = join(tmpdir(), `pw-kubectl-cache-${process.pid}`);
export const removeKubectlCache = () => rmSync(KUBECTL_CACHE, { recursive: true, force: true });

/** The environment for a kubectl run against `kubeconfig`. */
export const kubectlEnv = (kubeconfig: string) => ({ ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: KUBECTL_CACHE });

/** Runs the real kubectl (argv, bounded) with KUBECONFIG set. */
export function kubectl(kubeconfig: string, args: string[], input?: string, timeoutMs = 30_000): KubectlResult {
  const r = spawnSync('kubectl', args, { env: kubectlEnv(kubeconfig), input, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

/** Processes whose parent is `pid`. */
function psChildren(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { timeout: 5000 }).stdout?.toString() ?? '';
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

/**
 * The processes a lab API daemon `pid` runs, to count what it leaves behind: its children and those of its exec
 * commands' starter (lab/api/spawner.mjs, a child of the daemon that is itself not counted).
 */
export function childPids(pid: number): number[] {
  const direct = psChildren(pid);
  const isStarter = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('lab/api/spawner.mjs'));
    } catch {
      return false;
    }
  };
  const starters = direct.filter(isStarter);
  return [...direct.filter((p) => !starters.includes(p)), ...starters.flatMap(psChildren)];
}
