// Cause codes (DESIGN §4): one table, each with a title and the next step an expert would take.
// Engine, CLI and UI all read this table; a new cause is added here and nowhere else.

export const CAUSES = {
  'pod-network': {
    title: 'Pod network broken',
    nextStep: 'Check the pod sandbox: `ip addr` and `ip route` inside the pod; the CNI plugin failed to set up eth0 or its default route. Recreate the pod and read the CNI logs on the node.',
  },
  'veth-down': {
    title: 'Pod veth down',
    nextStep: 'On the node, `ip link show` the pod\'s host-side veth; bring it up or recreate the pod, then check why the CNI left it down.',
  },
  'dns-timeout': {
    title: 'DNS does not answer',
    nextStep: 'Query the kube-dns Service IP directly with `dig @<kube-dns IP>`; check the CoreDNS pods are Running and Ready and have endpoints, and that no egress policy blocks UDP/TCP 53.',
  },
  'dns-nxdomain': {
    title: 'Name does not exist',
    nextStep: 'Check the name and namespace: a short name only resolves inside the Service\'s own namespace; use `<svc>.<namespace>` or the FQDN.',
  },
  'dns-wrong-answer': {
    title: 'DNS returns the wrong address',
    nextStep: 'Compare the answer with `kubectl get svc`; look for a stale CoreDNS cache, a hosts override, or a search domain that matched an outside name first.',
  },
  'no-endpoints': {
    title: 'Service has no ready endpoints',
    nextStep: 'Compare the Service selector with the pod labels (`kubectl get pods -l <selector>`) and check pod readiness (`kubectl describe pod`); the EndpointSlice lists only Ready pods.',
  },
  'port-mismatch': {
    title: 'Service targetPort matches no container port',
    nextStep: 'Fix the Service\'s targetPort to the port (or port name) the container declares and listens on.',
  },
  'app-not-listening': {
    title: 'Nothing listens on the target port',
    nextStep: 'Inside the backend pod run `ss -tlnp`; the app must listen on 0.0.0.0 (or the pod IP), not 127.0.0.1, on the declared port.',
  },
  'proxy-rules-missing': {
    title: 'kube-proxy has no rules for the Service',
    nextStep: 'Check kube-proxy on the node (`kubectl -n kube-system logs` its pod) and look for the VIP in `iptables-save -t nat` / `nft list table ip kube-proxy`; restart kube-proxy to force a resync.',
  },
  'proxy-rules-stale': {
    title: 'kube-proxy rules point at old endpoints',
    nextStep: 'kube-proxy DNATs to endpoints the EndpointSlice no longer lists: check kube-proxy\'s sync errors in its logs and restart it; flush stale conntrack entries for the VIP (`conntrack -D -d <VIP>`).',
  },
  'conntrack-stale': {
    title: 'A conntrack entry sends the flow to an endpoint that is gone',
    nextStep: 'The node\'s conntrack keeps DNATing this UDP flow to an endpoint that no longer exists (kube-proxy clears such entries only for endpoints it saw leave): delete them on the node, e.g. `conntrack -D -p udp --orig-dst <VIP> --orig-port-dst <port>`, and check kube-proxy\'s logs for conntrack cleanup errors.',
  },
  'policy-denied': {
    title: 'NetworkPolicy denies the flow',
    nextStep: 'Read the policies that select the pod (`kubectl describe networkpolicy -n <ns>`); add an ingress/egress rule that admits this peer and port.',
  },
  'node-route': {
    title: 'Node has no route to the pod CIDR',
    nextStep: 'On <node> run `ip route get <pod IP>`; the CNI did not program the route to the other node\'s pod CIDR; check the CNI daemon on <node>.',
  },
  'overlay-blocked': {
    title: 'Overlay traffic dropped between nodes',
    nextStep: 'Allow the overlay port between nodes (VXLAN UDP 4789/8472) in the node and cloud firewalls; check with `tcpdump -ni any udp port 4789` on both nodes.',
  },
  'neighbor-stale': {
    title: 'Stale neighbor entry for a peer node',
    nextStep: 'Compare `bridge fdb show dev <vxlan>` and `ip neigh show dev <vxlan>` with the remote node\'s VTEP MAC; delete the wrong entry and let the CNI re-add it.',
  },
  'mtu-blackhole': {
    title: 'MTU blackhole on the path',
    nextStep: 'Lower the pod MTU below the tunnel MTU (MTU minus 50 bytes for VXLAN), or clamp TCP MSS; make sure ICMP fragmentation-needed is not filtered between nodes.',
  },
  hairpin: {
    title: 'Hairpin traffic fails',
    nextStep: 'Enable hairpin mode on the bridge ports (`bridge link set dev <veth> hairpin on`, kubelet --hairpin-mode=hairpin-veth) and check kube-proxy\'s masquerade for hairpin traffic.',
  },
  'bridge-netfilter': {
    title: 'Bridged pod traffic skips iptables',
    nextStep: 'On the node, `sysctl net.bridge.bridge-nf-call-iptables` must be 1 (and br_netfilter loaded: `modprobe br_netfilter`); persist it in /etc/sysctl.d/ so replies between pods on one bridge are un-NATed by kube-proxy\'s rules.',
  },
  'node-firewall': {
    title: 'Node firewall drops the flow',
    nextStep: 'Look at the node\'s own filter rules (`iptables-save -t filter`, `nft list ruleset`) for a DROP/REJECT matching the port; remove or narrow it.',
  },
  'no-local-endpoint': {
    title: 'No ready endpoint on the node the traffic enters',
    nextStep: 'With externalTrafficPolicy (or internalTrafficPolicy) Local, kube-proxy drops traffic on nodes without a ready local endpoint: send it only to nodes that have one (the load balancer\'s health check on healthCheckNodePort does this), run a backend on every node (a DaemonSet), or set the policy to Cluster.',
  },
  'snat-missing': {
    title: 'Traffic leaves the cluster without SNAT',
    nextStep: 'On the node, `iptables-save -t nat` (or `nft list ruleset`) must masquerade pod traffic leaving the pod CIDR (ip-masq-agent, the CNI\'s or kube-proxy\'s MASQUERADE rule); `conntrack -L -d <external IP>` shows the source address the outside sees. Restore the rule (restart the CNI or ip-masq-agent).',
  },
  'upstream-dns': {
    title: 'Names outside the cluster do not resolve',
    nextStep: 'Cluster names resolve, outside names do not: check the cluster DNS\'s forwarder (CoreDNS `forward . /etc/resolv.conf` or its upstream servers) and that the upstream DNS answers from the DNS pods\' nodes (`dig @<upstream> <name>`).',
  },
  'image-pull': {
    title: 'Debug image does not pull',
    nextStep: 'The kubelet cannot pull the debug image (air-gapped cluster, registry rate limit, wrong name): mirror it to a registry the nodes reach and pass it with --image, or pre-pull it on the nodes.',
  },
  'admission-denied': {
    title: 'Admission refused the debug container',
    nextStep: 'Pod Security or a policy webhook rejected the probe container: read the server\'s sentence; run node probes in a namespace that allows privileged pods (--debug-namespace), or ask for an exemption for packetwalk\'s debug containers.',
  },
} as const satisfies Record<string, { title: string; nextStep: string }>;

export type CauseCode = keyof typeof CAUSES;

export const WARNING_CAUSES = {
  'ndots-amplification': {
    title: 'Short name fans out into many DNS queries',
    nextStep: 'Use the FQDN with a trailing dot (`backend.shop.svc.cluster.local.`) or lower `ndots` in the pod\'s dnsConfig.',
  },
  'policy-not-enforced': {
    title: 'NetworkPolicies exist but are not enforced',
    nextStep: 'The CNI does not enforce NetworkPolicy (e.g. flannel): install a policy engine (Calico, Cilium, kube-network-policies) or the policies are only documentation.',
  },
  'conntrack-pressure': {
    title: 'Conntrack table near full',
    nextStep: 'Raise net.netfilter.nf_conntrack_max on the node or find the connection leak (`conntrack -S`, `conntrack -L | wc -l`).',
  },
  'mesh-intercepts': {
    title: 'A sidecar proxy intercepts the pod\'s traffic',
    nextStep: 'The mesh redirects the pod\'s outbound TCP to its proxy, so an app\'s connect only proves the proxy answered: packetwalk connected as the proxy\'s own uid to test the real path; read the mesh\'s view too (`istioctl proxy-config cluster <pod>`, `linkerd diagnostics endpoints`).',
  },
  'model-mismatch': {
    title: 'A hop looked wrong, yet the traffic flows',
    nextStep: 'packetwalk\'s model of this hop (a route, rule, port or table it expected) disagrees with what the traffic did: read the hop\'s expected/observed lines; if the dataplane is a shape packetwalk does not know, report it with the evidence bundle.',
  },
  'proxy-mode-unknown': {
    title: 'No kube-proxy rules found on the node',
    nextStep: 'The cluster may use a kube-proxy replacement (e.g. Cilium): inspect its load-balancer map with `cilium bpf lb list`.',
  },
} as const satisfies Record<string, { title: string; nextStep: string }>;

export type WarningCause = keyof typeof WARNING_CAUSES;

export function isCauseCode(s: string): s is CauseCode {
  return Object.prototype.hasOwnProperty.call(CAUSES, s);
}

export function isWarningCause(s: string): s is WarningCause {
  return Object.prototype.hasOwnProperty.call(WARNING_CAUSES, s);
}

/** What fills the placeholders of the next-step texts above, when the diagnosis knows it. */
export interface NextStepValues {
  /** `<ns>`: the namespace whose policies decide (the destination's) */
  ns?: string;
  /** `<vxlan>`: the node's tunnel device (flannel.1, vxlan.calico, cilium_vxlan) */
  vxlan?: string;
  /** `<kube-dns IP>`: the cluster DNS Service's ClusterIP */
  kubeDnsIP?: string;
  /** `<VIP>`: the Service's ClusterIP */
  vip?: string;
  /** `<selector>`: the Service's selector as k=v,k=v */
  selector?: string;
  /** `<pod IP>`: the destination pod's IP (for a node's route: the pod it has no route to) */
  podIP?: string;
  /** `<node>`: the node the finding is about (a route missing on it) */
  node?: string;
  /** `<external IP>`: the address outside the cluster */
  externalIP?: string;
}

/**
 * no-endpoints' next step for a Service without a selector (its EndpointSlices are written by someone else: a
 * controller, an operator, or by hand), in place of the selector advice, which names no selector then.
 */
export function noSelectorNextStep(ns: string, name: string): string {
  return `Service ${ns}/${name} has no selector, so nothing writes its endpoints from pods: \`kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${name}\` shows what its owner (a controller, an operator, or a hand-made slice) wrote; make that list the backends' addresses as ready, or give the Service a selector.`;
}

/**
 * A next-step text with its placeholders filled where the value is known (`dig @10.96.0.10` instead of
 * `dig @<kube-dns IP>`); unknown ones are left for the reader. Values are cluster text: the page and the terminal
 * escape them as they escape every sentence.
 */
export function concreteNextStep(text: string, v: NextStepValues): string {
  const fills: [string, string | undefined][] = [['<ns>', v.ns], ['<vxlan>', v.vxlan], ['<kube-dns IP>', v.kubeDnsIP], ['<VIP>', v.vip], ['<selector>', v.selector], ['<pod IP>', v.podIP], ['<node>', v.node], ['<external IP>', v.externalIP]];
  return fills.reduce((t, [k, x]) => (x ? t.replaceAll(k, x) : t), text);
}

export function nextStepFor(cause: CauseCode | WarningCause): string {
  return isCauseCode(cause) ? CAUSES[cause].nextStep : WARNING_CAUSES[cause].nextStep;
}

/** Causes that are the name lookup's own (the resolver's answer or silence), as opposed to a fault on the way to it. */
const LOOKUP_CAUSES: ReadonlySet<string> = new Set<CauseCode>(['dns-timeout', 'dns-nxdomain', 'dns-wrong-answer', 'upstream-dns']);

/**
 * The head of a failing diagnosis's summary, before ": <reason>": "<cause title> at <hop>". A path fault that the dns
 * hop found on the way to the resolver (an overlay drop, bridge netfilter, a NetworkPolicy on UDP 53) is said as the
 * lookup failing because of it — "Overlay traffic dropped between nodes at dns" read as if the tunnel were a DNS stop.
 * The hop id stays in the text, in parentheses, where a reader matches it to the graph.
 */
export function failureHead(cause: CauseCode, hop: string): string {
  const title = CAUSES[cause].title;
  // the cluster DNS pod itself refuses the queries (dns.ts replicaProblem): the server, not the way to it
  if (hop === 'dns' && cause === 'app-not-listening') return 'The name lookup fails: nothing listens on the DNS port of the cluster DNS (dns)';
  if (hop === 'dns' && !LOOKUP_CAUSES.has(cause)) return `The name lookup fails: ${title.charAt(0).toLowerCase()}${title.slice(1)} between the pod and the DNS server (dns)`;
  return `${title} at ${hop}`;
}
