// `ipvsadm -Ln` (kube-proxy IPVS mode): virtual services with scheduler and flags, each followed by its
// real servers (forward method, weight, active and inactive connections). Trailing padding is tolerated.
import { err, ok, type ParseError, type Result } from '../result';

export interface IpvsRealServer {
  address: string; // ip (IPv6 without brackets)
  port: number;
  forward: string; // Masq | Route | Tunnel | Local
  weight: number;
  activeConn: number;
  inactiveConn: number;
}

export interface IpvsVirtualService {
  protocol: string; // TCP | UDP | SCTP | FWM
  address: string;
  port: number;
  scheduler: string;
  persistent?: number; // seconds
  flags: string[];
  realServers: IpvsRealServer[];
  line: number;
}

export interface IpvsTable {
  version?: string;
  size?: number;
  services: IpvsVirtualService[];
}

const TOOL = 'ipvsadm';

/** "10.0.0.1:443" or "[fd00::1]:443" → address and port. */
function splitHostPort(s: string): { address: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  return m ? { address: m[1], port: Number(m[2]) } : null;
}

export function parseIpvsadm(text: string): Result<IpvsTable, ParseError> {
  const out: IpvsTable = { services: [] };
  const lines = text.split('\n');
  let sawHeader = false;
  let cur: IpvsVirtualService | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\s+$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const v = /^IP Virtual Server version (\S+) \(size=(\d+)\)/.exec(line);
    if (v) { out.version = v[1]; out.size = Number(v[2]); sawHeader = true; continue; }
    if (/^Prot LocalAddress:Port/.test(line) || /^\s+->\s+RemoteAddress:Port/.test(line)) { sawHeader = true; continue; }
    const rs = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (rs) {
      if (!cur) return err({ tool: TOOL, line: lineNo, expected: 'a virtual service line before a real server', got: line });
      const hp = splitHostPort(rs[1]);
      if (!hp) return err({ tool: TOOL, line: lineNo, expected: 'RemoteAddress:Port', got: rs[1] });
      cur.realServers.push({ ...hp, forward: rs[2], weight: Number(rs[3]), activeConn: Number(rs[4]), inactiveConn: Number(rs[5]) });
      continue;
    }
    const vs = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\S+)(.*)$/.exec(line);
    if (vs) {
      const hp = vs[1] === 'FWM' ? { address: vs[2], port: 0 } : splitHostPort(vs[2]);
      if (!hp) return err({ tool: TOOL, line: lineNo, expected: 'LocalAddress:Port', got: vs[2] });
      const rest = vs[4].trim().split(/\s+/).filter(Boolean);
      const flags: string[] = [];
      let persistent: number | undefined;
      for (let k = 0; k < rest.length; k++) {
        if (rest[k] === 'persistent' && /^\d+$/.test(rest[k + 1] ?? '')) { persistent = Number(rest[k + 1]); k++; }
        else flags.push(rest[k]);
      }
      cur = { protocol: vs[1], ...hp, scheduler: vs[3], ...(persistent !== undefined ? { persistent } : {}), flags, realServers: [], line: lineNo };
      out.services.push(cur);
      continue;
    }
    if (/^\s+->/.test(line)) return err({ tool: TOOL, line: lineNo, expected: '-> address:port Forward Weight ActiveConn InActConn (the line looks cut short)', got: line });
    return err({ tool: TOOL, line: lineNo, expected: 'a virtual service (TCP|UDP|SCTP addr:port scheduler) or a real server line', got: line });
  }
  if (!sawHeader && out.services.length === 0 && text.trim() !== '') return err({ tool: TOOL, line: 0, expected: 'ipvsadm -Ln output' });
  return ok(out);
}
