// Label and field selectors as the API server parses them (?labelSelector=, ?fieldSelector=).
// A malformed selector is a 400 Status that quotes it, never a silent match-all.
import type { KubeObject } from '../types';
import { badRequest } from './status';

type LabelReq =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

const KEY = /^([a-z0-9A-Z.\-_/]+)$/;

/** Splits on commas that are not inside `( … )` (set-based values). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

export function parseLabelSelector(sel: string): LabelReq[] {
  const reqs: LabelReq[] = [];
  for (const part of splitTop(sel)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      reqs.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1], sel), values });
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: checkKey(m[1], sel), value: m[3] });
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ op: 'notexists', key: checkKey(m[1], sel) });
    } else if ((m = part.match(/^(\S+)$/))) {
      reqs.push({ op: 'exists', key: checkKey(m[1], sel) });
    } else {
      throw badRequest(`unable to parse requirement: ${JSON.stringify(part)} in labelSelector ${JSON.stringify(sel)}: expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
    }
  }
  return reqs;
}

function checkKey(key: string, sel: string): string {
  if (!KEY.test(key)) throw badRequest(`invalid label key ${JSON.stringify(key)} in labelSelector ${JSON.stringify(sel)}`);
  return key;
}

export function matchLabels(reqs: LabelReq[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

interface FieldReq {
  field: string;
  neq: boolean;
  value: string;
}

export function parseFieldSelector(sel: string): FieldReq[] {
  return sel
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((part) => {
      const m = part.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw badRequest(`invalid selector: ${JSON.stringify(part)} in fieldSelector ${JSON.stringify(sel)}; expected field=value or field!=value (e.g. metadata.name=frontend, spec.nodeName=worker-1, status.phase=Running)`);
      return { field: m[1], neq: m[2] === '!=', value: m[3] };
    });
}

/** The value of a dotted field path (`spec.nodeName`); absent fields compare as "" as the server's field sets do. */
export function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export function matchFields(reqs: FieldReq[], o: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(o, r.field) === r.value) !== r.neq);
}
