// North-south and egress judgement over real lab diagnoses (fixtures/edge/*.json, recorded by scripts/record-edge-fixtures.ts
// on test/contract/edge-ours.yaml): the plan is rebuilt from the recorded objects,
// each probe gets its recorded output back, and the judge must reach the recorded verdict and cause. Swapping
// one probe's output for another recording's proves the finding comes from that evidence.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge } from './index';
import { firstFailureShown } from './reproduce';
import { judgeNorthSouth } from './northSouth';
import { applyTrace } from './trace';
import { replayNorthSouth, replayPod, type RecordedDiagnosis } from './replay';
import { nftSnatRuleFor, snatRuleFor, udpOutcome } from './edge';
import { isDnsPort, lbIngressIPs } from '../plan/egress';
import { PING_FIRST, PING_SIZES } from '../plan/mtu';
import { planNorthSouth } from '../plan/northSouth';
import { planPath } from '../plan';
import { parseSource, parseTarget } from '../target';
import { probeDef } from '../probes';
import type { ProbeRun } from './context';
import { splitFixture } from '../parse/fixtureFile';

/** A recorded node-link run with one of the node's links at another MTU (the recorded value must be there to change). */
function setLinkMtu(plan: { probes: { probe: string; node?: string; key: string }[] }, runs: Map<string, ProbeRun>, node: string, ifname: string, mtu: number) {
  const link = plan.probes.find((p) => p.probe === 'node-link' && p.node === node)!;
  const r = runs.get(link.key)!;
  const stdout = r.stdout.replace(new RegExp(`("ifname":"${ifname.replace(/\./g, '\\.')}","flags":\\[[^\\]]*\\],"mtu":)\\d+`), `$1${mtu}`);
  expect(stdout).not.toBe(r.stdout);
  runs.set(link.key, { ...r, stdout });
}

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/edge/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;
const evidenceOf = (fx: RecordedDiagnosis) => fx.diagnosis.hops.flatMap((h) => h.evidence).filter((e) => e.where !== 'api');

// The way between the nodes and into the pod from a node or the outside client, judged by the pod path's own judges
// (lib/verdict/northSouth judgeNodePath): recorded on test/contract/kindnet-hostgw.yaml (hostgw), test/upstream/contract/
// routed.yaml (calico VXLAN), test/contract/vxlan-ignore.yaml (flannel-like VXLAN), test/contract/edge-ours.yaml
// (outside → NodePort 31080, flannel VXLAN) and fixtures/edge/kindnet-hostgw-nodeport.yaml (outside → NodePort 31500).
describe('north-south: node route, neighbor, overlay and veth faults named as the pod path names them', () => {
  it.each([
    ['ns-node-hostgw-route-missing', 'src-node', 'node-route', /^node-b has no route to node-a's pod CIDR: 10\.70\.1\.4 would leave via 172\.18\.0\.1 dev eth0 \(the default route\), not through node-a \(172\.18\.0\.2\)/],
    ['ns-node-hostgw-stale-neighbor', 'overlay', 'neighbor-stale', /^node-b's neighbor entry for node-a \(172\.18\.0\.2\) says [0-9a-f:]+, but node-a's eth0 has MAC [0-9a-f:]+/],
    ['ns-node-calico-route-missing', 'src-node', 'node-route', /^node-a has no route to node-b's pod CIDR: 10\.120\.2\.2 would leave via 172\.18\.0\.1 dev eth0 \(the default route\), not through vxlan\.calico/],
    ['ns-node-calico-stale-neighbor', 'overlay', 'neighbor-stale', /^node-a's neighbor entry for node-b's tunnel endpoint 10\.120\.2\.0 says [0-9a-f:]+, but node-b's vxlan\.calico has MAC/],
    ['ns-node-calico-overlay-blocked', 'overlay', 'overlay-blocked', /^node-a drops tunnel traffic arriving on UDP 4789 \(vxlan\.calico\) from node-b: `-A INPUT -p udp -m udp --dport 4789 -j DROP`/],
    ['ns-node-vxlan-overlay-blocked', 'overlay', 'overlay-blocked', /^worker-1 drops tunnel traffic arriving on UDP 4789 \(flannel\.1\) from worker-2.*, the first rule for that port — the way back: what worker-2 sends back to worker-1 \(the answers\) is what does not arrive$/],
    ['ns-node-vxlan-overlay-blocked-dst', 'overlay', 'overlay-blocked', /^worker-2 drops tunnel traffic arriving on UDP 4789 \(flannel\.1\) from worker-1.*, the first rule for that port$/],
    ['ns-outside-veth-down-hostgw', 'dst-veth', 'veth-down', /^the host side of app\/web-0's veth, veth[0-9a-f]+ on node-b, is down/],
    // entering node-a, the endpoint on node-b (whose NetworkPolicy would also refuse node-a's address): the veth is met first
    ['ns-outside-veth-down-hostgw-cross', 'dst-veth', 'veth-down', /^the host side of app\/web-0's veth, veth[0-9a-f]+ on node-b, is down/],
    ['ns-outside-nodeport-veth-down', 'dst-veth', 'veth-down', /^the host side of web\/site-0's veth, web-site-0 on node-a, is down/],
    ['ns-outside-nodeport-veth-down-local', 'dst-veth', 'veth-down', /^the host side of web\/site-0's veth, web-site-0 on node-a, is down/],
  ])('%s → %s %s', (name, hop, cause, reason) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop, cause });
    expect(j.firstFailure!.reason).toMatch(reason);
    expect(j.summary).not.toMatch(/no hop's probes explain it/);
    expect(j.hops.find((h) => h.id === hop)).toMatchObject({ status: 'fail', cause });
  });
  it.each(['ns-node-hostgw-healthy', 'ns-node-calico-healthy', 'ns-node-vxlan-healthy', 'ns-outside-nodeport-healthy'])('%s: a working path stays reachable, every hop passes', (name) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
    expect(j.hops.map((h) => h.status).filter((s) => s !== 'pass')).toEqual([]);
    // the probes between the nodes ran and were read
    expect(plan.probes.filter((p) => p.probe === 'neigh' || p.probe === 'fdb').every((p) => runs.has(p.key))).toBe(true);
  });
  // lab/default.yaml with mtu-blackhole:node=worker-2 (tunnel MTU 1200 there): from worker-1's own network, and from
  // outside through the LoadBalancer entering worker-1 — the connect opens, large packets vanish on the way to worker-2
  // Behind the LoadBalancer (two ready endpoints, worker-1's own answering), the summary is the pod path's half a
  // Service: the endpoint on worker-2 is the one whose connections stall.
  it.each([
    ['ns-node-vxlan-mtu-blackhole', '10.244.2.3', /^small connections work; MTU blackhole on the path at overlay: /],
    ['ns-outside-lb-mtu-blackhole', '10.244.2.2', /^small connections work \(all 2 ready endpoints of Service shop\/storefront answer from worker-1: 10\.244\.1\.3:8080, 10\.244\.2\.2:8080 on worker-2\); IP packets over 1200 bytes to 10\.244\.2\.2:8080 on worker-2 vanish, so connections kube-proxy sends there stall on their first full-size packet: MTU blackhole on the path at overlay: /],
  ])('%s: DF pings from the node the packet leaves find the blackhole; small connections work, so degraded', (name, podIP, summary) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    // the ladder's first stage from worker-1, then (the 1472-byte ping vanished) the sizes between
    const pings = plan.probes.filter((p) => p.probe === 'node-ping-df');
    expect(pings.every((p) => p.node === 'worker-1' && p.args.ip === podIP && p.hop === 'overlay')).toBe(true);
    expect(pings.map((p) => p.args.size).sort((a, b) => a! - b!)).toEqual([...PING_SIZES]);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'overlay', cause: 'mtu-blackhole' });
    expect(j.firstFailure!.reason).toMatch(/^DF pings above 1172 bytes of payload \(IP packets over 1200 bytes\) are lost without an ICMP error while 56-byte pings pass; tunnel MTU 1200 on worker-2 \(flannel\.1/);
    expect(j.summary).toMatch(summary);
    // both endpoints answer a small connect (the direct connects from worker-1 opened): none is said to fail
    expect(j.summary).not.toMatch(/\bfail\b/);
    expect(j.hops.find((h) => h.id === 'overlay')).toMatchObject({ status: 'fail', cause: 'mtu-blackhole' });
  });
  it('healthy: the two DF pings of the first stage come back, nothing more is sent, and the path is reachable', () => {
    const fx = load('ns-node-vxlan-healthy-ladder');
    const { plan, runs } = replayNorthSouth(fx);
    expect(plan.probes.filter((p) => p.probe === 'node-ping-df').map((p) => p.args.size)).toEqual([...PING_FIRST]);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.find((h) => h.id === 'overlay')!.summary).toMatch(/DF pings to 10\.244\.2\.3: up to 1472 bytes pass/);
  });
  it('observed beats inferred: the same wrong route with the connect opening names nothing; the healthy route with it failing names no route', () => {
    const bad = load('ns-node-hostgw-route-missing');
    const good = replayNorthSouth(load('ns-node-hostgw-healthy'));
    const { plan, runs } = replayNorthSouth(bad);
    const connect = plan.probes.find((p) => p.probe === 'node-tcp-connect' && p.node === 'node-b')!;
    const route = plan.probes.find((p) => p.probe === 'node-route-get' && p.node === 'node-b' && p.args.ip === '10.70.1.4')!;
    expect(route.hop).toBe('src-node');
    const opened = new Map(runs).set(connect.key, good.runs.get(connect.key)!);
    const j = judgeNorthSouth({ plan, runs: opened, snapshot: bad.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.filter((h) => h.status === 'fail')).toEqual([]);
    // the finding comes from the route: the healthy recording's route (via node-a) in its place names none
    const routed = new Map(runs).set(route.key, good.runs.get(route.key)!);
    const k = judgeNorthSouth({ plan, runs: routed, snapshot: bad.snapshot, depth: 'live' });
    expect(k.verdict).toBe('unreachable');
    expect(k.firstFailure?.cause).not.toBe('node-route');
  });
  it('a NodePort entered from outside: the entry node\'s route to the endpoint is read at src-node, and the tunnel\'s neighbor/FDB on both nodes at overlay', () => {
    const fx = load('ns-outside-nodeport-healthy');
    const { plan, runs } = replayNorthSouth(fx);
    expect(plan.probes.find((p) => p.probe === 'node-route-get' && p.node === 'node-b')?.hop).toBe('src-node');
    // the overlay hop's details are the pod path's (lib/verdict/overlay), read from the entry node's links
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).hops.find((h) => h.id === 'overlay')?.details).toMatchObject({ mode: 'vxlan', port: 4789, device: 'flannel.1', family: 'flannel' });
    expect(plan.probes.filter((p) => p.probe === 'neigh' || p.probe === 'fdb').map((p) => `${p.node} ${p.probe} ${p.hop}`).sort()).toEqual(['node-a fdb overlay', 'node-a neigh overlay', 'node-b fdb overlay', 'node-b neigh overlay']);
  });
});

describe('north-south over recorded lab runs', () => {
  it.each([
    ['ns-lb-cluster', 'reachable', null],
    ['ns-nodeport-local-drop', 'unreachable', 'no-local-endpoint'],
    ['ns-node-to-service', 'reachable', null],
    ['ns-node-upstream-dns-down', 'unreachable', 'upstream-dns'],
    ['ns-host-port-closed', 'unreachable', 'app-not-listening'],
    // test/contract/udp-ours.yaml: UDP from a node / the outside client — a datagram came back, or an ICMP
    // error; the node-route fault drops it silently (nc: "succeeded"), which is no longer reachable
    ['udp-ours-ns-node-healthy', 'reachable', null],
    ['udp-ours-ns-node-route-missing', 'undetermined', null],
    ['udp-ours-ns-outside-refused', 'unreachable', 'app-not-listening'],
  ])('%s → %s %s', (name, verdict, cause) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    expect(runs.size).toBeGreaterThan(1);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe(verdict);
    expect(j.firstFailure?.cause ?? null).toBe(cause);
    if (verdict === 'reachable') expect(j.hops.filter((h) => h.status === 'fail')).toEqual([]);
  });
  it('a pod address dialled from outside (lab/default.yaml, flannel VXLAN): the pod answers on its node, so the summary says the pod network is not routed out', () => {
    const fx = load('ns-outside-to-pod-ip');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.hops.find((h) => h.id === 'dst-pod')?.observed).toMatch(/from its own node: .* connected/);
    expect(j.summary).toMatch(/yet the pod answers from its own node: 10\.244\.\d+\.\d+ is a pod address, and the pod network is not routed to the outside client .* NodePort or LoadBalancer Service/);
    // the same recording with the pod silent on its node too: nothing here says why, and the summary does not pretend
    for (const [k, r] of runs) if (r.probe === 'node-tcp-connect') runs.set(k, { ...r, exitCode: 1, stdout: '', stderr: 'nc: connect to 10.244.2.3 port 8080 (tcp) failed: Connection refused\n' });
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).summary).not.toMatch(/pod network is not routed/);
  });
  it('a ClusterIP dialled from outside (lab/default.yaml): the summary says it is virtual, answered only inside the cluster, and names the Service\'s NodePort and LoadBalancer address', () => {
    const fx = load('ns-outside-to-cluster-ip'); // outside → shop/storefront's ClusterIP (a LoadBalancer Service)
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toBeNull();
    const svc = fx.snapshot.services.find((x) => x.metadata?.name === 'storefront')!;
    expect(j.summary).toContain(`${svc.spec!.clusterIP} is the ClusterIP of Service shop/storefront, a virtual address that kube-proxy answers only inside the cluster`);
    expect(j.summary).toContain(`its NodePort (node/`);
    expect(j.summary).toContain(`:${svc.spec!.ports![0].nodePort}, any node) or its LoadBalancer address ${lbIngressIPs(svc)[0]}:80.`);
  });
  it('an address no Service or node has, dialled from outside (an unassigned LoadBalancer pool address): the summary says no Service holds it', () => {
    const fx = load('ns-outside-unassigned-lb-ip'); // lab/default.yaml: 198.51.100.140 is in outside.loadBalancerPool, storefront holds .129
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.summary).toContain('No Service has 198.51.100.140 as its LoadBalancer ingress address and no node has it');
    // the storefront's own address is a Service's: no such sentence there
    const lb = lbIngressIPs(fx.snapshot.services.find((x) => x.metadata?.name === 'storefront')!)[0];
    expect(planNorthSouth({ kind: 'outside' }, { kind: 'ip', ip: lb, port: 80, text: `${lb}:80` }, fx.snapshot).via).toBe('lb');
  });
  it('UDP outside the cluster, from the outside client: the next step is for that host (ss -ulnp), not a backend pod', () => {
    const fx = load('udp-ours-ns-outside-refused');
    const { plan, runs } = replayNorthSouth(fx);
    expect(plan.probes.some((p) => p.probe === 'outside-udp-exchange')).toBe(true);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure?.reason).toMatch(/refuses UDP 124/);
    expect(j.firstFailure?.nextStep).toMatch(/^On time\.example itself \(outside the cluster\) run `ss -ulnp`/);
  });
  it('a Service name from a node: reachable, and the summary says the name came from the objects — the node\'s own resolver does not ask the cluster DNS', () => {
    const fx = load('ns-node-to-service'); // node/node-b → site.web:80
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    const vip = fx.snapshot.services.find((x) => x.metadata?.name === 'site')!.spec!.clusterIP!;
    expect(j.summary).toContain(`site.web was read from the objects as ClusterIP ${vip}: node-b's own resolver does not ask the cluster DNS, so software in the node's network dials ${vip}:80, or runs as a hostNetwork pod with dnsPolicy: ClusterFirstWithHostNet`);
  });
  it('a hostNetwork pod with dnsPolicy ClusterFirstWithHostNet resolves a short Service name in its namespace; with the default policy the node\'s resolver answers it', () => {
    const fx = load('ns-node-to-service');
    const agent = (dnsPolicy?: string) => ({ metadata: { name: 'agent', namespace: 'web' }, spec: { nodeName: 'node-b', hostNetwork: true, ...(dnsPolicy ? { dnsPolicy } : {}), containers: [] }, status: { phase: 'Running', podIP: '172.18.0.3' } });
    const to = parseTarget('site:80');
    if (!to.ok) throw new Error('bad target');
    const withNet = planNorthSouth({ kind: 'pod', namespace: 'web', name: 'agent' }, to.value, { ...fx.snapshot, pods: [...fx.snapshot.pods, agent('ClusterFirstWithHostNet')] });
    expect(withNet).toMatchObject({ via: 'cluster-ip', clusterDnsNamespace: 'web' });
    const plain = planNorthSouth({ kind: 'pod', namespace: 'web', name: 'agent' }, to.value, { ...fx.snapshot, pods: [...fx.snapshot.pods, agent()] });
    expect(plain).toMatchObject({ via: 'external', resolve: 'site', hostPodDns: { pod: 'web/agent', dnsPolicy: 'ClusterFirst' } });
  });
  it('a hostNetwork pod with dnsPolicy ClusterFirst dialling a Service by name: its node\'s resolver answers NXDOMAIN, so unreachable at dns with the ClusterFirstWithHostNet fix, though the ClusterIP answers', () => {
    // kube-system/kube-proxy-* (hostNetwork, dnsPolicy ClusterFirst) → backend.shop:80 on lab/default.yaml
    const fx = load('ns-hostpod-clusterfirst-name');
    const { plan, runs } = replayNorthSouth(fx);
    expect(plan).toMatchObject({ via: 'cluster-ip', resolve: 'backend.shop', hostPodDns: { dnsPolicy: 'ClusterFirst' } });
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-nxdomain' });
    expect(j.firstFailure!.reason).toMatch(/^backend\.shop does not resolve for kube-system\/kube-proxy-\w+: node worker-1's resolver answers NXDOMAIN — backend\.shop is Service shop\/backend/);
    expect(j.firstFailure!.nextStep).toMatch(/Set `dnsPolicy: ClusterFirstWithHostNet` in its spec .*, or dial 10\.96\.\d+\.\d+:80\.$/);
    expect(j.summary).toMatch(/10\.96\.\d+\.\d+:80 itself answers from worker-1: the Service works by its address/);
    expect(j.hops.find((h) => h.id === 'service')?.status).toBe('pass');
    // the same run where the node's resolver answers the Service's address (a resolver that forwards the cluster
    // domain): reachable, and the summary no longer says the name came from the objects
    const dig = plan.probes.find((p) => p.probe === 'node-dig')!;
    const r = runs.get(dig.key)!;
    const vip = plan.dstIP!;
    const answered = r.stdout.replace('status: NXDOMAIN', 'status: NOERROR').replace('ANSWER: 0', 'ANSWER: 1').replace(/(;; QUESTION SECTION:\n;backend\.shop\.\s+IN\s+A\n)/, `$1\n;; ANSWER SECTION:\nbackend.shop.\t\t30\tIN\tA\t${vip}\n`);
    expect(answered).not.toBe(r.stdout);
    runs.set(dig.key, { ...r, stdout: answered });
    const ok = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(ok.verdict).toBe('reachable');
    expect(ok.firstFailure).toBeNull();
    expect(ok.summary).not.toMatch(/read from the objects/);
  });
  it('a headless Service\'s name from a hostNetwork pod: with ClusterFirstWithHostNet (or from a node) a ready pod is drawn from the objects; with ClusterFirst the node\'s resolver is asked', () => {
    // shop/hn-cfhn (hostNetwork, ClusterFirstWithHostNet, on n2) → webh.shop:8080 (headless, web-0 on n1): fixtures/hostnet/hostnet-dns-2n.yaml
    const fx = JSON.parse(readFileSync(new URL('./fixtures/hostnet/headless-from-hostnet-cfhn.json', import.meta.url), 'utf8')) as RecordedDiagnosis;
    const { plan, runs } = replayNorthSouth(fx);
    const web0 = fx.snapshot.pods.find((p) => p.metadata?.name === 'web-0')!;
    expect(plan).toMatchObject({ via: 'pod', dstIP: web0.status!.podIP, dstPort: 8080, clusterDnsNamespace: 'shop' });
    expect(plan.resolve).toBeUndefined();
    expect(plan.choice).toMatch(/^webh\.shop is headless Service shop\/webh: the cluster DNS answers its ready pods' addresses/);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.find((h) => h.id === 'dst-pod')?.details).toMatchObject({ drawn: plan.choice });
    const to = parseTarget('webh.shop:8080');
    if (!to.ok) throw new Error('bad target');
    const fromNode = planNorthSouth({ kind: 'node', node: 'n2' }, to.value, fx.snapshot);
    expect(fromNode).toMatchObject({ via: 'pod', dstIP: web0.status!.podIP });
    // the same pod with the default dnsPolicy asks n2's resolver at run time
    const cf = { ...fx.snapshot, pods: fx.snapshot.pods.map((p) => (p.metadata?.name === 'hn-cfhn' ? { ...p, spec: { ...p.spec!, dnsPolicy: 'ClusterFirst' } } : p)) };
    expect(planNorthSouth({ kind: 'pod', namespace: 'shop', name: 'hn-cfhn' }, to.value, cf)).toMatchObject({ via: 'external', resolve: 'webh.shop', hostPodDns: { pod: 'shop/hn-cfhn', dnsPolicy: 'ClusterFirst' } });
  });
  it('NodePort with externalTrafficPolicy Cluster into a pod that admits "the outside" by ipBlock except the pod CIDR: policy-denied, judged with the masqueraded source the entry node\'s route names', () => {
    const fx = load('ns-policy-masq'); // outside → node/n1:30080, the endpoint web/site-0 on n2 (fixtures/edge/l7-flannel-vxlan-3n.yaml)
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'policy-denied' });
    expect(j.firstFailure!.reason).toMatch(/^web\/site-0 is selected by NetworkPolicy web\/site-external-only; it admits 0\.0\.0\.0\/0 except 172\.20\.0\.0\/16 .*, not 172\.20\.1\.0 — kube-proxy masquerades NodePort traffic with externalTrafficPolicy Cluster, so the packets reach the pod from n1's own address, 172\.20\.1\.0 \(n1's route to the pod sends from it\)/);
    // the same run with n1 sending from its InternalIP (outside the excepted CIDR): admitted, so not the policy
    const route = plan.probes.find((p) => p.probe === 'node-route-get' && p.node === 'n1')!;
    const r = runs.get(route.key)!;
    runs.set(route.key, { ...r, stdout: r.stdout.replace('"prefsrc":"172.20.1.0"', '"prefsrc":"172.18.0.2"') });
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure).toBeNull();
    runs.set(route.key, r);
    // nodes without any NetworkPolicy rules enforce nothing: the policy is not named
    for (const p of plan.probes.filter((x) => x.probe === 'iptables-save' || x.probe === 'nft-ruleset')) {
      const x = runs.get(p.key);
      if (x) runs.set(p.key, { ...x, stdout: x.stdout.replace(/PACKETWALK-[A-Z]+/g, 'OTHER') });
    }
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure).toBeNull();
  });
  it('a node → a policy-isolated pod by its address: the pod\'s node rules are read, so the policy is named (not "no hop explains it"), the failing connect is the evidence', () => {
    const fx = load('ns-node-pod-policy'); // default lab: node/worker-1 → pod:db/postgres-0:5432, only-backend admits app=backend
    const { plan, runs } = replayNorthSouth(fx);
    expect(plan.probes.filter((p) => p.node === 'worker-2' && (p.probe === 'iptables-save' || p.probe === 'nft-ruleset')).map((p) => p.hop)).toEqual(['dst-pod', 'dst-pod']);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'policy-denied' });
    expect(j.firstFailure!.reason).toMatch(/^db\/postgres-0 is selected by NetworkPolicy db\/only-backend; .* traffic from worker-1's own network leaves with one of worker-1's addresses, 10\.244\.1\.0/);
    const shown = firstFailureShown(j);
    expect(shown.observed).toBe('TCP 10.244.2.4:5432: no answer within 2 s');
    expect(shown.reproduce?.reproduce).toMatch(/^kubectl debug node\/worker-1 .* -- nc -z -v -w 2 10\.244\.2\.4 5432$/);
  });
  it('a pod dialling a NodePort with externalTrafficPolicy Local on a node without a local endpoint: not a drop — kube-proxy sends pod traffic to an endpoint without SNAT, the answer bypasses the entry node', () => {
    const fx = load('ns-pod-nodeport-local-remote'); // etp-local-pod.yaml: app/client-0 on n1 → node/n3:31500, web-0 on n2
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'no-local-endpoint' });
    expect(j.firstFailure!.reason).toMatch(/a pod's traffic is not dropped there but sent to an endpoint without SNAT \(kube-proxy's "pod traffic for app\/web-local external destinations" rule on n3\), so the endpoint answers app\/client-0 directly/);
    expect(j.firstFailure!.reason).toMatch(/n1 172\.18\.0\.\d+:31500 connected \(no local endpoint, yet answered: kube-proxy sends pod traffic to any endpoint\)/);
    expect(j.firstFailure!.reason).not.toMatch(/drops/);
    expect(j.firstFailure!.nextStep).toMatch(/^From pods, dial the Service's ClusterIP \(`10\.91\.\d+\.\d+:80`\) or the NodePort on the pod's own node \(n1\)/);
    // an outside client at the same node is dropped there, as before (edge-ours ns-nodeport-local-drop)
    const drop = judgeNorthSouth({ ...replayNorthSouth(load('ns-nodeport-local-drop')), snapshot: load('ns-nodeport-local-drop').snapshot, depth: 'live' });
    expect(drop.firstFailure!.reason).toMatch(/drops NodePort/);
  });
  it('NodePort with externalTrafficPolicy Local keeps the client\'s address: a policy that admits only the node network denies it, judged with the client\'s own source address', () => {
    const fx = load('ns-policy-local'); // outside → node/n1:30082 (Local), web/api-0 on n1 admits 172.18.0.0/16 only
    const { plan, runs } = replayNorthSouth(fx);
    const route = plan.probes.find((p) => p.probe === 'outside-route-get')!;
    expect(route).toMatchObject({ where: 'outside', hop: 'client', args: { ip: '172.18.0.2' } });
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'policy-denied' });
    expect(j.firstFailure!.reason).toMatch(/^web\/api-0 is selected by NetworkPolicy web\/api-from-nodes; it admits 172\.18\.0\.0\/16 on any port, not 100\.64\.0\.10 — with externalTrafficPolicy Local kube-proxy keeps the client's address, so the packets reach the pod from 100\.64\.0\.10/);
    expect(j.firstFailure!.nextStep).toMatch(/^Admit the clients' addresses in a NetworkPolicy that selects web\/api-0 \(an ipBlock holding 100\.64\.0\.10/);
    expect(j.hops.find((h) => h.id === 'client')!.summary).toMatch(/the client → 172\.18\.0\.2: via 100\.64\.0\.1 dev eth0 src 100\.64\.0\.10/);
    // a client inside the admitted range is admitted: then no policy is named
    const r = runs.get(route.key)!;
    runs.set(route.key, { ...r, stdout: r.stdout.replace('"prefsrc":"100.64.0.10"', '"prefsrc":"172.18.0.200"') });
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure).toBeNull();
    // without the client's route (a machine without ip), nothing is claimed about the policy
    runs.delete(route.key);
    expect(judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure).toBeNull();
  });
  it('externalTrafficPolicy Local into a pod whose policy admits the outside: reachable, the client\'s route shown', () => {
    const fx = load('ns-local-admitted');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.find((h) => h.id === 'client')!.summary).toMatch(/src 100\.64\.0\.10/);
  });
  it('a node → hostNetwork pod path has no dst-veth hop and no veth probes: the pod is its node\'s own network', () => {
    const fx = load('ns-node-to-service');
    const agent = { metadata: { name: 'agent', namespace: 'web' }, spec: { nodeName: 'node-b', hostNetwork: true, containers: [] }, status: { phase: 'Running', podIP: '172.18.0.3' } };
    const plain = fx.snapshot.pods.find((p) => !p.spec?.hostNetwork && p.spec?.nodeName === 'node-b' && p.status?.podIP)!;
    const plan = (ns: string, name: string, pods: typeof fx.snapshot.pods) => planNorthSouth({ kind: 'node', node: 'node-a' }, { kind: 'pod', namespace: ns, name, port: 9100, text: `pod:${ns}/${name}:9100` }, { ...fx.snapshot, pods });
    const host = plan('web', 'agent', [...fx.snapshot.pods, agent]);
    expect(host.hops.map((h) => h.id)).not.toContain('dst-veth');
    expect(host.probes.filter((p) => p.hop === 'dst-veth')).toEqual([]);
    // a pod on the pod network keeps its veth
    expect(plan(plain.metadata!.namespace!, plain.metadata!.name!, fx.snapshot.pods).hops.map((h) => h.id)).toContain('dst-veth');
  });
  it('a name that did not resolve sent nothing: the egress and external hops are not judged (skip, saying why), never green', () => {
    // test/contract/edge-ours.yaml with upstream-dns-down: a plain outside name and an ExternalName to it
    for (const name of ['egress-upstream-dns-down', 'externalname-upstream-dns-down']) {
      const fx = load(name);
      const { plan, runs } = replayPod(fx);
      const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
      expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'upstream-dns' });
      const egress = j.hops.find((h) => h.id === 'egress')!;
      expect(egress).toMatchObject({ status: 'skip', cause: null });
      expect(egress.summary).toBe('not judged: api.partner.example did not resolve, so nothing was sent: with no address there is no SNAT rule to look up for it on node-b and no flow for conntrack to show');
      // its rule dumps ran and stay its evidence; they judge nothing without a destination
      expect(egress.evidence.map((e) => e.probe).sort()).toEqual(['iptables-save', 'nft-ruleset']);
      expect(j.hops.find((h) => h.id === 'external')).toMatchObject({ status: 'skip', summary: 'not judged: api.partner.example did not resolve, so nothing was sent to it' });
      // hops whose own probes read state still pass on it, and say that no traffic reached them
      expect(j.hops.find((h) => h.id === 'src-node')!.summary).toMatch(/ — no traffic reached this hop: the name did not resolve, so nothing was sent$/);
      expect(j.hops.find((h) => h.id === 'src-pod')!.summary).not.toMatch(/no traffic reached/);
    }
    // the deciding output: the healthy run (the name resolved, the flow left with node-b's address) passes both hops;
    // the same run with the faulted run's silent lookup in place of its answer — so no address, and no phase-2 probes
    // (the connect and conntrack run only once the name answers) — leaves them not judged
    const ok = load('egress-healthy');
    const healthy = replayPod(ok);
    const h = judge({ ...healthy, snapshot: ok.snapshot, depth: 'live' });
    expect(h.verdict).toBe('reachable');
    expect(h.hops.find((x) => x.id === 'egress')).toMatchObject({ status: 'pass' });
    expect(h.hops.find((x) => x.id === 'external')).toMatchObject({ status: 'pass' });
    expect(h.hops.map((x) => x.summary).join(' ')).not.toMatch(/no traffic reached|not judged/);
    const bad = replayPod(load('egress-upstream-dns-down'));
    const dig = healthy.plan.probes.find((p) => p.probe === 'dig' && p.args.name === 'api.partner.example')!;
    const silent = bad.runs.get(bad.plan.probes.find((p) => p.probe === 'dig' && p.args.name === 'api.partner.example')!.key)!;
    const runs = new Map(healthy.runs).set(dig.key, { ...healthy.runs.get(dig.key)!, exitCode: silent.exitCode, stdout: silent.stdout, stderr: silent.stderr, timedOut: silent.timedOut });
    const phase2 = healthy.plan.probes.filter((p) => p.args.ip === healthy.plan.dstIP);
    expect(phase2.map((p) => p.probe).sort()).toEqual(['conntrack-list', 'node-route-get', 'route-get', 'tcp-connect']);
    for (const p of phase2) runs.delete(p.key);
    const plan = { ...healthy.plan, probes: healthy.plan.probes.filter((p) => !phase2.includes(p)) };
    delete plan.dstIP;
    const k = judge({ plan, runs, snapshot: ok.snapshot, depth: 'live' });
    expect(k.firstFailure).toMatchObject({ hop: 'dns', cause: 'upstream-dns' });
    expect(k.hops.find((x) => x.id === 'egress')).toMatchObject({ status: 'skip', summary: expect.stringMatching(/^not judged: api\.partner\.example did not resolve, so nothing was sent/) });
    expect(k.hops.find((x) => x.id === 'external')).toMatchObject({ status: 'skip' });
  });
  it('a Service name typed from outside: NXDOMAIN from the outside resolver, and the next step names the NodePort and LoadBalancer address to dial instead', () => {
    const fx = load('ns-outside-to-cluster-ip'); // lab/default.yaml: shop/storefront is a LoadBalancer Service
    const to = parseTarget('storefront.shop:80');
    if (!to.ok) throw new Error('bad target');
    const plan = planNorthSouth({ kind: 'outside' }, to.value, fx.snapshot);
    const dig = plan.probes.find((p) => p.probe === 'outside-dig')!;
    const nx = splitFixture(readFileSync(new URL('../parse/fixtures/dig/nxdomain.txt', import.meta.url), 'utf8')); // real dig output, NXDOMAIN
    const runs = new Map<string, ProbeRun>([[dig.key, { key: dig.key, probe: dig.probe, hop: dig.hop, location: 'outside', argv: probeDef(dig.probe).argv(dig.args), reproduce: '', exitCode: nx.exitCode, stdout: nx.stdout, stderr: nx.stderr, durationMs: 5, timedOut: false, truncated: false }]]);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-nxdomain' });
    const svc = fx.snapshot.services.find((x) => x.metadata?.name === 'storefront')!;
    expect(j.firstFailure!.nextStep).toBe(`From outside the cluster dial the Service's NodePort on any node (\`node/NAME:${svc.spec!.ports![0].nodePort}\`) or LoadBalancer address \`${lbIngressIPs(svc)[0]}\`; \`kubectl get svc -n shop storefront\` lists them.`);
  });
  it('a node source the user may not read is said so, not "node not found"', () => {
    const fx = load('ns-node-to-service');
    const src = parseSource('node/node-b');
    const to = parseTarget('site.web:80');
    if (!src.ok || !to.ok) throw new Error('bad fixture spec');
    const hidden = { ...fx.snapshot, nodes: [] };
    expect(() => planNorthSouth(src.value, to.value, hidden)).toThrow(/^--from: node node-b not found \(kubectl get nodes lists none\)$/);
    expect(() => planNorthSouth(src.value, to.value, { ...hidden, nodesUnreadable: true })).toThrow(/^--from: node node-b: this user may not read Nodes, so its address is unknown; .*get and list on nodes/);
  });
  it('the load balancer path draws client, lb, the entry node (no local endpoint: the longest path) and the endpoint', () => {
    const fx = load('ns-lb-cluster');
    const { plan } = replayNorthSouth(fx);
    expect(plan.hops.map((h) => h.id)).toEqual(['client', 'lb', 'src-node', 'node-port', 'overlay', 'dst-node', 'dst-veth', 'dst-pod']);
    expect(plan.entry?.node).toBe('node-b');
    expect(plan.dst?.node).toBe('node-a');
  });
  it('no-local-endpoint needs the failed connect: the same objects with the connect that opened are reachable', () => {
    const drop = load('ns-nodeport-local-drop');
    const { plan, runs } = replayNorthSouth(drop);
    const main = plan.probes.find((p) => p.probe === 'outside-tcp-connect' && p.args.ip === plan.dstIP)!;
    const opened = evidenceOf(load('ns-lb-cluster')).find((e) => e.probe === 'outside-tcp-connect' && e.exitCode === 0)!;
    runs.set(main.key, { ...runs.get(main.key)!, exitCode: 0, stdout: opened.stdout, stderr: opened.stderr.replace(/[\d.]+ \d+ port/, `${plan.dstIP} ${plan.dstPort} port`) });
    const j = judgeNorthSouth({ plan, runs, snapshot: drop.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.some((h) => h.status === 'fail')).toBe(false);
  });
  it('an unknown node is refused naming the field', () => {
    const fx = load('ns-lb-cluster');
    expect(() => planNorthSouth({ kind: 'node', node: 'node-z' }, { kind: 'ip', ip: '198.51.100.130', port: 80, text: '' }, fx.snapshot)).toThrow(/--from: node node-z not found/);
    expect(() => planNorthSouth({ kind: 'outside' }, { kind: 'node', node: 'node-z', port: 1, text: '' }, fx.snapshot)).toThrow(/--to: node node-z not found/);
  });
});

// fixtures/edge/wide.yaml: node/n3 → weblocal.shop:80 (internalTrafficPolicy Local, its one endpoint on n2). kube-proxy on n3
// writes `"shop/weblocal:http has no local endpoints" -j DROP` (kube-proxy's own comment) on purpose: the north-south judge
// reads n3's rules as the pod path does (service.ts proxyOnNode) and names that, not stale rules.
describe('north-south: a ClusterIP with internalTrafficPolicy Local from a node without a local endpoint', () => {
  it('is no-local-endpoint with the pod path\'s sentence, from n3\'s kube-proxy rules', () => {
    const fx = load('ns-node-itp-local-drop');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'service', cause: 'no-local-endpoint' });
    expect(j.firstFailure!.reason).toBe('on node n3: the Service (shop/weblocal:http) has internalTrafficPolicy Local and no ready endpoint on n3, so kube-proxy drops TCP 10.51.39.105:80 there on purpose.');
    expect(j.summary).not.toMatch(/stale|old endpoints/);
  });
  it('the same run with n2\'s rules on n3 (a DNAT to the endpoint on n2, as if the policy were Cluster) is stale rules instead', () => {
    const fx = load('ns-node-itp-local-drop');
    const { plan, runs } = replayNorthSouth(fx);
    const on = (node: string) => plan.probes.find((p) => p.probe === 'iptables-save' && p.node === node)!;
    const n3 = runs.get(on('n3').key)!;
    const n2 = runs.get(on('n2').key)!;
    expect(n3.stdout).toContain('"shop/weblocal:http has no local endpoints" -m tcp --dport 80 -j DROP');
    runs.set(n3.key, { ...n3, stdout: n2.stdout });
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'service', cause: 'proxy-rules-stale' });
    expect(j.firstFailure!.reason).toMatch(/^on node n3: EndpointSlice lists no ready endpoint, the KUBE-SEP-\w+ rule DNATs to 10\.50\.2\.3:8080/);
  });
});

describe('egress, upstream DNS, UDP and headless over recorded lab runs', () => {
  it.each([
    ['egress-healthy', 'reachable', null, null],
    ['egress-masquerade-missing', 'unreachable', 'snat-missing', 'egress'],
    ['egress-upstream-dns-down', 'unreachable', 'upstream-dns', 'dns'],
    // ExternalName web/partner → api.partner.example (outside), healthy and with the outside DNS silenced
    ['externalname-healthy', 'reachable', null, null],
    ['externalname-upstream-dns-down', 'unreachable', 'upstream-dns', 'dns'],
    ['egress-policy', 'unreachable', 'policy-denied', 'egress'],
    // fixtures/hostnet/hostnet-dns-2n.yaml: shop/web-0 on n1 → api.vendor.example:443, healthy and with n1 dropping forwarded TCP 443
    ['egress-healthy-2n', 'reachable', null, null],
    ['egress-node-firewall', 'unreachable', 'node-firewall', 'src-node'],
    // recorded before the udp-exchange probe: the only UDP evidence is nc's "no ICMP error", which proves nothing
    ['udp-statsd', 'undetermined', null, null],
    ['headless', 'reachable', null, null],
    // test/contract/udp-ours.yaml: a datagram came back (reachable); the faults drop it silently and nc still
    // says "succeeded" (no ICMP error) — the structural findings stand as the failure
    ['udp-ours-healthy', 'reachable', null, null],
    ['udp-ours-node-route-missing', 'unreachable', 'node-route', 'src-node'],
    ['udp-ours-veth-down', 'unreachable', 'veth-down', 'dst-veth'],
    // UDP out of the cluster: an answer is reachable; without SNAT no datagram comes back, which alone proves nothing,
    // but conntrack's unreplied entry kept the pod's own address (kube-proxy's mark-gated MASQUERADE is not the SNAT)
    ['udp-ours-egress-healthy', 'reachable', null, null],
    ['udp-ours-masquerade-missing', 'unreachable', 'snat-missing', 'egress'],
    ['udp-ours-stale-neighbor', 'unreachable', 'neighbor-stale', 'overlay'],
    ['udp-ours-policy-tcp-only', 'unreachable', 'policy-denied', 'dst-pod'],
    // the default lab's kube-dns over UDP 53 (a DNS query is the exchange), healthy and with its DNS server silenced
    ['udp-dns-healthy', 'reachable', null, null],
    ['udp-dns-down', 'unreachable', 'dns-timeout', 'dns'],
  ])('%s → %s %s at %s', (name, verdict, cause, hop) => {
    const fx = load(name);
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe(verdict);
    expect(j.firstFailure?.cause ?? null).toBe(cause);
    expect(j.firstFailure?.hop ?? null).toBe(hop);
    if (verdict === 'reachable') expect(j.hops.filter((h) => h.status === 'fail')).toEqual([]);
  });
  it('egress through the source node\'s own firewall: the DROP read from its rules is the failure; the healthy run\'s rules clear it', () => {
    const fx = load('egress-node-firewall');
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'src-node', cause: 'node-firewall' });
    expect(j.firstFailure!.reason).toBe("n1's own firewall drops forwarded TCP to port 443: `-A FORWARD -p tcp -m tcp --dport 443 -j DROP` in iptables filter FORWARD");
    expect(j.summary).not.toMatch(/no hop's probes explain it/);
    const healthy = evidenceOf(load('egress-healthy-2n'));
    for (const p of plan.probes.filter((x) => (x.probe === 'iptables-save' || x.probe === 'nft-ruleset') && x.node === 'n1')) {
      const h = healthy.find((e) => e.probe === p.probe && e.where.includes('n1'))!;
      expect(h.stdout).not.toMatch(/--dport 443 -j DROP/);
      runs.set(p.key, { ...runs.get(p.key)!, stdout: h.stdout });
    }
    const without = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(without.firstFailure?.cause).not.toBe('node-firewall');
  });
  it('a DNS timeout behind the cluster DNS Service\'s own kube-proxy rules is those rules, named at dns with the DNS Service\'s address', () => {
    // lab/default.yaml, shop/frontend-1 (worker-2) → backend.shop:80, kube-dns's rules missing / DNATing to a gone address
    const stale = load('dns-kube-dns-rules-stale');
    const { plan, runs } = replayPod(stale);
    const j = judge({ plan, runs, snapshot: stale.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'proxy-rules-stale' });
    expect(j.firstFailure!.reason).toMatch(/^the DNS queries go to Service kube-system\/kube-dns 10\.96\.0\.10:53\/UDP, and on node worker-2: EndpointSlice says 10\.244\.\d+\.\d+:53, the KUBE-SEP-\w+ rule DNATs to 10\.244\.\d+\.254:53/);
    expect(j.firstFailure!.nextStep).toContain('conntrack -D -d 10.96.0.10');
    const missing = load('dns-kube-dns-rules-missing');
    const m = replayPod(missing);
    expect(judge({ ...m, snapshot: missing.snapshot, depth: 'live' }).firstFailure).toMatchObject({ hop: 'dns', cause: 'proxy-rules-missing' });
    // the stale run with its DNAT put right (the EndpointSlice's address): the rules explain nothing, the timeout stands
    const ep = stale.snapshot.endpointSlices.find((x) => x.metadata?.labels?.['kubernetes.io/service-name'] === 'kube-dns')!.endpoints![0].addresses[0];
    for (const p of plan.probes.filter((x) => x.probe === 'iptables-save' && x.node === 'worker-2')) {
      const r = runs.get(p.key)!;
      const fixed = r.stdout.replace(/--to-destination 10\.244\.\d+\.254:53/g, `--to-destination ${ep}:53`);
      expect(fixed).not.toBe(r.stdout);
      runs.set(p.key, { ...r, stdout: fixed });
    }
    expect(judge({ plan, runs, snapshot: stale.snapshot, depth: 'live' }).firstFailure?.cause).toBe('dns-timeout');
  });
  it('UDP delivery is the datagram that came back: the healthy run with the faulted run\'s silent exchange is not reachable', () => {
    const fx = load('udp-ours-healthy');
    const { plan, runs } = replayPod(fx);
    const x = plan.probes.filter((p) => p.probe === 'udp-exchange');
    expect(x.length).toBeGreaterThan(0);
    const silent = evidenceOf(load('udp-ours-node-route-missing')).find((e) => e.probe === 'udp-exchange')!;
    expect(silent.stderr).not.toMatch(/^< /m);
    for (const p of x) runs.set(p.key, { ...runs.get(p.key)!, exitCode: silent.exitCode, stdout: silent.stdout, stderr: silent.stderr });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('undetermined');
    expect(j.summary).toMatch(/proves nothing/);
  });
  it('a UDP target on a DNS port is proven by a DNS query: any answer, whatever its rcode, is a datagram that came back', () => {
    const fx = load('udp-dns-healthy');
    const { plan, runs } = replayPod(fx);
    expect(isDnsPort(plan)).toBe(true);
    const q = plan.probes.filter((p) => p.probe === 'dns-exchange');
    expect(q.map((p) => `${p.args.ip}:${p.args.port}`).sort()).toEqual([...new Set([`${plan.dstIP}:53`, ...plan.probes.filter((p) => p.probe === 'udp-connect').map((p) => `${p.args.ip}:${p.args.port}`)])].sort());
    expect(plan.probes.some((p) => p.probe === 'udp-exchange')).toBe(false); // socat's payload draws no answer from a DNS server
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    const svc = j.hops.find((h) => h.id === 'service')!;
    expect(svc.summary).toMatch(/^UDP to 10\.96\.0\.10:53: a datagram came back/);
    expect(svc.evidence.find((e) => e.probe === 'dns-exchange')?.finding).toMatch(/^UDP 10\.96\.0\.10:53: a DNS answer came back \(NOERROR, \d+ ms\): delivered both ways$/);
    // a server that answers REFUSED (real dig output) still answered: delivered both ways
    const refused = splitFixture(readFileSync(new URL('../parse/fixtures/dig/refused.txt', import.meta.url), 'utf8'));
    const timeout = splitFixture(readFileSync(new URL('../parse/fixtures/dig/timeout.txt', import.meta.url), 'utf8'));
    const swap = (f: typeof refused) => {
      const r2 = new Map(runs);
      for (const p of q) r2.set(p.key, { ...r2.get(p.key)!, exitCode: f.exitCode, stdout: f.stdout, stderr: f.stderr });
      return judge({ plan, runs: r2, snapshot: fx.snapshot, depth: 'live' });
    };
    const jr = swap(refused);
    expect(jr.verdict).toBe('reachable');
    expect(jr.hops.find((h) => h.id === 'service')!.evidence.find((e) => e.probe === 'dns-exchange')?.finding).toMatch(/a DNS answer came back \(REFUSED/);
    // a UDP server on the port that is not DNS answers with something else: dig warns, and a datagram did come back
    const stray = splitFixture(readFileSync(new URL('../parse/fixtures/dig/not-dns-reply.txt', import.meta.url), 'utf8'));
    const js = swap(stray);
    expect(js.verdict).toBe('reachable');
    expect(js.hops.find((h) => h.id === 'service')!.evidence.find((e) => e.probe === 'dns-exchange')?.finding).toMatch(/a datagram came back, not a DNS answer \(dig: "Warning: short \(< header size\) message received"\)/);
    // no answer at all proves nothing about the path (nc -u says no ICMP error either): not reachable from these alone
    const jt = swap(timeout);
    expect(jt.verdict).toBe('undetermined');
    expect(jt.hops.find((h) => h.id === 'service')!.evidence.find((e) => e.probe === 'dns-exchange')?.finding).toMatch(/no DNS answer and no ICMP error within 2 s/);
  });
  it('a headless pod record no pod publishes (no spec.hostname/subdomain) is a name that does not exist, not "no ready pod"', () => {
    const fx = load('headless'); // test/contract/edge-ours.yaml: data/search has 2 ready pods; its EndpointSlice publishes no hostname
    expect(fx.snapshot.endpointSlices.filter((sl) => sl.metadata?.labels?.['kubernetes.io/service-name'] === 'search').flatMap((sl) => sl.endpoints ?? []).some((e) => (e as { hostname?: string }).hostname)).toBe(false);
    const to = parseTarget('search-0.search.data:9300');
    if (!to.ok) throw new Error('bad target');
    const plan = planPath({ namespace: 'web', name: 'client-0' }, to.value, fx.snapshot);
    expect(plan.edge?.headless?.host).toBe('search-0');
    const nx = splitFixture(readFileSync(new URL('../parse/fixtures/dig/nxdomain.txt', import.meta.url), 'utf8')); // real dig output, NXDOMAIN
    const runs = new Map<string, ProbeRun>(plan.probes.filter((p) => p.probe === 'dig').map((p) => [p.key, { key: p.key, probe: p.probe, hop: p.hop, location: 'pod web/client-0', argv: probeDef(p.probe).argv(p.args), reproduce: '', exitCode: nx.exitCode, stdout: nx.stdout, stderr: nx.stderr, durationMs: 5, timedOut: false, truncated: false }]));
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-nxdomain' });
    expect(j.firstFailure!.reason).toMatch(/^no ready pod of headless data\/search publishes hostname search-0, so search-0\.search\.data has no DNS record; its ready pods: data\/search-\d [\d.]+, data\/search-\d [\d.]+ \(a pod gets a record of its own only when its spec\.hostname is set and its spec\.subdomain is search/);
    expect(j.firstFailure!.nextStep).toMatch(/^Dial the Service name \(`search\.data`: DNS answers every ready pod\)/);
    expect(j.summary).not.toMatch(/no ready pod, so DNS/);
  });
  it('ndots 1: a name with one dot is tried as-is first, and the warning says so (not "fewer than 1 dots")', () => {
    const fx = load('udp-ours-ndots1');
    const { plan, runs } = replayPod(fx);
    const w = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).warnings.find((x) => x.cause === 'ndots-amplification');
    expect(w?.reason).toBe('"statsd.mon" has 1 dot (ndots 1), so the resolver tries it as-is first and then the search names: 2 names (statsd.mon, statsd.mon.mon.svc.cluster.local) before statsd.mon.svc.cluster.local answers: 6 queries (A and AAAA each) for one lookup');
  });
  it('NAME:PORT/udp outside the cluster: a refused datagram is app-not-listening with a next step for that host, not a backend pod', () => {
    const fx = load('udp-ours-external-refused');
    expect(fx.diagnosis.spec.to).toBe('time.example:124/udp');
    const { plan, runs } = replayPod(fx);
    expect(plan.edge?.udp).toBe(true);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'external', cause: 'app-not-listening' });
    expect(j.firstFailure?.nextStep).toMatch(/^On time\.example itself \(outside the cluster\) run `ss -ulnp`/);
    expect(j.firstFailure?.nextStep).not.toMatch(/backend pod/);
  });
  it('UDP without a reply: the trace\'s datagram captured in the destination pod is delivery; last seen earlier is not', () => {
    const fx = load('udp-ours-healthy');
    const { plan, runs } = replayPod(fx);
    const silent = evidenceOf(load('udp-ours-node-route-missing')).find((e) => e.probe === 'udp-exchange')!;
    for (const p of plan.probes.filter((x) => x.probe === 'udp-exchange')) runs.set(p.key, { ...runs.get(p.key)!, exitCode: silent.exitCode, stdout: silent.stdout, stderr: silent.stderr });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('undetermined');
    const delivered = applyTrace(j, fx.diagnosis.trace!);
    expect(delivered.verdict).toBe('reachable');
    expect(delivered.summary).toMatch(/^The capture saw the datagram arrive in pod mon\/statsd-0 eth0/);
    const stopped = applyTrace(j, load('udp-ours-node-route-missing').diagnosis.trace!);
    expect(stopped.verdict).toBe('undetermined');
  });
  it('a silent UDP path does not turn a policy that admits only TCP into policy-not-enforced', () => {
    const fx = load('udp-ours-policy-tcp-only');
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.warnings.map((w) => w.cause)).not.toContain('policy-not-enforced');
    expect(j.firstFailure?.reason).toMatch(/on UDP 514/);
  });
  it('a short outside name: the ndots warning\'s next step names that name made absolute, not a cluster Service', () => {
    const fx = load('egress-healthy'); // web/client-0 → api.partner.example:443 (answered after 3 search names)
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    const w = j.warnings.find((x) => x.cause === 'ndots-amplification')!;
    expect(w.nextStep).toBe("Use the FQDN with a trailing dot (`api.partner.example.`) or lower `ndots` in the pod's dnsConfig.");
    expect(j.hops.find((h) => h.id === 'dns')?.nextStep).toBe(w.nextStep);
  });
  it('a headless Service with one pod silent and the other answering is degraded, whichever address the client tried first', () => {
    const fx = load('headless'); // web/client-0 → search.data:9300: search-0 10.132.1.4 (drawn), search-1 on the other node
    const { plan, runs } = replayPod(fx);
    const direct = plan.probes.filter((p) => p.probe === 'tcp-connect' && p.hop === 'dst-pod');
    expect(direct.map((p) => p.args.ip).sort()).toEqual([...plan.edge!.headless!.ready].sort());
    const recorded = [...runs.values()].find((r) => r.probe === 'tcp-connect')!;
    const silent = { exitCode: 1, stdout: '', stderr: 'nc: connect to 10.132.1.4 port 9300 (tcp) timed out: Operation now in progress\n', timedOut: false };
    for (const p of direct) {
      const ip = String(p.args.ip);
      runs.set(p.key, { ...recorded, key: p.key, argv: ['nc', '-z', '-v', '-w', '2', ip, '9300'], ...(ip === '10.132.1.4' ? silent : {}) });
    }
    // no probe of the drawn path explains the silence: still degraded, with the direct connects as its evidence
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.summary).toMatch(/^1 of 2 ready pods of headless Service data\/search answer \(data\/search-1 [\d.]+:9300\); connections the client makes to data\/search-0 10\.132\.1\.4:9300 fail, and no hop's probes explain why/);
    // both silent: no pod answers, the path is down
    for (const p of direct) runs.set(p.key, { ...runs.get(p.key)!, ...silent });
    expect(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).verdict).toBe('unreachable');
  });
  it('the egress hop shows the SNAT rule and the address the outside saw', () => {
    const fx = load('egress-healthy');
    const { plan, runs } = replayPod(fx);
    const egress = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).hops.find((h) => h.id === 'egress')!;
    expect(egress.summary).toMatch(/SNAT rule on node-b: `-A IP-MASQ-AGENT .* -j MASQUERADE`/);
    expect(egress.summary).toMatch(/source address the outside sees: 172\.18\.0\.3 \(node-b's, SNAT from 10\.132\./);
  });
  it('snat-missing comes from the conntrack entry: the healthy run with the masquerade-missing conntrack output fails there', () => {
    const fx = load('egress-healthy');
    const { plan, runs } = replayPod(fx);
    const ct = plan.probes.find((p) => p.probe === 'conntrack-list')!;
    const bad = evidenceOf(load('egress-masquerade-missing')).find((e) => e.probe === 'conntrack-list')!;
    const connect = plan.probes.find((p) => p.probe === 'tcp-connect' && p.hop === 'external')!;
    const lost = evidenceOf(load('egress-masquerade-missing')).find((e) => e.probe === 'tcp-connect')!;
    runs.set(ct.key, { ...runs.get(ct.key)!, stdout: bad.stdout, stderr: bad.stderr });
    runs.set(connect.key, { ...runs.get(connect.key)!, exitCode: lost.exitCode, stdout: lost.stdout, stderr: lost.stderr });
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'egress', cause: 'snat-missing' });
  });
  it('upstream-dns needs the control query to answer: without it the cluster DNS itself is the suspect', () => {
    const fx = load('egress-upstream-dns-down');
    const { plan, runs } = replayPod(fx);
    const ctl = plan.probes.find((p) => p.probe === 'dig-control')!;
    const silent = evidenceOf(fx).find((e) => e.probe === 'dig' && /timed out/.test(e.stdout))!;
    runs.set(ctl.key, { ...runs.get(ctl.key)!, stdout: silent.stdout, exitCode: silent.exitCode });
    expect(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure?.cause).not.toBe('upstream-dns');
  });
  it('an ExternalName whose outside target does not resolve while cluster names do: upstream-dns naming the CNAME target, with the next step digging that target (not the cluster name) on the DNS pods\' node', () => {
    const fx = load('externalname-upstream-dns-down');
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'upstream-dns' });
    expect(j.firstFailure!.reason).toBe('cluster names resolve (kube-dns.kube-system.svc.cluster.local → 10.133.0.10), but partner.web.svc.cluster.local is ExternalName web/partner, a CNAME to api.partner.example outside the cluster, and api.partner.example does not resolve (partner.web.svc.cluster.local: the query timed out, no answer): the upstream resolver the cluster DNS forwards api.partner.example to does not answer');
    expect(j.firstFailure!.nextStep).toContain('there `dig api.partner.example` asks the node\'s own resolver');
    expect(j.firstFailure!.nextStep).toContain('on node-a (the cluster DNS pods\' node)');
    expect(j.firstFailure!.nextStep).not.toContain('partner.web.svc');
    expect(j.warnings.map((w) => w.cause)).not.toContain('model-mismatch');

    // the deciding outputs: the control query silent too → the cluster DNS itself does not answer (dns-timeout, not the upstream)
    const ctl = plan.probes.find((p) => p.probe === 'dig-control')!;
    const dig = plan.probes.find((p) => p.probe === 'dig')!;
    const silent = runs.get(dig.key)!;
    expect(silent.stdout).toMatch(/timed out/);
    const k = judge({ plan, runs: new Map(runs).set(ctl.key, { ...runs.get(ctl.key)!, exitCode: silent.exitCode, stdout: silent.stdout, stderr: silent.stderr }), snapshot: fx.snapshot, depth: 'live' });
    expect(k.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
    // ...and the healthy run's answer (CNAME api.partner.example → 198.51.100.20) in place of the silent lookup: no DNS finding
    const ok = load('externalname-healthy');
    const good = replayPod(ok);
    const answer = good.runs.get(good.plan.probes.find((p) => p.probe === 'dig')!.key)!;
    expect(answer.stdout).toMatch(/CNAME\s+api\.partner\.example\./);
    const m = judge({ plan, runs: new Map(runs).set(dig.key, { ...silent, exitCode: answer.exitCode, stdout: answer.stdout, stderr: answer.stderr, timedOut: false }), snapshot: fx.snapshot, depth: 'live' });
    expect(m.hops.find((h) => h.id === 'dns')!.status).not.toBe('fail');
    expect(m.firstFailure?.cause ?? null).not.toBe('upstream-dns');
    // an ExternalName to a name in the cluster's own domain asks no upstream: the same silence is the cluster DNS's own
    const inside = structuredClone(fx);
    const svc = inside.snapshot.services.find((x) => x.metadata?.name === 'partner')!;
    svc.spec!.externalName = 'search.data.svc.cluster.local';
    const n = judge({ ...replayPod(inside), snapshot: inside.snapshot, depth: 'live' });
    expect(n.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
    // the healthy ExternalName itself: reachable, the CNAME named at dns, out through node-b's SNAT
    const h = judge({ ...good, snapshot: ok.snapshot, depth: 'live' });
    expect(h.verdict).toBe('reachable');
    expect(h.hops.find((x) => x.id === 'dns')!.observed).toContain('partner.web.svc.cluster.local is ExternalName web/partner: CNAME api.partner.example → 198.51.100.20');
    expect(h.hops.find((x) => x.id === 'egress')!.observed).toMatch(/^SNAT rule on node-b: /);
  });
  it('the control query is planned only where a failed lookup could be the forwarder\'s: a name outside the cluster, not a Service name', () => {
    expect(replayPod(load('egress-upstream-dns-down')).plan.probes.some((p) => p.probe === 'dig-control')).toBe(true);
    const svc = replayPod(load('udp-statsd')).plan;
    expect(svc.name?.matched).toBeTruthy();
    expect(svc.probes.some((p) => p.probe === 'dig-control')).toBe(false);
  });
  it('a UDP Service is probed with datagrams and UDP sockets, never TCP', () => {
    const { plan } = replayPod(load('udp-statsd'));
    expect(plan.probes.some((p) => p.probe === 'tcp-connect' || p.probe === 'tcp-bulk' || p.probe === 'ss-listen')).toBe(false);
    expect(plan.probes.filter((p) => p.probe === 'udp-connect').length).toBeGreaterThan(0);
    expect(plan.probes.some((p) => p.probe === 'ss-listen-udp')).toBe(true);
  });
  it('a headless name walks to a ready pod, and an answer that is not a ready pod is a wrong answer', () => {
    const fx = load('headless');
    const { plan, runs } = replayPod(fx);
    expect(plan.edge?.headless?.ready.length).toBe(2);
    expect(plan.edge?.headless?.ready).toContain(plan.dst?.ip);
    const dig = plan.probes.find((p) => p.probe === 'dig' && runs.get(p.key)?.stdout.includes('NOERROR') && /\sA\s+10\./.test(runs.get(p.key)!.stdout))!;
    const r = runs.get(dig.key)!;
    runs.set(dig.key, { ...r, stdout: r.stdout.replace(/(\sA\s+)10\.132\.\d+\.\d+/, '$110.132.9.9') });
    expect(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-wrong-answer' });
  });
});

// fixtures/edge/wide.yaml with pod-default-route-missing:pod=shop/client-0, then shop/client-0 → api.vendor.example:443:
// the name has no address before DNS answers, and the pod cannot send anything off its link, the cluster DNS included.
// Its own route toward its resolver (the cluster DNS Service's ClusterIP, lib/plan clusterResolverIP) is the src-pod
// hop's evidence; the DNS timeout is what that causes.
describe('a pod without its default route dialling a name outside the cluster', () => {
  it('is pod-network at src-pod, from its route toward its resolver; the DNS timeout is not the first failure', () => {
    const fx = load('egress-name-pod-default-route-missing');
    const { plan, runs } = replayPod(fx);
    const route = plan.probes.find((p) => p.probe === 'route-get' && p.hop === 'src-pod')!;
    expect(route.args).toEqual({ ip: '10.51.0.10' });
    expect(runs.get(route.key)?.stderr).toMatch(/Network is unreachable/);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'src-pod', cause: 'pod-network' });
    expect(j.firstFailure!.reason).toBe('shop/client-0 has no route to 10.51.0.10 (its resolver, the cluster DNS Service kube-system/kube-dns): "Network is unreachable" — the pod lacks its default route');
    expect(j.summary).toMatch(/lacks its default route/);
    expect(j.hops.find((h) => h.id === 'src-pod')).toMatchObject({ status: 'fail', cause: 'pod-network' });
  });
  it('the same run with the healthy recording\'s route toward the resolver: the DNS timeout is the first failure again', () => {
    const fx = load('egress-name-pod-default-route-missing');
    const ok = replayPod(load('egress-name-healthy-wide'));
    const { plan, runs } = replayPod(fx);
    const route = plan.probes.find((p) => p.probe === 'route-get' && p.hop === 'src-pod')!;
    const healthy = ok.runs.get(route.key)!;
    expect(healthy.exitCode).toBe(0);
    runs.set(route.key, healthy);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
    expect(j.hops.find((h) => h.id === 'src-pod')!.summary).toMatch(/to 10\.51\.0\.10 \(its resolver, the cluster DNS Service kube-system\/kube-dns\): via 10\.50\.1\.1 dev eth0/);
  });
  it('a healthy pod reaches the name, its route toward the resolver read and passing', () => {
    const fx = load('egress-name-healthy-wide');
    const j = judge({ ...replayPod(fx), snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.hops.filter((h) => h.status === 'fail')).toEqual([]);
  });
});

describe('readers', () => {
  it('snatRuleFor finds ip-masq-agent\'s MASQUERADE in a real iptables-save and honours -s / ! -d', () => {
    const ipt = evidenceOf(load('egress-healthy')).find((e) => e.probe === 'iptables-save')!.stdout;
    expect(snatRuleFor(ipt, '10.132.2.2', '198.51.100.20')).toMatch(/-j MASQUERADE/);
    const save = '*nat\n-A POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE\nCOMMIT\n';
    expect(snatRuleFor(save, '10.244.1.5', '203.0.113.40')).toBeDefined();
    expect(snatRuleFor(save, '10.244.1.5', '10.244.2.9')).toBeUndefined();
    expect(snatRuleFor(save, '10.9.0.5', '203.0.113.40')).toBeUndefined();
  });
  it('a node firewall drop in front of a too-small tunnel: the firewall is the failure, the MTU a warning (not measured, the arithmetic given); with the tunnel wide enough, no warning', () => {
    const fx = load('calico-firewall-and-mtu'); // calico-vxlan.yaml: mtu-blackhole and node-firewall-drop on node-b
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dst-node', cause: 'node-firewall' });
    expect(j.warnings).toContainEqual(expect.objectContaining({ hop: 'overlay', cause: 'mtu-blackhole' }));
    const overlay = j.hops.find((h) => h.id === 'overlay')!;
    expect(overlay).toMatchObject({ status: 'warn', cause: 'mtu-blackhole' });
    expect(overlay.summary).toMatch(/^not measured .*tunnel MTU 1200 on node-b \(vxlan\.calico\) < pod MTU 1500/);
    // the same run with node-b's tunnel at 1500: nothing to warn about
    setLinkMtu(plan, runs, 'node-b', 'vxlan.calico', 1500);
    expect(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).warnings.filter((w) => w.cause === 'mtu-blackhole')).toEqual([]);
  });
  it('host-gw, ICMP blocked by a policy, the client\'s node link narrower than the pod MTU: downloads pass, so reachable, but the way there is warned about, with the link\'s arithmetic', () => {
    const fx = load('kindnet-mtu-upload'); // kindnet-hostgw.yaml, mtu-blackhole:node=node-a (node-a eth0 1200), app/client-0 on node-a
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
    const w = j.warnings.find((x) => x.cause === 'mtu-blackhole')!;
    expect(w.hop).toBe('overlay');
    expect(w.reason).toMatch(/^downloads from app\/web-0 pass, but the way there is not measured .* the node link MTU 1200 on node-a \(eth0\) < pod MTU 1500: app\/client-0's own packets over 1200 bytes/);
    expect(j.hops.find((h) => h.id === 'overlay')!.status).toBe('warn');
    // node-a's link at 1500: nothing to warn about
    setLinkMtu(plan, runs, 'node-a', 'eth0', 1500);
    expect(judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }).warnings.filter((x) => x.cause === 'mtu-blackhole')).toEqual([]);
  });
  it('a DNS timeout in a cluster whose nodes enforce no NetworkPolicy is not blamed on a policy that would deny it (vxlan-ignore, dns-down)', () => {
    const fx = load('ignore-dns-down-policy'); // batch/job-0 is selected by batch/job-egress, which admits no DNS
    const { plan, runs } = replayPod(fx);
    const j = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
    // the same run where a node carries a policy engine's rules: then the policy is the cause
    const ipt = plan.probes.find((p) => p.probe === 'iptables-save' && p.node === plan.src.node)!;
    const r = runs.get(ipt.key)!;
    runs.set(ipt.key, { ...r, stdout: r.stdout.replace('*filter\n', '*filter\n:PACKETWALK-FORWARD - [0:0]\n') });
    const denied = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(denied.firstFailure).toMatchObject({ hop: 'dns', cause: 'policy-denied' });
    // the egress policy lives in the source's namespace (batch), not the destination's (web)
    expect(denied.firstFailure!.nextStep).toMatch(/`kubectl describe networkpolicy -n batch`/);
    expect(denied.hops.find((h) => h.id === 'dns')!.nextStep).toMatch(/-n batch`/);
  });
  it('kube-proxy\'s KUBE-POSTROUTING MASQUERADE is for marked Service traffic only, and ip-masq-agent\'s RETURNs exempt their CIDRs: neither SNATs a pod\'s own traffic out (real rules)', () => {
    const fx = load('udp-ours-masquerade-missing'); // masquerade-missing on k1: ip-masq-agent's MASQUERADE is gone
    const bad = evidenceOf(fx).find((e) => e.probe === 'iptables-save')!.stdout;
    expect(bad).toMatch(/-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE/);
    expect(snatRuleFor(bad, '10.150.1.3', '203.0.113.123')).toBeUndefined();
    const badNft = evidenceOf(fx).find((e) => e.probe === 'nft-ruleset')!.stdout;
    expect(nftSnatRuleFor(badNft, '10.150.1.3', '203.0.113.123')).toBeUndefined();
    const good = load('udp-ours-egress-healthy');
    const goodIpt = evidenceOf(good).find((e) => e.probe === 'iptables-save')!.stdout;
    const goodNft = evidenceOf(good).find((e) => e.probe === 'nft-ruleset')!.stdout;
    const found = snatRuleFor(goodIpt, '10.150.1.3', '203.0.113.123') ?? nftSnatRuleFor(goodNft, '10.150.1.3', '203.0.113.123');
    expect(found).toMatch(/masquerade/i);
    expect(found).not.toMatch(/KUBE-POSTROUTING|kubernetes service traffic/);
    // a destination inside ip-masq-agent's exempt CIDRs is not masqueraded
    const masq = '*nat\n-A POSTROUTING -j IP-MASQ-AGENT\n-A IP-MASQ-AGENT -d 10.0.0.0/8 -j RETURN\n-A IP-MASQ-AGENT -j MASQUERADE\nCOMMIT\n';
    expect(snatRuleFor(masq, '10.244.1.5', '10.20.0.7')).toBeUndefined();
    expect(snatRuleFor(masq, '10.244.1.5', '203.0.113.40')).toBe('-A IP-MASQ-AGENT -j MASQUERADE');
    const nft = 'table ip nat {\n\tchain IP-MASQ-AGENT {\n\t\tip daddr 10.0.0.0/8 counter packets 0 bytes 0 return\n\t\tcounter packets 0 bytes 0 masquerade\n\t}\n\tchain KUBE-POSTROUTING {\n\t\tmeta mark & 0x00004000 != 0x00004000 return\n\t\tcounter packets 0 bytes 0 masquerade\n\t}\n}\n';
    expect(nftSnatRuleFor(nft, '10.244.1.5', '10.20.0.7')).toBeUndefined();
    expect(nftSnatRuleFor(nft, '10.244.1.5', '203.0.113.40')).toBe('chain IP-MASQ-AGENT: masquerade');
  });
  it('udpOutcome reads netcat-openbsd as measured (silent exit 1 = port-unreachable; succeeded = no ICMP error)', () => {
    const base = { key: 'k', probe: 'udp-connect', hop: 'dst-pod' as const, location: 'pod a/b', argv: [], reproduce: '', durationMs: 12, timedOut: false, truncated: false };
    expect(udpOutcome({ ...base, exitCode: 1, stdout: '', stderr: '' })).toBe('refused');
    expect(udpOutcome({ ...base, exitCode: 0, stdout: '', stderr: 'Connection to 127.0.0.1 8126 port [udp/*] succeeded!\n' })).toBe('no-icmp');
  });
});
