// The lab file's safety checks (issue 10), kept out of lab/spec.ts so that file only calls them: every object
// is checked as kube-apiserver would check it (lab/api/validation.ts: names, labels, annotations, port names as
// IANA_SVC_NAME / DNS labels, port ranges) and the cluster's ranges must be usable unicast ranges. Anything that
// passes here can be written into iptables-restore, nft and dnsmasq input without quoting surprises.
import { objectErrors } from './api/validation';
import { cidrsOverlap, parseCidr } from '../lib/ip';
import type { KubeObject } from './types';

/** YAML aliases a document may expand (yaml's maxAliasCount); an alias bomb stops here with its document named. */
export const MAX_YAML_ALIASES = 100;

/** The first API-server validation error of a lab-file object, worded for the lab file, or null. */
export function labFileObjectProblem(o: KubeObject): { field: string; problem: string; fix: string } | null {
  const errs = objectErrors(o.kind, o, o.metadata.name);
  if (!errs.length) return null;
  const e = errs[0];
  const fix = /RFC 1123 label/.test(e.body)
    ? 'use lowercase letters, digits and - (a DNS label, at most 63 characters, starting and ending with a letter or digit)'
    : /port/.test(e.field) && /name/.test(e.field + e.body)
    ? 'port names are at most 15 lowercase letters, digits and single hyphens, with at least one letter (IANA_SVC_NAME)'
    : /labels|selector/.test(e.field)
      ? 'label keys and values are at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit'
      : /annotations/.test(e.field)
        ? 'annotation keys are label-key shaped; all annotations together at most 256 KiB'
        : 'use a value the Kubernetes API server accepts (the message quotes its rule)';
  return { field: e.field, problem: `${e.body}${errs.length > 1 ? ` (and ${errs.length - 1} more problem${errs.length > 2 ? 's' : ''})` : ''}`, fix };
}

const RESERVED: [string, string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local (169.254.0.0/16)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4, incl. broadcast)'],
];

/**
 * Why an IPv4 CIDR ("a.b.c.d/n") or address cannot hold pods, Services or outside hosts (it overlaps loopback,
 * link-local, multicast…), or null (also null for text that is not a CIDR: the caller's parser reports that).
 */
export function reservedRangeProblem(cidr: string): string | null {
  const c = parseCidr(cidr);
  if (!c || c.family !== 4) return null;
  for (const [range, what] of RESERVED) {
    if (cidrsOverlap(c, parseCidr(range)!)) return `${cidr} overlaps ${what}, which no pod, Service or outside address may use`;
  }
  return null;
}
