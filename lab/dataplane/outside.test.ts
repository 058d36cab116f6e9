// The outside world on the real dataplane (DESIGN §3.2): one lab with every Service kind beyond
// ClusterIP, proven with plain tools (curl, nc, dig, iptables-save) run in the outside netns, the
// pods' and the nodes' netns: NodePort with both traffic policies, the load balancer (and its health
// checks following the endpoints), egress by name through the nodes' SNAT, headless and ExternalName
// answers, UDP, a hostNetwork pod; both outside faults break what they say and heal; `lab down`
// leaves the host as it was. Needs root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testInstance } from '../testInstance';
import { nodeNetns } from '../objects';
import { outsideNetns } from '../outside';
import { updateState } from '../state';
import type { LabState } from '../types';
import { addFault, clearFaults } from './faults';
import { labDown, labUp } from './lab';
import { run, type RunResult } from './sh';
import { dig, hostSnapshot, httpGet, inPod, isRoot, type HostSnapshot } from './testkit';

type Obj = Record<string, unknown>;
const INST = testInstance('dpo');
const DIR = `/run/packetwalk/${INST}`;
const mine = (n: string) => n.startsWith(`${INST}-`);

const LAB = `kind: Lab
cluster: {nodes: [n1, n2], overlay: vxlan, kubeProxy: iptables, networkPolicy: ignore}
outside:
  hosts:
    - {name: api.partner.example, ip: 198.51.100.20, ports: [443, {port: 514, protocol: UDP}]}
  loadBalancerPool: 198.51.100.128/28
---
{apiVersion: v1, kind: Namespace, metadata: {name: app}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: app, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: w, image: web:1, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: search-0, namespace: app, labels: {app: search}}
spec: {nodeName: n2, hostname: search-0, subdomain: search, containers: [{name: s, image: search:1, ports: [{containerPort: 9300}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: statsd-0, namespace: app, labels: {app: statsd}}
spec: {nodeName: n2, containers: [{name: s, image: statsd:1, ports: [{containerPort: 8125, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: app, labels: {app: agent}}
spec: {nodeName: n2, hostNetwork: true, containers: [{name: a, image: agent:1, ports: [{containerPort: 9100}]}]}
---
{apiVersion: v1, kind: Service, metadata: {name: web-np, namespace: app}, spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: http, nodePort: 30080}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: web-local, namespace: app}, spec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: http, nodePort: 30081}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: web-lb, namespace: app}, spec: {type: LoadBalancer, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: web-lb-local, namespace: app}, spec: {type: LoadBalancer, externalTrafficPolicy: Local, loadBalancerIP: 198.51.100.140, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: search, namespace: app}, spec: {clusterIP: None, selector: {app: search}, ports: [{port: 9300}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: partner, namespace: app}, spec: {type: ExternalName, externalName: api.partner.example}}
---
{apiVersion: v1, kind: Service, metadata: {name: statsd, namespace: app}, spec: {selector: {app: statsd}, ports: [{port: 8125, protocol: UDP}]}}
---
{apiVersion: v1, kind: Service, metadata: {name: web-itl, namespace: app}, spec: {internalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: http}]}}
`;

const N1 = '172.18.0.2';
const N2 = '172.18.0.3';
const inNs = (netns: string, argv: string[], timeoutMs = 20_000): Promise<RunResult> => run(['ip', 'netns', 'exec', netns, ...argv], { timeoutMs });
/** curl from a netns: HTTP code (0 when no answer), curl's exit code, the body and the source address the server saw. */
async function curl(netns: string, url: string, wait = 3): Promise<{ code: number; exit: number; body: string; client: string }> {
  const r = await inNs(netns, ['curl', '-s', '-m', String(wait), '-D', '-', url]);
  const code = Number(/^HTTP\/1\.1 (\d+)/.exec(r.stdout)?.[1] ?? 0);
  return { code, exit: r.code, body: r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4), client: /x-packetwalk-client: ([\d.]+):/i.exec(r.stdout)?.[1] ?? '' };
}
/** One datagram from a netns with nc -u: what came back. */
const udp = async (netns: string, host: string, port: number) => (await run(['ip', 'netns', 'exec', netns, 'nc', '-u', '-w', '1', host, String(port)], { input: 'ping\n', timeoutMs: 10_000 })).stdout;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot())('the outside world, north-south and egress, on the real dataplane', () => {
  let st: LabState;
  let before: HostSnapshot;
  const OUT = outsideNetns(INST);
  const svc = (name: string) => st.objects.find((o) => o.kind === 'Service' && o.metadata.name === name)!;

  beforeAll(async () => {
    await labDown({ instance: INST, dir: DIR });
    before = await hostSnapshot(mine);
    const config = join(mkdtempSync(join(tmpdir(), 'pw-out-')), 'lab.yaml');
    writeFileSync(config, LAB);
    st = (await labUp({ instance: INST, dir: DIR, config })).state;
  });
  afterAll(async () => {
    await labDown({ instance: INST, dir: DIR });
  });

  it('outside → NodePort (externalTrafficPolicy Cluster) answers on every node, the client SNATed to the node', async () => {
    for (const node of [N1, N2]) {
      const r = await curl(OUT, `http://${node}:30080/`);
      expect(r.code).toBe(200);
      expect(r.body).toBe('web-0\n');
      expect(r.client).not.toBe(st.outside!.clientIP);
    }
  });

  it('outside → NodePort (Local) answers on the endpoint\'s node with the client IP kept, and is DROPped as kube-proxy drops it on the other', async () => {
    const ok = await curl(OUT, `http://${N1}:30081/`);
    expect(ok).toMatchObject({ code: 200, client: st.outside!.clientIP });
    const dropped = await curl(OUT, `http://${N2}:30081/`, 2);
    expect(dropped.code).toBe(0);
    expect(dropped.exit).toBe(28); // timed out: dropped, not refused (curl exit 7)
    const save = (await inNs(nodeNetns(INST, 'n2'), ['iptables-save', '-c', '-t', 'filter'])).stdout;
    const rule = save.split('\n').find((l) => l.includes('"app/web-local has no local endpoints"') && l.includes('--dport 30081 -j DROP'));
    expect(rule).toBeDefined();
    expect(Number(/^\[(\d+):/.exec(rule!)?.[1])).toBeGreaterThan(0);
  });

  it('outside → LoadBalancer ingress IP reaches the Service (Cluster: via any node; Local: only the healthy node, client IP kept)', async () => {
    const lbIP = (((svc('web-lb').status as Obj).loadBalancer as Obj).ingress as Obj[])[0].ip as string;
    expect(lbIP).toBe('198.51.100.129');
    expect(await curl(OUT, `http://${lbIP}/`)).toMatchObject({ code: 200, body: 'web-0\n' });
    expect(await curl(OUT, 'http://198.51.100.140/')).toMatchObject({ code: 200, body: 'web-0\n', client: st.outside!.clientIP });
    const nat = (await inNs(OUT, ['iptables-save', '-t', 'nat'])).stdout.split('\n').filter((l) => l.includes('-d 198.51.100.140/32'));
    expect(nat).toEqual([expect.stringContaining(`--to-destination ${N1}:`)]);
    // pods reach the LB IP too (kube-proxy short-circuits it on the node)
    expect(await httpGet(st, 'app/search-0', lbIP, 80)).toBe('web-0\n');
  });

  it('kube-proxy\'s health check: 200 with a local endpoint, 503 without; the load balancer follows an endpoint change', async () => {
    const hc = (svc('web-lb-local').spec as Obj).healthCheckNodePort as number;
    const a = await curl(OUT, `http://${N1}:${hc}/`);
    expect(a.code).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ service: { namespace: 'app', name: 'web-lb-local' }, localEndpoints: 1 });
    expect((await curl(OUT, `http://${N2}:${hc}/`)).code).toBe(503);
    // the endpoint "moves" to n2 in the cluster's objects: the health checks and the LB follow
    const move = (to: string) => updateState((s) => {
      for (const o of s.objects) if (o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'web-lb-local') for (const e of o.endpoints as Obj[]) e.nodeName = to;
    }, DIR);
    const backends = async () => (await inNs(OUT, ['iptables-save', '-t', 'nat'])).stdout.split('\n').filter((l) => l.includes('-d 198.51.100.140/32')).map((l) => /--to-destination ([\d.]+):/.exec(l)?.[1]);
    try {
      move('n2');
      expect((await curl(OUT, `http://${N2}:${hc}/`)).code).toBe(200);
      let seen: (string | undefined)[] = [];
      for (let i = 0; i < 30 && !(seen.length === 1 && seen[0] === N2); i++) {
        await sleep(200);
        seen = await backends();
      }
      expect(seen).toEqual([N2]);
    } finally {
      move('n1');
    }
  });

  it('internalTrafficPolicy Local: the cluster IP answers on the endpoint\'s node and is dropped from the other', async () => {
    expect(await httpGet(st, 'app/web-0', 'web-itl', 80)).toBe('web-0\n');
    const far = await curl(st.pods.find((p) => p.name === 'search-0')!.netns, 'http://web-itl.app.svc.cluster.local/', 2);
    expect(far.exit).toBe(28); // dropped ("has no local endpoints"), not refused
  });

  it('pods reach an outside host by name through the node\'s SNAT; the node itself does too', async () => {
    const r = await curl(st.pods.find((p) => p.name === 'web-0')!.netns, 'http://api.partner.example:443/');
    expect(r).toMatchObject({ code: 200, body: 'api.partner.example\n', client: N1 });
    expect(await curl(nodeNetns(INST, 'n2'), 'http://api.partner.example:443/')).toMatchObject({ code: 200, client: N2 });
    const save = (await inNs(nodeNetns(INST, 'n1'), ['iptables-save', '-t', 'nat'])).stdout;
    expect(save).toContain('-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE');
  });

  it('DNS: headless answers the ready pod IPs and <hostname>.<subdomain>; ExternalName answers a CNAME; unknown names are NXDOMAIN', async () => {
    const ip = st.pods.find((p) => p.name === 'search-0')!.ip;
    expect(await dig(st, 'app/web-0', 'search.app.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: [ip] });
    expect(await dig(st, 'app/web-0', 'search-0.search.app.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: [ip] });
    const cname = await inPod(st, 'app/web-0', ['dig', '+time=2', '+tries=1', 'partner.app.svc.cluster.local']);
    expect(cname.stdout).toMatch(/partner\.app\.svc\.cluster\.local\.\s+\d+\s+IN\s+CNAME\s+api\.partner\.example\./);
    expect(cname.stdout).toMatch(/api\.partner\.example\.\s+\d+\s+IN\s+A\s+198\.51\.100\.20/);
    expect((await dig(st, 'app/web-0', 'nothing.partner.example')).status).toBe('NXDOMAIN');
    expect((await dig(st, 'app/web-0', 'nothing.app.svc.cluster.local')).status).toBe('NXDOMAIN');
  });

  it('UDP: a UDP Service and an outside host\'s UDP port echo a datagram back', async () => {
    const web = st.pods.find((p) => p.name === 'web-0')!.netns;
    expect(await udp(web, 'statsd.app.svc.cluster.local', 8125)).toBe('statsd-0\n');
    expect(await udp(web, 'api.partner.example', 514)).toBe('api.partner.example\n');
  });

  it('a hostNetwork pod shares its node\'s netns and listens on the node\'s address', async () => {
    const agent = st.pods.find((p) => p.name === 'agent')!;
    expect(agent).toMatchObject({ hostNetwork: true, netns: nodeNetns(INST, 'n2'), ip: N2 });
    expect((await inNs(agent.netns, ['ss', '-Hltn', 'sport = :9100'])).stdout).toContain(':9100');
    expect(await httpGet(st, 'app/web-0', N2, 9100)).toBe('agent\n');
  });

  it('kubectl get svc -o wide shows the NodePort, LoadBalancer and ExternalName columns', async () => {
    const r = await run(['kubectl', '--kubeconfig', st.api!.kubeconfig, 'get', 'svc', '-n', 'app', '-o', 'wide', '--no-headers'], { timeoutMs: 30_000 });
    const row = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `))?.trim().split(/\s+/);
    const np = ((svc('web-lb').spec as Obj).ports as Obj[])[0].nodePort;
    expect(row('web-lb')).toEqual(['web-lb', 'LoadBalancer', (svc('web-lb').spec as Obj).clusterIP, '198.51.100.129', `80:${np}/TCP`, expect.any(String), 'app=web']);
    expect(row('web-np')?.slice(0, 5)).toEqual(['web-np', 'NodePort', (svc('web-np').spec as Obj).clusterIP, '<none>', '80:30080/TCP']);
    expect(row('partner')?.slice(0, 5)).toEqual(['partner', 'ExternalName', '<none>', 'api.partner.example', '<none>']);
    expect(row('search')?.slice(0, 3)).toEqual(['search', 'ClusterIP', 'None']);
  });

  it('masquerade-missing: pod traffic leaves the node with the pod\'s IP and gets no reply; healed, it works again', async () => {
    const web = st.pods.find((p) => p.name === 'web-0')!.netns;
    await addFault(DIR, 'masquerade-missing:node=n1');
    try {
      const r = await curl(web, 'http://api.partner.example:443/', 2);
      expect(r.code).toBe(0);
      expect(r.exit).toBe(28);
      // only the broken node is affected
      expect((await curl(st.pods.find((p) => p.name === 'search-0')!.netns, 'http://api.partner.example:443/')).code).toBe(200);
    } finally {
      await clearFaults(DIR, 'masquerade-missing');
    }
    expect((await curl(web, 'http://api.partner.example:443/')).code).toBe(200);
  });

  it('upstream-dns-down: outside names time out, cluster names still resolve; healed, they answer again', async () => {
    await addFault(DIR, 'upstream-dns-down');
    try {
      expect((await dig(st, 'app/web-0', 'api.partner.example')).status).toBe('timeout');
      expect((await dig(st, 'app/web-0', 'web-np.app.svc.cluster.local')).status).toBe('NOERROR');
    } finally {
      await clearFaults(DIR, 'upstream-dns-down');
    }
    expect(await dig(st, 'app/web-0', 'api.partner.example')).toEqual({ status: 'NOERROR', answers: ['198.51.100.20'] });
  });

  it('`lab down` leaves netns, links, processes and /etc/netns as they were', async () => {
    await labDown({ instance: INST, dir: DIR });
    const after = await hostSnapshot(mine);
    expect(after.netns).toEqual(before.netns);
    expect(after.procs).toEqual(before.procs);
    expect(after.links).toEqual(before.links);
    expect(after.etcNetns).toBe(before.etcNetns);
  });
});
