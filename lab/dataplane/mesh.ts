// An Istio-style sidecar in lab pods annotated `packetwalk/mesh: istio` (DESIGN §3): nat rules in the pod's
// netns redirect its outbound TCP to a local proxy port (15001) — Istio's ISTIO_OUTPUT/ISTIO_REDIRECT shape
// from istio-iptables, with the proxy's uid/gid 1337 and loopback exempt — and a proxy there
// (meshproxy.py) accepts every connection and relays it to the original destination. So a connect from the
// pod opens even when the real path is broken, unless it runs as uid 1337, as the proxy's own does.
// Chain and rule shapes follow istio/istio tools/istio-iptables (ISTIO_OUTPUT: `-m owner --uid-owner 1337 -j RETURN`,
// `-d 127.0.0.1/32 -j RETURN`, then `-j ISTIO_REDIRECT`; ISTIO_REDIRECT: `-p tcp -j REDIRECT --to-ports 15001`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject, LabState } from '../types';
import { podLogName } from '../objects';
import { logPath, startDaemon } from './daemons';
import { run } from './sh';

export const MESH_ANNOTATION = 'packetwalk/mesh';
export const MESH_PROXY_UID = 1337;
export const MESH_PROXY_PORT = 15001;

const PROXY = fileURLToPath(new URL('./meshproxy.py', import.meta.url));

/** The nat table istio-iptables writes for outbound capture (iptables-restore input). */
export function meshNatRules(): string {
  return [
    '*nat',
    ':ISTIO_OUTPUT - [0:0]',
    ':ISTIO_REDIRECT - [0:0]',
    '-A OUTPUT -p tcp -j ISTIO_OUTPUT',
    `-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports ${MESH_PROXY_PORT}`,
    '-A ISTIO_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN',
    `-A ISTIO_OUTPUT -m owner --uid-owner ${MESH_PROXY_UID} -j RETURN`,
    `-A ISTIO_OUTPUT -m owner --gid-owner ${MESH_PROXY_UID} -j RETURN`,
    '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
    '-A ISTIO_OUTPUT -j ISTIO_REDIRECT',
    'COMMIT',
    '',
  ].join('\n');
}

export const isMeshed = (pod: KubeObject) => pod.metadata.annotations?.[MESH_ANNOTATION] === 'istio';

/** Installs the capture rules and starts the proxy in every meshed lab pod; returns daemon role → pid. */
export async function startMesh(st: LabState): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const meshed = st.objects.filter((o) => o.kind === 'Pod' && isMeshed(o));
  for (const o of meshed) {
    const p = st.pods.find((x) => x.namespace === o.metadata.namespace && x.name === o.metadata.name);
    if (!p || p.hostNetwork) continue;
    const r = await run(['ip', 'netns', 'exec', p.netns, 'iptables-restore', '--noflush'], { input: meshNatRules(), timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`mesh rules for pod ${p.namespace}/${p.name}: iptables-restore failed: ${r.stderr.trim()}`);
    out[`mesh:${p.namespace}/${p.name}`] = await startDaemon({
      netns: p.netns,
      link: join(st.labDir, `${st.instance}-meshproxy`),
      target: ['/usr/bin/python3', '/usr/local/bin/python3'].find((x) => existsSync(x)) ?? '/usr/bin/python3',
      args: [PROXY, String(MESH_PROXY_PORT)],
      log: logPath(st.labDir, podLogName('meshproxy', p.namespace, p.name)),
      ready: /^ready /m,
      what: `the mesh proxy of pod ${p.namespace}/${p.name}`,
    });
  }
  return out;
}
