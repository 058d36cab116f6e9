// The API's pure pieces on real inputs: the protobuf body kubectl really sent, the real server Table's
// shape, selector grammar, and the patch formats kubectl and client-node send.
import { sharedPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { decodeProtobufObject } from './protobuf';
import { fieldValue, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { ApiError, forbidden } from './status';
import { humanDuration, toTable, wantsTable } from './tables';

const pod = (labels: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', labels }, ...extra });

describe('protobuf Pod (captured from kubectl debug node/…)', () => {
  it('decodes to the pod kubectl meant', () => {
    const o = decodeProtobufObject(readFileSync(new URL('./fixtures/kubectl-debug-node-pod.pb', import.meta.url))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(o.metadata.name).toBe('node-debugger-worker-2-f6wfj');
    expect(o.spec).toMatchObject({ nodeName: 'worker-2', hostNetwork: true, hostPID: true, hostIPC: true, restartPolicy: 'Never', tolerations: [{ operator: 'Exists' }] });
    expect(o.spec.containers).toEqual([
      { name: 'debugger', image: 'busybox', command: ['sleep', 'infinity'], volumeMounts: [{ name: 'host-root', mountPath: '/host' }], securityContext: { privileged: true }, terminationMessagePolicy: 'File' },
    ]);
    expect(o.spec.volumes).toEqual([{ name: 'host-root', hostPath: { path: '/' } }]);
  });

  it('decodes the SelfSubjectAccessReview of kubectl auth can-i', () => {
    const o = decodeProtobufObject(readFileSync(new URL('./fixtures/kubectl-auth-can-i-ssar.pb', import.meta.url)));
    expect(o).toMatchObject({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'shop', verb: 'create', resource: 'pods', name: 'exec' } } });
  });

  it('rejects bodies that are not a k8s protobuf envelope, or truncated', () => {
    expect(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}'))).toThrow(ApiError);
    const real = readFileSync(new URL('./fixtures/kubectl-debug-node-pod.pb', import.meta.url));
    expect(() => decodeProtobufObject(real.subarray(0, 40))).toThrow(/longer than the body|ends inside/);
  });
});

describe('Table', () => {
  const real = JSON.parse(readFileSync(sharedPath('fixtures/api/table-pods-meta.k8s.io-v1beta1.json'), 'utf8'));

  it('pod columns match a real server Table (names, formats, priorities), plus the newer Readiness Gates', () => {
    const ours = toTable([], 'Pod', { resourceVersion: '1' }, 'Metadata');
    const pick = (c: { name: string; format: string; priority: number }) => [c.name, c.format, c.priority];
    expect(ours.columnDefinitions.slice(0, real.columnDefinitions.length).map(pick)).toEqual(real.columnDefinitions.map(pick));
    expect(ours.columnDefinitions.at(-1)).toMatchObject({ name: 'Readiness Gates', priority: 1 });
  });

  it('a row carries a PartialObjectMetadata like the real one, and cells in column order', () => {
    const p = pod({ app: 'x' }, { spec: { nodeName: 'w1', containers: [{ name: 'a' }, { name: 'b' }] }, status: { phase: 'Running', podIP: '10.0.0.1', containerStatuses: [{ name: 'a', ready: true, restartCount: 2 }, { name: 'b', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }] } });
    p.metadata.creationTimestamp = new Date(Date.now() - 45 * 3600_000).toISOString();
    const t = toTable([p], 'Pod', { resourceVersion: '1' }, 'Metadata');
    expect(t.rows[0].cells).toEqual(['p', '1/2', 'CrashLoopBackOff', '3', '45h', '10.0.0.1', 'w1', '<none>', '<none>']);
    expect(Object.keys(t.rows[0].object as object)).toEqual(Object.keys(real.rows[0].object));
  });

  it('humanDuration prints as kubectl does', () => {
    expect([5_000, 119_000, 150_000, 600_000, 3 * 3600_000 + 12 * 60_000, 30 * 3600_000, 3 * 86400_000 + 3600_000, 400 * 86400_000, 800 * 86400_000, 3000 * 86400_000].map(humanDuration)).toEqual(['5s', '119s', '2m30s', '10m', '3h12m', '30h', '3d1h', '400d', '2y70d', '8y']);
  });

  it('reads the Accept header kubectl sends', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe('v1');
    expect(wantsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io')).toBe('v1beta1');
    expect(wantsTable('application/json')).toBeNull();
  });
});

describe('selectors', () => {
  it('label selector grammar', () => {
    const l = { app: 'web', tier: 'fe' };
    const m = (s: string) => matchLabels(parseLabelSelector(s), l);
    expect([m('app=web'), m('app==web'), m('app!=web'), m('app in (web,db)'), m('app notin (web)'), m('tier'), m('!tier'), m('!gone'), m('app=web,tier=be'), m('')]).toEqual([true, true, false, true, false, true, false, true, false, true]);
    expect(() => parseLabelSelector('app in (')).toThrow(/unable to parse requirement/);
    expect(() => parseLabelSelector('a b c')).toThrow(ApiError);
  });

  it('field selectors over nested fields, = and !=', () => {
    const p = pod({}, { spec: { nodeName: 'w1' }, status: { phase: 'Running' } });
    expect(fieldValue(p, 'spec.nodeName')).toBe('w1');
    expect(matchFields(parseFieldSelector('spec.nodeName=w1,status.phase!=Failed,metadata.namespace==shop'), p)).toBe(true);
    expect(matchFields(parseFieldSelector('metadata.name=q'), p)).toBe(false);
    expect(() => parseFieldSelector('spec.nodeName')).toThrow(/fieldSelector/);
  });
});

describe('patches', () => {
  const cur = { metadata: { name: 'p', labels: { a: '1' } }, spec: { ephemeralContainers: [{ name: 'd1', image: 'x' }], policyTypes: ['Ingress'] } };

  it('strategic merge merges named lists by name and replaces plain lists', () => {
    const out = strategicMergePatch(cur, { spec: { $setElementOrder_ignored: 1, ephemeralContainers: [{ name: 'd2', image: 'y' }], policyTypes: ['Egress'] } }) as typeof cur;
    expect(out.spec.ephemeralContainers.map((c) => c.name)).toEqual(['d1', 'd2']);
    expect(out.spec.policyTypes).toEqual(['Egress']);
    expect((strategicMergePatch(cur, { metadata: { labels: { a: null } } }) as typeof cur).metadata.labels).toEqual({});
  });

  it('merge patch (RFC 7386) and JSON patch (RFC 6902)', () => {
    expect(mergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } })).toEqual({ a: 1, b: { d: 3 } });
    expect(jsonPatch(cur, [{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'd3' } }, { op: 'replace', path: '/metadata/labels/a', value: '2' }, { op: 'remove', path: '/spec/policyTypes' }])).toEqual({
      metadata: { name: 'p', labels: { a: '2' } },
      spec: { ephemeralContainers: [{ name: 'd1', image: 'x' }, { name: 'd3' }] },
    });
    expect(() => jsonPatch(cur, [{ op: 'replace', path: '/nope/x', value: 1 }])).toThrow(/does not exist/);
    expect(() => applyPatch('application/apply-patch+yaml', cur, {})).toThrow(/accepted media types/);
  });
});

describe('Status wording', () => {
  it('Forbidden reads like the RBAC authorizer', () => {
    expect(forbidden({ user: 'viewer', verb: 'create', resource: 'pods', subresource: 'exec', group: '', namespace: 'shop', name: 'x' }).message).toBe('pods "x" is forbidden: User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "shop"');
    expect(forbidden({ user: 'viewer', verb: 'list', resource: 'nodes', group: '' }).message).toBe('nodes is forbidden: User "viewer" cannot list resource "nodes" in API group "" at the cluster scope');
  });
});
