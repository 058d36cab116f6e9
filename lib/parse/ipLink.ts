// `ip -j -d link show [dev X]`: links with kind (veth, bridge, vxlan), peer, master, state and MAC.
// The same reader serves `ip -j [-d] addr show` (lib/parse/ipAddr.ts), which adds addr_info.
import type { ParseError, Result } from '../result';
import { FieldReader, isRecord, type ToolRun } from './common';
import { parseIpListing, type IpListing } from './ipTool';

export interface VxlanInfo {
  id: number; // VNI
  port?: number; // UDP destination port (4789 is IANA's, 8472 Linux's old default)
  local?: string; // source VTEP address
  dev?: string; // underlay device ("link" in ip's JSON)
  learning?: boolean;
  /** `external` (collect-metadata, e.g. cilium_vxlan): the VNI and remote come per packet, no FDB entries */
  external?: boolean;
}

export interface BridgePortInfo {
  state?: string; // forwarding | blocking | disabled …
  hairpin?: boolean;
}

export interface IpAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string; // global | link | host
  label?: string;
  broadcast?: string;
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  address?: string; // MAC
  /** Peer's name, printed only when the peer sits in the same namespace. */
  link?: string;
  /** Peer's ifindex in the namespace link_netnsid names (a pod's eth0 → the node's veth). */
  linkIndex?: number;
  linkNetnsid?: number;
  master?: string; // the bridge this port belongs to
  kind?: string; // linkinfo.info_kind: veth | bridge | vxlan | …
  slaveKind?: string; // linkinfo.info_slave_kind: bridge when enslaved
  vxlan?: VxlanInfo;
  bridgePort?: BridgePortInfo;
  up: boolean; // flag UP
  lowerUp: boolean; // flag LOWER_UP (carrier)
  /** From addr_info: filled by `ip addr show`, empty for `ip link show`. */
  addresses: IpAddress[];
}

function readAddresses(link: IpLink, r: FieldReader): void {
  (r.optArray('addr_info') ?? []).forEach((info, i) => {
    const where = `${link.ifname} addr_info ${i + 1}`;
    if (!isRecord(info)) {
      r.problem ??= `${where} to be an object`;
      return;
    }
    const a = new FieldReader(info, where);
    const family = a.str('family');
    if (family !== 'inet' && family !== 'inet6') {
      r.problem ??= `${where}: "family" inet or inet6`;
      return;
    }
    const addr: IpAddress = { family, local: a.str('local'), prefixlen: a.num('prefixlen') };
    const scope = a.optStr('scope');
    const label = a.optStr('label');
    const broadcast = a.optStr('broadcast');
    if (scope !== undefined) addr.scope = scope;
    if (label !== undefined) addr.label = label;
    if (broadcast !== undefined) addr.broadcast = broadcast;
    if (a.problem) r.problem ??= a.problem;
    else link.addresses.push(addr);
  });
}

function readLinkinfo(link: IpLink, info: Record<string, unknown>, r: FieldReader): void {
  const li = new FieldReader(info, `${link.ifname} linkinfo`);
  const kind = li.optStr('info_kind');
  const slaveKind = li.optStr('info_slave_kind');
  if (kind !== undefined) link.kind = kind;
  if (slaveKind !== undefined) link.slaveKind = slaveKind;
  const data = li.optRecord('info_data');
  if (kind === 'vxlan' && data) {
    const d = new FieldReader(data, `${link.ifname} vxlan info_data`);
    const vx: VxlanInfo = { id: d.num('id') };
    const port = d.optNum('port');
    const local = d.optStr('local');
    const dev = d.optStr('link');
    const learning = d.optBool('learning');
    if (port !== undefined) vx.port = port;
    if (local !== undefined) vx.local = local;
    if (dev !== undefined) vx.dev = dev;
    if (learning !== undefined) vx.learning = learning;
    if (d.optBool('external') === true) vx.external = true;
    link.vxlan = vx;
    r.problem ??= d.problem;
  }
  const slave = li.optRecord('info_slave_data');
  if (slaveKind === 'bridge' && slave) {
    const s = new FieldReader(slave, `${link.ifname} bridge port data`);
    const bp: BridgePortInfo = {};
    const state = s.optStr('state');
    const hairpin = s.optBool('hairpin');
    if (state !== undefined) bp.state = state;
    if (hairpin !== undefined) bp.hairpin = hairpin;
    link.bridgePort = bp;
    r.problem ??= s.problem;
  }
  r.problem ??= li.problem;
}

/** One entry of `ip -j [-d] link|addr show`. */
export function readIpLink(r: FieldReader): IpLink {
  const flags = r.strs('flags');
  const link: IpLink = {
    ifindex: r.num('ifindex'),
    ifname: r.str('ifname'),
    flags,
    mtu: r.num('mtu'),
    operstate: r.str('operstate'),
    up: flags.includes('UP'),
    lowerUp: flags.includes('LOWER_UP'),
    addresses: [],
  };
  const address = r.optStr('address');
  const peer = r.optStr('link');
  const linkIndex = r.optNum('link_index');
  const linkNetnsid = r.optNum('link_netnsid');
  const master = r.optStr('master');
  if (address !== undefined) link.address = address;
  if (peer !== undefined) link.link = peer;
  if (linkIndex !== undefined) link.linkIndex = linkIndex;
  if (linkNetnsid !== undefined) link.linkNetnsid = linkNetnsid;
  if (master !== undefined) link.master = master;
  const info = r.optRecord('linkinfo');
  if (info) readLinkinfo(link, info, r);
  readAddresses(link, r);
  return link;
}

export function parseIpLink(text: string, run?: ToolRun): Result<IpListing<IpLink>, ParseError> {
  return parseIpListing('ip link', text, run, readIpLink);
}

/** The node-side veth whose peer is the pod's eth0: same ifindex as the pod's eth0 link_index. */
export function vethForPeerIndex(links: IpLink[], podEth0LinkIndex: number): IpLink | undefined {
  return links.find((l) => l.kind === 'veth' && l.ifindex === podEth0LinkIndex);
}
