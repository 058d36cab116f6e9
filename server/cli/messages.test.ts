// What the CLI says on a usage error, run through main() as the bin runs it, with no cluster to reach: the field,
// the fix, exit 2, and nothing on stdout (docs/contracts.md: --json prints one object, or nothing on exit 2).
import { describe, expect, it } from 'vitest';
import { main } from '../cli';

/** main(argv) with stdout and stderr captured. */
async function run(argv: string[], opts: { asKubectlPlugin?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv, opts);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('diagnose: --from and -n', () => {
  it('the synopsis of a usage error and of --help shows -n NS', async () => {
    const r = await run(['diagnose', '--to', 'backend:80', '--json']);
    expect(r.stderr.split('\n')[1]).toMatch(/^usage: packetwalk diagnose --from \S+ --to TARGET \[-n NS\] /);
    const h = await run(['diagnose', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout.split('\n')[0]).toContain('[-n NS]');
  });
  it('no --from: names the three forms it takes', async () => {
    const r = await run(['diagnose', '--to', 'backend:80', '--json']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^packetwalk diagnose: --from NS\/POD, node\/NAME or outside is required\n/) });
  });
  it('a bare pod name without -n: says NS/POD, and that -n NS --from POD works', async () => {
    for (const server of [[], ['--server', 'http://127.0.0.1:1']]) {
      const r = await run(['diagnose', '--from', 'frontend-0', '--to', 'backend:80', ...server]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe('packetwalk diagnose: --from "frontend-0" is not NS/POD; write the namespace and the pod name, e.g. --from shop/frontend-0, or the namespace with -n: -n shop --from frontend-0 (or node/NAME for a node\'s own network, or outside for a client outside the cluster)');
    }
  });
  it('NS/POD with another -n: both namespaces named and the fix (was: -n silently dropped); the same namespace, a node or outside: no error', async () => {
    for (const server of [[], ['--server', 'http://127.0.0.1:1']]) {
      for (const plugin of [false, true]) {
        const r = await run(['diagnose', '-n', 'db', '--from', 'shop/frontend-0', '--to', 'backend:80', '--json', ...server], { asKubectlPlugin: plugin });
        expect(r).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^packetwalk diagnose: --from "shop\/frontend-0" names namespace shop, and -n says db: drop -n, or write --from db\/frontend-0\n/) });
      }
    }
    for (const from of ['db/postgres-0', 'node/worker-1', 'outside']) {
      const r = await run(['diagnose', '-n', 'db', '--from', from, '--to', 'backend:80', '--kubeconfig', '/nonexistent', '--json']);
      expect(r.stderr).not.toContain('-n says');
    }
  });
});

describe('the fix in the message', () => {
  it('--to with a scheme: drop it', async () => {
    const r = await run(['diagnose', '--from', 'shop/frontend-0', '--to', 'http://backend:80', '--kubeconfig', '/nonexistent', '--json']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'packetwalk diagnose: --to "http://backend:80" is a URL; the target is the host and port the application dials; fix: drop "http://": --to backend:80\n' });
  });
  it('matrix NS: did you mean -n NS', async () => {
    const r = await run(['matrix', 'shop', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('packetwalk matrix: unknown argument "shop"; did you mean -n shop?');
  });
});
