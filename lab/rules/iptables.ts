// kube-proxy iptables mode, written as kube-proxy writes its `iptables-restore --noflush` input
// (pkg/proxy/iptables/proxier.go syncProxyRules): *filter then *nat, fixed chains first, then the
// per-Service chains sorted by name; rule text and match order as in kube-proxy's own unit tests
// (test/upstream/fixtures/kube-proxy/iptables-save-*.txt), so an engineer who knows real nodes sees the same.
import { cidrContains as netCidrContains, parseCidr } from '../../lib/ip';
import { hash32 } from './hash';
import { ruleComment } from './text';
import { RulesInputError, isCIDRv4, isIPv4, servicePorts, staleTargets, type Endpoint, type ServicePort } from './objects';
import { clusterEndpoints } from './topology';
import type { ProxyRulesInput } from './types';

const MASQ_MARK = '0x4000';

/** kube-proxy's portProtoHash: sha256(servicePortName + lower-case protocol), base32, 16 chars. */
export function portProtoHash(spn: string, protocol: string): string {
  return hash32(spn + protocol.toLowerCase(), 16);
}
export const servicePortChainName = (spn: string, protocol: string) => `KUBE-SVC-${portProtoHash(spn, protocol)}`;
export const serviceExternalChainName = (spn: string, protocol: string) => `KUBE-EXT-${portProtoHash(spn, protocol)}`;
/** KUBE-SEP-: sha256(servicePortName + protocol + "ip:port"). */
export const servicePortEndpointChainName = (spn: string, protocol: string, endpoint: string) =>
  `KUBE-SEP-${hash32(spn + protocol.toLowerCase() + endpoint, 16)}`;

/** kube-proxy's computeProbability: 1/n with 10 decimals. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

/**
 * The jumps kube-proxy adds from the built-in chains (iptablesJumpChains, plus the kubelet's
 * KUBE-FIREWALL), each `-I` (kube-proxy prepends). Order: the last one listed ends up first.
 */
export const IPTABLES_HOOKS: ReadonlyArray<{ table: 'filter' | 'nat'; chain: string; args: string }> = [
  { table: 'filter', chain: 'INPUT', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES' },
  { table: 'filter', chain: 'FORWARD', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES' },
  { table: 'filter', chain: 'INPUT', args: '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS' },
  { table: 'filter', chain: 'FORWARD', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'filter', chain: 'OUTPUT', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'filter', chain: 'FORWARD', args: '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD' },
  { table: 'filter', chain: 'INPUT', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL' },
  { table: 'filter', chain: 'OUTPUT', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL' },
  { table: 'filter', chain: 'FORWARD', args: '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL' },
  { table: 'filter', chain: 'INPUT', args: '-j KUBE-FIREWALL' },
  { table: 'filter', chain: 'OUTPUT', args: '-j KUBE-FIREWALL' },
  { table: 'nat', chain: 'OUTPUT', args: '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'nat', chain: 'PREROUTING', args: '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'nat', chain: 'POSTROUTING', args: '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING' },
];

/** Quote a comment the way kube-proxy writes it: in double quotes only when it has a space. */
function comment(raw: string): string {
  const text = ruleComment(raw);
  return `-m comment --comment ${/\s/.test(text) ? `"${text}"` : text}`;
}

function proto(sp: { protocol: string }): string {
  const p = sp.protocol.toLowerCase();
  return `-m ${p} -p ${p}`;
}

export function validateProxyInput(input: ProxyRulesInput): void {
  if (!input || typeof input !== 'object') throw new RulesInputError('ProxyRulesInput: expected an object with services, endpointSlices, nodeName, nodeIP, clusterCIDR');
  if (!Array.isArray(input.services)) throw new RulesInputError('ProxyRulesInput.services: expected an array of v1 Service objects');
  if (!Array.isArray(input.endpointSlices)) throw new RulesInputError('ProxyRulesInput.endpointSlices: expected an array of discovery.k8s.io/v1 EndpointSlice objects');
  if (!isCIDRv4(input.clusterCIDR)) throw new RulesInputError(`ProxyRulesInput.clusterCIDR: ${JSON.stringify(input.clusterCIDR)} is not an IPv4 CIDR; give the cluster pod CIDR, e.g. "10.244.0.0/16"`);
  if (!isIPv4(input.nodeIP)) throw new RulesInputError(`ProxyRulesInput.nodeIP: ${JSON.stringify(input.nodeIP)} is not an IPv4 address; give the node's internal IP`);
  if (typeof input.nodeName !== 'string' || !input.nodeName) throw new RulesInputError('ProxyRulesInput.nodeName: missing; give the node name');
  for (const k of [...(input.omitServices ?? []), ...Object.keys(input.staleEndpoints ?? {})]) {
    if (!/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(k)) throw new RulesInputError(`ProxyRulesInput: service key ${JSON.stringify(k)} is not "namespace/name"`);
  }
}

/** The Service ports the node programs, after the faults: omitted ones removed, stale ones retargeted. */
export function programmedServicePorts(input: ProxyRulesInput): ServicePort[] {
  validateProxyInput(input);
  const omit = new Set(input.omitServices ?? []);
  return servicePorts(input.services, input.endpointSlices)
    .filter((sp) => !omit.has(`${sp.namespace}/${sp.service}`))
    .map((sp) => {
      const stale = input.staleEndpoints?.[`${sp.namespace}/${sp.service}`];
      return stale ? { ...sp, endpoints: staleTargets(sp, stale, input.services) } : sp;
    });
}

/** Service → endpoint jumps: ClientIP affinity first, then the 1/n probability cascade. */
function writeEndpointRules(sp: ServicePort, svcChain: string, endpoints: Endpoint[], rules: string[]): void {
  const targets = endpoints.map((ep) => {
    const target = `${ep.ip}:${ep.port}`;
    return { target, sepChain: servicePortEndpointChainName(sp.spn, sp.protocol, target) };
  });
  // ClientIP affinity: a client seen recently goes back to the same endpoint before any dice roll
  if (sp.affinitySeconds !== undefined) {
    for (const { target, sepChain } of targets) {
      rules.push(`-A ${svcChain} ${comment(`${sp.spn} -> ${target}`)} -m recent --name ${sepChain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sepChain}`);
    }
  }
  targets.forEach(({ target, sepChain }, i) => {
    const left = targets.length - i;
    const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
    rules.push(`-A ${svcChain} ${comment(`${sp.spn} -> ${target}`)}${stat} -j ${sepChain}`);
  });
}

function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  return !!c && netCidrContains(c, ip);
}

function hooksWanted(input: { hooks?: boolean; existingChains?: string[] }, marker: string): boolean {
  if (input.hooks !== undefined) return input.hooks;
  return !(input.existingChains ?? []).includes(marker);
}

export function renderIptablesRestore(input: ProxyRulesInput): string {
  const sps = programmedServicePorts(input);
  const cidr = input.clusterCIDR;
  const filter: string[] = [];
  const filterNodePorts: string[] = [];
  const proxyFirewall: string[] = [];
  const natServices: string[] = [];
  const natNodePorts: string[] = [];
  const natChains = new Map<string, string[]>();
  const chain = (name: string) => {
    let rules = natChains.get(name);
    if (!rules) natChains.set(name, (rules = []));
    return rules;
  };

  for (const sp of sps) {
    const svcChain = servicePortChainName(sp.spn, sp.protocol);
    const svlChain = `KUBE-SVL-${portProtoHash(sp.spn, sp.protocol)}`;
    const extChain = serviceExternalChainName(sp.spn, sp.protocol);
    const fwChain = `KUBE-FW-${portProtoHash(sp.spn, sp.protocol)}`;
    const hasEndpoints = sp.endpoints.length > 0;
    const localEndpoints = sp.endpoints.filter((e) => e.nodeName === input.nodeName);
    // topology hints: the cluster chain holds only the endpoints hinted for this node or its zone (never empty
    // when there are ready endpoints: the hints are ignored when none is for here)
    const clusterEps = clusterEndpoints(sp.endpoints, input.nodeName, input.zone);
    // externalTrafficPolicy: Local sends outside traffic only to this node's endpoints (KUBE-SVL-)
    const hasExternalEndpoints = sp.externalLocal ? localEndpoints.length > 0 : hasEndpoints;
    const externalPolicyChain = sp.externalLocal ? svlChain : svcChain;
    const accessible = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
    // internalTrafficPolicy: Local sends cluster IP traffic only to this node's endpoints (KUBE-SVL-);
    // the cluster chain is still needed when the Service is reachable from outside (short-circuits)
    const internalLocal = sp.internalLocal === true;
    const hasInternalEndpoints = internalLocal ? localEndpoints.length > 0 : hasEndpoints;
    const internalChain = internalLocal ? svlChain : svcChain;
    const usesClusterChain = hasEndpoints && (!internalLocal || accessible);
    const usesLocalChain = localEndpoints.length > 0 && (internalLocal || sp.externalLocal);
    const usesFW = hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0;
    // outside traffic that cannot be served here: REJECT when there are no endpoints at all, else DROP
    const extFilter = hasEndpoints
      ? { note: `${sp.spn} has no local endpoints`, target: 'DROP' }
      : { note: `${sp.spn} has no endpoints`, target: 'REJECT' };

    if (sp.externalLocal && sp.healthCheckNodePort !== undefined) {
      filterNodePorts.push(`-A KUBE-NODEPORTS ${comment(`${sp.spn} health check node port`)} -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
    }
    if (hasInternalEndpoints) {
      natServices.push(`-A KUBE-SERVICES ${comment(`${sp.spn} cluster IP`)} ${proto(sp)} -d ${sp.clusterIP} --dport ${sp.port} -j ${internalChain}`);
    } else if (!hasEndpoints) {
      // No endpoints: REJECT in the filter table so clients fail fast (the "has no endpoints" rule).
      filter.push(`-A KUBE-SERVICES ${comment(`${sp.spn} has no endpoints`)} ${proto(sp)} -d ${sp.clusterIP} --dport ${sp.port} -j REJECT`);
    } else {
      // internalTrafficPolicy Local without a local endpoint: cluster IP traffic from this node is dropped
      filter.push(`-A KUBE-SERVICES ${comment(`${sp.spn} has no local endpoints`)} ${proto(sp)} -d ${sp.clusterIP} --dport ${sp.port} -j DROP`);
    }
    for (const ip of sp.externalIPs) {
      if (hasEndpoints) natServices.push(`-A KUBE-SERVICES ${comment(`${sp.spn} external IP`)} ${proto(sp)} -d ${ip} --dport ${sp.port} -j ${extChain}`);
      if (!hasExternalEndpoints) filter.push(`-A KUBE-EXTERNAL-SERVICES ${comment(extFilter.note)} ${proto(sp)} -d ${ip} --dport ${sp.port} -j ${extFilter.target}`);
    }
    for (const ip of sp.loadBalancerIPs) {
      if (hasEndpoints) natServices.push(`-A KUBE-SERVICES ${comment(`${sp.spn} loadbalancer IP`)} ${proto(sp)} -d ${ip} --dport ${sp.port} -j ${usesFW ? fwChain : extChain}`);
      if (sp.sourceRanges.length > 0) proxyFirewall.push(`-A KUBE-PROXY-FIREWALL ${comment(`${sp.spn} traffic not accepted by ${fwChain}`)} ${proto(sp)} -d ${ip} --dport ${sp.port} -j DROP`);
      if (!hasExternalEndpoints) filter.push(`-A KUBE-EXTERNAL-SERVICES ${comment(extFilter.note)} ${proto(sp)} -d ${ip} --dport ${sp.port} -j ${extFilter.target}`);
    }
    if (sp.nodePort !== undefined) {
      if (hasEndpoints) {
        natNodePorts.push(`-A KUBE-NODEPORTS ${comment(sp.spn)} ${proto(sp)} -d 127.0.0.0/8 --dport ${sp.nodePort}${input.nfacct ? ' -m nfacct --nfacct-name localhost_nps_accepted_pkts' : ''} -j ${extChain}`);
        natNodePorts.push(`-A KUBE-NODEPORTS ${comment(sp.spn)} ${proto(sp)} --dport ${sp.nodePort} -j ${extChain}`);
      }
      if (!hasExternalEndpoints) filter.push(`-A KUBE-EXTERNAL-SERVICES ${comment(extFilter.note)} -m addrtype --dst-type LOCAL ${proto(sp)} --dport ${sp.nodePort} -j ${extFilter.target}`);
    }
    if (!hasEndpoints) continue;

    if (accessible) {
      const ext = chain(extChain);
      if (!sp.externalLocal) {
        ext.push(`-A ${extChain} ${comment(`masquerade traffic for ${sp.spn} external destinations`)} -j KUBE-MARK-MASQ`);
      } else {
        // pods and the node itself may use the whole cluster; only outside clients are kept local
        ext.push(
          `-A ${extChain} ${comment(`pod traffic for ${sp.spn} external destinations`)} -s ${cidr} -j ${svcChain}`,
          `-A ${extChain} ${comment(`masquerade LOCAL traffic for ${sp.spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
          `-A ${extChain} ${comment(`route LOCAL traffic for ${sp.spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`,
        );
      }
      if (hasExternalEndpoints) ext.push(`-A ${extChain} -j ${externalPolicyChain}`);
    }
    if (usesFW) {
      const fw = chain(fwChain);
      for (const src of sp.sourceRanges) fw.push(`-A ${fwChain} ${comment(`${sp.spn} loadbalancer IP`)} -s ${src} -j ${extChain}`);
      // the node itself may reach the LB IP when a source range covers the node's own address
      if (sp.sourceRanges.some((r) => cidrContains(r, input.nodeIP))) {
        for (const ip of sp.loadBalancerIPs) fw.push(`-A ${fwChain} ${comment(`${sp.spn} loadbalancer IP`)} -s ${ip} -j ${extChain}`);
      }
      fw.push(`-A ${fwChain} ${comment(`other traffic to ${sp.spn} will be dropped by KUBE-PROXY-FIREWALL`)}`);
    }
    const masq = `-A ${internalChain} ${comment(`${sp.spn} cluster IP`)} ${proto(sp)} -d ${sp.clusterIP} --dport ${sp.port} ! -s ${cidr} -j KUBE-MARK-MASQ`;
    if (usesClusterChain) {
      const svcRules = chain(svcChain);
      if (!internalLocal) svcRules.push(masq);
      writeEndpointRules(sp, svcChain, clusterEps, svcRules);
    }
    if (usesLocalChain) {
      const svlRules = chain(svlChain);
      if (internalLocal) svlRules.push(masq);
      writeEndpointRules(sp, svlChain, localEndpoints, svlRules);
    }
    // every endpoint a chain of this node jumps to (upstream's allLocallyReachableEndpoints)
    const reachable = usesClusterChain ? [...clusterEps, ...(usesLocalChain ? localEndpoints.filter((e) => !clusterEps.includes(e)) : [])] : localEndpoints;
    for (const ep of reachable) {
      const target = `${ep.ip}:${ep.port}`;
      const sepChain = servicePortEndpointChainName(sp.spn, sp.protocol, target);
      const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${sepChain} --set` : '';
      chain(sepChain).push(
        // hairpin: a pod reaching itself through the VIP must be masqueraded or the reply bypasses NAT
        `-A ${sepChain} ${comment(sp.spn)} -s ${ep.ip} -j KUBE-MARK-MASQ`,
        `-A ${sepChain} ${comment(sp.spn)}${recent} ${proto(sp)} -j DNAT --to-destination ${target}`,
      );
    }
  }
  natServices.push(`-A KUBE-SERVICES ${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  chain('KUBE-MARK-MASQ').push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`);
  chain('KUBE-POSTROUTING').push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`,
    `-A KUBE-POSTROUTING ${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE`,
  );

  // Stale per-Service chains from an earlier render: declare (flushes) and delete, as kube-proxy does.
  const stale = (input.existingChains ?? []).filter((c) => /^KUBE-(SVC|SVL|SEP|EXT|FW)-/.test(c) && !natChains.has(c));
  const declared = [...new Set([...natChains.keys(), ...stale])].sort();
  const hooks = hooksWanted(input, 'KUBE-SERVICES');
  const hookLines = (table: 'filter' | 'nat') =>
    hooks ? IPTABLES_HOOKS.filter((h) => h.table === table).map((h) => `-I ${h.chain} ${h.args}`) : [];

  const out: string[] = [
    '*filter',
    ...['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-PROXY-FIREWALL'].map((c) => `:${c} - [0:0]`),
    ...filterNodePorts,
    ...filter.filter((l) => l.startsWith('-A KUBE-SERVICES ')),
    ...filter.filter((l) => l.startsWith('-A KUBE-EXTERNAL-SERVICES ')),
    `-A KUBE-FIREWALL ${comment('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    `-A KUBE-FORWARD -m conntrack --ctstate INVALID${input.nfacct ? ' -m nfacct --nfacct-name ct_state_invalid_dropped_pkts' : ''} -j DROP`,
    `-A KUBE-FORWARD ${comment('kubernetes forwarding rules')} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
    `-A KUBE-FORWARD ${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    ...proxyFirewall,
    ...hookLines('filter'),
    'COMMIT',
    '*nat',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ...declared.map((c) => `:${c} - [0:0]`),
    ...natNodePorts,
    ...natServices,
    ...[...natChains.keys()].sort().flatMap((c) => natChains.get(c) ?? []),
    ...stale.sort().map((c) => `-X ${c}`),
    ...hookLines('nat'),
    'COMMIT',
  ];
  return out.join('\n') + '\n';
}

