// `getent ahostsv4 <name>`: what the pod's own resolver (glibc, with its search list) returns.
// Exit 2 means "not found" (getent(1)); that is a result, not a parse error.
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export type GetentHosts = { found: true; addresses: string[]; canonicalName?: string } | { found: false };

const TOOL = 'getent';

export function parseGetentHosts(text: string, run?: ToolRun): Result<GetentHosts, ParseError> {
  const code = run?.exitCode;
  if (code === 2) return ok({ found: false });
  if (code !== undefined && code !== null && code !== 0)
    return parseError(TOOL, 0, 'exit 0 (found) or 2 (not found)', `exit ${code}: ${(run?.stderr ?? '').trim()}`);
  const lines = splitLines(text).filter((l) => l.trim() !== '');
  if (lines.length === 0) return ok({ found: false });
  const addresses: string[] = [];
  let canonicalName: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\S+)\s+(STREAM|DGRAM|RAW)(?:\s+(\S+))?\s*$/.exec(lines[i]) ?? /^(\S+)\s+(\S+)\s*$/.exec(lines[i]);
    if (!m || !/^[0-9a-fA-F:.]+$/.test(m[1])) return parseError(TOOL, i + 1, '"ADDRESS SOCKTYPE [NAME]" (ahosts) or "ADDRESS NAME" (hosts)', lines[i]);
    if (!addresses.includes(m[1])) addresses.push(m[1]);
    if (m[3] !== undefined && canonicalName === undefined) canonicalName = m[3];
    else if (m[2] !== undefined && !/^(STREAM|DGRAM|RAW)$/.test(m[2]) && canonicalName === undefined) canonicalName = m[2];
  }
  return ok(canonicalName === undefined ? { found: true, addresses } : { found: true, addresses, canonicalName });
}
