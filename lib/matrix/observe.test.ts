// What one connect observed, from nc's own output as recorded from the lab (fixtures/nc/*.txt: `kubectl exec` of the
// matrix's tcp-connect argv into the lab of test/lab/fixtures/matrix-mesh.yaml, the command and the situation in
// each header) and from lib/parse's captures: a TCP RST ("Connection refused") and an ICMP error or no route ("No
// route to host", "Network is unreachable", …) are different observations, counted and worded apart, and a sentence
// about a refused or unreachable cell names what was dialled (the endpoint's address and port), not the Service port.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '../kube/types';
import { parseNc } from '../parse/nc';
import { parseErrorText } from '../result';
import { splitFixture } from '../parse/fixtureFile';
import { cellAt, tableGrid } from './tableTestkit';
import { buildMatrix, cellMark, exitCodeOf, observeCell, observedFromNc, renderMatrixTable, serviceObservation, summarize, type Matrix, type Observed } from './index';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

/** One recorded connect: nc's outcome as the matrix reads it, and nc's own line (the cell's detail). */
function recorded(path: string): { observed: Observed; line: string; ip: string; port: number } {
  const f = splitFixture(readFileSync(path, 'utf8'));
  const [ip, port] = f.command.split(' ').slice(-2);
  const nc = parseNc(f.stdout + f.stderr, { exitCode: f.exitCode ?? 1, stderr: f.stderr });
  if (!nc.ok) throw new Error(`${path}: ${parseErrorText(nc.error)}`);
  return { observed: observedFromNc(nc.value.outcome), line: nc.value.attempts[nc.value.attempts.length - 1].message, ip, port: Number(port) };
}
const lab = (name: string) => recorded(here(`./fixtures/nc/${name}.txt`));
const parseFixture = (name: string) => recorded(here(`../parse/fixtures/nc/${name}.txt`));

// The lab's objects (test/lab/fixtures/matrix-mesh.yaml as the lab built them: the addresses in the recordings).
const ready = [{ type: 'Ready', status: 'True' }];
const pod = (name: string, ip: string, app: string, port: number): Pod => ({
  metadata: { namespace: 'shop', name, labels: { app } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: port }] }] },
  status: { phase: 'Running', podIP: ip, conditions: ready },
});
const pods = [pod('plain-0', '10.244.1.4', 'plain', 7000), pod('backend-0', '10.244.2.2', 'backend', 8080), pod('silent-0', '10.244.2.3', 'silent', 8080)];
const svc = (name: string, ip: string, targetPort: number): Service => ({ metadata: { namespace: 'shop', name }, spec: { clusterIP: ip, selector: { app: 'backend' }, ports: [{ port: 80, targetPort }] } });
const services = [svc('backend', '10.96.184.106', 8080), svc('wrongport', '10.96.105.109', 9090)];
const slice = (svcName: string, port: number): EndpointSlice =>
  ({
    metadata: { namespace: 'shop', name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: [{ port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.244.2.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'shop', name: 'backend-0' } }],
  }) as EndpointSlice;
const objs = { pods, services, endpointSlices: [slice('backend', 8080), slice('wrongport', 9090)], policies: [], namespaces: [{ metadata: { name: 'shop' } }] };

/** The row of shop/plain-0, each cell observed from the recording named for its target (the rest open). */
function plainRow(rec: Record<string, { service: string; endpoint?: string }>): Matrix {
  const m = buildMatrix(objs, { namespaces: ['shop'] });
  m.sources = ['shop/plain-0'];
  const byId = new Map(m.targets.map((t) => [t.id, t]));
  m.cells = m.cells
    .filter((c) => c.from === 'shop/plain-0')
    .map((c) => {
      const t = byId.get(c.to)!;
      const r = rec[c.to];
      if (!r) return observeCell(c, t, 'open');
      const s = lab(r.service);
      expect(`${s.ip}:${s.port}`).toBe(`${t.ip}:${t.port}`); // the recording is a connect to this very target
      const eps = (t.endpoints ?? []).map((e) => {
        const x = lab(r.endpoint!);
        expect(`${x.ip}:${x.port}`).toBe(`${e.ip}:${e.port}`);
        return { endpoint: `${e.ip}:${e.port}`, ...(e.pod ? { pod: e.pod } : {}), observed: x.observed };
      });
      const withEps = eps.length ? { ...c, endpoints: eps } : c;
      return observeCell(withEps, t, eps.length ? serviceObservation(c, s.observed, eps) : s.observed, s.line);
    });
  return m;
}

describe('a refused connect and an unreachable one are different observations', () => {
  it('nc\'s "Connection refused" is refused; "No route to host", "Network is unreachable" and a blackhole route are unreachable', () => {
    expect(lab('svc-wrongport-refused').observed).toBe('refused');
    expect(lab('endpoint-wrongport-refused').observed).toBe('refused');
    expect(parseFixture('refused').observed).toBe('refused');
    // a REJECT --reject-with icmp-host-prohibited on the endpoint's node, dialled directly and through the Service
    expect(lab('pod-reject-host-prohibited').observed).toBe('unreachable');
    expect(lab('svc-reject-host-prohibited').observed).toBe('unreachable');
    for (const f of ['host-unreachable', 'admin-prohibited', 'net-unreachable-icmp', 'no-route', 'blackhole-route']) expect(parseFixture(f).observed, f).toBe('unreachable');
    expect(parseFixture('timed-out').observed).toBe('timeout');
    // the same connect from the meshed pod: its sidecar takes it from a root container (open), not from uid 1337
    expect(lab('meshed-root-silent-open').observed).toBe('open');
    expect(lab('meshed-uid1337-silent-refused').observed).toBe('refused');
    expect(parseFixture('succeeded').observed).toBe('open');
  });

  it('every recorded nc output of this directory maps to an observation (none is dropped as unreadable)', () => {
    const dir = here('./fixtures/nc/');
    const names = readdirSync(dir).filter((n) => n.endsWith('.txt'));
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const n of names) expect(recorded(`${dir}${n}`).observed, n).not.toBeNull();
  });

  it('an unreachable cell is marked, explained and counted as unreachable, in the kernel\'s words, never as refused', () => {
    const m = plainRow({
      'svc:shop/backend:80': { service: 'svc-reject-host-prohibited', endpoint: 'pod-reject-host-prohibited' },
      'pod:shop/backend-0:8080': { service: 'pod-reject-host-prohibited' },
    });
    const svcCell = m.cells.find((c) => c.to === 'svc:shop/backend:80')!;
    const podCell = m.cells.find((c) => c.to === 'pod:shop/backend-0:8080')!;
    for (const c of [svcCell, podCell]) {
      expect(c).toMatchObject({ predicted: 'allow', observed: 'unreachable', agree: false });
      expect(cellMark(c)).toBe('!UR');
      expect(c.explain).toMatch(/observed unreachable \(No route to host\)/);
      expect(c.explain).not.toMatch(/refused|nothing listens/);
    }
    // what was dialled: the pod's address and port; for the Service its ClusterIP and the endpoint
    expect(podCell.explain).toContain('10.244.2.2:8080 (shop/backend-0)');
    expect(svcCell.explain).toContain('10.96.184.106:80');
    expect(svcCell.explain).toContain('10.244.2.2:8080 (shop/backend-0)');
    const s = summarize(m);
    expect(s).toMatchObject({ unreachable: 2, refused: 0, disagree: 2 });
    const text = renderMatrixTable(m);
    const grid = tableGrid(text);
    const col = (id: string) => m.targets.findIndex((t) => t.id === id);
    expect(cellAt(grid, 'shop/plain-0', col('svc:shop/backend:80')).mark).toBe('!UR');
    expect(cellAt(grid, 'shop/plain-0', col('pod:shop/backend-0:8080')).mark).toBe('!UR');
    expect(grid.lines.join('\n')).not.toMatch(/!RF/);
    expect(text).toMatch(/!UR[^\n]*unreachable: an ICMP error or no route/); // the legend says what the mark means
    expect(text).toMatch(/cells: \d+ observed \(\d+ open, 2 unreachable\)/);
    expect(text).not.toMatch(/\d+ refused/);
    expect(exitCodeOf(m)).toBe(1);
  });

  it('a refused Service cell names the endpoint it dialled and its port (9090), not the Service port (80)', () => {
    const m = plainRow({ 'svc:shop/wrongport:80': { service: 'svc-wrongport-refused', endpoint: 'endpoint-wrongport-refused' } });
    const c = m.cells.find((x) => x.to === 'svc:shop/wrongport:80')!;
    expect(c).toMatchObject({ observed: 'refused', agree: false });
    expect(cellMark(c)).toBe('!RF');
    expect(c.explain).toMatch(/observed refused \(Connection refused\)/);
    expect(c.explain).toContain('10.244.2.2:9090 (shop/backend-0)');
    expect(c.explain).toMatch(/nothing listens on TCP 9090/);
    expect(c.explain).not.toMatch(/TCP 80\b/);
    expect(summarize(m)).toMatchObject({ refused: 1, unreachable: 0 });
  });
});
