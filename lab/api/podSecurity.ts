// Pod Security admission as the API server enforces it (DESIGN §3.3): a namespace labelled
// `pod-security.kubernetes.io/enforce: baseline|restricted` refuses pods and ephemeral containers that break
// the level, with the server's own wording:
//   pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false
//   (container "x" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (…), …
// Checks follow the Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards/),
// reported in the order of upstream's check ids (k8s.io/pod-security-admission/policy: allowPrivilegeEscalation,
// capabilities_baseline, capabilities_restricted, hostNamespaces, hostPathVolumes, hostPorts, privileged,
// runAsNonRoot, runAsUser, seccompProfile); the message shape was read from real admission errors quoted in
// public issues (e.g. github.com/metal-stack/gardener-extension-provider-metal/issues/327).
// Lab simplification: for an ephemeral container only the new containers (and the pod-level
// securityContext) are judged; the lab file's own pods never passed admission.
import type { KubeObject } from '../types';
import { ApiError } from './status';

export type Level = 'privileged' | 'baseline' | 'restricted';

export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

/** Capabilities the baseline level allows to add (Pod Security Standards, "Capabilities"). */
const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT', 'NET_RAW']);

/* eslint-disable @typescript-eslint/no-explicit-any -- pod specs are read field by field */

/** The namespace's enforced level and version ("latest" unless labelled), privileged when unlabelled. */
export function enforcedLevel(ns: KubeObject | undefined): { level: Level; version: string } {
  const labels = ns?.metadata.labels ?? {};
  const v = labels[ENFORCE_LABEL];
  const level: Level = v === 'baseline' || v === 'restricted' ? v : 'privileged';
  return { level, version: labels[VERSION_LABEL] || 'latest' };
}

const quoteList = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');
/** `container "a"` / `containers "a", "b"` as the checks word them. */
const containersWord = (names: string[]) => `${names.length === 1 ? 'container' : 'containers'} ${quoteList(names)}`;

/**
 * The violations of `level` by `containers` (with the pod's spec for pod-level fields), worded as the
 * admission plugin words them; empty when the pod passes.
 */
export function violations(level: Level, podSpec: any, containers: any[]): string[] {
  if (level === 'privileged') return [];
  const out: string[] = [];
  const sc = (c: any) => c?.securityContext ?? {};
  const podSc = podSpec?.securityContext ?? {};
  const restricted = level === 'restricted';
  if (restricted) {
    const bad = containers.filter((c) => sc(c).allowPrivilegeEscalation !== false).map((c) => c.name);
    if (bad.length) out.push(`allowPrivilegeEscalation != false (${containersWord(bad)} must set securityContext.allowPrivilegeEscalation=false)`);
  }
  // capabilities_baseline
  const nonDefault = containers.flatMap((c) => ((sc(c).capabilities?.add ?? []) as string[]).filter((cap) => !BASELINE_CAPS.has(String(cap).replace(/^CAP_/, ''))).map((cap) => ({ c: c.name, cap })));
  if (nonDefault.length) out.push(`non-default capabilities (${nonDefault.map((x) => `container ${JSON.stringify(x.c)} must not include ${JSON.stringify(x.cap)} in securityContext.capabilities.add`).join('; ')})`);
  if (restricted) {
    const parts: string[] = [];
    const noDrop = containers.filter((c) => !((sc(c).capabilities?.drop ?? []) as string[]).includes('ALL')).map((c) => c.name);
    if (noDrop.length) parts.push(`${containersWord(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    for (const c of containers) {
      const extra = ((sc(c).capabilities?.add ?? []) as string[]).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (extra.length) parts.push(`container ${JSON.stringify(c.name)} must not include ${quoteList(extra)} in securityContext.capabilities.add`);
    }
    if (parts.length) out.push(`unrestricted capabilities (${parts.join('; ')})`);
  }
  const hostNs = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => podSpec?.[k] === true);
  if (hostNs.length) out.push(`host namespaces (${hostNs.map((k) => `${k}=true`).join(', ')})`);
  const hostPaths = ((podSpec?.volumes ?? []) as any[]).filter((v) => v?.hostPath).map((v) => v.name);
  if (hostPaths.length) out.push(`hostPath volumes (${hostPaths.length === 1 ? 'volume' : 'volumes'} ${quoteList(hostPaths)})`);
  const hostPorts = containers.flatMap((c) => ((c.ports ?? []) as any[]).filter((p) => p?.hostPort).map((p) => `container ${JSON.stringify(c.name)} uses hostPort ${p.hostPort}`));
  if (hostPorts.length) out.push(`hostPort (${hostPorts.join(', ')})`);
  const priv = containers.filter((c) => sc(c).privileged === true).map((c) => c.name);
  if (priv.length) out.push(`privileged (${containersWord(priv)} must not set securityContext.privileged=true)`);
  if (restricted) {
    const podNonRoot = podSc.runAsNonRoot === true;
    const notSet = containers.filter((c) => sc(c).runAsNonRoot !== true && !(podNonRoot && sc(c).runAsNonRoot !== false)).map((c) => c.name);
    if (podSc.runAsNonRoot === false) out.push('runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)');
    else if (notSet.length) out.push(`runAsNonRoot != true (pod or ${containersWord(notSet)} must set securityContext.runAsNonRoot=true)`);
    const root = containers.filter((c) => sc(c).runAsUser === 0).map((c) => c.name);
    if (podSc.runAsUser === 0 || root.length) out.push(`runAsUser=0 (${podSc.runAsUser === 0 ? 'pod' : containersWord(root)} must not set runAsUser=0)`);
    const ok = (p: any) => p?.type === 'RuntimeDefault' || p?.type === 'Localhost';
    const noSeccomp = containers.filter((c) => !ok(sc(c).seccompProfile) && !(ok(podSc.seccompProfile) && sc(c).seccompProfile === undefined)).map((c) => c.name);
    if (noSeccomp.length) out.push(`seccompProfile (pod or ${containersWord(noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
  }
  return out;
}

/** Throws the API server's 403 when `containers` break the namespace's enforced level. */
export function admitPodSecurity(ns: KubeObject | undefined, podName: string, podSpec: any, containers: any[]): void {
  const { level, version } = enforcedLevel(ns);
  const v = violations(level, podSpec, containers);
  if (!v.length) return;
  throw new ApiError(403, 'Forbidden', `pods "${podName}" is forbidden: violates PodSecurity "${level}:${version}": ${v.join(', ')}`, { name: podName, kind: 'pods' });
}
