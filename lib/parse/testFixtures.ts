// Pure helper shared by the parser tests: unwraps a Result or fails the test with the ParseError.
import { parseErrorText, type ParseError, type Result } from '../result';

export function value<T>(r: Result<T, ParseError>): T {
  if (!r.ok) throw new Error(`parse failed: ${parseErrorText(r.error)}`);
  return r.value;
}

export function error<T>(r: Result<T, ParseError>): ParseError {
  if (r.ok) throw new Error(`expected a ParseError, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
}
