'use client';
// Which hop is selected, shared with the graph's nodes without putting callbacks in node data (STYLE.md).
import { createContext, useContext } from 'react';
import type { HopId } from '../lib/model';

export interface GraphView {
  selected: HopId | null;
  select(id: HopId): void;
  changed: ReadonlySet<HopId>;
}

export const GraphViewContext = createContext<GraphView>({ selected: null, select: () => undefined, changed: new Set() });
export const useGraphView = () => useContext(GraphViewContext);
