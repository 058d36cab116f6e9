// The dataplane families the lab builds (DESIGN §3.1, `cluster.cni`) and which `overlay` each allows.
// Pure: the lab file's validation (lab/spec.ts) and the dataplane (lab/dataplane/families/) both read
// these tables, so "calico may use host-gw" is written once.

export const CNIS = ['flannel', 'calico', 'cilium', 'kindnet', 'vpc'] as const;
export type Cni = (typeof CNIS)[number];
export const OVERLAYS = ['vxlan', 'host-gw', 'routed'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Per family: the overlays it allows (the first is its default) and why the others are not built. */
export const FAMILY_OVERLAYS: Record<Cni, { allowed: readonly Overlay[]; why: string }> = {
  flannel: { allowed: ['vxlan', 'host-gw'], why: 'flannel builds vxlan (flannel.1) or host-gw (routes via the peer node)' },
  calico: { allowed: ['vxlan', 'host-gw'], why: 'calico builds vxlan (vxlan.calico) or host-gw (BGP-style routes via the peer node); this kernel has no ipip for tunl0' },
  cilium: { allowed: ['vxlan'], why: 'cilium is built with its cilium_vxlan tunnel only (native routing is not built by the lab)' },
  kindnet: { allowed: ['host-gw'], why: 'kindnet has no tunnel: it routes each peer\'s pod CIDR via that node\'s InternalIP (host-gw)' },
  vpc: { allowed: ['routed'], why: 'a cloud VPC dataplane routes pod CIDRs in the VPC\'s route table (routed)' },
};

/** The family of a lab cluster (`cni` absent = flannel, the lab's first and default shape). */
export const cniOf = (c: { cni?: Cni }): Cni => c.cni ?? 'flannel';

/**
 * Checks a cni/overlay pair; returns null when allowed, else {field, problem, fix} for a LabFileError.
 * `overlayGiven` says whether the file set `overlay` (a missing one takes the family's default).
 */
export function checkFamily(cni: Cni, overlay: Overlay): { field: string; problem: string; fix: string } | null {
  const f = FAMILY_OVERLAYS[cni];
  if (f.allowed.includes(overlay)) return null;
  if (overlay === 'routed') {
    return { field: 'cluster.overlay', problem: `overlay routed is the VPC dataplane's (a cloud route table); cni ${cni} does not route that way`, fix: `use cni: vpc with overlay: routed, or overlay: ${f.allowed.join(' | ')} for ${cni}` };
  }
  return { field: 'cluster.overlay', problem: `cni ${cni} does not build overlay ${overlay}: ${f.why}`, fix: `use overlay: ${f.allowed.join(' | ')} with cni: ${cni} (or leave overlay out)` };
}
