// The vocabulary of a diagnosis (DESIGN §4). Shared by the engine, the server, the CLI and the browser.
import type { CauseCode, WarningCause } from './causes';

export const HOP_IDS = ['client', 'src-pod', 'dns', 'service', 'lb', 'src-veth', 'src-node', 'node-port', 'overlay', 'dst-node', 'dst-veth', 'dst-pod', 'egress', 'external'] as const;
export type HopId = (typeof HOP_IDS)[number];

export type HopKind = 'pod' | 'dns' | 'service' | 'veth' | 'node' | 'overlay' | 'client' | 'lb' | 'egress' | 'external';

export const HOP_STATUSES = ['pending', 'running', 'pass', 'warn', 'fail', 'skip'] as const;
export type HopStatus = (typeof HOP_STATUSES)[number];

export const VERDICTS = ['running', 'reachable', 'unreachable', 'degraded', 'undetermined', 'interrupted'] as const;
export type Verdict = (typeof VERDICTS)[number];

export type Depth = 'live' | 'config';

/** Where a probe ran: a pod's netns (through a debug container) or a node's (through a node debug pod). */
/** 'outside': the machine packetwalk runs on (in the lab: the lab's outside client netns), server/diagnose/outside.ts. */
export type ProbeWhere = 'pod' | 'node' | 'outside';

export interface Evidence {
  probe: string; // id from the probe registry (lib/probes.ts), e.g. 'route-get'
  where: string; // human: 'pod shop/frontend-1' | 'node worker-2' | 'api' (objects read from the API)
  command: string[]; // argv as run; [] for evidence read from API objects
  reproduce: string; // a line a user can paste
  exitCode: number | null; // null: did not finish (timeout) or not a process
  stdout: string;
  stderr: string;
  durationMs: number;
  truncated?: boolean;
  timedOut?: boolean;
  /** the runner ended it on purpose once it had served (a capture stopped as soon as the trace's connect ended) */
  stopped?: boolean;
  finding: string; // one sentence: what this output shows
}

export interface Hop {
  id: HopId;
  kind: HopKind;
  label: string;
  node?: string; // Kubernetes node the hop sits on (groups the graph)
  status: HopStatus;
  cause: CauseCode | WarningCause | null;
  summary: string;
  /** What the API objects predict for this hop, beside what the probes saw (disagreement is a finding). */
  expected?: string;
  observed?: string;
  nextStep?: string;
  evidence: Evidence[];
  /** Free-form facts for the UI (e.g. service VIP → endpoints, overlay mode). */
  details?: Record<string, string | number | boolean | string[]>;
}

export interface Finding {
  hop: HopId;
  cause: CauseCode | WarningCause;
  reason: string;
  nextStep?: string;
}

export interface DiagnosisSpec {
  from: string; // NS/POD
  to: string; // TARGET as typed
  context?: string;
}

export interface Diagnosis {
  id: string;
  createdAt: string; // ISO
  finishedAt?: string;
  cluster: string; // context name ('lab' for the lab)
  spec: DiagnosisSpec;
  verdict: Verdict;
  depth: Depth;
  hops: Hop[];
  firstFailure: Finding | null;
  warnings: Finding[];
  /** One sentence for the banner. */
  summary?: string;
  /** The diagnosis this one re-ran ("Run again"). */
  previousId?: string;
  /** The packet's own walk (DESIGN §4 `trace`): live depth only. */
  trace?: Trace;
  /** Every read the API server refused, one sentence each (the summary names the first four): what the objects could not show. */
  notRead?: string[];
}

/** One capture point of the trace: where tcpdump listened and what it saw of the flow. */
export interface TracePoint {
  hop: HopId;
  node?: string;
  /** the interface as the probes named it (eth0, the host veth, cni0, flannel.1, the underlay) */
  iface: string;
  /** human: 'pod shop/frontend-1 eth0' | 'worker-2 flannel.1' */
  label: string;
  /** outer: the capture matched the flow inside the tunnel header on the underlay */
  encapsulated?: boolean;
  /** the flow's first packet was captured here; null: the capture could not run (see summary) */
  seen: boolean | null;
  /** an answer (SYN-ACK, RST, ICMP error, UDP reply) was captured here */
  replySeen?: boolean;
  /** what came back, in order of first appearance ("SYN-ACK", "RST", "ICMP port unreachable", "UDP reply") */
  replyKinds?: string[];
  /** the flow's own end sent a RST here (it reset the connection) */
  resetSent?: boolean;
  /** packets of the flow captured here, both directions */
  packets: number;
  /** e.g. "SYN ×3, no SYN-ACK" */
  summary: string;
  /** tcpdump's own lines for the flow's packets (at most a few dozen) */
  lines: string[];
  /** the BPF filter and the full evidence (tcpdump argv, reproduce line, output) */
  filter: string;
  evidence: Evidence;
}

export interface Trace {
  /** "10.244.1.5:41234 > 10.96.0.50:80/tcp" */
  flow: string;
  proto: 'tcp' | 'udp';
  points: TracePoint[];
  /** the last point (in path order) where the flow's first packet was captured; null: nowhere */
  lastSeen: { hop: HopId; iface: string; node?: string; summary: string } | null;
  /** the address the packet was really sent to after NAT ("10.244.2.5:8080"), read from the capture */
  sentTo?: string;
  /**
   * Where else on the path's nodes the flow was captured, off the planned points, each "node interface (what it
   * saw)": the veth of the endpoint kube-proxy picked when it is not the drawn one (lib/verdict/trace.ts otherInterfaces)
   */
  elsewhere?: string[];
  /** one sentence: where the packet went and where it stopped */
  summary: string;
  /** the flow's conntrack entries per node (the NAT really applied) */
  conntrack?: { node: string; entries: string[]; evidence: Evidence }[];
  /** the end-to-end connect from the trace's own source port */
  connect?: Evidence;
  /** UDP conntrack entries toward the Service that NAT flows to an address that is no longer an endpoint (cause conntrack-stale) */
  stale?: { node: string; flow: string; target: string; reason: string; evidence: Evidence }[];
  /** capture points that could not be placed, and why (a probe's output missing) */
  missing?: string[];
}

export function isFinished(v: Verdict): boolean {
  return v !== 'running';
}
