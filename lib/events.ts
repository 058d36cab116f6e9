// Socket.io events (DESIGN §4), typed once for the server and the browser.
import type { Diagnosis, Finding, Hop, HopId, Verdict, Depth, Trace } from './model';
import type { Matrix } from './matrix/types';
import type { MatrixPlanEvent, MatrixCellEvent, MatrixDoneEvent } from './matrix/events';

export interface PlanEvent {
  id: string;
  diagnosis: Diagnosis; // hops all pending
}
export interface HopUpdateEvent {
  id: string;
  seq: number; // increasing per diagnosis, so a client can drop what it already has after catching up
  hop: Hop;
}
export interface DoneEvent {
  id: string;
  verdict: Verdict;
  depth: Depth;
  firstFailure: Finding | null;
  warnings: Finding[];
  summary?: string;
  finishedAt?: string;
  /** the packet's own walk (Diagnosis.trace), when it was captured */
  trace?: Trace;
}
export interface WallEvent {
  pins: unknown[]; // shape owned by the wallboard (lib/wall.ts)
}

export interface ServerToClientEvents {
  'diagnosis:plan': (e: PlanEvent) => void;
  'hop:update': (e: HopUpdateEvent) => void;
  'diagnosis:done': (e: DoneEvent) => void;
  'wall:update': (e: WallEvent) => void;
  'matrix:plan': (e: MatrixPlanEvent) => void;
  'matrix:cell': (e: MatrixCellEvent) => void;
  'matrix:done': (e: MatrixDoneEvent) => void;
}

export interface ClientToServerEvents {
  'diagnosis:join': (id: string, ack?: (d: Diagnosis | null) => void) => void;
  'wall:join': () => void;
  'matrix:join': (id: string, ack?: (m: Matrix | null) => void) => void;
}

export type DiagnosisEvent =
  | { type: 'diagnosis:plan'; payload: PlanEvent }
  | { type: 'hop:update'; payload: HopUpdateEvent }
  | { type: 'diagnosis:done'; payload: DoneEvent };

/** Folds one event into the diagnosis a viewer holds. Pure, so the store, the server and the browser agree. */
export function applyEvent(state: Diagnosis | null, ev: DiagnosisEvent): Diagnosis | null {
  switch (ev.type) {
    case 'diagnosis:plan':
      return ev.payload.diagnosis;
    case 'hop:update': {
      if (!state || state.id !== ev.payload.id) return state;
      const hop: Hop = ev.payload.hop;
      const hops = state.hops.some((h) => h.id === hop.id)
        ? state.hops.map((h) => (h.id === hop.id ? hop : h))
        : [...state.hops, hop];
      return { ...state, hops };
    }
    case 'diagnosis:done': {
      if (!state || state.id !== ev.payload.id) return state;
      const { verdict, depth, firstFailure, warnings, summary, finishedAt, trace } = ev.payload;
      return { ...state, verdict, depth, firstFailure, warnings, summary, finishedAt, ...(trace ? { trace } : {}) };
    }
  }
}

export type { HopId };
