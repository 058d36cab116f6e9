// Splits a captured fixture (lib/parse/fixtures/README.md) into its header and streams. Pure: tests read the file.
export interface Fixture {
  command: string;
  version: string;
  captured: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export function splitFixture(text: string): Fixture {
  const lines = text.split('\n');
  const header = (key: string): string => {
    const l = lines.find((x) => x.startsWith(`# ${key}: `));
    if (l === undefined) throw new Error(`fixture has no "# ${key}:" line`);
    return l.slice(key.length + 4);
  };
  const out = lines.indexOf('# stdout:');
  const errAt = lines.indexOf('# stderr:', out + 1);
  if (out < 0 || errAt < 0) throw new Error('fixture needs "# stdout:" and "# stderr:" lines');
  const join = (ls: string[]): string => {
    const body = ls.join('\n');
    return body === '' ? '' : body.endsWith('\n') ? body : `${body}\n`;
  };
  const stderrLines = lines.slice(errAt + 1);
  if (stderrLines[stderrLines.length - 1] === '') stderrLines.pop();
  const exit = Number(header('exit'));
  return {
    command: header('command'),
    version: header('version'),
    captured: header('captured'),
    exitCode: Number.isFinite(exit) ? exit : null,
    stdout: join(lines.slice(out + 1, errAt)),
    stderr: join(stderrLines),
  };
}
