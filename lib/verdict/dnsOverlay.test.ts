// A DNS timeout explained by a blocked overlay names the node that drops and the node it drops from, on the DNS
// pod's way, not the path's. Recorded on a 3-node lab (fixtures/dns-overlay-blocked-answers.json: web/ui-1 on
// node-c → api.web:80, cluster DNS on node-a, overlay-blocked:node=node-c): node-c drops every tunnel packet, so
// the DNS answers from node-a never get back. The path's own overlay finding names node-b (the drawn endpoint's
// node) and must not be the DNS reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replay, replayPod, type RecordedDiagnosis } from './replay';

const here = import.meta.dirname;
const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'dns-overlay-blocked-answers.json'), 'utf8')) as RecordedDiagnosis;
const judged = () => {
  const { plan, runs } = replay(fx);
  return judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
};

describe('a DNS timeout behind a blocked overlay (3 nodes)', () => {
  it('names the DNS pod\'s node and the direction: node-c drops the answers from node-a, not traffic "from node-b"', () => {
    const j = judged();
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'overlay-blocked' });
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on node-a time out because node-c drops tunnel traffic arriving on UDP 4789 from node-a \(the DNS answers\): `-A INPUT -p udp -m udp --dport 4789 -j DROP`/);
    expect(j.firstFailure!.reason).not.toMatch(/node-b/);
  });
  it('the path\'s own overlay finding still names its peer', () => {
    expect(judged().hops.find((h) => h.id === 'overlay')!.summary).toMatch(/^node-c drops tunnel traffic arriving on UDP 4789 \(flannel\.1\) from node-b/);
  });
});

// Cilium (test/contract/cilium-vxlan.yaml, overlay-blocked:node=node-b; fixtures/edge/dns-cilium-overlay-blocked.json,
// scripts/record-edge-fixtures.ts): app/web-0 on node-b → web.app:80, CoreDNS on node-a. cilium_vxlan is an external
// (collect-metadata) device: no FDB entries by design, so its empty FDB is no stale neighbor; node-b's drop of UDP 8472
// (the DNS answers from node-a) is the cause.
describe('a DNS timeout behind a blocked overlay on Cilium (external VXLAN, no FDB by design)', () => {
  const cilium = () => {
    const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'edge', 'dns-cilium-overlay-blocked.json'), 'utf8')) as RecordedDiagnosis;
    const { plan, runs } = replayPod(fx);
    return judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
  };
  it('overlay-blocked at dns naming node-b, UDP 8472 and the answers from node-a — not an empty FDB read as neighbor-stale', () => {
    const j = cilium();
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dns', cause: 'overlay-blocked' });
    expect(j.firstFailure!.reason).toMatch(/^DNS queries to the cluster DNS on node-a time out because node-b drops tunnel traffic arriving on UDP 8472 from node-a \(the DNS answers\)/);
    expect(j.firstFailure!.reason).not.toMatch(/FDB|neighbor/);
    // the next step names the rule, node-b and Cilium's own port, not the cause's generic "udp port 4789"
    expect(j.firstFailure!.nextStep).toMatch(/^On node-b, .* the first rule for the tunnel's UDP 8472: remove it or allow UDP 8472 from node-a .*`tcpdump -ni any udp port 8472` on node-b/);
    expect(j.firstFailure!.nextStep).not.toContain('4789');
  });
});
