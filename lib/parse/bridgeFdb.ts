// `bridge -j fdb show dev <vxlan>` / `br <bridge>`: forwarding entries (MAC → port, or → remote VTEP).
import type { ParseError, Result } from '../result';
import type { ToolRun } from './common';
import { parseIpListing, type IpListing } from './ipTool';

export interface FdbEntry {
  mac: string;
  /** Remote VTEP (underlay IP) for a VXLAN entry. */
  dst?: string;
  /** Port name; absent when the command was filtered with `dev X`. */
  ifname?: string;
  master?: string;
  vni?: number;
  flags: string[]; // self, master, extern_learn …
  /** "permanent" | "static" | "" (dynamic, learnt) */
  state: string;
  self: boolean;
  permanent: boolean;
}

export function parseBridgeFdb(text: string, run?: ToolRun): Result<IpListing<FdbEntry>, ParseError> {
  return parseIpListing('bridge fdb', text, run, (r) => {
    const flags = r.optStrs('flags') ?? [];
    const state = r.optStr('state') ?? '';
    const e: FdbEntry = { mac: r.str('mac'), flags, state, self: flags.includes('self'), permanent: state === 'permanent' };
    const dst = r.optStr('dst');
    const ifname = r.optStr('ifname');
    const master = r.optStr('master');
    const vni = r.optNum('vni');
    if (dst !== undefined) e.dst = dst;
    if (ifname !== undefined) e.ifname = ifname;
    if (master !== undefined) e.master = master;
    if (vni !== undefined) e.vni = vni;
    return e;
  });
}
