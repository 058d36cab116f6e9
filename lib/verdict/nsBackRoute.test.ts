// A node source's answers on host-gw: recorded on test/contract/hostgw-nftables.yaml with the lab fault
// node-route-missing:node=worker-2,to=worker-1, node/worker-1 → pod:web/cache-0:6379 (cache-0 on worker-2 listens on
// 127.0.0.1 only). worker-1's own connection leaves from its InternalIP (its `ip route get` to the pod says `src
// 172.18.0.2`), and worker-2 answers it over the on-link underlay: its missing route to worker-1's pod CIDR carries none
// of it (the sweep's real `nc -z` from worker-1 to web/api-0 on worker-2 opened under the same fault). The stop is the
// listener, not node-route at dst-node.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeNorthSouth } from './northSouth';
import { replayNorthSouth, type RecordedDiagnosis } from './replay';

const load = (n: string): RecordedDiagnosis => JSON.parse(readFileSync(new URL(`./fixtures/edge/${n}.json`, import.meta.url), 'utf8')) as RecordedDiagnosis;

describe("north-south on host-gw: the pod node's route to the source node's pod CIDR is not the way back of a node's own traffic", () => {
  it('node/worker-1 → a pod on worker-2 that listens on loopback only: app-not-listening, not node-route', () => {
    const fx = load('ns-node-hostgw-back-route-missing-not-listening');
    const { plan, runs } = replayNorthSouth(fx);
    // the recording holds the fault: worker-2's route toward worker-1's pod CIDR leaves by the default route
    const back = plan.probes.find((p) => p.probe === 'node-route-get' && p.node === 'worker-2' && p.args.ip === '10.32.1.0');
    expect(back).toBeDefined();
    expect(runs.get(back!.key)?.stdout).toMatch(/"gateway":"172\.18\.0\.1"/);
    const j = judgeNorthSouth({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(j.verdict).toBe('unreachable');
    expect(j.firstFailure).toMatchObject({ hop: 'dst-pod', cause: 'app-not-listening' });
    expect(j.hops.find((h) => h.id === 'dst-node')?.cause).not.toBe('node-route');
  });
});
