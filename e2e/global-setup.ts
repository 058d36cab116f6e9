// Builds the e2e lab (instance uie2e, e2e/fixtures/lab.yaml) and starts the dashboard on it.
// If anything fails half-way, what was made is torn down before the error is rethrown.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_DIR, ROOT } from './env';
import { lab, startServer, writeState } from './lab';
import teardown from './global-teardown';

export default async function globalSetup(): Promise<void> {
  rmSync(E2E_DIR, { recursive: true, force: true });
  const up = lab(['up', '--config', join(ROOT, 'e2e', 'fixtures', 'lab.yaml')], 300_000);
  const kubeconfig = up.stdout.trim().split('\n').filter((l) => l.trim()).pop()?.trim() ?? '';
  if (up.code !== 0 || !kubeconfig) {
    lab(['down']);
    throw new Error(`e2e: lab up failed (exit ${up.code}): ${up.stderr.slice(-500)}`);
  }
  const dataDir = join(E2E_DIR, 'data');
  writeState({ kubeconfig, serverPid: 0, dataDir });
  try {
    const pid = await startServer(kubeconfig, dataDir);
    writeState({ kubeconfig, serverPid: pid, dataDir });
  } catch (e) {
    await teardown();
    throw e;
  }
}
