// runProbe (server/exec/probe.ts) is the only door to a command: it builds argv from the registry entry, checks
// the arguments first, and hands the entry's own timeout and byte cap to the runner. The outside runner is the
// one seam that needs no cluster; a real local run (server/diagnose/outside.ts runLocal) shows the whole way.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { runProbe, type OutsideFoothold } from './probe';
import { probeDef, ProbeArgError } from '../../lib/probes';
import { runLocal } from '../diagnose/outside';

const kc = new KubeConfig();

function recorder(): OutsideFoothold & { calls: { argv: string[]; timeoutMs: number; maxBytes: number }[] } {
  const calls: { argv: string[]; timeoutMs: number; maxBytes: number }[] = [];
  return {
    calls,
    run: async (argv, timeoutMs, maxBytes) => {
      calls.push({ argv, timeoutMs, maxBytes });
      return { exitCode: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, truncated: false };
    },
  };
}

describe('runProbe', () => {
  it("runs the entry's argv with the entry's timeout and byte cap", async () => {
    const at = recorder();
    const r = await runProbe(kc, at, 'outside-dig', { name: 'shop.example.com' });
    const def = probeDef('outside-dig');
    expect(at.calls).toEqual([{ argv: ['dig', '+tries=1', '+time=2', '+search', 'shop.example.com', 'A'], timeoutMs: def.timeoutMs, maxBytes: def.maxBytes }]);
    expect(r.argv).toEqual(at.calls[0].argv);
  });

  it('refuses a bad argument before anything runs', async () => {
    const at = recorder();
    await expect(runProbe(kc, at, 'outside-tcp-connect', { ip: '999.1.1.1', port: 80 })).rejects.toBeInstanceOf(ProbeArgError);
    await expect(runProbe(kc, at, 'outside-dig', { name: 'x;reboot' })).rejects.toThrow('probe outside-dig: argument name');
    expect(at.calls).toEqual([]);
  });

  it('runs a pod or node probe only in a container, an outside probe only outside', async () => {
    const at = recorder();
    await expect(runProbe(kc, at, 'tcp-connect', { ip: '10.0.0.1', port: 80 })).rejects.toThrow("probe tcp-connect runs in a pod's container, not outside");
    await expect(runProbe(kc, { namespace: 'x', pod: 'y', container: 'z' }, 'outside-tcp-connect', { ip: '10.0.0.1', port: 80 })).rejects.toThrow('probe outside-tcp-connect runs outside the cluster, not in a container');
    expect(at.calls).toEqual([]);
  });

  it('runs for real through the local runner: a TCP handshake to a listener here opens', async () => {
    const srv = createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await runProbe(kc, { run: runLocal }, 'outside-tcp-connect', { ip: '127.0.0.1', port });
      expect(r.argv).toEqual(['nc', '-z', '-v', '-w', '2', '127.0.0.1', String(port)]);
      expect(r.exitCode).toBe(0);
    } finally {
      srv.close();
    }
  });
});
