// `ip -j neigh show [dev X]`: neighbour (ARP/NDP) entries. With `dev X`, ip leaves "dev" out of each entry.
import type { ParseError, Result } from '../result';
import type { ToolRun } from './common';
import { parseIpListing, type IpListing } from './ipTool';

export interface IpNeigh {
  dst: string;
  dev?: string;
  lladdr?: string; // absent while INCOMPLETE / FAILED
  /** PERMANENT | REACHABLE | STALE | DELAY | PROBE | INCOMPLETE | FAILED | NOARP (several may be set). */
  state: string[];
  router: boolean;
}

export function parseIpNeigh(text: string, run?: ToolRun): Result<IpListing<IpNeigh>, ParseError> {
  return parseIpListing('ip neigh', text, run, (r, obj) => {
    const n: IpNeigh = { dst: r.str('dst'), state: r.optStrs('state') ?? [], router: obj.router !== undefined };
    const dev = r.optStr('dev');
    const lladdr = r.optStr('lladdr');
    if (dev !== undefined) n.dev = dev;
    if (lladdr !== undefined) n.lladdr = lladdr;
    return n;
  });
}

/** A neighbour the kernel can send to: has a link-layer address and is not FAILED/INCOMPLETE. */
export function isUsableNeigh(n: IpNeigh): boolean {
  return n.lladdr !== undefined && !n.state.includes('FAILED') && !n.state.includes('INCOMPLETE');
}
