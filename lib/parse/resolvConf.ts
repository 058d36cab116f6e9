// /etc/resolv.conf as glibc's resolver reads it (resolv/res_init.c): nameserver, search/domain, options.
import { ok, type ParseError, type Result } from '../result';
import { parseError, splitLines, type ToolRun } from './common';

export interface ResolvOptions {
  ndots: number; // glibc default 1, capped at 15
  timeout: number; // seconds, default 5, capped at 30
  attempts: number; // default 2, capped at 5
  rotate: boolean;
  edns0: boolean;
  singleRequest: boolean; // single-request / single-request-reopen
  useVc: boolean; // use-vc: TCP only
  /** Options this parser does not interpret, as written (e.g. "trust-ad"). */
  other: string[];
}

export interface ResolvConf {
  /** In file order. glibc uses only the first 3 (MAXNS); see `ignoredNameservers`. */
  nameservers: string[];
  ignoredNameservers: string[];
  /** The search list glibc uses: the last `search` or `domain` line wins. */
  search: string[];
  domain?: string;
  options: ResolvOptions;
  /** Which options were set in the file (the rest are glibc defaults). */
  explicit: { ndots: boolean; timeout: boolean; attempts: boolean };
  /** Lines glibc ignores (unknown keyword, nameserver without an address), 1-based. */
  ignored: { line: number; text: string }[];
}

const TOOL = 'resolv.conf';
const MAXNS = 3;

export function parseResolvConf(text: string, run?: ToolRun): Result<ResolvConf, ParseError> {
  if (run?.exitCode !== undefined && run.exitCode !== null && run.exitCode !== 0) {
    return parseError(TOOL, 0, 'the file contents (cat exited non-zero)', (run.stderr ?? '').trim());
  }
  if (text.includes('\u0000')) return parseError(TOOL, 0, 'a text file', 'binary data');
  const conf: ResolvConf = {
    nameservers: [],
    ignoredNameservers: [],
    search: [],
    options: { ndots: 1, timeout: 5, attempts: 2, rotate: false, edns0: false, singleRequest: false, useVc: false, other: [] },
    explicit: { ndots: false, timeout: false, attempts: false },
    ignored: [],
  };
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const [keyword, ...words] = line.split(/\s+/);
    switch (keyword) {
      case 'nameserver': {
        const addr = words[0];
        if (addr === undefined || !/^[0-9a-fA-F:.%]+[0-9a-zA-Z]$/.test(addr)) conf.ignored.push({ line: i + 1, text: raw });
        else if (conf.nameservers.length < MAXNS) conf.nameservers.push(addr);
        else conf.ignoredNameservers.push(addr);
        break;
      }
      case 'search':
        conf.search = words.filter((w) => !w.startsWith('#') && !w.startsWith(';'));
        delete conf.domain;
        break;
      case 'domain':
        if (words[0] !== undefined) {
          conf.domain = words[0];
          conf.search = [words[0]];
        }
        break;
      case 'options':
        for (const w of words) readOption(conf, w);
        break;
      default:
        conf.ignored.push({ line: i + 1, text: raw });
    }
  }
  return ok(conf);
}

function readOption(conf: ResolvConf, word: string): void {
  const m = /^(ndots|timeout|attempts):(\d+)$/.exec(word);
  if (m) {
    const n = Number(m[2]);
    const key = m[1] as 'ndots' | 'timeout' | 'attempts';
    const cap = { ndots: 15, timeout: 30, attempts: 5 }[key];
    conf.options[key] = Math.min(n, cap);
    conf.explicit[key] = true;
    return;
  }
  if (word === 'rotate') conf.options.rotate = true;
  else if (word === 'edns0') conf.options.edns0 = true;
  else if (word === 'single-request' || word === 'single-request-reopen') conf.options.singleRequest = true;
  else if (word === 'use-vc') conf.options.useVc = true;
  else conf.options.other.push(word);
}
