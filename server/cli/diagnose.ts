import type { MainOptions } from '../cli';
// Placeholder until the engine lands (issue 5).
export async function diagnoseMain(_argv: string[], _opts: MainOptions): Promise<number> {
  process.stderr.write('packetwalk diagnose: not built yet\n');
  return 2;
}
