// The terminal table's grid (renderMatrixTable): every cell of a column has the same width in every row, plain and
// what-if alike, so each mark sits under its column's label. Read from the matrices recorded on the lab
// (fixtures/*.json: `packetwalk matrix --json`, the command in each header) and from every mark a cell can have.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cellMark, MARK_WIDTH, renderMatrixTable, type Matrix, type MatrixCell } from './index';
import { selfKind } from './self';
import { tableGrid } from './tableTestkit';

const fixture = (name: string): Matrix => (JSON.parse(readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8')) as { matrix: Matrix }).matrix;
const live = fixture('shop-db.live.json');
const whatIf = fixture('shop-db.whatif-deny-ingress.json');

// one cell of every look the table has: not observed, observed as predicted, not judged, disagreeing, cut, opened
const LOOKS: Partial<MatrixCell>[] = [
  { observed: null, agree: null, predicted: 'allow' },
  { observed: null, agree: null, predicted: 'deny' },
  { observed: 'open', agree: true },
  { observed: 'timeout', agree: true, predicted: 'deny' },
  { observed: 'open', agree: null, split: true },
  { observed: 'timeout', agree: null, split: true },
  { observed: 'open', agree: false, predicted: 'deny' },
  { observed: 'refused', agree: false },
  { observed: 'timeout', agree: false },
  { observed: 'timeout', agree: false, partial: true },
  { observed: null, agree: null, change: 'cut', predictedAfter: 'deny' },
  { observed: null, agree: null, change: 'opened', predictedAfter: 'allow', predicted: 'deny' },
  { observed: null, agree: null, change: null, predictedAfter: 'deny', split: true },
];

/** The live fixture with its cells cycled through every look, so each look lands on self and other cells alike. */
function everyLook(m: Matrix, withPolicy: boolean): Matrix {
  const cells = m.cells.map((c, i) => ({ ...c, ...LOOKS[i % LOOKS.length] }));
  return { ...m, cells, ...(withPolicy ? { withPolicy: ['shop/x'], depth: 'config' as const } : {}) };
}

/** Every grid line is as wide as the header, each column's cells start where its label starts, each holds one mark. */
function expectAligned(m: Matrix): void {
  const table = renderMatrixTable(m);
  const grid = tableGrid(table);
  expect(grid.starts).toHaveLength(m.targets.length);
  for (const l of grid.lines) expect(l.length, l).toBe(grid.lines[0].length);
  const bar = grid.lines[0].indexOf('|');
  expect(grid.lines[1][bar]).toBe('+');
  const targets = new Map(m.targets.map((t) => [t.id, t] as const));
  for (const src of m.sources) {
    const row = grid.lines.find((l) => l.startsWith(`${src} `))!;
    expect(row.indexOf('|'), row).toBe(bar);
    grid.starts.forEach((s, col) => {
      expect(row[s - 1], `${row}\ncolumn T${col + 1} must follow a space`).toBe(' ');
      const text = grid.rows.get(src)![col];
      const c = m.cells.find((x) => x.from === src && x.to === m.targets[col].id)!;
      const self = selfKind(src, targets.get(c.to)!) !== null;
      // the mark, then the self slot, then only padding
      expect(text, `${row}\ncolumn T${col + 1}`).toMatch(new RegExp(`^${cellMark(c).replace(/[+?*!~]/g, '\\$&')}${self ? '\\*' : ' '} *$`));
    });
  }
}

describe('renderMatrixTable: one width per column', () => {
  it('every mark is MARK_WIDTH characters', () => {
    for (const look of LOOKS) expect(cellMark({ ...live.cells[0], ...look })).toHaveLength(MARK_WIDTH);
  });

  it('the recorded plain matrix (shop, db) lines up', () => {
    expect(live.withPolicy).toBeUndefined();
    expectAligned(live);
  });

  it('the recorded what-if (a default-deny ingress policy in shop) lines up, self cells and cut cells alike', () => {
    expect(whatIf.withPolicy).toEqual(['shop/default-deny-ingress']);
    expectAligned(whatIf);
    const text = renderMatrixTable(whatIf);
    expect(text).toContain('legend: + allowed, - denied (today and after), CUT allowed today and denied after');
    expect(text).toMatch(/\n {8}\* self: the source reaching itself/);
  });

  it('every look, on self cells and others, in the plain and the what-if table', () => {
    for (const wp of [false, true]) expectAligned(everyLook(live, wp));
  });

  it('two-digit column labels keep the width', () => {
    const many: Matrix = { ...live, targets: [...live.targets, ...live.targets.map((t) => ({ ...t, id: `${t.id}-b` }))] };
    many.cells = [...live.cells, ...live.cells.map((c) => ({ ...c, to: `${c.to}-b` }))];
    expect(many.targets.length).toBeGreaterThan(9);
    expectAligned(many);
    expectAligned(everyLook(many, true));
  });
});
