// kube-proxy's rules on the node a LoadBalancer or NodePort flow enters, judged as the pod path's service hop judges a
// ClusterIP (lib/kube traceService / traceNodePort, compareWithEndpoints): recorded with the lab fault
// stale-proxy-rules (kube-proxy keeps DNATing the Service to an endpoint IP that no longer exists) on lab/default.yaml
// (iptables: outside → storefront's LoadBalancer IP and NodePort) and on fixtures/edge/calico-hostgw-nft.yaml
// (nftables: outside → lb's LoadBalancer IP, outside → np's NodePort, a pod → lb's LoadBalancer IP), each beside a
// healthy recording on the same lab. Swapping the entry node's one dump for the healthy one proves the finding is
// read from that dump.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../causes';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/edge/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;

describe('north-south: stale kube-proxy rules on the entry node', () => {
  it.each([
    // [stale recording, healthy recording of the same lab, dump probe, entry node, flow, stale endpoint, ready endpoints]
    ['ns-lb-stale-proxy-rules', 'ns-lb-default-healthy', 'iptables-save', 'worker-1', '198.51.100.129:80', '10.244.1.254:8080', /EndpointSlice says 10\.244\.1\.3:8080, 10\.244\.2\.2:8080, the KUBE-SEP-\w+ rule DNATs to 10\.244\.1\.254:8080/],
    ['ns-nodeport-stale-proxy-rules', 'ns-lb-default-healthy', 'iptables-save', 'worker-2', 'NodePort 32671', '10.244.1.254:8080', /EndpointSlice says 10\.244\.1\.3:8080, 10\.244\.2\.2:8080, the KUBE-SEP-\w+ rule DNATs to 10\.244\.1\.254:8080/],
    ['ns-nft-lb-stale-proxy-rules', 'ns-nft-lb-healthy', 'nft-ruleset', 'n2', '198.51.100.129:80', '10.50.2.254:8080', /EndpointSlice says 10\.50\.2\.3:8080, the endpoint-\w+-shop\/lb\/tcp\/http__10\.50\.2\.254\/8080 chain DNATs to 10\.50\.2\.254:8080/],
    ['ns-nft-nodeport-stale-proxy-rules', 'ns-nft-nodeport-healthy', 'nft-ruleset', 'n1', 'NodePort 31080', '10.50.2.254:8080', /EndpointSlice says 10\.50\.2\.3:8080, the endpoint-\w+-shop\/np\/tcp\/http__10\.50\.2\.254\/8080 chain DNATs to 10\.50\.2\.254:8080/],
    ['ns-nft-pod-lb-stale-proxy-rules', 'ns-nft-lb-healthy', 'nft-ruleset', 'n2', '198.51.100.129:80', '10.50.2.254:8080', /EndpointSlice says 10\.50\.2\.3:8080, the endpoint-\w+-shop\/lb\/tcp\/http__10\.50\.2\.254\/8080 chain DNATs to 10\.50\.2\.254:8080/],
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
