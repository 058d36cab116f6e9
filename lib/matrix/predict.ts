// The predicted half of a cell: the NetworkPolicy evaluator (lib/kube/networkPolicy.ts, agreeing with the
// upstream e2e truth tables) run for the flow the connect makes. A Service target is judged at each ready
// endpoint (EndpointSlices, the port kube-proxy DNATs to): allow when every endpoint admits the source, deny
// when none does, split otherwise (one connect lands on one endpoint at random, so it cannot agree or not).
import { evaluate, type PolicyEvaluation } from '../kube/networkPolicy';
import { endpointsForServicePort } from '../kube/endpoints';
import type { NetworkPolicy, Pod } from '../kube/types';
import { nsName } from '../kube/types';
import type { MatrixObjects } from './plan';
import { isolatedHairpin, isolatedHairpinReason } from './self';
import type { MatrixTarget, Predicted } from './types';

export interface Prediction {
  predicted: Predicted;
  policies: string[];
  reason: string;
  /** the endpoints of a Service disagree among themselves, or one is an isolated hairpin */
  split?: boolean;
  /** one endpoint is the source itself while a policy isolates it (lib/matrix/self.ts isolatedHairpin): not judged */
  hairpin?: boolean;
}

/** The policies that decide an evaluation: the selecting ones of a denying direction, else the admitting ones. */
function deciding(e: PolicyEvaluation): string[] {
  const out = new Set<string>();
  if (!e.allowed) {
    for (const d of [e.egress, e.ingress]) if (!d.allowed) d.selectedBy.forEach((p) => out.add(p));
  } else {
    for (const d of [e.egress, e.ingress]) if (d.admittedBy) out.add(d.admittedBy.policy);
  }
  return [...out].sort();
}

function podFlow(src: Pod, dst: Pod, protocol: string, port: number, objs: MatrixObjects, policies: readonly NetworkPolicy[]): Prediction {
  if (nsName(src) === nsName(dst)) {
    // A pod's traffic to its own IP never leaves its netns; NetworkPolicy does not apply to it.
    return { predicted: 'allow', policies: [], reason: 'a pod always reaches its own IP (the traffic never leaves its network namespace)' };
  }
  const e = evaluate({ src: { pod: src }, dst: { pod: dst }, protocol, port }, policies, objs.pods, objs.namespaces);
  return { predicted: e.allowed ? 'allow' : 'deny', policies: deciding(e), reason: e.sentence };
}

/**
 * Predicts one cell. `policies` is the set to judge by (the cluster's, or the what-if's merge).
 * A pod target not found among objs.pods, or a Service without ready endpoints, predicts deny with the reason.
 */
export function predictCell(src: Pod, target: MatrixTarget, objs: MatrixObjects, policies: readonly NetworkPolicy[]): Prediction {
  if (target.kind === 'pod') {
    const dst = objs.pods.find((p) => p.metadata?.namespace === target.namespace && p.metadata?.name === target.name);
    if (!dst) return { predicted: 'deny', policies: [], reason: `pod ${target.namespace}/${target.name} is gone` };
    return podFlow(src, dst, target.protocol, target.port, objs, policies);
  }
  const svc = objs.services.find((s) => s.metadata?.namespace === target.namespace && s.metadata?.name === target.name);
  const sp = svc?.spec?.ports?.find((p) => p.port === target.port && (p.protocol ?? 'TCP').toUpperCase() === target.protocol);
  if (!svc || !sp) return { predicted: 'deny', policies: [], reason: `Service ${target.namespace}/${target.name} has no port ${target.port}` };
  const eps = endpointsForServicePort(svc, sp, objs.endpointSlices).endpoints.filter((e) => e.ready);
  if (eps.length === 0) return { predicted: 'deny', policies: [], reason: `Service ${target.namespace}/${target.name} port ${target.port} has no ready endpoints` };
  const policiesOf = (xs: { p: Prediction }[]) => [...new Set(xs.flatMap((x) => x.p.policies))].sort();
  const each = eps.map((ep) => {
    const pod = ep.pod
      ? objs.pods.find((p) => nsName(p) === ep.pod)
      : objs.pods.find((p) => !p.spec?.hostNetwork && (p.status?.podIP === ep.ip || (p.status?.podIPs ?? []).some((x) => x.ip === ep.ip)));
    if (!pod) {
      const e = evaluate({ src: { pod: src }, dst: { ip: ep.ip }, protocol: target.protocol, port: ep.port }, policies, objs.pods, objs.namespaces);
      return { ep: `${ep.ip}:${ep.port}`, p: { predicted: e.allowed ? 'allow' : 'deny', policies: deciding(e), reason: e.sentence } as Prediction };
    }
    const isolatedBy = isolatedHairpin(src, pod, policies);
    if (isolatedBy) {
      // Service hairpin (pod → its own Service → itself) under ingress isolation: implementation-defined (self.ts),
      // so this endpoint neither admits nor denies for sure.
      return { ep: ep.pod ?? ep.ip, p: { predicted: 'allow', policies: isolatedBy, reason: isolatedHairpinReason(nsName(src)), split: true, hairpin: true } as Prediction };
    }
    if (nsName(pod) === nsName(src)) {
      // Not isolated: nothing in policy stops it, but through the Service it is no longer "its own IP": kube-proxy
      // DNATs the connect back to it, so it leaves through its veth and must come back in (the bridge's hairpin).
      return { ep: ep.pod ?? ep.ip, p: { predicted: 'allow', policies: [], reason: `${nsName(src)} reaching itself through its own Service: kube-proxy sends the connect back to it, out through its veth and in again (hairpin); no policy isolates it` } as Prediction };
    }
    return { ep: ep.pod ?? ep.ip, p: podFlow(src, pod, target.protocol, ep.port, objs, policies) };
  });
  const hairpin = each.find((x) => x.p.hairpin);
  if (hairpin) {
    const rest = each.filter((x) => !x.p.hairpin);
    return { predicted: rest.length && rest.every((x) => x.p.predicted === 'deny') ? 'deny' : 'allow', policies: policiesOf(each), split: true, hairpin: true, reason: rest.length ? `${hairpin.p.reason}; the other endpoints: ${rest[0].p.reason}` : hairpin.p.reason };
  }
  const allowed = each.filter((x) => x.p.predicted === 'allow');
  if (allowed.length === each.length) return { predicted: 'allow', policies: policiesOf(each), reason: each.length === 1 ? each[0].p.reason : `every endpoint admits it (${each.map((x) => x.ep).join(', ')}); ${each[0].p.reason}` };
  const denied = each.filter((x) => x.p.predicted === 'deny');
  if (allowed.length === 0) return { predicted: 'deny', policies: policiesOf(each), reason: denied[0].p.reason };
  return {
    predicted: 'deny',
    policies: policiesOf(denied),
    split: true,
    reason: `${allowed.length} of ${each.length} endpoints admit it (${allowed.map((x) => x.ep).join(', ')}), the others deny: ${denied[0].p.reason}`,
  };
}

/** The what-if's policy set: `added` replaces same-named (namespace/name) policies and adds the rest. */
export function mergePolicies(current: readonly NetworkPolicy[], added: readonly NetworkPolicy[]): NetworkPolicy[] {
  const key = (p: NetworkPolicy) => nsName(p);
  const replaced = new Set(added.map(key));
  return [...current.filter((p) => !replaced.has(key(p))), ...added];
}
