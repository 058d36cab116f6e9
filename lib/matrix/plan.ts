// Which rows and columns a matrix has (DESIGN §7): the namespaces' pods as sources, grouped by the workload
// that owns them (ownerReferences: a ReplicaSet named "<deployment>-<pod-template-hash>" stands for its
// Deployment, as `kubectl rollout` reads it), one pod per group unless every pod is asked for; targets are
// each Service port (dialled at its ClusterIP) and each probed pod's declared container port (at its IP).
import type { EndpointSlice, Namespace, NetworkPolicy, ObjectMeta, Pod, Service } from '../kube/types';
import { nsName, protocolOf } from '../kube/types';
import { podIP, podIsReady } from '../kube/ports';
import { MAX_ENDPOINT_CONNECTS, type MatrixGroup, type MatrixTarget } from './types';
import { endpointsForServicePort } from '../kube/endpoints';

/** The API objects a matrix reads (a ClusterSnapshot fits). */
export interface MatrixObjects {
  pods: readonly Pod[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  policies: readonly NetworkPolicy[];
  namespaces: readonly Namespace[];
}

export interface MatrixLayout {
  groups: MatrixGroup[];
  /** probed pods, "ns/pod", grouped by workload (groups sorted by id, pods by name) */
  sources: string[];
  targets: MatrixTarget[];
  notes: string[];
}

interface OwnerRef {
  kind?: string;
  name?: string;
  controller?: boolean;
}

/** The workload a pod belongs to: {kind, name} from its controller ownerReference, else the pod itself. */
export function workloadOf(pod: Pod): { kind: string; name: string } {
  const meta = pod.metadata as (ObjectMeta & { ownerReferences?: OwnerRef[] | null }) | undefined;
  const refs = meta?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  if (!ref?.kind || !ref.name) return { kind: 'Pod', name: meta?.name ?? '?' };
  if (ref.kind === 'ReplicaSet') {
    // Deployment → ReplicaSet "<deployment>-<pod-template-hash>"; the pod carries the hash as a label.
    const hash = meta?.labels?.['pod-template-hash'];
    if (hash && ref.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
    const m = /^(.+)-[a-z0-9]{5,10}$/.exec(ref.name);
    if (m && !hash) return { kind: 'Deployment', name: m[1] };
    return { kind: 'ReplicaSet', name: ref.name };
  }
  return { kind: ref.kind, name: ref.name };
}

/** A pod that can be a source or target: running, in the pod network (not hostNetwork), with an IP. */
function usable(p: Pod): boolean {
  if (p.spec?.hostNetwork) return false;
  if (!podIP(p)) return false;
  const phase = p.status?.phase;
  return !phase || phase === 'Running';
}

const byName = (a: Pod, b: Pod) => nsName(a).localeCompare(nsName(b));

/**
 * Lays out the matrix for `namespaces` (each must exist in objects.namespaces or hold pods; the caller checks).
 * With allPods false, each workload group contributes one pod: the first Ready one by name (else the first).
 */
export function layoutMatrix(objs: MatrixObjects, namespaces: readonly string[], allPods: boolean): MatrixLayout {
  const nsSet = new Set(namespaces);
  const notes: string[] = [];
  const pods = objs.pods.filter((p) => nsSet.has(p.metadata?.namespace ?? 'default'));
  const skipped = pods.filter((p) => !usable(p));
  if (skipped.length) notes.push(`left out ${skipped.length} pod(s) that are not running in the pod network: ${skipped.map(nsName).sort().join(', ')}`);
  const groupsMap = new Map<string, { g: MatrixGroup; members: Pod[] }>();
  for (const p of pods.filter(usable).sort(byName)) {
    const ns = p.metadata?.namespace ?? 'default';
    const w = workloadOf(p);
    const id = `${ns}/${w.kind}/${w.name}`;
    let e = groupsMap.get(id);
    if (!e) {
      e = { g: { id, namespace: ns, kind: w.kind, name: w.name, pods: [], probed: [] }, members: [] };
      groupsMap.set(id, e);
    }
    e.g.pods.push(nsName(p));
    e.members.push(p);
  }
  const groups: MatrixGroup[] = [];
  const probedPods: Pod[] = [];
  for (const { g, members } of [...groupsMap.values()].sort((a, b) => a.g.id.localeCompare(b.g.id))) {
    const chosen = allPods ? members : [members.find(podIsReady) ?? members[0]];
    g.probed = chosen.map(nsName);
    if (!allPods && members.length > 1) notes.push(`${g.id}: ${members.length} pods, probed ${g.probed[0]} for all of them (--all-pods probes each)`);
    groups.push(g);
    probedPods.push(...chosen);
  }
  const sources = probedPods.map(nsName);
  const groupOf = new Map(groups.flatMap((g) => g.pods.map((p) => [p, g.id] as const)));

  const targets: MatrixTarget[] = [];
  const services = objs.services.filter((s) => nsSet.has(s.metadata?.namespace ?? 'default')).sort((a, b) => nsName(a).localeCompare(nsName(b)));
  for (const s of services) {
    const ns = s.metadata?.namespace ?? 'default';
    const name = s.metadata?.name ?? '?';
    const ip = s.spec?.clusterIP;
    if (s.spec?.type === 'ExternalName' || !ip || ip === 'None') {
      notes.push(`Service ${ns}/${name} has no ClusterIP (${s.spec?.type === 'ExternalName' ? 'ExternalName' : 'headless'}); its pods are targets themselves`);
      continue;
    }
    for (const sp of s.spec?.ports ?? []) {
      const protocol = protocolOf(sp.protocol);
      if (protocol === 'SCTP') {
        notes.push(`Service ${ns}/${name} port ${sp.port} is SCTP, which the matrix does not probe`);
        continue;
      }
      const ready = endpointsForServicePort(s, sp, objs.endpointSlices).endpoints.filter((e) => e.ready);
      if (ready.length > MAX_ENDPOINT_CONNECTS) notes.push(`Service ${ns}/${name} port ${sp.port}: ${ready.length} ready endpoints, the first ${MAX_ENDPOINT_CONNECTS} dialled directly`);
      const endpoints = ready.slice(0, MAX_ENDPOINT_CONNECTS).map((e) => ({ ip: e.ip, port: e.port, ...(e.pod ? { pod: e.pod } : {}) }));
      targets.push({ id: `svc:${ns}/${name}:${sp.port}`, kind: 'svc', namespace: ns, name, port: sp.port, protocol, ip, walkTo: `${name}.${ns}:${sp.port}`, endpoints });
    }
  }
  for (const p of probedPods) {
    const ns = p.metadata?.namespace ?? 'default';
    const name = p.metadata?.name ?? '?';
    const seen = new Set<string>();
    for (const c of p.spec?.containers ?? []) {
      for (const cp of c.ports ?? []) {
        const protocol = protocolOf(cp.protocol);
        const key = `${protocol}/${cp.containerPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (protocol === 'SCTP') continue;
        // Two protocols on one port number keep distinct ids: the UDP one says so.
        const id = `pod:${ns}/${name}:${cp.containerPort}${protocol === 'UDP' && seen.has(`TCP/${cp.containerPort}`) ? '/udp' : ''}`;
        targets.push({ id, kind: 'pod', namespace: ns, name, port: cp.containerPort, protocol, ip: podIP(p)!, group: groupOf.get(nsName(p)), walkTo: `pod:${ns}/${name}:${cp.containerPort}` });
      }
    }
  }
  if (!sources.length) notes.push(`no source: ${namespaces.join(', ')} ${namespaces.length === 1 ? 'has' : 'have'} no running pod in the pod network`);
  else if (!targets.length) notes.push(`no target: ${namespaces.join(', ')} ${namespaces.length === 1 ? 'has' : 'have'} no Service with a ClusterIP and no pod that declares a containerPort`);
  return { groups, sources, targets, notes };
}
