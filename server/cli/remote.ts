// `packetwalk diagnose --server URL …`: the same command, run by a `packetwalk serve` instead of this process
// (DESIGN §8: the dashboard in the cluster, with its own ServiceAccount). The CLI POSTs the spec asking for the
// run as Server-Sent Events (the answer is the stream of GET /api/diagnoses/<id>/events, server/web/api.ts),
// draws the hops live in a terminal, and prints the final Diagnosis exactly as a local run does (text, or --json:
// one object on stdout), with the same exit codes; stderr names the permalink. This module loads no engine and no @kubernetes/client-node:
// the server's engine is already warm, its node debug pods may be kept (serve --keep-node-pods), so an answer
// costs a node start, one HTTP request and the walk itself.
import type { IncomingMessage, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { createParser } from 'eventsource-parser';
import { applyEvent, type DiagnosisEvent } from '../../lib/events';
import { parseSource, parseTarget } from '../../lib/target';
import type { Diagnosis } from '../../lib/model';
import { termBlock, termText as t } from '../../lib/text';
import { usageErrorText } from './args';
import { DIAGNOSE_SPEC, DIAGNOSE_USAGE, exitCodeFor, fromToError, parseDiagnoseArgs, renderHuman } from './diagnose';
import { LiveHops } from './progress';

/**
 * The flags that set up a local engine: with --server they are the server's own settings (a usage error), and the
 * environment variables that stand for some of them (a note on stderr: they may be exported for local runs).
 */
const ENGINE_FLAGS: readonly (readonly [flag: 'kubeconfig' | 'image' | 'debugNamespace' | 'keepNodePods', why: string, env?: string])[] = [
  ['kubeconfig', 'the server reads its own kubeconfig or ServiceAccount (serve --kubeconfig)'],
  ['image', 'the server picks the debug image'],
  ['debugNamespace', 'the server picks the debug namespace (serve --debug-namespace)', 'PACKETWALK_DEBUG_NAMESPACE'],
  ['keepNodePods', 'the server keeps its node debug pods (serve --keep-node-pods)', 'PACKETWALK_KEEP_NODE_PODS'],
];

/** How long a request to the server may take to answer (the POST waits for the plan: up to ~8 s by design). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A failure talking to the server: what went wrong and what to do, printed as a cluster error is. */
export class ServerError extends Error {
  constructor(message: string, readonly fix: string) {
    super(message);
  }
}

/** The base URL with a trailing slash, so that API paths resolve under a path prefix (https://host/packetwalk/). */
export function serverBase(raw: string): URL | string {
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    /* said below */
  }
  // "localhost:3000" parses as the scheme "localhost:": without "//" it was meant as HOST:PORT
  if (!u || (!raw.includes('//') && u.protocol !== 'http:' && u.protocol !== 'https:')) return `--server: "${raw.slice(0, 200)}" is not a URL; write it as http://HOST:PORT (e.g. http://127.0.0.1:3000)`;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--server: ${u.protocol} is not supported; use an http:// or https:// URL`;
  // A token in the URL lands in shell history and process lists (SECURITY.md): refused like user:password.
  if (u.username || u.password || u.searchParams.has('token')) return '--server: put no credentials in the URL (they land in shell history and process lists); set PACKETWALK_TOKEN to the server\'s token';
  u.search = '';
  u.hash = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}


interface Answer {
  status: number;
  type: string;
  res: IncomingMessage;
}

/** POSTs `body` (JSON) to `url`, asking for the run's event stream; resolves the answer's status, type and body stream. */
async function post(url: URL, body: string, token: string | undefined, signal: AbortSignal): Promise<Answer> {
  // node:https (and TLS with it) only for an https:// server: a local one answers without loading it. Through
  // require, not import(): this module also runs as CommonJS compiled by node:vm (dist/cli/remote.cjs with its code
  // cache, bin/codecache.mjs), where node 20 has no dynamic import() without --experimental-vm-modules.
  const request: typeof httpRequest = (createRequire(import.meta.url)(url.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:http')).request;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      signal,
      timeout: REQUEST_TIMEOUT_MS,
      headers: {
        accept: 'text/event-stream, application/json;q=0.5',
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), res }));
    req.on('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return reject(e);
      // a TLS handshake answered by plain HTTP: the server is there, it speaks http
      if (url.protocol === 'https:' && (e.code === 'EPROTO' || /wrong version number|packet length too long/i.test(e.message))) {
        const base = `http://${url.host}${url.pathname.replace(/api\/diagnoses$/, '')}`.replace(/\/$/, '');
        return reject(new ServerError(`the server at ${url.origin} does not speak TLS (${e.code ?? e.message})`, `use ${base}: packetwalk serve speaks plain HTTP (put TLS in front of it for https)`));
      }
      // the server answered, but with a certificate this machine does not trust (a private CA, a self-signed one)
      if (url.protocol === 'https:' && e.code && UNTRUSTED_CERT.has(e.code)) {
        return reject(new ServerError(`the packetwalk server at ${url.origin} answered, but its certificate is not trusted (${e.code})`, 'set NODE_EXTRA_CA_CERTS to the file of the CA that signed it (a PEM file), or correct --server / $PACKETWALK_SERVER'));
      }
      if (url.protocol === 'https:' && (e.code === 'CERT_HAS_EXPIRED' || e.code === 'CERT_NOT_YET_VALID' || e.code === 'ERR_TLS_CERT_ALTNAME_INVALID')) {
        return reject(new ServerError(`the packetwalk server at ${url.origin} answered, but its certificate is not valid for it (${e.code})`, e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `use the host name its certificate names, or give it a certificate for ${url.hostname}` : 'renew its certificate (or check this machine\'s clock)'));
      }
      reject(new ServerError(`cannot reach the packetwalk server at ${url.origin} (${e.code ?? e.message})`, 'start it (`packetwalk serve`), or correct --server / $PACKETWALK_SERVER'));
    });
    req.end(body);
  });
}

/** TLS errors that mean "this machine does not trust the CA that signed the server's certificate". */
const UNTRUSTED_CERT = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

async function readAll(res: IncomingMessage, cap = 1 << 20): Promise<string> {
  let text = '';
  for await (const chunk of res) {
    text += String(chunk);
    if (text.length > cap) break;
  }
  return text;
}

/** The sentence for an answer that is not the one asked for: the server's own {error, fix} when it sent JSON. */
async function refusal(a: Answer, base: URL, tokenSent: boolean): Promise<ServerError | string> {
  const text = await readAll(a.res);
  let body: { error?: unknown; fix?: unknown; field?: unknown } = {};
  if (a.type.startsWith('application/json')) {
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      /* said below */
    }
  }
  const error = typeof body.error === 'string' ? body.error : undefined;
  if (a.status === 400 && error) return error.replace(/^(from|to|context):/, '--$1:'); // a usage error, as a local run says it
  if (a.status === 401) {
    return tokenSent
      ? new ServerError(`the packetwalk server at ${base.origin} refused the token it was sent`, 'set PACKETWALK_TOKEN to the token the server was started with')
      : new ServerError(`the packetwalk server at ${base.origin} wants a token`, 'set PACKETWALK_TOKEN to the token it was started with');
  }
  if (!error) return new ServerError(`${base.href} answered HTTP ${a.status} (${a.type || 'no content type'}), not as a packetwalk server does`, 'check the --server URL: it is where `packetwalk serve` listens');
  return new ServerError(`the packetwalk server at ${base.origin} answered ${a.status}: ${error}`, typeof body.fix === 'string' ? body.fix : a.status === 421 ? 'start serve with --allowed-host for the name used here' : 'see the server\'s log');
}

/**
 * Follows the run's event stream: each event to `onEvent` (the live hops), resolving with the final Diagnosis
 * (the stream's last `diagnosis` event). Rejects with a ServerError when the stream ends without it.
 */
function follow(a: Answer, onEvent: (ev: DiagnosisEvent) => void, permalink: string): Promise<Diagnosis> {
  return new Promise((resolve, reject) => {
    let final: Diagnosis | undefined;
    let done = false;
    const parser = createParser({
      onEvent(m) {
        let data: unknown;
        try {
          data = JSON.parse(m.data);
        } catch {
          return;
        }
        if (m.event === 'diagnosis') {
          const snap = data as { diagnosis: Diagnosis };
          final = snap.diagnosis;
          if (done || final.verdict !== 'running') resolve(final);
          else onEvent({ type: 'diagnosis:plan', payload: { id: final.id, diagnosis: final } });
        } else if (m.event === 'diagnosis:plan' || m.event === 'hop:update' || m.event === 'diagnosis:done') {
          if (m.event === 'diagnosis:done') done = true;
          onEvent({ type: m.event, payload: data } as DiagnosisEvent);
        }
      },
    });
    a.res.setEncoding('utf8');
    a.res.on('data', (chunk: string) => parser.feed(chunk));
    a.res.on('end', () => reject(new ServerError(`the server's event stream ended before the diagnosis did${final ? ` (last seen: ${final.verdict})` : ''}`, `the run may go on: ${permalink}`)));
    a.res.on('error', (e) => reject(new ServerError(`the server's event stream broke: ${e.message}`, `the run may go on: ${permalink}`)));
  });
}

/** `packetwalk diagnose --server URL …` (or $PACKETWALK_SERVER): exit codes as diagnoseMain's. */
export async function remoteDiagnoseMain(argv: string[], opts: { asKubectlPlugin?: boolean } = {}): Promise<number> {
  const a = parseDiagnoseArgs(argv);
  const say = (m: string) => (process.stderr.write(usageErrorText(DIAGNOSE_SPEC, termBlock(m))), 2);
  if (typeof a === 'string') return say(a);
  if (a.help) return (process.stdout.write(DIAGNOSE_USAGE), 0);
  const raw = a.server ?? process.env.PACKETWALK_SERVER ?? '';
  const base = serverBase(raw);
  if (typeof base === 'string') return say(base);
  const missing = fromToError(a, !!opts.asKubectlPlugin || !!a.namespace);
  if (missing || !a.from || !a.to) return say(missing ?? '');
  const engine = ENGINE_FLAGS.filter(([k]) => a[k] !== undefined);
  if (engine.length) {
    const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return say(`${engine.map(([k]) => flag(k)).join(', ')} ${engine.length === 1 ? 'does' : 'do'} not go with --server: ${engine.map(([, why]) => why).join('; ')}; leave ${engine.length === 1 ? 'it' : 'them'} out, or leave out --server to run the probes from here`);
  }
  for (const [, why, env] of ENGINE_FLAGS) if (env && process.env[env]) process.stderr.write(`packetwalk diagnose: note: $${env} is not used with --server: ${why}\n`);
  let from = a.from;
  if (!from.includes('/') && from !== 'outside' && from !== '') {
    if (a.namespace) from = `${a.namespace}/${from}`;
    else if (opts.asKubectlPlugin) return say(`--from ${from}: give NS/POD or -n NS with --server (the kubeconfig context's namespace is not read here)`);
  }
  // The same checks and sentences as a local run before anything is sent (lib/target.ts).
  const bad = [parseSource(from), parseTarget(a.to)].find((r) => !r.ok);
  if (bad && !bad.ok) {
    process.stderr.write(`packetwalk diagnose: ${termBlock(bad.error.message)}\n`);
    return 2;
  }
  // the token only from the environment: serverBase refused one in the URL
  const token = process.env.PACKETWALK_TOKEN || undefined;
  const stop = new AbortController();
  let permalink = '';
  /** the run as far as this terminal followed it (lib/events applyEvent) */
  let got: Diagnosis | null = null;
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const live = !a.json && process.stdout.isTTY && !process.env.NO_COLOR ? new LiveHops({ write: (s) => process.stdout.write(s), columns: process.stdout.columns }, t) : null;
  try {
    // One request: the server answers the POST with the run's event stream (server/web/api.ts followRun).
    const stream = await post(new URL('api/diagnoses', base), JSON.stringify({ from, to: a.to, ...(a.context ? { context: a.context } : {}) }), token, stop.signal);
    if (stream.status !== 201) {
      const r = await refusal(stream, base, !!token);
      if (typeof r === 'string') {
        process.stderr.write(`packetwalk diagnose: ${termBlock(r)}\n`);
        return 2;
      }
      throw r;
    }
    const location = stream.res.headers.location;
    if (!stream.type.startsWith('text/event-stream') || !location) throw new ServerError(`${base.href} answered 201 without the run's event stream`, 'check the --server URL: it is where `packetwalk serve` (this version) listens');
    permalink = new URL(location.replace(/^\//, ''), base).href;
    const aborted = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
    const d = await Promise.race([follow(stream, (ev) => {
      got = applyEvent(got, ev);
      live?.onEvent(ev);
    }, permalink), aborted]);
    stream.res.destroy();
    live?.stop();
    process.stdout.write(a.json ? `${JSON.stringify(d, null, 2)}\n` : renderHuman(d, !!process.stdout.isTTY && !process.env.NO_COLOR));
    process.stderr.write(`packetwalk diagnose: run by ${t(base.origin)}: ${t(permalink)}\n`);
    return exitCodeFor(d);
  } catch (e) {
    live?.stop();
    if (stop.signal.aborted) {
      // what the run had when this terminal stopped following it; the server goes on with it
      if (got) process.stdout.write(a.json ? `${JSON.stringify(got, null, 2)}\n` : renderHuman(got, !!process.stdout.isTTY && !process.env.NO_COLOR));
      process.stderr.write(`\npacketwalk diagnose: interrupted; ${permalink ? `the server goes on with the run (its node debug pods are its own): ${t(permalink)}` : 'nothing was started on the server'}\n`);
      return 130;
    }
    if (e instanceof ServerError) {
      process.stderr.write(`packetwalk diagnose: ${termBlock(e.message)}\n  fix: ${termBlock(e.fix)}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
