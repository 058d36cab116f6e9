// Service-mesh sidecars (DESIGN §4 `mesh-intercepts`): a sidecar proxy redirects the pod's outbound TCP to
// itself, so a connect from the pod's netns proves only that the proxy answered. Istio's injector adds the
// `istio-proxy` container (and the sidecar.istio.io/status annotation) running as uid 1337, which its
// istio-iptables rules exempt (`-m owner --uid-owner 1337 -j RETURN`); Linkerd's `linkerd-proxy` runs as uid
// 2102, exempt the same way by linkerd-init. A connect made as that uid takes the real path.
import type { Pod } from './types';

export interface Sidecar {
  mesh: 'istio' | 'linkerd';
  container: string;
  /** the proxy's uid, exempt from the redirect */
  uid: number;
}

type PodX = Pod & { spec?: { containers?: { name?: string; securityContext?: { runAsUser?: number } | null }[] | null; initContainers?: { name?: string; restartPolicy?: string; securityContext?: { runAsUser?: number } | null }[] | null } };

/** The pod's mesh sidecar from its spec (native sidecars in initContainers count), or undefined. */
export function sidecarOf(pod: Pod | undefined): Sidecar | undefined {
  if (!pod) return undefined;
  const p = pod as PodX;
  const all = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  const istio = all.find((c) => c.name === 'istio-proxy');
  if (istio || pod.metadata?.annotations?.['sidecar.istio.io/status']) return { mesh: 'istio', container: 'istio-proxy', uid: istio?.securityContext?.runAsUser ?? 1337 };
  const linkerd = all.find((c) => c.name === 'linkerd-proxy');
  if (linkerd) return { mesh: 'linkerd', container: 'linkerd-proxy', uid: linkerd.securityContext?.runAsUser ?? 2102 };
  return undefined;
}

export interface MeshRedirect {
  /** outbound TCP leaves OUTPUT for a REDIRECT (the capture is on) */
  redirects: boolean;
  /** the port it redirects to (15001 for Istio, 4140 for Linkerd) */
  port?: number;
  /** uids the rules exempt (`-m owner --uid-owner N -j RETURN`) */
  exemptUids: number[];
  /** the rules that show it, as iptables-save printed them */
  rules: string[];
}

/**
 * Reads `iptables-save -t nat` from the pod's netns: does OUTPUT send TCP (through the mesh's chains) to a
 * REDIRECT, and which uids return early? Pure text reading of iptables-save's line format.
 */
export function meshRedirect(natDump: string): MeshRedirect {
  const rules = natDump.split('\n').filter((l) => l.startsWith('-A '));
  const byChain = new Map<string, string[]>();
  for (const r of rules) {
    const chain = r.split(/\s+/)[1];
    byChain.set(chain, [...(byChain.get(chain) ?? []), r]);
  }
  const seen = new Set<string>();
  const shown: string[] = [];
  let port: number | undefined;
  const exempt = new Set<number>();
  const walk = (chain: string): boolean => {
    if (seen.has(chain)) return false;
    seen.add(chain);
    let found = false;
    for (const r of byChain.get(chain) ?? []) {
      const target = /\s-j\s+(\S+)/.exec(r)?.[1];
      const uid = /--uid-owner\s+(\d+)/.exec(r);
      if (uid && target === 'RETURN') {
        exempt.add(Number(uid[1]));
        shown.push(r);
      }
      if (target === 'REDIRECT' && (/-p tcp/.test(r) || !/-p /.test(r))) {
        port = Number(/--to-ports\s+(\d+)/.exec(r)?.[1]) || port;
        shown.push(r);
        found = true;
      } else if (target && byChain.has(target) && walk(target)) {
        shown.push(r);
        found = true;
      }
    }
    return found;
  };
  const redirects = walk('OUTPUT');
  return { redirects, ...(port ? { port } : {}), exemptUids: [...exempt].sort((a, b) => a - b), rules: redirects ? shown : [] };
}
