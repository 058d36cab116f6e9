// The partial mark (MatrixCell.partial: a Service whose endpoints split into answering and not), one test behind the
// CLI table's !PT, the page's and the wall's `partial` cell state and the summary's count: read from a matrix recorded
// on the lab (fixtures/shop-db.live-partial.json: the e2e lab with node-firewall-drop on worker-2 port 8080, so
// backend-0 on worker-2 answers no forwarded connect while backend-1 on worker-1 does; the command in its header).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cellMark, cellState, endpointSplit, isPartial, PARTIAL_MARK, PARTIAL_WORDS, partialCount, partialText, renderMatrixTable, summarize, type Matrix, type MatrixCell } from './index';
import { checkMatrix } from '../schema/matrix';
import { cellAt, tableGrid } from './tableTestkit';

const recorded = (JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/shop-db.live-partial.json', import.meta.url)), 'utf8')) as { matrix: unknown }).matrix;
const checked = checkMatrix(recorded);
if (!checked.ok) throw new Error(`fixture does not pass the stored-row schema: ${JSON.stringify(checked)}`);
const m: Matrix = checked.value as Matrix;
const at = (from: string, to: string): MatrixCell => {
  const c = m.cells.find((x) => x.from === from && x.to === to);
  if (!c) throw new Error(`no cell ${from} → ${to}`);
  return c;
};
const BACKEND = 'svc:shop/backend:80';

describe('partial cells, on a matrix recorded on the lab', () => {
  it('the Service with one endpoint behind the dropping node is partial from every source that reaches the other; a dead Service is not', () => {
    const half = at('shop/frontend-0', BACKEND);
    expect(half).toMatchObject({ observed: 'timeout', agree: false, partial: true });
    expect(isPartial(half)).toBe(true);
    expect(cellState(half, false)).toBe('partial');
    expect(cellMark(half)).toBe(PARTIAL_MARK);
    // postgres-0 sits on worker-2 itself: every connect it forwards to 8080 is dropped, the Service is dead from there
    const dead = at('db/postgres-0', BACKEND);
    expect(dead).toMatchObject({ observed: 'timeout', agree: false });
    expect(isPartial(dead)).toBe(false);
    expect(cellState(dead, false)).toBe('disagree');
    expect(cellMark(dead)).toBe('!TO');
    // a pod cell never is
    expect(cellState(at('shop/frontend-0', 'pod:shop/backend-0:8080'), false)).toBe('disagree');
    expect(m.cells.filter(isPartial).map((c) => c.from).sort()).toEqual(['shop/backend-0', 'shop/backend-1', 'shop/frontend-0']);
  });

  it('the hover names the endpoints that do not answer, and the ones that do, from the cell itself', () => {
    expect(partialText(at('shop/frontend-0', BACKEND))).toBe('partial: 1 of 2 endpoints does not answer: 10.244.2.2:8080 (shop/backend-0) timeout; answering: 10.244.1.4:8080 (shop/backend-1)');
    // backend-0 through its own Service: its own endpoint answers, the one across the dropping node does not
    expect(partialText(at('shop/backend-0', BACKEND))).toBe('partial: 1 of 2 endpoints does not answer: 10.244.1.4:8080 (shop/backend-1) timeout; answering: 10.244.2.2:8080 (shop/backend-0)');
    expect(partialText(at('db/postgres-0', BACKEND))).toBeUndefined();
    expect(partialText(at('shop/frontend-0', 'pod:shop/backend-0:8080'))).toBeUndefined();
    expect(endpointSplit(at('db/postgres-0', BACKEND))).toBeUndefined();
  });

  it('the summary counts them apart, and the CLI table says the same words as the page', () => {
    const s = summarize(m);
    expect(s).toMatchObject({ partial: 3, timeout: 13, open: 12, disagree: 13 });
    const table = renderMatrixTable(m);
    expect(table).toContain(`(12 open, 13 timeout, ${partialCount(3)})`);
    expect(table).toContain(`${PARTIAL_MARK} ${PARTIAL_WORDS}`);
    const grid = tableGrid(table);
    const col = m.targets.findIndex((t) => t.id === BACKEND);
    expect(cellAt(grid, 'shop/frontend-0', col).mark).toBe('!PT');
    expect(cellAt(grid, 'db/postgres-0', col).mark).toBe('!TO');
  });

  it('partial is a disagreement on some endpoints only: the flag on a cell that agrees, or one observed whole, is no mark', () => {
    const half = at('shop/frontend-0', BACKEND);
    // a UDP "open" endpoint is no proof: such a cell can carry the flag and still agree with a deny — no !PT, not counted
    const agreeing: MatrixCell = { ...half, predicted: 'deny', agree: true };
    expect(isPartial(agreeing)).toBe(false);
    expect(cellState(agreeing, false)).toBe('blocked');
    expect(cellMark(agreeing)).toBe(' x ');
    expect(partialText(agreeing)).toBeUndefined();
    expect(summarize({ ...m, cells: m.cells.map((c) => (c === half ? agreeing : c)) }).partial).toBe(2);
    // endpoints that no longer split (every one timed out) give no endpoint sentence it cannot back
    const whole: MatrixCell = { ...half, endpoints: half.endpoints!.map((e) => ({ ...e, observed: 'timeout' as const })) };
    expect(partialText(whole)).toBeUndefined();
  });
});
