// `bridge -d -j link show`: bridge ports with state and the hairpin flag.
// Measured (iproute2-6.1.0): without -d the JSON has no "hairpin" field at all, so run it with -d.
import type { ParseError, Result } from '../result';
import type { ToolRun } from './common';
import { parseIpListing, type IpListing } from './ipTool';

export interface BridgePort {
  ifindex: number;
  ifname: string;
  master?: string; // the bridge
  state?: string; // forwarding | disabled | blocking | listening | learning
  mtu?: number;
  flags: string[];
  /** undefined when the command ran without -d (the field is only printed with details). */
  hairpin?: boolean;
  learning?: boolean;
  isolated?: boolean;
}

export function parseBridgeLink(text: string, run?: ToolRun): Result<IpListing<BridgePort>, ParseError> {
  return parseIpListing('bridge link', text, run, (r) => {
    const p: BridgePort = { ifindex: r.num('ifindex'), ifname: r.str('ifname'), flags: r.optStrs('flags') ?? [] };
    const master = r.optStr('master');
    const state = r.optStr('state');
    const mtu = r.optNum('mtu');
    const hairpin = r.optBool('hairpin');
    const learning = r.optBool('learning');
    const isolated = r.optBool('isolated');
    if (master !== undefined) p.master = master;
    if (state !== undefined) p.state = state;
    if (mtu !== undefined) p.mtu = mtu;
    if (hairpin !== undefined) p.hairpin = hairpin;
    if (learning !== undefined) p.learning = learning;
    if (isolated !== undefined) p.isolated = isolated;
    return p;
  });
}
