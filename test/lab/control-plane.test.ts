// The engine and the lab API against a real API server's manners (DESIGN §3.3, §5), one lab for the file
// (test/lab/fixtures/control-plane.yaml): debug containers start after 500 ms, every answer is 25 ms late,
// a namespace-scoped viewer, a restricted and a baseline namespace, 10k API-only Services × 3 endpoints and
// 10k pods beside the real ones. Real kubectl, a Python-style HTTP watch and the real engine; no mocks.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useLab, outcome, failingHops } from './diagnoseLab';
import { diagnose } from '../../server/diagnose';
import { runMatrix } from '../../server/matrix';
import { loadCluster } from '../../server/cluster/kubeconfig';
import { readSnapshot } from '../../server/cluster/snapshot';
import { kubectl } from '../../lab/api/testkit';

const lab = useLab('cp', 'control-plane.yaml');
const dir = () => join(lab.kubeconfig, '..');
const nsViewer = () => join(dir(), 'ns-viewer.kubeconfig');

/** An HTTPS request to the lab API with the admin token, the way a plain client (or Python's urllib) sends it. */
function python(script: string): { code: number; out: string; err: string } {
  const api = JSON.parse(readFileSync(join(dir(), 'state.json'), 'utf8')).api as { port: number };
  const token = JSON.parse(readFileSync(join(dir(), 'api', 'tokens.json'), 'utf8')).admin as string;
  const pre = `import json, ssl, sys, time, urllib.request, urllib.error
ctx = ssl.create_default_context(cafile=${JSON.stringify(join(dir(), 'api', 'ca.crt'))})
BASE = "https://127.0.0.1:${api.port}"
def req(path):
    return urllib.request.urlopen(urllib.request.Request(BASE + path, headers={"Authorization": "Bearer ${token}"}), context=ctx, timeout=20)
`;
  const r = spawnSync('python3', ['-c', pre + script], { timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('the lab API has a real server\'s manners', () => {
  it('watch=True (the Python client\'s spelling) streams events instead of answering a list', () => {
    const r = python(`with req("/api/v1/namespaces/shop/pods?watch=True&timeoutSeconds=2") as resp:
    lines = [json.loads(l) for l in resp.read().decode().splitlines() if l.strip()]
print(json.dumps([[e["type"], e["object"]["metadata"]["name"]] for e in lines]))
`);
    expect(r.err).toBe('');
    const events = JSON.parse(r.out) as [string, string][];
    expect(events.map((e) => e[0])).toEqual(events.map(() => 'ADDED'));
    expect(events.map((e) => e[1]).sort()).toEqual(['backend', 'frontend', 'meshed', 'silent']);
  });

  it('a boolean Go cannot parse is a 400 in strconv.ParseBool\'s words', () => {
    const r = python(`try:
    req("/api/v1/pods?watch=yes")
except urllib.error.HTTPError as e:
    print(e.code, json.loads(e.read())["message"])
`);
    expect(r.out.trim()).toBe('400 strconv.ParseBool: parsing "yes": invalid syntax');
  });

  it('LIST pages with limit/continue over 10k pods, and kubectl --chunk-size reads them all', () => {
    const r = python(`names, cont, pages, t0 = [], "", 0, time.time()
while True:
    with req("/api/v1/pods?limit=3000" + ("&continue=" + cont if cont else "")) as resp:
        body = json.loads(resp.read())
    pages += 1
    names += [p["metadata"]["namespace"] + "/" + p["metadata"]["name"] for p in body["items"]]
    cont = body["metadata"].get("continue", "")
    if not cont: break
with req("/api/v1/pods") as resp:
    whole = [p["metadata"]["namespace"] + "/" + p["metadata"]["name"] for p in json.loads(resp.read())["items"]]
with req("/version") as resp:
    t1 = time.time(); resp.read(); lat = time.time() - t1
t2 = time.time(); req("/version").read(); lat = time.time() - t2
print(json.dumps({"pages": pages, "n": len(names), "same": names == whole, "unique": len(set(names)), "latency": lat}))
`);
    expect(r.err).toBe('');
    const o = JSON.parse(r.out) as { pages: number; n: number; same: boolean; unique: number; latency: number };
    expect(o.n).toBeGreaterThan(10_000);
    expect(o.pages).toBe(Math.ceil(o.n / 3000));
    expect(o.same).toBe(true);
    expect(o.unique).toBe(o.n);
    expect(o.latency).toBeGreaterThanOrEqual(0.025); // cluster.api.latencyMs: 25
    const k = kubectl(lab.kubeconfig, ['get', 'pods', '-A', '--chunk-size=4000', '--no-headers']);
    expect(k.code).toBe(0);
    expect(k.stdout.trim().split('\n')).toHaveLength(o.n);
  });

  it('ns-viewer reads its namespace only, refused elsewhere in the RBAC authorizer\'s words', () => {
    expect(kubectl(nsViewer(), ['get', 'pods', '-o', 'name']).stdout.split('\n').filter(Boolean).sort()).toEqual(['pod/backend', 'pod/frontend', 'pod/meshed', 'pod/silent']);
    expect(kubectl(nsViewer(), ['get', 'pods', '-A']).stderr).toContain('pods is forbidden: User "ns-viewer" cannot list resource "pods" in API group "" at the cluster scope');
    expect(kubectl(nsViewer(), ['get', 'services', '-n', 'kube-system']).stderr).toContain('services is forbidden: User "ns-viewer" cannot list resource "services" in API group "" in the namespace "kube-system"');
  });

  it('Pod Security enforce refuses kubectl debug\'s unhardened container in a restricted namespace, as the API server words it', () => {
    const r = kubectl(lab.kubeconfig, ['debug', '-n', 'locked', 'web', '--image=busybox', '--container=probe', '--', 'sleep', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "probe" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "probe" must set securityContext.capabilities.drop=["ALL"])');
  });
});

describe('the engine copes', () => {
  it('a diagnosis through start delays, latency and 10k Services is right, and reads only what it needs', async () => {
    const d = await lab.diagnose('shop/frontend', 'backend:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(failingHops(d)).toEqual([]);
    expect(d.depth).toBe('live');
    const cl = loadCluster({ kubeconfig: lab.kubeconfig });
    const snap = await readSnapshot(cl.kc, cl.context, cl.server, { from: { namespace: 'shop', name: 'frontend' }, target: { kind: 'name', name: 'backend', port: 80, text: 'backend:80' } });
    expect(snap.services.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`).sort()).toEqual(['kube-system/coredns', 'shop/backend']);
    expect(snap.pods.length).toBeLessThan(20);
  });

  it('a debug image that never pulls is image-pull within 30 s, and the next run with a good image works from the same pod', async () => {
    const t0 = Date.now();
    const bad = await diagnose({ from: 'base/box', to: 'pod:shop/backend:8080' }, { kubeconfig: lab.kubeconfig, image: 'nicolaka/netshoot:missing' });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(bad.verdict).toBe('undetermined');
    expect(bad.firstFailure?.cause).toBe('image-pull');
    expect(bad.firstFailure?.reason).toMatch(/ErrImagePull: failed to pull and unpack image "docker.io\/nicolaka\/netshoot:missing"/);
    expect(failingHops(bad)).toEqual([]);
    const good = await lab.diagnose('base/box', 'pod:shop/backend:8080');
    expect(outcome(good)).toBe('reachable/-@-');
    const pod = await loadCluster({ kubeconfig: lab.kubeconfig }).kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: 'base', name: 'box' });
    const states = (pod.status?.ephemeralContainerStatuses ?? []).map((s) => `${s.name} ${s.image} ${s.state?.running ? 'running' : s.state?.waiting?.reason}`);
    expect(states).toEqual(['packetwalk-debug nicolaka/netshoot:missing ImagePullBackOff', 'packetwalk-debug-2 nicolaka/netshoot running']);
    // Another image asked for later: the running container is reused (DESIGN §5), and the pod's reproduce lines name the
    // image it runs, not the one asked for (a tester's finding: they said --image=<asked>, which that pod never ran)
    const other = await diagnose({ from: 'base/box', to: 'pod:shop/backend:8080' }, { kubeconfig: lab.kubeconfig, image: 'nicolaka/netshoot:v0.13' });
    const boxLines = other.hops.flatMap((h) => h.evidence).filter((e) => e.where === 'pod base/box').map((e) => e.reproduce);
    expect(boxLines.length).toBeGreaterThan(0);
    for (const line of boxLines) expect(line).toContain('--image=nicolaka/netshoot ');
  });

  it('a restricted namespace gets a compliant probe container, and the path is proven', async () => {
    const d = await lab.diagnose('locked/client', 'web:80');
    expect(outcome(d)).toBe('reachable/-@-');
    const pod = await loadCluster({ kubeconfig: lab.kubeconfig }).kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: 'locked', name: 'client' });
    const ours = pod.spec?.ephemeralContainers?.find((c) => c.name.startsWith('packetwalk-debug'));
    expect(ours?.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    // The probes ran as uid 65534 with no_new_privs (the lab runs the container's user): ip, dig and nc work;
    // tcpdump has no permission, and its capture point says "not captured" instead of failing a hop.
    const ev = d.hops.flatMap((h) => h.evidence).filter((e) => e.where === 'pod locked/client');
    expect(ev.some((e) => e.probe === 'dig' && e.exitCode === 0)).toBe(true);
    expect(ev.some((e) => e.probe === 'route-get' && e.exitCode === 0)).toBe(true);
    expect(ev.some((e) => e.probe === 'tcp-connect' && e.exitCode === 0)).toBe(true);
  });

  it('node debug pods refused by Pod Security are admission-denied in the server\'s words, never a false fail', async () => {
    const d = await diagnose({ from: 'shop/frontend', to: 'backend:80' }, { kubeconfig: lab.kubeconfig, debugNamespace: 'base' });
    expect(failingHops(d)).toEqual([]);
    expect(d.verdict).toBe('reachable'); // the pod's own connect proves the path; the node hops could not be probed
    const nodeHop = d.hops.find((h) => h.id === 'src-node')!;
    expect(nodeHop.status).toBe('skip');
    expect(nodeHop.summary).toMatch(/violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true, hostPID=true\), privileged \(container "debugger" must not set securityContext.privileged=true\)/);
  });

  it('ns-viewer reaches config depth with the object-level cause, and says what it could not read', async () => {
    const broken = await diagnose({ from: 'shop/frontend', to: 'nobody:80' }, { kubeconfig: nsViewer() });
    expect(broken.depth).toBe('config');
    expect(outcome(broken)).toBe('unreachable/no-endpoints@service');
    const fine = await diagnose({ from: 'shop/frontend', to: 'backend:80' }, { kubeconfig: nsViewer() });
    expect(fine.depth).toBe('config');
    expect(fine.verdict).toBe('undetermined');
    expect(failingHops(fine)).toEqual([]);
    expect(fine.summary).toMatch(/not read: user ns-viewer may not list pods in kube-system/);
    // a Service in a namespace it may not read: unknown — not walked out of the cluster, not "no fault"
    const hidden = await diagnose({ from: 'shop/frontend', to: 'web.locked:80' }, { kubeconfig: nsViewer() });
    expect(hidden.verdict).toBe('undetermined');
    expect(hidden.hops.map((h) => h.id)).not.toContain('external');
    expect(hidden.summary).toMatch(/^"web\.locked" may be Service locked\/web, which this user may not read/);
    // the summary names four refused reads; the JSON carries all of them
    expect(hidden.notRead?.length).toBeGreaterThan(4);
    expect(hidden.notRead).toContain('user ns-viewer may not get services in locked (context lab): needs get on services in locked');
  });

  it('the matrix reads its namespaces only: ns-viewer gets shop\'s predictions, a namespace it may not read is the RBAC sentence', async () => {
    const m = await runMatrix({ namespaces: ['shop'], kubeconfig: nsViewer() });
    expect(m.depth).toBe('config');
    expect(m.sources).toContain('shop/frontend');
    expect(m.targets.map((t) => t.id)).toContain('svc:shop/backend:80');
    expect(m.cells.length).toBe(m.sources.length * m.targets.length);
    for (const c of m.cells) {
      // shop has no NetworkPolicy: every cell is allowed but those to a Service without endpoints
      if (c.to.startsWith('svc:shop/nobody:')) expect(c.reason).toMatch(/has no ready endpoints/);
      else expect([c.to, c.predicted]).toEqual([c.to, 'allow']);
      // no debug container yet: it may not add one (for the meshed pod, the one running as the sidecar's uid, as
      // diagnose does); one an earlier test added: it may not exec into it
      expect(c.detail).toMatch(/cannot add a debug container (running as uid \d+ )?to shop\/\w+ \(needs patch on pods\/ephemeralcontainers|may not create pods\/exec in shop/);
    }
    expect(m.notes.join('\n')).toMatch(/namespace shop is known by its kubernetes\.io\/metadata\.name label only/);
    await expect(runMatrix({ namespaces: ['shop', 'base'], kubeconfig: nsViewer() })).rejects.toThrow(/user ns-viewer may not list \w+ in base/);
    await expect(runMatrix({ namespaces: ['nope'], kubeconfig: lab.kubeconfig })).rejects.toThrow(/namespaces: nope not found in context \S+; the cluster has .*\bshop\b/);
    const live = await runMatrix({ namespaces: ['shop'], kubeconfig: lab.kubeconfig, image: 'nicolaka/netshoot' });
    expect(live.depth).toBe('live');
    expect(live.notes.join('\n')).not.toMatch(/metadata\.name label only/);
    expect(live.cells.find((c) => c.from === 'shop/frontend' && c.to === 'svc:shop/backend:80')).toMatchObject({ predicted: 'allow', observed: 'open', agree: true });
  });

  it('a meshed pod: the sidecar accepts every connect, the engine connects as uid 1337 and says mesh-intercepts', async () => {
    const st = JSON.parse(readFileSync(join(dir(), 'state.json'), 'utf8')) as { pods: { namespace: string; name: string; ip: string }[] };
    const silentIP = st.pods.find((p) => p.namespace === 'shop' && p.name === 'silent')!.ip;
    // The trap is real: the app container's own connect to a port nothing listens on opens (the proxy took it).
    expect(kubectl(lab.kubeconfig, ['exec', '-n', 'shop', 'meshed', '-c', 'app', '--', 'nc', '-z', '-w', '2', silentIP, '8080']).code).toBe(0);
    const broken = await lab.diagnose('shop/meshed', 'silent:80');
    expect(outcome(broken)).toBe('unreachable/app-not-listening@dst-pod');
    expect(broken.warnings.map((w) => w.cause)).toContain('mesh-intercepts');
    const fine = await lab.diagnose('shop/meshed', 'backend:80');
    expect(outcome(fine)).toBe('reachable/-@-');
    const w = fine.warnings.find((x) => x.cause === 'mesh-intercepts')!;
    expect(w.reason).toMatch(/istio mesh: its nat rules redirect outbound TCP to port 15001 .*uid 1337 exempt.*connects ran as uid 1337/);
    expect(fine.hops.find((h) => h.id === 'src-pod')!.evidence.some((e) => e.probe === 'pod-nat' && /ISTIO_REDIRECT/.test(e.stdout))).toBe(true);
    const plain = await lab.diagnose('shop/frontend', 'silent:80');
    expect(plain.warnings.map((x) => x.cause)).not.toContain('mesh-intercepts');
  });

  it('a cluster that is not the default one: domain corp.local, DNS Service coredns, pod dnsConfig, publishNotReadyAddresses', async () => {
    const svc = kubectl(lab.kubeconfig, ['get', 'svc', '-n', 'kube-system', 'coredns', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(svc.stdout).toMatch(/^10\.96\./);
    expect(kubectl(lab.kubeconfig, ['get', 'svc', '-n', 'kube-system', 'kube-dns']).code).not.toBe(0);
    const rc = kubectl(lab.kubeconfig, ['exec', '-n', 'base', 'custom-dns', '--', 'cat', '/etc/resolv.conf']).stdout;
    expect(rc).toBe(`search base.svc.corp.local svc.corp.local corp.local example.internal\nnameserver ${svc.stdout}\noptions ndots:2 edns0\n`);
    const eps = kubectl(lab.kubeconfig, ['get', 'endpointslices', '-n', 'base', '-l', 'kubernetes.io/service-name=warming', '-o', 'jsonpath={.items[0].endpoints[0].conditions}']);
    expect(JSON.parse(eps.stdout)).toEqual({ ready: true, serving: false, terminating: false });
    const short = await lab.diagnose('shop/frontend', 'backend:80');
    expect(outcome(short)).toBe('reachable/-@-');
    const dns = short.hops.find((h) => h.id === 'dns')!;
    expect(dns.status).toBe('pass');
    expect(dns.summary).toMatch(/backend\.shop\.svc\.corp\.local/);
    const fqdn = await lab.diagnose('shop/frontend', 'backend.shop.svc.corp.local:80');
    expect(outcome(fqdn)).toBe('reachable/-@-');
  });

  it('a pod to a node\'s address and NodePort walks through that node\'s NodePort, though the node\'s hostNetwork pods share the address', async () => {
    const st = JSON.parse(readFileSync(join(dir(), 'state.json'), 'utf8')) as { nodes: { name: string; internalIP: string }[] };
    const ip = st.nodes.find((n) => n.name === 'worker-1')!.internalIP;
    // kube-proxy runs with hostNetwork: the API server gives it the node's address as its podIP
    expect(kubectl(lab.kubeconfig, ['get', 'pods', '-A', '--field-selector', `status.podIP=${ip}`, '-o', 'name']).stdout).toMatch(/kube-proxy/);
    const d = await lab.diagnose('shop/frontend', `${ip}:30080`);
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.hops.map((h) => h.id)).toEqual(['src-pod', 'src-veth', 'src-node', 'node-port', 'overlay', 'dst-node', 'dst-veth', 'dst-pod']);
    expect(d.hops.find((h) => h.id === 'node-port')!.summary).toMatch(/30080/);
    // From a node, among 10k pods: the NodePort's Service and endpoints, every Node, the node's hostNetwork pods and
    // kube-system — not the 10k pods (a node source read cluster-wide before).
    const fromNode = await lab.diagnose('node/worker-2', 'node/worker-1:30080');
    expect(outcome(fromNode)).toBe('reachable/-@-');
    expect(fromNode.hops.map((h) => h.id)).toContain('node-port');
    const cl = loadCluster({ kubeconfig: lab.kubeconfig });
    const snap = await readSnapshot(cl.kc, cl.context, cl.server, { from: { node: 'worker-2' }, target: { kind: 'node', node: 'worker-1', port: 30080, text: 'node/worker-1:30080' } });
    expect(snap.pods.length).toBeLessThan(30);
    expect(snap.nodes.map((n) => n.metadata?.name).sort()).toEqual(['worker-1', 'worker-2']);
    expect(snap.endpointSlices.some((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'backend-np')).toBe(true);
  });

  it('from a node, a Service FQDN in the cluster\'s own domain (corp.local, not cluster.local) is that Service, as its short form is', async () => {
    for (const to of ['backend.shop:80', 'backend.shop.svc.corp.local:80']) {
      const d = await lab.diagnose('node/worker-2', to);
      expect(outcome(d), to).toBe('reachable/-@-');
      expect(d.hops.map((h) => h.id), to).toContain('service');
    }
  });

  it('internalTrafficPolicy Local: kube-proxy\'s deliberate drop on a node without a local endpoint is no-local-endpoint, and the node with one reaches it', async () => {
    const far = await lab.diagnose('shop/frontend', 'local-only:80'); // frontend on worker-1, the only endpoint on worker-2
    expect(outcome(far)).toBe('unreachable/no-local-endpoint@service');
    expect(far.firstFailure!.reason).toMatch(/internalTrafficPolicy Local and no ready endpoint on worker-1, so kube-proxy drops/);
    const near = await lab.diagnose('base/custom-dns', 'local-only.shop:80'); // on worker-2, beside the endpoint
    expect(outcome(near)).toBe('reachable/-@-');
  });
});
