// The Lab document's `cluster:` (DESIGN §3.1) as a zod schema: nodes, the dataplane family and its overlay
// (the allowed pairs are lab/families.ts's FAMILY_OVERLAYS, worded by checkFamily), kube-proxy mode, policy,
// the pod and Service ranges, the nodes' zones, and the API's manners (lab/schema/manners.ts). Output: a LabCluster
// with every default filled in (cni left out for flannel, as before families existed). Cross-field checks — duplicate
// nodes, ranges that overlap each other, the nodes' network or a reserved range, a podCIDR too small for one
// /24 per node, a zone given to a node the lab does not have — are refinements with the same sentences the
// hand-written checks had.
import { z } from 'zod';
import { joinClauses } from '../../lib/clauses';
import { isDNS1123Subdomain, isLabelValue } from '../../lib/kube/names';
import { checkFamily, CNIS, FAMILY_OVERLAYS, OVERLAYS } from '../families';
import { cidrSize, cidrsOverlap, formatCidr, parseCidr } from '../ipv4';
import { UNDERLAY_CIDR } from '../outside';
import { reservedRangeProblem } from '../specSafety';
import type { LabCluster } from '../types';
import { MANNERS_SHAPE, mannersOf } from './manners';
import { report, says } from './problems';

const DEFAULT_POD_CIDR = '10.244.0.0/16';
const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
const MAX_NODES = 50;

/** One of `allowed`; absent or null takes the default (filled in by the cluster's transform). */
const choice = <T extends string>(allowed: readonly [T, ...T[]]) => z.enum(allowed, says((v) => `${JSON.stringify(v)} is not supported`, `use one of ${allowed.join(' | ')}`)).nullish();

/** An IPv4 CIDR whose host bits are zero, as text; absent or null takes `example` (the default). */
const cidr = (example: string) => {
  const e = says((v) => `${JSON.stringify(v)} is not an IPv4 CIDR with its host bits zero`, `write e.g. ${example}`);
  return z.string(e).refine((v) => parseCidr(v) !== null, e).nullish();
};

// A node name is what the API server takes for a Node: a DNS-1123 subdomain of at most 253 characters, dots
// included (EKS names its nodes ip-10-0-1-23.ec2.internal). The problem quotes the API server's own sentence;
// the names the kernel limits (netns, links, log files) are derived from it in lab/objects.ts (nodeKey, linkName).
const NODE_NAME_FIX = 'use a DNS subdomain: lowercase letters, digits, - and ., starting and ending with a letter or digit, at most 253 characters (e.g. worker-1 or ip-10-0-1-23.ec2.internal)';
const nodeName = says((v) => `${JSON.stringify(v)} is not a node name`, NODE_NAME_FIX);
const NodeName = z.string(nodeName).superRefine((v, ctx) => {
  const errs = isDNS1123Subdomain(v);
  if (errs.length) report(ctx, [], `${JSON.stringify(v)} is not a node name: ${joinClauses(errs)}`, NODE_NAME_FIX);
});
const NodesSchema = z
  .array(NodeName, says('missing or empty', 'list the node names, e.g. nodes: [worker-1, worker-2]'))
  .min(1)
  .max(MAX_NODES, says((v) => `${(v as unknown[]).length} nodes; the lab builds at most ${MAX_NODES}`, 'use fewer nodes'))
  .superRefine((nodes, ctx) => {
    nodes.forEach((x, i) => {
      if (nodes.indexOf(x) !== i) report(ctx, [i], `duplicate node name ${x}`, 'give every node its own name');
    });
  });

// `zones: {worker-1: zone-a, …}`: the value becomes the Node's topology.kubernetes.io/zone label, so it is what the
// API server takes for a label value (and not empty: an empty zone is no zone to kube-proxy). Which keys name
// nodes of this lab is checked with the nodes, in the cluster's superRefine. Nodes left out have no zone label.
const ZONES_EXAMPLE = 'zones: {worker-1: zone-a, worker-2: zone-b}';
const ZONE_FIX = 'use a label value: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit (e.g. zone-a or us-east-1a)';
const zoneName = says((v) => `${JSON.stringify(v)} is not a zone name`, ZONE_FIX);
const ZoneName = z.string(zoneName).superRefine((v, ctx) => {
  const errs = v === '' ? ['must not be empty'] : isLabelValue(v);
  if (errs.length) report(ctx, [], `${JSON.stringify(v)} is not a zone name: ${joinClauses(errs)}`, ZONE_FIX);
});
const ZonesSchema = z.record(z.string(), ZoneName, says('must map node names to zones', `write e.g. ${ZONES_EXAMPLE}`)).nullish();

const CLUSTER_SHAPE = {
  nodes: NodesSchema,
  cni: choice(CNIS),
  overlay: choice(OVERLAYS),
  kubeProxy: choice(['iptables', 'nftables']),
  networkPolicy: choice(['enforce', 'ignore']),
  podCIDR: cidr(DEFAULT_POD_CIDR),
  serviceCIDR: cidr(DEFAULT_SERVICE_CIDR),
  zones: ZonesSchema,
  dnsReplicas: z.number(says('must be a whole number from 1 to 3', 'write e.g. dnsReplicas: 2')).int(says('must be a whole number from 1 to 3', 'write e.g. dnsReplicas: 2')).min(1, says('must be a whole number from 1 to 3', 'write e.g. dnsReplicas: 2')).max(3, says('must be a whole number from 1 to 3', 'write e.g. dnsReplicas: 2')).nullish(),
  ...MANNERS_SHAPE,
};

/** `cluster:` → LabCluster (defaults filled in), or issues naming `nodes[1]`, `overlay`, `podCIDR` … with their fix. */
export const ClusterSchema = z
  .strictObject(CLUSTER_SHAPE, says('missing', 'add cluster: {nodes: [worker-1, worker-2], …}', { problem: 'unknown setting', fix: `use ${Object.keys(CLUSTER_SHAPE).join(', ')}` }))
  .transform((c): LabCluster => {
    // DESIGN §3.1: the family, then an overlay it builds; a missing overlay is the family's own (its first).
    const cni = c.cni ?? 'flannel';
    return {
      nodes: c.nodes,
      ...(cni !== 'flannel' ? { cni } : {}),
      overlay: c.overlay ?? FAMILY_OVERLAYS[cni].allowed[0],
      kubeProxy: c.kubeProxy ?? 'iptables',
      networkPolicy: c.networkPolicy ?? 'enforce',
      podCIDR: formatCidr(parseCidr(c.podCIDR ?? DEFAULT_POD_CIDR)!),
      serviceCIDR: formatCidr(parseCidr(c.serviceCIDR ?? DEFAULT_SERVICE_CIDR)!),
      ...(c.zones && Object.keys(c.zones).length ? { zones: c.zones } : {}),
      ...(c.dnsReplicas && c.dnsReplicas > 1 ? { dnsReplicas: c.dnsReplicas } : {}),
      ...mannersOf(c),
    };
  })
  .superRefine((c, ctx) => {
    for (const node of Object.keys(c.zones ?? {})) {
      if (!c.nodes.includes(node)) report(ctx, ['zones', node], `node ${JSON.stringify(node)} is not in cluster.nodes`, `give zones to the nodes of this lab (${c.nodes.join(', ')}), or add ${node} to cluster.nodes`);
    }
    const bad = checkFamily(c.cni ?? 'flannel', c.overlay);
    if (bad) report(ctx, ['overlay'], bad.problem, bad.fix);
    const pod = parseCidr(c.podCIDR)!;
    const svc = parseCidr(c.serviceCIDR)!;
    const underlay = parseCidr(UNDERLAY_CIDR)!;
    if (cidrsOverlap(pod, svc)) report(ctx, ['serviceCIDR'], `${c.serviceCIDR} overlaps podCIDR ${c.podCIDR}`, 'use disjoint ranges, e.g. podCIDR 10.244.0.0/16 and serviceCIDR 10.96.0.0/16');
    for (const [k, x] of [['podCIDR', pod], ['serviceCIDR', svc]] as const) {
      const reserved = reservedRangeProblem(formatCidr(x));
      if (reserved) report(ctx, [k], reserved, 'use a private range, e.g. 10.244.0.0/16 for pods and 10.96.0.0/16 for Services');
      if (cidrsOverlap(x, underlay)) report(ctx, [k], `${formatCidr(x)} overlaps the nodes' network ${UNDERLAY_CIDR}`, `pick a range outside ${UNDERLAY_CIDR}`);
    }
    // Node i gets the (i+1)-th /24 (worker-1 → 10.244.1.0/24), as kind leaves .0 to its control plane.
    const n = c.nodes.length;
    if (pod.bits > 24 || cidrSize(pod) / 256 < n + 1) {
      report(ctx, ['podCIDR'], `${c.podCIDR} is too small: ${n} nodes need ${n + 1} /24s (one per node, the first left free)`, `use a /${Math.min(23, 24 - Math.ceil(Math.log2(n + 1)))} or larger, e.g. ${DEFAULT_POD_CIDR}`);
    }
    if (svc.bits > 27) report(ctx, ['serviceCIDR'], `${c.serviceCIDR} is too small for kubernetes (.1), kube-dns (.10) and the Services`, `use a /24 or larger, e.g. ${DEFAULT_SERVICE_CIDR}`);
  }) satisfies z.ZodType<LabCluster>;
