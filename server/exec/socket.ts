// The pods/exec client both exec paths use (exec.ts, stream.ts): client-node's Exec over its own
// WebSocketHandler, with one TLS SecureContext per kubeconfig reused by every exec socket. Without it, Node
// parses the CA bundle, client certificate and key again for each of a diagnosis's ~60 exec connections
// (tls.createSecureContext in every tls.connect: ~50 ms of CPU per diagnosis in a CPU profile of
// `packetwalk diagnose` on the lab, 2026-11-30). Each exec is still its own connection (an upgraded socket cannot
// be shared); the https.Agent client-node caches per cluster and user resumes its TLS sessions, once one request
// has made one (primeExecTls).
import { request as httpsRequest, type Agent } from 'node:https';
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

const primes = new WeakMap<KubeConfig, Promise<void>>();
/** How long an exec waits for the priming request before it opens its socket anyway (ms). */
const PRIME_WAIT_MS = 50;

/**
 * One HTTPS request (GET /version) through the https.Agent client-node gives the exec sockets of `kc`, so that
 * the agent holds a TLS session before a diagnosis opens its first wave of ~30 exec sockets at once: they then
 * resume it instead of each making a full handshake (the certificate chain checked, the server signing) — 25 of
 * ~60 exec sockets per diagnosis were full handshakes on the lab before this (bench/timeline.ts, 2026-11-30).
 * Made once per kubeconfig and process; starting it early (diagnose() does, beside its reads) hides its round
 * trip. Resolves when the response has ended or failed (any status will do: only the handshake matters); never rejects.
 */
export function primeExecTls(kc: KubeConfig): Promise<void> {
  let p = primes.get(kc);
  if (p) return p;
  p = (async () => {
    const server = kc.getCurrentCluster()?.server;
    if (!server?.startsWith('https:')) return;
    const opts: Material & { agent?: Agent; headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts as never);
    const secureContext = contextFor(kc, opts);
    // under the server's own path (a proxy such as Rancher's serves clusters at https://host/k8s/clusters/ID)
    const url = new URL(`${server.replace(/\/+$/, '')}/version`);
    await new Promise<void>((resolve) => {
      const req = httpsRequest(url, { method: 'GET', ...(opts.agent ? { agent: opts.agent } : {}), ...(opts.headers ? { headers: opts.headers } : {}), ...(secureContext ? { secureContext } : {}), timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', resolve).on('error', () => resolve());
      });
      req.on('error', () => resolve()).on('timeout', () => req.destroy());
      req.end();
    });
  })().catch(() => undefined);
  primes.set(kc, p);
  return p;
}

/** An Exec for `kc` whose sockets share one SecureContext and wait (≤ PRIME_WAIT_MS) for primeExecTls; otherwise client-node's own behaviour. */
export function execClient(kc: KubeConfig): Exec {
  const handler = new WebSocketHandler(kc, (uri: string, protocols: string[], opts: WebSocket.ClientOptions) => {
    const secureContext = contextFor(kc, opts as Material);
    // ws hands its options to https.request, and the Agent to tls.connect, which uses a given secureContext as is
    return new WebSocket(uri, protocols, (secureContext ? { ...opts, secureContext } : opts) as WebSocket.ClientOptions);
  });
  const connect = handler.connect.bind(handler);
  handler.connect = (async (...args: Parameters<typeof connect>) => {
    await Promise.race([primeExecTls(kc), new Promise((r) => setTimeout(r, PRIME_WAIT_MS).unref())]);
    return connect(...args);
  }) as typeof connect;
  return new Exec(kc, handler);
}
