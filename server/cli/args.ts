// Command-line flags for every packetwalk command, parsed by node:util parseArgs from one table per command;
// the same table writes the usage text, so a flag cannot be parsed without being documented (issue 9).
import { parseArgs } from 'node:util';
import { didYouMean, nearNames } from '../../lib/suggest';

export interface FlagSpec {
  /** long name without dashes, e.g. "kubeconfig" */
  name: string;
  short?: string;
  /** a value flag names its value (e.g. "FILE"); boolean flags leave it out */
  value?: string;
  multiple?: boolean;
  help: string;
}

export interface CommandSpec {
  /** e.g. "packetwalk diagnose" */
  command: string;
  /** one line on what the command does, under its synopsis in the top-level usage (server/cli/commands.ts) */
  summary?: string;
  /** the synopsis after the command, e.g. "--from NS/POD --to TARGET [--json]" */
  synopsis: string;
  flags: FlagSpec[];
  /**
   * The flag a bare word is most likely meant for (`matrix shop` → "did you mean -n shop?"): named in the
   * "unknown argument" error of a stray positional. Leave it out when no flag is the obvious one.
   */
  bareWord?: string;
  /** lines printed after the flag list (targets, exit codes) */
  footer?: string;
}

/** The flags that pick the cluster exactly as kubectl does, shared by the commands that talk to one cluster (diagnose, matrix). */
export const CLUSTER_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', value: 'FILE', help: 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)' },
  { name: 'context', value: 'NAME', help: 'kubeconfig context (default: the current one)' },
];

/** The usage text of a command: its synopsis, then its flags (flagLines), then the footer. */
export function usageOf(spec: CommandSpec): string {
  const lines = [`usage: ${spec.command} ${spec.synopsis}`, '', ...flagLines(spec)];
  if (spec.footer) lines.push(spec.footer.replace(/\n$/, ''));
  return `${lines.join('\n')}\n`;
}

/** One aligned line (or more) per flag of the table: `  -f, --config FILE  help`. */
export function flagLines(spec: CommandSpec): string[] {
  const head = spec.flags.map((f) => `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const w = Math.max(...head.map((h) => h.length)) + 2;
  return spec.flags.flatMap((f, i) => {
    const [first, ...more] = f.help.split('\n');
    return [`  ${head[i].padEnd(w)}${first}`, ...more.map((m) => `  ${' '.repeat(w)}${m}`)];
  });
}

/**
 * What a usage error prints (to stderr): the error, the synopsis line and where the flags are explained — three
 * lines, so the error stays on screen (and in `| tail`) instead of scrolling away above the whole flag table.
 */
export function usageErrorText(spec: CommandSpec, message: string): string {
  return `${spec.command}: ${message}
usage: ${spec.command} ${spec.synopsis}
(\`${spec.command} --help\` explains every flag)
`;
}

export type ParsedFlags = Record<string, string | string[] | boolean | undefined>;

/**
 * Parses argv against the table (strict: unknown flags and stray positionals are errors; `--flag=value` and
 * `--flag value` both work). Returns the values keyed by long name, or the one-line error a user should see
 * ("unknown argument "--form"; did you mean --from?", "--from needs a value", "--from is given twice (a/b, a/c): give it once"
 * — a flag that is not `multiple` may appear once).
 */
export function parseFlags(spec: CommandSpec, argv: string[]): { values: ParsedFlags } | { error: string } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of spec.flags) {
    options[f.name] = { type: f.value ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals, tokens } = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
    if (positionals.length) {
      const meant = spec.flags.find((f) => f.name === spec.bareWord);
      const hint = meant && /^[A-Za-z0-9][\w.-]*$/.test(positionals[0]) ? `; did you mean ${meant.short ? `-${meant.short}` : `--${meant.name}`} ${positionals[0]}?` : '';
      return { error: `unknown argument "${positionals[0]}"${hint}` };
    }
    // a single-valued flag given twice: parseArgs keeps the last; refuse it by name rather than pick one silently
    for (const f of spec.flags) {
      if (f.multiple) continue;
      const given = tokens.flatMap((tk) => (tk.kind === 'option' && tk.name === f.name ? [tk] : []));
      if (given.length > 1) {
        const times = given.length === 2 ? 'twice' : `${given.length} times`;
        const shown = f.value ? ` (${given.map((tk) => tk.value ?? '').join(', ')})` : '';
        return { error: `--${f.name} is given ${times}${shown}: give it once` };
      }
    }
    for (const f of spec.flags) {
      const v = values[f.name];
      const empty = f.value && (v === '' || (Array.isArray(v) && v.includes('')));
      if (empty) return { error: `--${f.name} needs a value` };
    }
    return { values: values as ParsedFlags };
  } catch (e) {
    const err = e as { code?: string; message: string };
    const flag = /'(-{1,2}[^', ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      // a typo of a flag of this command: name it ("--form" → --from)
      const near = flag?.startsWith('--') ? nearNames(flag, spec.flags.map((f) => `--${f.name}`)) : [];
      return { error: `unknown argument "${flag ?? err.message}"${didYouMean(near)}` };
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const long = spec.flags.find((f) => flag === `--${f.name}` || flag === `-${f.short}`);
      const name = long ? `--${long.name}` : flag;
      if (/does not take an argument/.test(err.message)) return { error: `${name} takes no value` };
      // parseArgs reads "--flag -1" as a flag with no value: say how to give a value that starts with a dash
      if (/argument is ambiguous/.test(err.message)) return { error: `${name} needs a value; write a value that starts with "-" as ${name}=VALUE` };
      return { error: `${name} needs a value` };
    }
    return { error: err.message };
  }
}
