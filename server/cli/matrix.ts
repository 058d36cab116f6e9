// `packetwalk matrix -n NS [-n NS2 …] [--json] [--with-policy FILE] [--kubeconfig F] [--context C] [--all-pods]`
// (DESIGN §7). Exit: 0 every cell agrees (what-if: nothing cut), 1 otherwise, 2 usage or cluster error,
// 3 nothing could be observed. Arguments are read with node's util.parseArgs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { MainOptions } from '../cli';
import { termBlock } from '../../lib/text';

export const MATRIX_USAGE = `usage: packetwalk matrix -n NS [-n NS2 ...] [--json] [--with-policy FILE] [--all-pods]
                        [--kubeconfig FILE] [--context NAME] [--image IMAGE] [--concurrency N]

  -n, --namespace NS   a namespace whose pods are the sources and whose Services and pod ports are the
                       targets (repeat for more)
  --json               print exactly one matrix object (JSON) on stdout
  --with-policy FILE   what-if: the NetworkPolicies in FILE are added (or replace same-named ones); predicts
                       only — no probing, no writes, read rights suffice; exit 1 when a flow would be cut
  --all-pods           probe every pod (default: one pod per Deployment/StatefulSet/DaemonSet)
  --kubeconfig FILE    kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME       kubeconfig context (default: the current one)
  --image IMAGE        debug image for the connects (default nicolaka/netshoot)
  --concurrency N      connects at once (default 32, at most 64)
exit codes: 0 every cell agrees (with --with-policy: nothing is cut), 1 otherwise, 2 usage or cluster error,
            3 nothing could be observed
`;

export async function matrixMain(argv: string[], opts: MainOptions = {}): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n', multiple: true },
        json: { type: 'boolean' },
        'with-policy': { type: 'string' },
        'all-pods': { type: 'boolean' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        image: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`packetwalk matrix: ${termBlock((e as Error).message)}\n\n${MATRIX_USAGE}`);
    return 2;
  }
  if (a.help) {
    process.stdout.write(MATRIX_USAGE);
    return 0;
  }
  const { runMatrix, UsageError, ClusterError } = await import('../matrix');
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
      ...(withPolicy ? { withPolicy } : {}),
      allPods: !!a['all-pods'],
    });
    process.stdout.write(a.json ? `${JSON.stringify(m, null, 2)}\n` : termBlock(renderMatrixTable(m)));
    return exitCodeOf(m);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`packetwalk matrix: ${termBlock(e.message)}\n`);
      return 2;
    }
    if (e instanceof ClusterError) {
      process.stderr.write(`packetwalk matrix: ${termBlock(e.message)}\n  fix: ${termBlock(e.fix)}\n`);
      return 2;
    }
    throw e;
  }
}
