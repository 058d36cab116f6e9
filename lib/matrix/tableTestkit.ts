// Test helper: reads renderMatrixTable's grid back by the header's column boundaries (where each "T<n>" label
// starts), so a test sees what a person sees when a row's cells do not sit under their labels. Pure.

export interface TableGrid {
  /** the header, the rule and the rows, as printed */
  lines: string[];
  /** where each column's label starts in the header (the cell under it starts there too) */
  starts: number[];
  /** per source row: the text under each column, from its start to the next column's start (trailing spaces kept) */
  rows: Map<string, string[]>;
}

/** The grid of a rendered table: from the "source |" header to the first blank line after it. */
export function tableGrid(table: string): TableGrid {
  const all = table.split('\n');
  const h = all.findIndex((l) => /^source +\|/.test(l));
  if (h < 0) throw new Error('no "source |" header in the table');
  const end = all.indexOf('', h);
  const lines = all.slice(h, end < 0 ? undefined : end);
  const header = lines[0];
  const starts = [...header.matchAll(/T\d+/g)].map((x) => x.index);
  const rows = new Map<string, string[]>();
  for (const l of lines.slice(2)) {
    const bar = l.indexOf(' |');
    rows.set(l.slice(0, bar).trimEnd(), starts.map((s, i) => l.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined)));
  }
  return { lines, starts, rows };
}

/** The mark of one grid cell (its first 3 characters, trimmed) and whether it carries the self '*'. */
export function cellAt(grid: TableGrid, source: string, col: number): { mark: string; self: boolean } {
  const text = grid.rows.get(source)?.[col] ?? '';
  return { mark: text.slice(0, 3).trim(), self: text[3] === '*' };
}
