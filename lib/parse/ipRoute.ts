// `ip -j route show`: the routing table (dst, gateway, dev, prefsrc, flags, type).
import type { ParseError, Result } from '../result';
import type { FieldReader, ToolRun } from './common';
import { parseIpListing, type IpListing } from './ipTool';

/** unicast is implied when ip prints no "type"; the others are printed as "type". */
export type RouteType = 'unicast' | 'unreachable' | 'blackhole' | 'prohibit' | 'local' | 'broadcast' | 'multicast' | 'throw' | 'nat' | 'anycast';
const ROUTE_TYPES: readonly string[] = ['unicast', 'unreachable', 'blackhole', 'prohibit', 'local', 'broadcast', 'multicast', 'throw', 'nat', 'anycast'];

export interface IpRoute {
  type: RouteType;
  dst: string; // "default" or a prefix ("10.244.1.0/24") or a host address
  gateway?: string;
  dev?: string; // absent on unreachable/blackhole routes
  prefsrc?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  flags: string[]; // onlink, linkdown …
  onlink: boolean;
  linkdown: boolean;
}

export function readRouteType(r: FieldReader): RouteType {
  const t = r.optStr('type') ?? 'unicast';
  if (ROUTE_TYPES.includes(t)) return t as RouteType;
  r.problem ??= `a known route "type" (${ROUTE_TYPES.join(', ')}), got ${t}`;
  return 'unicast';
}

export function readRoute(r: FieldReader): IpRoute {
  const flags = r.optStrs('flags') ?? [];
  const route: IpRoute = {
    type: readRouteType(r),
    dst: r.str('dst'),
    flags,
    onlink: flags.includes('onlink'),
    linkdown: flags.includes('linkdown'),
  };
  const gateway = r.optStr('gateway');
  const dev = r.optStr('dev');
  const prefsrc = r.optStr('prefsrc');
  const protocol = r.optStr('protocol');
  const scope = r.optStr('scope');
  const metric = r.optNum('metric');
  if (gateway !== undefined) route.gateway = gateway;
  if (dev !== undefined) route.dev = dev;
  if (prefsrc !== undefined) route.prefsrc = prefsrc;
  if (protocol !== undefined) route.protocol = protocol;
  if (scope !== undefined) route.scope = scope;
  if (metric !== undefined) route.metric = metric;
  return route;
}

export function parseIpRoute(text: string, run?: ToolRun): Result<IpListing<IpRoute>, ParseError> {
  return parseIpListing('ip route', text, run, (r) => readRoute(r));
}

/** The default route, if the table has one. */
export function defaultRoute(routes: IpRoute[]): IpRoute | undefined {
  return routes.find((r) => r.dst === 'default' || r.dst === '0.0.0.0/0');
}
