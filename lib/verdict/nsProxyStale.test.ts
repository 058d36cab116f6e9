// kube-proxy's rules on the node a LoadBalancer or NodePort flow enters, judged as the pod path's service hop judges a
// ClusterIP (lib/kube traceService / traceNodePort, compareWithEndpoints): recorded with the lab fault
// stale-proxy-rules (kube-proxy keeps DNATing the Service to an endpoint IP that no longer exists) on lab/default.yaml
// (iptables: outside → storefront's LoadBalancer IP and NodePort) and on fixtures/edge/calico-hostgw-nft.yaml
// (nftables: outside → lb's LoadBalancer IP, outside → np's NodePort), each beside a healthy recording on the same lab.
// Swapping the entry node's one dump for the healthy one proves the finding is read from that dump. A pod dialling a
// LoadBalancer address has no entry node: kube-proxy on its own node captures the address (the last describe).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../causes';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { planNorthSouth } from '../plan/northSouth';
import { parseSource, parseTarget } from '../target';

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/edge/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;

describe('north-south: stale kube-proxy rules on the entry node', () => {
  it.each([
    // [stale recording, healthy recording of the same lab, dump probe, entry node, flow, stale endpoint, ready endpoints]
    ['ns-lb-stale-proxy-rules', 'ns-lb-default-healthy', 'iptables-save', 'worker-1', '198.51.100.129:80', '10.244.1.254:8080', /EndpointSlice says 10\.244\.1\.3:8080, 10\.244\.2\.2:8080, the KUBE-SEP-\w+ rule DNATs to 10\.244\.1\.254:8080/],
    ['ns-nodeport-stale-proxy-rules', 'ns-lb-default-healthy', 'iptables-save', 'worker-2', 'NodePort 32671', '10.244.1.254:8080', /EndpointSlice says 10\.244\.1\.3:8080, 10\.244\.2\.2:8080, the KUBE-SEP-\w+ rule DNATs to 10\.244\.1\.254:8080/],
    ['ns-nft-lb-stale-proxy-rules', 'ns-nft-lb-healthy', 'nft-ruleset', 'n2', '198.51.100.129:80', '10.50.2.254:8080', /EndpointSlice says 10\.50\.2\.3:8080, the endpoint-\w+-shop\/lb\/tcp\/http__10\.50\.2\.254\/8080 chain DNATs to 10\.50\.2\.254:8080/],
    ['ns-nft-nodeport-stale-proxy-rules', 'ns-nft-nodeport-healthy', 'nft-ruleset', 'n1', 'NodePort 31080', '10.50.2.254:8080', /EndpointSlice says 10\.50\.2\.3:8080, the endpoint-\w+-shop\/np\/tcp\/http__10\.50\.2\.254\/8080 chain DNATs to 10\.50\.2\.254:8080/],
  ])('%s: proxy-rules-stale at node-port names the stale endpoint; the healthy dump in its place names none', (name, healthy, probe, node, flow, stale, says) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'proxy-rules-stale' });
    expect(j.firstFailure!.reason.startsWith(`on node ${node}, for ${flow}: `)).toBe(true);
    expect(j.firstFailure!.reason).toMatch(says);
    expect(j.firstFailure!.reason).toContain(stale);
    // the existing cause's next step, its placeholder filled with the Service's ClusterIP
    expect(j.firstFailure!.nextStep).toBe(CAUSES['proxy-rules-stale'].nextStep.replace('<VIP>', plan.service!.vip!));
    expect(j.summary).not.toMatch(/no hop's probes explain it/);
    const hop = j.hops.find((h) => h.id === 'node-port')!;
    expect(hop).toMatchObject({ status: 'fail', cause: 'proxy-rules-stale' });
    // the entry node's dump is the evidence, and its finding is the comparison
    const dump = plan.probes.find((p) => p.probe === probe && p.node === node)!;
    expect(hop.evidence.find((e) => e.probe === probe && e.stdout === runs.get(dump.key)!.stdout)?.finding).toMatch(says);

    // the same run with the entry node's healthy dump (same lab, same endpoints): nothing stale to name
    const good = load(healthy);
    const g = replayNorthSouth(good);
    const goodDump = g.plan.probes.find((p) => p.probe === probe && p.node === node)!;
    const swapped = new Map(runs).set(dump.key, { ...runs.get(dump.key)!, stdout: g.runs.get(goodDump.key)!.stdout });
    const k = judgeNorthSouth({ plan, runs: swapped, snapshot: fx.snapshot, depth: 'live' });
    expect(k.verdict).toBe('unreachable');
    expect(k.firstFailure?.cause).not.toBe('proxy-rules-stale');
    expect(k.hops.find((h) => h.id === 'node-port')?.observed).toMatch(/kube-proxy \((iptables|nftables)\) on \S+ sends .* the Service's ready endpoints/);
  });

  it.each([
    ['ns-lb-default-healthy', 'iptables', 'worker-1', 'TCP 198.51.100.129:80'],
    ['ns-nft-lb-healthy', 'nftables', 'n2', 'TCP 198.51.100.129:80'],
    ['ns-nft-nodeport-healthy', 'nftables', 'n1', 'NodePort TCP 31080'],
  ])('%s: a healthy LoadBalancer/NodePort stays reachable, every hop passes, no warning; the trace agrees with the EndpointSlice', (name, mode, node, what) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
    expect(j.warnings).toEqual([]);
    expect(j.hops.filter((h) => h.status !== 'pass')).toEqual([]);
    expect(j.hops.find((h) => h.id === 'node-port')?.observed).toContain(`kube-proxy (${mode}) on ${node} sends ${what}`);
  });

  it('rules that DNAT one of two endpoints to an address that is gone, while the connect opened: degraded, as the pod path', () => {
    const fx = load('ns-lb-default-healthy');
    const { plan, runs } = replayNorthSouth(fx);
    const dump = plan.probes.find((p) => p.probe === 'iptables-save' && p.node === 'worker-1')!;
    const r = runs.get(dump.key)!;
    const stdout = r.stdout.replace(/(--comment "?shop\/storefront:http"? .*--to-destination) 10\.244\.2\.2:8080/, '$1 10.244.2.99:8080');
    expect(stdout).not.toBe(r.stdout);
    runs.set(dump.key, { ...r, stdout });
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'node-port', cause: 'proxy-rules-stale' });
    expect(j.firstFailure!.reason).toMatch(/^on node worker-1, for 198\.51\.100\.129:80: EndpointSlice says 10\.244\.1\.3:8080, 10\.244\.2\.2:8080, the KUBE-SEP-\w+ rule DNATs to 10\.244\.2\.99:8080\.$/);
    expect(j.summary).toMatch(/^some connections work; kube-proxy rules point at old endpoints at node-port: /);
  });

  it('the stale dump with a connect that opened stays reachable: observed beats inferred', () => {
    const fx = load('ns-lb-stale-proxy-rules');
    const { plan, runs } = replayNorthSouth(fx);
    const good = replayNorthSouth(load('ns-lb-default-healthy'));
    let swapped = 0;
    for (const p of plan.probes.filter((x) => /tcp-connect$/.test(x.probe))) {
      const q = good.plan.probes.find((x) => x.key === p.key);
      if (q && good.runs.has(q.key)) { runs.set(p.key, good.runs.get(q.key)!); swapped++; }
    }
    expect(swapped).toBeGreaterThan(1);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
  });
});

// A pod dialling a LoadBalancer Service's ingress address: kube-proxy on the pod's own node holds a rule for the address
// (iptables KUBE-SERVICES "loadbalancer IP" → KUBE-EXT-…, nft map service-ips) and DNATs it there, so the load balancer
// and the NodePorts are not on the way (lib/plan/egress lbIngressCaptured). Recorded with proxy-rules-missing /
// stale-proxy-rules on test/contract/edge-ours.yaml (iptables: web/client-0 on node-b → web/site-lb 198.51.100.130, its
// endpoint on node-a) and fixtures/edge/calico-hostgw-nft.yaml (nftables: shop/client-0 on n1 → shop/lb 198.51.100.129,
// externalTrafficPolicy Local, its endpoint on n2), each beside a healthy recording of the same path.
describe('in-cluster: a pod dialling a LoadBalancer address is judged on kube-proxy\'s rule on its own node', () => {
  it.each([
    // [faulted recording, healthy recording, dump probe, source node, source, LB address, Service, where the rule is looked for, next step's command]
    ['ns-pod-lb-proxy-rules-missing', 'ns-pod-lb-healthy', 'iptables-save', 'node-b', 'web/client-0', '198.51.100.130', 'web/site-lb', 'iptables-save (nat KUBE-SERVICES)', 'iptables-save -t nat | grep 198.51.100.130', 'iptables'],
    ['ns-nft-pod-lb-proxy-rules-missing', 'ns-nft-pod-lb-healthy', 'nft-ruleset', 'n1', 'shop/client-0', '198.51.100.129', 'shop/lb', 'nft table ip kube-proxy (map service-ips)', 'nft list map ip kube-proxy service-ips | grep 198.51.100.129', 'nftables'],
    // lab/default.yaml: shop/backend-0 on worker-2 → shop/storefront 198.51.100.129 (the tester's case: it was blamed on worker-1's NodePort rule)
    ['ns-pod-lb-default-proxy-rules-missing', 'ns-pod-lb-default-healthy', 'iptables-save', 'worker-2', 'shop/backend-0', '198.51.100.129', 'shop/storefront', 'iptables-save (nat KUBE-SERVICES)', 'iptables-save -t nat | grep 198.51.100.129', 'iptables'],
  ])('%s: proxy-rules-missing at service, kube-proxy on the source\'s node, the dump its evidence; the healthy dump in its place names none', (name, healthy, probe, node, src, ip, svc, where, look, mode) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    // the path: the source's node's rule for the address, then the endpoint — no load balancer, no NodePort
    expect(plan.via).toBe('cluster-ip');
    expect(plan.lb).toEqual({ ip, inCluster: true });
    expect(plan.hops.map((h) => h.id)).not.toContain('lb');
    expect(plan.hops.map((h) => h.id)).not.toContain('node-port');
    expect(plan.hops.map((h) => h.id).slice(0, 4)).toEqual(['src-pod', 'service', 'src-veth', 'src-node']);
    expect(plan.probes.filter((p) => p.probe === 'tcp-connect').map((p) => p.args.ip)).toEqual([ip]);
    const dump = plan.probes.find((p) => p.probe === probe && p.node === node && p.hop === 'service')!;
    expect(runs.get(dump.key)?.exitCode).toBe(0);

    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'service', cause: 'proxy-rules-missing' });
    expect(j.firstFailure!.reason).toBe(`kube-proxy on ${node}, ${src}'s node, holds no rule for LoadBalancer address ${ip}:80 of Service ${svc}: kube-proxy has no rule for TCP ${ip}:80 in ${where}; the EndpointSlice lists ${plan.service!.endpoints.ready.join(', ')}. Inside the cluster kube-proxy on the source's own node DNATs that address to an endpoint; without its rule the connection is not sent to an endpoint but routed out like any outside address, toward the load balancer`);
    expect(j.firstFailure!.reason).not.toMatch(/NodePort/);
    expect(j.firstFailure!.nextStep).toContain(`On ${node} run \`${look}\``);
    const hop = j.hops.find((h) => h.id === 'service')!;
    expect(hop).toMatchObject({ status: 'fail', cause: 'proxy-rules-missing' });
    expect(hop.evidence.find((e) => e.probe === probe && e.where === `node ${node}`)?.finding).toBe(`kube-proxy has no rule for TCP ${ip}:80 in ${where}; the EndpointSlice lists ${plan.service!.endpoints.ready.join(', ')}.`);
    expect(j.hops.filter((h) => h.status === 'fail').map((h) => h.id)).toEqual(['service']);

    // the deciding output: the healthy recording's dump of the same node in its place — the rule is there, so nothing
    // is missing (the connect still failed: no hop explains it)
    const good = load(healthy);
    const g = replayNorthSouth(good);
    const goodDump = g.plan.probes.find((p) => p.probe === probe && p.node === node && p.hop === 'service')!;
    const swapped = new Map(runs).set(dump.key, { ...runs.get(dump.key)!, stdout: g.runs.get(goodDump.key)!.stdout });
    const k = judgeNorthSouth({ plan, runs: swapped, snapshot: fx.snapshot, depth: 'live' });
    expect(k.firstFailure?.cause).not.toBe('proxy-rules-missing');
    expect(k.hops.find((h) => h.id === 'service')!.observed).toContain(`kube-proxy (${mode}) on ${node} sends TCP ${ip}:80 (${svc}`);
    // ...and observed beats inferred: the faulted dump with the healthy run's connect (it opened) names nothing
    const connect = plan.probes.find((p) => p.probe === 'tcp-connect')!;
    const opened = g.runs.get(g.plan.probes.find((p) => p.probe === 'tcp-connect')!.key)!;
    const o = judgeNorthSouth({ plan, runs: new Map(runs).set(connect.key, { ...opened, key: connect.key }), snapshot: fx.snapshot, depth: 'live' });
    expect(o.firstFailure).toBeNull();
    expect(o.verdict).toBe('reachable');
  });

  it.each([
    ['ns-pod-lb-healthy', 'iptables', 'node-b', '198.51.100.130', 'web/site-lb'],
    ['ns-nft-pod-lb-healthy', 'nftables', 'n1', '198.51.100.129', 'shop/lb'],
    ['ns-pod-lb-default-healthy', 'iptables', 'worker-2', '198.51.100.129', 'shop/storefront'],
  ])('%s: a healthy LoadBalancer address from a pod stays reachable, every hop passes, kube-proxy on the pod\'s node traced to the ready endpoints', (name, mode, node, ip, svc) => {
    const fx = load(name);
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('reachable');
    expect(j.firstFailure).toBeNull();
    expect(j.hops.filter((h) => h.status !== 'pass')).toEqual([]);
    expect(j.hops.find((h) => h.id === 'service')!.observed).toContain(`kube-proxy (${mode}) on ${node} sends TCP ${ip}:80 (${svc}`);
    expect(j.hops.find((h) => h.id === 'service')!.observed).toContain('the Service\'s ready endpoints');
  });

  it('one of two endpoints behind a veth that is down (lab/default.yaml): each ready endpoint is dialled from the pod\'s node, as kube-proxy there picks per connection — degraded, the dead one named; with its direct connect answering, not half a Service', () => {
    const fx = load('ns-pod-lb-endpoint-veth-down');
    const { plan, runs } = replayNorthSouth(fx);
    const direct = plan.probes.filter((p) => p.probe === 'node-tcp-connect' && p.node === 'worker-2');
    expect(direct.map((p) => `${p.args.ip}:${p.args.port}`)).toEqual(['10.244.1.3:8080', '10.244.2.2:8080']);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('degraded');
    expect(j.firstFailure).toMatchObject({ hop: 'dst-veth', cause: 'veth-down' });
    expect(j.summary).toMatch(/^1 of 2 ready endpoints of Service shop\/storefront answer from worker-2 \(10\.244\.2\.2:8080\); connections kube-proxy sends to 10\.244\.1\.3:8080 fail: /);
    // the deciding output: the dead endpoint's direct connect from worker-2 as it was in the healthy recording
    const good = replayNorthSouth(load('ns-pod-lb-default-healthy'));
    const dead = direct.find((p) => p.args.ip === '10.244.1.3')!;
    expect(runs.get(dead.key)!.exitCode).not.toBe(0);
    const k = judgeNorthSouth({ plan, runs: new Map(runs).set(dead.key, { ...good.runs.get(dead.key)!, key: dead.key }), snapshot: fx.snapshot, depth: 'live' });
    expect(k.summary).not.toMatch(/^1 of 2 ready endpoints/);
  });

  it('stale rules for the address on the pod\'s own node (nftables): proxy-rules-stale at service on n1; n1\'s healthy dump in its place names none', () => {
    const fx = load('ns-nft-pod-lb-stale-proxy-rules');
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'service', cause: 'proxy-rules-stale' });
    expect(j.firstFailure!.reason).toMatch(/^on node n1: EndpointSlice says 10\.50\.2\.3:8080, the endpoint-\w+-shop\/lb\/tcp\/http__10\.50\.2\.254\/8080 chain DNATs to 10\.50\.2\.254:8080/);
    const dump = plan.probes.find((p) => p.probe === 'nft-ruleset' && p.node === 'n1' && p.hop === 'service')!;
    const g = replayNorthSouth(load('ns-nft-pod-lb-healthy'));
    const goodDump = g.plan.probes.find((p) => p.probe === 'nft-ruleset' && p.node === 'n1' && p.hop === 'service')!;
    const k = judgeNorthSouth({ plan, runs: new Map(runs).set(dump.key, { ...runs.get(dump.key)!, stdout: g.runs.get(goodDump.key)!.stdout }), snapshot: fx.snapshot, depth: 'live' });
    expect(k.firstFailure?.cause).not.toBe('proxy-rules-stale');
  });
});

describe('in-cluster: which LoadBalancer addresses kube-proxy captures', () => {
  it('an ingress with ipMode Proxy is not captured (KEP-1860): a pod\'s connection goes to the load balancer, as from outside', () => {
    const fx = load('ns-pod-lb-healthy');
    const s = parseSource(fx.diagnosis.spec.from);
    const t = parseTarget(fx.diagnosis.spec.to);
    if (!s.ok || !t.ok) throw new Error('spec');
    expect(planNorthSouth(s.value, t.value, fx.snapshot)).toMatchObject({ via: 'cluster-ip', lb: { ip: '198.51.100.130', inCluster: true } });
    const proxied = structuredClone(fx.snapshot);
    const svc = proxied.services.find((x) => x.metadata?.name === 'site-lb')! as { status?: { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] } } };
    svc.status!.loadBalancer!.ingress = svc.status!.loadBalancer!.ingress!.map((i) => ({ ...i, ipMode: 'Proxy' }));
    const p = planNorthSouth(s.value, t.value, proxied);
    expect(p.via).toBe('lb');
    expect(p.hops.map((h) => h.id)).toContain('lb');
  });
});
