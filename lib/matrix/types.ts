// The connectivity matrix's vocabulary (DESIGN §7): sources × targets, each cell predicted by the
// NetworkPolicy evaluator (lib/kube/networkPolicy.ts) and observed by one real connect. Shared by the
// engine (server/matrix), the CLI, the page and the wall tile.
import type { Depth } from '../model';

// Each literal union below is written once, as a const array; the type and the stored-row schema
// (lib/schema/matrix.ts) both derive from it.
export const PREDICTIONS = ['allow', 'deny'] as const;
// refused: the connect drew a TCP RST ("Connection refused", ECONNREFUSED; for UDP an ICMP port-unreachable, which
// the kernel reports the same way). unreachable: it drew an ICMP error or found no way out ("No route to host",
// EHOSTUNREACH: host-unreachable/admin-prohibited, e.g. a REJECT --reject-with icmp-host-prohibited, or no neighbour;
// "Network is unreachable", ENETUNREACH; EINVAL from a blackhole route; EPERM/EACCES from a firewall in the source's
// own netns). They are different observations: one reached a host that answered, the other did not get there.
export const OBSERVATIONS = ['open', 'refused', 'unreachable', 'timeout'] as const;
export const CHANGES = ['cut', 'opened'] as const;
export const TARGET_KINDS = ['svc', 'pod'] as const;
export const MATRIX_STATUSES = ['running', 'done'] as const;

/** What the objects predict for a flow. */
export type Predicted = (typeof PREDICTIONS)[number];
/** What one connect from the source's netns saw; null when it could not run. */
export type Observed = (typeof OBSERVATIONS)[number] | null;
/** A what-if's effect on a cell: a flow the objects allow today and would deny (cut), or the reverse. */
export type Change = (typeof CHANGES)[number] | null;

/** A workload the sources are grouped by: Deployment/StatefulSet/DaemonSet via ownerReferences, else the pod. */
export interface MatrixGroup {
  /** "ns/Kind/name", e.g. "shop/Deployment/web", or "shop/Pod/frontend-0" for a bare pod */
  id: string;
  namespace: string;
  kind: string;
  name: string;
  /** every pod of the group ("ns/pod"), sorted */
  pods: string[];
  /** the pods that are sources (and targets) of the matrix: one unless all pods were asked for */
  probed: string[];
}

export interface MatrixTarget {
  /** "svc:ns/name:port" or "pod:ns/name:port" */
  id: string;
  kind: (typeof TARGET_KINDS)[number];
  namespace: string;
  name: string;
  port: number;
  protocol: string;
  /** what the connect dials: the Service's ClusterIP or the pod's IP */
  ip: string;
  /** the workload group of a pod target */
  group?: string;
  /** what a walk would be asked for (`packetwalk diagnose --to …`): "name.ns:port" or "pod:ns/name:port" */
  walkTo: string;
  /**
   * A Service target's ready endpoints (EndpointSlices, at most MAX_ENDPOINT_CONNECTS): each is also dialled
   * directly, so a cell says the same whichever endpoint kube-proxy picks for the Service connect.
   */
  endpoints?: { ip: string; port: number; pod?: string }[];
}

/** A Service cell dials at most this many of its ready endpoints directly (the rest are named in a note). */
export const MAX_ENDPOINT_CONNECTS = 8;

export interface MatrixCell {
  /** "ns/pod" */
  from: string;
  /** a target id */
  to: string;
  predicted: Predicted;
  /** the NetworkPolicies ("ns/name") that decide the prediction: the denying ones, or those whose rules admit it */
  policies: string[];
  /** one sentence: why the prediction is what it is */
  reason: string;
  /**
   * the prediction cannot be sure: a Service whose endpoints disagree, or a pod reaching itself through its Service
   * under isolation. In a what-if (predictedAfter set) only the latter, today or after (lib/matrix/self.ts
   * whatIfJudgement): the cell is not judged, its change null; an endpoint disagreement is a sure config prediction there.
   */
  split?: boolean;
  observed: Observed;
  /** predicted allow ⇔ observed open; null when nothing was observed or the prediction is split across backends */
  agree: boolean | null;
  /** for a disagreement: "predicted deny by shop/deny-all, observed open: policy not enforced" */
  explain?: string;
  /** what the probe said (nc's line, or why it did not run) */
  detail?: string;
  /** a Service cell's direct connect to each ready endpoint ("ip:port" → what it saw), beside the Service connect */
  endpoints?: { endpoint: string; pod?: string; observed: Observed }[];
  /**
   * a Service cell half working: of its endpoints dialled directly, some opened and some did not (`observed` is the
   * failure the others met). Marked apart (!PT) and counted apart (MatrixSummary.partial), so it does not look dead.
   */
  partial?: boolean;
  predictedAfter?: Predicted;
  change?: Change;
}

export interface Matrix {
  id?: string;
  createdAt?: string;
  context?: string;
  namespaces: string[];
  /** probed source pods, "ns/pod", in row order (grouped by workload) */
  sources: string[];
  targets: MatrixTarget[];
  cells: MatrixCell[];
  /** live: cells observed; config: predicted only (a what-if, or no rights to exec) */
  depth: Depth;
  groups: MatrixGroup[];
  /** true when every pod was probed (`--all-pods`) */
  allPods: boolean;
  /** what was left out or collapsed, in sentences (e.g. "shop/Deployment/web: 3 pods, probed shop/web-1") */
  notes: string[];
  /** the what-if's policies ("ns/name"), when one was given */
  withPolicy?: string[];
  /** running | done */
  status?: (typeof MATRIX_STATUSES)[number];
}

/** Short summary for exit codes and headers. */
export interface MatrixSummary {
  cells: number;
  observed: number;
  /** the observed cells by what they saw (OBSERVATIONS): a reset (refused) and an ICMP error (unreachable) apart; a partial cell only under `partial` */
  open: number;
  refused: number;
  unreachable: number;
  timeout: number;
  /** observed cells where some of a Service's endpoints answered and some did not (MatrixCell.partial): counted here, not under their observed kind */
  partial: number;
  agree: number;
  disagree: number;
  /** cells that cannot be judged (isUnjudged): said, never in the exit code */
  unjudged: number;
  cut: number;
  opened: number;
}
