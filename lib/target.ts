// Parsing what the user typed (DESIGN §2): the source `NS/POD` and the TARGET the application would dial —
// `NAME[:PORT]` (resolved by the source pod's own resolver), `pod:NS/NAME:PORT`, or `IP:PORT`. Strict on
// purpose: every piece ends up as an argv element of a probe, so anything outside DNS-1123 / dotted-quad /
// 1-65535 is refused here with the field and the fix, before anything runs.
import { isIPv4 } from './ip';
// A DNS name as an app would dial it, the same check the probes' dig names pass (one source of truth).
import { isHostname } from './probeArgs';
import { isLabelName, isSubdomainName, isValidPortName } from './kube/names';
import { err, ok, type Result } from './result';
import { termText } from './text';
import type { Hop } from './model';

/** The TARGET forms parseTarget accepts, for usage texts (`packetwalk --help`, `diagnose --help`): one wording. */
export const TARGET_FORMS = 'NAME[:PORT] (backend, backend.shop:80, example.com:443),\npod:NS/NAME:PORT, node/NAME:PORT (a NodePort), or IP:PORT (a LoadBalancer IP too);\nPORT/udp for UDP (time.example:123/udp)';

export interface InputError {
  field: 'from' | 'to' | 'context' | 'port';
  message: string; // names the field and the fix
  /**
   * A port NAME where the number goes (`backend:http`, `pod:shop/backend-0:http`): the target without it, and the
   * name, so that the engine can say which number that name is in the cluster (lib/plan/index.ts namedPortHint).
   */
  portName?: { target: Target; name: string };
}

/** A transport as the user asked for it: the `/udp` or `/tcp` suffix of the port (kubectl's and netcat users' PORT/PROTO). Absent = TCP, or what the Service port says. */
export type TargetProto = 'tcp' | 'udp';

export type Target = (
  | { kind: 'name'; name: string; port?: number; text: string }
  | { kind: 'pod'; namespace: string; name: string; port: number; text: string }
  | { kind: 'ip'; ip: string; port: number; text: string }
  /** `node/NAME:PORT`: a node's InternalIP (a NodePort, a hostNetwork listener), DESIGN §3.2. */
  | { kind: 'node'; node: string; port: number; text: string }
) & { proto?: TargetProto };

/**
 * Where the connection starts (DESIGN §2, §3.2): a pod `NS/POD`, a node's own network `node/NAME` (as a
 * hostNetwork pod sees it), or `outside` (the machine packetwalk runs on; in the lab, its outside client).
 */
export type Source =
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'node'; node: string }
  | { kind: 'outside' };

export interface PodRef {
  namespace: string;
  name: string;
}

export { isIPv4 };

/**
 * The longest source or target text read (characters): a pod target is at most pod: + a 63-character namespace + a
 * 253-character name + a port and a suffix; longer input is refused without being echoed back (an error quoting
 * 60 KB of it, twice, was the HTTP API's answer to a 60 KB "to").
 */
export const MAX_ENDPOINT_TEXT = 340;
const tooLong = (text: string, field: 'from' | 'to'): InputError | null =>
  text.length > MAX_ENDPOINT_TEXT ? { field, message: `--${field} is ${text.length} characters long; a ${field === 'to' ? 'target' : 'source'} is at most ${MAX_ENDPOINT_TEXT}` } : null;

function badChars(s: string): string | null {
  const m = /[^A-Za-z0-9.:/_-]/.exec(s);
  return m ? m[0] : null;
}

/**
 * Why `v` is not a valid name of a `kind` (an RFC 1123 label for a namespace, at most 63; a subdomain for a pod, at
 * most 253), the too-long case said as such: `pod name "aaa…" is 300 characters, over the 253 a pod name may have`.
 */
function nameProblem(kind: 'namespace' | 'pod', v: string): string {
  const max = kind === 'namespace' ? 63 : 253;
  if (v.length > max) return `${kind} name "${termText(v, 40)}" is ${v.length} characters, over the ${max} a ${kind} name may have`;
  return kind === 'namespace'
    ? `namespace "${termText(v)}" is not a valid namespace name (lowercase letters, digits and '-', at most 63)`
    : `pod name "${termText(v)}" is not a valid pod name (lowercase letters, digits, '-' and '.')`;
}

function parsePort(text: string, what: string): Result<number, InputError> {
  if (!/^\d{1,5}$/.test(text)) return err({ field: 'port', message: `${what}: port "${text}" is not a number; use a port between 1 and 65535` });
  const n = Number(text);
  if (n < 1 || n > 65535) return err({ field: 'port', message: `${what}: port ${n} is out of range; use a port between 1 and 65535` });
  return ok(n);
}

/** A Kubernetes port name (IANA_SVC_NAME: lower case, a letter at least, at most 15), not a number. */
const isPortName = (text: string) => isValidPortName(text).length === 0;

/**
 * `backend:http`: a port name where the target wants the number the application dials (an app's own resolver
 * would read "http" from /etc/services as 80, whatever the Service calls its ports); the engine adds the number.
 */
function portNameError(text: string, name: string, target: Target, what: string): InputError {
  return { field: 'port', message: `--to "${text}": port "${name}" is not a number but a port name; the target's port is the number the application dials; fix: give ${what}`, portName: { target, name } };
}

/** `--from NS/POD` */
export function parseFrom(text: string): Result<PodRef, InputError> {
  const t = text.trim();
  const bad = badChars(t);
  if (bad) return err({ field: 'from', message: `--from "${termText(text)}" contains "${termText(bad)}"; write the source pod as NS/POD, e.g. --from shop/frontend-0` });
  const parts = t.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return err({ field: 'from', message: `--from "${text}" is not NS/POD; write the namespace and the pod name, e.g. --from shop/frontend-0` });
  const [namespace, name] = parts;
  if (!isLabelName(namespace)) return err({ field: 'from', message: `--from: ${nameProblem('namespace', namespace)}` });
  if (!isSubdomainName(name)) return err({ field: 'from', message: `--from: ${nameProblem('pod', name)}` });
  return ok({ namespace, name });
}

/** `--from NS/POD | node/NAME | outside` → Source; errors name the field and the accepted forms. */
export function parseSource(text: string): Result<Source, InputError> {
  const long = tooLong(text, 'from');
  if (long) return err(long);
  const t = text.trim();
  if (t === 'outside') return ok({ kind: 'outside' });
  if (t.startsWith('node/')) {
    const node = t.slice('node/'.length);
    if (!isSubdomainName(node)) return err({ field: 'from', message: `--from "${text}": "${node}" is not a node name; write node/NAME with a name from kubectl get nodes, e.g. --from node/worker-1` });
    return ok({ kind: 'node', node });
  }
  const pod = parseFrom(t);
  if (!pod.ok) return err({ field: 'from', message: `${pod.error.message} (or node/NAME for a node's own network, or outside for a client outside the cluster)` });
  return ok({ kind: 'pod', ...pod.value });
}

/** The source as a Diagnosis spec writes it back. */
export function sourceText(s: Source): string {
  return s.kind === 'pod' ? `${s.namespace}/${s.name}` : s.kind === 'node' ? `node/${s.node}` : 'outside';
}

/**
 * `--to TARGET[/udp|/tcp]`: the optional suffix after the port picks the transport (`time.example:123/udp`,
 * `10.0.0.5:514/udp`, `pod:ns/p:53/udp`); without it the target is TCP unless the Service port is UDP.
 */
export function parseTarget(text: string): Result<Target, InputError> {
  const long = tooLong(text, 'to');
  if (long) return err(long);
  const whole = text.trim();
  // a URL (`http://backend:80/healthz`): the target is what the app dials, host and port; say which to write
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(whole);
  if (url) {
    const scheme = url[1].toLowerCase();
    const hostPort = url[2].slice(0, 80);
    const port = /:\d+$/.test(hostPort) ? '' : scheme === 'http' ? ':80' : scheme === 'https' ? ':443' : ':PORT';
    const path = whole.length > url[0].length ? ' and the path' : '';
    return err({ field: 'to', message: `--to "${whole.slice(0, 120)}" is a URL; the target is the host and port the application dials; fix: drop "${url[1].slice(0, 16)}://"${path}: --to ${hostPort || 'NAME'}${port}` });
  }
  // PORT/PROTO with a protocol nothing here probes (kubectl also writes /sctp): say which two are
  const other = /^(.*:\d+)\/([A-Za-z][A-Za-z0-9-]*)$/.exec(whole);
  if (other && !/^(udp|tcp)$/i.test(other[2])) {
    const proto = other[2].length <= 16 ? other[2] : `${other[2].slice(0, 16)}…`;
    return err({ field: 'to', message: `--to "${other[1].slice(0, 80)}/${proto}": only /tcp and /udp are supported${/^sctp$/i.test(other[2]) ? ' (SCTP is not probed)' : ''}; fix: write ${other[1].slice(0, 80)}/tcp or ${other[1].slice(0, 80)}/udp, or no suffix for TCP` });
  }
  const suffix = /\/(udp|tcp)$/i.exec(whole);
  const t = suffix ? whole.slice(0, -suffix[0].length) : whole;
  if (suffix && !/:\d+$/.test(t)) return err({ field: 'to', message: `--to "${text}": the protocol suffix goes after a port; write NAME:PORT${suffix[0].toLowerCase()}, e.g. --to time.example:123/udp` });
  const r = parseTargetBody(t, text);
  if (!r.ok || !suffix) return r;
  const proto = suffix[1].toLowerCase() as TargetProto;
  return ok({ ...r.value, proto, text: `${r.value.text}/${proto}` });
}

function parseTargetBody(t: string, text: string): Result<Target, InputError> {
  if (!t) return err({ field: 'to', message: '--to is empty; give NAME[:PORT], pod:NS/NAME:PORT or IP:PORT (add /udp for UDP), e.g. --to backend.shop:80' });
  if (/^\[[0-9A-Fa-f:.]*\](:[^:]*)?$/.test(t)) return err({ field: 'to', message: `--to "${termText(text)}": IPv6 targets are not supported yet; give NAME[:PORT] or IPv4:PORT` });
  const bad = badChars(t);
  if (bad) return err({ field: 'to', message: `--to "${termText(text)}" contains "${termText(bad)}", which no host name, pod or IP contains; give NAME[:PORT], pod:NS/NAME:PORT or IP:PORT` });
  if (t.startsWith('pod:')) {
    const m = /^pod:([^/]+)\/([^:]+):(.+)$/.exec(t);
    if (!m) return err({ field: 'to', message: `--to "${text}": a pod target is pod:NS/NAME:PORT, e.g. pod:shop/backend-0:8080` });
    const [, namespace, name, portText] = m;
    if (!isLabelName(namespace)) return err({ field: 'to', message: `--to: ${nameProblem('namespace', namespace)}` });
    if (!isSubdomainName(name)) return err({ field: 'to', message: `--to: ${nameProblem('pod', name)}` });
    if (isPortName(portText)) return err(portNameError(text, portText, { kind: 'pod', namespace, name, port: 0, text: `pod:${namespace}/${name}` }, `the number of the container port (kubectl get pod ${name} -n ${namespace} -o jsonpath='{.spec.containers[*].ports}' lists them)`));
    const port = parsePort(portText, '--to');
    if (!port.ok) return port;
    return ok({ kind: 'pod', namespace, name, port: port.value, text: t });
  }
  if (t.startsWith('node/')) {
    const m = /^node\/([^:]+):(.+)$/.exec(t);
    if (!m) return err({ field: 'to', message: `--to "${text}": a node target is node/NAME:PORT (the node's InternalIP and a port, e.g. a NodePort), e.g. node/worker-1:30080` });
    if (!isSubdomainName(m[1])) return err({ field: 'to', message: `--to: "${m[1]}" is not a node name; use a name from kubectl get nodes` });
    const port = parsePort(m[2], '--to');
    if (!port.ok) return port;
    return ok({ kind: 'node', node: m[1], port: port.value, text: t });
  }
  if (t.includes('/')) return err({ field: 'to', message: `--to "${text}": only pod and node targets contain '/' (and a /tcp or /udp suffix after a port); write pod:NS/NAME:PORT, node/NAME:PORT, or NAME[:PORT] for a Service` });
  const colon = t.lastIndexOf(':');
  const host = colon >= 0 ? t.slice(0, colon) : t;
  const portText = colon >= 0 ? t.slice(colon + 1) : undefined;
  if (!host) return err({ field: 'to', message: `--to "${text}" needs a host before :PORT; give NAME:PORT, IP:PORT or pod:NS/NAME:PORT, e.g. --to backend.shop${t}` });
  if (host.includes(':')) return err({ field: 'to', message: `--to "${text}": too many ':'; IPv6 targets are not supported yet, give NAME[:PORT] or IPv4:PORT` });
  let port: number | undefined;
  if (portText !== undefined && isPortName(portText) && isHostname(host) && !/^[\d.]+$/.test(host)) {
    const svc = host.split('.').length > 1 ? host.split('.').slice(0, 2).join(' -n ') : host;
    return err(portNameError(text, portText, { kind: 'name', name: host.toLowerCase(), text: host }, `the Service port's number (kubectl get service ${svc} lists them)`));
  }
  if (portText !== undefined) {
    const p = parsePort(portText, '--to');
    if (!p.ok) return p;
    port = p.value;
  }
  if (/^[\d.]+$/.test(host)) {
    if (!isIPv4(host)) return err({ field: 'to', message: `--to: "${host}" is not an IPv4 address` });
    if (port === undefined) return err({ field: 'port', message: `--to ${host}: an IP target needs a port; write ${host}:PORT` });
    return ok({ kind: 'ip', ip: host, port, text: t });
  }
  if (!isHostname(host)) return err({ field: 'to', message: `--to: "${host}" is not a valid DNS name (letters, digits, '-' and '.', labels of at most 63)` });
  return ok({ kind: 'name', name: host.toLowerCase(), ...(port !== undefined ? { port } : {}), text: t });
}

/** The target as DESIGN writes it back in a Diagnosis spec (with its `/udp` or `/tcp` suffix when one was given). */
export function targetText(t: Target): string {
  return `${targetBodyText(t)}${t.proto ? `/${t.proto}` : ''}`;
}

/** `(port, proto) => --to text`: the target on another port or transport, for a fix ("use --to statsd.mon:8125/udp"). */
export function retarget(t: Target): (port: number, proto?: TargetProto) => string {
  return (port, proto) => {
    const { proto: _asked, ...rest } = t;
    return targetText({ ...rest, port, ...(proto ? { proto } : {}) } as Target);
  };
}

function targetBodyText(t: Target): string {
  switch (t.kind) {
    case 'name':
      return t.port ? `${t.name}:${t.port}` : t.name;
    case 'pod':
      return `pod:${t.namespace}/${t.name}:${t.port}`;
    case 'ip':
      return `${t.ip}:${t.port}`;
    case 'node':
      return `node/${t.node}:${t.port}`;
  }
}

/**
 * The port a port-less NAME target was dialled on (`backend.shop` → 80): the Service port the plan chose, as
 * the `service` hop's `details.vip` ("VIP:PORT", lib/plan) records it. Undefined when the target gave its own
 * port, is not a NAME, or no Service hop says (an outside name: the plan's default, shown on its own hops).
 */
export function dialledPort(to: string, hops: readonly Pick<Hop, 'id' | 'details'>[]): number | undefined {
  const t = parseTarget(to);
  if (!t.ok || t.value.kind !== 'name' || t.value.port !== undefined) return undefined;
  const vip = hops.find((h) => h.id === 'service')?.details?.vip;
  const m = typeof vip === 'string' ? /:(\d+)$/.exec(vip) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The transport a target without a /udp or /tcp suffix was dialled over, when it was UDP (a UDP Service port, a
 * pod's UDP-only port): 'udp' as the plan recorded it in a hop's `details.protocol` (lib/plan/egress.ts
 * withTransport), so a header can say which was tested. Undefined when the suffix already says, or it was TCP.
 */
export function dialledProto(to: string, hops: readonly Pick<Hop, 'details'>[]): TargetProto | undefined {
  const t = parseTarget(to);
  if (!t.ok || t.value.proto) return undefined;
  return hops.some((h) => h.details?.protocol === 'UDP') ? 'udp' : undefined;
}
