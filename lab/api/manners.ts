// A real API server's manners (DESIGN §3.3), as the lab file sets them (`cluster.api`, `cluster.dnsDomain`,
// `cluster.dnsService`) and as the daemon reads them: start delays, latency, the namespace-scoped viewer,
// generated API-only objects for scale, and Go's strconv.ParseBool for boolean query parameters.
import type { LabApiSettings, LabCluster } from '../types';
import { badRequest } from './status';

export const MANNER_KEYS = ['api', 'dnsDomain', 'dnsService'] as const;

/** Defaults when the lab file says nothing: a kubelet takes a few hundred ms to start a container. */
export const DEFAULT_START_DELAY_MS = 300;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type At = (field: string, problem: string, fix: string) => Error;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function intIn(v: unknown, field: string, min: number, max: number, at: At): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw at(field, `${JSON.stringify(v)} is not a whole number from ${min} to ${max}`, `write e.g. ${field.split('.').pop()}: ${Math.min(max, Math.max(min, 300))}`);
  return v;
}

/**
 * The manners part of `cluster:`: `{api?, dnsDomain?, dnsService?}` checked field by field.
 * Errors name the field (`cluster.api.latencyMs`) and the fix through `at`.
 */
export function parseManners(c: Obj, at: At): Pick<LabCluster, 'api' | 'dnsDomain' | 'dnsService'> {
  const out: Pick<LabCluster, 'api' | 'dnsDomain' | 'dnsService'> = {};
  if (c.api !== undefined && c.api !== null) {
    if (!isObj(c.api)) throw at('cluster.api', 'must be a map', 'write api: {startDelayMs: 300, latencyMs: 50, nsViewer: shop}');
    const api: LabApiSettings = {};
    for (const k of Object.keys(c.api)) {
      if (!['startDelayMs', 'latencyMs', 'nsViewer', 'bulk'].includes(k)) throw at(`cluster.api.${k}`, 'unknown setting', 'use startDelayMs, latencyMs, nsViewer, bulk');
    }
    if (c.api.startDelayMs !== undefined) api.startDelayMs = intIn(c.api.startDelayMs, 'cluster.api.startDelayMs', 0, 60_000, at);
    if (c.api.latencyMs !== undefined) api.latencyMs = intIn(c.api.latencyMs, 'cluster.api.latencyMs', 0, 10_000, at);
    if (c.api.nsViewer !== undefined) {
      if (typeof c.api.nsViewer !== 'string' || !DNS_LABEL.test(c.api.nsViewer)) throw at('cluster.api.nsViewer', `${JSON.stringify(c.api.nsViewer)} is not a namespace name`, 'name the namespace the ns-viewer may read, e.g. nsViewer: shop');
      api.nsViewer = c.api.nsViewer;
    }
    if (c.api.bulk !== undefined) {
      const b = c.api.bulk;
      if (!isObj(b)) throw at('cluster.api.bulk', 'must be a map', 'write bulk: {services: 10000, endpointsPerService: 3, pods: 10000}');
      for (const k of Object.keys(b)) if (!['services', 'endpointsPerService', 'pods'].includes(k)) throw at(`cluster.api.bulk.${k}`, 'unknown setting', 'use services, endpointsPerService, pods');
      api.bulk = {
        services: intIn(b.services ?? 0, 'cluster.api.bulk.services', 0, 20_000, at),
        endpointsPerService: intIn(b.endpointsPerService ?? 3, 'cluster.api.bulk.endpointsPerService', 1, 10, at),
        pods: intIn(b.pods ?? 0, 'cluster.api.bulk.pods', 0, 20_000, at),
      };
      if (api.bulk.services > 0 && api.bulk.pods === 0) throw at('cluster.api.bulk.pods', 'the generated Services need generated pods behind them', 'set pods too, e.g. pods: 10000');
    }
    out.api = api;
  }
  if (c.dnsDomain !== undefined) {
    const d = c.dnsDomain;
    if (typeof d !== 'string' || !d.split('.').every((l) => DNS_LABEL.test(l)) || d.length > 200) throw at('cluster.dnsDomain', `${JSON.stringify(d)} is not a DNS domain`, 'write e.g. dnsDomain: cluster.local');
    out.dnsDomain = d;
  }
  if (c.dnsService !== undefined) {
    const d = c.dnsService;
    const [ns, name, extra] = typeof d === 'string' ? d.split('/') : [];
    if (typeof d !== 'string' || extra !== undefined || !ns || !name || !DNS_LABEL.test(ns) || !DNS_LABEL.test(name)) throw at('cluster.dnsService', `${JSON.stringify(d)} is not NAMESPACE/NAME`, 'write e.g. dnsService: kube-system/coredns');
    if (ns !== 'kube-system') throw at('cluster.dnsService', `${JSON.stringify(d)} is outside kube-system, where the lab's CoreDNS pod runs`, 'name a Service in kube-system, e.g. kube-system/coredns');
    out.dnsService = d;
  }
  return out;
}

export const startDelayMs = (c: LabCluster | undefined) => c?.api?.startDelayMs ?? DEFAULT_START_DELAY_MS;
export const latencyMs = (c: LabCluster | undefined) => c?.api?.latencyMs ?? 0;

/**
 * A boolean query parameter as the API server reads it (Go's strconv.ParseBool): 1 t T TRUE true True,
 * 0 f F FALSE false False; absent or empty → undefined; anything else a 400 worded like the server's.
 */
export function parseBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** `limit` of a LIST: a positive integer, or undefined (0 or absent = everything). */
export function parseLimit(q: URLSearchParams): number | undefined {
  const v = q.get('limit');
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`limit: Invalid value: ${JSON.stringify(v)}: must be an integer`);
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** A continue token: the resourceVersion of the first page and the key the next page starts after (opaque to clients). */
export function encodeContinue(rv: number, after: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: after })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof o.rv === 'number' && typeof o.start === 'string') return { rv: o.rv, start: o.start };
  } catch {
    /* below */
  }
  throw badRequest('continue key is not valid: the continue token is malformed; start the list again without continue');
}
