// The lab file's safety checks (issue 10), kept out of lab/spec.ts so that file only calls them: every object
// is checked as kube-apiserver would check it (lab/api/validation.ts: names, labels, annotations, port names as
// IANA_SVC_NAME / DNS labels, port ranges) and the cluster's ranges must be usable unicast ranges. Anything that
// passes here can be written into iptables-restore, nft and dnsmasq input without quoting surprises.
import { objectErrors } from './api/validation';
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

const RESERVED: [string, number, number, string][] = [
  ['0.0.0.0/8', 0x00000000, 8, '"this network" (0.0.0.0/8)'],
  ['127.0.0.0/8', 0x7f000000, 8, 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 0xa9fe0000, 16, 'link-local (169.254.0.0/16)'],
  ['224.0.0.0/4', 0xe0000000, 4, 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 0xf0000000, 4, 'reserved (240.0.0.0/4, incl. broadcast)'],
];

/** Why an IPv4 CIDR ("a.b.c.d/n") cannot hold pods or Services (it overlaps loopback, link-local, multicast…), or null. */
export function reservedRangeProblem(cidr: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const bits = Number(m[5]);
  for (const [, rBase, rBits, what] of RESERVED) {
    const common = Math.min(bits, rBits);
    const mask = common === 0 ? 0 : (0xffffffff << (32 - common)) >>> 0;
    if (((base & mask) >>> 0) === ((rBase & mask) >>> 0)) return `${cidr} overlaps ${what}, which no pod or Service address may use`;
  }
  return null;
}
