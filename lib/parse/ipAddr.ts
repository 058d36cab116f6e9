// `ip -j addr show [dev X]`: interfaces with their state, MTU, addresses and veth peer index.
import type { ParseError, Result } from '../result';
import { FieldReader, isRecord, type ToolRun } from './common';
import { parseIpListing, type IpListing } from './ipTool';

export interface IpAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string; // global | link | host
  label?: string;
  broadcast?: string;
}

export interface IpAddrInterface {
  ifindex: number;
  ifname: string;
  flags: string[]; // UP, LOWER_UP, LOOPBACK, NO-CARRIER …
  mtu: number;
  operstate: string; // UP | DOWN | UNKNOWN | LOWERLAYERDOWN …
  address?: string; // MAC
  /** ifindex of the peer (veth) in the namespace `link_netnsid` names. */
  linkIndex?: number;
  linkNetnsid?: number;
  master?: string;
  addresses: IpAddress[];
  /** Admin up (flag UP) and carrier (flag LOWER_UP). */
  up: boolean;
  lowerUp: boolean;
}

export function readAddress(r: FieldReader, where: string): IpAddress | string {
  const family = r.str('family');
  if (family !== 'inet' && family !== 'inet6') return `${where}: "family" inet or inet6`;
  const a: IpAddress = { family, local: r.str('local'), prefixlen: r.num('prefixlen') };
  const scope = r.optStr('scope');
  const label = r.optStr('label');
  const broadcast = r.optStr('broadcast');
  if (scope !== undefined) a.scope = scope;
  if (label !== undefined) a.label = label;
  if (broadcast !== undefined) a.broadcast = broadcast;
  return a;
}

export function parseIpAddr(text: string, run?: ToolRun): Result<IpListing<IpAddrInterface>, ParseError> {
  return parseIpListing('ip addr', text, run, (r) => {
    const flags = r.strs('flags');
    const iface: IpAddrInterface = {
      ifindex: r.num('ifindex'),
      ifname: r.str('ifname'),
      flags,
      mtu: r.num('mtu'),
      operstate: r.str('operstate'),
      addresses: [],
      up: flags.includes('UP'),
      lowerUp: flags.includes('LOWER_UP'),
    };
    const address = r.optStr('address');
    const linkIndex = r.optNum('link_index');
    const linkNetnsid = r.optNum('link_netnsid');
    const master = r.optStr('master');
    if (address !== undefined) iface.address = address;
    if (linkIndex !== undefined) iface.linkIndex = linkIndex;
    if (linkNetnsid !== undefined) iface.linkNetnsid = linkNetnsid;
    if (master !== undefined) iface.master = master;
    const infos = r.optArray('addr_info') ?? [];
    infos.forEach((info, i) => {
      if (!isRecord(info)) {
        r.problem ??= `addr_info ${i + 1} of ${iface.ifname} to be an object`;
        return;
      }
      const sub = new FieldReader(info, `${iface.ifname} addr_info ${i + 1}`);
      const a = readAddress(sub, `${iface.ifname} addr_info ${i + 1}`);
      if (typeof a === 'string') r.problem ??= a;
      else if (sub.problem) r.problem ??= sub.problem;
      else iface.addresses.push(a);
    });
    return iface;
  });
}

/** The first global-scope IPv4 address of an interface, e.g. a pod's eth0 address. */
export function ipv4Of(iface: IpAddrInterface): IpAddress | undefined {
  return iface.addresses.find((a) => a.family === 'inet' && a.scope !== 'host');
}
