// A `packetwalk serve` without pages in its own process, for tests that kill -9 it (test/lab/security.test.ts):
// argv = DATA_DIR KUBECONFIG; PW_RECONCILE_MS sets the orphan sweep's period; prints the URL on stdout, logs on
// stderr, runs until killed.
import { startServer } from '../../server/index';

const [dataDir, kubeconfig] = process.argv.slice(2);
const reconcileIntervalMs = process.env.PW_RECONCILE_MS ? Number(process.env.PW_RECONCILE_MS) : undefined;
const s = await startServer({ port: 0, pages: false, dataDir, kubeconfig, reconcileIntervalMs, log: (l) => process.stderr.write(`${l}\n`) });
process.stdout.write(`${s.url}\n`);
