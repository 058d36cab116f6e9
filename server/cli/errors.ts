// How a CLI command reports the engine's two expected errors (DESIGN §2: exit 2 on usage or cluster errors):
// the message (cluster text through lib/text), and for a cluster problem its fix on a second line.
import { termBlock } from '../../lib/text';
import { ClusterError, UsageError } from '../cluster/errors';

/** Writes `packetwalk <command>: …` to stderr and returns 2 for a UsageError or ClusterError; rethrows anything else. */
export function reportCommandError(command: string, e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`packetwalk ${command}: ${termBlock(e.message)}\n`);
    return 2;
  }
  if (e instanceof ClusterError) {
    process.stderr.write(`packetwalk ${command}: ${termBlock(e.message)}\n  fix: ${termBlock(e.fix)}\n`);
    return 2;
  }
  throw e;
}
