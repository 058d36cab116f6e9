// A reachable verdict says "every hop checked" only when no hop is skip (lib/verdict uncheckedClause), on the real
// engine against test/lab/fixtures/control-plane.yaml: a debug namespace that is not there, one whose Pod Security
// refuses the node debug pods, and the default one. A fresh lab instance of its own, as every lab test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../server/diagnose';
import { testInstance } from '../../lab/testInstance';
import { Lab } from './diagnoseLab';

const lab = new Lab(testInstance('uc'));
beforeAll(() => lab.up('control-plane.yaml'), 300_000);
afterAll(() => lab.down(), 120_000);

const run = (debugNamespace?: string) => diagnose({ from: 'shop/frontend', to: 'backend:80' }, { kubeconfig: lab.kubeconfig, ...(debugNamespace ? { debugNamespace } : {}) });
const status = (d: Awaited<ReturnType<typeof run>>, id: string) => d.hops.find((h) => h.id === id);

describe('reachable: which hops were checked', () => {
  it('every node probe ran: every hop checked', async () => {
    const d = await run();
    expect(d.verdict).toBe('reachable');
    expect(d.hops.filter((h) => h.status === 'skip')).toEqual([]);
    expect(d.summary).toMatch(/; every hop checked\.$/);
  }, 120_000);

  it('--debug-namespace nons: the node hops skip saying the namespace does not exist, the summary names them', async () => {
    const d = await run('nons');
    expect(d.verdict).toBe('reachable');
    expect(status(d, 'src-node')).toMatchObject({ status: 'skip', summary: 'not probed: namespace nons does not exist (kubectl create namespace nons, or pick another --debug-namespace)' });
    expect(status(d, 'src-veth')).toMatchObject({ status: 'skip', summary: 'pod side only: node not probed (namespace nons does not exist (kubectl create namespace nons, or pick another --debug-namespace))' });
    expect(d.summary).not.toMatch(/every hop checked/);
    expect(d.summary).toMatch(/; the end-to-end connect opened; src-veth, src-node, dst-node, dst-veth not probed \(namespace nons does not exist\)\.$/);
  }, 120_000);

  it('--debug-namespace locked (Pod Security restricted): one short clause for both nodes, never "every hop checked"', async () => {
    const d = await run('locked');
    expect(d.verdict).toBe('reachable');
    expect(status(d, 'dst-node')?.status).toBe('skip');
    expect(d.summary).not.toMatch(/every hop checked/);
    expect(d.summary).toMatch(/; the end-to-end connect opened; src-veth, src-node, dst-node, dst-veth not probed \(node debug pods were refused by admission\)/);
  }, 120_000);

  it('north-south (a NodePort from outside) with --debug-namespace nons: its node hops skip, never "every hop checked"', async () => {
    const d = await diagnose({ from: 'outside', to: 'node/worker-1:30080' }, { kubeconfig: lab.kubeconfig, debugNamespace: 'nons' });
    expect(d.verdict).toBe('reachable');
    const skipped = d.hops.filter((h) => h.status === 'skip');
    expect(skipped.map((h) => h.id)).toContain('src-node');
    for (const h of skipped) expect(h.summary).toMatch(/^the connection from the outside client through this hop opened; not probed: namespace nons does not exist/);
    expect(d.summary).not.toMatch(/every hop checked/);
    expect(d.summary).toMatch(/; the end-to-end connect opened; [a-z, -]*src-node[a-z, -]* not probed \(namespace nons does not exist\)\./);
  }, 120_000);
});
