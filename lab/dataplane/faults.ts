// Injecting and healing the catalogue's faults (lab/faults.ts) in the running dataplane. Each breaks
// exactly what its catalogue line says, and clearing it restores exactly the healthy configuration.
import { join } from 'node:path';
import { checkFaultTargets, FaultRefused, faultWouldDoNothing, parseFaultSpec, sameFault } from '../faults';
import { UNDERLAY_MTU, underlayNetns, vtepMac } from '../objects';
import { readState, updateState } from '../state';
import type { LabFault, LabNode, LabPod, LabState } from '../types';
import { dnsDaemonKey, dnsPod, dnsPods, startDnsReplica } from './dns';
import { stopOwned } from './daemons';
import { cniOf, faultInapplicable } from '../families';
import { familyOf } from './families';
import { vtepIP } from './families/common';
import { routerRoute } from './families/vpc';
import { podRouteArgs, TUNNEL_MTU } from './network';
import { setMasquerade, setUpstreamDns } from './outside';
import { syncProxy } from './proxy';
import { inNetns, ipBatch, must, run } from './sh';

/** MTUs while mtu-blackhole holds: the tunnel well below the pods' 1500 (LAB-NOTES: at 1450, 1400-byte pings still fit). */
export const BLACKHOLE_TUNNEL_MTU = 1200;

const node = (st: LabState, name: string): LabNode => {
  const n = st.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name} in this lab`);
  return n;
};
const pod = (st: LabState, key: string): LabPod => {
  const p = st.pods.find((x) => `${x.namespace}/${x.name}` === key && !x.hostNetwork);
  if (!p) throw new Error(`no pod ${key} in this lab`);
  return p;
};

/** The MAC a stale neighbor entry holds: the peer's tunnel MAC as it was before its flannel.1 was recreated. */
export const staleMac = (instance: string, peer: string) => vtepMac(`${instance}/stale`, peer);

const ipt = (n: LabNode, args: string[]) => inNetns(n.netns, ['iptables', '-w', ...args]);

/** iptables rule specs of the faults that are filter rules: [chain, ...match]. */
function filterRule(st: LabState, f: LabFault): [string, string[]] | null {
  switch (f.name) {
    case 'mtu-blackhole':
      return ['OUTPUT', ['-p', 'icmp', '-m', 'icmp', '--icmp-type', '3/4', '-j', 'DROP']];
    case 'overlay-blocked':
      // the family's tunnel port: 4789 (flannel.1, vxlan.calico) or 8472 (cilium_vxlan)
      return ['INPUT', ['-p', 'udp', '-m', 'udp', '--dport', String(familyOf(st).tunnel(st)?.port ?? 4789), '-j', 'DROP']];
    case 'node-firewall-drop':
      return ['FORWARD', ['-p', 'tcp', '-m', 'tcp', '--dport', f.params.port, '-j', 'DROP']];
    default:
      return null;
  }
}

/** Extra checks a fault needs against this lab's shape (beyond lab/faults.ts's catalogue). */
export function checkFaultFits(st: Pick<LabState, 'cluster'>, f: LabFault): void {
  // DESIGN §3.1: a fault applies where its mechanism exists in the lab's family (lab/families.ts says where).
  const why = faultInapplicable(f.name, st.cluster);
  if (why) throw new FaultRefused(why);
}

async function setMtu(st: LabState, n: LabNode, blackhole: boolean): Promise<void> {
  // The whole path through this node's tunnel gets the bottleneck, in both directions: the tunnel
  // device (egress from here) and the node's underlay link, where bigger frames from other nodes drop.
  const dev = familyOf(st).tunnel(st)?.device;
  const vxlan = dev !== undefined;
  const link = blackhole ? (vxlan ? BLACKHOLE_TUNNEL_MTU + 50 : BLACKHOLE_TUNNEL_MTU) : UNDERLAY_MTU;
  // (VXLAN needs its lower device 50 bytes bigger: shrink the tunnel first, grow it last.)
  const tunnel = () => (vxlan ? ipBatch(n.netns, [`link set ${dev} mtu ${blackhole ? BLACKHOLE_TUNNEL_MTU : TUNNEL_MTU}`]) : Promise.resolve());
  if (blackhole) await tunnel();
  await ipBatch(n.netns, [`link set eth0 mtu ${link}`]);
  // A bridge follows its smallest port's MTU unless its own was set: pinned, br0 (the underlay gateway, the VPC router)
  // keeps routing at full size to the other nodes, and only frames out of this node's port are too big (dropped
  // there without an ICMP error, as a real switch port drops them). Unpinned, one node's fault shrank every
  // node's routed path (tester finding, session 15).
  await ipBatch(underlayNetns(st.instance), [`link set ${n.underlayVeth} mtu ${link}`, `link set br0 mtu ${UNDERLAY_MTU}`]);
  if (!blackhole) await tunnel();
  if (cniOf(st.cluster) === 'vpc') {
    // The VPC router's switch port shrinks with the node's link, and the router would answer with
    // fragmentation-needed itself: drop that too (one rule per fault, so a second node's fault keeps it).
    const rule = ['OUTPUT', '-p', 'icmp', '-m', 'icmp', '--icmp-type', '3/4', '-j', 'DROP'];
    await (blackhole ? must(inNetns(underlayNetns(st.instance), ['iptables', '-w', '-I', ...rule.slice(0, 1), '1', ...rule.slice(1)]), { what: 'mtu-blackhole on the VPC router' }) : run(inNetns(underlayNetns(st.instance), ['iptables', '-w', '-D', ...rule])));
  }
}

/**
 * After a pod's veth comes back: the node's neighbour entry for the pod, FAILED while the link was down, is dropped
 * and the node pings the pod (at most ~3 s, ignoring the outcome: another fault may hold it), so a cleared fault is
 * restored when `fault clear` returns. Without it the next connect from the node could still get EHOSTUNREACH from
 * the stale entry (a healthy NodePort judged `degraded` in a CI run, session 16).
 */
async function settlePodLink(netns: string, ip: string): Promise<void> {
  await run(['ip', '-n', netns, 'neigh', 'flush', 'to', ip]);
  for (let i = 0; i < 3; i++) if ((await run(inNetns(netns, ['ping', '-n', '-q', '-c', '1', '-W', '1', ip]))).code === 0) return;
}

/** Forgets learned path MTUs everywhere, so a healed path is used at full size at once. */
async function flushRouteCaches(st: LabState): Promise<void> {
  await Promise.all([...st.nodes.map((n) => n.netns), ...st.pods.filter((p) => !p.hostNetwork).map((p) => p.netns)].map((ns) => run(['ip', '-n', ns, 'route', 'flush', 'cache'])));
}

async function setStaleNeighbor(st: LabState, n: LabNode, peer: LabNode, stale: boolean): Promise<void> {
  const dev = familyOf(st).tunnel(st)?.device;
  if (dev) {
    const good = vtepMac(st.instance, peer.name);
    const bad = staleMac(st.instance, peer.name);
    const [from, to] = stale ? [good, bad] : [bad, good];
    await ipBatch(n.netns, [`neigh replace ${vtepIP(peer)} lladdr ${to} dev ${dev} nud permanent`]);
    await must(['bridge', '-n', n.netns, '-batch', '-'], { input: `fdb del ${from} dev ${dev} dst ${peer.internalIP} self\nfdb append ${to} dev ${dev} dst ${peer.internalIP} self permanent\n`, what: 'stale-neighbor FDB' });
  } else if (stale) {
    await ipBatch(n.netns, [`neigh replace ${peer.internalIP} lladdr ${staleMac(st.instance, peer.name)} dev eth0 nud permanent`]);
  } else {
    await run(['ip', '-n', n.netns, 'neigh', 'del', peer.internalIP, 'dev', 'eth0']);
  }
}

async function setHairpin(st: LabState, n: LabNode, on: boolean): Promise<void> {
  const ports = st.pods.filter((p) => p.node === n.name && !p.hostNetwork).map((p) => `link set ${p.hostVeth} type bridge_slave hairpin ${on ? 'on' : 'off'}`);
  await ipBatch(n.netns, ports);
}

/** Makes the dataplane show fault `f` (state.faults is the caller's). */
export async function injectFault(st: LabState, f: LabFault): Promise<void> {
  await setFault(st, f, true);
}

export async function healFault(st: LabState, f: LabFault): Promise<void> {
  await setFault(st, f, false);
}

/**
 * A daemon's pid (undefined: it was stopped) in the lab's state, so `lab down` stops exactly what runs: in `st` and,
 * once the state is written (`lab fault add`; not yet during `lab up --fault`, which writes `st` after), in the file.
 */
function keepDaemon(st: LabState, key: string, pid: number | undefined): void {
  const set = (d: Record<string, number>) => {
    if (pid === undefined) delete d[key];
    else d[key] = pid;
  };
  set(st.daemons);
  if (readState(st.labDir)) updateState((s) => set(s.daemons), st.labDir);
}

async function setFault(st: LabState, f: LabFault, on: boolean): Promise<void> {
  const p = f.params;
  const rule = filterRule(st, f);
  if (rule) {
    const n = node(st, p.node);
    const [chain, spec] = rule;
    if (on) await must(ipt(n, ['-I', chain, '1', ...spec]), { what: `fault ${f.name}` });
    else await run(ipt(n, ['-D', chain, ...spec]));
  }
  switch (f.name) {
    case 'mtu-blackhole':
      await setMtu(st, node(st, p.node), on);
      if (!on) await flushRouteCaches(st);
      return;
    case 'node-route-missing': {
      const n = node(st, p.node);
      const to = node(st, p.to);
      const route = podRouteArgs(st, to, n);
      // overlay routed: the node has no such route; the VPC router's route table loses it instead
      if (route === null) await ipBatch(underlayNetns(st.instance), [`route ${on ? 'del' : 'replace'} ${on ? to.podCIDR : routerRoute(to)}`]);
      else await ipBatch(n.netns, [`route ${on ? 'del' : 'replace'} ${on ? to.podCIDR : route}`]);
      return;
    }
    case 'stale-neighbor':
      return setStaleNeighbor(st, node(st, p.node), node(st, p.peer), on);
    case 'stale-proxy-rules':
    case 'proxy-rules-missing':
      // rendered from state.faults by syncProxy; the caller has already updated the list
      return syncProxy(st);
    case 'dns-down': {
      // Frozen, not killed: the socket stays bound, so queries are neither answered nor refused — they time out.
      // every CoreDNS replica's (cluster.dnsReplicas)
      const pids = dnsPods(st).map((_, i) => st.daemons[dnsDaemonKey(i)]);
      if (on && !pids.every(Boolean)) throw new Error(`the lab's DNS server (${dnsPod(st).name}) is not running`);
      for (const pid of pids) if (pid) process.kill(pid, on ? 'SIGSTOP' : 'SIGCONT');
      return;
    }
    case 'dns-not-listening': {
      // The replica's own dnsmasq (the lab started it: its pid in state.daemons, its argv our link) stops; the pod and
      // its netns stay, so queries to its address draw an ICMP port unreachable. Healed: started again, its new pid kept.
      const i = dnsPods(st).findIndex((x) => `${x.namespace}/${x.name}` === p.pod);
      if (i < 0) throw new Error(`no CoreDNS replica ${p.pod} in this lab`);
      const key = dnsDaemonKey(i);
      if (on) {
        const pid = st.daemons[key];
        if (!pid) throw new Error(`the DNS server of ${p.pod} is not running`);
        await stopOwned([pid], join(st.labDir, `${st.instance}-`));
        keepDaemon(st, key, undefined);
      } else keepDaemon(st, key, await startDnsReplica(st, i));
      return;
    }
    case 'hairpin-off':
      return setHairpin(st, node(st, p.node), !on);
    case 'pod-default-route-missing': {
      const q = pod(st, p.pod);
      const n = node(st, q.node);
      await ipBatch(q.netns, [on ? 'route del default' : `route replace ${familyOf(st).podDefault(n)}`]);
      return;
    }
    case 'veth-down': {
      const q = pod(st, p.pod);
      // routed families lose the pod's /32 route with the link: hostSideUp puts it back
      await ipBatch(node(st, q.node).netns, on ? [`link set ${q.hostVeth} down`] : familyOf(st).hostSideUp(st, q));
      if (!on) await settlePodLink(node(st, q.node).netns, q.ip);
      return;
    }
    case 'bridge-nf-off':
      // bridged frames between pods on this node stop passing iptables (so no conntrack reverse NAT on them)
      await must(inNetns(node(st, p.node).netns, ['sysctl', '-qw', `net.bridge.bridge-nf-call-iptables=${on ? 0 : 1}`]), { what: 'fault bridge-nf-off' });
      return;
    case 'masquerade-missing':
      return setMasquerade(node(st, p.node), !on);
    case 'upstream-dns-down':
      return setUpstreamDns(st, !on);
    case 'overlay-blocked':
    case 'node-firewall-drop':
      return;
    default:
      throw new Error(`unknown fault ${f.name}`);
  }
}

const targets = (st: LabState) => ({
  nodes: st.nodes.map((n) => n.name),
  services: st.objects.filter((o) => o.kind === 'Service').map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
  pods: st.pods.filter((p) => !p.hostNetwork).map((p) => `${p.namespace}/${p.name}`),
  hostNetworkPods: st.pods.filter((p) => p.hostNetwork).map((p) => `${p.namespace}/${p.name}`),
});

/** Checks a fault against a lab (catalogue, targets, shape, and that it would change something); throws a sentence. */
export function checkFault(st: LabState, f: LabFault): void {
  checkFaultTargets(f, targets(st));
  checkFaultFits(st, f);
  const idle = faultWouldDoNothing(f, st);
  if (idle) throw new FaultRefused(idle);
}

/** `lab fault add SPEC`: records the fault and injects it. Adding one that already holds is a no-op. */
export async function addFault(labDir: string, spec: string): Promise<{ fault: LabFault; already: boolean }> {
  const f = parseFaultSpec(spec);
  const st0 = readState(labDir);
  if (!st0) throw new Error(`no lab is running (no state in ${labDir}); start one with: packetwalk lab up`);
  checkFault(st0, f);
  if (st0.faults.some((g) => sameFault(g, f))) return { fault: f, already: true };
  const st = updateState((s) => {
    s.faults.push(f);
  }, labDir);
  try {
    await injectFault(st, f);
  } catch (e) {
    updateState((s) => {
      s.faults = s.faults.filter((g) => !sameFault(g, f));
    }, labDir);
    throw e;
  }
  return { fault: f, already: false };
}

/** `lab fault clear [NAME|SPEC]`: heals the matching faults (all when no name); returns those healed. */
export async function clearFaults(labDir: string, which?: string): Promise<LabFault[]> {
  const st0 = readState(labDir);
  if (!st0) throw new Error(`no lab is running (no state in ${labDir}); start one with: packetwalk lab up`);
  // NAME: every fault of that name; SPEC (as `fault add` took it, parameters in any order): that fault alone
  const wanted = which?.includes(':') ? parseFaultSpec(which) : undefined;
  const match = (f: LabFault) => !which || (wanted ? sameFault({ name: f.name, params: Object.fromEntries(Object.entries(f.params).sort()) }, { name: wanted.name, params: Object.fromEntries(Object.entries(wanted.params).sort()) }) : f.name === which);
  const healed = st0.faults.filter(match);
  if (!healed.length) return [];
  const st = updateState((s) => {
    s.faults = s.faults.filter((f) => !match(f));
  }, labDir);
  // Heal in reverse order of injection; proxy faults re-render once for all.
  let proxy = false;
  for (const f of [...healed].reverse()) {
    if (f.name === 'stale-proxy-rules' || f.name === 'proxy-rules-missing') proxy = true;
    else await healFault(st, f);
  }
  if (proxy) await syncProxy(st);
  return healed;
}
