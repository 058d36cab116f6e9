// `lab up` and `lab down`: the whole life of one lab instance. Up validates everything first, then
// builds netns → links → kube-proxy and policy rules → DNS → listeners → state → faults → API, and on
// any failure undoes exactly what it made. Down stops exactly the pids it started, deletes its netns,
// its /etc/netns entries and its lab dir, and restores /run/netns, /etc/netns and /run/packetwalk to
// how the first lab found them.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFaultTargets, faultToSpec, faultWouldDoNothing, parseFaultSpec, sameFault } from '../faults';
import { buildLab, nodeNetnsPrefix, podNetnsPrefix, underlayNetns } from '../objects';
import { faultTargets, LabFileError, parseLabFile } from '../spec';
import { createState, labDir as defaultLabDir, labInstance, readState } from '../state';
import type { LabFault, LabState } from '../types';
import { findOwned, processArgv, stopOwned } from './daemons';
import { ETC_NETNS, removePodEtc, startDns, writePodEtc } from './dns';
import { checkFaultFits, injectFault } from './faults';
import { startApiServerStandIn, startListeners } from './listeners';
import { startMesh } from './mesh';
import { buildNetwork, deleteNetns, labNetns } from './network';
import { buildOutside, planOutsideState, removeOutsideEtc, startNorthSouth, startOutsideDaemons } from './outside';
import { outsideNetns } from '../outside';
import { applyPolicies } from './policy';
import { syncProxy } from './proxy';
import { run } from './sh';

export const DEFAULT_LAB_FILE = fileURLToPath(new URL('../default.yaml', import.meta.url));
const RUN_NETNS = '/run/netns';
/** Where a lab notes that it (not the machine) created /run/netns or /etc/netns, so the last lab down removes them. */
const MARKS = '/run/packetwalk';

/** A problem with the user's input or machine: the CLI prints it and exits 2, nothing built. */
export class LabUsageError extends Error {}

export interface UpOptions {
  config?: string;
  faults?: string[];
  instance?: string;
  dir?: string;
  log?: (line: string) => void;
}

export interface UpResult {
  state: LabState;
  kubeconfig: string;
  ms: number;
  /** Milliseconds per phase (validate, replace, network, rules, daemons, faults+state, api). */
  phases: Record<string, number>;
}

const TOOLS: [string, string][] = [
  ['ip', 'iproute2'],
  ['bridge', 'iproute2'],
  ['iptables-restore', 'iptables'],
  ['iptables-save', 'iptables'],
  ['iptables', 'iptables'],
  ['sysctl', 'procps'],
  ['dnsmasq', 'dnsmasq-base'],
];

function which(tool: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return dirs.some((d) => d && existsSync(join(d, tool)));
}

/** Root or CAP_NET_ADMIN + CAP_SYS_ADMIN (netns need both), and the system tools, named by Debian package. */
export function preflight(kubeProxy: 'iptables' | 'nftables' = 'iptables', has: (tool: string) => boolean = which): void {
  const status = readFileSync('/proc/self/status', 'utf8');
  const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'}`);
  const cap = (bit: number) => (capEff >> BigInt(bit)) & 1n;
  if (!cap(12) || !cap(21)) {
    throw new LabUsageError('the lab builds network namespaces and needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); run it as root, e.g. sudo npx packetwalk lab up');
  }
  const missing = [...TOOLS, ...(kubeProxy === 'nftables' ? ([['nft', 'nftables']] as [string, string][]) : [])].filter(([t]) => !has(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, p]) => p))];
    throw new LabUsageError(`missing system tool${missing.length > 1 ? 's' : ''} ${missing.map(([t]) => t).join(', ')}: install the Debian package${pkgs.length > 1 ? 's' : ''} with apt-get install --no-install-recommends ${pkgs.join(' ')} (or run bash scripts/setup.sh)`);
  }
}

/** Reads + validates the lab file and the extra fault specs; throws LabFileError / LabUsageError. */
export function loadSpec(config: string | undefined, faultSpecs: string[] = []) {
  const file = config ?? DEFAULT_LAB_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LabUsageError(`cannot read lab file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const spec = parseLabFile(text, file);
  const ctx = faultTargets(spec);
  for (const [i, f] of spec.faults.entries()) {
    try {
      checkFaultFits(spec, f);
    } catch (e) {
      throw new LabFileError(file, 1, `faults[${i}]`, (e as Error).message, 'remove it or change the overlay');
    }
  }
  for (const s of faultSpecs) {
    let f: LabFault;
    try {
      f = parseFaultSpec(s);
      checkFaultTargets(f, ctx);
      checkFaultFits(spec, f);
    } catch (e) {
      throw new LabUsageError(`--fault ${s}: ${(e as Error).message}`);
    }
    if (!spec.faults.some((g) => sameFault(g, f))) spec.faults.push(f);
  }
  return spec;
}

export async function labUp(opts: UpOptions = {}): Promise<UpResult> {
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  let last = t0;
  const phase = (name: string) => {
    const now = Date.now();
    phases[name] = now - last;
    last = now;
  };
  const log = opts.log ?? (() => {});
  const instance = opts.instance ?? labInstance();
  const dir = opts.dir ?? defaultLabDir(instance);
  const spec = loadSpec(opts.config, opts.faults);
  preflight(spec.cluster.kubeProxy);
  // the layout is pure: computing it before the running lab is replaced means a file it refuses leaves that lab alone
  const layout = buildLab(spec, instance);
  // a fault that would change nothing in this lab (a headless Service's proxy rules, a node without pods …) is refused
  const flagged = new Set((opts.faults ?? []).map((x) => faultToSpec(parseFaultSpec(x))));
  spec.faults.forEach((f, i) => {
    const why = faultWouldDoNothing(f, { cluster: spec.cluster, ...layout, ...(spec.outside ? { outside: spec.outside } : {}) });
    if (!why) return;
    if (flagged.has(faultToSpec(f))) throw new LabUsageError(`--fault ${faultToSpec(f)}: ${why}`);
    throw new LabFileError(opts.config ?? DEFAULT_LAB_FILE, 1, `faults[${i}]`, why.replace(/; fix: .*$/, ''), why.replace(/^.*; fix: /, ''));
  });
  phase('validate');

  if (readState(dir) || existsSync(dir)) {
    log(`replacing the running lab ${instance}`);
    await labDown({ instance, dir });
  }
  phase('replace');

  const st: LabState = {
    version: 1,
    instance,
    labDir: dir,
    createdAt: new Date().toISOString(),
    cluster: spec.cluster,
    nodes: layout.nodes,
    pods: layout.pods,
    faults: [],
    objects: layout.objects,
    resourceVersion: 0,
    daemons: {},
    outside: planOutsideState(spec, instance),
  };

  const hadRunNetns = existsSync(RUN_NETNS);
  const hadEtcNetns = existsSync(ETC_NETNS);
  const hadMarks = existsSync(MARKS);
  const created: string[] = [];
  try {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    if (!hadMarks) mkdirSync(MARKS, { recursive: true });
    if (!hadRunNetns) writeFileSync(join(MARKS, '.made-run-netns'), '');
    await buildNetwork(st, created);
    if (writePodEtc(st) && !hadEtcNetns) writeFileSync(join(MARKS, '.made-etc-netns'), '');
    await buildOutside(st, created); // after writePodEtc: /etc/netns is marked as the lab's when it made it
    phase('network');
    await syncProxy(st, true);
    await applyPolicies(st, true);
    phase('rules');
    const [dnsPids, listeners] = await Promise.all([startDns(st), startListeners(st, st.pods)]);
    Object.assign(st.daemons, dnsPids);
    for (const p of st.pods) {
      const pid = listeners.get(`${p.namespace}/${p.name}`);
      if (pid) p.listenerPid = pid;
    }
    Object.assign(st.daemons, await startOutsideDaemons(st));
    Object.assign(st.daemons, await startMesh(st)); // packetwalk/mesh: istio pods (lab/dataplane/mesh.ts)
    Object.assign(st.daemons, await startApiServerStandIn(st)); // default/kubernetes's endpoint answers (lab/objects apiServerAddress)
    phase('daemons');
    for (const f of spec.faults) {
      st.faults.push(f);
      await injectFault(st, f);
    }
    createState(st);
    await startNorthSouth(st); // health checks + load balancer read the state
    phase('faults+state');
    const kubeconfig = await startApi(dir, log);
    phase('api');
    return { state: readState(dir) ?? st, kubeconfig, ms: Date.now() - t0, phases };
  } catch (e) {
    await undo(st, created, { hadRunNetns, hadEtcNetns, hadMarks });
    throw e;
  }
}

/** Starts the lab's Kubernetes API (lab/api/control.ts) when that module exists; returns the kubeconfig path. */
async function startApi(dir: string, log: (l: string) => void): Promise<string> {
  const control = fileURLToPath(new URL('../api/control.ts', import.meta.url));
  const fallback = join(dir, 'kubeconfig');
  if (!existsSync(control)) {
    log('the lab API is not built yet; the kubeconfig will be served at the path below');
    return fallback;
  }
  // A literal specifier, so the CLI bundle (scripts/build-cli.mjs) carries the module instead of importing a .ts file.
  const mod = (await import('../api/control')) as { startApiServer?: (d: string) => Promise<unknown> };
  if (typeof mod.startApiServer !== 'function') return fallback;
  await mod.startApiServer(dir);
  return readState(dir)?.api?.kubeconfig ?? fallback;
}

async function undo(st: LabState, created: string[], had: { hadRunNetns: boolean; hadEtcNetns: boolean; hadMarks: boolean }): Promise<void> {
  await stopOwned(findOwned(linkPrefix(st)), linkPrefix(st));
  await deleteNetns(created);
  removePodEtc(st);
  removeOutsideEtc(st);
  rmSync(st.labDir, { recursive: true, force: true });
  await tidyShared(!had.hadRunNetns, !had.hadEtcNetns);
}

const linkPrefix = (st: Pick<LabState, 'labDir' | 'instance'>) => join(st.labDir, `${st.instance}-`);

export interface DownResult {
  wasRunning: boolean;
  /** processes of the lab that were running and were stopped */
  stopped: number;
  /** network namespaces of the lab that existed and were deleted */
  netns: number;
}

/**
 * Removes the lab instance: its daemons (pids from the state; after a crash, processes started
 * through its own lab-dir links), its netns, /etc/netns entries and lab dir. Nothing else.
 */
export async function labDown(opts: { instance?: string; dir?: string } = {}): Promise<DownResult> {
  const instance = opts.instance ?? labInstance();
  const dir = opts.dir ?? defaultLabDir(instance);
  const st = readState(dir);
  const prefix = join(dir, `${instance}-`);
  const pids = st ? [st.api?.pid, ...Object.values(st.daemons), ...st.pods.map((p) => p.listenerPid)].filter((p): p is number => !!p) : [];
  const owned = [...new Set([...pids, ...findOwned(prefix)])];
  // What really runs as ours now (a pid of the state may be long gone or another process's by now): the count said.
  const running = owned.filter((p) => processArgv(p)?.[0]?.startsWith(prefix)).length;
  // The API daemon, dnsmasq and the listeners all run through `<labDir>/<instance>-…` links.
  await stopOwned(owned, prefix);

  // The netns of the state, plus (after a crash before the state was written) those our names match.
  const names = new Set(st ? labNetns(st) : []);
  const list = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  for (const n of list) if (n === underlayNetns(instance) || n === outsideNetns(instance) || n.startsWith(nodeNetnsPrefix(instance)) || n.startsWith(podNetnsPrefix(instance))) names.add(n);
  const existing = [...names].filter((n) => list.includes(n)).length;
  const left = await deleteNetns([...names]);
  if (left.length) throw new Error(`could not delete network namespaces ${left.join(', ')}`);
  for (const n of names) rmSync(join(ETC_NETNS, n), { recursive: true, force: true });
  if (st) removePodEtc(st);
  if (st) removeOutsideEtc(st);
  const existed = existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  await tidyShared(true, true);
  return { wasRunning: !!st || existed, stopped: running, netns: existing };
}

/** Removes /run/netns and /etc/netns when a lab made them and no netns is left; /run/packetwalk when empty. */
async function tidyShared(mayRunNetns: boolean, mayEtcNetns: boolean): Promise<void> {
  const empty = (d: string) => existsSync(d) && readdirSync(d).length === 0;
  const runMark = join(MARKS, '.made-run-netns');
  if (mayRunNetns && existsSync(runMark) && empty(RUN_NETNS)) {
    // `ip netns add` made /run/netns a bind mount of itself: unmount, then remove.
    if (readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === RUN_NETNS)) {
      await run(['umount', RUN_NETNS]);
    }
    try {
      rmdirSync(RUN_NETNS);
    } catch {
      /* busy: the next lab down retries */
    }
  }
  if (existsSync(runMark) && !existsSync(RUN_NETNS)) rmSync(runMark, { force: true });
  const etcMark = join(MARKS, '.made-etc-netns');
  if (mayEtcNetns && existsSync(etcMark) && empty(ETC_NETNS)) {
    rmdirSync(ETC_NETNS);
    rmSync(etcMark, { force: true });
  }
  if (empty(MARKS)) rmdirSync(MARKS);
}
