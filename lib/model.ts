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
}

export function isFinished(v: Verdict): boolean {
  return v !== 'running';
}
