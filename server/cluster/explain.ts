// Kubernetes API failures → one sentence a person can act on, plus the fix and the raw text behind a toggle
// (STYLE.md: Headlamp's ApiError/clusterStatus). ApiException's own message dumps code, body and headers:
// never show it raw. 401/403 are final (callers must not retry them); isRetryable() says which are not.
import { ApiException } from '@kubernetes/client-node';
import { CredentialPluginError } from './credentials';
import { clipAtWord } from '../../lib/text';

export interface ApiErrorContext {
  /** the API verb tried: get, list, watch, create, patch, delete, exec … */
  verb: string;
  /** plural resource, with subresource when there is one: pods, pods/exec, pods/ephemeralcontainers */
  resource: string;
  namespace?: string;
  name?: string;
  /** kubeconfig context, for "… in context lab" */
  context?: string;
  /** API server URL, for connection errors */
  server?: string;
}

export interface ExplainedError {
  sentence: string;
  fix: string;
  /** the original error text, for a "details" toggle */
  raw: string;
  /** HTTP status when the server answered */
  status?: number;
  /** a short named state: unauthorized | forbidden | not-found | unreachable | tls | no-cluster | timeout | server-error | error */
  kind: 'unauthorized' | 'forbidden' | 'admission' | 'not-found' | 'unreachable' | 'tls' | 'no-cluster' | 'timeout' | 'server-error' | 'credentials' | 'error';
}

/** A kubeconfig credential plugin that gave no credential (server/cluster/credentials.ts): its command, how it failed, its stderr. */
function pluginExplained(e: CredentialPluginError, inCtx: string, raw: string): ExplainedError {
  const h = e.how;
  const cmd = `\`${e.command}\``;
  const said = h.stderr ? `: ${clipAtWord(h.stderr, 300)}` : '';
  const byHand = `run the plugin by hand (${e.command}, with the args of users[].user.exec in the kubeconfig) to see`;
  if (h.stopped) {
    return { kind: 'credentials', raw, sentence: `the kubeconfig's credential plugin ${cmd} was stopped before it answered (the run was interrupted)${inCtx}`, fix: `${byHand} whether it waits for something (a login prompt, a network call)` };
  }
  if (h.timedOutMs !== undefined) {
    return { kind: 'credentials', raw, sentence: `the kubeconfig's credential plugin ${cmd} did not answer within ${h.timedOutMs < 1000 ? `${h.timedOutMs} ms` : `${Math.round(h.timedOutMs / 1000)} s`}${inCtx}`, fix: `${byHand} what it waits for (a login prompt, a network call); log in again, or pick another --context` };
  }
  if (h.startError !== undefined) {
    return { kind: 'credentials', raw, sentence: `the kubeconfig's credential plugin ${cmd} could not run: ${h.startError}${inCtx}`, fix: `install ${e.command} or put it on PATH (kubectl needs it too), or pick another --context` };
  }
  if (h.notJson !== undefined) {
    return { kind: 'credentials', raw, sentence: `the kubeconfig's credential plugin ${cmd} printed no ExecCredential (${clipAtWord(h.notJson, 120)})${said}${inCtx}`, fix: `${byHand} what it prints; update it or log in again` };
  }
  return { kind: 'credentials', raw, sentence: `the kubeconfig's credential plugin ${cmd} failed (${h.exitCode !== null && h.exitCode !== undefined ? `exit ${h.exitCode}` : `killed by ${h.signal}`})${said}${inCtx}`, fix: `${byHand} its error, then log in again (its login command) or fix its configuration` };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Status code and body of whatever was thrown: ApiException, a ws "Unexpected server response: 403", a V1Status. */
function statusOf(err: unknown): { status?: number; message?: string; reason?: string } {
  if (err instanceof ApiException) {
    return { status: err.code, ...bodyMessage(err.body) };
  }
  if (err && typeof err === 'object') {
    const o = err as Record<string, unknown>;
    if (typeof o.code === 'number' && o.code >= 100 && o.code < 600) return { status: o.code, ...bodyMessage(o.body ?? o) };
    if (typeof o.statusCode === 'number') return { status: o.statusCode, ...bodyMessage(o.body) };
    const m = typeof o.message === 'string' ? /Unexpected server response: (\d{3})/.exec(o.message) : null;
    if (m) return { status: Number(m[1]) };
  }
  return {};
}

function bodyMessage(body: unknown): { message?: string; reason?: string } {
  let b: unknown = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (b && typeof b === 'object') {
    const o = b as Record<string, unknown>;
    return { message: typeof o.message === 'string' ? o.message : undefined, reason: typeof o.reason === 'string' ? o.reason : undefined };
  }
  return {};
}

/** Every errno-style code on the error and its causes (undici wraps the socket error in `cause`). */
function codesOf(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e && typeof e === 'object'; i++) {
    const o = e as Record<string, unknown>;
    if (typeof o.code === 'string') out.push(o.code);
    if (Array.isArray(o.errors)) for (const sub of o.errors) out.push(...codesOf(sub));
    e = o.cause;
  }
  return out;
}

/** Error names along the cause chain (DOMException TimeoutError/AbortError, our ExecOpenTimeout). */
function namesOf(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e && typeof e === 'object'; i++) {
    const n = (e as { name?: unknown }).name;
    if (typeof n === 'string') out.push(n);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function messagesOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e; i++) {
    if (e instanceof Error) parts.push(e.message);
    else if (typeof e === 'string') parts.push(e);
    e = e && typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return parts.join(' <- ');
}

function rawOf(err: unknown): string {
  if (err instanceof ApiException) {
    const { message } = bodyMessage(err.body);
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  return messagesOf(err) || String(err);
}

/** "pods shop/frontend-0", "pods/ephemeralcontainers in shop", "nodes" */
function objectText(c: ApiErrorContext): string {
  if (c.name) return `${c.resource} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
  return `${c.resource}${c.namespace ? ` in namespace ${c.namespace}` : ''}`;
}

function grantText(c: ApiErrorContext): string {
  const [res, sub] = c.resource.split('/');
  const rule = `--verb=${c.verb} --resource=${res}${sub ? `/${sub}` : ''}`;
  return c.namespace
    ? `ask a cluster admin for a Role granting ${c.verb} on ${c.resource} in ${c.namespace} (kubectl create role … ${rule} -n ${c.namespace}, then a RoleBinding)`
    : `ask a cluster admin for a ClusterRole granting ${c.verb} on ${c.resource} (kubectl create clusterrole … ${rule}, then a ClusterRoleBinding)`;
}

/** The phrase the engine uses when a probe cannot run: "needs create on pods/ephemeralcontainers in shop". */
export function permissionNeeded(c: Pick<ApiErrorContext, 'verb' | 'resource' | 'namespace'>): string {
  return `needs ${c.verb} on ${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}`;
}

export function explainApiError(err: unknown, ctx: ApiErrorContext): ExplainedError {
  let c = ctx;
  const raw = rawOf(err);
  const inCtx = c.context ? ` (context ${c.context})` : '';
  const plugin = err instanceof CredentialPluginError ? err : (err as { cause?: unknown } | undefined)?.cause instanceof CredentialPluginError ? ((err as { cause: CredentialPluginError }).cause) : undefined;
  if (plugin) return pluginExplained(plugin, inCtx, raw);
  const { status, message } = statusOf(err);
  if (status === 401) {
    return {
      kind: 'unauthorized',
      status,
      raw,
      sentence: `the API server${c.server ? ` at ${c.server}` : ''} rejected our credentials (401 Unauthorized) when we tried to ${c.verb} ${objectText(c)}${inCtx}`,
      fix: 'the token or client certificate in the kubeconfig is missing, expired or wrong: refresh it (log in again) or pick another --context',
    };
  }
  if ((status === 403 || status === 400) && message && /violates PodSecurity|admission webhook .* denied|denied the request/.test(message)) {
    // Not RBAC: the user may do it, but Pod Security admission or a policy webhook refuses this object.
    return {
      kind: 'admission',
      status,
      raw,
      sentence: `admission refused ${c.verb} ${objectText(c)}${inCtx}: ${message.slice(0, 400)}`,
      fix: /PodSecurity/.test(message)
        ? 'the namespace\'s pod-security.kubernetes.io/enforce level rejects it: make the object comply, or (for packetwalk\'s node debug pods) choose a namespace that allows privileged pods with --debug-namespace'
        : 'a policy webhook (Kyverno, Gatekeeper …) rejects it: read its message; ask for an exception for packetwalk\'s debug containers',
    };
  }
  if (status === 403) {
    const user = message ? /User "([^"]+)"/.exec(message)?.[1] : undefined;
    // The server names the RBAC verb and resource it checked (PATCH is "patch", exec is "create" on pods/exec).
    const said = message ? /cannot (\w+) resource "([^"]+)"/.exec(message) : null;
    if (said) c = { ...c, verb: said[1], resource: said[2] };
    return {
      kind: 'forbidden',
      status,
      raw,
      sentence: `${user ? `user ${user}` : 'the current user'} may not ${c.verb} ${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}${inCtx}: ${permissionNeeded(c)}`,
      fix: grantText(c),
    };
  }
  if (status === 404) {
    return {
      kind: 'not-found',
      status,
      raw,
      sentence: `${objectText(c)} not found${c.context ? ` in context ${c.context}` : ''}`,
      fix: c.name
        ? `check the name and namespace (kubectl get ${c.resource.split('/')[0]}${c.namespace ? ` -n ${c.namespace}` : ''})`
        : 'the API server does not serve this resource; check the cluster version or the context',
    };
  }
  if (status === 408 || status === 504) {
    return { kind: 'timeout', status, raw, sentence: `the API server timed out on ${c.verb} ${objectText(c)}${inCtx}`, fix: 'retry; if it persists check the API server load' };
  }
  if (status !== undefined && status >= 500) {
    return {
      kind: 'server-error',
      status,
      raw,
      sentence: `the API server failed on ${c.verb} ${objectText(c)} (HTTP ${status}${message ? `: ${message.slice(0, 160)}` : ''})${inCtx}`,
      fix: 'retry; if it persists read the API server logs',
    };
  }
  if (status !== undefined) {
    return {
      kind: 'error',
      status,
      raw,
      sentence: `the API server refused ${c.verb} ${objectText(c)} (HTTP ${status}${message ? `: ${message.slice(0, 160)}` : ''})${inCtx}`,
      fix: 'read the message; the request may not fit this cluster version',
    };
  }
  const text = messagesOf(err);
  if (/No active cluster/i.test(text)) {
    return {
      kind: 'no-cluster',
      raw,
      sentence: `the kubeconfig has no usable cluster${c.context ? ` for context ${c.context}` : ' (no current context)'}`,
      fix: 'pass --kubeconfig FILE and --context NAME (kubectl config get-contexts lists them)',
    };
  }
  const codes = codesOf(err);
  const where = c.server ?? 'the API server';
  // Our own deadlines: a request's AbortSignal.timeout (credentials.ts) or an exec that did not open.
  if (namesOf(err).some((n) => n === 'TimeoutError' || n === 'ExecOpenTimeout') || /aborted due to timeout/i.test(text)) {
    return {
      kind: 'timeout',
      raw,
      sentence: namesOf(err).includes('ExecOpenTimeout') ? `${text.split(' <- ')[0]}${inCtx}` : `${where} did not answer ${c.verb} ${objectText(c)} in time (the request's deadline passed)${inCtx}`,
      fix: 'the control plane is slow or stalled: retry; if it persists check the API server (kubectl get --raw /readyz) and its load; PACKETWALK_API_TIMEOUT_MS raises the per-request deadline',
    };
  }
  if (codes.includes('ECONNREFUSED')) {
    return { kind: 'unreachable', raw, sentence: `cannot reach ${where}: connection refused${inCtx}`, fix: 'is the cluster up? For the lab: packetwalk lab status (or lab up)' };
  }
  if (codes.some((k) => k === 'ENOTFOUND' || k === 'EAI_AGAIN')) {
    return { kind: 'unreachable', raw, sentence: `cannot reach ${where}: its host name does not resolve${inCtx}`, fix: 'check the server URL of the context (kubectl config view --minify)' };
  }
  if (codes.some((k) => k === 'ETIMEDOUT' || k === 'UND_ERR_CONNECT_TIMEOUT' || k === 'EHOSTUNREACH' || k === 'ENETUNREACH')) {
    return { kind: 'unreachable', raw, sentence: `cannot reach ${where}: the connection timed out${inCtx}`, fix: 'check VPN/firewall and the server URL of the context' };
  }
  // fetch refuses the ports of the WHATWG "bad port" list (1, 25, 6000, …) before any connect: no retry helps
  if (/\bbad port\b/i.test(text)) {
    return { kind: 'unreachable', raw, sentence: `cannot reach ${where}: its port is one that fetch never connects to (the "bad port" list: 1, 25, 6000, …)${inCtx}`, fix: 'check the server URL of the context (kubectl config view --minify); API servers listen on 443 or 6443' };
  }
  if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET')) {
    return { kind: 'unreachable', raw, sentence: `the connection to ${where} was reset${inCtx}`, fix: 'retry; check that the URL is the API server (https) and not a proxy' };
  }
  const tls = codes.find((k) => TLS_CODES.has(k)) ?? (/certificate|self[- ]signed|TLS|SSL/i.test(text) ? 'TLS' : undefined);
  if (tls) {
    return {
      kind: 'tls',
      raw,
      sentence: `the TLS handshake with ${where} failed (${tls})${inCtx}`,
      fix: 'the kubeconfig\'s certificate-authority does not match the server certificate (or it expired): fetch a fresh kubeconfig for this cluster',
    };
  }
  return { kind: 'error', raw, sentence: `${c.verb} ${objectText(c)} failed: ${text.split('\n')[0].slice(0, 200)}${inCtx}`, fix: 'see the details; retry once the cluster answers' };
}

/** 401/403/404 are answers, not hiccups: never retry them. */
export function isRetryable(e: ExplainedError): boolean {
  return e.kind === 'timeout' || e.kind === 'server-error' || (e.kind === 'unreachable' && !/refused/.test(e.sentence));
}
