// The connectivity matrix page (DESIGN §7) against the e2e lab, in Chromium. Handles: each cell
// [data-from] [data-to] [data-observed] [data-agree] [data-state]. A dataplane fault below policy (node-firewall-drop on
// worker-2, port 8080) makes cells the policies allow time out, so the grid shows disagreements (the Service backend,
// answering through backend-1 only, a partial one: the CLI's !PT); a click on
// one opens the walk of that pair; a what-if upload marks the cells it would cut; pinned to the wall, the
// tile flips back when the fault is cleared.
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { BASE, ROOT } from './env';
import { lab } from './lab';

const SHOT = join(ROOT, 'docs', 'screenshots', 'matrix.png');
const CROSS = '[data-testid="matrix-cell"][data-from="shop/frontend-0"][data-to="pod:shop/backend-0:8080"]';
const HALF = '[data-testid="matrix-cell"][data-from="shop/frontend-0"][data-to="svc:shop/backend:80"]';

test('matrix: the grid fills live, a disagreement is explained on hover, a click opens the walk, the wall tile flips', async ({ page }) => {
  const add = lab(['fault', 'add', 'node-firewall-drop:node=worker-2,port=8080']);
  expect(add.code, add.stderr).toBe(0);
  let matrixId = '';
  try {
    await page.goto('/matrix');
    for (const ns of ['shop', 'db']) await page.getByTestId('matrix-namespaces').getByText(ns, { exact: true }).click();
    await page.getByTestId('matrix-run').click();
    await page.waitForURL(/\/matrix\?id=m-[a-z0-9]+$/);
    matrixId = new URL(page.url()).searchParams.get('id') ?? '';

    // the grid is there at once (planned), then fills: every cell ends observed
    const cells = page.getByTestId('matrix-cell');
    await expect(cells.first()).toBeVisible();
    await expect(page.getByTestId('matrix')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    const n = await cells.count();
    expect(n).toBeGreaterThanOrEqual(12);
    await expect(page.locator('[data-testid="matrix-cell"][data-observed="pending"]')).toHaveCount(0);
    // each source is named once down the side (a bare pod's group heading is not its own name again)
    const side = (await page.getByTestId('matrix-grid').locator('tbody').innerText()).toLowerCase();
    for (const src of ['db/postgres-0', 'shop/backend-0', 'shop/backend-1', 'shop/frontend-0']) expect([src, side.split(src).length - 1]).toEqual([src, 1]);
    // a pod through its own Service (storefront selects frontend-0) is marked self (hairpin), not an ordinary open
    // cell, and the row's "N of M open" leaves it (and the pod's own port) out
    const hairpin = page.locator('[data-testid="matrix-cell"][data-from="shop/frontend-0"][data-to="svc:shop/storefront:80"]');
    await expect(hairpin).toHaveAttribute('data-self', 'hairpin');
    await expect(hairpin).toContainText('self');
    await expect(page.locator('[data-testid="matrix-cell"][data-from="shop/frontend-0"][data-to="svc:shop/backend:80"]')).toHaveAttribute('data-self', '');
    const row = page.locator('[data-testid="matrix-row"][data-source="shop/frontend-0"] [data-testid="matrix-row-count"]');
    await expect(row).toHaveAttribute('data-self-cells', '2');
    await expect(row).toHaveAttribute('data-of', String(n / 4 - 2));
    await expect(page.getByTestId('matrix-count-head')).toContainText('self not counted');
    await hairpin.hover();
    await expect(page.getByTestId('matrix-explain-self')).toContainText('self (hairpin): shop/frontend-0 backs this Service itself');
    // cells predicted allow and open agree; the ones the policy denies are blocked and agree too
    await expect(page.locator('[data-testid="matrix-cell"][data-from="shop/frontend-0"][data-to="pod:shop/frontend-0:8080"]')).toHaveAttribute('data-agree', 'true');
    await expect(page.locator('[data-testid="matrix-cell"][data-from="shop/frontend-0"][data-to="pod:db/postgres-0:5432"]')).toHaveAttribute('data-observed', /^(timeout|refused)$/);

    // the fault makes frontend-0 → backend-0:8080 time out although policy allows it: a disagreement
    const bad = page.locator(CROSS);
    await expect(bad).toHaveAttribute('data-agree', 'false');
    await expect(bad).toHaveAttribute('data-observed', 'timeout');
    await expect(bad).toHaveAttribute('data-state', 'disagree');
    // the Service backend answers through backend-1 (worker-1) and not through backend-0 (worker-2, the fault): a
    // partial cell, the CLI's !PT, not a dead Service — its own state, the mark as text, the endpoints in its title
    const half = page.locator(HALF);
    await expect(half).toHaveAttribute('data-state', 'partial');
    await expect(half).toHaveAttribute('data-agree', 'false');
    await expect(half).toHaveText('!PT');
    await expect(half).toHaveAttribute('aria-label', /: partial: some of a Service's endpoints answer, some not$/);
    await expect(half).toHaveAttribute('title', /partial: 1 of 2 endpoints does not answer: [\d.]+:8080 \(shop\/backend-0\) timeout; answering: [\d.]+:8080 \(shop\/backend-1\)/);
    // from postgres-0 (on worker-2 itself) every connect to 8080 is dropped: dead, not partial
    await expect(page.locator('[data-testid="matrix-cell"][data-from="db/postgres-0"][data-to="svc:shop/backend:80"]')).toHaveAttribute('data-state', 'disagree');
    // counted in the CLI's words (frontend-0, backend-0 and backend-1 → backend), listed in the legend, named on hover
    await expect(page.getByTestId('matrix-summary-partial')).toHaveAttribute('data-partial', '3');
    await expect(page.getByTestId('matrix-summary-partial')).toContainText('of which 3 partial (some endpoints answer, some not)');
    await expect(page.locator('[data-testid="matrix-row"][data-source="shop/frontend-0"] [data-testid="matrix-row-count"]')).toHaveAttribute('data-partial', '1');
    await expect(page.getByTestId('matrix-legend-partial')).toHaveText('!PT');
    await half.hover();
    await expect(page.getByTestId('matrix-explain-partial')).toContainText('(shop/backend-0) timeout; answering: ');
    // what-if: db/only-backend without its rule cuts exactly backend → postgres, predicted only
    const closed = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-backend, namespace: db}\nspec:\n  podSelector: {matchLabels: {app: postgres}}\n  policyTypes: [Ingress]\n  ingress: []\n';
    await page.getByTestId('matrix-whatif').setInputFiles({ name: 'close-db.yaml', mimeType: 'application/yaml', buffer: Buffer.from(closed) });
    await expect(page.getByTestId('matrix-whatif-summary')).toContainText('4 cut');
    const cut = await page.locator('[data-testid="matrix-cell"][data-change="cut"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}→${e.getAttribute('data-to')}`).sort());
    expect(cut).toEqual(['shop/backend-0→pod:db/postgres-0:5432', 'shop/backend-0→svc:db/postgres:5432', 'shop/backend-1→pod:db/postgres-0:5432', 'shop/backend-1→svc:db/postgres:5432']);

    await bad.hover();
    await expect(page.getByTestId('matrix-explain')).toContainText('predicted allow, observed timeout: the path is broken below policy');
    await page.screenshot({ path: SHOT, fullPage: true });

    // /matrix opened again (no id) shows this browser's last run, not an empty form
    const runId = await page.getByTestId('matrix').getAttribute('data-id');
    await page.goto('/matrix');
    await expect(page).toHaveURL(new RegExp(`/matrix\\?id=${runId}$`));
    await expect(page.getByTestId('matrix')).toHaveAttribute('data-status', 'done');

    // pin to the wall: the tile shows the disagreement
    await page.getByTestId('matrix-pin').click();
    await expect(page.getByTestId('matrix-pin')).toHaveText('Unpin from wall');

    // a click on the cell starts the walk for that pair
    await bad.click();
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]+\?matrix=/);
    const walkId = new URL(page.url()).pathname.split('/d/')[1];
    const d = (await (await fetch(`${BASE}/api/diagnoses/${walkId}`)).json()) as { spec: { from: string; to: string } };
    expect(d.spec).toMatchObject({ from: 'shop/frontend-0', to: 'pod:shop/backend-0:8080' });
    await expect(page.locator('[data-verdict]').first()).not.toHaveAttribute('data-verdict', 'running', { timeout: 45_000 });
    await expect(page.locator('[data-verdict]').first()).toHaveAttribute('data-verdict', 'unreachable');
    // and links back to the matrix it came from
    await page.getByTestId('back-to-matrix').click();
    await expect(page).toHaveURL(new RegExp(`/matrix\\?id=${runId}$`));
    await expect(page.getByTestId('matrix')).toHaveAttribute('data-status', 'done');

    await page.goto('/wall');
    const tile = page.locator(`[data-testid="wall-matrix-tile"][data-matrix-id="${matrixId}"]`);
    await expect(tile).toBeVisible();
    await expect(tile.locator('[data-from="shop/frontend-0"][data-to="pod:shop/backend-0:8080"]')).toHaveAttribute('data-state', 'disagree');
    // the half-working Service is partial on the wall too, and the tile counts it
    await expect(tile.locator('[data-from="shop/frontend-0"][data-to="svc:shop/backend:80"]')).toHaveAttribute('data-state', 'partial');
    await expect(tile.getByTestId('wall-matrix-partial')).toHaveText('of which 3 partial');
    await expect(tile.getByTestId('wall-matrix-partial')).toHaveAttribute('title', 'of which 3 partial (some endpoints answer, some not)');
    // a source reaching its own IP is marked as a self cell on the wall too, and another pair is not
    await expect(tile.locator('[data-from="shop/backend-0"][data-to="pod:shop/backend-0:8080"]')).toHaveAttribute('data-self', 'own-ip');
    await expect(tile.locator('[data-from="shop/frontend-0"][data-to="pod:shop/backend-0:8080"]')).toHaveAttribute('data-self', '');
    await tile.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'wall-matrix-tile.png') });
    lab(['fault', 'clear']);
    // healed: the server's re-probe flips the tile's cell live, without a reload
    await expect(tile.locator('[data-from="shop/frontend-0"][data-to="pod:shop/backend-0:8080"]')).toHaveAttribute('data-state', 'open', { timeout: 45_000 });
    await expect(tile.locator('[data-from="shop/frontend-0"][data-to="svc:shop/backend:80"]')).toHaveAttribute('data-state', 'open', { timeout: 45_000 });
    await expect(tile.getByTestId('wall-matrix-partial')).toHaveCount(0);
  } finally {
    lab(['fault', 'clear']);
    // unpinned whatever happened, so the server stops re-probing it for the specs after this one
    if (matrixId) await fetch(`${BASE}/api/matrix/${matrixId}/pin`, { method: 'DELETE' }).catch(() => undefined);
  }
});
