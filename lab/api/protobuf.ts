// Decoding the Kubernetes protobuf encoding (runtime.Unknown envelope, "k8s\0" magic) of the bodies
// kubectl's typed clients send — the Pod of `kubectl debug node/…`, the SelfSubjectAccessReview of
// `kubectl auth can-i` — because they do not fall back to JSON on 415. Field numbers are those of k8s.io/api core/v1 generated.proto and apimachinery
// meta/v1; fields the lab does not use are skipped. The result is the object's JSON form.
import { badRequest } from './status';

type Kind = 's' | 'b' | 'i' | 'map' | `m:${string}` | `inline:${string}`;
type Field = [name: string, kind: Kind, repeated?: true];
type Schema = Record<string, Record<number, Field>>;

const CONTAINER: Record<number, Field> = {
  1: ['name', 's'],
  2: ['image', 's'],
  3: ['command', 's', true],
  4: ['args', 's', true],
  5: ['workingDir', 's'],
  6: ['ports', 'm:ContainerPort', true],
  7: ['env', 'm:EnvVar', true],
  9: ['volumeMounts', 'm:VolumeMount', true],
  13: ['terminationMessagePath', 's'],
  14: ['imagePullPolicy', 's'],
  15: ['securityContext', 'm:SecurityContext'],
  16: ['stdin', 'b'],
  17: ['stdinOnce', 'b'],
  18: ['tty', 'b'],
  20: ['terminationMessagePolicy', 's'],
};

const SCHEMA: Schema = {
  Unknown: { 1: ['typeMeta', 'm:TypeMeta'], 2: ['raw', 's'], 3: ['contentEncoding', 's'], 4: ['contentType', 's'] },
  TypeMeta: { 1: ['apiVersion', 's'], 2: ['kind', 's'] },
  Pod: { 1: ['metadata', 'm:ObjectMeta'], 2: ['spec', 'm:PodSpec'] },
  ObjectMeta: { 1: ['name', 's'], 2: ['generateName', 's'], 3: ['namespace', 's'], 5: ['uid', 's'], 6: ['resourceVersion', 's'], 11: ['labels', 'map'], 12: ['annotations', 'map'] },
  PodSpec: {
    1: ['volumes', 'm:Volume', true],
    2: ['containers', 'm:Container', true],
    3: ['restartPolicy', 's'],
    4: ['terminationGracePeriodSeconds', 'i'],
    5: ['activeDeadlineSeconds', 'i'],
    6: ['dnsPolicy', 's'],
    7: ['nodeSelector', 'map'],
    8: ['serviceAccountName', 's'],
    10: ['nodeName', 's'],
    11: ['hostNetwork', 'b'],
    12: ['hostPID', 'b'],
    13: ['hostIPC', 'b'],
    16: ['hostname', 's'],
    17: ['subdomain', 's'],
    19: ['schedulerName', 's'],
    20: ['initContainers', 'm:Container', true],
    21: ['automountServiceAccountToken', 'b'],
    22: ['tolerations', 'm:Toleration', true],
    24: ['priorityClassName', 's'],
    30: ['enableServiceLinks', 'b'],
  },
  Container: CONTAINER,
  ContainerPort: { 1: ['name', 's'], 2: ['hostPort', 'i'], 3: ['containerPort', 'i'], 4: ['protocol', 's'], 5: ['hostIP', 's'] },
  EnvVar: { 1: ['name', 's'], 2: ['value', 's'] },
  VolumeMount: { 1: ['name', 's'], 2: ['readOnly', 'b'], 3: ['mountPath', 's'], 4: ['subPath', 's'], 5: ['mountPropagation', 's'] },
  SecurityContext: { 1: ['capabilities', 'm:Capabilities'], 2: ['privileged', 'b'], 4: ['runAsUser', 'i'], 5: ['runAsNonRoot', 'b'], 6: ['readOnlyRootFilesystem', 'b'], 7: ['allowPrivilegeEscalation', 'b'], 8: ['runAsGroup', 'i'] },
  Capabilities: { 1: ['add', 's', true], 2: ['drop', 's', true] },
  Volume: { 1: ['name', 's'], 2: ['', 'inline:VolumeSource'] },
  VolumeSource: { 1: ['hostPath', 'm:HostPathVolumeSource'], 2: ['emptyDir', 'm:Empty'] },
  HostPathVolumeSource: { 1: ['path', 's'], 2: ['type', 's'] },
  Empty: {},
  Toleration: { 1: ['key', 's'], 2: ['operator', 's'], 3: ['value', 's'], 4: ['effect', 's'], 5: ['tolerationSeconds', 'i'] },
  MapEntry: { 1: ['key', 's'], 2: ['value', 's'] },
  // k8s.io/api authorization/v1 (kubectl auth can-i)
  SelfSubjectAccessReview: { 1: ['metadata', 'm:ObjectMeta'], 2: ['spec', 'm:SelfSubjectAccessReviewSpec'] },
  SelfSubjectAccessReviewSpec: { 1: ['resourceAttributes', 'm:ResourceAttributes'], 2: ['nonResourceAttributes', 'm:NonResourceAttributes'] },
  ResourceAttributes: { 1: ['namespace', 's'], 2: ['verb', 's'], 3: ['group', 's'], 4: ['version', 's'], 5: ['resource', 's'], 6: ['subresource', 's'], 7: ['name', 's'] },
  NonResourceAttributes: { 1: ['path', 's'], 2: ['verb', 's'] },
};

/** The kinds whose protobuf bodies kubectl sends to the lab (typed clients): their top-level message. */
const TOP_LEVEL: Record<string, string> = { Pod: 'Pod', SelfSubjectAccessReview: 'SelfSubjectAccessReview' };

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw badRequest('protobuf body ends inside a varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw badRequest('protobuf varint too long');
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw badRequest('protobuf field longer than the body');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`protobuf wire type ${wire} is not supported`);
  }
}

type JsonObj = Record<string, unknown>;

function decodeMessage(buf: Buffer, type: string): JsonObj {
  const fields = SCHEMA[type];
  const out: JsonObj = {};
  const r = new Reader(buf);
  while (r.pos < buf.length) {
    const tag = Number(r.varint());
    const num = tag >> 3;
    const wire = tag & 7;
    const f = fields[num];
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [name, kind, repeated] = f;
    let value: unknown;
    if (kind === 's') value = type === 'Unknown' && name === 'raw' ? r.bytes() : r.bytes().toString('utf8');
    else if (kind === 'b') value = r.varint() !== 0n;
    else if (kind === 'i') value = Number(BigInt.asIntN(64, r.varint()));
    else if (kind === 'map') {
      const e = decodeMessage(r.bytes(), 'MapEntry');
      const m = (out[name] as Record<string, string>) ?? {};
      m[String(e.key ?? '')] = String(e.value ?? '');
      out[name] = m;
      continue;
    } else if (kind.startsWith('inline:')) {
      Object.assign(out, decodeMessage(r.bytes(), kind.slice(7)));
      continue;
    } else value = decodeMessage(r.bytes(), kind.slice(2));
    if (value === '' || value === false || value === 0) continue; // proto2 writes zero values; JSON omits them
    if (repeated) ((out[name] as unknown[]) ?? (out[name] = [])).push(value);
    else out[name] = value;
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** A protobuf-encoded Pod or SelfSubjectAccessReview (as kubectl sends them) → its JSON form; anything else is a 400. */
export function decodeProtobufObject(body: Buffer): JsonObj {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body without the "k8s\\0" envelope');
  const unknown = decodeMessage(body.subarray(4), 'Unknown');
  const tm = (unknown.typeMeta ?? {}) as JsonObj;
  const kind = String(tm.kind);
  if (!TOP_LEVEL[kind]) throw badRequest(`the lab API decodes protobuf only for ${Object.keys(TOP_LEVEL).join(' and ')} (got ${kind}); send JSON`);
  const obj = decodeMessage((unknown.raw as Buffer) ?? Buffer.alloc(0), TOP_LEVEL[kind]);
  return { apiVersion: tm.apiVersion ?? 'v1', kind, ...obj };
}
