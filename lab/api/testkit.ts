// Test support for lab/api tests: a lab state built by the lab's own object model (lab/spec.ts +
// lab/objects.ts, no dataplane) with real network namespaces for the pods and nodes a test execs into,
// and helpers to run the real kubectl against it. Everything it makes carries the instance prefix and
// is removed by teardown(), failure or not.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { buildLab } from '../objects';
import { parseLabFile } from '../spec';
import { createState } from '../state';
import type { LabState } from '../types';

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

const ip = (args: string[]) => execFileSync('ip', args, { timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Builds state.json for instance `inst` in `dir` and one real netns per lab pod and node (with lo up and the pod's address on lo). */
export function makeObjectLab(inst: string, dir: string): LabState {
  teardownNetns(inst);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const layout = buildLab(parseLabFile(TEST_LAB, 'test lab'), inst);
  const state: LabState = {
    version: 1,
    instance: inst,
    labDir: dir,
    createdAt: new Date().toISOString(),
    cluster: parseLabFile(TEST_LAB).cluster,
    nodes: layout.nodes,
    pods: layout.pods,
    faults: [],
    objects: layout.objects,
    resourceVersion: 0,
    daemons: {},
  };
  const made = new Set<string>();
  for (const ns of [...layout.nodes.map((n) => n.netns), ...layout.pods.map((p) => p.netns)]) {
    if (made.has(ns)) continue;
    made.add(ns);
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  for (const p of layout.pods) if (p.ip && !layout.nodes.some((n) => n.netns === p.netns)) ip(['-n', p.netns, 'addr', 'add', `${p.ip}/32`, 'dev', 'lo']);
  for (const n of layout.nodes) ip(['-n', n.netns, 'addr', 'add', `${n.internalIP}/32`, 'dev', 'lo']);
  return createState(state);
}

export function teardownNetns(inst: string): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    if (name.startsWith(`${inst}-`)) spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
  }
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl (argv, bounded) with KUBECONFIG set. */
export function kubectl(kubeconfig: string, args: string[], input?: string, timeoutMs = 30_000): KubectlResult {
  const r = spawnSync('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, input, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

/** Processes whose parent is `pid` (from /proc), to count what a daemon leaves behind. */
export function childPids(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { timeout: 5000 }).stdout?.toString() ?? '';
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}
