// What the planners say about a target that is not there: a pod target's "did you mean" (as --from has), and a
// namespace-qualified Service name whose namespace is mistyped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLab } from '../../lab/objects';
import { parseLabFile } from '../../lab/spec';
import { parseTarget, type Source } from '../target';
import { namedPortHint, planPath, type ClusterSnapshot } from './index';
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

describe('a port name where the number goes (backend:http)', () => {
  const refused = (text: string) => {
    const r = parseTarget(text);
    if (r.ok || !r.error.portName) throw new Error(`${text} was not refused as a port name`);
    return r.error;
  };
  it('the parser refuses it as a port name, naming the fix, and hands the engine the target without it', () => {
    const e = refused('backend:http');
    expect(e).toMatchObject({ field: 'port', portName: { name: 'http', target: { kind: 'name', name: 'backend' } } });
    expect(e.message).toBe('--to "backend:http": port "http" is not a number but a port name; the target\'s port is the number the application dials; fix: give the Service port\'s number (kubectl get service backend lists them)');
    expect(refused('backend.shop:http').message).toMatch(/kubectl get service backend -n shop lists them\)$/);
    expect(refused('pod:shop/backend-0:http').portName?.target).toMatchObject({ kind: 'pod', namespace: 'shop', name: 'backend-0' });
    // not names: a number out of range, upper case, an IP
    for (const t of ['backend:HTTP', '10.0.0.1:http', 'backend:99999']) expect(parseTarget(t).ok || (parseTarget(t) as { error: { portName?: unknown } }).error.portName).toBeFalsy();
  });
  it('the engine says which number the name is in the cluster: the Service\'s port, or the pod\'s container port', () => {
    const src = { kind: 'pod' as const, namespace: 'shop', name: 'frontend-0' };
    expect(namedPortHint(src, 'backend:http', refused('backend:http').portName!, snap)).toBe('--to "backend:http": port "http" is a port name, not a number; Service shop/backend\'s port named http is 80/TCP; fix: use --to backend:80');
    expect(namedPortHint({ kind: 'node', node: 'worker-1' }, 'kube-dns.kube-system:dns', refused('kube-dns.kube-system:dns').portName!, snap)).toBe('--to "kube-dns.kube-system:dns": port "dns" is a port name, not a number; Service kube-system/kube-dns\'s port named dns is 53/UDP; fix: use --to kube-dns.kube-system:53/udp');
    expect(namedPortHint(src, 'backend:grpc', refused('backend:grpc').portName!, snap)).toBe('--to "backend:grpc": port "grpc" is a port name, not a number, and Service shop/backend has no port named grpc; its ports: 80/TCP (http); fix: use --to backend:PORT with one of those numbers');
    expect(namedPortHint(src, 'pod:shop/backend-0:http', refused('pod:shop/backend-0:http').portName!, snap)).toMatch(/^--to "pod:shop\/backend-0:http": port "http" is a port name, not a number; pod shop\/backend-0 declares the port named http as \d+\/TCP; fix: use --to pod:shop\/backend-0:\d+$/);
    expect(namedPortHint(src, 'nosuch:http', refused('nosuch:http').portName!, snap)).toBeUndefined();
  });
});

describe('a name target without a port', () => {
  const extra = (svc: Service): ClusterSnapshot => ({ ...snap, services: [...snap.services, svc] });
  it('a name no Service matches: it needs a port, and the near Service names are suggested', () => {
    expect(() => podPlan('api.partner.example')).toThrow(/^--to api\.partner\.example: no Service matches it \(.*\), so it is a name outside the cluster, and a connect needs a port; write api\.partner\.example:PORT with the port the application dials$/);
    expect(() => podPlan('backnd')).toThrow(/; write backnd:PORT with the port the application dials; did you mean backend\?$/);
    // a Service of another namespace by NAME.NAMESPACE
    expect(() => podPlan('postgrs.db')).toThrow(/did you mean postgres\?$/);
  });
  it('an ExternalName or headless Service that declares no port says so (a headless one crashed the planner)', () => {
    expect(() => podPlan('partner', extra({ metadata: { namespace: 'shop', name: 'partner' }, spec: { type: 'ExternalName', externalName: 'api.partner.example' } }))).toThrow(/^--to partner: Service shop\/partner is an ExternalName Service \(→ api\.partner\.example\) that declares no port \(spec\.ports is empty\); write partner:PORT/);
    expect(() => podPlan('peers', extra({ metadata: { namespace: 'shop', name: 'peers' }, spec: { clusterIP: 'None', selector: { app: 'backend' } } }))).toThrow(/^--to: Service shop\/peers declares no port \(spec\.ports is empty, as a headless Service for pod DNS records may\); add the port the application dials, e\.g\. --to peers:80$/);
    // with the port, both plan
    expect(podPlan('partner:443', extra({ metadata: { namespace: 'shop', name: 'partner' }, spec: { type: 'ExternalName', externalName: 'api.partner.example' } })).dstPort).toBe(443);
    expect(podPlan('peers:8080', extra({ metadata: { namespace: 'shop', name: 'peers' }, spec: { clusterIP: 'None', selector: { app: 'backend' } } })).dstPort).toBe(8080);
  });
});
