// Inputs of the rule generators (re-exported by lab/rules/index.ts; others code against these).
import type { KubeObject } from '../types';

export interface ProxyRulesInput {
  services: KubeObject[]; endpointSlices: KubeObject[];      // all Services / EndpointSlices of the cluster (v1 / discovery.k8s.io/v1 JSON)
  nodeName: string; nodeIP: string; clusterCIDR: string;      // cluster pod CIDR (masquerade off-cluster sources like kube-proxy's --cluster-cidr)
  omitServices?: string[];                                     // "ns/name": no rules at all (fault proxy-rules-missing)
  staleEndpoints?: Record<string, string[]>;                   // "ns/name" → endpoint IPs to DNAT to instead of the ready ones (fault stale-proxy-rules)
  /**
   * Additive (iptables only). Chains present now in the node's filter+nat tables (names from
   * `iptables-save`). When given, stale KUBE-SVC/SEP/EXT chains are declared and deleted (`-X`) like
   * kube-proxy's full resync, and the built-in hooks are left out if KUBE-SERVICES already exists
   * (`--noflush` never flushes PREROUTING etc., so re-adding them would duplicate them). When
   * omitted, the text is for a fresh netns: hooks included, nothing deleted.
   */
  existingChains?: string[];
  /** Additive. Force (true) or suppress (false) the jumps from the built-in chains. */
  hooks?: boolean;
  /**
   * Additive. This node's `topology.kubernetes.io/zone` label (kube-proxy reads its own Node): with it, a Service whose
   * ready endpoints all carry zone hints is DNATed only to those hinted for this zone (lab/rules/topology.ts).
   * Node hints need only nodeName.
   */
  zone?: string;
  /** Additive (iptables only). Add kube-proxy's `-m nfacct` counters; needs the nfacct objects to exist. */
  nfacct?: boolean;
}

export interface PolicyRulesInput {
  policies: KubeObject[]; pods: KubeObject[]; namespaces: KubeObject[]; // everything in the cluster (pods carry status.podIP, labels)
  nodeName: string;                                                     // enforce for the pods scheduled on this node (spec.nodeName)
  /** Additive. Chains present now in the node's filter table: stale PACKETWALK-* chains get `-X`, the FORWARD hook is not re-added. */
  existingChains?: string[];
  /** Additive. Force (true) or suppress (false) the `-I FORWARD 1 -j PACKETWALK-FORWARD` hook. */
  hooks?: boolean;
  /** Additive. What a denied packet gets: DROP (default, like most CNIs) or REJECT (fast failure). */
  denyAction?: 'DROP' | 'REJECT';
}
