// The lab's Kubernetes API against the real kubectl and @kubernetes/client-node (issue 4), on a real
// `packetwalk lab up --config` of a small lab file (testkit.ts TEST_LAB). The NetworkPolicy-changes-a-TCP-
// connect check on the default topology is in lab.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createState, readState, updateState } from '../state';
import type { LabState } from '../types';
import { startApiServer, type ApiServerInfo } from './control';
import { childPids, kubectl, kubectlEnv, removeKubectlCache, TEST_LAB } from './testkit';

// A fresh instance per run: two runs of this file at once (two people running the lab project) must not
// tear down each other's lab.
const INST = `ap${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}`;
const DIR = `/run/packetwalk/${INST}`;
let info: ApiServerInfo;
let state: LabState;

const k = (args: string[], input?: string) => kubectl(info.kubeconfig, args, input);
const kv = (args: string[]) => kubectl(info.viewerKubeconfig, args);
const pod = (ns: string, name: string) => state.pods.find((p) => p.namespace === ns && p.name === name)!;
const tokens = () => JSON.parse(readFileSync(`${DIR}/api/tokens.json`, 'utf8')) as { admin: string; viewer: string };

/** One raw HTTPS request to the lab API (with its CA), for what kubectl would never send. */
function raw(method: string, path: string, opts: { token?: string; body?: string; contentType?: string } = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: info.port,
        path,
        method,
        agent: false, // a fresh connection: a pooled one may be closed by the server just as it is reused
        ca: readFileSync(`${DIR}/api/ca.crt`),
        timeout: 5000,
        headers: { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(opts.body);
  });
}

// PACKETWALK_BOOKMARK_MS reaches the daemon through `lab up`: bookmarks every 2 s so the watch test sees some
const env = { ...process.env, PACKETWALK_LAB: INST, PACKETWALK_BOOKMARK_MS: '2000' };
const cli = (args: string[]) => spawnSync('node', ['bin/packetwalk.mjs', ...args], { env, timeout: 90_000, encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'pw-api-test-'));

beforeAll(() => {
  process.env.PACKETWALK_LAB = INST;
  writeFileSync(join(tmp, 'lab.yaml'), TEST_LAB);
  const up = cli(['lab', 'up', '--config', join(tmp, 'lab.yaml')]);
  if (up.status !== 0) throw new Error(`lab up failed (${up.status}): ${up.stderr}`);
  state = readState(DIR)!;
  info = state.api!;
  expect(up.stdout.trim().split('\n').at(-1)).toBe(info.kubeconfig);
});

afterAll(() => {
  const down = cli(['lab', 'down']);
  rmSync(tmp, { recursive: true, force: true });
  removeKubectlCache();
  if (down.status !== 0) throw new Error(`lab down failed: ${down.stderr}`);
});

describe('startApiServer', () => {
  it('records the daemon in state, runs it under the lab-prefixed symlink, keeps keys private', () => {
    expect(readFileSync(`/proc/${info.pid}/cmdline`, 'utf8').split('\0')[0]).toBe(`${DIR}/${INST}-apiserver`);
    for (const f of ['ca.key', 'server.key', 'tokens.json']) expect(statMode(`${DIR}/api/${f}`)).toBe(0o600);
    expect(statMode(info.kubeconfig)).toBe(0o600);
  });
});

const statMode = (p: string) => statSync(p).mode & 0o777;

describe('kubectl get', () => {
  it('nodes -o wide prints the wide columns with the lab node addresses', () => {
    const r = k(['get', 'nodes', '-o', 'wide']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    for (const n of state.nodes) expect(lines.find((l) => l.startsWith(n.name + ' '))).toMatch(new RegExp(`^${n.name}\\s+Ready\\s.*\\s${n.internalIP.replace(/\./g, '\\.')}\\s`));
  });

  it('pods -A -o wide prints the columns of a real API server and each pod on its node with its IP', () => {
    const r = k(['get', 'pods', '-A', '-o', 'wide']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    for (const p of state.pods.filter((x) => x.namespace === 'shop')) {
      const cells = lines.find((l) => l.split(/\s+/)[1] === p.name)!.split(/\s+/);
      expect([cells[0], cells[2], cells[3], cells[6], cells[7]]).toEqual(['shop', '1/1', 'Running', p.ip, p.node]);
    }
  });

  it('svc, endpointslices, networkpolicies and configmaps list what the lab holds', () => {
    const backend = state.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'backend')! as { spec: { clusterIP: string } } & typeof state.objects[0];
    const svc = k(['get', 'svc', '-n', 'shop']);
    expect(svc.stdout).toMatch(new RegExp(`^backend\\s+ClusterIP\\s+${backend.spec.clusterIP.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP`, 'm'));
    const eps = k(['get', 'endpointslices', '-n', 'shop']);
    expect(eps.stdout).toMatch(new RegExp(`^backend-\\S+\\s+IPv4\\s+8080\\s+${pod('shop', 'backend').ip.replace(/\./g, '\\.')}\\s`, 'm'));
    const np = k(['get', 'networkpolicies', '-A']);
    expect(np.code).toBe(0);
    expect(np.stderr).toContain('No resources found');
    const cm = k(['get', 'configmap', '-n', 'kube-system', 'kube-proxy', '-o', 'jsonpath={.data}']);
    expect(cm.stdout).toContain('mode');
    expect(k(['get', 'configmaps', '-A']).stdout).toMatch(/^kube-system\s+kube-proxy\s+\d+\s/m);
  });

  it('a missing object is NotFound as kubectl words it', () => {
    const r = k(['get', 'pod', '-n', 'shop', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it('label and field selectors filter', () => {
    expect(k(['get', 'pods', '-A', '-l', 'app=backend', '-o', 'name']).stdout.trim()).toBe('pod/backend');
    expect(k(['get', 'pods', '-A', '-l', 'app in (frontend,backend)', '-o', 'name']).stdout.trim().split('\n').sort()).toEqual(['pod/backend', 'pod/frontend']);
    const onW2 = k(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=worker-2,metadata.namespace=shop', '-o', 'name']);
    expect(onW2.stdout.trim()).toBe('pod/backend');
  });
});

describe('kubectl describe / exec', () => {
  it('describe pod shows IP, node and an empty event list', () => {
    const r = k(['describe', 'pod', '-n', 'shop', 'frontend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^IP:\\s+${pod('shop', 'frontend').ip.replace(/\./g, '\\.')}$`, 'm'));
    expect(r.stdout).toMatch(/^Node:\s+worker-1\//m);
    expect(r.stdout).toMatch(/^Events:\s+<none>$/m);
  });

  it('exec runs in the pod netns (sees the pod IP) and exit codes come back', () => {
    const r = k(['exec', '-n', 'shop', 'frontend', '--', 'ip', '-br', 'addr']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${pod('shop', 'frontend').ip}/`);
    expect(r.stdout).not.toContain(pod('shop', 'backend').ip);
    const three = k(['exec', '-n', 'shop', 'frontend', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([three.code, three.stdout, three.stderr]).toEqual([3, 'out\n', 'err\ncommand terminated with exit code 3\n']);
    const missing = k(['exec', '-n', 'shop', 'frontend', '--', 'no-such-tool']);
    expect(missing.code).toBe(126);
    expect(missing.stderr).toContain('executable file not found in $PATH');
  });

  it('exec -i passes stdin through and closes it (v5 close signal)', () => {
    const r = k(['exec', '-i', '-n', 'shop', 'backend', '--', 'wc', '-c'], 'x'.repeat(100_000));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('100000');
  });
});

describe('kubectl get --watch', () => {
  it('sees a change written to state.json', async () => {
    const w = spawn('kubectl', ['get', 'pods', '-n', 'shop', '--watch', '--output-watch-events'], { env: kubectlEnv(info.kubeconfig) });
    let out = '';
    w.stdout.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('frontend'), 10_000);
      updateState((s) => {
        const o = s.objects.find((x) => x.kind === 'Pod' && x.metadata.name === 'backend')!;
        o.metadata.labels = { ...o.metadata.labels, touched: 'yes' };
      }, DIR);
      await waitFor(() => /MODIFIED\s+backend\s/.test(out), 10_000);
    } finally {
      w.kill();
    }
    expect(out).toMatch(/^ADDED\s+frontend\s+1\/1\s+Running/m);
    expect(out).toMatch(/^MODIFIED\s+backend\s+1\/1\s+Running/m);
  });
});

describe('kubectl debug', () => {
  it('adds an ephemeral container that runs in the pod netns', async () => {
    const r = k(['debug', '-n', 'shop', 'backend', '--image=busybox', '--target=api', '--profile=general', '--', 'sleep', 'infinity']);
    expect(r.code, r.stderr).toBe(0);
    const name = /Defaulting debug container name to (\S+)\./.exec(r.stdout + r.stderr)![1];
    // The kubelet starts it after the lab's start delay (cluster.api.startDelayMs, default 300 ms).
    const status = () => k(['get', 'pod', '-n', 'shop', 'backend', '-o', `jsonpath={.status.ephemeralContainerStatuses[?(@.name=="${name}")].state.running.startedAt}`]).stdout;
    await waitFor(() => /^\d{4}-\d\d-\d\dT/.test(status()), 10_000);
    const e = k(['exec', '-n', 'shop', 'backend', '-c', name, '--', 'ip', '-br', 'addr']);
    expect(e.stdout).toContain(`${pod('shop', 'backend').ip}/`);
  });

  it('debug -i attaches and runs the debug container command with stdin', () => {
    const r = k(['debug', '-i', '-n', 'shop', 'frontend', '--image=busybox', '--target=web', '--profile=general', '--', 'sh'], 'ip -br addr\n');
    expect(r.stdout).toContain(pod('shop', 'frontend').ip);
  });

  it('debug node/… creates a hostNetwork pod whose exec runs in the node netns; delete removes it and ends its sessions', async () => {
    const r = k(['debug', 'node/worker-2', '--profile=sysadmin', '--image=busybox', '--', 'sleep', 'infinity']);
    expect(r.code, r.stderr).toBe(0);
    const name = /Creating debugging pod (\S+) with container debugger on node worker-2\./.exec(r.stdout + r.stderr)![1];
    const node = state.nodes.find((n) => n.name === 'worker-2')!;
    await waitFor(() => k(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout === 'Running', 10_000);
    const row = k(['get', 'pod', name, '-o', 'wide']).stdout.split('\n')[1].split(/\s+/);
    expect([row[2], row[5], row[6]]).toEqual(['Running', node.internalIP, 'worker-2']);
    const e = k(['exec', name, '--', 'ip', '-br', 'addr']);
    expect(e.stdout).toContain(`${node.internalIP}/`);
    expect(e.stdout).not.toContain(`${pod('shop', 'backend').ip}/`);
    // a session still running in the pod ends with it
    const before = childPids(info.pid).length;
    const running = spawn('kubectl', ['exec', name, '--', 'sleep', '300'], { env: kubectlEnv(info.kubeconfig) });
    const ended = new Promise<number | null>((resolve) => running.on('exit', resolve));
    await waitFor(() => childPids(info.pid).length === before + 1, 5000);
    const d = k(['delete', 'pod', name]);
    expect(d.stdout.trim()).toBe(`pod "${name}" deleted`);
    expect(await ended).not.toBe(0);
    await waitFor(() => childPids(info.pid).length === before, 5000);
    expect(k(['get', 'pod', name]).stderr).toContain('NotFound');
  });

  it('a node debug pod past its activeDeadlineSeconds is Failed (DeadlineExceeded), its container terminated, exec refused', async () => {
    const manifest = (name: string, deadline: number) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default}
spec:
  nodeName: worker-1
  hostNetwork: true
  activeDeadlineSeconds: ${deadline}
  containers: [{name: debugger, image: busybox, command: [sleep, '600']}]
`;
    // --validate=false: the lab's OpenAPI has no schemas, so kubectl's client-side schema check of a Pod cannot run
    const bad = k(['create', '--validate=false', '-f', '-'], manifest('deadline-zero', 0));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive');
    expect(k(['create', '--validate=false', '-f', '-'], manifest('deadline-one', 1)).code).toBe(0);
    try {
      await waitFor(() => k(['get', 'pod', 'deadline-one', '-o', 'jsonpath={.status.phase}']).stdout === 'Running', 10_000);
      expect(k(['exec', 'deadline-one', '--', 'true']).code).toBe(0);
      await waitFor(() => k(['get', 'pod', 'deadline-one', '-o', 'jsonpath={.status.phase}']).stdout === 'Failed', 10_000);
      const st = JSON.parse(k(['get', 'pod', 'deadline-one', '-o', 'json']).stdout).status;
      expect(st).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
      expect(st.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
      expect(k(['get', 'pod', 'deadline-one']).stdout).toMatch(/deadline-one\s+0\/1\s+Error\s/);
      const e = k(['exec', 'deadline-one', '--', 'true']);
      expect(e.code).not.toBe(0);
      expect(e.stderr).toContain('cannot exec into a container in a completed pod; current phase is Failed');
    } finally {
      k(['delete', 'pod', 'deadline-one', '--wait=false']);
    }
  });

  it('refuses a pod that is not a node debug pod, and deleting a lab pod, with a reason', () => {
    const r = k(['run', 'x', '--image=busybox', '-n', 'shop']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Pod "x" is invalid: spec.hostNetwork: the packetwalk lab only runs the pods of its lab file');
    const d = k(['delete', 'pod', '-n', 'shop', 'frontend', '--wait=false']);
    expect(d.stderr).toContain('(MethodNotAllowed)');
  });
});

describe('NetworkPolicy through the API', () => {
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-backend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress]
`;
  it('apply creates, re-apply is unchanged, a change is configured, delete removes, and state holds it', () => {
    expect(k(['apply', '-f', '-'], policy).stdout.trim()).toBe('networkpolicy.networking.k8s.io/deny-backend created');
    expect(readState(DIR)!.objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'deny-backend')).toBe(true);
    expect(k(['apply', '-f', '-'], policy).stdout.trim()).toBe('networkpolicy.networking.k8s.io/deny-backend unchanged');
    expect(k(['apply', '-f', '-'], policy.replace('[Ingress]', '[Ingress, Egress]')).stdout.trim()).toBe('networkpolicy.networking.k8s.io/deny-backend configured');
    expect(k(['get', 'netpol', '-n', 'shop', 'deny-backend', '-o', 'jsonpath={.spec.policyTypes}']).stdout).toBe('["Ingress","Egress"]');
    const bad = k(['apply', '-f', '-'], policy.replace('policyTypes', 'polcyTypes'));
    expect(bad.stderr).toContain('unknown field "spec.polcyTypes"');
    expect(k(['delete', '-f', '-'], policy).stdout.trim()).toBe('networkpolicy.networking.k8s.io "deny-backend" deleted');
    // server-side apply creates, then updates
    expect(k(['apply', '--server-side', '-f', '-'], policy).stdout.trim()).toBe('networkpolicy.networking.k8s.io/deny-backend serverside-applied');
    expect(k(['apply', '--server-side', '-f', '-'], policy.replace('[Ingress]', '[Egress]')).stdout.trim()).toBe('networkpolicy.networking.k8s.io/deny-backend serverside-applied');
    expect(k(['get', 'netpol', '-n', 'shop', 'deny-backend', '-o', 'jsonpath={.spec.policyTypes}']).stdout).toBe('["Egress"]');
    expect(k(['delete', 'netpol', '-n', 'shop', 'deny-backend']).code).toBe(0);
    expect(readState(DIR)!.objects.some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });
});

describe('viewer kubeconfig', () => {
  it('may get/list/watch', () => {
    const r = kv(['get', 'pods', '-A']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^shop\s+frontend\s/m);
    expect(kv(['logs', '-n', 'shop', 'frontend']).code).toBe(0); // pods/log, as the built-in view role allows
  });

  it('kubectl auth can-i answers from the same rules', () => {
    expect(kv(['auth', 'can-i', 'list', 'pods', '-n', 'shop']).stdout.trim()).toBe('yes');
    const no = kv(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'shop']);
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    expect(k(['auth', 'can-i', 'patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop']).stdout.trim()).toBe('yes');
  });

  it('exec, debug and pod creation are Forbidden as a real API server words it', () => {
    const e = kv(['exec', '-n', 'shop', 'frontend', '--', 'true']);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('Error from server (Forbidden): pods "frontend" is forbidden: User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "shop"');
    const d = kv(['debug', '-n', 'shop', 'frontend', '--image=busybox', '--profile=general', '--', 'true']);
    expect(d.stderr).toContain('Error from server (Forbidden): pods "frontend" is forbidden: User "viewer" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"');
    const n = kv(['debug', 'node/worker-1', '--image=busybox', '--profile=sysadmin', '--', 'true']);
    expect(n.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "viewer" cannot create resource "pods" in API group "" in the namespace "default"');
  });
});

describe('errors are Status objects', () => {
  it('no token and a wrong token get 401 Unauthorized', async () => {
    for (const token of [undefined, 'wrong']) {
      const r = await raw('GET', '/api/v1/pods', { token });
      expect(r.code).toBe(401);
      expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
    const kc = kubectl(info.kubeconfig, ['get', 'pods', '--token', 'wrong']);
    expect(kc.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('malformed requests get 400 with the field named; unknown paths 404; unsupported writes 405', async () => {
    const t = tokens().admin;
    const cases: [string, string, string | undefined, number, RegExp][] = [
      ['POST', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies', '{bad', 400, /not valid JSON/],
      ['GET', '/api/v1/pods?labelSelector=a%20in%20(', undefined, 400, /labelSelector/],
      ['GET', '/api/v1/pods?fieldSelector=spec.nodeName', undefined, 400, /fieldSelector/],
      ['GET', '/api/v1/pods?watch=1&resourceVersion=abc', undefined, 400, /resourceVersion/],
      ['POST', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies', '{"metadata":{"name":"x"}}', 422, /spec/],
      ['PATCH', '/api/v1/namespaces/shop/pods/frontend/ephemeralcontainers', '[{"op":"wat"}]', 400, /json patch/],
      ['GET', '/api/v1/nosuch', undefined, 404, /could not find/],
      ['DELETE', '/api/v1/namespaces/shop/services/backend', undefined, 405, /does not support delete/],
    ];
    for (const [method, path, body, code, msg] of cases) {
      const r = await raw(method, path, { token: t, body, contentType: method === 'PATCH' ? 'application/json-patch+json' : undefined });
      expect(r.code, `${method} ${path}: ${r.body}`).toBe(code);
      const st = JSON.parse(r.body);
      expect(st.kind).toBe('Status');
      expect(st.message).toMatch(msg);
    }
    // and the daemon is still there
    expect((await raw('GET', '/version', { token: t })).code).toBe(200);
  });

  it('oversized bodies, garbage on the socket and bad exec upgrades neither hang nor kill the daemon', async () => {
    const t = tokens().admin;
    const big = await raw('POST', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies', { token: t, body: 'x'.repeat(4 * 1024 * 1024) }).catch((e: Error) => ({ code: -1, body: e.message }));
    expect([413, -1]).toContain(big.code); // 413 Status, or the server cut the upload short
    const tls = await import('node:tls');
    const garbage = await new Promise<string>((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port: info.port, ca: readFileSync(`${DIR}/api/ca.crt`) }, () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
      sock.setTimeout(5000, () => sock.destroy());
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const upgrade = (path: string, protocol?: string) =>
      new Promise<{ code: number; body: string }>((resolve) => {
        const req = request({
          host: '127.0.0.1', port: info.port, path, agent: false, ca: readFileSync(`${DIR}/api/ca.crt`),
          headers: { Authorization: `Bearer ${t}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...(protocol ? { 'Sec-WebSocket-Protocol': protocol } : {}) },
        });
        req.on('response', (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: b }));
        });
        req.on('upgrade', (res, sock) => {
          sock.destroy();
          resolve({ code: res.statusCode ?? 101, body: '' });
        });
        req.on('error', (e) => resolve({ code: -1, body: e.message }));
        req.end();
      });
    expect(await upgrade('/api/v1/namespaces/shop/pods/nope/exec?command=true&stdout=true', 'v5.channel.k8s.io')).toMatchObject({ code: 404, body: expect.stringContaining('"reason":"NotFound"') });
    expect(await upgrade('/api/v1/namespaces/shop/pods/frontend/exec?command=true&stdout=true')).toMatchObject({ code: 400, body: expect.stringContaining('no supported stream protocol') });
    expect(await upgrade('/api/v1/namespaces/shop/pods/frontend/exec?stdout=true', 'v5.channel.k8s.io')).toMatchObject({ code: 400, body: expect.stringContaining('at least 1 command') });
    expect(await upgrade('/api/v1/namespaces/shop/pods/frontend/exec?command=true&container=nope', 'v5.channel.k8s.io')).toMatchObject({ code: 400, body: expect.stringContaining('container nope is not valid') });
    expect((await raw('GET', '/version', { token: t })).code).toBe(200);
  });
});

describe('@kubernetes/client-node', () => {
  const kc = () => {
    const c = new k8s.KubeConfig();
    c.loadFromFile(info.kubeconfig);
    return c;
  };

  it('a WatchList request (sendInitialEvents) gets the current objects then the initial-events-end bookmark', async () => {
    const r = await raw('GET', '/api/v1/namespaces/shop/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1', { token: tokens().admin });
    const evs = r.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } });
    expect(evs.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name).sort()).toEqual(['backend', 'frontend']);
    expect(evs.at(-1)).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
  });

  it('lists pods and services', async () => {
    const api = kc().makeApiClient(k8s.CoreV1Api);
    const pods = await api.listPodForAllNamespaces();
    expect(pods.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(expect.arrayContaining(['shop/frontend', 'shop/backend']));
    expect(pods.items.find((p) => p.metadata?.name === 'frontend')!.status?.podIP).toBe(pod('shop', 'frontend').ip);
    expect(Number(pods.metadata?.resourceVersion)).toBeGreaterThan(0);
    const err = await api.readNamespacedPod({ name: 'nope', namespace: 'shop' }).catch((e) => e);
    expect(err).toBeInstanceOf(k8s.ApiException);
    expect((err as k8s.ApiException<unknown>).code).toBe(404);
  });

  it('an informer sees add, update and delete', async () => {
    const c = kc();
    const api = c.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(c, '/api/v1/namespaces/default/pods', () => api.listNamespacedPod({ namespace: 'default' }));
    const seen: string[] = [];
    for (const ev of ['add', 'update', 'delete'] as const) informer.on(ev, (o: k8s.V1Pod) => seen.push(`${ev} ${o.metadata?.name}`));
    await informer.start();
    try {
      await api.createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'inf-debug' }, spec: { nodeName: 'worker-1', hostNetwork: true, containers: [{ name: 'debugger', image: 'busybox' }] } },
      });
      await waitFor(() => seen.includes('add inf-debug'), 5_000);
      updateState((s) => {
        const o = s.objects.find((x) => x.metadata.name === 'inf-debug')!;
        o.metadata.labels = { changed: 'yes' };
      }, DIR);
      await waitFor(() => seen.includes('update inf-debug'), 5_000);
      await api.deleteNamespacedPod({ name: 'inf-debug', namespace: 'default' });
      await waitFor(() => seen.includes('delete inf-debug'), 5_000);
    } finally {
      await informer.stop();
    }
  });

  it('ephemeral containers by strategic merge (as the engine sends) and by JSON patch; changing one is refused', async () => {
    const api = kc().makeApiClient(k8s.CoreV1Api);
    const before = await api.readNamespacedPodEphemeralcontainers({ name: 'frontend', namespace: 'shop' });
    const existing = before.spec?.ephemeralContainers ?? [];
    const smp = await api.patchNamespacedPodEphemeralcontainers(
      { name: 'frontend', namespace: 'shop', body: { spec: { ephemeralContainers: [...existing, { name: 'pw-smp', image: 'netshoot', command: ['sleep', '2147483'], targetContainerName: 'web' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.ephemeralContainers?.map((c) => c.name)).toEqual([...existing.map((c) => c.name), 'pw-smp']);
    // Answered at once as the kubelet has it then: waiting (ContainerCreating), running after the start delay.
    expect(smp.status?.ephemeralContainerStatuses?.find((c) => c.name === 'pw-smp')?.state?.waiting?.reason).toBe('ContainerCreating');
    let running: string | undefined;
    for (let i = 0; i < 100 && !running; i++) {
      await sleep(100);
      running = (await api.readNamespacedPod({ name: 'frontend', namespace: 'shop' })).status?.ephemeralContainerStatuses?.find((c) => c.name === 'pw-smp')?.state?.running?.startedAt?.toString();
    }
    expect(running).toBeTruthy();
    const jp = await api.patchNamespacedPodEphemeralcontainers(
      { name: 'frontend', namespace: 'shop', body: [{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'pw-json', image: 'netshoot' } }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect(jp.spec?.ephemeralContainers?.at(-1)?.name).toBe('pw-json');
    const changed = await api
      .patchNamespacedPodEphemeralcontainers(
        { name: 'frontend', namespace: 'shop', body: [{ op: 'replace', path: `/spec/ephemeralContainers/${existing.length}/image`, value: 'other' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      )
      .catch((e) => e);
    expect((changed as k8s.ApiException<string>).code).toBe(422);
    expect(String((changed as k8s.ApiException<string>).body)).toContain('may not be changed');
  });

  it('Exec reports the exit status through its status callback', async () => {
    const exec = new k8s.Exec(kc());
    const run = (cmd: string[]) =>
      new Promise<{ status: k8s.V1Status; out: string }>((resolve, reject) => {
        const out = new PassThrough();
        let text = '';
        out.on('data', (d) => (text += d));
        exec.exec('shop', 'frontend', 'web', cmd, out, null, null, false, (status) => resolve({ status, out: text })).catch(reject);
      });
    const ok = await run(['ip', '-br', 'addr']);
    expect(ok.status.status).toBe('Success');
    expect(ok.out).toContain(pod('shop', 'frontend').ip);
    const bad = await run(['sh', '-c', 'exit 7']);
    expect(bad.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
  });
});

describe('no leaks', () => {
  const fds = () => readdirSync(`/proc/${info.pid}/fd`).length;

  it('50 concurrent execs leave no processes and no file descriptors behind', async () => {
    const exec = new k8s.Exec((() => {
      const c = new k8s.KubeConfig();
      c.loadFromFile(info.kubeconfig);
      return c;
    })());
    // warm up once so lazily opened fds (the ws server, modules) are in the baseline
    await new Promise((r) => exec.exec('shop', 'frontend', 'web', ['true'], null, null, null, false, r));
    await sleep(500);
    const before = { fds: fds(), children: childPids(info.pid).length };
    const codes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new Promise<string>((resolve, reject) => {
          exec
            .exec('shop', i % 2 ? 'frontend' : 'backend', i % 2 ? 'web' : 'api', ['sh', '-c', `sleep 0.2; exit ${i % 5}`], null, null, null, false, (s) => resolve(s.details?.causes?.[0]?.message ?? '0'))
            .catch(reject);
        }),
      ),
    );
    expect(codes).toEqual(Array.from({ length: 50 }, (_, i) => String(i % 5)));
    await waitFor(() => childPids(info.pid).length === before.children && fds() <= before.fds, 10_000).catch(() => {});
    console.info(`50 execs: daemon fds ${before.fds} → ${fds()}, child processes ${before.children} → ${childPids(info.pid).length}`);
    expect(childPids(info.pid).length).toBe(before.children);
    expect(fds()).toBeLessThanOrEqual(before.fds);
  });

  it('a client that hangs up mid-exec gets its command killed', async () => {
    const c = new k8s.KubeConfig();
    c.loadFromFile(info.kubeconfig);
    const before = childPids(info.pid).length;
    const ws = await new k8s.Exec(c).exec('shop', 'frontend', 'web', ['sleep', '300'], null, null, null, false);
    await waitFor(() => childPids(info.pid).length === before + 1, 5000);
    ws.close();
    await waitFor(() => childPids(info.pid).length === before, 5000);
    expect(childPids(info.pid).length).toBe(before);
  });

  const HOLD_MS = Number(process.env.PW_WATCH_HOLD_MS ?? 150_000);
  it(
    `a watch held open for ${HOLD_MS / 1000} s with changes and bookmarks leaks nothing when it ends`,
    async () => {
      const baseline = fds();
      const childrenBefore = childPids(info.pid);
      const t = tokens().admin;
      let lines: string[] = [];
      const req = request({
        host: '127.0.0.1',
        port: info.port,
        path: `/api/v1/namespaces/shop/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${readState(DIR)!.resourceVersion}`,
        agent: false,
        ca: readFileSync(`${DIR}/api/ca.crt`),
        headers: { Authorization: `Bearer ${t}` },
      });
      const done = new Promise<void>((resolve) => {
        req.on('response', (res) => {
          res.on('data', (d: Buffer) => (lines = lines.concat(d.toString().split('\n').filter(Boolean))));
          res.on('close', resolve);
        });
        req.on('error', () => resolve());
      });
      req.end();
      const start = Date.now();
      let n = 0;
      while (Date.now() - start < HOLD_MS) {
        updateState((s) => {
          const o = s.objects.find((x) => x.kind === 'Pod' && x.metadata.name === 'frontend')!;
          o.metadata.annotations = { ...o.metadata.annotations, tick: String(++n) };
        }, DIR);
        await sleep(5000);
      }
      await waitFor(() => lines.filter((l) => l.includes('"MODIFIED"')).length === n, 10_000);
      const events = lines.map((l) => JSON.parse(l) as { type: string; object: { metadata: { resourceVersion: string } } });
      expect(events.filter((e) => e.type === 'MODIFIED')).toHaveLength(n);
      expect(events.some((e) => e.type === 'BOOKMARK')).toBe(true);
      const rvs = events.filter((e) => e.type === 'MODIFIED').map((e) => Number(e.object.metadata.resourceVersion));
      expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
      req.destroy();
      await done;
      await waitFor(() => fds() <= baseline, 5000).catch(() => {});
      console.info(`watch held ${HOLD_MS / 1000} s: ${n} MODIFIED, ${events.filter((e) => e.type === 'BOOKMARK').length} BOOKMARK; daemon fds ${baseline} → ${fds()}`);
      expect(fds()).toBeLessThanOrEqual(baseline);
      expect(childPids(info.pid)).toEqual(childrenBefore);
    },
    HOLD_MS + 60_000,
  );
});

describe('a daemon whose lab is gone', () => {
  it('exits by itself when state.json disappears (no orphan if a lab dir is removed under it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-api-orphan-'));
    try {
      createState({ version: 1, instance: INST, labDir: dir, createdAt: new Date().toISOString(), cluster: state.cluster, nodes: [], pods: [], faults: [], objects: [], resourceVersion: 0, daemons: {} });
      const orphan = await startApiServer(dir);
      expect(readFileSync(`/proc/${orphan.pid}/cmdline`, 'utf8')).toContain(dir);
      rmSync(join(dir, 'state.json'));
      await waitFor(() => {
        try {
          return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${orphan.pid}/stat`, 'utf8'));
        } catch {
          return true;
        }
      }, 15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(50);
  }
}
