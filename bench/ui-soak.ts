// Wallboard soak (figures, not pass/fail): `npx tsx bench/ui-soak.ts [--minutes 4] [--pins 4] [--interval 0.5]`.
// Its own lab (instance `uisk`), `packetwalk serve` re-probing the pins as fast as the interval allows, one
// Chromium tab on /wall; samples the server's RSS (/proc/<pid>/status VmRSS), the SQLite file size and the
// number of cycles run. A wall left for hours must level off, not climb. Everything is torn down in finally.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, benchLab, numberFlag, tearDown, waitForHealth } from './harness';

const lab = benchLab('uisk');
const PORT = 3195;
const BASE = `http://127.0.0.1:${PORT}`;
const MINUTES = numberFlag('minutes', 4);
const PINS = numberFlag('pins', 4);
const INTERVAL = numberFlag('interval', 0.5);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const size = (f: string) => {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'pw-uisoak-'));
  let server: ChildProcess | null = null;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const kubeconfig = lab.up(join(ROOT, 'e2e', 'fixtures', 'lab.yaml'));
    // the server itself, not a wrapper, so /proc/<pid> is its memory
    server = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'ui-soak-serve.ts'), String(PORT), kubeconfig, dataDir, String(INTERVAL)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
    await waitForHealth(BASE);
    const specs = [
      { from: 'shop/frontend-0', to: 'pod:shop/backend-0:8080' },
      { from: 'shop/frontend-0', to: 'backend.shop:80' },
      { from: 'shop/backend-0', to: 'postgres.db:5432' },
      { from: 'shop/frontend-0', to: 'postgres.db:5432' },
      { from: 'shop/backend-1', to: 'pod:shop/backend-0:8080' },
    ].slice(0, PINS);
    for (const s of specs) await fetch(`${BASE}/api/pins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) });
    const page = await browser.newPage();
    await page.goto(`${BASE}/wall`);
    const t0 = Date.now();
    let cycles = 0;
    let lastAt = '';
    console.log('minute | server RSS MB | heap after GC MB | external MB | sqlite+wal KB | cycles so far');
    for (let m = 0; m <= MINUTES * 4; m++) {
      if (m) {
        const end = Date.now() + 15_000;
        while (Date.now() < end) {
          const b = (await (await fetch(`${BASE}/api/pins`)).json()) as { lastCycle: { at: string } | null };
          if (b.lastCycle && b.lastCycle.at !== lastAt) {
            lastAt = b.lastCycle.at;
            cycles++;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const db = size(join(dataDir, 'packetwalk.db')) + size(join(dataDir, 'packetwalk.db-wal'));
      let heap = { heapUsed: 0, external: 0 };
      try {
        heap = JSON.parse(readFileSync(join(dataDir, 'heap.json'), 'utf8')) as typeof heap;
      } catch {
        /* first sample not written yet */
      }
      console.log(`${((Date.now() - t0) / 60000).toFixed(2)} | ${rssMb(server.pid!).toFixed(1)} | ${(heap.heapUsed / 2 ** 20).toFixed(1)} | ${(heap.external / 2 ** 20).toFixed(1)} | ${(db / 1024).toFixed(0)} | ${cycles}`);
    }
  } finally {
    await tearDown({ browser, server, lab, dataDir });
  }
}

await main();
