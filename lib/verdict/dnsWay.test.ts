// A DNS timeout behind a fault on the cluster DNS pods' own way is that fault at dns, read with the pod path's own
// readings of a destination pod (the pod's host-side veth, its interface and its route back; the source node's route
// and neighbor toward the DNS pod's node). Recorded on test/lab/fixtures/dns-apart-hostgw.yaml (CoreDNS alone on
// worker-0; shop/frontend-0 on worker-1 → backend.shop:80, drawn to worker-2), one fixture per fault
// (scripts/record-edge-fixtures.ts). Each test swaps the deciding probe's output for another recording's of the same
// lab where that part was healthy, and the finding falls back to 'cluster DNS is not answering'. The VXLAN cases
// (dns-vxlan-*) were recorded on the same file with `overlay: vxlan`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { dnsPods } from '../plan';
import { DIG_NO_REPLY, MAX_DNS_WAY_PODS, withDnsWay } from '../plan/ops';
import { replayPod, type RecordedDiagnosis } from './replay';
import type { ProbeRun } from './context';

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/edge/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;
const COREDNS = /kube-system\/coredns-\w+-\w+/.source;

/** The fixture replayed, with the runs whose key `swap` names replaced by the same probe's run in `from`. */
function judged(name: string, swap?: { from: string; keys: (key: string) => boolean }) {
  const fx = load(name);
  const { plan, runs } = replayPod(fx);
  if (swap) {
    const other = replayPod(load(swap.from)).runs;
    const keys = [...runs.keys()].filter(swap.keys);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const r = other.get(k)!;
      expect(r.stdout).not.toBe(runs.get(k)!.stdout);
      runs.set(k, r);
    }
  }
  return { plan, runs, j: judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }) };
}

const fallsBack = (j: ReturnType<typeof judge>) => {
  expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
  expect(j.firstFailure!.reason).toMatch(/cluster DNS is not answering \(its pod: kube-system\/coredns-\S+ on worker-0\)$/);
};

describe('a DNS timeout behind the CoreDNS pod\'s own veth, routes, or the way to its node', () => {
  it('veth-down on the CoreDNS pod: veth-down at dns, naming the pod, its veth and node, with the node\'s command', () => {
    const { j } = judged('dns-coredns-veth-down');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'veth-down' });
    expect(j.firstFailure!.reason).toMatch(new RegExp(`^DNS queries to the cluster DNS on worker-0 time out because the host side of ${COREDNS}'s veth, \\S+ on worker-0, is down \\(state DOWN\\)$`));
    expect(j.firstFailure!.nextStep).toMatch(new RegExp(`^On worker-0, \`ip link show \\S+\` is the host side of ${COREDNS}'s veth: bring it up \\(\`ip link set \\S+ up\`\\)`));
    const dns = j.hops.find((h) => h.id === 'dns')!;
    expect(dns.evidence.find((e) => e.probe === 'node-link' && e.where === 'node worker-0')?.finding).toMatch(/: DOWN, in bridge cni0, mtu 1500 \(the host side of kube-system\/coredns-/);
    // the CoreDNS pod's own eth0 says why too, and its reproduce line execs into that pod
    const addr = dns.evidence.find((e) => e.probe === 'addr' && e.where.startsWith('pod kube-system/coredns-'))!;
    expect(addr.finding).toMatch(/^eth0 set up, but it has no carrier/);
    expect(addr.reproduce).toMatch(/^kubectl debug -n kube-system coredns-\S+ -it .* -- ip -j addr show$/);
  });
  it('the same run with worker-0\'s links from a run where the veth was up: the timeout stands unexplained', () => {
    fallsBack(judged('dns-coredns-veth-down', { from: 'dns-hostgw-stale-neighbor', keys: (k) => k === 'node/worker-0:node-link' }).j);
  });

  it('pod-default-route-missing on the CoreDNS pod: pod-network at dns, its route back to the source refused', () => {
    const { j } = judged('dns-coredns-default-route-missing');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'pod-network' });
    expect(j.firstFailure!.reason).toMatch(new RegExp(`^DNS queries to the cluster DNS on worker-0 time out because ${COREDNS} has no route to 10\\.244\\.\\d+\\.\\d+ \\(shop/frontend-0, where its answers go\\): "Network is unreachable" — the pod lacks its default route$`));
    expect(j.firstFailure!.nextStep).toMatch(new RegExp(`^Check ${COREDNS}'s sandbox: .*read the CNI logs on worker-0\\.$`));
  });
  it('the same run with the CoreDNS pod\'s route from a healthy recording: the timeout stands unexplained', () => {
    fallsBack(judged('dns-coredns-default-route-missing', { from: 'dns-hostgw-stale-neighbor', keys: (k) => /^kube-system\/coredns-.*:route-get:/.test(k) }).j);
  });

  it('stale-neighbor on the source\'s node toward the DNS node (host-gw): neighbor-stale at dns, with the node\'s command', () => {
    const { j } = judged('dns-hostgw-stale-neighbor');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'neighbor-stale' });
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on worker-0 time out because worker-1's neighbor entry for worker-0 \(172\.18\.0\.2\) says [0-9a-f:]{17}, but worker-0's eth0 has MAC [0-9a-f:]{17}$/);
    expect(j.firstFailure!.nextStep).toMatch(/^On worker-1, `ip neigh show 172\.18\.0\.2` must give worker-0's MAC/);
    // the path's own overlay (worker-1 → worker-2) is not the DNS way: it stays clean
    expect(j.hops.find((h) => h.id === 'overlay')!.status).toBe('pass');
  });
  it('the same run with worker-1\'s neighbors from a run where they were right: the timeout stands unexplained', () => {
    fallsBack(judged('dns-hostgw-stale-neighbor', { from: 'dns-coredns-veth-down', keys: (k) => k === 'node/worker-1:neigh' }).j);
  });

  it('node-route-missing toward the DNS node (host-gw): node-route at dns; with the route from a healthy run, unexplained', () => {
    const { j } = judged('dns-hostgw-node-route-missing');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'node-route' });
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on worker-0 time out because worker-1 has no route to worker-0's pod CIDR: 10\.244\.1\.2 would leave via 172\.18\.0\.1 dev eth0$/);
    fallsBack(judged('dns-hostgw-node-route-missing', { from: 'dns-coredns-veth-down', keys: (k) => k === 'node/worker-1:node-route-get:10.244.1.2' }).j);
  });
});

// The same lab on VXLAN (overlay: vxlan), shop/frontend-0 → solo.shop:80: a same-node path (solo-0 on worker-1), so the
// source node's FDB is read for the DNS way alone (withDnsWay plans it), not for the path's overlay.
describe('VXLAN: the source node\'s neighbor and FDB entries for the DNS node\'s tunnel endpoint', () => {
  it('stale-neighbor (both entries wrong): neighbor-stale at dns, the neighbor entry named first', () => {
    const { j } = judged('dns-vxlan-stale-neighbor');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'neighbor-stale' });
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on worker-0 time out because worker-1's neighbor entry for worker-0's tunnel endpoint 10\.244\.1\.0 says [0-9a-f:]{17}, but worker-0's flannel\.1 has MAC [0-9a-f:]{17}$/);
    expect(j.firstFailure!.nextStep).toMatch(/^On worker-1: Compare `bridge fdb show dev flannel\.1`/);
  });
  it('the neighbor entry put right, the FDB still wrong: the FDB entry is the cause', () => {
    const { j } = judged('dns-vxlan-stale-neighbor', { from: 'dns-vxlan-coredns-veth-down', keys: (k) => k === 'node/worker-1:neigh' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'neighbor-stale' });
    expect(j.firstFailure!.reason).toMatch(/because worker-1's FDB (sends [0-9a-f:]{17} to \S+, but worker-0 is 172\.18\.0\.2|has no entry for worker-0's VTEP MAC)/);
  });
  it('both put right: the timeout stands unexplained', () => {
    fallsBack(judged('dns-vxlan-stale-neighbor', { from: 'dns-vxlan-coredns-veth-down', keys: (k) => k === 'node/worker-1:neigh' || k === 'node/worker-1:fdb' }).j);
  });
  it('veth-down on the CoreDNS pod reads the same on VXLAN', () => {
    expect(judged('dns-vxlan-coredns-veth-down').j.firstFailure).toMatchObject({ hop: 'dns', cause: 'veth-down' });
  });
});

// Calico VXLAN (test/contract/calico-vxlan.yaml, stale-neighbor:node=node-a,peer=node-b; fixtures/edge/
// dns-calico-stale-neighbor-back.json): app/web-0 on node-b → web.app:80, a same-node path (web-0 backs the Service),
// CoreDNS on node-a. The stale entries are on the DNS node, toward the source node: the queries arrive, every answer
// goes to a wrong MAC. Was 'cluster DNS is not answering' (the DNS way read only the source node's entries).
describe('VXLAN: the DNS node\'s neighbor and FDB entries for the source node (the answers\' way back)', () => {
  it('stale-neighbor on the DNS node: neighbor-stale at dns naming node-a\'s entry for node-b and the way back', () => {
    const { j } = judged('dns-calico-stale-neighbor-back');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'neighbor-stale' });
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on node-a time out because node-a's neighbor entry for node-b's tunnel endpoint [\d.]+ says [0-9a-f:]{17}, but node-b's vxlan\.calico has MAC [0-9a-f:]{17} \(the DNS answers' way back\)/);
    expect(j.firstFailure!.nextStep).toMatch(/^On node-a: Compare `bridge fdb show dev vxlan\.calico`/);
  });
  it('the DNS node\'s neighbor and FDB from a run of the same lab where they were right (overlay-blocked elsewhere): unexplained', () => {
    const { j } = judged('dns-calico-stale-neighbor-back', { from: 'dns-calico-overlay-blocked', keys: (k) => k === 'node/node-a:neigh' || k === 'node/node-a:fdb' });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'dns-timeout' });
  });
});

describe('withDnsWay: the DNS pods\' own probes only once no lookup answered', () => {
  const fx = load('dns-coredns-veth-down');
  const { plan, runs } = replayPod(fx);
  const before = { ...plan, probes: plan.probes.filter((p) => !(p.hop === 'dns' && p.pod?.namespace === 'kube-system')) };
  const digs = (exitCode: number) => {
    const m = new Map<string, Pick<ProbeRun, 'exitCode'>>([...runs].filter(([, r]) => r.probe !== 'dig'));
    for (const p of before.probes.filter((x) => x.probe === 'dig')) m.set(p.key, { exitCode });
    return m;
  };
  it('every dig unanswered: the CoreDNS pod\'s addr and its route back to the source', () => {
    const way = withDnsWay(before, dnsPods(fx.snapshot), digs(DIG_NO_REPLY));
    expect(way.added.map((p) => p.key.replace(/coredns-\w+-\w+/, 'coredns-X'))).toEqual(['kube-system/coredns-X:addr', `kube-system/coredns-X:route-get:${plan.src.ip}`]);
    expect(way.added.every((p) => p.hop === 'dns' && p.phase === 2)).toBe(true);
  });
  it('a same-node path: the source node\'s FDB too (the path\'s overlay plans none)', () => {
    const sn = load('dns-vxlan-stale-neighbor');
    const r = replayPod(sn);
    const base = { ...r.plan, probes: r.plan.probes.filter((p) => !(p.hop === 'dns' && p.phase === 2 && p.probe !== 'dig')) };
    const m = new Map([...r.runs].map(([k, v]) => [k, { exitCode: v.exitCode }]));
    expect(withDnsWay(base, dnsPods(sn.snapshot), m).added.map((p) => p.key)[0]).toBe('node/worker-1:fdb');
  });
  it('DNS pods on other nodes: the DNS node\'s neighbors, FDB and ping to the source pod, and the source node\'s ping to each DNS pod (the answers\' next hop; a VPC router\'s answer)', () => {
    const bare = { ...before, probes: before.probes.filter((p) => !(p.phase === 2 && (p.probe === 'neigh' || p.probe === 'fdb' || p.probe === 'node-ping'))) };
    const dns = dnsPods(fx.snapshot);
    const keys = withDnsWay(bare, dns, digs(DIG_NO_REPLY)).added.map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['node/worker-0:neigh', 'node/worker-0:fdb', `node/worker-0:node-ping:${plan.src.ip}`, `node/${plan.src.node}:node-ping:${dns[0].ip}`]));
    // a DNS pod on the source's node too: no pings (the way between nodes is not probed), but the far DNS node's
    // neighbor and FDB entries for the source node are still read (the answers of the lookups sent there)
    const near = [...dns, { ip: '10.244.9.9', node: plan.src.node, pod: { namespace: 'kube-system', name: 'coredns-near' } }];
    const added = withDnsWay(bare, near, digs(DIG_NO_REPLY)).added;
    expect(added.filter((p) => p.probe === 'node-ping')).toEqual([]);
    expect(added.filter((p) => p.node === 'worker-0' && (p.probe === 'neigh' || p.probe === 'fdb')).map((p) => p.probe)).toEqual(['neigh', 'fdb']);
  });
  it('a lookup that answered (or one that did not run): nothing added, the healthy path gains no exec', () => {
    expect(withDnsWay(before, dnsPods(fx.snapshot), digs(0)).added).toEqual([]);
    const one = digs(DIG_NO_REPLY);
    one.set(before.probes.find((p) => p.probe === 'dig')!.key, { exitCode: 0 });
    expect(withDnsWay(before, dnsPods(fx.snapshot), one).added).toEqual([]);
    const notRun = digs(DIG_NO_REPLY);
    notRun.set(before.probes.find((p) => p.probe === 'dig')!.key, { exitCode: null, notRun: 'needs create on pods/ephemeralcontainers in shop' } as never);
    expect(withDnsWay(before, dnsPods(fx.snapshot), notRun).added).toEqual([]);
  });
});

describe('the DNS node\'s own probes', () => {
  it('a healthy plan starts nothing on a node that only hosts CoreDNS; no answer adds its links and both rule dumps', () => {
    const fx = load('dns-coredns-veth-down');
    const { plan } = replayPod(fx);
    const first = plan.probes.filter((p) => p.phase === 1 || p.phase === undefined);
    expect(first.some((p) => p.node === 'worker-0')).toBe(false);
    const dumps = plan.probes.filter((p) => p.node === 'worker-0').map((p) => `${p.probe}@${p.phase}`);
    expect(dumps).toEqual(expect.arrayContaining(['node-link@2', 'iptables-save@2', 'nft-ruleset@2', 'neigh@2', 'fdb@2']));
  });
  it('rule dumps on at most MAX_DNS_WAY_PODS DNS nodes, hostNetwork DNS pods\' nodes too, never the source node again', () => {
    const fx = load('dns-coredns-veth-down');
    const { plan } = replayPod(fx);
    const before = { ...plan, probes: plan.probes.filter((p) => !(p.hop === 'dns' && p.phase === 2 && p.probe !== 'dig')) };
    const m = new Map(before.probes.filter((p) => p.probe === 'dig').map((p) => [p.key, { exitCode: DIG_NO_REPLY }]));
    const many = [{ ip: '172.18.0.9', node: 'node-h' }, ...Array.from({ length: 6 }, (_, i) => ({ ip: `10.244.9.${i}`, node: `node-${i}`, pod: { namespace: 'kube-system', name: `coredns-${i}` } })), { ip: '10.244.1.99', node: plan.src.node, pod: { namespace: 'kube-system', name: 'coredns-src' } }];
    const dumped = withDnsWay(before, many, m).added.filter((p) => p.probe === 'iptables-save' || p.probe === 'nft-ruleset');
    expect([...new Set(dumped.map((p) => p.node))]).toEqual(['node-h', 'node-0', 'node-1', 'node-2'].slice(0, MAX_DNS_WAY_PODS));
    expect(dumped.every((p) => p.hop === 'dns' && p.phase === 2)).toBe(true);
  });
});

describe('withDnsWay on a cluster with many DNS replicas', () => {
  it(`probes at most MAX_DNS_WAY_PODS of them (each costs an exec and a debug container)`, () => {
    const fx = load('dns-coredns-veth-down');
    const { plan } = replayPod(fx);
    const before = { ...plan, probes: plan.probes.filter((p) => !(p.hop === 'dns' && p.pod?.namespace === 'kube-system')) };
    const m = new Map(before.probes.filter((p) => p.probe === 'dig').map((p) => [p.key, { exitCode: DIG_NO_REPLY }]));
    const many = Array.from({ length: 10 }, (_, i) => ({ ip: `10.244.1.${10 + i}`, node: 'worker-0', pod: { namespace: 'kube-system', name: `coredns-${i}` } }));
    const added = withDnsWay(before, many, m).added;
    const pods = new Set(added.filter((p) => p.pod?.namespace === 'kube-system').map((p) => p.pod?.name));
    expect([...pods]).toEqual(many.slice(0, MAX_DNS_WAY_PODS).map((d) => d.pod.name));
    // and the same replicas dug directly, from the source pod (not from inside them)
    const direct = added.filter((p) => p.probe === 'dig-replica');
    expect(direct.map((p) => p.args.ip)).toEqual(many.slice(0, MAX_DNS_WAY_PODS).map((d) => d.ip));
    expect(direct.every((p) => p.pod?.name === plan.src.name && p.pod?.namespace === plan.src.namespace)).toBe(true);
  });
});

describe('a down veth explains a refused route behind it', () => {
  it('veth-down with the CoreDNS pod\'s route refused too (a kernel that ignores linkdown routes): still veth-down', () => {
    const { j } = judged('dns-coredns-veth-down', { from: 'dns-coredns-default-route-missing', keys: (k) => /^kube-system\/coredns-.*:route-get:/.test(k) });
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'veth-down' });
  });
});
