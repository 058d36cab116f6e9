// lab/rules: kube-proxy (iptables and nftables modes) and NetworkPolicy rule text for one lab node.
// Pure generators: Kubernetes objects in, restore/script text out. The caller (lab/dataplane)
// applies the text inside the node's netns; lab/rules/apply.ts shows (and implements) how.
export type { ProxyRulesInput, PolicyRulesInput } from './types';
export { RulesInputError } from './objects';
export { renderIptablesRestore, IPTABLES_HOOKS, servicePortChainName, servicePortEndpointChainName } from './iptables';
export { renderNftScript, nftServiceChainName, nftEndpointChainName, type NftOptions } from './nft';
export { renderPolicyRestore, ingressChainName, egressChainName, POLICY_CHAIN } from './policy';
