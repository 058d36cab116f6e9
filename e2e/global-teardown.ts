// Stops the dashboard, clears faults, tears the e2e lab down and removes its files — also after failures.
import { lab, readState, stateExists, stopServer } from './lab';

export default async function globalTeardown(): Promise<void> {
  if (stateExists()) {
    const s = readState();
    if (s.serverPid) await stopServer(s.serverPid);
  }
  const down = lab(['down']);
  if (down.code !== 0) process.stderr.write(`e2e teardown: lab down exited ${down.code}: ${down.stderr.slice(-300)}\n`);
  // the server log and the store stay in /tmp for a post-mortem; global setup removes them next run
}
