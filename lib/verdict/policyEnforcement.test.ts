// policy-not-enforced names the nodes whose rules were read: "neither worker-1's nor worker-2's …" for a two-node
// path, never "neither node's" (which a 3-node lab read as two of three); three or more read "none of the path's
// nodes' (a, b, c) …". The flannel lab's healthy run (fixtures/healthy-service.json) with a policy in shop, no
// policy engine in kube-system and the engine's chains taken out of the nodes' rulesets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '.';
import { replay, type RecordedDiagnosis } from './replay';
import { noPolicyRulesOn } from './policy';

const here = import.meta.dirname;
const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'healthy-service.json'), 'utf8')) as RecordedDiagnosis;

describe('policy-not-enforced names the path\'s nodes', () => {
  it('a two-node path: "neither worker-1\'s nor worker-2\'s iptables/nft rules"', () => {
    const policy = { metadata: { namespace: 'shop', name: 'open' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } };
    const snapshot = { ...fx.snapshot, policies: [...fx.snapshot.policies, policy], pods: fx.snapshot.pods.filter((p) => !/kube-network-policies/.test(p.metadata?.name ?? '')) };
    const { plan, runs } = replay({ ...fx, snapshot });
    const markers = /kube-network-policies|KUBE-NWPLCY-|PACKETWALK-|cali-|KUBE-POD-FW-|antrea/i;
    for (const [k, r] of runs) if (r.probe === 'iptables-save' || r.probe === 'nft-ruleset') runs.set(k, { ...r, stdout: r.stdout.split('\n').filter((l) => !markers.test(l)).join('\n') });
    const w = judge({ plan, runs, snapshot, depth: 'live' }).warnings.find((x) => x.cause === 'policy-not-enforced');
    expect(w?.reason).toMatch(/^NetworkPolicies shop\/open select this path's pods, but neither worker-1's nor worker-2's iptables\/nft rules carry any NetworkPolicy rule: the CNI does not enforce them/);
    expect(w?.reason).not.toMatch(/neither node's/);
  });
  it('a policy that selects none of the path\'s pods (another app of the namespace) is not this path\'s business: no warning', () => {
    const other = { metadata: { namespace: 'shop', name: 'only-cart' }, spec: { podSelector: { matchLabels: { app: 'cart-nowhere' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] } };
    const snapshot = { ...fx.snapshot, policies: [other], pods: fx.snapshot.pods.filter((p) => !/kube-network-policies/.test(p.metadata?.name ?? '')) };
    const { plan, runs } = replay({ ...fx, snapshot });
    const markers = /kube-network-policies|KUBE-NWPLCY-|PACKETWALK-|cali-|KUBE-POD-FW-|antrea/i;
    for (const [k, r] of runs) if (r.probe === 'iptables-save' || r.probe === 'nft-ruleset') runs.set(k, { ...r, stdout: r.stdout.split('\n').filter((l) => !markers.test(l)).join('\n') });
    expect(judge({ plan, runs, snapshot, depth: 'live' }).warnings.map((x) => x.cause)).not.toContain('policy-not-enforced');
    // the same policy selecting the source pod (egress) speaks about the path
    const src = plan.src.pod.metadata?.labels ?? {};
    const selecting = { ...other, spec: { ...other.spec, podSelector: { matchLabels: src } } };
    const snap2 = { ...snapshot, policies: [selecting] };
    expect(judge({ plan, runs, snapshot: snap2, depth: 'live' }).warnings.map((x) => x.cause)).toContain('policy-not-enforced');
  });
  it('one node, two, three or more', () => {
    expect(noPolicyRulesOn(['alpha'])).toBe("alpha's iptables/nft rules carry no NetworkPolicy rule");
    expect(noPolicyRulesOn(['alpha', 'bravo'])).toBe("neither alpha's nor bravo's iptables/nft rules carry any NetworkPolicy rule");
    expect(noPolicyRulesOn(['alpha', 'bravo', 'charlie'])).toBe("none of the path's nodes' (alpha, bravo, charlie) iptables/nft rules carry any NetworkPolicy rule");
  });
});
