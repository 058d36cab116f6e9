// What the planners say about a target that is not there: a pod target's "did you mean" (as --from has), and a
// namespace-qualified Service name whose namespace is mistyped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLab } from '../../lab/objects';
import { parseLabFile } from '../../lab/spec';
import { parseTarget, type Source } from '../target';
import { planPath, type ClusterSnapshot } from './index';
import { planNorthSouth } from './northSouth';
import type { EndpointSlice, Namespace, NetworkPolicy, Pod, Service } from '../kube';
import type { NodeObject } from './snapshot';

const spec = parseLabFile(readFileSync(new URL('../../lab/default.yaml', import.meta.url), 'utf8'));
const lab = buildLab(spec, 'terr', new Date('2026-11-23T00:00:00Z'));
const of = <T>(kind: string) => lab.objects.filter((o) => o.kind === kind) as unknown as T[];
const snap: ClusterSnapshot = {
  pods: of<Pod>('Pod'), services: of<Service>('Service'), endpointSlices: of<EndpointSlice>('EndpointSlice'),
  policies: of<NetworkPolicy>('NetworkPolicy'), namespaces: of<Namespace>('Namespace'), nodes: of<NodeObject>('Node'),
};
const to = (text: string) => {
  const t = parseTarget(text);
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
};
const podPlan = (text: string, s: ClusterSnapshot = snap) => planPath({ namespace: 'shop', name: 'frontend-0' }, to(text), s);

describe('a pod target that does not exist', () => {
  it('pod → pod: did you mean, in the form --to takes (as --from does)', () => {
    expect(() => podPlan('pod:shop/backend-9:8080')).toThrow(/^--to: pod shop\/backend-9 not found; did you mean pod:shop\/backend-0:8080 or pod:shop\/backend-1:8080\? \(kubectl get pods -n shop lists them\)$/);
    expect(() => podPlan('pod:shop/backedn-0:8080/udp')).toThrow(/did you mean pod:shop\/backend-0:8080\/udp or pod:shop\/backend-1:8080\/udp\?/);
    // the names a LIST of the namespace answered when the snapshot holds no pod of it
    const listed: ClusterSnapshot = { ...snap, pods: snap.pods.filter((p) => p.metadata?.namespace !== 'db'), podNamesIn: { namespace: 'db', names: ['postgres-0'] } };
    expect(() => podPlan('pod:db/postgres-1:5432', listed)).toThrow(/did you mean pod:db\/postgres-0:5432\?/);
    expect(() => podPlan('pod:nosuch/backend-0:8080')).toThrow(/^--to: namespace nosuch not found \(kubectl get namespaces lists them\)$/);
  });
  it.each<[string, Source]>([
    ['node', { kind: 'node', node: 'worker-1' }],
    ['outside', { kind: 'outside' }],
  ])('%s → pod: did you mean too', (_, source) => {
    expect(() => planNorthSouth(source, to('pod:shop/frontend-9:80'), snap)).toThrow(/^--to: pod shop\/frontend-9 not found; did you mean pod:shop\/frontend-0:80 or pod:shop\/frontend-1:80\? \(kubectl get pods -n shop lists them\)$/);
  });
  it('--from keeps its wording', () => {
    expect(() => planPath({ namespace: 'shop', name: 'frontend-00' }, to('backend:80'), snap)).toThrow(/^--from: pod shop\/frontend-00 not found; did you mean shop\/frontend-0 or shop\/frontend-1\? \(kubectl get pods -n shop lists them\)$/);
  });
});
