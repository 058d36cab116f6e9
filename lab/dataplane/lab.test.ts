// The lab on the real dataplane: the default topology (plus pods that exercise the annotations) built
// in network namespaces, proven with the plain tools run inside the pods' netns; then `lab down` must
// leave the host exactly as it was. Needs root.
import { testInstance } from '../testInstance';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labMain } from '../cli';
import { readState } from '../state';
import type { LabState } from '../types';
import { DEFAULT_LAB_FILE, labDown, labUp, preflight } from './lab';
import { run } from './sh';
import { dig, hostSnapshot, httpGet, inPod, isRoot, tcpOk, type HostSnapshot } from './testkit';

const INST = testInstance('dpt');
const BAD = testInstance('dpb'); // labs that must never get built
const DIR = `/run/packetwalk/${INST}`;
const mine = (n: string) => n.startsWith(`${INST}-`);

const EXTRA = `
---
apiVersion: v1
kind: Pod
metadata: {name: loopback-0, namespace: shop, labels: {app: loopback}, annotations: {packetwalk/listen-address: 127.0.0.1}}
spec: {nodeName: worker-1, containers: [{name: app, image: busybox, ports: [{containerPort: 9090}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: silent-0, namespace: shop, labels: {app: silent}, annotations: {packetwalk/listening: "false"}}
spec: {nodeName: worker-2, containers: [{name: app, image: busybox, ports: [{containerPort: 9090}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: backend-2, namespace: shop, labels: {app: backend}, annotations: {packetwalk/ready: "false"}}
spec: {nodeName: worker-2, containers: [{name: api, image: backend:1, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend-headless, namespace: shop}
spec: {clusterIP: None, selector: {app: backend}, ports: [{name: http, port: 8080}]}
`;

describe.skipIf(!isRoot())('lab up on the default topology', () => {
  let st: LabState;
  let before: HostSnapshot;
  let upMs = 0;
  let phases: Record<string, number> = {};
  const config = join(mkdtempSync(join(tmpdir(), 'pw-lab-')), 'lab.yaml');

  beforeAll(async () => {
    process.env.PACKETWALK_LAB = INST;
    await labDown({ instance: INST, dir: DIR });
    before = await hostSnapshot(mine);
    writeFileSync(config, readFileSync(DEFAULT_LAB_FILE, 'utf8') + EXTRA);
    const r = await labUp({ instance: INST, dir: DIR, config });
    st = r.state;
    upMs = r.ms;
    phases = r.phases;
  });
  afterAll(async () => {
    await labDown({ instance: INST, dir: DIR });
  });

  it('builds in under 10 s and writes its state', () => {
    console.log(`lab up (default topology + 3 pods): ${upMs} ms ${JSON.stringify(phases)}`);
    expect(upMs).toBeLessThan(10_000);
    expect(readState(DIR)?.nodes.map((n) => n.name)).toEqual(['worker-1', 'worker-2']);
  });

  it('connects pod to pod across nodes (VXLAN) and on one node (bridge)', async () => {
    const ip = (k: string) => st.pods.find((p) => `${p.namespace}/${p.name}` === k)!.ip;
    expect(await httpGet(st, 'shop/frontend-0', ip('shop/backend-0'), 8080)).toBe('backend-0\n'); // worker-1 → worker-2
    expect(await httpGet(st, 'shop/frontend-0', ip('shop/backend-1'), 8080)).toBe('backend-1\n'); // both on worker-1
    expect((await inPod(st, 'shop/frontend-0', ['ping', '-c1', '-W2', ip('shop/frontend-1')])).code).toBe(0);
  });

  it('reaches a Service VIP by short name and by FQDN through the cluster DNS', async () => {
    const svc = st.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'backend')!;
    const vip = (svc.spec as { clusterIP: string }).clusterIP;
    const short = await inPod(st, 'shop/frontend-0', ['getent', 'hosts', 'backend']);
    expect(short.stdout).toContain(`${vip} `);
    const fq = await inPod(st, 'shop/frontend-0', ['getent', 'hosts', 'backend.shop.svc.cluster.local']);
    expect(fq.stdout).toContain(vip);
    expect(await httpGet(st, 'shop/frontend-0', 'backend', 80)).toMatch(/^backend-[01]\n$/);
    expect(await httpGet(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local', 80)).toMatch(/^backend-[01]\n$/);
    expect(await tcpOk(st, 'shop/backend-0', 'postgres.db', 5432)).toBe(true);
  });

  it('answers DNS like CoreDNS: ClusterIP, headless ready endpoints, NXDOMAIN for the rest', async () => {
    const dnsIP = `10.96.0.10`;
    const a = await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local');
    expect(a.status).toBe('NOERROR');
    expect(a.answers).toHaveLength(1);
    const h = await dig(st, 'shop/frontend-0', 'backend-headless.shop.svc.cluster.local');
    const ip = (k: string) => st.pods.find((p) => `${p.namespace}/${p.name}` === k)!.ip;
    expect(h.answers.sort()).toEqual([ip('shop/backend-0'), ip('shop/backend-1')].sort()); // backend-2 is NotReady
    expect((await dig(st, 'shop/frontend-0', 'nothing.shop.svc.cluster.local')).status).toBe('NXDOMAIN');
    expect((await dig(st, 'shop/frontend-0', 'example.com')).status).toBe('NXDOMAIN');
    expect((await dig(st, 'shop/frontend-0', 'backend.shop.svc.cluster.local', ['+tcp'])).status).toBe('NOERROR');
    const resolv = await inPod(st, 'shop/frontend-0', ['cat', '/etc/resolv.conf']);
    expect(resolv.stdout).toBe(`search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${dnsIP}\noptions ndots:5\n`);
  });

  it('enforces the NetworkPolicy: db admits only the backend', async () => {
    expect(await tcpOk(st, 'shop/backend-1', 'postgres.db', 5432)).toBe(true);
    expect(await tcpOk(st, 'shop/frontend-0', 'postgres.db', 5432, 1)).toBe(false);
    expect(await tcpOk(st, 'shop/frontend-1', 'postgres.db', 5432, 1)).toBe(false); // same node as postgres
  });

  it('honours the listener annotations and readiness', async () => {
    const ip = (k: string) => st.pods.find((p) => `${p.namespace}/${p.name}` === k)!.ip;
    expect(await tcpOk(st, 'shop/frontend-0', ip('shop/loopback-0'), 9090, 1)).toBe(false);
    expect(await httpGet(st, 'shop/loopback-0', '127.0.0.1', 9090)).toBe('loopback-0\n');
    const refused = await inPod(st, 'shop/frontend-0', ['nc', '-z', '-n', '-w', '2', ip('shop/silent-0'), '9090']);
    expect(refused.code).not.toBe(0);
    const slice = st.objects.find((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'backend')!;
    const eps = slice.endpoints as { addresses: string[]; conditions: { ready: boolean } }[];
    expect(eps.find((e) => e.addresses[0] === ip('shop/backend-2'))?.conditions.ready).toBe(false);
    // the NotReady backend never answers through the VIP
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) seen.add((await httpGet(st, 'shop/frontend-0', 'backend', 80)) ?? 'fail');
    expect([...seen].sort()).toEqual(['backend-0\n', 'backend-1\n']);
  });

  it('replaces the lab when `lab up` runs again', async () => {
    const r = await labUp({ instance: INST, dir: DIR, config });
    st = r.state;
    expect(await httpGet(st, 'shop/frontend-0', 'backend', 80)).toMatch(/^backend-[01]\n$/);
    const netns = (await hostSnapshot(mine)).netns;
    expect(netns.length).toBe(1 + 1 + 2 + st.pods.filter((p) => !p.hostNetwork).length); // underlay, outside, nodes, pods: nothing doubled
  });

  it('`lab down` leaves netns, host links, processes and /etc/netns as they were', async () => {
    await labDown({ instance: INST, dir: DIR });
    const after = await hostSnapshot(mine);
    expect(after.netns).toEqual(before.netns);
    expect(after.procs).toEqual(before.procs);
    expect(after.links).toEqual(before.links);
    expect(after.etcNetns).toBe(before.etcNetns || existsSync('/etc/netns'));
    expect(existsSync(DIR)).toBe(false);
    for (const p of st.pods) expect(existsSync(`/etc/netns/${p.netns}`)).toBe(false);
  });
});

describe.skipIf(!isRoot())('lab up refuses bad input with exit 2 and builds nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bad-'));
  const cases: [string, string, RegExp][] = [
    ['malformed YAML', 'kind: Lab\ncluster: {nodes: [a\n', /document 1.*malformed YAML/],
    ['pod on an unknown node', `kind: Lab\ncluster: {nodes: [worker-1]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: worker-9, containers: [{name: c}]}\n`, /document 2 \(Pod default\/p\), field spec\.nodeName: node "worker-9"/],
    ['unknown fault', 'kind: Lab\ncluster: {nodes: [worker-1]}\nfaults: [{name: cosmic-rays}]\n', /field faults\[0\]: unknown fault "cosmic-rays"/],
  ];
  for (const [what, text, re] of cases) {
    it(what, async () => {
      process.env.PACKETWALK_LAB = BAD;
      const file = join(dir, `${what.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, text);
      const before = await hostSnapshot((n) => n.startsWith(`${BAD}-`));
      let stderr = '';
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
      let code: number;
      try {
        code = await labMain(['up', '--config', file]);
      } finally {
        process.stderr.write = write;
      }
      expect(code).toBe(2);
      expect(stderr).toMatch(re);
      expect(existsSync(`/run/packetwalk/${BAD}`)).toBe(false);
      expect(await hostSnapshot((n) => n.startsWith(`${BAD}-`))).toEqual(before);
    });
  }
  it('an unknown --fault or fault parameter', async () => {
    process.env.PACKETWALK_LAB = BAD;
    const write = process.stderr.write.bind(process.stderr);
    let stderr = '';
    process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
    try {
      expect(await labMain(['up', '--fault', 'mtu-blackhole:node=worker-1,size=3'])).toBe(2);
      expect(await labMain(['up', '--fault', 'node-route-missing:node=worker-1,to=worker-7'])).toBe(2);
      // a typo'd fault name to clear is an error, not "nothing to heal" (which exits 0 and hides the typo)
      expect(await labMain(['fault', 'clear', 'dns-dwon'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr).toMatch(/"dns-dwon" is not a fault name; the catalogue \(packetwalk lab faults\): mtu-blackhole, .*dns-down/);
    expect(stderr).toMatch(/fault mtu-blackhole has no parameter "size"/);
    expect(stderr).toMatch(/to=worker-7 is not another node of this lab; choose one of: worker-2/);
    expect(existsSync(`/run/packetwalk/${BAD}`)).toBe(false);
  });

  it('a missing system tool is named with its Debian package', () => {
    expect(() => preflight('nftables', (t) => t !== 'dnsmasq' && t !== 'nft')).toThrow(/missing system tools dnsmasq, nft: install the Debian packages with apt-get install --no-install-recommends dnsmasq-base nftables/);
  });

  it('without root (CAP_NET_ADMIN) it says so and exits 2', async () => {
    const r = await run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'bin/packetwalk.mjs', 'lab', 'up'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN\)/);
  });
});
