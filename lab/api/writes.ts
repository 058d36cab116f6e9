// The writes the lab accepts: node debug pods (create/delete), ephemeral debug containers, and
// NetworkPolicies (create/update/patch/delete, then the dataplane recompiles its policy rules).
// Everything else is refused with a Status that says why. Every write goes through updateState so the
// CLI, the dataplane and WATCH all see one history.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { objectKey, updateState } from '../state';
import type { KubeObject, LabState } from '../types';
import { applyPatch } from './patch';
import { apiVersionOf, type ResourceDef } from './resources';
import { alreadyExists, ApiError, badRequest, invalid, methodNotAllowed, notFound } from './status';
import type { ObjectStore } from './store';
import { enforceActiveDeadline, startContainer, waiting } from './kubelet';
import { admitPodSecurity } from './podSecurity';
import { validateObject } from './validation';

export interface WriteContext {
  store: ObjectStore;
  labDir: string;
  /** kills exec sessions of a pod that is going away */
  onPodDeleted?: (namespace: string, name: string) => void;
}

export interface WriteResult {
  code: number;
  body: unknown;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are untyped JSON until checked here */

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function checkBody(def: ResourceDef, ns: string | undefined, body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`the request body must be a ${def.kind} object (JSON)`);
  const o = body as any;
  if (o.kind !== undefined && o.kind !== def.kind) throw badRequest(`the body is a ${JSON.stringify(o.kind)} but the request is for ${def.plural}; send kind: ${def.kind}`);
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(def)) throw badRequest(`the body's apiVersion ${JSON.stringify(o.apiVersion)} does not match ${apiVersionOf(def)}`);
  if (typeof o.metadata !== 'object' || o.metadata === null) throw badRequest(`${def.kind} body has no metadata; set metadata.name`);
  if (ns !== undefined && o.metadata.namespace !== undefined && o.metadata.namespace !== ns) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return { ...o, apiVersion: apiVersionOf(def), kind: def.kind, metadata: { ...o.metadata, ...(ns !== undefined ? { namespace: ns } : {}) } };
}

function nameFor(def: ResourceDef, o: KubeObject): string {
  const m = o.metadata as any;
  if (typeof m.name === 'string' && m.name !== '') return m.name;
  if (typeof m.generateName === 'string' && m.generateName !== '') return m.generateName + randomBytes(3).toString('hex').slice(0, 5);
  throw invalid(def.kind, '', 'metadata.name', 'Required value: name or generateName is required');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function ensureNamespace(ctx: WriteContext, ns: string | undefined): void {
  if (ns !== undefined && ctx.store.list('Namespace').length > 0 && !ctx.store.get('Namespace', undefined, ns)) throw notFound('namespaces', ns);
}

/** Applies fn under the state lock and refreshes the daemon's view at once (no waiting for fs.watch). */
function commit(ctx: WriteContext, fn: (s: LabState) => void): LabState {
  const s = updateState(fn, ctx.labDir);
  ctx.store.apply(s);
  return s;
}

const stored = (ctx: WriteContext, kind: string, ns: string | undefined, name: string) => ctx.store.get(kind, ns, name)!;

function isLabPod(s: LabState, ns: string, name: string): boolean {
  return s.pods.some((p) => p.namespace === ns && p.name === name);
}

// ---- pods: only node debug pods -------------------------------------------------------------

export function createPod(ctx: WriteContext, def: ResourceDef, ns: string, body: unknown, dryRun: boolean): WriteResult {
  const o = checkBody(def, ns, body) as any;
  const name = nameFor(def, o);
  validateObject('Pod', o, name);
  const spec = o.spec ?? {};
  const node = ctx.store.state.nodes.find((n) => n.name === spec.nodeName);
  if (spec.hostNetwork !== true || !spec.nodeName) {
    throw invalid('Pod', name, spec.hostNetwork !== true ? 'spec.hostNetwork' : 'spec.nodeName', 'the packetwalk lab only runs the pods of its lab file; through the API it creates only node debug pods (spec.hostNetwork: true and spec.nodeName, as `kubectl debug node/NAME` makes). Add other pods to the lab file and run `packetwalk lab up` again');
  }
  if (!node) throw invalid('Pod', name, 'spec.nodeName', `Not found: ${JSON.stringify(spec.nodeName)}; lab nodes are ${ctx.store.state.nodes.map((n) => n.name).join(', ')}`);
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) throw invalid('Pod', name, 'spec.containers', 'Required value: a pod needs at least one container');
  for (const c of spec.containers) if (typeof c?.name !== 'string' || !DNS_LABEL.test(c.name)) throw invalid('Pod', name, 'spec.containers[].name', `Invalid value: ${JSON.stringify(c?.name)}: a container needs a DNS-label name`);
  if (!DNS_LABEL.test(name)) throw invalid('Pod', name, 'metadata.name', 'Invalid value: must be a lowercase RFC 1123 subdomain');
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && !(Number.isInteger(deadline) && deadline >= 1 && deadline <= 2147483647)) {
    throw invalid('Pod', name, 'spec.activeDeadlineSeconds', `Invalid value: ${JSON.stringify(deadline)}: must be between 1 and 2147483647, inclusive`);
  }
  ensureNamespace(ctx, ns);
  if (ctx.store.get('Pod', ns, name)) throw alreadyExists('pods', name);
  admitPodSecurity(ctx.store.get('Namespace', undefined, ns), name, spec, [...(spec.initContainers ?? []), ...spec.containers]);
  const t = now();
  const pod: KubeObject = {
    ...o,
    metadata: { ...o.metadata, name, namespace: ns, creationTimestamp: t, uid: randomUuid(), generateName: undefined },
    spec: { ...spec, restartPolicy: spec.restartPolicy ?? 'Never', dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30 },
    // Pending with its containers waiting(ContainerCreating) until the kubelet (kubelet.ts) starts them.
    status: {
      phase: 'Pending',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: type === 'PodScheduled' || type === 'Initialized' ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t })),
      hostIP: node.internalIP,
      hostIPs: [{ ip: node.internalIP }],
      podIP: node.internalIP,
      podIPs: [{ ip: node.internalIP }],
      startTime: t,
      containerStatuses: spec.containers.map((c: any) => waiting(c, 'ContainerCreating')),
      qosClass: 'BestEffort',
    },
  };
  delete (pod.metadata as any).generateName;
  if (dryRun) return { code: 201, body: pod };
  commit(ctx, (s) => {
    s.objects.push(pod);
  });
  const created = stored(ctx, 'Pod', ns, name);
  for (const c of spec.containers) startContainer(ctx.store, ctx.labDir, { namespace: ns, pod: name, container: c.name, ephemeral: false, image: c.image ?? '' });
  if (typeof deadline === 'number') enforceActiveDeadline(ctx.store, ctx.labDir, ns, name, deadline);
  return { code: 201, body: created };
}

function randomUuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function deletePod(ctx: WriteContext, ns: string, name: string): WriteResult {
  const pod = ctx.store.get('Pod', ns, name);
  if (!pod) throw notFound('pods', name);
  if (isLabPod(ctx.store.state, ns, name)) {
    throw methodNotAllowed(`pods "${name}" cannot be deleted: the packetwalk lab runs the pods of its lab file; remove it from the lab file and run \`packetwalk lab up\` again (only debug pods created through the API can be deleted)`);
  }
  commit(ctx, (s) => {
    s.objects = s.objects.filter((o) => objectKey(o) !== objectKey(pod));
  });
  ctx.onPodDeleted?.(ns, name);
  return { code: 200, body: { ...pod, metadata: { ...pod.metadata, deletionTimestamp: now(), deletionGracePeriodSeconds: 0 } } };
}

// ---- ephemeral containers ---------------------------------------------------------------------

/** JSON with sorted keys: a client that re-encodes an unchanged container in another key order has not changed it. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function updateEphemeralContainers(ctx: WriteContext, ns: string, name: string, method: 'PATCH' | 'PUT', contentType: string | undefined, body: unknown): WriteResult {
  const pod = ctx.store.get('Pod', ns, name) as any;
  if (!pod) throw notFound('pods', name);
  const wanted = (method === 'PATCH' ? applyPatch(contentType, pod, body) : body) as any;
  if (typeof wanted !== 'object' || wanted === null) throw badRequest('the request body must be a Pod object');
  const before: any[] = pod.spec?.ephemeralContainers ?? [];
  const after: any[] = wanted.spec?.ephemeralContainers ?? [];
  if (!Array.isArray(after)) throw invalid('Pod', name, 'spec.ephemeralContainers', 'Invalid value: must be a list');
  validateObject('Pod', { metadata: { name }, spec: { ephemeralContainers: after } }, name);
  for (const old of before) {
    const kept = after.find((c) => c?.name === old.name);
    if (!kept) throw invalid('Pod', name, 'spec.ephemeralContainers', `Forbidden: existing ephemeral containers "${old.name}" may not be removed`);
    if (canonical(kept) !== canonical(old)) throw invalid('Pod', name, 'spec.ephemeralContainers', `Forbidden: existing ephemeral containers "${old.name}" may not be changed`);
  }
  const taken = new Set([...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c: any) => c.name));
  for (const c of after) {
    if (typeof c?.name !== 'string' || !DNS_LABEL.test(c.name)) throw invalid('Pod', name, 'spec.ephemeralContainers[].name', `Invalid value: ${JSON.stringify(c?.name)}: a DNS label is required`);
    if (taken.has(c.name)) throw invalid('Pod', name, 'spec.ephemeralContainers[].name', `Duplicate value: ${JSON.stringify(c.name)}`);
    if (c.targetContainerName && !(pod.spec?.containers ?? []).some((x: any) => x.name === c.targetContainerName)) {
      throw invalid('Pod', name, 'spec.ephemeralContainers[].targetContainerName', `Not found: ${JSON.stringify(c.targetContainerName)}`);
    }
  }
  const added = after.filter((c) => !before.some((old) => old.name === c.name));
  admitPodSecurity(ctx.store.get('Namespace', undefined, ns), name, pod.spec, added);
  commit(ctx, (s) => {
    const o = s.objects.find((x) => x.kind === 'Pod' && x.metadata.namespace === ns && x.metadata.name === name) as any;
    o.spec = { ...o.spec, ephemeralContainers: after };
    const statuses: any[] = o.status?.ephemeralContainerStatuses ?? [];
    o.status = { ...o.status, ephemeralContainerStatuses: after.map((c) => statuses.find((x) => x.name === c.name) ?? waiting(c, 'ContainerCreating')) };
  });
  const updated = stored(ctx, 'Pod', ns, name);
  for (const c of added) startContainer(ctx.store, ctx.labDir, { namespace: ns, pod: name, container: c.name, ephemeral: true, image: c.image ?? '' });
  return { code: 200, body: updated };
}

// ---- NetworkPolicy -------------------------------------------------------------------------

type PolicyModule = { syncPolicies?: (dir: string) => unknown };

/** lab/dataplane/policy.ts, loaded once (at daemon start, so the first policy write is not slowed by it); null when absent. */
export async function loadPolicySync(): Promise<PolicyModule | null> {
  const url = new URL('../dataplane/policy.ts', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return null;
  return (await import(/* @vite-ignore */ url.href)) as PolicyModule;
}

/** Recompiles the dataplane's policy rules (lab/dataplane/policy.ts, when it exists). */
async function syncPolicies(labDir: string): Promise<void> {
  const mod = await loadPolicySync();
  if (typeof mod?.syncPolicies === 'function') await mod.syncPolicies(labDir);
}

async function afterPolicyChange(ctx: WriteContext, result: WriteResult): Promise<WriteResult> {
  try {
    await syncPolicies(ctx.labDir);
  } catch (e) {
    throw new ApiError(500, 'InternalError', `Internal error occurred: the NetworkPolicy was stored but the lab dataplane could not apply it: ${(e as Error).message}`);
  }
  return result;
}

const POLICY_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const POLICY_SPEC_KEYS = new Set(['podSelector', 'ingress', 'egress', 'policyTypes']);

/** fieldValidation=Strict (what kubectl apply sends): unknown fields are an error, as the real decoder says. */
export function strictPolicyFields(o: any): void {
  const unknown = [...Object.keys(o ?? {}).filter((k) => !POLICY_KEYS.has(k)), ...Object.keys(o?.spec ?? {}).filter((k) => !POLICY_SPEC_KEYS.has(k)).map((k) => `spec.${k}`)];
  if (unknown.length) throw badRequest(`NetworkPolicy in version "v1" cannot be handled as a NetworkPolicy: strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`);
}

function checkPolicy(o: any, name: string): void {
  const spec = o.spec;
  if (typeof spec !== 'object' || spec === null) throw invalid('NetworkPolicy.networking.k8s.io', name, 'spec', 'Required value');
  if (typeof spec.podSelector !== 'object' || spec.podSelector === null) throw invalid('NetworkPolicy.networking.k8s.io', name, 'spec.podSelector', 'Required value: use {} to select every pod in the namespace', 'networking.k8s.io');
  for (const t of spec.policyTypes ?? []) if (t !== 'Ingress' && t !== 'Egress') throw invalid('NetworkPolicy.networking.k8s.io', name, 'spec.policyTypes', `Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"`, 'networking.k8s.io');
  for (const k of ['ingress', 'egress']) if (spec[k] !== undefined && spec[k] !== null && !Array.isArray(spec[k])) throw invalid('NetworkPolicy.networking.k8s.io', name, `spec.${k}`, 'Invalid value: must be a list of rules', 'networking.k8s.io');
}

export async function createPolicy(ctx: WriteContext, def: ResourceDef, ns: string, body: unknown, dryRun: boolean): Promise<WriteResult> {
  const o = checkBody(def, ns, body) as any;
  const name = nameFor(def, o);
  validateObject('NetworkPolicy', o, name);
  checkPolicy(o, name);
  ensureNamespace(ctx, ns);
  if (ctx.store.get('NetworkPolicy', ns, name)) throw alreadyExists('networkpolicies', name, 'networking.k8s.io');
  const obj: KubeObject = { ...o, metadata: { ...o.metadata, name, namespace: ns, uid: randomUuid(), creationTimestamp: now(), generation: 1 } };
  delete (obj.metadata as any).generateName;
  delete (obj.metadata as any).resourceVersion;
  if (dryRun) return { code: 201, body: obj };
  commit(ctx, (s) => {
    s.objects.push(obj);
  });
  return afterPolicyChange(ctx, { code: 201, body: stored(ctx, 'NetworkPolicy', ns, name) });
}

export async function replacePolicy(ctx: WriteContext, def: ResourceDef, ns: string, name: string, next: unknown, dryRun: boolean): Promise<WriteResult> {
  const cur = ctx.store.get('NetworkPolicy', ns, name);
  if (!cur) throw notFound('networkpolicies', name, 'networking.k8s.io');
  const o = checkBody(def, ns, next) as any;
  if (o.metadata.name !== undefined && o.metadata.name !== name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
  const rv = o.metadata.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== cur.metadata.resourceVersion) {
    throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on networkpolicies.networking.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: 'networking.k8s.io', kind: 'networkpolicies' });
  }
  validateObject('NetworkPolicy', o, name);
  checkPolicy(o, name);
  const specChanged = JSON.stringify(o.spec) !== JSON.stringify((cur as any).spec);
  const obj: KubeObject = {
    ...o,
    metadata: { ...o.metadata, name, namespace: ns, uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp, generation: Number((cur.metadata as any).generation ?? 1) + (specChanged ? 1 : 0) },
  };
  delete (obj.metadata as any).resourceVersion;
  if (dryRun) return { code: 200, body: obj };
  commit(ctx, (s) => {
    const i = s.objects.findIndex((x) => objectKey(x) === objectKey(cur));
    s.objects[i] = { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } };
  });
  return afterPolicyChange(ctx, { code: 200, body: stored(ctx, 'NetworkPolicy', ns, name) });
}

export async function patchPolicy(ctx: WriteContext, def: ResourceDef, ns: string, name: string, contentType: string | undefined, patch: unknown, dryRun: boolean, strict = false): Promise<WriteResult> {
  const cur = ctx.store.get('NetworkPolicy', ns, name);
  if (!cur) throw notFound('networkpolicies', name, 'networking.k8s.io');
  const next = applyPatch(contentType, cur, patch) as any;
  if (strict) strictPolicyFields(next);
  if (next?.metadata) delete next.metadata.resourceVersion; // a patch never conflicts unless it says so
  if (typeof patch === 'object' && patch !== null && (patch as any).metadata?.resourceVersion) next.metadata.resourceVersion = (patch as any).metadata.resourceVersion;
  return replacePolicy(ctx, def, ns, name, next, dryRun);
}

/**
 * Server-side apply (`kubectl apply --server-side`): creates the policy, or sets its spec, labels and
 * annotations to the applied configuration. The lab has one field manager per object in practice, so
 * "the applier owns what it sent" reduces to that.
 */
export async function applyPolicy(ctx: WriteContext, def: ResourceDef, ns: string, name: string, body: unknown, dryRun: boolean): Promise<WriteResult> {
  const o = checkBody(def, ns, body) as any;
  if (o.metadata.name !== undefined && o.metadata.name !== name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
  const cur = ctx.store.get('NetworkPolicy', ns, name) as any;
  if (!cur) return createPolicy(ctx, def, ns, { ...o, metadata: { ...o.metadata, name } }, dryRun);
  const metadata = { ...cur.metadata, labels: o.metadata.labels ?? cur.metadata.labels, annotations: o.metadata.annotations ?? cur.metadata.annotations };
  delete metadata.resourceVersion;
  return replacePolicy(ctx, def, ns, name, { ...cur, metadata, spec: o.spec }, dryRun);
}

export async function deletePolicy(ctx: WriteContext, ns: string, name: string, dryRun: boolean): Promise<WriteResult> {
  const cur = ctx.store.get('NetworkPolicy', ns, name);
  if (!cur) throw notFound('networkpolicies', name, 'networking.k8s.io');
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: 'networking.k8s.io', kind: 'networkpolicies', uid: cur.metadata.uid } };
  if (dryRun) return { code: 200, body: status };
  commit(ctx, (s) => {
    s.objects = s.objects.filter((o) => objectKey(o) !== objectKey(cur));
  });
  return afterPolicyChange(ctx, { code: 200, body: status });
}
