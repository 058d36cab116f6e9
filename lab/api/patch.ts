// The three patch formats kubectl and client-node send: JSON Patch (RFC 6902), JSON Merge Patch
// (RFC 7386) and strategic merge patch (merge patch + lists of named things merged by `name`).
import { ApiError, badRequest, unsupportedMediaType } from './status';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** Lists whose elements Kubernetes merges by `name` (patchMergeKey) instead of replacing the list. */
const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'env', 'volumeMounts', 'ephemeralContainerStatuses', 'containerStatuses']);

export function strategicMergePatch(target: Json, patch: Json, key = ''): Json {
  if (Array.isArray(patch) && MERGE_BY_NAME.has(key) && Array.isArray(target)) {
    const out = [...target];
    for (const el of patch) {
      if (!isObj(el) || typeof el.name !== 'string') {
        out.push(el);
        continue;
      }
      const i = out.findIndex((t) => isObj(t) && t.name === el.name);
      if (el.$patch === 'delete') {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) out[i] = strategicMergePatch(out[i], el);
      else out.push(stripDirectives(el));
    }
    return out;
  }
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return null;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // $setElementOrder/…, $retainKeys, $deleteFromPrimitiveList/…: ordering hints
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k] ?? null, v, k);
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, stripDirectives(x)]));
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`json patch: path ${JSON.stringify(path)} must start with "/"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch: the body must be an array of operations ({"op":"add","path":"/spec/…","value":…})');
  let root: Json = structuredClone(doc);
  for (const op of ops) {
    if (!isObj(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw badRequest('json patch: every operation needs "op" and "path" strings');
    const segs = pointer(op.path);
    const read = (p: string[]): Json | undefined => p.reduce<Json | undefined>((cur, s) => (Array.isArray(cur) ? cur[s === '-' ? cur.length : Number(s)] : isObj(cur) ? cur[s] : undefined), root);
    const parentOf = (p: string[]) => read(p.slice(0, -1));
    const last = segs[segs.length - 1];
    const put = (value: Json, insert: boolean) => {
      if (segs.length === 0) {
        root = value;
        return;
      }
      const parent = parentOf(segs);
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(i) || i < 0 || i > parent.length) throw badRequest(`json patch: index ${last} out of range at ${op.path}`);
        if (insert) parent.splice(i, 0, value);
        else parent[i] = value;
      } else if (isObj(parent)) parent[last] = value;
      else throw badRequest(`json patch: the parent of ${op.path} does not exist`);
    };
    const remove = () => {
      const parent = parentOf(segs);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isObj(parent) && last in parent) delete parent[last];
      else throw badRequest(`json patch: cannot remove ${op.path}: it does not exist`);
    };
    switch (op.op) {
      case 'add':
        put(structuredClone(op.value ?? null), true);
        break;
      case 'replace':
        if (read(segs) === undefined) throw badRequest(`json patch: cannot replace ${op.path}: it does not exist`);
        put(structuredClone(op.value ?? null), false);
        break;
      case 'remove':
        remove();
        break;
      case 'test':
        if (JSON.stringify(read(segs)) !== JSON.stringify(op.value)) throw new ApiError(422, 'Invalid', `json patch: test failed at ${op.path}`);
        break;
      case 'copy': {
        if (typeof op.from !== 'string') throw badRequest('json patch: copy needs "from"');
        put(structuredClone(read(pointer(op.from)) ?? null), true);
        break;
      }
      default:
        throw badRequest(`json patch: unknown op ${JSON.stringify(op.op)}; use add, remove, replace, copy or test`);
    }
  }
  return root;
}

export function applyPatch(contentType: string | undefined, doc: unknown, patch: unknown): unknown {
  const type = (contentType ?? '').split(';')[0].trim();
  switch (type) {
    case 'application/json-patch+json':
      return jsonPatch(doc as Json, patch as Json);
    case 'application/merge-patch+json':
      return mergePatch(doc as Json, patch as Json);
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(doc as Json, patch as Json);
    default:
      throw unsupportedMediaType(type);
  }
}
