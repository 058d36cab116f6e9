// Placeholder until the dashboard lands (issue 6).
export async function serveMain(_argv: string[]): Promise<number> {
  process.stderr.write('packetwalk serve: not built yet\n');
  return 2;
}
export async function demoMain(_argv: string[]): Promise<number> {
  process.stderr.write('packetwalk demo: not built yet\n');
  return 2;
}
