// The service hop: the EndpointSlice's ready endpoints and the source node's kube-proxy rules for the VIP.
import { compareWithEndpoints, detectProxyMode, parseIptablesSave, parseIpvsadm, parseNft, traceService, type IptablesSave, type IpvsTable, type NftRuleset, type ProxyDump } from '../kube';
import { parseRun, type Parser } from './read';
import { finding, observe, one, onNode, problem, warn, type Ctx, type ProbeRun } from './context';

// ------------------------------------------------------------------ Service + kube-proxy ----

/** The node's kube-proxy dumps, parsed once per run (parseRun memoizes), only from runs that exited 0. */
const parseIptDump: Parser<IptablesSave> = (t) => parseIptablesSave(t);
const parseNftDump: Parser<NftRuleset> = (t) => parseNft(t);
const parseIpvsDump: Parser<IpvsTable> = (t) => parseIpvsadm(t);
function dumpRun<T>(r: ProbeRun | undefined, parse: Parser<T>): T | undefined {
  if (!r || r.exitCode !== 0) return undefined;
  const v = parseRun(r, parse);
  return v.ok ? v.value : undefined;
}

/** Which kube-proxy mode the node shows (lib/kube detectProxyMode, ConfigMap beside the dumps) and its dump. */
function proxyDump(c: Ctx, node: string): { dump?: ProxyDump; run?: ProbeRun; detected: 'iptables' | 'nftables' | 'ipvs' | 'none' | 'unread' } {
  const ipt = one(c.plan, c.runs, onNode(node, 'iptables-save'));
  const nft = one(c.plan, c.runs, onNode(node, 'nft-ruleset'));
  const ipvs = one(c.plan, c.runs, onNode(node, 'ipvsadm'));
  if (!ipt && !nft) return { detected: 'unread' };
  const save = dumpRun(ipt, parseIptDump);
  const ruleset = dumpRun(nft, parseNftDump);
  const table = dumpRun(ipvs, parseIpvsDump);
  const mode = detectProxyMode(c.snap.kubeProxyConfig, { ...(save ? { iptablesSave: save } : {}), ...(ruleset ? { nft: ruleset } : {}), ...(table ? { ipvs: table } : {}) }).mode;
  if (mode === 'ipvs' && table) return { dump: { mode: 'ipvs', ipvs: table }, run: ipvs, detected: 'ipvs' };
  if (mode === 'nftables' && ruleset) return { dump: { mode: 'nftables', ruleset }, run: nft, detected: 'nftables' };
  if (mode === 'iptables' && save) return { dump: { mode: 'iptables', save }, run: ipt, detected: 'iptables' };
  if (mode === 'unknown') return { detected: 'unread' };
  return { detected: 'none', run: ipt ?? nft };
}

export function judgeService(c: Ctx) {
  const { plan } = c;
  const svc = plan.service;
  if (!svc) return;
  const check = svc.check;
  const ready = svc.endpoints.ready;
  observe(c, 'service', `EndpointSlice: ${ready.length ? ready.join(', ') : 'no ready endpoint'}${svc.endpoints.notReady.length ? ` (not ready: ${svc.endpoints.notReady.join(', ')})` : ''}`);
  if (check.problem) {
    problem(c, 'service', check.problem.cause, check.problem.sentence);
  } else if (ready.length === 0) {
    problem(c, 'service', 'no-endpoints', `Service ${svc.key} has no ready endpoint in its EndpointSlices`);
  }
  const { dump, run, detected } = proxyDump(c, plan.src.node);
  if (detected === 'unread') return;
  if (detected === 'none' || !dump) {
    warn(c, 'service', 'proxy-mode-unknown', `no kube-proxy rules on ${plan.src.node} (no KUBE-SERVICES in iptables-save, no table ip kube-proxy in nft, no IPVS): the cluster may replace kube-proxy (e.g. Cilium); inspect it with \`cilium bpf lb list\``);
    finding(c, run, 'no kube-proxy rules found');
    return;
  }
  const trace = traceService(dump, svc.vip, svc.port.port, svc.port.protocol ?? 'TCP');
  const cmp = compareWithEndpoints(trace, ready);
  finding(c, run, cmp.sentence);
  observe(c, 'service', `kube-proxy (${dump.mode}) on ${plan.src.node}: ${cmp.sentence.replace(/\.$/, '')}`);
  c.serviceDetails = { chain: trace.chains.filter((x) => /^(KUBE-SVC-|service-[A-Z2-7]{8}-)/.test(x))[0] ?? trace.chains.join(' → '), mode: dump.mode };
  if (cmp.status === 'missing') problem(c, 'service', 'proxy-rules-missing', `${cmp.sentence.replace(/\.$/, '')} on node ${plan.src.node}`);
  else if (cmp.status === 'stale') problem(c, 'service', 'proxy-rules-stale', `on node ${plan.src.node}: ${cmp.sentence}`);
}
