// An MTU blackhole on the node a north-south flow ENTERS (lib/plan/northSouth.ts entryDownloads, lib/verdict/overlay.ts
// judgeEntryDownloads): recorded on test/lab/fixtures/mtu-endpoints.yaml with mtu-blackhole:node=node-a (flannel.1
// mtu 1200, eth0 1250 there, ICMP frag-needed dropped in its OUTPUT) as `diagnose --from outside --to
// node/node-a:30080` (fixtures/edge/ns-outside-entry-mtu-blackhole.json, scripts/record-edge-fixtures.ts). node-a's
// own DF pings to the drawn pod are refused locally above 1172 bytes ("message too long": path MTU discovery works
// for the node's own packets), so they alone found nothing; the outside client's download through node-a, whose
// segments node-a forwards and cannot answer with a frag-needed, stalls while the one-packet answer arrives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';
import { judgeNorthSouth } from './northSouth';
import { entryDownloads } from '../plan/northSouth';
import { BULK_BYTES, SMALL_BYTES } from '../plan/mtu';
import type { ProbeRun } from './context';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'ns-outside-entry-mtu-blackhole.json'), 'utf8')) as RecordedDiagnosis;
const outcome = (j: ReturnType<typeof judgeNorthSouth>) => `${j.verdict}/${j.firstFailure?.cause ?? '-'}@${j.firstFailure?.hop ?? '-'}`;
const WEB0 = '10.40.2.2';

describe('north-south: an MTU blackhole on the node the flow enters', () => {
  it('the entry node\'s 1472-byte DF ping did not come back, so two downloads from the outside client through node-a:30080 are sent', () => {
    const { plan, runs } = replayNorthSouth(fx);
    const bulk = plan.probes.filter((p) => p.probe === 'outside-tcp-bulk');
    expect(bulk.map((p) => `${p.where} ${p.hop} ${p.args.ip}:${p.args.port} ${p.args.size}`)).toEqual([`outside overlay 172.18.0.2:30080 ${SMALL_BYTES}`, `outside overlay 172.18.0.2:30080 ${BULK_BYTES}`]);
    expect(bulk.every((p) => runs.has(p.key))).toBe(true);
    // once they are in the plan, nothing more is asked
    expect(entryDownloads(plan, runs)).toEqual([]);
  });

  it('degraded: mtu-blackhole at overlay, the stalled download, node-a\'s MTUs and the pod MTU named, with the MTU advice', () => {
    const { plan, runs } = replayNorthSouth(fx);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/mtu-blackhole@overlay');
    expect(j.firstFailure!.reason).toMatch(/^from the outside client through 172\.18\.0\.2:30080, a 100-byte answer arrives but a 65536-byte download stalls after \d+ bytes: full-size packets forwarded through node-a vanish without an ICMP error; node-a's own DF pings to 10\.40\.2\.2 pass up to 1172 bytes of payload \(IP packets of 1200 bytes\) and above are refused locally \("message too long"\); flannel\.1 mtu 1200, eth0 mtu 1250 on node-a < pod MTU 1500/);
    expect(j.firstFailure!.nextStep).toMatch(/^Make the pod MTU fit the tunnel: at most 1200 \(flannel\.1 on node-a/);
    expect(j.summary).toMatch(/^small connections work; MTU blackhole on the path at overlay: /);
    expect(j.hops.find((h) => h.id === 'overlay')).toMatchObject({ status: 'fail', cause: 'mtu-blackhole' });
  });

  it('the finding comes from the bulk download: the same runs with it completing are reachable, the way said to carry full-size segments', () => {
    const { plan, runs } = replayNorthSouth(fx);
    const big = plan.probes.find((p) => p.probe === 'outside-tcp-bulk' && p.args.size === BULK_BYTES)!;
    const r = runs.get(big.key)!;
    expect(r.exitCode).toBe(28);
    const done = new Map(runs).set(big.key, { ...r, exitCode: 0, timedOut: false, stdout: `200 ${BULK_BYTES} 0.02` } as ProbeRun);
    const j = judgeNorthSouth({ plan, runs: done, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('reachable/-@-');
    expect(j.hops.find((h) => h.id === 'overlay')!.summary).toMatch(/downloads from the outside client through 172\.18\.0\.2:30080 \(forwarded by node-a\): 65536 bytes arrive/);
    // an app that is not the lab's listener answers /bytes/N with its own small page: no claim about full-size segments
    const page = new Map(runs).set(big.key, { ...r, exitCode: 0, timedOut: false, stdout: '404 153 0.01' } as ProbeRun);
    const p404 = judgeNorthSouth({ plan, runs: page, snapshot: fx.snapshot, depth: 'live' });
    expect(outcome(p404)).toBe('reachable/-@-');
    expect(p404.hops.find((h) => h.id === 'overlay')!.summary).toMatch(/got 153 bytes where 65536 were asked .*too few to size the way forwarded by node-a/);
    expect(p404.hops.find((h) => h.id === 'overlay')!.summary).not.toMatch(/full-size segments find their way/);
    // ...and without the downloads at all (as before), the node's own refused pings alone name nothing
    const bare = { ...plan, probes: plan.probes.filter((p) => p.probe !== 'outside-tcp-bulk') };
    expect(outcome(judgeNorthSouth({ plan: bare, runs, snapshot: fx.snapshot, depth: 'live' }))).toBe('reachable/-@-');
  });

  it('a one-packet answer that does not arrive either sizes nothing: no mtu-blackhole from the downloads', () => {
    const { plan, runs } = replayNorthSouth(fx);
    const small = plan.probes.find((p) => p.probe === 'outside-tcp-bulk' && p.args.size === SMALL_BYTES)!;
    const failed = new Map(runs).set(small.key, { ...runs.get(small.key)!, exitCode: 28, stdout: '000 0 2.0' } as ProbeRun);
    expect(judgeNorthSouth({ plan, runs: failed, snapshot: fx.snapshot, depth: 'live' }).firstFailure?.cause).not.toBe('mtu-blackhole');
  });

  it('a healthy entry (its 1472-byte DF ping came back) costs no download; nor does a client connect that did not open', () => {
    const { plan, runs } = replayNorthSouth(fx);
    const first = plan.probes.filter((p) => p.probe !== 'outside-tcp-bulk');
    const base = { ...plan, probes: first };
    expect(entryDownloads(base, runs)).toHaveLength(2);
    const ping1472 = first.find((p) => p.probe === 'node-ping-df' && p.node === 'node-a' && p.args.ip === WEB0 && p.args.size === 1472)!;
    expect(entryDownloads(base, new Map(runs).set(ping1472.key, { ...runs.get(ping1472.key)!, exitCode: 0 }))).toEqual([]);
    const connect = first.find((p) => p.probe === 'outside-tcp-connect' && p.args.ip === '172.18.0.2' && p.args.port === 30080)!;
    expect(entryDownloads(base, new Map(runs).set(connect.key, { ...runs.get(connect.key)!, exitCode: 1 }))).toEqual([]);
  });
});

// The same on a LoadBalancer with externalTrafficPolicy Local entering n2, where its endpoint shop/web-0 runs
// (fixtures/edge/ns-outside-lb-local-entry-mtu-blackhole.json, test/lab/fixtures/ns-wide.yaml, mtu-blackhole:node=n2):
// no DF ping leaves n2 for another node, so the trigger is n2's eth0 (1250) narrower than the pod's eth0 (1500).
describe('north-south: an MTU blackhole on the entry node that holds the endpoint (externalTrafficPolicy Local)', () => {
  const lb = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'ns-outside-lb-local-entry-mtu-blackhole.json'), 'utf8')) as RecordedDiagnosis;

  it('degraded: mtu-blackhole at src-node, the stalled download and eth0 1250 < pod MTU 1500 named', () => {
    const { plan, runs } = replayNorthSouth(lb);
    expect(plan.probes.filter((p) => p.probe === 'outside-tcp-bulk').map((p) => `${p.hop} ${p.args.ip}:${p.args.port} ${p.args.size}`)).toEqual([`src-node 198.51.100.129:80 ${SMALL_BYTES}`, `src-node 198.51.100.129:80 ${BULK_BYTES}`]);
    const j = judgeNorthSouth({ plan, runs, snapshot: lb.snapshot, depth: 'live' });
    expect(outcome(j)).toBe('degraded/mtu-blackhole@src-node');
    expect(j.firstFailure!.reason).toMatch(/^from the outside client through 198\.51\.100\.129:80, a 100-byte answer arrives but a 65536-byte download stalls after \d+ bytes: shop\/web-0's full-size answers leaving n2 vanish without an ICMP error; eth0 mtu 1250 on n2 < pod MTU 1500/);
    expect(j.firstFailure!.nextStep).toMatch(/^Make the pod MTU fit the node link: at most 1250 \(eth0 on n2\)/);
  });

  it('the finding comes from the download: completing, it is reachable; the link as wide as the pod\'s sends none', () => {
    const { plan, runs } = replayNorthSouth(lb);
    const big = plan.probes.find((p) => p.probe === 'outside-tcp-bulk' && p.args.size === BULK_BYTES)!;
    const done = new Map(runs).set(big.key, { ...runs.get(big.key)!, exitCode: 0, stdout: `200 ${BULK_BYTES} 0.02` } as ProbeRun);
    expect(outcome(judgeNorthSouth({ plan, runs: done, snapshot: lb.snapshot, depth: 'live' }))).toBe('reachable/-@-');
    const base = { ...plan, probes: plan.probes.filter((p) => p.probe !== 'outside-tcp-bulk') };
    expect(entryDownloads(base, runs)).toHaveLength(2);
    const link = base.probes.find((p) => p.probe === 'node-link' && p.node === 'n2')!;
    const r = runs.get(link.key)!;
    const wide = r.stdout.replace(/("ifname":"eth0","flags":\[[^\]]*\],"mtu":)1250/, '$11500');
    expect(wide).not.toBe(r.stdout);
    expect(entryDownloads(base, new Map(runs).set(link.key, { ...r, stdout: wide }))).toEqual([]);
  });
});
