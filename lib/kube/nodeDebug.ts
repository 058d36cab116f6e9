// What marks a node debug pod as packetwalk's (DESIGN §5), and which of them a diagnosis may reuse when the user
// asked to keep them for a short window (`packetwalk diagnose --keep-node-pods SECONDS`). Pure: the server
// lists and deletes (server/exec/nodeDebug.ts, server/exec/reconcile.ts); this decides.
//
// A kept pod is bounded twice: its `packetwalk.dev/keep-until` annotation is the last moment a diagnosis may
// *start* using it, and its spec.activeDeadlineSeconds (the window plus KEEP_GRACE_S) makes the kubelet kill it
// even if no packetwalk ever runs again — the kubelet then reports phase Failed, reason DeadlineExceeded
// ("Pod was active on the node longer than the specified deadline", kubelet's pod status for an exceeded
// activeDeadlineSeconds).

import { isLabelValue } from './names';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ROLE_LABEL = 'packetwalk.dev/role';
export const NODE_LABEL = 'packetwalk.dev/node';
/** The label of a pod kept for reuse ("true"); pods without it are deleted when their diagnosis ends. */
export const KEEP_LABEL = 'packetwalk.dev/keep';
/** RFC 3339 time after which no diagnosis starts using a kept pod. */
export const KEEP_UNTIL = 'packetwalk.dev/keep-until';
/** Every node debug pod packetwalk makes carries these labels. */
export const NODE_DEBUG_SELECTOR = `${MANAGED_BY}=packetwalk,${ROLE_LABEL}=node-debug`;
/** Only the kept ones. */
export const KEPT_SELECTOR = `${NODE_DEBUG_SELECTOR},${KEEP_LABEL}=true`;
/** The longest window a user may ask for, in seconds: a privileged hostNetwork pod should not idle for long. */
export const MAX_KEEP_S = 300;
/** Seconds a kept pod lives past its window, so that a diagnosis that began just before keep-until can finish. */
export const KEEP_GRACE_S = 60;
/** The debug container's name in every node debug pod. */
export const NODE_DEBUG_CONTAINER = 'debugger';

/** FNV-1a (32 bits) of `s` as 8 hex digits: a stable tag for a name cut to fit (pure: no crypto module in lib/). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The node debug pod's name for `node`: `packetwalk-node-<node>-<rand>`, the node's part cut so the whole stays a
 * DNS-1123 label of at most 58 characters with dots as `-` (a node name may be a 253-character subdomain such
 * as ip-10-0-1-23.ec2.internal; a pod name may hold dots, but a short label reads better and fits every limit).
 */
export function nodeDebugPodName(node: string, rand: string): string {
  return `packetwalk-node-${node}`.slice(0, 52).replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '') + `-${rand}`;
}

/**
 * The NODE_LABEL value of a node debug pod: the node name when it is a valid label value (at most 63 characters;
 * dots are allowed), else its first 54 characters and `-` + 8 hex of a hash of the whole name. Only people read
 * this label; which node a pod runs on is its spec.nodeName.
 */
export function nodeLabelValue(node: string): string {
  if (isLabelValue(node).length === 0) return node;
  return `${node.slice(0, 54)}-${fnv1a(node)}`;
}

/** The fields of a Pod this module reads (a structural subset of client-node's V1Pod). */
export interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: Date | string };
  spec?: { nodeName?: string; hostNetwork?: boolean; containers?: { name: string; image?: string; securityContext?: { privileged?: boolean } }[] };
  status?: { phase?: string; containerStatuses?: { name: string; state?: { running?: unknown } }[] };
}

/**
 * The kept node debug pods a diagnosis starting at `now` (ms since the epoch) may reuse, one per node (the one
 * kept longest when there are several): labelled kept, Running with its debug container running, not being
 * deleted, running `image` privileged in the host's network (what packetwalk makes: a look-alike someone else
 * labelled would probe another netns), and with `keep-until` still ahead. Returns node name → the pod's name and
 * its keep-until (RFC 3339, as annotated).
 */
export function reusableNodePods(pods: PodLike[], image: string, now: number): Map<string, { name: string; keepUntil: string }> {
  const best = new Map<string, { name: string; keepUntil: string; until: number }>();
  for (const p of pods) {
    const m = p.metadata;
    if (!m?.name || m.labels?.[KEEP_LABEL] !== 'true' || m.labels[ROLE_LABEL] !== 'node-debug' || m.deletionTimestamp) continue;
    const node = p.spec?.nodeName;
    const c = p.spec?.containers?.find((x) => x.name === NODE_DEBUG_CONTAINER);
    if (!node || !c || c.image !== image || p.spec?.hostNetwork !== true || c.securityContext?.privileged !== true || p.status?.phase !== 'Running') continue;
    if (!p.status.containerStatuses?.find((s) => s.name === NODE_DEBUG_CONTAINER)?.state?.running) continue;
    const keepUntil = m.annotations?.[KEEP_UNTIL] ?? '';
    const until = Date.parse(keepUntil);
    if (!(until > now)) continue;
    const prev = best.get(node);
    if (!prev || until > prev.until) best.set(node, { name: m.name, keepUntil, until });
  }
  return new Map([...best].map(([node, b]) => [node, { name: b.name, keepUntil: b.keepUntil }]));
}

/** A kept pod that has ended (the kubelet's deadline, or its sleep ran out): nothing runs in it, it only needs deleting. */
export function keptPodEnded(p: PodLike): boolean {
  return p.metadata?.labels?.[KEEP_LABEL] === 'true' && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
}

/**
 * Reads a keep window in seconds from a flag or environment value: a whole number 0..MAX_KEEP_S (0 = delete the
 * node debug pods when the diagnosis ends, the default). Returns the number or the sentence naming the fix.
 */
export function parseKeepSeconds(text: string, name: string): number | string {
  if (!/^\d{1,4}$/.test(text.trim()) || Number(text) > MAX_KEEP_S) {
    return `${name} "${text}" is not a number of seconds from 0 to ${MAX_KEEP_S}: give e.g. 120 to keep the node debug pods for two minutes, 0 to delete them when the diagnosis ends`;
  }
  return Number(text);
}
