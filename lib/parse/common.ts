// Shared pieces of the tool-output parsers: the optional run facts, JSON reading that never throws,
// and small typed field readers that report the first missing field as a ParseError.
import { err, ok, type ParseError, type Result } from '../result';

/**
 * What the runner knows besides stdout. Evidence (lib/model.ts) has this shape, so the engine can call
 * `probe.parse(ev.stdout, ev)`. Tools that report failures on stderr or through the exit code
 * (ip's RTNETLINK errors, nc, ping, dig, getent, sysctl) read it; `text` alone still works for stdout.
 */
export interface ToolRun {
  exitCode?: number | null;
  stderr?: string;
}

export function parseError(tool: string, line: number, expected: string, got?: string): Result<never, ParseError> {
  return err(got === undefined ? { tool, line, expected } : { tool, line, expected, got });
}

/** Lines without their end-of-line characters; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** stdout and stderr together, for tools whose verdict can be on either stream. */
export function allText(text: string, run?: ToolRun): string {
  return run?.stderr ? `${text}\n${run.stderr}` : text;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON.parse without the throw: a syntax error or truncation becomes a ParseError on the line it hit. */
export function parseJson(tool: string, text: string): Result<unknown, ParseError> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    const lines = splitLines(text);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : Math.max(lines.length, 1);
    return parseError(tool, line, 'complete JSON (the output may be truncated)', lines[line - 1] ?? text.slice(0, 80));
  }
}

/** The top-level JSON array `ip -j` / `bridge -j` print. */
export function parseJsonArray(tool: string, text: string): Result<unknown[], ParseError> {
  const parsed = parseJson(tool, text);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return parseError(tool, 1, 'a JSON array', text.slice(0, 80));
  return ok(parsed.value);
}

/**
 * Reads fields of one JSON object and remembers the first one that is missing or of the wrong type,
 * so a parser validates what it relies on and reports e.g. `entry 2: "ifname" (string)`.
 */
export class FieldReader {
  problem: string | undefined;
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly where: string,
  ) {}

  private miss(key: string, type: string): void {
    this.problem ??= `${this.where}: "${key}" (${type})`;
  }

  str(key: string): string {
    const v = this.obj[key];
    if (typeof v === 'string') return v;
    this.miss(key, 'string');
    return '';
  }
  num(key: string): number {
    const v = this.obj[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.miss(key, 'number');
    return 0;
  }
  strs(key: string): string[] {
    const v = this.obj[key];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    this.miss(key, 'array of strings');
    return [];
  }
  /** An optional field: absent is undefined, present must pass `is` or it is the problem. */
  private opt<T>(key: string, is: (v: unknown) => v is T, type: string): T | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (is(v)) return v;
    this.miss(key, `${type} when present`);
    return undefined;
  }
  optStr(key: string): string | undefined {
    return this.opt(key, (v): v is string => typeof v === 'string', 'string');
  }
  optNum(key: string): number | undefined {
    return this.opt(key, (v): v is number => typeof v === 'number' && Number.isFinite(v), 'number');
  }
  optBool(key: string): boolean | undefined {
    return this.opt(key, (v): v is boolean => typeof v === 'boolean', 'boolean');
  }
  optStrs(key: string): string[] | undefined {
    return this.obj[key] === undefined ? undefined : this.strs(key);
  }
  optRecord(key: string): Record<string, unknown> | undefined {
    return this.opt(key, isRecord, 'object');
  }
  optArray(key: string): unknown[] | undefined {
    return this.opt(key, (v): v is unknown[] => Array.isArray(v), 'array');
  }
}

/** Maps each entry of a JSON array through `read`; the first bad entry becomes the ParseError. */
export function readEntries<T>(
  tool: string,
  entries: unknown[],
  read: (r: FieldReader, obj: Record<string, unknown>) => T,
): Result<T[], ParseError> {
  const out: T[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!isRecord(e)) return parseError(tool, 1, `entry ${i + 1} to be a JSON object`, JSON.stringify(e));
    const r = new FieldReader(e, `entry ${i + 1}`);
    const value = read(r, e);
    if (r.problem) return parseError(tool, 1, r.problem, JSON.stringify(e));
    out.push(value);
  }
  return ok(out);
}
