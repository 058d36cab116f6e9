// An MTU blackhole behind a Service endpoint that is not the drawn one, on a real lab (fixtures/mtu-endpoints.yaml):
// mtu/client on node-a, Service mtu/web with web-0 on node-b (drawn: the first cross-node endpoint) and web-1 on
// node-c. Small connects to both open whatever the fault; only the DF pings to each endpoint's node tell
// (lib/plan/mtu.ts endpointMtuPings, lib/plan/ops.ts followFailure, lib/verdict/observed.ts partialService); the
// Service is a NodePort too, for the same from the node the flow enters, and for a blackhole on that node itself (the
// outside client's downloads through it: lib/plan/northSouth.ts entryDownloads).
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';
import type { Diagnosis } from '../../lib/model';

const lab = useLab('mt', 'mtu-endpoints.yaml');

/** "PROBE URL" of every bulk download the diagnosis ran (north-south through the entry: lib/plan/northSouth entryDownloads). */
const bulk = (d: Diagnosis) => [...new Set(d.hops.flatMap((h) => h.evidence).filter((e) => /tcp-bulk$/.test(e.probe)).map((e) => `${e.probe} ${e.command[e.command.length - 1]}`))];

/** "IP SIZE" of every DF ping the diagnosis ran (from the client pod, or north-south from a node), once each. */
const dfPings = (d: Diagnosis) => [...new Set(d.hops.flatMap((h) => h.evidence).filter((e) => /ping-df$/.test(e.probe)).map((e) => `${e.command[e.command.length - 1]} ${e.command[e.command.length - 2]}`))];

describe('MTU blackhole behind a Service endpoint', () => {
  it('no fault: reachable, and the endpoint on the third node costs its 2 DF pings, no more', async () => {
    const d = await lab.diagnose('mtu/client', 'web.mtu:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(failingHops(d)).toEqual([]);
    const drawn = d.hops.find((h) => h.id === 'dst-pod')!;
    expect(drawn.label).toMatch(/^mtu\/web-0 /);
    const pings = dfPings(d);
    expect(pings).toHaveLength(4); // 56 and 1472 to web-0 (drawn) and to web-1 (node-c)
    expect(d.hops.find((h) => h.id === 'service')!.summary).toMatch(/DF pings to endpoint mtu\/web-1 [\d.]+ on node-c: up to 1472 bytes pass/);
  });

  it('blackhole on node-c, the endpoint not drawn: degraded, the path re-drawn to web-1, its node and size named', async () => {
    const d = await lab.withFault('mtu-blackhole:node=node-c', () => lab.diagnose('mtu/client', 'web.mtu:80'));
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(d.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^mtu\/web-1 /);
    expect(d.firstFailure!.reason).toMatch(/above 1172 bytes .*tunnel MTU 1200 on node-c/);
    expect(d.summary).toMatch(/^small connections work \(all 2 ready endpoints of Service mtu\/web answer: mtu\/web-0 [\d.]+:8080, mtu\/web-1 [\d.]+:8080 on node-c\); IP packets over 1200 bytes to mtu\/web-1 [\d.]+:8080 on node-c vanish, so connections kube-proxy sends there stall on their first full-size packet: MTU blackhole/);
    expect(d.hops.find((h) => h.id === 'service')!.details?.drawn).toMatch(/DF pings from mtu\/client to endpoint mtu\/web-1 \([\d.]+\) on node-c come back at 56 bytes but not at 1472/);
  });

  it('blackhole on node-b, the drawn endpoint: degraded as before, and web-0 named as the endpoint that fails', async () => {
    const d = await lab.withFault('mtu-blackhole:node=node-b', () => lab.diagnose('mtu/client', 'web.mtu:80'));
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(d.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^mtu\/web-0 /);
    expect(d.firstFailure!.reason).toMatch(/tunnel MTU 1200 on node-b/);
    expect(d.summary).toMatch(/IP packets over 1200 bytes to mtu\/web-0 [\d.]+:8080 on node-b vanish, so connections kube-proxy sends there stall on their first full-size packet/);
  });

  // North-south (lib/plan/northSouth.ts): the node the flow enters dials every endpoint and sizes each endpoint's
  // node path from there (node-ping-df), as the source pod does.
  it('north-south, no fault: reachable, 2 DF pings from node-a to web-1\'s node-c besides the drawn pod\'s', async () => {
    const d = await lab.diagnose('node/node-a', 'node/node-a:30080');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(dfPings(d)).toHaveLength(4);
    expect(bulk(d)).toEqual([]);
  });

  it('north-south, blackhole on node-c behind web-1 (not drawn first): degraded, the path re-drawn to web-1, node-c and the size named', async () => {
    const d = await lab.withFault('mtu-blackhole:node=node-c', () => lab.diagnose('node/node-a', 'node/node-a:30080'));
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(d.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^mtu\/web-1 /);
    expect(d.hops.find((h) => h.id === 'overlay')!.label).toBe('node-a → node-c');
    expect(d.firstFailure!.reason).toMatch(/^DF pings above 1172 bytes of payload \(IP packets over 1200 bytes\) .*tunnel MTU 1200 on node-c/);
    expect(d.summary).toMatch(/^small connections work \(all 2 ready endpoints of Service mtu\/web answer from node-a: [\d.]+:8080, [\d.]+:8080 on node-c\); IP packets over 1200 bytes to [\d.]+:8080 on node-c vanish/);
  });

  // The node the flow ENTERS loses full-size packets: its own DF pings are refused locally ("message too long"), which
  // is path MTU discovery working for them, while the client's forwarded flow never gets a frag-needed (the fault
  // drops it). Downloads from the client through the entry take the forwarded way (lib/plan/northSouth entryDownloads).
  it('north-south, outside → node-a:30080, no fault: reachable, and no download is sent', async () => {
    const d = await lab.diagnose('outside', 'node/node-a:30080');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(bulk(d)).toEqual([]);
  });

  it('north-south, blackhole on node-a where the flow enters: degraded at overlay, the stalled download and node-a\'s MTU named', async () => {
    const d = await lab.withFault('mtu-blackhole:node=node-a', () => lab.diagnose('outside', 'node/node-a:30080'));
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(bulk(d)).toEqual([expect.stringMatching(/^outside-tcp-bulk http:\/\/[\d.]+:30080\/bytes\/100$/), expect.stringMatching(/^outside-tcp-bulk http:\/\/[\d.]+:30080\/bytes\/65536$/)]);
    expect(d.firstFailure!.reason).toMatch(/^from the outside client through [\d.]+:30080, a 100-byte answer arrives but a 65536-byte download stalls after \d+ bytes: full-size packets forwarded through node-a vanish without an ICMP error; node-a's own DF pings to [\d.]+ pass up to 1172 bytes .* refused locally/);
    expect(d.firstFailure!.nextStep).toMatch(/flannel\.1 on node-a/);
  });

  it('north-south, node-b → node-a:30080 with the blackhole on node-a: the node\'s download stalls too', async () => {
    const d = await lab.withFault('mtu-blackhole:node=node-a', () => lab.diagnose('node/node-b', 'node/node-a:30080'));
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(bulk(d)).toHaveLength(2);
    expect(d.firstFailure!.reason).toMatch(/^from node node-b through [\d.]+:30080, a 100-byte answer arrives but a 65536-byte download stalls/);
  });
});
