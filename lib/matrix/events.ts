// The matrix's socket events (lib/events.ts lists them in ServerToClientEvents) and the one fold that the
// server's store, the page and the wall tile all use, so they hold the same grid.
import type { Matrix, MatrixCell } from './types';

/** The whole grid as predicted, before any connect (a re-run of a pinned matrix sends it again). */
export interface MatrixPlanEvent {
  id: string;
  matrix: Matrix;
}
/** One observed cell; seq increases per run so a late joiner can drop what its snapshot already has. */
export interface MatrixCellEvent {
  id: string;
  seq: number;
  cell: MatrixCell;
}
export interface MatrixDoneEvent {
  id: string;
  matrix: Matrix;
  /** DESIGN §7 exit code of the run: 0 all agree, 1 otherwise, 3 nothing observed */
  exitCode: number;
  /** why the run stopped early (a cluster error), when it did */
  error?: string;
}

export type MatrixEvent =
  | { type: 'matrix:plan'; payload: MatrixPlanEvent }
  | { type: 'matrix:cell'; payload: MatrixCellEvent }
  | { type: 'matrix:done'; payload: MatrixDoneEvent };

/** Folds one event into the matrix a viewer holds (cells replaced by from+to). */
export function applyMatrixEvent(state: Matrix | null, ev: MatrixEvent): Matrix | null {
  switch (ev.type) {
    case 'matrix:plan':
      return { ...ev.payload.matrix, status: 'running' };
    case 'matrix:cell': {
      if (!state || state.id !== ev.payload.id) return state;
      const c = ev.payload.cell;
      return { ...state, cells: state.cells.map((x) => (x.from === c.from && x.to === c.to ? c : x)) };
    }
    case 'matrix:done':
      if (state && state.id !== ev.payload.id) return state;
      return { ...ev.payload.matrix, status: 'done' };
  }
}
