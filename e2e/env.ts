// Shared by the Playwright config, global setup/teardown and the specs: where the e2e lab and server live.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_LAB = process.env.PACKETWALK_E2E_LAB ?? 'uie2e';
export const E2E_PORT = Number(process.env.PACKETWALK_E2E_PORT ?? 3199);
export const E2E_DIR = `/tmp/pw-${E2E_LAB}`;
export const STATE_FILE = join(E2E_DIR, 'state.json');
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BASE = `http://127.0.0.1:${E2E_PORT}`;
