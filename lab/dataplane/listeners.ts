// Every containerPort of a lab pod gets a real listener in the pod's netns (lab/dataplane/listener.mjs),
// honouring the pod annotations: `packetwalk/listen-address` (127.0.0.1: loopback only; [::]: IPv6 only) and
// `packetwalk/listening: "false"` (no process at all).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject, LabPod, LabState } from '../types';
import { API_SERVER_PORT, apiServerAddress, podLogName } from '../objects';
import { logPath, startDaemon } from './daemons';

type Obj = Record<string, unknown>;

const LISTENER = fileURLToPath(new URL('./listener.mjs', import.meta.url));

/** The binds (`tcp:ADDR:PORT`) of a pod's listener, or null when the pod runs none. */
export function listenerBinds(pod: KubeObject): string[] | null {
  const ann = pod.metadata.annotations ?? {};
  if (ann['packetwalk/listening'] === 'false') return null;
  const addr = ann['packetwalk/listen-address'] ?? '0.0.0.0';
  const binds: string[] = [];
  for (const c of ((pod.spec as Obj).containers as Obj[]) ?? []) {
    for (const p of (c.ports as Obj[] | undefined) ?? []) {
      const proto = String(p.protocol ?? 'TCP');
      // [::]: an IPv6-only socket (IPV6_V6ONLY, as nginx's `listen [::]:PORT` binds by default), "v6only" in the bind
      if (proto === 'TCP' || proto === 'UDP') binds.push(`${proto.toLowerCase()}:${addr === '[::]' ? 'v6only' : addr}:${p.containerPort}`);
    }
  }
  return binds.length ? binds : null;
}

/** Starts the listeners of the given lab pods (in parallel); returns "ns/name" → pid. */
export async function startListeners(st: LabState, pods: LabPod[]): Promise<Map<string, number>> {
  const objs = new Map(st.objects.filter((o) => o.kind === 'Pod').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const started = new Map<string, number>();
  const results = await Promise.allSettled(
    pods.map(async (p) => {
      const key = `${p.namespace}/${p.name}`;
      const obj = objs.get(key);
      // CoreDNS's ports are dnsmasq's; kube-system's hostNetwork pods are the node's own daemons. A
      // user's hostNetwork pod listens in its node's netns, on the node's addresses.
      if (!obj || p.namespace === 'kube-system') return;
      const binds = listenerBinds(obj);
      if (!binds) return;
      const pid = await startDaemon({
        netns: p.netns,
        link: join(st.labDir, `${st.instance}-listener`),
        target: process.execPath,
        args: [LISTENER, p.name, ...binds],
        log: logPath(st.labDir, podLogName('listener', p.namespace, p.name)),
        ready: /^ready /m,
        what: `the listener of pod ${key}`,
      });
      started.set(key, pid);
    }),
  );
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    Object.assign(failed.reason as object, { startedPids: [...started.values()] });
    throw failed.reason;
  }
  return started;
}

/**
 * The API server as the node network sees it (lab/objects apiServerAddress): a listener in the first node's netns on
 * its InternalIP:6443, so default/kubernetes has an endpoint that answers a TCP handshake (plain HTTP, not TLS: the
 * lab's real API server is on this machine's loopback, for kubectl). Returns its pid for state.daemons.
 */
export async function startApiServerStandIn(st: LabState): Promise<Record<string, number>> {
  const node = st.nodes.find((n) => n.internalIP === apiServerAddress(st.nodes));
  if (!node) return {};
  const pid = await startDaemon({
    netns: node.netns,
    link: join(st.labDir, `${st.instance}-listener`),
    target: process.execPath,
    args: [LISTENER, 'kube-apiserver', `tcp:${node.internalIP}:${API_SERVER_PORT}`],
    log: logPath(st.labDir, 'apiserver-standin'),
    ready: /^ready /m,
    what: `the API server's stand-in on ${node.name} (${node.internalIP}:${API_SERVER_PORT})`,
  });
  return { 'apiserver-standin': pid };
}
