// Object validation as kube-apiserver does it, for every object the lab API stores (issue 10): a name, label,
// annotation or port the real API server refuses is refused here with its 422 Invalid wording, so nothing a
// client sends reaches the lab's state, the dataplane's rule text or a shell.
//
// Facts and wording from Kubernetes (read, not copied):
//  - kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
//    (IsDNS1123Label/Subdomain, IsDNS1035Label, IsValidPortName, IsValidPortNum, RegexError, MaxLenError)
//  - …/apimachinery/pkg/api/validate/content/kube.go (IsLabelKey "name part …/prefix part …", IsLabelValue)
//  - …/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateLabels: field metadata.labels for key
//    and value; ValidateLabelSelectorRequirement)
//  - …/apimachinery/pkg/api/validation/objectmeta.go (ValidateAnnotations: keys as qualified names lower-cased,
//    total size of keys+values at most TotalAnnotationSizeLimitB = 256 KiB, field.TooLong "must have at most N bytes")
//  - …/apimachinery/pkg/util/validation/field/errors.go (ErrorBody: `Invalid value: %q: detail`; aggregate `[a, b]`)
//  - pkg/apis/core/validation (Pod names are DNS-1123 subdomains, container names DNS-1123 labels, ports
//    IANA_SVC_NAME); pkg/apis/networking/validation (NetworkPolicy names subdomains, ports, endPort, ipBlock)
//  - apimachinery/pkg/api/errors NewInvalid: `%s %q is invalid: %v` (the kind qualified by its group).
import { ApiError } from './status';

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are untyped JSON */

export interface FieldError {
  field: string;
  /** Kubernetes error type: FieldValueInvalid, FieldValueRequired, FieldValueTooLong, FieldValueNotSupported */
  reason: string;
  /** the whole error body, e.g. `Invalid value: "Bad": a lowercase RFC 1123 subdomain must …` */
  body: string;
}

/** Go's %q for a string: escapes controls, quotes, backslashes and invisible/bidi format characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 0xc) out += '\\f';
    else if (c === 0xb) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) || c === 0xfeff || (c >= 0xfff9 && c <= 0xfffb))
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// ---- apimachinery's string checks: lib/kube/names (one definition for the lab, the CLI and the page) ----------

import { blen, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName, isValidPortName, isValidPortNum, TOTAL_ANNOTATION_SIZE_LIMIT_B } from '../../lib/kube/names';

export { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName, isValidPortName, isValidPortNum, TOTAL_ANNOTATION_SIZE_LIMIT_B };

// ---- field errors ------------------------------------------------------------------------------

function valueString(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return goQuote(JSON.stringify(v) ?? 'null');
}

class Errs {
  list: FieldError[] = [];
  invalid(field: string, value: unknown, detail: string): void {
    this.list.push({ field, reason: 'FieldValueInvalid', body: `Invalid value: ${valueString(value)}: ${detail}` });
  }
  required(field: string, detail = ''): void {
    this.list.push({ field, reason: 'FieldValueRequired', body: `Required value${detail ? `: ${detail}` : ''}` });
  }
  tooLong(field: string, max: number): void {
    this.list.push({ field, reason: 'FieldValueTooLong', body: `Too long: must have at most ${max} bytes` });
  }
  notSupported(field: string, value: unknown, supported: string[]): void {
    this.list.push({ field, reason: 'FieldValueNotSupported', body: `Unsupported value: ${valueString(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}` });
  }
  each(field: string, value: string, msgs: string[]): void {
    for (const m of msgs) this.invalid(field, value, m);
  }
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validateLabels(e: Errs, labels: unknown, field: string): void {
  if (labels === undefined || labels === null) return;
  if (!isObj(labels)) return e.invalid(field, labels, 'must be a map of string keys to string values');
  for (const [k, v] of Object.entries(labels)) {
    e.each(field, k, isQualifiedName(k));
    if (typeof v !== 'string') e.invalid(field, v, 'a label value must be a string');
    else e.each(field, v, isLabelValue(v));
  }
}

function validateAnnotations(e: Errs, ann: unknown, field: string): void {
  if (ann === undefined || ann === null) return;
  if (!isObj(ann)) return e.invalid(field, ann, 'must be a map of string keys to string values');
  let total = 0;
  for (const [k, v] of Object.entries(ann)) {
    e.each(field, k, isQualifiedName(k.toLowerCase()));
    if (typeof v !== 'string') e.invalid(field, v, 'an annotation value must be a string');
    total += blen(k) + blen(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) e.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_B);
}

function validateSelector(e: Errs, sel: unknown, field: string): void {
  if (sel === undefined || sel === null) return;
  if (!isObj(sel)) return e.invalid(field, sel, 'must be a label selector');
  validateLabels(e, sel.matchLabels, `${field}.matchLabels`);
  const exprs = sel.matchExpressions;
  if (exprs === undefined || exprs === null) return;
  if (!Array.isArray(exprs)) return e.invalid(`${field}.matchExpressions`, exprs, 'must be a list');
  exprs.forEach((x: any, i: number) => {
    const f = `${field}.matchExpressions[${i}]`;
    if (!isObj(x)) return e.invalid(f, x, 'must be a label selector requirement');
    const op = x.operator;
    const values = Array.isArray(x.values) ? x.values : [];
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) e.required(`${f}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) e.list.push({ field: `${f}.values`, reason: 'FieldValueForbidden', body: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
    } else e.invalid(`${f}.operator`, op, 'not a valid selector operator');
    if (typeof x.key !== 'string') e.required(`${f}.key`);
    else e.each(`${f}.key`, x.key, isQualifiedName(x.key));
    values.forEach((v: unknown) => (typeof v === 'string' ? e.each(`${f}.values`, v, isLabelValue(v)) : e.invalid(`${f}.values`, v, 'must be a string')));
  });
}

function validateMeta(e: Errs, o: any, name: string, nameCheck: (v: string) => string[]): void {
  const m = o.metadata ?? {};
  const viaGenerate = (typeof m.name !== 'string' || m.name === '') && typeof m.generateName === 'string' && m.generateName !== '';
  if (viaGenerate) {
    // the API server validates generateName as a prefix: trailing dashes are masked before the check
    const prefix = m.generateName.replace(/-+$/, '') || m.generateName;
    e.each('metadata.generateName', m.generateName, nameCheck(prefix));
  } else e.each('metadata.name', name, nameCheck(name));
  if (typeof m.namespace === 'string') e.each('metadata.namespace', m.namespace, isDNS1123Label(m.namespace));
  validateLabels(e, m.labels, 'metadata.labels');
  validateAnnotations(e, m.annotations, 'metadata.annotations');
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateContainers(e: Errs, list: unknown, field: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) return e.invalid(field, list, 'must be a list');
  list.forEach((c: any, i: number) => {
    const f = `${field}[${i}]`;
    if (!isObj(c)) return e.invalid(f, c, 'must be a container');
    if (typeof c.name !== 'string' || c.name === '') e.required(`${f}.name`);
    else e.each(`${f}.name`, c.name, isDNS1123Label(c.name));
    if (c.ports === undefined || c.ports === null) return;
    if (!Array.isArray(c.ports)) return e.invalid(`${f}.ports`, c.ports, 'must be a list');
    c.ports.forEach((p: any, j: number) => {
      const pf = `${f}.ports[${j}]`;
      if (!isObj(p)) return e.invalid(pf, p, 'must be a container port');
      if (p.name !== undefined && p.name !== '') {
        if (typeof p.name !== 'string') e.invalid(`${pf}.name`, p.name, 'must be a string');
        else e.each(`${pf}.name`, p.name, isValidPortName(p.name));
      }
      if (p.containerPort === undefined) e.required(`${pf}.containerPort`);
      else e.each(`${pf}.containerPort`, p.containerPort, isValidPortNum(p.containerPort));
      if (p.hostPort !== undefined && p.hostPort !== 0) e.each(`${pf}.hostPort`, p.hostPort, isValidPortNum(p.hostPort));
      if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) e.notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS);
    });
  });
}

function validatePodSpec(e: Errs, spec: any): void {
  if (!isObj(spec)) return;
  validateContainers(e, spec.containers, 'spec.containers');
  validateContainers(e, spec.initContainers, 'spec.initContainers');
  validateContainers(e, spec.ephemeralContainers, 'spec.ephemeralContainers');
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') e.each('spec.nodeName', spec.nodeName, isDNS1123Subdomain(spec.nodeName));
  if (typeof spec.hostname === 'string' && spec.hostname !== '') e.each('spec.hostname', spec.hostname, isDNS1123Label(spec.hostname));
  validateLabels(e, spec.nodeSelector, 'spec.nodeSelector');
}

function validatePolicyPeer(e: Errs, peer: any, f: string): void {
  if (!isObj(peer)) return e.invalid(f, peer, 'must be a network policy peer');
  validateSelector(e, peer.podSelector, `${f}.podSelector`);
  validateSelector(e, peer.namespaceSelector, `${f}.namespaceSelector`);
  if (peer.ipBlock !== undefined && peer.ipBlock !== null) {
    const cidr = peer.ipBlock?.cidr;
    if (typeof cidr !== 'string' || cidr === '') e.required(`${f}.ipBlock.cidr`);
    else if (!isCidr(cidr)) e.invalid(`${f}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
    for (const [k, x] of ((peer.ipBlock?.except ?? []) as unknown[]).entries()) {
      if (typeof x !== 'string' || !isCidr(x)) e.invalid(`${f}.ipBlock.except[${k}]`, x, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
    }
  }
}

function isCidr(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (m) return m.slice(1, 5).every((o) => Number(o) <= 255 && String(Number(o)) === o) && Number(m[5]) <= 32;
  const m6 = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(v);
  return !!m6 && m6[1].includes(':') && Number(m6[2]) <= 128 && /^[0-9a-fA-F:]*(\d+\.\d+\.\d+\.\d+)?$/.test(m6[1]);
}

function validatePolicySpec(e: Errs, spec: any): void {
  if (!isObj(spec)) return;
  validateSelector(e, spec.podSelector, 'spec.podSelector');
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = spec[dir];
    if (!Array.isArray(rules)) continue;
    rules.forEach((r: any, i: number) => {
      const f = `spec.${dir}[${i}]`;
      if (!isObj(r)) return e.invalid(f, r, 'must be a rule');
      const peers = dir === 'ingress' ? r.from : r.to;
      const pk = dir === 'ingress' ? 'from' : 'to';
      if (Array.isArray(peers)) peers.forEach((p: any, j: number) => validatePolicyPeer(e, p, `${f}.${pk}[${j}]`));
      if (!Array.isArray(r.ports)) return;
      r.ports.forEach((p: any, j: number) => {
        const pf = `${f}.ports[${j}]`;
        if (!isObj(p)) return e.invalid(pf, p, 'must be a network policy port');
        if (p.protocol !== undefined && p.protocol !== null && !PROTOCOLS.includes(p.protocol)) e.notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS);
        if (typeof p.port === 'string') {
          e.each(`${pf}.port`, p.port, isValidPortName(p.port));
          if (p.endPort !== undefined && p.endPort !== null) e.invalid(`${pf}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric');
        } else if (p.port !== undefined && p.port !== null) {
          e.each(`${pf}.port`, p.port, isValidPortNum(p.port));
          if (p.endPort !== undefined && p.endPort !== null) {
            e.each(`${pf}.endPort`, p.endPort, isValidPortNum(p.endPort));
            if (typeof p.endPort === 'number' && p.endPort < p.port) e.invalid(`${pf}.endPort`, p.endPort, 'must be greater than or equal to `port`');
          }
        } else if (p.endPort !== undefined && p.endPort !== null) e.required(`${pf}.port`, 'must be specified when `endPort` is specified');
      });
    });
  }
}

/** spec.trafficDistribution values (validateServiceTrafficDistribution with PreferSameZone/PreferSameNode allowed, 1.33+). */
const TRAFFIC_DISTRIBUTIONS = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];

function validateServiceSpec(e: Errs, spec: any): void {
  if (!isObj(spec)) return;
  validateLabels(e, spec.selector, 'spec.selector');
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && !TRAFFIC_DISTRIBUTIONS.includes(spec.trafficDistribution)) {
    e.notSupported('spec.trafficDistribution', spec.trafficDistribution, TRAFFIC_DISTRIBUTIONS);
  }
  if (!Array.isArray(spec.ports)) return;
  spec.ports.forEach((p: any, i: number) => {
    const f = `spec.ports[${i}]`;
    if (!isObj(p)) return e.invalid(f, p, 'must be a service port');
    // a Service port name is a DNS-1123 label (ValidateServicePort); a named targetPort is an IANA_SVC_NAME
    if (p.name !== undefined && p.name !== '') {
      if (typeof p.name !== 'string') e.invalid(`${f}.name`, p.name, 'must be a string');
      else e.each(`${f}.name`, p.name, isDNS1123Label(p.name));
    }
    if (p.port !== undefined) e.each(`${f}.port`, p.port, isValidPortNum(p.port));
    if (typeof p.targetPort === 'string') e.each(`${f}.targetPort`, p.targetPort, isValidPortName(p.targetPort));
    else if (p.targetPort !== undefined && p.targetPort !== 0) e.each(`${f}.targetPort`, p.targetPort, isValidPortNum(p.targetPort));
    if (p.nodePort !== undefined && p.nodePort !== 0) e.each(`${f}.nodePort`, p.nodePort, isValidPortNum(p.nodePort));
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) e.notSupported(`${f}.protocol`, p.protocol, PROTOCOLS);
  });
}

/** The group-qualified kind the API server names in 422s, and the name rule of each kind the lab stores. */
const KINDS: Record<string, { qualified: string; group: string; name: (v: string) => string[]; spec?: (e: Errs, spec: any) => void }> = {
  Pod: { qualified: 'Pod', group: '', name: isDNS1123Subdomain, spec: validatePodSpec },
  NetworkPolicy: { qualified: 'NetworkPolicy.networking.k8s.io', group: 'networking.k8s.io', name: isDNS1123Subdomain, spec: validatePolicySpec },
  Namespace: { qualified: 'Namespace', group: '', name: isDNS1123Label },
  Service: { qualified: 'Service', group: '', name: isDNS1035Label, spec: validateServiceSpec },
  ConfigMap: { qualified: 'ConfigMap', group: '', name: isDNS1123Subdomain },
  Node: { qualified: 'Node', group: '', name: isDNS1123Subdomain },
};

/** The field errors of an object as kube-apiserver's validation would list them (empty when valid). */
export function objectErrors(kind: string, o: unknown, name: string): FieldError[] {
  const k = KINDS[kind];
  const e = new Errs();
  if (!isObj(o)) return [{ field: '', reason: 'FieldValueInvalid', body: 'Invalid value: the object must be a JSON object' }];
  validateMeta(e, o, name, k?.name ?? isDNS1123Subdomain);
  k?.spec?.(e, o.spec);
  return e.list;
}

/**
 * Throws the API server's 422 Invalid (`Pod "x" is invalid: metadata.name: Invalid value: "X": a lowercase
 * RFC 1123 subdomain must consist of …`, several errors as `[a, b]`, each also a details.causes entry) when
 * the object breaks a rule; returns otherwise.
 */
export function validateObject(kind: string, o: unknown, name: string): void {
  const errs = objectErrors(kind, o, name);
  if (!errs.length) return;
  const k = KINDS[kind] ?? { qualified: kind, group: '' };
  const each = errs.map((x) => `${x.field}: ${x.body}`);
  const agg = each.length === 1 ? each[0] : `[${each.join(', ')}]`;
  throw new ApiError(422, 'Invalid', `${k.qualified} ${goQuote(name)} is invalid: ${agg}`, {
    name,
    ...(k.group ? { group: k.group } : {}),
    kind,
    causes: errs.map((x) => ({ reason: x.reason, message: x.body, field: x.field })),
  });
}
