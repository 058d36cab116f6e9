// The matrix engine (DESIGN §7): read the objects (get/list only), lay out and predict the grid (lib/matrix),
// then — unless this is a what-if — make one connect per cell from the source pod's netns through the probe
// registry (tcp-connect / udp-connect, lib/probes.ts): one ephemeral debug container per source pod
// (server/exec/debugContainer.ts, reused across runs and diagnoses), then many bounded concurrent execs.
// A source behind a mesh sidecar (server/exec/mesh.ts, as diagnose does it) gets its connects from a container running
// as the proxy's uid, which the mesh's redirect exempts: from any other uid the proxy takes the connect and accepts it,
// whatever is behind it. Without that container its cells are not observed (with the reason), never open.
// A what-if (`withPolicy`) never probes and never writes: it needs only read rights.
import { limiter } from '../../lib/limit';
import { isLabelName } from '../../lib/kube/names';
import { msEnvProblems } from '../../lib/schema/flags';
import { randomBytes } from 'node:crypto';
import type { NetworkPolicy } from '../../lib/kube/types';
import { buildMatrix, cellKey, exitCodeOf, observeCell, observedFromNc, serviceObservation, type Matrix, type MatrixCell, type MatrixTarget, type Observed } from '../../lib/matrix';
import type { MatrixEvent } from '../../lib/matrix/events';
import { probeDef, DEFAULT_DEBUG_IMAGE } from '../../lib/probes';
import { parseNc } from '../../lib/parse/nc';
import { loadCluster } from '../cluster/kubeconfig';
import { listNamespaceNames, readNamespaces, snapshotLimits } from '../cluster/snapshot';
import { explainApiError } from '../cluster/explain';
import { ClusterError, UsageError } from '../cluster/errors';
import { ensureDebugContainer, knownPod, type DebugContainer } from '../exec/debugContainer';
import { MESH_DEBUG_PREFIX, podSidecar } from '../exec/mesh';
import { runProbe } from '../exec/probe';

export { UsageError, ClusterError };

export interface MatrixOptions {
  namespaces: string[];
  kubeconfig?: string;
  context?: string;
  allPods?: boolean;
  /** what-if policies (namespaces filled in; server/matrix/policyFile.ts parses a file) */
  withPolicy?: NetworkPolicy[];
  /** what the what-if's parser assumed (a policy without a namespace), for the matrix's notes */
  withPolicyNotes?: string[];
  /** debug image for the ephemeral containers (default nicolaka/netshoot) */
  image?: string;
  /** connects at once (default 32: most of a denied cell is nc waiting out its 2 s, so the bound is about API load, not CPU) */
  concurrency?: number;
  id?: string;
  onEvent?: (ev: MatrixEvent) => void;
  signal?: AbortSignal;
}

export const MATRIX_ID_RE = /^m-[a-z0-9]{6,32}$/;

export function newMatrixId(): string {
  return `m-${randomBytes(6).toString('hex')}`;
}

/** Checks -n values and --context; throws UsageError naming the field. */
export function checkMatrixInput(namespaces: unknown, context?: unknown): string[] {
  if (!Array.isArray(namespaces) || namespaces.length === 0) throw new UsageError('namespaces: give at least one namespace (-n NS)', 'namespaces');
  if (namespaces.length > 20) throw new UsageError('namespaces: at most 20 namespaces in one matrix', 'namespaces');
  for (const n of namespaces) {
    if (typeof n !== 'string' || !isLabelName(n)) throw new UsageError(`namespaces: ${JSON.stringify(n)} is not a namespace name (lower-case letters, digits and -, at most 63)`, 'namespaces');
  }
  if (context !== undefined && (typeof context !== 'string' || !/^[A-Za-z0-9@._:/-]{1,253}$/.test(context))) throw new UsageError(`context: ${JSON.stringify(context)} is not a context name; list them with kubectl config get-contexts`, 'context');
  return [...new Set(namespaces as string[])];
}


/**
 * Builds the matrix and (live) observes every cell. Emits matrix:plan, then one matrix:cell per observed cell,
 * then matrix:done. Throws UsageError (bad input, unknown namespace) or ClusterError (unreadable cluster);
 * a source pod we cannot exec into leaves its cells unobserved with the reason in `detail`.
 */
export async function runMatrix(o: MatrixOptions): Promise<Matrix> {
  const namespaces = checkMatrixInput(o.namespaces, o.context);
  // a deadline variable that is no deadline: a usage error before any read, as diagnose and serve say it
  const env = msEnvProblems(process.env);
  if (env) throw new UsageError(env.problem, env.name);
  let cl;
  try {
    cl = loadCluster({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) });
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    throw new ClusterError((e as Error).message, 'check the kubeconfig');
  }
  // Only the asked namespaces are read (DESIGN §5): a Role in them is enough, and 10k objects elsewhere cost nothing.
  const { snap, missing } = await readNamespaces(cl.kc, cl.context, cl.server, namespaces);
  if (missing.length) {
    const all = await listNamespaceNames(cl.kc);
    throw new UsageError(`namespaces: ${missing.join(', ')} not found in context ${cl.context}${all ? `; the cluster has ${all.join(', ')}` : ''}`, 'namespaces');
  }

  const id = o.id ?? newMatrixId();
  const emit = o.onEvent ?? (() => {});
  const built = buildMatrix(snap, { namespaces, allPods: !!o.allPods, id, createdAt: new Date().toISOString(), context: cl.context, ...(o.withPolicy ? { withPolicy: o.withPolicy } : {}) });
  const m: Matrix = { ...built, notes: [...built.notes, ...(o.withPolicyNotes ?? []), ...snapshotLimits(snap)] };
  if (o.withPolicy) {
    // predicts only: no foothold, no exec
    const done = { ...m, status: 'done' as const };
    emit({ type: 'matrix:done', payload: { id, matrix: done, exitCode: exitCodeOf(done) } });
    return done;
  }
  emit({ type: 'matrix:plan', payload: { id, matrix: { ...m, status: 'running' } } });

  const kc = cl.kc;
  const image = o.image ?? DEFAULT_DEBUG_IMAGE;
  const targets = new Map<string, MatrixTarget>(m.targets.map((t) => [t.id, t]));
  const cells = new Map<string, MatrixCell>(m.cells.map((c) => [cellKey(c.from, c.to), c]));
  const limit = limiter(o.concurrency ?? 32);
  const footholds = new Map<string, Promise<DebugContainer | { error: string }>>();
  const hold = (src: string) => {
    let h = footholds.get(src);
    if (!h) {
      const [ns, name] = src.split('/');
      // a meshed source connects as its proxy's uid, from a container of its own (the one diagnose uses too)
      const sc = podSidecar(snap, { namespace: ns, name });
      const meshed = sc ? `; ${src} runs the ${sc.container} sidecar (${sc.mesh} mesh): its connects must run as uid ${sc.uid}, the proxy's own, which its redirect exempts, else the proxy accepts every one of them` : '';
      h = limit(() => ensureDebugContainer(kc, ns, name, { image, known: knownPod(snap.pods, ns, name), ...(sc ? { runAsUser: sc.uid, prefix: MESH_DEBUG_PREFIX } : {}) })).catch((e: unknown) => {
        const x = explainApiError(e, { verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: ns, name, context: cl.context });
        const what = sc ? `a debug container running as uid ${sc.uid}` : 'a debug container';
        return { error: `${x.kind === 'forbidden' ? `cannot add ${what} to ${src} (needs patch on pods/ephemeralcontainers and create on pods/exec in ${ns}): ${x.sentence}` : x.sentence}${meshed}` };
      });
      footholds.set(src, h);
    }
    return h;
  };
  // A note per meshed source whose row was observed: the row is the path below the proxy, not the proxy answering
  // (a row whose container could not be made says why in each cell instead).
  const meshNote = (src: string): string[] => {
    const [ns, name] = src.split('/');
    const sc = podSidecar(snap, { namespace: ns, name });
    return sc ? [`${src} runs the ${sc.container} sidecar (${sc.mesh} mesh), which takes the pod's outbound connects: its connects ran as uid ${sc.uid}, the proxy's own, which its redirect exempts, so its row is the path below the proxy (what the proxy itself then meets), not the proxy answering`] : [];
  };
  /**
   * One connect from the source's debug container: what nc saw as an observation and its line, or why it could not
   * run. Made once per source, probe and address: a Service cell's endpoint and a pod cell dial the same one.
   */
  const connects = new Map<string, Promise<{ observed: Observed; line: string } | { error: string }>>();
  const connectFrom = (h: DebugContainer, probe: 'tcp-connect' | 'udp-connect', ip: string, port: number): Promise<{ observed: Observed; line: string } | { error: string }> => {
    const key = `${h.namespace}/${h.pod}:${probe}:${ip}:${port}`;
    let c = connects.get(key);
    if (!c) connects.set(key, (c = connectOnce(h, probe, ip, port)));
    return c;
  };
  const connectOnce = (h: DebugContainer, probe: 'tcp-connect' | 'udp-connect', ip: string, port: number): Promise<{ observed: Observed; line: string } | { error: string }> =>
    limit(async () => {
      let r;
      try {
        r = await runProbe(kc, h, probe, { ip, port });
      } catch (e) {
        return { error: explainApiError(e, { verb: 'create', resource: 'pods/exec', namespace: h.namespace, name: h.pod, context: cl.context }).sentence };
      }
      if (r.timedOut) return { observed: observedFromNc('exec-timeout'), line: `no answer within ${probeDef(probe).timeoutMs} ms` };
      const nc = parseNc(r.stdout, { exitCode: r.exitCode, stderr: r.stderr });
      if (!nc.ok) return { error: `unreadable nc output (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 200)}` };
      return { observed: observedFromNc(nc.value.outcome), line: nc.value.attempts[nc.value.attempts.length - 1]?.message ?? `nc exit ${r.exitCode}` };
    });
  let seq = 0;
  const put = (c: MatrixCell) => {
    cells.set(cellKey(c.from, c.to), c);
    emit({ type: 'matrix:cell', payload: { id, seq: ++seq, cell: c } });
  };
  await Promise.all(
    m.cells.map(async (cell) => {
      const t = targets.get(cell.to)!;
      const h = await hold(cell.from);
      if (o.signal?.aborted) return;
      if ('error' in h) return put({ ...cell, detail: h.error });
      const probe = t.protocol === 'UDP' ? 'udp-connect' : 'tcp-connect';
      // A TCP Service cell also dials each ready endpoint directly: the Service connect lands on one at random.
      const direct = t.kind === 'svc' && t.protocol === 'TCP' ? (t.endpoints ?? []) : [];
      const [r, ...eps] = await Promise.all([
        connectFrom(h, probe, t.ip, t.port),
        ...direct.map((e) => connectFrom(h, 'tcp-connect', e.ip, e.port)),
      ]);
      if ('error' in r) return put({ ...cell, detail: r.error });
      const endpoints = direct.map((e, i) => ({ endpoint: `${e.ip}:${e.port}`, ...(e.pod ? { pod: e.pod } : {}), observed: 'error' in eps[i] ? null : eps[i].observed }));
      const withEps = endpoints.length ? { ...cell, endpoints } : cell;
      const observed = endpoints.length ? serviceObservation(cell, r.observed, endpoints) : r.observed;
      const udpSilence = t.protocol === 'UDP' && r.observed === 'open';
      put(observeCell(withEps, t, observed, udpSilence ? `${r.line} (UDP: no port-unreachable came back; a silent drop looks the same)` : r.line, udpSilence));
    }),
  );
  const final = m.cells.map((c) => cells.get(cellKey(c.from, c.to))!);
  // nothing observed (no rights to exec, every foothold refused): what is left is the config-depth prediction
  const observedFrom = new Set(final.filter((c) => c.observed !== null).map((c) => c.from));
  const notes = [...m.notes, ...m.sources.filter((src) => observedFrom.has(src)).flatMap(meshNote)];
  const done: Matrix = { ...m, notes, cells: final, depth: final.some((c) => c.observed !== null) ? 'live' : 'config', status: 'done' };
  emit({ type: 'matrix:done', payload: { id, matrix: done, exitCode: exitCodeOf(done) } });
  return done;
}
