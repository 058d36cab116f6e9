// lib/kube: pure functions over Kubernetes API objects and parsed node dumps. The engine imports from here.
export * from './types';
export * from './selectors';
export * from './endpoints';
export * from './ports';
export * from './cidr';
export * from './networkPolicy';
export * from './proxyTrace';
// the kube-proxy dump parsers (lib/parse), re-exported so the engine has one import for the trace
export { parseIptablesSave, tokenizeRule, findTable } from '../parse/iptablesSave';
export type { IptablesSave, IptablesTable, IptablesChain, IptablesRule } from '../parse/iptablesSave';
export { parseNft, parseNftJson, parseNftText, parseNftTransaction, findNftTable } from '../parse/nft';
export type { NftRuleset, NftTable, NftSet, NftChain, NftRule, NftElement, NftVerdict } from '../parse/nft';
export { parseIpvsadm } from '../parse/ipvsadm';
export type { IpvsTable, IpvsVirtualService, IpvsRealServer } from '../parse/ipvsadm';
export * from './dns';
export * from './proxyMode';
export * from './family';
export * from './mesh';
