// The two error kinds of the engine's surface (HACKING.md "The engine's surface"): callers tell a
// mistake in what the user typed (exit 2, nothing executed) from a cluster that cannot be used.

/** Bad input: the message names the field and the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The cluster cannot be reached or refuses us: `message` is a sentence from explain.ts, `fix` the next step. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    message: string,
    readonly fix: string,
    readonly raw: string = '',
    readonly status?: number,
  ) {
    super(message);
  }
}
