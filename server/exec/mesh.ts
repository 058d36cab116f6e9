// A mesh sidecar in the source pod (DESIGN §4 `mesh-intercepts`, lib/kube/mesh.ts): the pod's connects run
// from a second debug container as the proxy's own uid (Istio 1337, Linkerd 2102), which the mesh's nat
// rules exempt, so the verdict is about the real path and not about the proxy; the pod's nat table, read
// from the ordinary debug container, shows the redirect (when the container may read it), and the verdict
// carries a mesh-intercepts warning either way.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Evidence, Hop } from '../../lib/model';
import type { Judgement } from '../../lib/verdict';
import { meshRedirect, sidecarOf, type MeshRedirect, type Sidecar } from '../../lib/kube';
import { nextStepFor } from '../../lib/causes';
import { probeDef } from '../../lib/probes';
import type { ClusterSnapshot } from '../../lib/plan';
import { runProbe } from './probe';
import type { DebugContainer } from './debugContainer';

/** Pod probes that open connections: these run as the proxy's uid in a meshed pod. */
export const MESH_CONNECT_PROBES = new Set(['tcp-connect', 'udp-connect', 'tcp-bulk', 'trace-connect']);
/** Name prefix of the debug container that runs as the proxy's uid. */
export const MESH_DEBUG_PREFIX = 'packetwalk-debug-mesh';

/** The sidecar of the pod ns/name in the snapshot, or undefined. */
export function podSidecar(snap: ClusterSnapshot, ref: { namespace: string; name: string }): Sidecar | undefined {
  return sidecarOf(snap.pods.find((p) => p.metadata?.name === ref.name && (p.metadata?.namespace ?? 'default') === ref.namespace));
}

export interface MeshReport {
  pod: string;
  sidecar: Sidecar;
  redirect?: MeshRedirect;
  evidence?: Evidence;
  /** the connects ran as the proxy's uid */
  bypassed: boolean;
}

/** Reads the pod's nat rules from its (root) debug container; the probe's failure (no NET_ADMIN) is kept as evidence, not an error. */
export async function readMeshRules(kc: KubeConfig, hold: DebugContainer, sidecar: Sidecar, image: string, bypassed: boolean): Promise<MeshReport> {
  const def = probeDef('pod-nat');
  const argv = def.argv({});
  const pod = `${hold.namespace}/${hold.pod}`;
  try {
    const r = await runProbe(kc, hold, 'pod-nat', {});
    const redirect = r.exitCode === 0 ? meshRedirect(r.stdout) : undefined;
    const finding = redirect?.redirects
      ? `outbound TCP is redirected to port ${redirect.port ?? '?'}${redirect.exemptUids.length ? `; uid ${redirect.exemptUids.join(', ')} exempt` : ''}`
      : r.exitCode === 0
        ? 'no outbound redirect in the pod\'s nat table'
        : 'the nat table could not be read from the debug container (it needs NET_ADMIN); the sidecar is known from the pod spec';
    const evidence: Evidence = { probe: 'pod-nat', where: `pod ${pod}`, command: argv, reproduce: def.reproduce({ argv, image: hold.image ?? image, namespace: hold.namespace, pod: hold.pod, ...(hold.target ? { targetContainer: hold.target } : {}) }), exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs, ...(r.truncated ? { truncated: true } : {}), ...(r.timedOut ? { timedOut: true } : {}), finding };
    return { pod, sidecar, ...(redirect ? { redirect } : {}), evidence, bypassed };
  } catch {
    return { pod, sidecar, bypassed };
  }
}

/** The mesh-intercepts warning on the source pod's hop (and its evidence), never a failure. */
export function applyMesh(j: Judgement, m: MeshReport | undefined): Judgement {
  if (!m) return j;
  if (m.redirect && !m.redirect.redirects) return j; // the spec names a sidecar, but this pod's netns captures nothing
  const how = m.redirect?.redirects ? `its nat rules redirect outbound TCP to port ${m.redirect.port ?? '?'} (${m.redirect.rules.length} rules, uid ${m.redirect.exemptUids.join(', ') || '—'} exempt)` : `the pod runs the ${m.sidecar.container} sidecar`;
  const reason = `${m.pod} is in the ${m.sidecar.mesh} mesh: ${how}, so a connect from the pod reaches the proxy first; ${m.bypassed ? `packetwalk's connects ran as uid ${m.sidecar.uid} (the proxy's own, exempt from the redirect), so the verdict is about the real path` : `packetwalk's connects could not run as uid ${m.sidecar.uid}, so an open connect may prove only the proxy`}`;
  const warning = { hop: 'src-pod' as const, cause: 'mesh-intercepts' as const, reason, nextStep: nextStepFor('mesh-intercepts') };
  const hops: Hop[] = j.hops.map((h) => {
    if (h.id !== 'src-pod') return h;
    const evidence = m.evidence ? [...h.evidence, m.evidence] : h.evidence;
    return h.status === 'pass' ? { ...h, status: 'warn', cause: 'mesh-intercepts', summary: reason, nextStep: warning.nextStep, evidence } : { ...h, evidence };
  });
  return { ...j, hops, warnings: [...j.warnings, warning] };
}
