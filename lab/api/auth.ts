// Authentication (bearer tokens from the lab dir) and the lab's roles: `admin` may do everything the
// lab serves; `viewer` may only get/list/watch (DESIGN §3), like a read-only ClusterRole; `ns-viewer` may
// only get/list/watch inside one namespace (`cluster.api.nsViewer`, DESIGN §3.3), like a Role bound there.
import { timingSafeEqual } from 'node:crypto';
import { badRequest, forbidden, unauthorized } from './status';

export interface Tokens {
  admin: string;
  viewer: string;
  /** written only by labs with cluster.api.nsViewer */
  nsViewer?: string;
}

export type User = 'admin' | 'viewer' | 'ns-viewer';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The user behind an Authorization header, or a 401 Status (no header, wrong scheme, unknown token). */
export function authenticate(header: string | undefined, tokens: Tokens): User {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) throw unauthorized();
  if (same(m[1], tokens.admin)) return 'admin';
  if (same(m[1], tokens.viewer)) return 'viewer';
  if (tokens.nsViewer && same(m[1], tokens.nsViewer)) return 'ns-viewer';
  throw unauthorized();
}

export interface Attributes {
  verb: string; // get list watch create update patch delete
  resource: string;
  subresource?: string;
  group: string;
  namespace?: string;
  name?: string;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);
/** Subresources the built-in `view` ClusterRole may read too. */
const READABLE_SUBRESOURCES = new Set(['log', 'status']);

/** `scope`: the namespace the ns-viewer's Role is bound in (cluster.api.nsViewer). */
export function authorize(user: User, a: Attributes, scope?: string): void {
  if (user === 'admin') return;
  const readable = READ_VERBS.has(a.verb) && (!a.subresource || READABLE_SUBRESOURCES.has(a.subresource));
  if (user === 'ns-viewer') {
    if (readable && scope !== undefined && a.namespace === scope) return;
    throw forbidden({ user, ...a });
  }
  if (readable) return;
  throw forbidden({ user, ...a });
}

/** The answer to a SelfSubjectAccessReview (`kubectl auth can-i`), from the same rules as authorize(). */
export function accessReview(user: User, spec: unknown, scope?: string): { allowed: boolean; reason?: string } {
  const attrs = (spec as { resourceAttributes?: Record<string, string> } | undefined)?.resourceAttributes;
  if (!attrs || typeof attrs.verb !== 'string') throw badRequest('spec.resourceAttributes.verb is required (e.g. {"verb":"create","resource":"pods","subresource":"exec","namespace":"shop"})');
  try {
    authorize(user, { verb: attrs.verb, resource: attrs.resource ?? '', subresource: attrs.subresource || undefined, group: attrs.group ?? '', namespace: attrs.namespace || undefined, name: attrs.name || undefined }, scope);
    return { allowed: true, reason: `the lab's ${user} role allows it` };
  } catch {
    return { allowed: false };
  }
}
