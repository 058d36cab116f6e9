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
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import type { KubeConfig, User } from '@kubernetes/client-node';

/** Default deadline of one API request (not watches or exec streams, which have their own). */
export const REQUEST_TIMEOUT_MS = 30_000;

type Authenticator = { isAuthProvider(user: User): boolean; applyAuthentication(user: User, opts: object): Promise<void> };

/** How long a kubeconfig's credential plugin may take to print its ExecCredential (ms): the per-request limit. */
export const PLUGIN_TIMEOUT_MS = REQUEST_TIMEOUT_MS;
/** How long a plugin's failure is remembered (ms): requests meanwhile get the same error instead of running it again. */
const FAILURE_KEEP_MS = 60_000;

/**
 * A kubeconfig credential plugin (users[].user.exec) that did not give a credential: it did not answer within
 * PLUGIN_TIMEOUT_MS, could not start, exited non-zero, or printed no ExecCredential JSON. `command` is the plugin's
 * command as the kubeconfig names it; explain.ts words it.
 */
export class CredentialPluginError extends Error {
  override readonly name = 'CredentialPluginError';
  constructor(
    readonly command: string,
    readonly how: { stopped?: boolean; timedOutMs?: number; exitCode?: number | null; signal?: string | null; stderr?: string; startError?: string; notJson?: string },
  ) {
    super(`credential plugin ${command}: ${how.stopped ? 'stopped' : how.timedOutMs !== undefined ? `no answer within ${Math.round(how.timedOutMs / 1000)} s` : how.startError ?? (how.notJson !== undefined ? `printed no ExecCredential (${how.notJson})` : `exit ${how.exitCode ?? how.signal}`)}`);
  }
}

type Spawn = typeof spawn;
/** The plugin runs in progress, to stop them all on Ctrl-C or SIGTERM (stopCredentialPlugins). */
const runningPlugins = new Set<() => void>();

/** Kills every credential plugin still running (its process group): a signal must not wait out a plugin's bound. */
export function stopCredentialPlugins(): void {
  for (const stop of [...runningPlugins]) stop();
}
interface PluginRun {
  child?: ChildProcess;
  timedOut?: boolean;
  stopped?: boolean;
  exit?: { code: number | null; signal: string | null };
  stderr: string;
}

/**
 * One ExecAuth whose plugin runs in its own process group, killed (group and all: `sh -c "sleep 300"` leaves a
 * sleep holding the pipes otherwise) once `timeoutMs` passes; `last` is the latest run, for the error.
 */
function boundedExecAuth(timeoutMs: number): { auth: ExecAuth; last: () => PluginRun | undefined } {
  const auth = new ExecAuth();
  let last: PluginRun | undefined;
  (auth as unknown as { execFn: Spawn }).execFn = ((cmd: string, args: readonly string[] | undefined, opts: SpawnOptions) => {
    const run: PluginRun = { stderr: '' };
    last = run;
    const child = spawn(cmd, args ?? [], { ...opts, detached: true });
    run.child = child;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const end = () => {
      killGroup();
      // a grandchild outside the group may still hold the pipes: stop reading them so 'close' comes
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const timer = setTimeout(() => {
      run.timedOut = true;
      end();
    }, timeoutMs);
    timer.unref();
    const stop = () => {
      run.stopped = true;
      end();
    };
    runningPlugins.add(stop);
    const done = () => {
      clearTimeout(timer);
      runningPlugins.delete(stop);
    };
    child.stderr?.on('data', (d: Buffer | string) => (run.stderr += String(d)));
    child.on('exit', (code, signal) => (run.exit = { code, signal }));
    child.on('close', done);
    child.on('error', done);
    return child;
  }) as Spawn;
  return { auth, last: () => last };
}

/** The plugin's failure as a CredentialPluginError (what client-node threw: the stderr text, a JSON SyntaxError, a spawn error). */
function pluginError(user: User, run: PluginRun | undefined, e: unknown, timeoutMs: number): CredentialPluginError {
  const exec = (user.exec ?? (user.authProvider?.config as { exec?: { command?: string } } | undefined)?.exec) as { command?: string } | undefined;
  const command = exec?.command ?? '(none)';
  const stderr = run?.stderr.trim() ?? '';
  if (run?.stopped) return new CredentialPluginError(command, { stopped: true });
  if (run?.timedOut) return new CredentialPluginError(command, { timedOutMs: timeoutMs, ...(stderr ? { stderr } : {}) });
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (!run || !run.exit)) return new CredentialPluginError(command, { startError: code === 'ENOENT' ? 'not found on PATH' : `could not start (${code})` });
  if (run?.exit && run.exit.code !== 0) return new CredentialPluginError(command, { exitCode: run.exit.code, signal: run.exit.signal, ...(stderr ? { stderr } : {}) });
  if (e instanceof SyntaxError) return new CredentialPluginError(command, { notJson: e.message, ...(stderr ? { stderr } : {}) });
  return new CredentialPluginError(command, { startError: (e as Error)?.message ?? String(e) });
}

/** One ExecAuth (and so one token cache) per distinct plugin configuration, for the whole process. */
const execAuths = new Map<string, ReturnType<typeof boundedExecAuth>>();
const firstRuns = new Map<string, Promise<void>>();
const failures = new Map<string, { error: CredentialPluginError; at: number }>();

const pluginKey = (user: User) => JSON.stringify([user.name, user.exec ?? null, user.authProvider ?? null]);

/**
 * The shared exec authenticator: the first caller runs the plugin (bounded by PLUGIN_TIMEOUT_MS, or
 * `timeoutMs`), callers meanwhile wait, later ones hit the cache. A plugin that fails rejects with a
 * CredentialPluginError, and for FAILURE_KEEP_MS every request gets that error instead of running it again (a
 * hung plugin once cost each of a diagnosis's requests its own wait).
 */
export function execAuthWith(timeoutMs: number): Authenticator {
  return {
    isAuthProvider: (user) => new ExecAuth().isAuthProvider(user),
    async applyAuthentication(user, opts) {
      const key = pluginKey(user);
      const failed = failures.get(key);
      if (failed && Date.now() - failed.at < FAILURE_KEEP_MS) throw failed.error;
      let a = execAuths.get(key);
      if (!a) execAuths.set(key, (a = boundedExecAuth(timeoutMs)));
      const { auth, last } = a;
      const running = firstRuns.get(key);
      if (running) {
        await running.catch(() => undefined);
        const f = failures.get(key);
        if (f && Date.now() - f.at < FAILURE_KEEP_MS) throw f.error;
      }
      const run = auth.applyAuthentication(user, opts as never).catch((e: unknown) => {
        const error = pluginError(user, last(), e, timeoutMs);
        failures.set(key, { error, at: Date.now() });
        throw error;
      });
      if (running) return run;
      firstRuns.set(key, run);
      try {
        failures.delete(key);
        await run;
      } finally {
        firstRuns.delete(key);
      }
    },
  };
}

const byTimeout = new Map<number, Authenticator>();
/** The shared exec authenticator for a plugin bound of `timeoutMs` (one per bound, sharing the token cache). */
export function sharedExecAuth(timeoutMs = PLUGIN_TIMEOUT_MS): Authenticator {
  let a = byTimeout.get(timeoutMs);
  if (!a) byTimeout.set(timeoutMs, (a = execAuthWith(timeoutMs)));
  return a;
}

/** Replaces the KubeConfig's own ExecAuth with the shared one (client-node keeps its authenticators private). */
export function shareExecCredentials(kc: KubeConfig, pluginTimeoutMs = PLUGIN_TIMEOUT_MS): void {
  const list = (kc as unknown as { authenticators?: unknown[] }).authenticators;
  if (!Array.isArray(list)) return;
  const i = list.findIndex((a) => a instanceof ExecAuth);
  if (i >= 0) list[i] = sharedExecAuth(pluginTimeoutMs);
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
