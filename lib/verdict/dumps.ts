// A node's rule dumps (iptables-save, nft list ruleset, ipvsadm), parsed once per run (parseRun memoizes),
// only from runs that exited 0: the Service, firewall and overlay judges read the same parse.
import { parseIptablesSave, parseIpvsadm, parseNft, type IptablesSave, type IpvsTable, type NftRuleset } from '../kube';
import { parseRun, type Parser } from './read';
import { one, onNode, type Ctx, type ProbeRun } from './context';

const parseIptDump: Parser<IptablesSave> = (t) => parseIptablesSave(t);
const parseNftDump: Parser<NftRuleset> = (t) => parseNft(t);
const parseIpvsDump: Parser<IpvsTable> = (t) => parseIpvsadm(t);

export function dumpRun<T>(r: ProbeRun | undefined, parse: Parser<T>): T | undefined {
  // A dump cut at its byte cap is partial: its missing rules would read as "no rules" (a false proxy-rules-missing).
  if (!r || r.exitCode !== 0 || r.truncated) return undefined;
  const v = parseRun(r, parse);
  return v.ok ? v.value : undefined;
}

export interface NodeRules {
  iptRun?: ProbeRun;
  nftRun?: ProbeRun;
  ipvsRun?: ProbeRun;
  save?: IptablesSave;
  nft?: NftRuleset;
  ipvs?: IpvsTable;
}

/** The node's dumps as planned for this path (any hop's run of each probe). */
export function nodeRules(c: Ctx, node: string): NodeRules {
  const iptRun = one(c.plan, c.runs, onNode(node, 'iptables-save'));
  const nftRun = one(c.plan, c.runs, onNode(node, 'nft-ruleset'));
  const ipvsRun = one(c.plan, c.runs, onNode(node, 'ipvsadm'));
  const save = dumpRun(iptRun, parseIptDump);
  const nft = dumpRun(nftRun, parseNftDump);
  const ipvs = dumpRun(ipvsRun, parseIpvsDump);
  return { ...(iptRun ? { iptRun } : {}), ...(nftRun ? { nftRun } : {}), ...(ipvsRun ? { ipvsRun } : {}), ...(save ? { save } : {}), ...(nft ? { nft } : {}), ...(ipvs ? { ipvs } : {}) };
}
