// Which dataplane implements Services on this cluster, and which CNI (and whether it enforces
// NetworkPolicy). The ConfigMap says what kube-proxy was told; the node's dumps say what is there.
import type { ConfigMap, DaemonSet, Pod } from './types';
import type { IptablesSave } from '../parse/iptablesSave';
import { findTable } from '../parse/iptablesSave';
import type { NftRuleset } from '../parse/nft';
import { findNftTable } from '../parse/nft';
import type { IpvsTable } from '../parse/ipvsadm';
import type { ProxyMode } from './proxyTrace';

export interface ConfiguredMode {
  /** iptables | nftables | ipvs | kernelspace | …; null when the ConfigMap does not say. */
  mode: string | null;
  /** Where it came from, e.g. `kube-system/kube-proxy config.conf mode: ""`. */
  source: string;
}

/** kube-proxy's mode from its ConfigMap (`config.conf`, YAML or JSON KubeProxyConfiguration); `mode: ""` and
 *  an absent mode mean iptables on Linux. */
export function proxyModeFromConfigMap(cm: ConfigMap | null | undefined): ConfiguredMode {
  const where = `${cm?.metadata?.namespace ?? 'kube-system'}/${cm?.metadata?.name ?? 'kube-proxy'}`;
  const data = cm?.data;
  if (!data) return { mode: null, source: `no ${where} ConfigMap` };
  const key = 'config.conf' in data ? 'config.conf' : Object.keys(data).find((k) => /\.(conf|ya?ml|json)$/.test(k));
  if (!key) return { mode: null, source: `${where} has no config.conf` };
  const text = data[key];
  let raw: string | undefined;
  if (text.trimStart().startsWith('{')) {
    try {
      const j = JSON.parse(text) as { mode?: unknown };
      raw = typeof j.mode === 'string' ? j.mode : j.mode === undefined ? '' : undefined;
    } catch {
      return { mode: null, source: `${where} ${key} is not valid JSON` };
    }
  } else {
    // a top-level `mode:` key (not indented: nested keys such as ipvs.mode… are something else)
    const m = /^mode:[ \t]*(?:"([^"]*)"|'([^']*)'|([^\s#]*))[ \t]*(?:#.*)?$/m.exec(text);
    raw = m ? (m[1] ?? m[2] ?? m[3] ?? '') : '';
  }
  if (raw === undefined) return { mode: null, source: `${where} ${key} mode is not a string` };
  return { mode: raw === '' ? 'iptables' : raw.toLowerCase(), source: `${where} ${key} mode: ${JSON.stringify(raw)}${raw === '' ? ' (iptables on Linux)' : ''}` };
}

export interface NodeDumps {
  iptablesSave?: IptablesSave;
  nft?: NftRuleset;
  ipvs?: IpvsTable;
}

export interface ModeDetection {
  /** What the node shows; 'none' when no kube-proxy rules were found; 'unknown' when no dump was read. */
  mode: ProxyMode | 'none' | 'unknown';
  configured: string | null;
  /** The dumps confirm the ConfigMap (or no ConfigMap to contradict). */
  confirmed: boolean;
  /** What each dump showed. */
  seen: { iptables: boolean | null; nftables: boolean | null; ipvs: boolean | null };
  sentence: string;
  /** 'proxy-mode-unknown' when none was found: warn, never fail (a kube-proxy replacement may be in use). */
  warning?: 'proxy-mode-unknown';
}

export function detectProxyMode(cm: ConfigMap | null | undefined, dumps: NodeDumps): ModeDetection {
  const configured = proxyModeFromConfigMap(cm);
  // iptables-nft nodes: kube-proxy's iptables rules also show in `nft list ruleset` as `table ip nat` with
  // chain KUBE-SERVICES (written by iptables-nft, outside any `table ip kube-proxy`): iptables mode, not nftables.
  const viaNft = dumps.nft ? Boolean(findNftTable(dumps.nft, 'ip', 'nat')?.chains.has('KUBE-SERVICES')) : null;
  const viaSave = dumps.iptablesSave ? (findTable(dumps.iptablesSave, 'nat')?.chains.has('KUBE-SERVICES') ?? false) : null;
  const iptables = viaSave === null && viaNft === null ? null : !!(viaSave || viaNft);
  const nftables = dumps.nft ? Boolean(findNftTable(dumps.nft, 'ip', 'kube-proxy') ?? findNftTable(dumps.nft, 'ip6', 'kube-proxy')) : null;
  const ipvs = dumps.ipvs ? dumps.ipvs.services.length > 0 : null;
  const seen = { iptables, nftables, ipvs };
  const read = [iptables, nftables, ipvs].some((x) => x !== null);
  if (!read) {
    const mode = configured.mode === 'iptables' || configured.mode === 'nftables' || configured.mode === 'ipvs' ? configured.mode : 'unknown';
    return { mode, configured: configured.mode, confirmed: false, seen, sentence: `${configured.source}; not confirmed on a node (no dump read).` };
  }
  // IPVS mode also keeps iptables KUBE-SERVICES (ipset matches), so virtual servers win; a kube-proxy nft table
  // only exists in nftables mode.
  const found: ProxyMode | 'none' = ipvs ? 'ipvs' : nftables ? 'nftables' : iptables ? 'iptables' : 'none';
  const seenText = [
    iptables === null ? null : iptables ? 'KUBE-SERVICES in iptables-save' : 'no KUBE-SERVICES in iptables-save',
    nftables === null ? null : nftables ? 'table ip kube-proxy in nft' : 'no table ip kube-proxy in nft',
    ipvs === null ? null : ipvs ? `${dumps.ipvs!.services.length} IPVS virtual servers` : 'no IPVS virtual servers',
  ].filter(Boolean).join(', ');
  if (found === 'none') {
    return {
      mode: 'none', configured: configured.mode, confirmed: false, seen, warning: 'proxy-mode-unknown',
      sentence: `No kube-proxy rules on the node (${seenText}); ${configured.source}. The cluster may use a kube-proxy replacement (e.g. Cilium: \`cilium bpf lb list\`).`,
    };
  }
  const confirmed = configured.mode === null || configured.mode === found;
  return {
    mode: found, configured: configured.mode, confirmed, seen,
    sentence: confirmed
      ? `kube-proxy runs in ${found} mode (${seenText}; ${configured.source}).`
      : `The node shows ${found} rules (${seenText}) although ${configured.source}; trusting the node.`,
  };
}

// ---------------------------------------------------------------- CNI ----

interface CniSignature {
  name: string;
  pattern: RegExp;
  /** Enforces NetworkPolicy by itself: true, false, or null when it depends on version or add-ons. */
  enforces: boolean | null;
  /** A policy engine that runs beside another CNI (it is not the pod network itself). */
  policyOnly?: boolean;
}

// Names of the kube-system DaemonSets (and their pods, `<ds>-<suffix>`) as the projects' manifests ship them.
const CNI_SIGNATURES: CniSignature[] = [
  { name: 'cilium', pattern: /^cilium(-|$)/, enforces: true },
  { name: 'canal', pattern: /^canal(-|$)/, enforces: true },
  { name: 'calico', pattern: /^calico-node(-|$)/, enforces: true },
  { name: 'weave', pattern: /^weave-net(-|$)/, enforces: true },
  { name: 'antrea', pattern: /^antrea-agent(-|$)/, enforces: true },
  { name: 'kube-router', pattern: /^kube-router(-|$)/, enforces: true },
  { name: 'ovn-kubernetes', pattern: /^ovnkube-node(-|$)/, enforces: true },
  { name: 'kube-network-policies', pattern: /^kube-network-policies(-|$)/, enforces: true, policyOnly: true },
  { name: 'kindnet', pattern: /^kindnet(-|$)/, enforces: null }, // enforces only in kindnet ≥ v1.x (kind ≥ 0.24)
  { name: 'aws-vpc-cni', pattern: /^aws-node(-|$)/, enforces: null }, // with its network policy agent only
  { name: 'flannel', pattern: /^(kube-)?flannel(-ds)?(-|$)/, enforces: false },
];

export interface CniGuess {
  /** Every CNI/policy engine recognised, e.g. ["flannel", "kube-network-policies"]. */
  found: string[];
  /** The pod network plugin (not a policy-only add-on). */
  cni: string | null;
  /** Does something enforce NetworkPolicy: true / false / null (cannot tell from names). */
  enforcesNetworkPolicy: boolean | null;
  /** The object names that matched. */
  evidence: string[];
  sentence: string;
}

/** Guesses the CNI from the pods and DaemonSets of kube-system (and of CNI namespaces such as kube-flannel or
 *  calico-system, where current manifests install them). A guess from names: confirm enforcement on the dataplane. */
export function guessCni(pods: readonly Pod[], daemonSets: readonly DaemonSet[] = []): CniGuess {
  const names = [...daemonSets, ...pods]
    .map((o) => o.metadata?.name ?? '')
    .filter(Boolean);
  const found: CniSignature[] = [];
  const evidence: string[] = [];
  for (const sig of CNI_SIGNATURES) {
    const hits = names.filter((n) => sig.pattern.test(n));
    if (hits.length === 0) continue;
    // canal bundles calico + flannel: report it once
    if (sig.name === 'calico' && found.some((f) => f.name === 'canal')) continue;
    if (sig.name === 'flannel' && found.some((f) => f.name === 'canal')) continue;
    found.push(sig);
    evidence.push(...hits.slice(0, 3));
  }
  const cniSig = found.find((f) => !f.policyOnly) ?? null;
  const enforcers = found.filter((f) => f.enforces === true);
  const enforcesNetworkPolicy = enforcers.length > 0 ? true : found.some((f) => f.enforces === null) ? null : found.length > 0 ? false : null;
  const list = found.map((f) => f.name);
  let sentence: string;
  if (found.length === 0) sentence = 'No known CNI found among kube-system pods and DaemonSets; NetworkPolicy enforcement unknown.';
  else if (enforcesNetworkPolicy === true) sentence = `CNI ${list.join(' + ')} (${evidence.join(', ')}): ${enforcers.map((e) => e.name).join(', ')} enforces NetworkPolicy.`;
  else if (enforcesNetworkPolicy === false) sentence = `CNI ${list.join(' + ')} (${evidence.join(', ')}) does not enforce NetworkPolicy: policies are not applied.`;
  else sentence = `CNI ${list.join(' + ')} (${evidence.join(', ')}): NetworkPolicy enforcement depends on its version or add-ons.`;
  return { found: list, cni: cniSig?.name ?? null, enforcesNetworkPolicy, evidence, sentence };
}
