// Placeholder until the lab lands (issue 3).
export async function labMain(_argv: string[]): Promise<number> {
  process.stderr.write('packetwalk lab: not built yet\n');
  return 2;
}
