// The dashboard against the real lab and the real engine, in Chromium. DESIGN §4 handles only:
// [data-hop-id] / [data-status] on graph hops, [data-verdict] / [data-cause] on the verdict banner.
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { CAUSES } from '../lib/causes';
import type { Diagnosis } from '../lib/model';
import { BASE, ROOT } from './env';
import { kubectl, lab, restartServer } from './lab';

const SHOTS = join(ROOT, 'docs', 'screenshots');
const CROSS_NODE = { from: 'shop/frontend-0', to: 'pod:shop/backend-0:8080' };
const DB = { from: 'shop/frontend-0', to: 'postgres.db:5432' };

async function hopStatuses(page: Page): Promise<Record<string, string>> {
  return page.locator('[data-testid="path-graph"] [data-hop-id]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-hop-id'), e.getAttribute('data-status')])));
}

async function finished(page: Page): Promise<string> {
  const banner = page.locator('[data-verdict]').first();
  await expect(banner).not.toHaveAttribute('data-verdict', 'running', { timeout: 45_000 });
  return (await banner.getAttribute('data-verdict')) ?? '';
}

async function apiDiagnosis(id: string): Promise<Diagnosis> {
  return (await (await fetch(`${BASE}/api/diagnoses/${id}`)).json()) as Diagnosis;
}

/** Fills the new-diagnosis form the way a user does and clicks Diagnose. */
async function diagnoseViaForm(page: Page, spec: { from: string; to: string }): Promise<string> {
  await page.goto('/');
  const [ns, pod] = spec.from.split('/');
  await expect(page.getByTestId('namespace').locator(`option[value="${ns}"]`)).toHaveCount(1);
  await page.getByTestId('namespace').selectOption(ns);
  await page.getByTestId('from').fill(pod);
  await page.getByTestId('to').fill(spec.to);
  await page.getByTestId('diagnose').click();
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/);
  return page.url().split('/d/')[1];
}

let healthyId = '';

test.describe.serial('packetwalk dashboard on the lab', () => {
  test('a healthy cross-node run turns every hop green', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('context')).toContainText('lab');
    await page.getByTestId('namespace').selectOption('shop');
    await page.getByTestId('from').fill('frontend-0');
    await page.getByTestId('to').fill(CROSS_NODE.to);
    healthyId = await diagnoseViaForm(page, CROSS_NODE);
    // the plan draws every hop at once
    await expect(page.locator('[data-testid="path-graph"] [data-hop-id="dst-pod"]')).toBeVisible();
    expect(await finished(page)).toBe('reachable');
    const st = await hopStatuses(page);
    expect(Object.keys(st)).toEqual(expect.arrayContaining(['src-pod', 'src-node', 'overlay', 'dst-node', 'dst-pod']));
    for (const [hop, s] of Object.entries(st)) expect([hop, s]).toEqual([hop, hop === 'dst-veth' && s === 'skip' ? 'skip' : 'pass']);
    await expect(page.locator('[data-verdict]')).toHaveAttribute('data-cause', '');
    // keyboard: focus a hop and press Enter to open its panel
    await page.locator('[data-testid="path-graph"] [data-hop-id="src-pod"]').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('hop-panel')).toHaveAttribute('data-panel-hop', 'src-pod');
    await expect(page.getByTestId('hop-panel').locator('[data-evidence]').first()).toBeVisible();
    // on a laptop screen the panel opens below the fold: the click brings it into sight, the graph still above it
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('[data-testid="path-graph"] [data-hop-id="src-pod"]').click(); // closes it
    await page.locator('[data-testid="path-graph"] [data-hop-id="dst-pod"]').click();
    await expect(page.getByTestId('hop-panel')).toHaveAttribute('data-panel-hop', 'dst-pod');
    await expect(page.getByTestId('hop-panel')).toBeInViewport();
    await expect(page.getByTestId('path-graph')).toBeInViewport();
  });

  test('a second browser context on the permalink mid-run sees the same live colouring', async ({ page, browser }) => {
    const id = await diagnoseViaForm(page, CROSS_NODE);
    const other = await browser.newContext();
    const p2 = await other.newPage();
    await p2.goto(`/d/${id}`);
    const sawRunning = await p2.locator('[data-verdict="running"]').count();
    await finished(page);
    await finished(p2);
    expect(await hopStatuses(p2)).toEqual(await hopStatuses(page));
    test.info().annotations.push({ type: 'mid-run', description: sawRunning ? 'second viewer joined while running' : 'run had finished when the second viewer joined' });
    await other.close();
  });

  test('mtu-blackhole: the red hop and the cause in the banner; hop panel shows the evidence', async ({ page }) => {
    const add = lab(['fault', 'add', 'mtu-blackhole:node=worker-2']);
    expect(add.code, add.stderr).toBe(0);
    try {
      const id = await diagnoseViaForm(page, CROSS_NODE);
      expect(await finished(page)).toBe('degraded');
      const banner = page.locator('[data-verdict]');
      await expect(banner).toHaveAttribute('data-cause', 'mtu-blackhole');
      await expect(banner).toContainText(CAUSES['mtu-blackhole'].title);
      // what still works, before the cause (the summary's lead): a degraded path is not an outage
      await expect(banner.getByTestId('verdict-lead')).toHaveText('Small connections work.');
      const d = await apiDiagnosis(id);
      const red = d.firstFailure!.hop;
      // the banner says what the failing hop observed and the command that shows it, as the CLI's report does
      await expect(banner.getByTestId('first-failure-evidence')).toContainText(/DF pings to 10\.244\.\d+\.\d+: up to \d+ bytes pass/);
      await expect(banner.getByTestId('first-failure-reproduce')).toContainText(/kubectl debug .* -- ping -n -M do /);
      await expect(banner.locator('code').first()).toBeVisible();
      await expect(page.locator(`[data-testid="path-graph"] [data-hop-id="${red}"]`)).toHaveAttribute('data-status', 'fail');
      await page.locator(`[data-testid="path-graph"] [data-hop-id="${red}"]`).click();
      await expect(page.getByTestId('hop-panel')).toBeVisible();
      await expect(page.getByTestId('hop-panel').getByTestId('reproduce').first()).toBeVisible();
      await page.screenshot({ path: join(SHOTS, 'failing-graph-hop-panel.png'), fullPage: false });
    } finally {
      lab(['fault', 'clear']);
    }
    // healed: "Run again" makes a new diagnosis linked to this one and says which hops changed
    const oldPath = new URL(page.url()).pathname;
    const red = (await apiDiagnosis(oldPath.split('/d/')[1])).firstFailure!.hop;
    await page.getByTestId('run-again').click();
    await page.waitForURL((u) => u.pathname.startsWith('/d/') && u.pathname !== oldPath);
    expect(await finished(page)).toBe('reachable');
    await expect(page.getByTestId('run-diff')).toContainText(`${red} fail → pass`);
  });

  test('NetworkPolicy deny: the red hop and policy-denied in the banner', async ({ page }) => {
    const id = await diagnoseViaForm(page, DB);
    expect(await finished(page)).toBe('unreachable');
    const banner = page.locator('[data-verdict]');
    await expect(banner).toHaveAttribute('data-cause', 'policy-denied');
    await expect(banner).toContainText(CAUSES['policy-denied'].title);
    const d = await apiDiagnosis(id);
    await expect(page.locator(`[data-testid="path-graph"] [data-hop-id="${d.firstFailure!.hop}"]`)).toHaveAttribute('data-status', 'fail');
  });

  test('the permalink renders from the store after a server restart', async ({ page }) => {
    expect(healthyId).not.toBe('');
    await restartServer();
    await page.goto(`/d/${healthyId}`);
    await expect(page.locator('[data-verdict]')).toHaveAttribute('data-verdict', 'reachable');
    await expect(page.locator('[data-testid="path-graph"] [data-hop-id="overlay"]')).toHaveAttribute('data-status', 'pass');
  });

  test('a permalink to no diagnosis answers 404 and the page says so', async ({ page }) => {
    const r = await page.goto('/d/nosuchdiag00');
    expect(r?.status()).toBe(404);
    await expect(page.getByTestId('not-found')).toContainText('Diagnosis nosuchdiag00 not found');
    await page.screenshot({ path: join(SHOTS, 'permalink-not-found.png') });
  });

  test('bad input gets an inline message: unknown pod, malformed target', async ({ page }) => {
    // a server render the browser disagrees with is a hydration error in the console (React #418/#423/#425)
    const hydration: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /hydrat|#41[89]|#42[35]/i.test(m.text())) hydration.push(m.text());
    });
    await page.goto('/');
    // a first visit offers the namespace where the workloads are (shop: the most pods), not the alphabet's first (db)
    await expect(page.getByTestId('namespace')).toHaveValue('shop');
    await page.getByTestId('namespace').selectOption('shop');
    // Diagnose on an empty form marks every field it needs, not just the first
    await page.getByTestId('diagnose').click();
    await expect(page.getByTestId('error-from')).toContainText('from: pick the source pod');
    await expect(page.getByTestId('error-to')).toContainText('to: type what the application dials');
    // the page as a user finds it mid-incident: recent diagnoses listed, a path typed in
    await expect(page.getByRole('region', { name: 'Recent diagnoses' }).locator('li').first()).toBeVisible();
    // each row says when it ran (relative, the UTC time on hover), and repeats of one pair with one outcome are one
    // row with a count (the healthy run and the second viewer's run above), so no two rows in a row look the same
    const recent = page.getByRole('region', { name: 'Recent diagnoses' }).getByTestId('recent-row');
    await expect(recent.first().getByTestId('recent-time')).toHaveText(/^(just now|\d+ s ago|\d+ min ago)$/);
    await expect(recent.first().getByTestId('recent-time')).toHaveAttribute('title', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const rows = await recent.evaluateAll((els) => els.map((e) => `${e.querySelector('.font-mono')?.textContent} ${e.getAttribute('data-verdict')} ×${e.getAttribute('data-count')}`));
    for (let i = 1; i < rows.length; i++) expect(rows[i]).not.toBe(rows[i - 1]);
    expect(await page.locator('[data-testid="recent-row"]:not([data-count="1"])').count()).toBeGreaterThan(0);
    expect(hydration, hydration.join('\n')).toEqual([]);
    await page.getByTestId('from').fill('frontend-0');
    await page.getByTestId('to').fill('backend.shop:80');
    await page.screenshot({ path: join(SHOTS, 'new-diagnosis.png') });
    await page.getByTestId('from').fill('no-such-pod');
    await page.getByTestId('to').fill('backend:80');
    await page.getByTestId('diagnose').click();
    await expect(page.getByTestId('error-from')).toContainText('not found');
    // a partial name is answered with the pods it could mean
    await page.getByTestId('from').fill('frontend');
    await page.getByTestId('diagnose').click();
    await expect(page.getByTestId('error-from')).toContainText('did you mean shop/frontend-0');
    // the right pod name with the wrong namespace selected: the namespace that has it
    await page.getByTestId('namespace').selectOption('db');
    await page.getByTestId('from').fill('frontend-0');
    await page.getByTestId('diagnose').click();
    await expect(page.getByTestId('error-from')).toContainText('pod db/frontend-0 not found in context lab; did you mean shop/frontend-0');
    await page.getByTestId('namespace').selectOption('shop');
    await page.getByTestId('from').fill('frontend-0');
    await page.getByTestId('to').fill('backend shop :: 80');
    await page.getByTestId('diagnose').click();
    await expect(page.getByTestId('error-to')).toContainText('is not a target');
    await expect(page).toHaveURL(`${BASE}/`);
  });

  test('a dropped socket reconnects and catches up without losing hop updates', async ({ page }) => {
    const r = await fetch(`${BASE}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CROSS_NODE) });
    expect(r.status).toBe(201);
    const { id } = (await r.json()) as { id: string };
    await page.goto(`/d/${id}`);
    await page.waitForFunction(() => !!(window as unknown as { __packetwalkSocket?: { connected: boolean } }).__packetwalkSocket?.connected);
    await page.evaluate(() => (window as unknown as { __packetwalkSocket: { io: { engine: { close(): void } } } }).__packetwalkSocket.io.engine.close());
    expect(await finished(page)).toBe('reachable');
    const stored = await apiDiagnosis(id);
    expect(await hopStatuses(page)).toEqual(Object.fromEntries(stored.hops.map((h) => [h.id, h.status])));
  });

  test('a wallboard tile flips green → red on a fault and back after fault clear', async ({ page }) => {
    test.setTimeout(120_000);
    // pin from the permalink page, as a user does
    await page.goto(`/d/${healthyId}`);
    await page.getByTestId('pin').click();
    await expect(page.getByRole('status')).toContainText('Pinned');
    await expect(page.getByTestId('pin')).toHaveText('Pinned ✓'); // the button says so too, and is done
    await expect(page.getByTestId('pin')).toBeDisabled();
    await fetch(`${BASE}/api/pins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/backend-0', to: 'postgres.db:5432' }) });
    await page.goto('/wall');
    const tile = page.locator('[data-testid="wall-tile"]').filter({ hasText: CROSS_NODE.to });
    await expect(tile).toHaveAttribute('data-verdict', 'reachable', { timeout: 30_000 });
    const add = lab(['fault', 'add', 'overlay-blocked:node=worker-2']);
    expect(add.code, add.stderr).toBe(0);
    try {
      await expect(tile).toHaveAttribute('data-verdict', 'unreachable', { timeout: 45_000 });
      await expect(tile.getByTestId('wall-change')).toContainText('overlay');
    } finally {
      lab(['fault', 'clear']);
    }
    await expect(tile).toHaveAttribute('data-verdict', 'reachable', { timeout: 45_000 });
  });

  test('a tile that turns red shows the object that changed since it was green (a NetworkPolicy)', async ({ page }) => {
    test.setTimeout(120_000);
    const spec = { from: 'shop/backend-1', to: 'pod:shop/backend-0:8080' };
    await fetch(`${BASE}/api/pins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    await page.goto('/wall');
    const tile = page.locator('[data-testid="wall-tile"]').filter({ hasText: `${spec.from} → ${spec.to}` });
    await expect(tile).toHaveAttribute('data-verdict', 'reachable', { timeout: 30_000 });
    const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e2e-deny-backend, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: backend}}\n  policyTypes: [Ingress]\n';
    expect(kubectl(['apply', '-f', '-'], policy).code).toBe(0);
    try {
      await expect(tile).toHaveAttribute('data-cause', 'policy-denied', { timeout: 45_000 });
      await expect(tile.getByTestId('wall-change')).toContainText('NetworkPolicy shop/e2e-deny-backend');
      await page.screenshot({ path: join(SHOTS, 'wallboard.png') });
      // the red tile links to a stored copy of the failing run
      const href = await tile.getByRole('link', { name: 'evidence' }).getAttribute('href');
      expect((await apiDiagnosis(href!.split('/d/')[1])).firstFailure?.cause).toBe('policy-denied');
    } finally {
      kubectl(['delete', 'networkpolicy', '-n', 'shop', 'e2e-deny-backend']);
    }
    await expect(tile).toHaveAttribute('data-verdict', 'reachable', { timeout: 45_000 });
  });
});
