// Dashboard benchmark (figures, not pass/fail), run with `npx tsx bench/ui.ts [--runs 7] [--pins 50]`.
// Builds its own lab (instance `uibn`), starts `packetwalk serve` on it, and measures in Chromium:
//   1. click Diagnose → plan drawn (every hop box on the page) and → last hop coloured (verdict shown),
//      on the healthy cross-node path; median and spread over --runs runs;
//   2. the wallboard with --pins pinned paths: server CPU per refresh cycle (process.cpuUsage around one
//      cycle, from GET /api/pins lastCycle) and the page's frame rate while tiles update.
// Everything it starts is stopped in `finally` (server, lab down, data dir).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BIN, ROOT, benchLab, median, numberFlag, tearDown, waitForHealth } from './harness';

const lab = benchLab('uibn'); // lab instance names are 1-6 characters
const PORT = 3197;
const BASE = `http://127.0.0.1:${PORT}`;
const RUNS = numberFlag('runs', 7);
const PINS = numberFlag('pins', 50);
const WALL_INTERVAL_S = numberFlag('wall-interval', 5);

// tsx (esbuild keepNames) wraps named functions in __name(); page.evaluate ships them to the page as text
const NAME_SHIM = 'window.__name = (f) => f;';

const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;

async function main() {
  let server: ChildProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'pw-uibench-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const kubeconfig = lab.up(join(ROOT, 'e2e', 'fixtures', 'lab.yaml'));
    server = spawn(process.execPath, [BIN, 'serve', '--port', String(PORT), '--kubeconfig', kubeconfig, '--data-dir', dataDir, '--wall-interval', String(WALL_INTERVAL_S)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
    await waitForHealth(BASE);

    // ---- 1. click → plan drawn → last hop coloured ----
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript({ content: NAME_SHIM });
    const plan: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      await page.goto(`${BASE}/`);
      await page.getByTestId('namespace').locator('option[value="shop"]').waitFor({ state: 'attached' });
      await page.getByTestId('namespace').selectOption('shop');
      await page.getByTestId('from').fill('frontend-0');
      await page.getByTestId('to').fill('pod:shop/backend-0:8080');
      // page-side clock: a click listener stamps t0; a MutationObserver stamps the plan and the end
      await page.evaluate(() => {
        const w = window as unknown as { __t: Record<string, number> };
        w.__t = {};
        document.querySelector('[data-testid="diagnose"]')!.addEventListener('click', () => (w.__t.click = performance.now()), { once: true });
      });
      await page.getByTestId('diagnose').click();
      await page.waitForURL(/\/d\//);
      // the App Router navigation keeps the same document, so performance.now() stays on one clock
      const t = await page.evaluate(
        () =>
          new Promise<Record<string, number>>((resolve) => {
            const w = window as unknown as { __t: Record<string, number> };
            const check = () => {
              const hops = document.querySelectorAll('[data-testid="path-graph"] [data-hop-id]');
              if (hops.length && w.__t.plan === undefined) w.__t.plan = performance.now();
              const banner = document.querySelector('[data-verdict]');
              const busy = document.querySelectorAll('[data-testid="path-graph"] [data-status="pending"], [data-testid="path-graph"] [data-status="running"]').length;
              if (hops.length && !busy && banner && banner.getAttribute('data-verdict') !== 'running') {
                w.__t.done = performance.now();
                obs.disconnect();
                resolve(w.__t);
              }
            };
            const obs = new MutationObserver(check);
            obs.observe(document.body, { subtree: true, childList: true, attributes: true });
            check();
          }),
      );
      if (i === 0) continue; // warm-up: first page compile paths, debug containers created
      plan.push(t.plan - t.click);
      last.push(t.done - t.click);
    }
    console.log(`click → plan drawn:        ${fmt(plan)}   (target < 300 ms)`);
    console.log(`click → last hop coloured: ${fmt(last)}   (target < 2000 ms)`);

    // ---- 2. wallboard with PINS pins ----
    if (PINS <= 0) return;
    const pods = ['shop/frontend-0', 'shop/backend-0', 'shop/backend-1', 'db/postgres-0'];
    const targets = ['backend.shop:80', 'backend.shop.svc.cluster.local:80', 'pod:shop/backend-0:8080', 'pod:shop/backend-1:8080', 'postgres.db:5432', 'pod:db/postgres-0:5432', 'pod:shop/frontend-0:8080', 'kube-dns.kube-system:53', 'backend.shop.svc.cluster.local.:80', 'postgres.db.svc.cluster.local:5432', 'kubernetes.default:443', 'postgres.db.svc:5432', 'backend.shop.svc:80'];
    let made = 0;
    for (const from of pods) for (const to of targets) {
      if (made >= PINS) break;
      const r = await fetch(`${BASE}/api/pins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to }) });
      if (r.status === 201) made++;
    }
    const wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await wall.addInitScript({ content: NAME_SHIM });
    await wall.goto(`${BASE}/wall`);
    const cycles: { wallMs: number; cpuUserMs: number; cpuSystemMs: number; pins: number }[] = [];
    let lastAt = '';
    const fpsSamples: number[] = [];
    const end = Date.now() + 240_000;
    while (cycles.length < 2 && Date.now() < end) {
      // frame rate over 5 s windows while the wall runs (tiles tick every second, flip on each cycle)
      const fps = await wall.evaluate(
        () =>
          new Promise<number>((resolve) => {
            let n = 0;
            const t0 = performance.now();
            const f = () => {
              n++;
              if (performance.now() - t0 < 5000) requestAnimationFrame(f);
              else resolve((n * 1000) / (performance.now() - t0));
            };
            requestAnimationFrame(f);
          }),
      );
      fpsSamples.push(fps);
      const b = (await (await fetch(`${BASE}/api/pins`)).json()) as { lastCycle: { at: string; wallMs: number; cpuUserMs: number; cpuSystemMs: number; pins: number } | null };
      if (b.lastCycle && b.lastCycle.at !== lastAt && b.lastCycle.pins === made) {
        lastAt = b.lastCycle.at;
        cycles.push(b.lastCycle);
      }
    }
    const tiles = await wall.locator('[data-testid="wall-tile"]').count();
    console.log(`wallboard: ${made} pins, ${tiles} tiles on the page`);
    for (const c of cycles) console.log(`  refresh cycle: ${c.wallMs.toFixed(0)} ms wall, server CPU ${(c.cpuUserMs + c.cpuSystemMs).toFixed(0)} ms (user ${c.cpuUserMs.toFixed(0)} + sys ${c.cpuSystemMs.toFixed(0)}) = ${((c.cpuUserMs + c.cpuSystemMs) / c.pins).toFixed(1)} ms per pin`);
    console.log(`  page frame rate while the wall runs: ${fpsSamples.map((f) => f.toFixed(1)).join(', ')} fps (5 s windows)`);
  } finally {
    await tearDown({ browser, server, lab, dataDir });
  }
}

await main();
