// The service hop: the EndpointSlice's ready endpoints and the source node's kube-proxy rules for the VIP.
import { compareWithEndpoints, detectProxyMode, kubeProxyView, nodeZone, proxyObservation, traceService, type ProxyComparison, type ProxyDump, type ProxyTrace, type Service, type ServicePortEndpoints } from '../kube';
import { noSelectorNextStep, type CauseCode } from '../causes';
import type { ClusterSnapshot } from '../plan';
import { finding, observe, problem, warn, type Ctx, type ProbeRun } from './context';
import { nodeRules } from './dumps';

// ------------------------------------------------------------------ Service + kube-proxy ----

/** Which kube-proxy mode the node shows (lib/kube detectProxyMode, ConfigMap beside the dumps) and its dump. */
export function proxyDump(c: Ctx, node: string): { dump?: ProxyDump; run?: ProbeRun; detected: 'iptables' | 'nftables' | 'ipvs' | 'none' | 'unread' } {
  const { iptRun: ipt, nftRun: nft, ipvsRun: ipvs, save, nft: ruleset, ipvs: table } = nodeRules(c, node);
  if (!ipt && !nft) return { detected: 'unread' };
  const mode = detectProxyMode(c.snap.kubeProxyConfig, { ...(save ? { iptablesSave: save } : {}), ...(ruleset ? { nft: ruleset } : {}), ...(table ? { ipvs: table } : {}) }).mode;
  if (mode === 'ipvs' && table) return { dump: { mode: 'ipvs', ipvs: table }, run: ipvs, detected: 'ipvs' };
  if (mode === 'nftables' && ruleset) return { dump: { mode: 'nftables', ruleset }, run: nft, detected: 'nftables' };
  if (mode === 'iptables' && save) return { dump: { mode: 'iptables', save }, run: ipt, detected: 'iptables' };
  if (mode === 'unknown') return { detected: 'unread' };
  return { detected: 'none', run: ipt ?? nft };
}

/**
 * What kube-proxy on `node` does with the Service's VIP, judged against what kube-proxy there should do
 * (lib/kube kubeProxyView: internalTrafficPolicy Local, topology hints, the VIP's family): the one judgement
 * of a node's kube-proxy rules, for the pod path's service hop (the source pod's node) and the north-south
 * one (a node source's own node). Facts: the node's rule dump (`dump`), the Service and its EndpointSlices,
 * the node's `topology.kubernetes.io/zone` label from the snapshot. `problem` is set when the rules stop the
 * flow: no rule (proxy-rules-missing), rules off the EndpointSlice (proxy-rules-stale), or kube-proxy's
 * deliberate drop under internalTrafficPolicy Local on a node without a ready endpoint (no-local-endpoint:
 * iptables `"<ns>/<svc>:<port> has no local endpoints" -j DROP`, kube-proxy's own rule comment).
 */
export function proxyOnNode(
  snap: Pick<ClusterSnapshot, 'nodes'>,
  dump: ProxyDump,
  svc: { service: Service; endpoints: ServicePortEndpoints; vip: string; port: { port: number; protocol?: string } },
  node: string,
): { trace: ProxyTrace; cmp: ProxyComparison; problem?: { cause: CauseCode; sentence: string } } {
  const trace = traceService(dump, svc.vip, svc.port.port, svc.port.protocol ?? 'TCP');
  const view = kubeProxyView(svc.service, svc.endpoints, { node, vip: svc.vip, zone: nodeZone(snap.nodes, node) });
  const cmp = compareWithEndpoints(trace, view.expected, [], { ...view, node });
  return { trace, cmp, ...(cmp.status === 'ok' ? {} : { problem: { cause: cmp.cause, sentence: `on node ${node}: ${cmp.sentence}` } }) };
}

export function judgeService(c: Ctx) {
  const { plan } = c;
  const svc = plan.service;
  if (!svc) return;
  const check = svc.check;
  const ready = svc.endpoints.ready;
  observe(c, 'service', `EndpointSlice: ${ready.length ? ready.join(', ') : 'no ready endpoint'}${svc.endpoints.notReady.length ? ` (not ready: ${svc.endpoints.notReady.join(', ')})` : ''}`);
  if (check.problem) {
    const ns = svc.service.metadata?.namespace ?? '';
    problem(c, 'service', check.problem.cause, check.problem.sentence, undefined, check.problem.cause === 'no-endpoints' && check.problem.kind === 'no-selector' ? noSelectorNextStep(ns, svc.service.metadata?.name ?? '') : undefined);
  } else if (ready.length === 0) {
    problem(c, 'service', 'no-endpoints', `Service ${svc.key} has no ready endpoint in its EndpointSlices`);
  }
  const cut = [nodeRules(c, plan.src.node).iptRun, nodeRules(c, plan.src.node).nftRun].find((r) => r?.truncated);
  if (cut) {
    // Say it, and judge nothing from a partial dump (a cut dump is not "no rules").
    const sentence = `the ${cut.probe} dump on ${plan.src.node} is larger than packetwalk reads (${Math.round(cut.stdout.length / 1048576)} MiB kept), so kube-proxy's rules for ${svc.vip} were not judged`;
    finding(c, cut, sentence);
    observe(c, 'service', sentence);
    return;
  }
  const { dump, run, detected } = proxyDump(c, plan.src.node);
  if (detected === 'unread') return;
  if (detected === 'none' || !dump) {
    warn(c, 'service', 'proxy-mode-unknown', `no kube-proxy rules on ${plan.src.node} (no KUBE-SERVICES in iptables-save, no table ip kube-proxy in nft, no IPVS): the cluster may replace kube-proxy (e.g. Cilium); inspect it with \`cilium bpf lb list\``);
    finding(c, run, 'no kube-proxy rules found');
    return;
  }
  // What kube-proxy on this node should use: ITP Local, topology hints, serving/terminating, the VIP's family.
  const { trace, cmp, problem: stops } = proxyOnNode(c.snap, dump, svc, plan.src.node);
  finding(c, run, cmp.sentence);
  observe(c, 'service', proxyObservation(dump.mode, plan.src.node, cmp.sentence));
  c.serviceDetails = { chain: trace.chains.filter((x) => /^(KUBE-SVC-|service-[A-Z2-7]{8}-)/.test(x))[0] ?? trace.chains.join(' → '), mode: dump.mode };
  if (stops) problem(c, 'service', stops.cause, stops.sentence);
}
