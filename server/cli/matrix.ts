// `packetwalk matrix -n NS [-n NS2 …] [--json] [--with-policy FILE] [--kubeconfig F] [--context C] [--all-pods]`
// (DESIGN §7). Exit: 0 every cell agrees (what-if: nothing cut), 1 otherwise, 2 usage or cluster error,
// 3 nothing could be observed. Flags are read and documented from MATRIX_SPEC (server/cli/args.ts).
import { readFileSync } from 'node:fs';
import { parseFlags, usageErrorText, usageOf } from './args';
import { MATRIX_SPEC } from './commands';
import type { MainOptions } from '../cli';
import { termBlock } from '../../lib/text';
import { reportCommandError } from './errors';

export { MATRIX_SPEC };

export const MATRIX_USAGE = usageOf(MATRIX_SPEC);

export async function matrixMain(argv: string[], opts: MainOptions = {}): Promise<number> {
  const parsed = parseFlags(MATRIX_SPEC, argv);
  if ('error' in parsed) {
    process.stderr.write(usageErrorText(MATRIX_SPEC, termBlock(parsed.error)));
    return 2;
  }
  const a = parsed.values as { namespace?: string[]; json?: boolean; 'with-policy'?: string; 'all-pods'?: boolean; kubeconfig?: string; context?: string; image?: string; concurrency?: string; help?: boolean };
  if (a.help) {
    process.stdout.write(MATRIX_USAGE);
    return 0;
  }
  const { runMatrix } = await import('../matrix');
  const { UsageError } = await import('../cluster/errors');
  const { exitCodeOf, renderMatrixTable } = await import('../../lib/matrix');
  try {
    let namespaces = a.namespace ?? [];
    if (namespaces.length === 0) {
      if (!opts.asKubectlPlugin) throw new UsageError('-n NS is required: name the namespace(s) whose pods and Services make the matrix', 'namespaces');
      // as a kubectl plugin, like kubectl: the context's namespace
      namespaces = [(await import('../cluster/kubeconfig')).loadCluster({ ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.context ? { context: a.context } : {}) }).namespace];
    }
    let concurrency: number | undefined;
    if (a.concurrency !== undefined) {
      concurrency = Number(a.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency ${a.concurrency}: give a whole number from 1 to 64`, 'concurrency');
    }
    let withPolicy;
    if (a['with-policy'] !== undefined) {
      const file = a['with-policy'];
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`--with-policy ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass a YAML file of NetworkPolicies`, 'withPolicy');
      }
      withPolicy = (await import('../matrix/policyFile')).parsePolicyText(text, namespaces[0], `--with-policy ${file}`);
    }
    const m = await runMatrix({
      namespaces,
      ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}),
      ...(a.context ? { context: a.context } : {}),
      ...(a.image ? { image: a.image } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(withPolicy ? { withPolicy: withPolicy.policies, withPolicyNotes: withPolicy.notes } : {}),
      allPods: !!a['all-pods'],
    });
    process.stdout.write(a.json ? `${JSON.stringify(m, null, 2)}\n` : termBlock(renderMatrixTable(m)));
    return exitCodeOf(m);
  } catch (e) {
    return reportCommandError('matrix', e);
  }
}
