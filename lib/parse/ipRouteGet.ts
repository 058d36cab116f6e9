// `ip -j route get <ip>`: the route the kernel would use, or the reason it has none.
import { ok, type ParseError, type Result } from '../result';
import { isRecord, type ToolRun } from './common';
import { parseIpListing, type IpToolError } from './ipTool';
import { readRoute, type IpRoute } from './ipRoute';

export interface RouteGetEntry extends IpRoute {
  uid?: number;
  /** "cache" entries, e.g. an mtu the kernel learnt from frag-needed ICMP. */
  cache: string[];
  /** PMTU the kernel cached for this destination (from frag-needed ICMP): `"metrics":[{"mtu":N}]`. */
  mtu?: number;
  /** Seconds until that cached exception expires. */
  expires?: number;
}

/** Either the route, or the kernel's refusal (stderr, exit 2), which is evidence, not a parse failure. */
export type RouteGet =
  | { outcome: 'route'; route: RouteGetEntry }
  | {
      outcome: 'refused';
      error: IpToolError;
      /** What the errno means for the path, from measurements on this kernel (fixtures/ip-route-get). */
      meaning: 'no-route' | 'unreachable-route' | 'blackhole-route' | 'prohibit-route' | 'other';
    };

const MEANING: Record<string, 'no-route' | 'unreachable-route' | 'blackhole-route' | 'prohibit-route'> = {
  'network-unreachable': 'no-route',
  'no-route-to-host': 'unreachable-route',
  'invalid-argument': 'blackhole-route',
  'permission-denied': 'prohibit-route',
};

export function parseIpRouteGet(text: string, run?: ToolRun): Result<RouteGet, ParseError> {
  const listing = parseIpListing('ip route get', text, run, (r) => {
    const route: RouteGetEntry = { ...readRoute(r), cache: r.optStrs('cache') ?? [] };
    const uid = r.optNum('uid');
    const expires = r.optNum('expires');
    const mtu = (r.optArray('metrics') ?? []).map((m) => (isRecord(m) ? m.mtu : undefined)).find((m) => typeof m === 'number');
    if (uid !== undefined) route.uid = uid;
    if (expires !== undefined) route.expires = expires;
    if (typeof mtu === 'number') route.mtu = mtu;
    return route;
  });
  if (!listing.ok) return listing;
  const { entries, error } = listing.value;
  if (error && entries.length === 0) return ok({ outcome: 'refused', error, meaning: MEANING[error.kind] ?? 'other' });
  const route = entries[0];
  if (route === undefined) return { ok: false, error: { tool: 'ip route get', line: 1, expected: 'one route in the JSON array', got: text.trim().slice(0, 80) } };
  return ok({ outcome: 'route', route });
}
