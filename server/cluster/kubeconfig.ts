// Loads a kubeconfig the way kubectl does: --kubeconfig wins, else $KUBECONFIG (a list of files joined by
// ':'), else ~/.kube/config; --context picks a context, else the current one; the namespace is the
// context's, else "default". Every failure is a ClusterError naming the file or context and the fix.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from './errors';
import { didYouMean, nearNames, someOf } from '../../lib/suggest';
import { labDir } from '../../lab/state';
import { applyProxyEnv, applyRequestDeadline, REQUEST_TIMEOUT_MS, reuseConnections, shareExecCredentials } from './credentials';
import { msEnv } from '../../lib/schema/flags';

export interface KubeconfigOptions {
  /** --kubeconfig: one file (like kubectl, it replaces $KUBECONFIG). */
  kubeconfig?: string;
  /** --context */
  context?: string;
  /** Environment to read KUBECONFIG/HOME/HTTPS_PROXY/NO_PROXY from; defaults to process.env (a seam for tests). */
  env?: Record<string, string | undefined>;
  /** deadline of each API request in ms (default REQUEST_TIMEOUT_MS) */
  requestTimeoutMs?: number;
}

export interface ContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace: string;
  server: string;
  current: boolean;
}

export interface LoadedCluster {
  kc: KubeConfig;
  /** the context in use */
  context: string;
  /** the context's namespace, or "default" */
  namespace: string;
  server: string;
  user: string;
  /** the file(s) read, for messages */
  source: string;
}

/** The kubeconfig files kubectl would read, in its precedence order. */
export function kubeconfigFiles(opts: KubeconfigOptions = {}): { files: string[]; from: string } {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return { files: [opts.kubeconfig], from: '--kubeconfig' };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f.trim() !== '');
  if (list.length) return { files: list, from: 'KUBECONFIG' };
  const home = env.HOME ?? homedir();
  return { files: [join(home, '.kube', 'config')], from: 'default' };
}

function readConfig(opts: KubeconfigOptions): { kc: KubeConfig; source: string } {
  const { files, from } = kubeconfigFiles(opts);
  const kc = new KubeConfig();
  const existing = files.filter((f) => existsSync(f));
  if (from === '--kubeconfig' && existing.length === 0) {
    throw new ClusterError(`kubeconfig file ${files[0]} does not exist`, 'pass an existing file to --kubeconfig (kubectl reads $KUBECONFIG or ~/.kube/config; for the lab, `packetwalk lab up` prints its path last)');
  }
  if (existing.length === 0) {
    // A running lab is not used unasked (its kubeconfig must never stand in for a real cluster's), but named.
    const lab = runningLabKubeconfig();
    throw new ClusterError(
      `no kubeconfig found (${from === 'KUBECONFIG' ? `none of the KUBECONFIG files ${files.join(', ')} exists` : `${files[0]} does not exist`})`,
      lab ? `pass --kubeconfig FILE or set KUBECONFIG; for the running lab: --kubeconfig ${lab}` : 'pass --kubeconfig FILE, set KUBECONFIG, or start the lab with `packetwalk lab up` and use the path it prints',
    );
  }
  // kubectl merges the KUBECONFIG list: the first file to set a value wins — a cluster, user or context
  // name that an earlier file defined is ignored in later files (kubeadm's files all say "kubernetes",
  // "kubernetes-admin"), and current-context comes from the first file that sets one.
  // (client-go's clientcmd loader; client-node's mergeConfig throws "Duplicate cluster" instead.)
  const merged = { clusters: [] as KubeConfig['clusters'], users: [] as KubeConfig['users'], contexts: [] as KubeConfig['contexts'], current: '' };
  for (const f of existing) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(f);
    } catch (e) {
      throw new ClusterError(`kubeconfig ${f} cannot be read: ${(e as Error).message.split('\n')[0]}`, 'fix the YAML of that file or point --kubeconfig at another one', String(e));
    }
    for (const c of one.clusters) if (!merged.clusters.some((x) => x.name === c.name)) merged.clusters.push(c);
    for (const u of one.users) if (!merged.users.some((x) => x.name === u.name)) merged.users.push(u);
    for (const c of one.contexts) if (!merged.contexts.some((x) => x.name === c.name)) merged.contexts.push(c);
    if (!merged.current && one.getCurrentContext()) merged.current = one.getCurrentContext();
  }
  kc.loadFromOptions({ clusters: merged.clusters, users: merged.users, contexts: merged.contexts, currentContext: merged.current });
  const env = opts.env ?? process.env;
  applyProxyEnv(kc, env);
  // the per-request deadline bounds a credential plugin's run too
  const deadline = opts.requestTimeoutMs ?? msEnv('PACKETWALK_API_TIMEOUT_MS', env, REQUEST_TIMEOUT_MS);
  shareExecCredentials(kc, deadline);
  reuseConnections(kc);
  applyRequestDeadline(kc, deadline);
  return { kc, source: existing.join(delimiter) };
}

/** Every context of the kubeconfig, for pickers (`current` marks the one kubectl would use). */
export function listContexts(opts: KubeconfigOptions = {}): ContextInfo[] {
  const { kc } = readConfig(opts);
  const current = kc.getCurrentContext();
  return kc.getContexts().map((c) => ({
    name: c.name,
    cluster: c.cluster,
    user: c.user,
    namespace: c.namespace ?? 'default',
    server: kc.getCluster(c.cluster)?.server ?? '',
    current: c.name === current,
  }));
}

/** Loads the kubeconfig and selects the context; throws ClusterError with a sentence on any problem. */
export function loadCluster(opts: KubeconfigOptions = {}): LoadedCluster {
  const { kc, source } = readConfig(opts);
  const names = kc.getContexts().map((c) => c.name);
  const wanted = opts.context ?? kc.getCurrentContext();
  if (!wanted) {
    throw new ClusterError(`kubeconfig ${source} has no current context`, names.length ? `pass --context with one of: ${someOf(names)}${names.length > 10 ? ' (kubectl config get-contexts lists them all)' : ''}` : 'add a context to the kubeconfig (kubectl config set-context)');
  }
  const ctx = kc.getContextObject(wanted);
  if (!ctx) {
    // its contexts, the ones near the typed name first ("prod" → prod-eu), at most 10 (lib/suggest someOf)
    const has = `${names.length} context${names.length === 1 ? '' : 's'}`;
    throw new ClusterError(
      `context "${wanted}" is not in kubeconfig ${source}${names.length ? `, which has ${has}${didYouMean(nearNames(wanted, names))}` : ''}`,
      names.length ? `use one of: ${someOf(names, wanted)}${names.length > 10 ? ' (kubectl config get-contexts lists them all)' : ''}` : 'the kubeconfig has no contexts; add one (kubectl config set-context)',
    );
  }
  kc.setCurrentContext(wanted);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) {
    // client-node throws "No active cluster!" later; say here which name is dangling.
    throw new ClusterError(`context "${wanted}" names cluster "${ctx.cluster}", which kubeconfig ${source} does not define`, 'add that cluster (kubectl config set-cluster) or fix the context');
  }
  const user = ctx.user ? kc.getUser(ctx.user) : null;
  if (ctx.user && !user) {
    // client-node would go on without credentials, and the server's answer (a TLS or 401 error) would hide why.
    throw new ClusterError(`context "${wanted}" names user "${ctx.user}", which kubeconfig ${source} does not define`, 'add that user (kubectl config set-credentials) or fix the context (kubectl config set-context --user)');
  }
  // Files the context's TLS needs, named before any request (client-node throws a bare ENOENT when it reads them).
  const files: [string, string | undefined][] = [
    ['certificate-authority', cluster.caFile],
    ['client-certificate', user?.certFile],
    ['client-key', user?.keyFile],
  ];
  for (const [what, file] of files) {
    if (file && !existsSync(file)) throw new ClusterError(`the kubeconfig's ${what} ${file} does not exist (context "${wanted}", kubeconfig ${source})`, `fix the ${what} path in the kubeconfig, or embed it as ${what}-data`);
  }
  return { kc, context: wanted, namespace: ctx.namespace ?? 'default', server: cluster.server, user: ctx.user, source };
}

/** The kubeconfig of the lab PACKETWALK_LAB names (default pw), when that lab is up; else undefined. */
function runningLabKubeconfig(): string | undefined {
  try {
    const file = join(labDir(), 'kubeconfig');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined; // an invalid PACKETWALK_LAB: the lab CLI says why when it is used
  }
}
