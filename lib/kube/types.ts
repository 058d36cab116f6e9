// The fields of Kubernetes API objects that lib/kube reads, typed as the API returns them in JSON.
// Structural subsets: plain JSON from the API server and @kubernetes/client-node's V1* objects both fit.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Labels | null;
  annotations?: Labels | null;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist
  values?: string[] | null;
}

export interface LabelSelector {
  matchLabels?: Labels | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string; // TCP (default) | UDP | SCTP
}

export interface Container {
  name: string;
  ports?: ContainerPort[] | null;
}

export interface PodCondition {
  type: string;
  status: string;
}

export interface Pod {
  metadata?: ObjectMeta;
  spec?: {
    containers?: Container[];
    nodeName?: string;
    hostNetwork?: boolean;
    /** ClusterFirst (default), ClusterFirstWithHostNet, Default, None */
    dnsPolicy?: string;
    /** merged into what dnsPolicy gives (with None, all there is): Kubernetes "DNS for Services and Pods", Pod's DNS Config */
    dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name?: string; value?: string }[] };
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[] | null;
    conditions?: PodCondition[] | null;
  };
}

export interface Namespace {
  metadata?: ObjectMeta;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
  /** the application protocol (KEP-3726: an IANA service name, `kubernetes.io/…`, or a domain-prefixed name) */
  appProtocol?: string;
}

export interface Service {
  metadata?: ObjectMeta;
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    selector?: Labels | null;
    ports?: ServicePort[] | null;
    externalName?: string;
  };
}

export interface EndpointConditions {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions | null;
  nodeName?: string | null;
  targetRef?: { kind?: string; namespace?: string; name?: string } | null;
}

export interface EndpointPort {
  name?: string | null;
  port?: number | null;
  protocol?: string | null;
}

export interface EndpointSlice {
  metadata?: ObjectMeta;
  addressType?: string;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[] | null;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: IPBlock | null;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[] | null;
  ports?: NetworkPolicyPort[] | null;
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[] | null;
  ports?: NetworkPolicyPort[] | null;
}

export interface NetworkPolicy {
  metadata?: ObjectMeta;
  spec?: {
    podSelector?: LabelSelector | null;
    ingress?: NetworkPolicyIngressRule[] | null;
    egress?: NetworkPolicyEgressRule[] | null;
    policyTypes?: string[] | null;
  };
}

export interface ConfigMap {
  metadata?: ObjectMeta;
  data?: Record<string, string> | null;
}

export interface DaemonSet {
  metadata?: ObjectMeta;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** "ns/name" as people write it. */
export function nsName(o: { metadata?: ObjectMeta } | undefined): string {
  const m = o?.metadata;
  return `${m?.namespace ?? 'default'}/${m?.name ?? '?'}`;
}

export function labelsOf(o: { metadata?: ObjectMeta } | undefined): Labels {
  return o?.metadata?.labels ?? {};
}

/** Upper-case protocol with the API's default (TCP). */
export function protocolOf(p: string | null | undefined): string {
  return (p ?? 'TCP').toUpperCase();
}
