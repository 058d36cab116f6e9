// `sysctl KEY…`: "key = value" lines; a key the kernel lacks is reported on stderr
// ("sysctl: cannot stat /proc/sys/…: No such file or directory") and is listed in `missing`.
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export interface SysctlValues {
  /** key → value as printed (multi-value keys keep their tab: "32768\t60999"). */
  values: Record<string, string>;
  /** Keys the kernel does not have here, in dotted form. */
  missing: string[];
}

const TOOL = 'sysctl';

export function parseSysctl(text: string, run?: ToolRun): Result<SysctlValues, ParseError> {
  const values: Record<string, string> = {};
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const m = /^([\w.\-/]+) = (.*)$/.exec(lines[i]);
    if (!m) return parseError(TOOL, i + 1, '"key = value"', lines[i]);
    values[m[1]] = m[2];
  }
  const missing: string[] = [];
  for (const l of splitLines(run?.stderr ?? '')) {
    const m = /^sysctl: cannot stat \/proc\/sys\/(\S+): No such file or directory$/.exec(l.trim());
    if (m) missing.push(m[1].replace(/\//g, '.'));
  }
  return ok({ values, missing });
}

/** A numeric sysctl, or undefined when it is absent or not a single number. */
export function sysctlNumber(s: SysctlValues, key: string): number | undefined {
  const v = s.values[key];
  return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v) : undefined;
}
