// A plain result union: parsers and other pure functions return this instead of throwing.
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** A parser's error names the tool, the line (1-based, 0 when the whole input is at fault) and what was expected. */
export interface ParseError {
  tool: string;
  line: number;
  expected: string;
  got?: string;
}

export function parseErrorText(e: ParseError): string {
  const where = e.line > 0 ? ` line ${e.line}` : '';
  return `${e.tool}${where}: expected ${e.expected}${e.got !== undefined ? `, got ${JSON.stringify(e.got.slice(0, 80))}` : ''}`;
}
