// The running lab's state: the contract between the dataplane (lab/dataplane, `lab up|down|fault`)
// and the lab's Kubernetes API (lab/api). Persisted as JSON at `${labDir()}/state.json`; both sides
// read and change it only through lab/state.ts (locked, atomic), and the API daemon turns every
// object change it sees there into WATCH events.

/** A Kubernetes object as the API serves it (apiVersion, kind, metadata, spec, status …). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface LabFault {
  name: string; // catalogue name, e.g. 'mtu-blackhole'
  params: Record<string, string>; // e.g. {node: 'worker-2'}
}

export interface LabCluster {
  nodes: string[];
  overlay: 'vxlan' | 'host-gw';
  kubeProxy: 'iptables' | 'nftables';
  networkPolicy: 'enforce' | 'ignore';
  podCIDR: string;
  serviceCIDR: string;
}

export interface LabNode {
  name: string;
  netns: string; // e.g. 'pw-node-worker-1'
  internalIP: string; // underlay address
  podCIDR: string; // this node's /24
  bridgeIP: string; // gateway address of the pods (.1 of podCIDR)
  /** Additive: the node's link in the underlay netns (peer of the node's eth0). */
  underlayVeth?: string;
}

export interface LabPod {
  namespace: string;
  name: string;
  node: string;
  netns: string;
  ip: string;
  hostVeth: string; // host-side veth name inside the node netns
  /** pid of the pod's listener process (if any), so `lab down` can stop exactly what it started */
  listenerPid?: number;
  /** Additive: a hostNetwork pod (kube-proxy, CNI): netns is its node's, no veth, ip is the node's. */
  hostNetwork?: boolean;
}

export interface LabState {
  version: 1;
  instance: string; // name prefix of everything global the lab makes (netns, processes, files)
  labDir: string;
  createdAt: string;
  cluster: LabCluster;
  nodes: LabNode[];
  pods: LabPod[]; // pods with a dataplane (netns); kube-system pods included (dns)
  faults: LabFault[];
  /** Every object the API serves. resourceVersion is bumped by lab/state.ts on change. */
  objects: KubeObject[];
  resourceVersion: number;
  /** The resourceVersion each recently deleted object got (newest last, bounded), so WATCH can number DELETED events. */
  tombstones?: { key: string; resourceVersion: string }[];
  api?: {
    port: number;
    pid: number;
    kubeconfig: string; // admin
    viewerKubeconfig: string;
  };
  /** pids of other daemons the lab started (dnsmasq …), by role */
  daemons: Record<string, number>;
}
