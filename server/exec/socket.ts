// The pods/exec client both exec paths use (exec.ts, stream.ts): client-node's Exec over its own
// WebSocketHandler, with one TLS SecureContext per kubeconfig reused by every exec socket. Without it, Node
// parses the CA bundle, client certificate and key again for each of a diagnosis's ~60 exec connections
// (tls.createSecureContext in every tls.connect: ~50 ms of CPU per diagnosis in a CPU profile of
// `packetwalk diagnose` on the lab, 2026-11-30). Each exec is still its own connection (an upgraded socket cannot
// be shared); the https.Agent client-node caches per cluster and user keeps resuming its TLS sessions.
import { createSecureContext, type SecureContext } from 'node:tls';
import { Exec, type KubeConfig } from '@kubernetes/client-node';
// client-node's index does not re-export its handler; its socket factory parameter is the documented seam
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';

type Material = { ca?: unknown; cert?: unknown; key?: unknown; pfx?: unknown; passphrase?: unknown };
const KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase'] as const;
const contexts = new WeakMap<KubeConfig, { material: Material; context: SecureContext }>();

const same = (a: unknown, b: unknown): boolean => (Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b);

/**
 * The SecureContext for this kubeconfig's TLS material (`opts` as client-node's applyToHTTPSOptions fills it):
 * the cached one while the material is the same (a rotated exec-plugin certificate makes a new one), or
 * undefined when there is no material of ours to build one from (Node's defaults apply then).
 */
function contextFor(kc: KubeConfig, opts: Material): SecureContext | undefined {
  if (!KEYS.some((k) => opts[k] !== undefined)) return undefined;
  const hit = contexts.get(kc);
  if (hit && KEYS.every((k) => same(hit.material[k], opts[k]))) return hit.context;
  const material = Object.fromEntries(KEYS.map((k) => [k, opts[k]])) as Material;
  const context = createSecureContext(material as Parameters<typeof createSecureContext>[0]);
  contexts.set(kc, { material, context });
  return context;
}

/** An Exec for `kc` whose sockets share one SecureContext (see above); otherwise client-node's own behaviour. */
export function execClient(kc: KubeConfig): Exec {
  const handler = new WebSocketHandler(kc, (uri: string, protocols: string[], opts: WebSocket.ClientOptions) => {
    const secureContext = contextFor(kc, opts as Material);
    // ws hands its options to https.request, and the Agent to tls.connect, which uses a given secureContext as is
    return new WebSocket(uri, protocols, (secureContext ? { ...opts, secureContext } : opts) as WebSocket.ClientOptions);
  });
  return new Exec(kc, handler);
}
