// The lab file as a whole (DESIGN §3): the `kind: Lab` document (cluster, outside, faults) and the checks that
// span documents — every object defined once, namespaces defined before use, a node's pods fitting its /24,
// cluster IPs, node ports and load balancer IPs unique, faults naming existing nodes, Services and pods.
// lab/spec.ts parses the YAML, runs these schemas in order and turns the first issue into a LabFileError.
import { z } from 'zod';
import { checkFaultShape, checkFaultTargets, type FaultContext } from '../faults';
import { BUILTIN_NAMESPACES, dnsServiceName } from '../objects';
import type { KubeObject, LabCluster, LabFault } from '../types';
import { ClusterSchema } from './cluster';
import { OutsideSchema, outsideInCluster, serviceKindsAcross } from './outside';
import { report, says } from './problems';

/** A node's pods share its /24 with the bridge and the kube-system pods. */
const PODS_PER_NODE = 250;

const faultName = says('missing', 'write {name: FAULT, param: value}; `packetwalk lab faults` lists them');
/** One `faults:` entry → {name, params} checked against the catalogue (lab/faults.ts); targets are checked across documents. */
const FaultSchema = z.looseObject({ name: z.string(faultName) }, faultName).transform((x, ctx): LabFault => {
  const params: Record<string, string> = {};
  for (const [k, val] of Object.entries(x)) if (k !== 'name') params[k] = String(val);
  try {
    return checkFaultShape({ name: x.name, params });
  } catch (e) {
    report(ctx, [], (e as Error).message, '`packetwalk lab faults` lists the faults and their parameters');
    return z.NEVER;
  }
});

const notLab = { problem: 'the first document must be the lab itself (kind: Lab)', fix: 'put a `kind: Lab` document with `cluster:` first' };

/** The first document, `kind: Lab` → {cluster, outside, faults}. */
export const LabDocSchema = z
  .strictObject(
    {
      kind: z.literal('Lab', says(notLab.problem, notLab.fix)),
      apiVersion: z.unknown().optional(),
      metadata: z.unknown().optional(),
      cluster: ClusterSchema,
      outside: OutsideSchema,
      faults: z
        .array(FaultSchema, says('must be a list', 'write faults: [{name: mtu-blackhole, node: worker-2}]'))
        .nullish()
        .transform((v) => v ?? []),
    },
    says(notLab.problem, notLab.fix, { problem: 'unknown top-level key of the Lab document', fix: 'use cluster, outside and faults' }),
  )
  .transform(({ cluster, outside, faults }) => ({ cluster, outside, faults }))
  .superRefine((lab, ctx) => outsideInCluster(lab.outside, lab.cluster, ctx));

export type LabDoc = z.output<typeof LabDocSchema>;

/** What a fault of this lab may name: its nodes, Services (ns/name, kube-dns included) and pods with their own netns. */
export function faultTargets(spec: { cluster: LabCluster; manifests: KubeObject[] }): FaultContext {
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  return {
    nodes: spec.cluster.nodes,
    services: [...spec.manifests.filter((o) => o.kind === 'Service').map(key), `kube-system/${dnsServiceName(spec.cluster)}`, 'default/kubernetes'],
    pods: spec.manifests.filter((o) => o.kind === 'Pod' && (o.spec as { hostNetwork?: unknown } | undefined)?.hostNetwork !== true).map(key),
    hostNetworkPods: spec.manifests.filter((o) => o.kind === 'Pod' && (o.spec as { hostNetwork?: unknown } | undefined)?.hostNetwork === true).map(key),
  };
}

const describe = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * The checks across documents, given the Lab document (document `labAt + 1`). Input: `docs[i]` is document
 * i+1 as read (null for the Lab document and empty documents); issues are reported at [i, field].
 */
export function acrossDocuments(lab: LabDoc, labAt: number) {
  return z.array(z.custom<KubeObject | null>()).superRefine((docs, ctx) => {
    const seen = new Map<string, number>();
    const namespaces = new Set([...BUILTIN_NAMESPACES, ...docs.filter((o) => o?.kind === 'Namespace').map((o) => o!.metadata.name)]);
    const perNode = new Map<string, number>();
    const clusterIPs = new Map<string, string>();
    docs.forEach((o, i) => {
      if (!o) return;
      const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (seen.has(key)) report(ctx, [i, 'metadata', 'name'], `duplicate: document ${seen.get(key)! + 1} already defines ${describe(o)}`, 'rename one of them or delete the copy');
      else seen.set(key, i);
      const ns = o.metadata.namespace;
      if (ns && !namespaces.has(ns)) report(ctx, [i, 'metadata', 'namespace'], `namespace "${ns}" is not defined`, `add a document {apiVersion: v1, kind: Namespace, metadata: {name: ${ns}}}`);
      const spec = o.spec as { nodeName?: string; clusterIP?: unknown };
      if (o.kind === 'Pod') {
        const node = spec.nodeName!;
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
        if (perNode.get(node)! > PODS_PER_NODE) report(ctx, [i, 'spec', 'nodeName'], `node ${node} has more pods than its /24 holds (${PODS_PER_NODE} after the bridge and kube-system)`, 'spread the pods over more nodes');
      }
      if (o.kind === 'Service' && typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None' && spec.clusterIP !== '') {
        if (clusterIPs.has(spec.clusterIP)) report(ctx, [i, 'spec', 'clusterIP'], `${spec.clusterIP} is already the clusterIP of ${clusterIPs.get(spec.clusterIP)}`, 'pick another address or leave clusterIP out');
        clusterIPs.set(spec.clusterIP, describe(o));
      }
    });
    serviceKindsAcross(docs, lab.outside, ctx);
    const targets = faultTargets({ cluster: lab.cluster, manifests: docs.filter((o): o is KubeObject => o !== null) });
    lab.faults.forEach((f, i) => {
      try {
        checkFaultTargets(f, targets);
      } catch (e) {
        report(ctx, [labAt, 'faults', i], (e as Error).message, 'name an existing node, Service or pod');
      }
    });
  });
}

