// North-south in Chromium against the real lab (e2e/fixtures/lab.yaml: an outside world and the LoadBalancer
// shop/storefront 198.51.100.130:80 in front of frontend-0 on worker-1). The form's "Outside the cluster"
// source and its LoadBalancer suggestion start the run; the graph draws the outside group (client, load
// balancer), the entry node and the endpoint's node, each hop coloured by its status. DESIGN §4 handles only.
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import type { Diagnosis } from '../lib/model';
import { BASE, ROOT } from './env';

const SHOTS = join(ROOT, 'docs', 'screenshots');
const LB = '198.51.100.130:80';

async function hopStatuses(page: Page): Promise<Record<string, string>> {
  return page.locator('[data-testid="path-graph"] [data-hop-id]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-hop-id'), e.getAttribute('data-status')])));
}

test('outside → LoadBalancer: the form offers the LB address; the graph draws the outside group, the load balancer and the entry node, coloured', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('source-kind-outside').check({ force: true });
  await expect(page.getByTestId('outside-note')).toBeVisible();
  // The Service's LoadBalancer address is offered as a target (and each NodePort on every node).
  await expect(page.locator(`#pw-targets option[value="${LB}"]`)).toHaveCount(1);
  await expect(page.locator('#pw-targets option[value^="node/worker-1:"]')).not.toHaveCount(0);
  await page.getByTestId('to').fill(LB);
  await page.getByTestId('diagnose').click();
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/);
  const id = page.url().split('/d/')[1];

  const banner = page.locator('[data-verdict]').first();
  await expect(banner).not.toHaveAttribute('data-verdict', 'running', { timeout: 45_000 });
  await expect(banner).toHaveAttribute('data-verdict', 'reachable');

  const graph = page.getByTestId('path-graph');
  await expect(graph.locator('[data-group="outside"]')).toHaveCount(1);
  await expect(graph.locator('[data-group="outside"]')).toContainText('outside the cluster');
  // ExternalTrafficPolicy Cluster: the load balancer's entry drawn is the node without the endpoint (worker-2).
  await expect(graph.locator('[data-k8s-node="worker-2"]')).toHaveCount(1);
  await expect(graph.locator('[data-k8s-node="worker-1"]')).toHaveCount(1);
  const st = await hopStatuses(page);
  for (const hop of ['client', 'lb', 'src-node', 'node-port', 'dst-pod']) expect(st[hop], hop).toBe('pass');
  // Coloured: a passing hop's box is drawn in the pass colour, not the pending grey.
  const lbBox = graph.locator('[data-hop-id="lb"]');
  const colour = await lbBox.evaluate((el) => getComputedStyle(el).borderColor);
  const pending = await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.className = 'border-slate-300';
    document.body.appendChild(probe);
    const c = getComputedStyle(probe).borderColor;
    probe.remove();
    return c;
  });
  expect(colour).not.toBe(pending);

  // The recorded diagnosis says the same: the load balancer, the entry node's NodePort, the endpoint.
  const d = (await (await fetch(`${BASE}/api/diagnoses/${id}`)).json()) as Diagnosis;
  expect(d.spec.from).toBe('outside');
  expect(d.hops.map((h) => h.id).slice(0, 4)).toEqual(['client', 'lb', 'src-node', 'node-port']);
  expect(d.hops.find((h) => h.id === 'node-port')?.node).toBe('worker-2');

  await graph.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'northsouth-lb.png'), fullPage: true });
});

test('node source: the node picker lists the nodes and a node → NodePort diagnosis runs from its own network', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('source-kind-node').check({ force: true });
  await expect(page.getByTestId('node').locator('option[value="worker-1"]')).toHaveCount(1);
  await page.getByTestId('node').selectOption('worker-1');
  const nodePort = await page.locator('#pw-targets option[value^="node/worker-2:"]').first().getAttribute('value');
  expect(nodePort).toMatch(/^node\/worker-2:\d+$/);
  await page.getByTestId('to').fill(nodePort ?? '');
  await page.getByTestId('diagnose').click();
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/);
  const banner = page.locator('[data-verdict]').first();
  await expect(banner).not.toHaveAttribute('data-verdict', 'running', { timeout: 45_000 });
  await expect(banner).toHaveAttribute('data-verdict', 'reachable');
  const st = await hopStatuses(page);
  expect(st['src-node']).toBe('pass');
  expect(st['node-port']).toBe('pass');
});

test('pod → an external host: the egress hop and the outside server are drawn, the reply comes back through the SNAT', async ({ page }) => {
  const r = await fetch(`${BASE}/api/diagnoses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'shop/frontend-0', to: 'api.partner.example:443' }) });
  expect(r.status).toBe(201);
  const { id } = (await r.json()) as { id: string };
  await page.goto(`/d/${id}`);
  const banner = page.locator('[data-verdict]').first();
  await expect(banner).not.toHaveAttribute('data-verdict', 'running', { timeout: 45_000 });
  await expect(banner).toHaveAttribute('data-verdict', 'reachable');
  const graph = page.getByTestId('path-graph');
  const st = await hopStatuses(page);
  for (const hop of ['src-pod', 'src-node', 'egress', 'external']) expect(st[hop], hop).toBe('pass');
  await expect(graph.locator('[data-group="outside"]')).toHaveCount(1);
  await expect(graph.locator('[data-edge-return="snat"]')).toHaveCount(1);
  await graph.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'egress-trace.png'), fullPage: false });
});
