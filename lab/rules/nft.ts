// kube-proxy nftables mode: the `table ip kube-proxy` that pkg/proxy/nftables/proxier.go builds
// (baseRules + per-Service chains, the service-ips / no-endpoint-services verdict maps, numgen
// load balancing), written as one `nft -f -` transaction that deletes and recreates the table, so
// every render replaces the previous one atomically. Definitions come before rules and elements
// because nft needs a chain to exist before a rule or a map element can jump to it.
import { hash32 } from './hash';
import { ruleComment } from './text';
import { isCIDRv4, RulesInputError, type ServicePort } from './objects';
import { programmedServicePorts } from './iptables';
import { clusterEndpoints } from './topology';
import type { ProxyRulesInput } from './types';

const MASQ_MARK = '0x4000';
const T = 'ip kube-proxy';

/** kube-proxy's hashAndTruncate: first 8 base32 chars of sha256(base), "-", base. */
function hashAndTruncate(base: string): string {
  const name = `${hash32(base, 8)}-${base}`;
  // nft allows 256 bytes; kube-proxy cuts long names and ends them in "..."
  return name.length > 200 ? `${name.slice(0, 197)}...` : name;
}

const portBase = (sp: ServicePort) => `${sp.namespace}/${sp.service}/${sp.protocol.toLowerCase()}/${sp.portName}`;
export const nftServiceChainName = (sp: ServicePort) => `service-${hashAndTruncate(portBase(sp))}`;
export const nftExternalChainName = (sp: ServicePort) => `external-${hashAndTruncate(portBase(sp))}`;
export const nftEndpointChainName = (sp: ServicePort, ip: string, port: number) => `endpoint-${hashAndTruncate(`${portBase(sp)}__${ip}/${port}`)}`;
export const nftAffinitySetName = (sp: ServicePort, ip: string, port: number) => `affinity-${hashAndTruncate(`${portBase(sp)}__${ip}/${port}`)}`;

/** Service → endpoint dispatch: affinity lookups first, then numgen over the endpoints. */
function writeEndpointRules(rules: string[], sp: ServicePort, chain: string, eps: { chain: string; set: string }[]): void {
  if (sp.affinitySeconds !== undefined) for (const e of eps) rules.push(`add rule ${T} ${chain} ip saddr @${e.set} goto ${e.chain}`);
  rules.push(`add rule ${T} ${chain} numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${e.chain}`).join(' , ')} }`);
}

export interface NftOptions {
  /** Additive: the Service CIDR, for kube-proxy's "Drop traffic to unallocated ClusterIPs" rule. */
  serviceCIDR?: string;
}

export function renderNftScript(input: ProxyRulesInput & NftOptions): string {
  const sps = programmedServicePorts(input);
  if (input.serviceCIDR !== undefined && !isCIDRv4(input.serviceCIDR)) {
    throw new RulesInputError(`ProxyRulesInput.serviceCIDR: ${JSON.stringify(input.serviceCIDR)} is not an IPv4 CIDR, e.g. "10.96.0.0/16"`);
  }
  const cidr = input.clusterCIDR;
  const defs: string[] = [
    // "add" before "delete" so the delete never fails on a fresh netns; the whole file is one transaction
    `add table ${T}`,
    `delete table ${T}`,
    `add table ${T} { comment "rules for kube-proxy" ; }`,
    `add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`,
    `add set ${T} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`,
    `add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
    `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
    `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    `add chain ${T} cluster-ips-check`,
    `add chain ${T} filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }`,
    `add chain ${T} filter-output-pre-dnat { type filter hook output priority -110 ; }`,
    `add chain ${T} filter-forward { type filter hook forward priority 0 ; }`,
    `add chain ${T} filter-input { type filter hook input priority 0 ; }`,
    `add chain ${T} filter-output { type filter hook output priority 0 ; }`,
    `add chain ${T} firewall-check`,
    `add chain ${T} mark-for-masquerade`,
    `add chain ${T} masquerading`,
    // nft 1.0.6 rejects the name "dstnat" on the output hook: kube-proxy's -100 spelled as a number
    `add chain ${T} nat-output { type nat hook output priority -100 ; }`,
    `add chain ${T} nat-postrouting { type nat hook postrouting priority 100 ; }`,
    `add chain ${T} nat-prerouting { type nat hook prerouting priority -100 ; }`,
    `add chain ${T} nodeport-endpoints-check`,
    `add chain ${T} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`,
    `add chain ${T} services`,
    `add chain ${T} service-endpoints-check`,
  ];
  const rules: string[] = [
    `add rule ${T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
    ...(input.serviceCIDR ? [`add rule ${T} cluster-ips-check ip daddr { ${input.serviceCIDR} } drop comment "Drop traffic to unallocated ClusterIPs"`] : []),
    `add rule ${T} filter-prerouting-pre-dnat ct state new jump firewall-check`,
    `add rule ${T} filter-forward ct state new jump service-endpoints-check`,
    `add rule ${T} filter-forward ct state new jump cluster-ips-check`,
    `add rule ${T} filter-input ct state new jump nodeport-endpoints-check`,
    `add rule ${T} filter-input ct state new jump service-endpoints-check`,
    `add rule ${T} filter-output ct state new jump service-endpoints-check`,
    `add rule ${T} filter-output-pre-dnat ct state new jump firewall-check`,
    `add rule ${T} filter-output ct state new jump cluster-ips-check`,
    `add rule ${T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips`,
    `add rule ${T} mark-for-masquerade mark set mark or ${MASQ_MARK}`,
    `add rule ${T} masquerading mark and ${MASQ_MARK} == 0 return`,
    `add rule ${T} masquerading mark set mark xor ${MASQ_MARK}`,
    `add rule ${T} masquerading masquerade fully-random`,
    `add rule ${T} nat-output jump services`,
    `add rule ${T} nat-postrouting jump masquerading`,
    `add rule ${T} nat-prerouting jump services`,
    `add rule ${T} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
    `add rule ${T} reject-chain reject`,
    `add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`,
    `add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
    `add rule ${T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
  ];
  const elements: string[] = [`add element ${T} nodeport-ips { ${input.nodeIP} }`];
  const clusterIPs = new Set<string>();

  for (const sp of sps) {
    const p = sp.protocol.toLowerCase();
    const svcChain = nftServiceChainName(sp);
    const extChain = nftExternalChainName(sp);
    const localChain = `local-${hashAndTruncate(portBase(sp))}`;
    const fwChain = `firewall-${hashAndTruncate(portBase(sp))}`;
    const hasEndpoints = sp.endpoints.length > 0;
    const localEndpoints = sp.endpoints.filter((e) => e.nodeName === input.nodeName);
    // topology hints: the service- chain holds only the endpoints hinted for this node or its zone (lab/rules/topology.ts)
    const clusterEndpointsHere = clusterEndpoints(sp.endpoints, input.nodeName, input.zone);
    const hasExternalEndpoints = sp.externalLocal ? localEndpoints.length > 0 : hasEndpoints;
    // internalTrafficPolicy: Local: the cluster IP goes to the local chain, dropped without a local endpoint
    const internalLocal = sp.internalLocal === true;
    const hasInternalEndpoints = internalLocal ? localEndpoints.length > 0 : hasEndpoints;
    const internalChain = internalLocal ? localChain : svcChain;
    const accessible = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
    const usesClusterChain = hasEndpoints && (!internalLocal || accessible);
    const usesLocalChain = localEndpoints.length > 0 && (internalLocal || sp.externalLocal);
    const externalDests = [...sp.externalIPs, ...sp.loadBalancerIPs];
    const note = `comment "${ruleComment(sp.spn)}"`;
    // outside traffic that cannot be served here: reject with no endpoints at all, else drop
    const noExt = hasEndpoints ? 'drop' : 'goto reject-chain';
    clusterIPs.add(sp.clusterIP);

    if (!hasEndpoints) elements.push(`add element ${T} no-endpoint-services { ${sp.clusterIP} . ${p} . ${sp.port} ${note} : goto reject-chain }`);
    else if (!hasInternalEndpoints) elements.push(`add element ${T} no-endpoint-services { ${sp.clusterIP} . ${p} . ${sp.port} ${note} : drop }`);
    if (!hasExternalEndpoints) {
      for (const ip of externalDests) elements.push(`add element ${T} no-endpoint-services { ${ip} . ${p} . ${sp.port} ${note} : ${noExt} }`);
      if (sp.nodePort !== undefined) elements.push(`add element ${T} no-endpoint-nodeports { ${p} . ${sp.nodePort} ${note} : ${noExt} }`);
    }
    if (sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0) {
      defs.push(`add chain ${T} ${fwChain}`);
      rules.push(`add rule ${T} ${fwChain} ip saddr != { ${sp.sourceRanges.join(', ')} } drop`);
      for (const ip of sp.loadBalancerIPs) elements.push(`add element ${T} firewall-ips { ${ip} . ${p} . ${sp.port} : goto ${fwChain} }`);
    }
    if (!hasEndpoints) continue;

    const masq = `add rule ${T} ${internalChain} ip daddr ${sp.clusterIP} ip saddr != ${cidr} jump mark-for-masquerade`;
    const eps = sp.endpoints.map((ep) => ({ ep, chain: nftEndpointChainName(sp, ep.ip, ep.port), set: nftAffinitySetName(sp, ep.ip, ep.port) }));
    const localEps = eps.filter((e) => localEndpoints.includes(e.ep));
    const clusterEps = eps.filter((e) => clusterEndpointsHere.includes(e.ep));
    // every endpoint a chain of this node jumps to (upstream's allLocallyReachableEndpoints)
    const reachable = usesClusterChain ? [...clusterEps, ...(usesLocalChain ? localEps.filter((e) => !clusterEps.includes(e)) : [])] : localEps;
    for (const e of sp.affinitySeconds !== undefined ? reachable : []) {
      // ClientIP affinity: one dynamic set per endpoint remembers its clients for the timeout
      defs.push(`add set ${T} ${e.set} { type ipv4_addr ; flags dynamic,timeout ; timeout ${sp.affinitySeconds}s ; }`);
    }
    if (usesClusterChain) {
      defs.push(`add chain ${T} ${svcChain}`);
      if (!internalLocal) rules.push(masq);
      writeEndpointRules(rules, sp, svcChain, clusterEps);
    }
    if (usesLocalChain) {
      defs.push(`add chain ${T} ${localChain}`);
      if (internalLocal) rules.push(masq);
      writeEndpointRules(rules, sp, localChain, localEps);
    }
    if (sp.nodePort !== undefined || externalDests.length > 0) {
      defs.push(`add chain ${T} ${extChain}`);
      if (!sp.externalLocal) {
        rules.push(`add rule ${T} ${extChain} jump mark-for-masquerade`, `add rule ${T} ${extChain} goto ${svcChain}`);
      } else {
        // externalTrafficPolicy: Local keeps only outside clients on this node's endpoints
        rules.push(
          `add rule ${T} ${extChain} ip saddr ${cidr} goto ${svcChain} comment "short-circuit pod traffic"`,
          `add rule ${T} ${extChain} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
          `add rule ${T} ${extChain} fib saddr type local goto ${svcChain} comment "short-circuit local traffic"`,
        );
        if (localEndpoints.length > 0) rules.push(`add rule ${T} ${extChain} goto ${localChain}`);
      }
    }
    for (const { ep, chain, set } of [...reachable].sort((a, b) => (a.chain < b.chain ? -1 : 1))) {
      defs.push(`add chain ${T} ${chain}`);
      rules.push(
        `add rule ${T} ${chain} ip saddr ${ep.ip} jump mark-for-masquerade`,
        ...(sp.affinitySeconds !== undefined ? [`add rule ${T} ${chain} update @${set} { ip saddr }`] : []),
        `add rule ${T} ${chain} meta l4proto ${p} dnat to ${ep.ip}:${ep.port}`,
      );
    }
    if (hasInternalEndpoints) elements.push(`add element ${T} service-ips { ${sp.clusterIP} . ${p} . ${sp.port} : goto ${internalChain} }`);
    for (const ip of externalDests) elements.push(`add element ${T} service-ips { ${ip} . ${p} . ${sp.port} : goto ${extChain} }`);
    if (sp.nodePort !== undefined) elements.push(`add element ${T} service-nodeports { ${p} . ${sp.nodePort} : goto ${extChain} }`);
  }
  for (const ip of clusterIPs) elements.push(`add element ${T} cluster-ips { ${ip} }`);
  return [...defs, '', ...rules, '', ...elements, ''].join('\n');
}
