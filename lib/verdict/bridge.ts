// bridge-netfilter (DESIGN §4): on a bridge CNI (flannel's cni0) with net.bridge.bridge-nf-call-iptables=0
// (or br_netfilter not loaded), a pod's connection to a Service endpoint on its own node is DNATed on the
// way in (routed through the bridge address), but the endpoint's reply is bridged straight back to the
// client's veth and never meets conntrack: no un-DNAT, the client drops a reply from the wrong address.
import { dnsPods } from '../plan';
import { parseSysctl, sysctlNumber } from '../parse';
import { connectText } from './read';
import { finding, links, observe, one, onNode, onPod, problem, read, type Ctx } from './context';
import { podInterface } from './read';
import { vethForPeerIndex } from '../parse';

const KEY = 'net.bridge.bridge-nf-call-iptables';

/** Is the pod's host-side veth a port of a bridge (found by the peer ifindex)? The bridge name, if so. */
function bridgeOfPod(c: Ctx, ns: string, name: string, node: string): string | undefined {
  const eth = podInterface(links(c, one(c.plan, c.runs, onPod(ns, name, 'addr'))));
  const nodeLinks = links(c, one(c.plan, c.runs, onNode(node, 'node-link')));
  if (eth?.linkIndex === undefined || !nodeLinks) return undefined;
  return vethForPeerIndex(nodeLinks, eth.linkIndex)?.master;
}

/**
 * bridge-netfilter's next step at src-node, with this path's node, pod, VIP and same-node endpoints: what to set where,
 * and which connections fail until then — only those kube-proxy sends to an endpoint on the source's bridge, so a
 * connect to the VIP fails by the draw, and a direct connect to any endpoint opens.
 */
export function bridgeNetfilterStep(node: string, zero: boolean, bridge: string, until: string): string {
  const state = zero ? `\`sysctl ${KEY}\` says 0` : `br_netfilter is not loaded (no ${KEY}): \`modprobe br_netfilter\``;
  return `On ${node}, ${state}: set it to 1 (\`sysctl -w ${KEY}=1\`${zero ? ', with br_netfilter loaded' : ''}) and persist it in /etc/sysctl.d/, so replies between pods on ${bridge} are un-NATed by kube-proxy's rules. Until then ${until}.`;
}

/**
 * Judges the source node's bridge-nf-call-iptables for the path: a same-node Service endpoint behind a bridge
 * with it off is `bridge-netfilter` at src-node (standing: connections that land there fail); a DNS timeout
 * whose DNS pod sits on the source's node is explained by it too. Run after explainDnsTimeout.
 */
export function judgeBridgeNetfilter(c: Ctx) {
  const { plan } = c;
  const node = plan.src.node;
  const run = one(plan, c.runs, onNode(node, 'bridge-nf'));
  const s = read(c, run, parseSysctl, { supplementary: true });
  if (!run || !s) return;
  const v = sysctlNumber(s, KEY);
  const off = v === 0 || (v === undefined && s.missing.includes(KEY));
  const bridge = bridgeOfPod(c, plan.src.namespace, plan.src.name, node);
  finding(c, run, v !== undefined ? `${KEY} = ${v}${bridge ? ` (pods on ${bridge})` : ''}` : `${KEY} absent: br_netfilter is not loaded`);
  if (!off || !bridge) return;
  const what = v === 0 ? `${KEY} = 0` : `br_netfilter not loaded (no ${KEY})`;
  observe(c, 'src-node', `${what} on ${node}: pod-to-pod traffic bridged on ${bridge} skips iptables`);
  const sameNodeEndpoints = plan.service && !plan.hairpin
    ? plan.service.endpoints.endpoints.filter((e) => e.ready && e.ip !== plan.src.ip && e.nodeName === node)
    : [];
  // the EndpointSlice may leave nodeName out: the drawn endpoint's own node counts too
  if (plan.service && plan.dst && plan.sameNode && !plan.hairpin && !sameNodeEndpoints.some((e) => e.ip === plan.dst!.ip)) {
    const e = plan.service.endpoints.endpoints.find((x) => x.ip === plan.dst!.ip);
    if (e) sameNodeEndpoints.push(e);
  }
  if (sameNodeEndpoints.length) {
    const direct = sameNodeEndpoints.map((e) => c.directConnect.get(`${e.ip}:${e.port}`)).find((o) => o !== undefined);
    const vip = `${plan.service!.vip}:${plan.service!.port.port}`;
    problem(c, 'src-node', 'bridge-netfilter',
      `${what} on ${node}: ${plan.src.namespace}/${plan.src.name} → ${vip} is DNATed to ${sameNodeEndpoints.map((e) => `${e.ip}:${e.port}`).join(', ')} on the same bridge ${bridge}, whose reply is bridged straight back and never un-NATed` +
      `${c.connect !== undefined ? `; the connect to ${vip}: ${connectText(c.connect)}` : ''}${direct ? `, the direct connect to the endpoint: ${connectText(direct)}` : ''}`, [node],
      bridgeNetfilterStep(node, v === 0, bridge, `the connections from pods on ${node}'s ${bridge} that kube-proxy sends to ${sameNodeEndpoints.map((e) => `${e.ip}:${e.port}`).join(', ')} fail: ` +
        `\`nc -z -w 2 ${plan.service!.vip} ${plan.service!.port.port}\` in ${plan.src.namespace}/${plan.src.name} fails whenever kube-proxy picks ${sameNodeEndpoints.length === 1 ? 'that endpoint' : 'one of those'} (a direct connect to it opens)`));
  }
  const dns = c.problems.find((p) => p.hop === 'dns' && p.cause === 'dns-timeout');
  if (dns && dnsPods(c.snap).some((d) => d.node === node)) {
    dns.cause = 'bridge-netfilter';
    dns.reason = `DNS queries to the kube-dns VIP time out: the DNS pod is on ${node}, the source's own node, where ${what}, so its answers are bridged back on ${bridge} without the un-DNAT`;
    const local = dnsPods(c.snap).filter((d) => d.node === node).map((d) => (d.pod ? `${d.pod.namespace}/${d.pod.name} ${d.ip}` : d.ip));
    dns.nextStep = bridgeNetfilterStep(node, v === 0, bridge, `lookups from pods on ${node}'s ${bridge} that kube-proxy sends to the DNS pod${local.length === 1 ? '' : 's'} there (${local.join(', ')}) time out`);
  }
}
