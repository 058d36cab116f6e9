// Topology-aware routing on a real lab (fixtures/topology-zones.yaml: worker-1 in zone-a, worker-2 and worker-3 in
// zone-b; zones/client on worker-1; web-close with trafficDistribution PreferClose, web-any without, both NodePorts
// over web-0/1/2, one per node). kube-proxy on worker-1 DNATs web-close only to web-0 (its zone's hint): the engine
// must read those rules as kube-proxy's own choice, not stale rules (before session 15 they made a healthy path
// `degraded`), draw the path to web-0, and leave endpoints kube-proxy there never uses out of the verdict.
import { describe, expect, it } from 'vitest';
import { useLab, failingHops, outcome } from './diagnoseLab';
import type { Diagnosis } from '../../lib/model';

const lab = useLab('tp', 'topology-zones.yaml');

/** "IP:PORT" of each direct connect (nc -z to an endpoint) the diagnosis ran, from the pod or a node. */
const direct = (d: Diagnosis) => [...new Set(d.hops.find((h) => h.id === 'dst-pod')!.evidence.filter((e) => /tcp-connect$/.test(e.probe)).map((e) => `${e.command[e.command.length - 2]}:${e.command[e.command.length - 1]}`))].sort();

describe('trafficDistribution PreferClose', () => {
  it('zone-a client → web-close: reachable, drawn to web-0 in its zone, no stale rules, only web-0 dialled', async () => {
    const d = await lab.diagnose('zones/client', 'web-close:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(d.warnings).toEqual([]);
    expect(d.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^zones\/web-0 /);
    expect(d.hops.find((h) => h.id === 'service')!.summary).toMatch(/topology hints: kube-proxy in zone zone-a uses only the endpoints hinted for it/);
    expect(direct(d).filter((t) => t.endsWith(':8080'))).toHaveLength(1);
  });

  it('the same client → web-any (no hints): every backend dialled, as before', async () => {
    const d = await lab.diagnose('zones/client', 'web-any:80');
    expect(outcome(d)).toBe('reachable/-@-');
    expect(direct(d).filter((t) => t.endsWith(':8080'))).toHaveLength(3);
  });

  it('a zone-b backend down: web-close from zone-a is reachable (kube-proxy there never sends to it); web-any is degraded naming it', async () => {
    await lab.withFault('veth-down:pod=zones/web-1', async () => {
      const close = await lab.diagnose('zones/client', 'web-close:80');
      expect(outcome(close)).toBe('reachable/-@-');
      expect(failingHops(close)).toEqual([]);
      const any = await lab.diagnose('zones/client', 'web-any:80');
      expect(outcome(any)).toBe('degraded/veth-down@dst-veth');
      expect(any.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^zones\/web-1 /);
    });
  });

  it('outside → worker-2:30080 (zone-b): reachable, its rules read as zone-b\'s choice, only zone-b endpoints dialled from worker-2', async () => {
    const d = await lab.diagnose('outside', 'node/worker-2:30080');
    // the summary and each hop's line with the outcome, should it ever differ (seen once, degraded/-@-, in a loaded CI run)
    expect(outcome(d), `${d.summary}\n${d.hops.map((h) => `${h.id} ${h.status}: ${h.summary}`).join('\n')}`).toBe('reachable/-@-');
    expect(d.warnings).toEqual([]);
    expect(d.hops.find((h) => h.id === 'node-port')!.summary).not.toMatch(/stale|has no rule DNATing/);
    expect(d.hops.find((h) => h.id === 'dst-pod')!.label).toMatch(/^zones\/web-[12] /);
  });
});
