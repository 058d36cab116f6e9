// Checks of the engine's options that both front ends take (`diagnose --debug-namespace`, `serve --debug-namespace`,
// $PACKETWALK_DEBUG_NAMESPACE): one sentence for one mistake, whichever command met it. Pure.
import { isDNS1123Label } from '../kube/names';

/**
 * Why `v` cannot be the namespace of packetwalk's node debug pods (an RFC 1123 label: lowercase letters, digits and
 * '-', at most 63, as the API server's own namespace validation), naming `flag`; undefined when it can.
 * e.g. `--debug-namespace: "Bad_NS" is not a namespace name (lowercase letters, digits and '-', at most 63)`.
 */
export function debugNamespaceProblem(v: string, flag = '--debug-namespace'): string | undefined {
  if (isDNS1123Label(v).length === 0) return undefined;
  const why = v.length > 63 ? `${v.length} characters, at most 63` : "lowercase letters, digits and '-', starting and ending with a letter or digit";
  return `${flag}: ${JSON.stringify(v)} is not a namespace name (${why})`;
}

/** The millisecond deadlines read from the environment: $PACKETWALK_API_TIMEOUT_MS (per API request) and $PACKETWALK_DIAGNOSIS_DEADLINE_MS (per diagnosis). */
export const MS_ENV = ['PACKETWALK_API_TIMEOUT_MS', 'PACKETWALK_DIAGNOSIS_DEADLINE_MS'] as const;

/**
 * Why `text` (the value of `name`, one of MS_ENV) cannot be a deadline: a whole number of milliseconds, at least
 * 1000 (a shorter one ends every request or diagnosis before it can answer: "within 0 s"); undefined when it can,
 * or when it is unset/empty (the default applies). e.g. `PACKETWALK_API_TIMEOUT_MS "abc" is not a whole number of
 * milliseconds of at least 1000: give e.g. 60000 for a minute, or unset it for the default`.
 */
export function msEnvProblem(name: string, text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^\d{1,9}$/.test(text.trim()) && Number(text) >= 1000) return undefined;
  return `${name} ${JSON.stringify(text)} is not a whole number of milliseconds of at least 1000: give e.g. 60000 for a minute, or unset it for the default`;
}

/**
 * The deadline `name` (one of MS_ENV) sets in `env`, in ms, or `fallback` when it is unset, empty or no deadline
 * (msEnvProblem: the front ends refuse such a value before any run, so this reading never meets one there).
 */
export function msEnv(name: (typeof MS_ENV)[number], env: Record<string, string | undefined>, fallback: number): number {
  const text = env[name];
  return text === undefined || text === '' || msEnvProblem(name, text) ? fallback : Number(text);
}

/** The first of MS_ENV whose value in `env` is no deadline (msEnvProblem's sentence), else undefined. */
export function msEnvProblems(env: Record<string, string | undefined>): { name: string; problem: string } | undefined {
  for (const name of MS_ENV) {
    const problem = msEnvProblem(name, env[name]);
    if (problem) return { name, problem };
  }
  return undefined;
}
