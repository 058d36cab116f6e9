// `ip -j [-d] addr show [dev X]`: interfaces with state, MTU, addresses and veth peer index; with -d also
// the link kind and vxlan/bridge-port details (the engine's node probe asks for both at once).
import type { ParseError, Result } from '../result';
import type { ToolRun } from './common';
import { readIpLink, type IpAddress, type IpLink } from './ipLink';
import { parseIpListing, type IpListing } from './ipTool';

/** An interface as `ip addr` shows it: an IpLink whose `addresses` are filled. */
export type IpAddrInterface = IpLink;

export function parseIpAddr(text: string, run?: ToolRun): Result<IpListing<IpAddrInterface>, ParseError> {
  return parseIpListing('ip addr', text, run, readIpLink);
}

/** The first IPv4 address that is not host-scoped (127.0.0.1), e.g. a pod's eth0 address. */
export function ipv4Of(iface: IpLink): IpAddress | undefined {
  return iface.addresses.find((a) => a.family === 'inet' && a.scope !== 'host');
}
