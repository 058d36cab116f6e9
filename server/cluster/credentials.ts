// How a loaded kubeconfig talks to its API server, the way kubectl does (DESIGN §5):
// - exec credential plugins (gke-gcloud-auth-plugin, aws eks get-token, kubelogin …) run once and their
//   ExecCredential is reused until its status.expirationTimestamp, by every KubeConfig of this process; parallel
//   first requests wait for the one run instead of starting their own (client-node caches per KubeConfig
//   instance, and not across requests already in flight);
// - HTTPS_PROXY/https_proxy (and NO_PROXY) are honoured for a cluster without its own proxy-url, as Go's
//   http.ProxyFromEnvironment does for kubectl — never for loopback servers;
// - every API request has a deadline (an AbortSignal on the request), so a stalled LIST ends as an error
//   that explain.ts words, not a hang;
// - requests share keep-alive connections, as kubectl's one http.Transport does: client-node 2.0 gives every
//   request a new undici Agent, so each paid a TCP connect and a full TLS handshake (33 of them in one CLI
//   diagnosis on the lab; on a real cluster two or three round trips to the API server each).
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import type { KubeConfig, User } from '@kubernetes/client-node';

/** Default deadline of one API request (not watches or exec streams, which have their own). */
export const REQUEST_TIMEOUT_MS = 30_000;

type Authenticator = { isAuthProvider(user: User): boolean; applyAuthentication(user: User, opts: object): Promise<void> };

/** One ExecAuth (and so one token cache) per distinct plugin configuration, for the whole process. */
const execAuths = new Map<string, ExecAuth>();
const firstRuns = new Map<string, Promise<void>>();

const pluginKey = (user: User) => JSON.stringify([user.name, user.exec ?? null, user.authProvider ?? null]);

/** The shared exec authenticator: the first caller runs the plugin, callers meanwhile wait, later ones hit the cache. */
export const sharedExecAuth: Authenticator = {
  isAuthProvider: (user) => new ExecAuth().isAuthProvider(user),
  async applyAuthentication(user, opts) {
    const key = pluginKey(user);
    let auth = execAuths.get(key);
    if (!auth) execAuths.set(key, (auth = new ExecAuth()));
    const running = firstRuns.get(key);
    if (running) {
      await running.catch(() => undefined);
      return auth.applyAuthentication(user, opts as never);
    }
    const run = auth.applyAuthentication(user, opts as never);
    firstRuns.set(key, run);
    try {
      await run;
    } finally {
      firstRuns.delete(key);
    }
  },
};

/** Replaces the KubeConfig's own ExecAuth with the shared one (client-node keeps its authenticators private). */
export function shareExecCredentials(kc: KubeConfig): void {
  const list = (kc as unknown as { authenticators?: unknown[] }).authenticators;
  if (!Array.isArray(list)) return;
  const i = list.findIndex((a) => a instanceof ExecAuth);
  if (i >= 0) list[i] = sharedExecAuth;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

/** Does NO_PROXY (comma-separated hosts, .domains, *, host:port) exempt `host`? Go's httpproxy rules, simplified to names and exact IPs. */
export function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  for (const raw of noProxy.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (raw === '*') return true;
    const [h, p] = raw.startsWith('[') ? [raw.slice(0, raw.indexOf(']') + 1), raw.split(']:')[1]] : raw.split(':');
    if (p && p !== port) continue;
    const name = h.replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The proxy URL kubectl would use for `server` from the environment, or undefined. */
export function proxyFromEnv(server: string, env: Record<string, string | undefined>): string | undefined {
  let u: URL;
  try {
    u = new URL(server);
  } catch {
    return undefined;
  }
  const proxy = u.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy) return undefined;
  const host = u.hostname.toLowerCase();
  if (isLoopback(host)) return undefined;
  if (noProxyMatches(env.NO_PROXY ?? env.no_proxy ?? '', host, u.port || (u.protocol === 'https:' ? '443' : '80'))) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/** Sets cluster.proxyUrl from the environment where the kubeconfig gives none. */
export function applyProxyEnv(kc: KubeConfig, env: Record<string, string | undefined>): void {
  const k = kc as unknown as { clusters: { name: string; server: string; proxyUrl?: string }[] };
  k.clusters = k.clusters.map((c) => {
    if (c.proxyUrl) return c;
    const proxyUrl = proxyFromEnv(c.server, env);
    return proxyUrl ? { ...c, proxyUrl } : c;
  });
}

/** Gives every API request of `kc` a deadline of `ms` (a request that brings its own signal keeps it). */
export function applyRequestDeadline(kc: KubeConfig, ms: number): void {
  const orig = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context) => {
    await orig(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(ms));
  };
}

/** How long one pooled dispatcher serves a cluster and user before a fresh one replaces it (a rotated client certificate is then picked up). */
export const DISPATCHER_TTL_MS = 60_000;

type Pooled = { dispatcher: NonNullable<ReturnType<import('@kubernetes/client-node').RequestContext['getDispatcher']>>; until: number };
const pools = new Map<string, Pooled>();

/**
 * Makes the API requests of `kc` share one undici dispatcher (its keep-alive connection pool) per cluster and user
 * for DISPATCHER_TTL_MS, instead of the new Agent client-node creates for each request. The dispatcher is
 * client-node's own (same TLS material, proxy and SOCKS handling); only its lifetime changes. Idle pooled
 * sockets are unref'd by undici, so a CLI still exits when its work is done.
 */
export function reuseConnections(kc: KubeConfig, now: () => number = Date.now): void {
  const orig = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context) => {
    await orig(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = JSON.stringify([kc.getCurrentCluster(), kc.getCurrentUser()]);
    const hit = pools.get(key);
    if (hit && hit.until > now()) {
      context.setDispatcher(hit.dispatcher);
      void fresh.close().catch(() => undefined); // never used: nothing to drain
      return;
    }
    if (hit) void hit.dispatcher.close().catch(() => undefined); // lets requests in flight finish
    pools.set(key, { dispatcher: fresh, until: now() + DISPATCHER_TTL_MS });
  };
}
