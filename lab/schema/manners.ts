// The API server's manners in the lab file (DESIGN §3.3): `cluster.api`, `cluster.dnsDomain`, `cluster.dnsService`
// as zod schemas with field + fix messages (lab/schema/problems.ts). lab/api/manners.ts reads the result at run
// time; lab/schema/cluster.ts spreads MANNERS_SHAPE into `cluster:`. Names are checked by lib/kube/names.ts.
import { z } from 'zod';
import { isLabelName, isSubdomainName } from '../../lib/kube/names';
import type { LabApiSettings, LabCluster } from '../types';
import { report, says } from './problems';

/** A whole number in [min, max]; the fix shows the setting with a sensible value (300 clamped into the range). */
const wholeIn = (name: string, min: number, max: number) =>
  z.number(says((v) => `${JSON.stringify(v)} is not a whole number from ${min} to ${max}`, `write e.g. ${name}: ${Math.min(max, Math.max(min, 300))}`)).int().min(min).max(max);

const namespaceName = says((v) => `${JSON.stringify(v)} is not a namespace name`, 'name the namespace the ns-viewer may read, e.g. nsViewer: shop');

const BULK_SHAPE = {
  services: wholeIn('services', 0, 20_000).nullish(),
  endpointsPerService: wholeIn('endpointsPerService', 1, 10).nullish(),
  pods: wholeIn('pods', 0, 20_000).nullish(),
};
const BulkSchema = z
  .strictObject(BULK_SHAPE, says('must be a map', 'write bulk: {services: 10000, endpointsPerService: 3, pods: 10000}', { problem: 'unknown setting', fix: `use ${Object.keys(BULK_SHAPE).join(', ')}` }))
  .transform((b) => ({ services: b.services ?? 0, endpointsPerService: b.endpointsPerService ?? 3, pods: b.pods ?? 0 }))
  .superRefine((b, ctx) => {
    if (b.services > 0 && b.pods === 0) report(ctx, ['pods'], 'the generated Services need generated pods behind them', 'set pods too, e.g. pods: 10000');
  });

const API_SHAPE = {
  startDelayMs: wholeIn('startDelayMs', 0, 60_000).optional(),
  latencyMs: wholeIn('latencyMs', 0, 10_000).optional(),
  nsViewer: z.string(namespaceName).refine(isLabelName, namespaceName).optional(),
  bulk: BulkSchema.optional(),
};
const ApiSchema = z.strictObject(API_SHAPE, says('must be a map', 'write api: {startDelayMs: 300, latencyMs: 50, nsViewer: shop}', { problem: 'unknown setting', fix: `use ${Object.keys(API_SHAPE).join(', ')}` })) satisfies z.ZodType<LabApiSettings>;

const dnsDomain = says((v) => `${JSON.stringify(v)} is not a DNS domain`, 'write e.g. dnsDomain: cluster.local');
const nsSlashName = says((v) => `${JSON.stringify(v)} is not NAMESPACE/NAME`, 'write e.g. dnsService: kube-system/coredns');
const isNsSlashName = (d: string) => {
  const [ns, name, extra] = d.split('/');
  return extra === undefined && !!ns && !!name && isLabelName(ns) && isLabelName(name);
};

/** The manners keys of `cluster:` (absent or null `api` = defaults). */
export const MANNERS_SHAPE = {
  api: ApiSchema.nullish(),
  dnsDomain: z.string(dnsDomain).max(200).refine(isSubdomainName, dnsDomain).optional(),
  dnsService: z
    .string(nsSlashName)
    .refine(isNsSlashName, nsSlashName)
    .refine((d) => d.startsWith('kube-system/'), says((v) => `${JSON.stringify(v)} is outside kube-system, where the lab's CoreDNS pod runs`, 'name a Service in kube-system, e.g. kube-system/coredns'))
    .optional(),
};

export type Manners = Pick<LabCluster, 'api' | 'dnsDomain' | 'dnsService'>;

/** Only the manners that were set (a LabCluster carries no empty keys). */
export function mannersOf(c: { api?: LabApiSettings | null; dnsDomain?: string; dnsService?: string }): Manners {
  return { ...(c.api ? { api: c.api } : {}), ...(c.dnsDomain !== undefined ? { dnsDomain: c.dnsDomain } : {}), ...(c.dnsService !== undefined ? { dnsService: c.dnsService } : {}) };
}

/** The manners part of a `cluster:` mapping (other keys ignored). */
export const MannersSchema = z.looseObject(MANNERS_SHAPE).transform(mannersOf);
