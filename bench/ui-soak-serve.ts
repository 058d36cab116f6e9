// The soak's server: startServer in this very process (so its pid is the server's memory), stopped by SIGTERM.
// With --expose-gc it writes the heap after a full GC every 5 s to <dataDir>/heap.json, which tells a leak
// (live objects growing) from V8 merely deferring collection (RSS growing).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../server/index';

const [port, kubeconfig, dataDir, interval] = process.argv.slice(2);
const s = await startServer({ port: Number(port), kubeconfig, dataDir, wallIntervalMs: Number(interval) * 1000, log: () => undefined });
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  setInterval(() => {
    gc();
    const m = process.memoryUsage();
    writeFileSync(join(dataDir, 'heap.json'), JSON.stringify({ heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }));
  }, 5000).unref();
}
process.once('SIGTERM', () => void s.close().then(() => process.exit(0)));
