// Helpers for the lab tests: run the plain tools inside a pod's netns, and snapshot what `lab down`
// must leave as it found it (netns list, host links, processes, /etc/netns, /run/netns).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { LabPod, LabState } from '../types';
import type { Cni, Overlay } from '../families';
import { run, type RunResult } from './sh';

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export function podOf(st: LabState, key: string): LabPod {
  const p = st.pods.find((x) => `${x.namespace}/${x.name}` === key);
  if (!p) throw new Error(`no pod ${key}`);
  return p;
}

/** Runs argv in the pod's netns (with its /etc/netns resolv.conf, as `ip netns exec` mounts it). */
export const inPod = (st: LabState, key: string, argv: string[], timeoutMs = 20_000): Promise<RunResult> => run(['ip', 'netns', 'exec', podOf(st, key).netns, ...argv], { timeoutMs });

/** TCP connect from a pod (`nc -z`), true when the handshake completes within `wait` seconds. */
export async function tcpOk(st: LabState, from: string, host: string, port: number, wait = 2): Promise<boolean> {
  return (await inPod(st, from, ['nc', '-z', '-w', String(wait), host, String(port)])).code === 0;
}

/** An HTTP GET through nc from a pod: the response body (our listeners answer with the pod name), or null. */
export async function httpGet(st: LabState, from: string, host: string, port: number, path = '/', wait = 2): Promise<string | null> {
  const r = await run(['ip', 'netns', 'exec', podOf(st, from).netns, 'nc', '-w', String(wait), host, String(port)], { input: `GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`, timeoutMs: (wait + 5) * 1000 });
  if (r.code !== 0 || !r.stdout.startsWith('HTTP/1.1 200')) return null;
  return r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4);
}

/** `ping -M do -s SIZE -c N` from a pod: packets received, and whether any ICMP error came back. */
export async function dfPing(st: LabState, from: string, ip: string, size: number, count = 2): Promise<{ received: number; icmpError: boolean; out: string }> {
  const r = await inPod(st, from, ['ping', '-n', '-M', 'do', '-s', String(size), '-c', String(count), '-W', '1', '-i', '0.3', ip]);
  const received = Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
  return { received, icmpError: /Frag needed|mtu|Message too long|Unreachable/i.test(r.stdout + r.stderr), out: r.stdout + r.stderr };
}

/** dig from a pod: status (NOERROR/NXDOMAIN/…, or 'timeout') and the A answers. */
export async function dig(st: LabState, from: string, name: string, extra: string[] = []): Promise<{ status: string; answers: string[] }> {
  const r = await inPod(st, from, ['dig', '+time=1', '+tries=1', ...extra, name]);
  const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? (/timed out|no servers could be reached/.test(r.stdout + r.stderr) ? 'timeout' : `error: ${r.stdout}${r.stderr}`);
  const answers = r.stdout
    .split('\n')
    .filter((l) => /\sIN\s+A\s/.test(l) && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).pop()!);
  return { status, answers };
}

export interface HostSnapshot {
  netns: string[];
  links: string[];
  procs: string[];
  etcNetns: boolean;
  runNetns: boolean;
}

/** What `lab down` must restore. `mine` limits the netns and processes to one lab's names. */
export async function hostSnapshot(mine: (name: string) => boolean): Promise<HostSnapshot> {
  const netns = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n && mine(n)).sort();
  const links = (JSON.parse((await run(['ip', '-j', 'link'])).stdout) as { ifindex: number; ifname: string; mtu: number; flags: string[] }[]).map((l) => `${l.ifindex} ${l.ifname} mtu ${l.mtu} ${l.flags.join(',')}`).sort();
  const procs: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue; // exited, waiting for PID 1 to reap it
      const argv0 = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0')[0];
      if (argv0 && mine(argv0.split('/').pop()!)) procs.push(`${e} ${argv0}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return { netns, links, procs: procs.sort(), etcNetns: existsSync('/etc/netns'), runNetns: existsSync('/run/netns') };
}

/**
 * The two-node lab the family tests and bench/families.ts build for each dataplane family: a client and a
 * same-node Service on worker-1, a cross-node Service and a policy-protected db on worker-2.
 */
export const familyLabFile = (cni: Cni, overlay: Overlay): string => `kind: Lab
cluster: {nodes: [worker-1, worker-2], cni: ${cni}, overlay: ${overlay}, kubeProxy: iptables, networkPolicy: enforce}
---
{apiVersion: v1, kind: Namespace, metadata: {name: shop}}
---
{apiVersion: v1, kind: Pod, metadata: {name: client-0, namespace: shop, labels: {app: client}}, spec: {nodeName: worker-1, containers: [{name: c, image: client:1}]}}
---
{apiVersion: v1, kind: Pod, metadata: {name: web-0, namespace: shop, labels: {app: web}}, spec: {nodeName: worker-2, containers: [{name: w, image: web:1, ports: [{containerPort: 8080}]}]}}
---
{apiVersion: v1, kind: Pod, metadata: {name: near-0, namespace: shop, labels: {app: near}}, spec: {nodeName: worker-1, containers: [{name: n, image: web:1, ports: [{containerPort: 8080}]}]}}
---
{apiVersion: v1, kind: Pod, metadata: {name: db-0, namespace: shop, labels: {app: db}}, spec: {nodeName: worker-2, containers: [{name: d, image: db:1, ports: [{containerPort: 5432}]}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: near, namespace: shop}, spec: {selector: {app: near}, ports: [{port: 80, targetPort: 8080}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-only-web, namespace: shop}
spec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}
`;
