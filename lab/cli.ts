// `packetwalk lab …` (DESIGN §2): up | down | status | faults | fault add SPEC | fault clear [NAME|SPEC].
// Exit codes: 0 done, 2 usage/validation/permission (nothing built), 1 the build or change failed.
import { FAULTS, faultCatalogue, FaultRefused, faultToSpec } from './faults';
import { LabFileError } from './spec';
import { labDir, labInstance, readState } from './state';
import type { LabState } from './types';
import { termBlock } from '../lib/text';
import { flagLines, parseFlags, usageOf } from '../server/cli/args';
import { LAB_UP_SPEC } from '../server/cli/commands';

export { LAB_UP_SPEC };

export const LAB_USAGE = `usage:
  packetwalk lab up [FILE] [--fault SPEC]...            build the lab (default topology: lab/default.yaml);
                                                        prints the kubeconfig path last; re-running replaces the lab
  packetwalk lab down                                   remove everything the lab made
  packetwalk lab status                                 what runs: nodes, pods, daemons, API, faults
  packetwalk lab faults                                 the fault catalogue
  packetwalk lab fault add SPEC                         inject a fault, SPEC = NAME[:key=value,...]
  packetwalk lab fault clear [NAME|SPEC]                heal that fault (all faults without NAME)
environment: PACKETWALK_LAB=<instance> (default pw) names the lab; PACKETWALK_LAB_DIR overrides its directory

flags of lab up:
${flagLines(LAB_UP_SPEC).join('\n')}
`;

class Usage extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/** `lab up` argv → the lab file and the faults; throws a usage error naming the problem. */
export function parseLabUp(argv: string[]): { config?: string; faults: string[] } {
  // `lab up FILE` as well as `lab up --config FILE`: the lab file first, as kubectl apply -f users type it
  const file = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const r = parseFlags(LAB_UP_SPEC, file !== undefined ? argv.slice(1) : argv);
  if ('error' in r) throw new Usage(r.error.startsWith('unknown argument') ? `lab up: ${r.error}` : r.error);
  if (file !== undefined && r.values.config !== undefined) throw new Usage(`lab up: the lab file is given twice ("${file}" and --config "${String(r.values.config)}"); give one`);
  const config = file ?? (r.values.config as string | undefined);
  return { ...(config !== undefined ? { config } : {}), faults: (r.values.fault as string[] | undefined) ?? [] };
}

const alive = (pid?: number) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function formatStatus(st: LabState): string {
  const c = st.cluster;
  const nodeW = Math.max(12, ...st.nodes.map((n) => n.name.length));
  const lines = [
    `lab ${st.instance} (${st.labDir}), up since ${st.createdAt}`,
    `cluster: ${c.nodes.length} nodes, cni ${c.cni ?? 'flannel'}, overlay ${c.overlay}, kube-proxy ${c.kubeProxy}, NetworkPolicy ${c.networkPolicy}, pods ${c.podCIDR}, services ${c.serviceCIDR}`,
    'nodes:',
    ...st.nodes.map((n) => `  ${n.name.padEnd(nodeW)} ${n.internalIP.padEnd(12)} pods ${n.podCIDR.padEnd(16)} netns ${n.netns}`),
    'pods:',
    ...st.pods
      .filter((p) => !p.hostNetwork)
      .map((p) => `  ${`${p.namespace}/${p.name}`.padEnd(36)} ${p.ip.padEnd(13)} ${p.node.padEnd(nodeW)} veth ${p.hostVeth.padEnd(16)} ${p.listenerPid ? `listener pid ${p.listenerPid}${alive(p.listenerPid) ? '' : ' (gone)'}` : p.namespace === 'kube-system' ? 'dns' : 'no listener'}`),
    'daemons:',
    ...Object.entries(st.daemons).map(([k, pid]) => `  ${k} pid ${pid}${alive(pid) ? '' : ' (gone)'}${/^dnsmasq(-replica-\d+)?$/.test(k) && st.faults.some((f) => f.name === 'dns-down') ? ' (frozen by dns-down)' : ''}`),
    st.api ? `api: https://127.0.0.1:${st.api.port} pid ${st.api.pid}${alive(st.api.pid) ? '' : ' (gone)'}; kubeconfig ${st.api.kubeconfig}` : 'api: not running',
    `faults: ${st.faults.length ? st.faults.map(faultToSpec).join(' ') : 'none'}`,
  ];
  return lines.join('\n') + '\n';
}

export async function labMain(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // every line may carry lab-file or cluster text: one sanitizer (lib/text) for all of it
  const out = (s: string) => process.stdout.write(termBlock(s, 4000));
  const err = (s: string) => process.stderr.write(termBlock(s, 4000));
  // `lab up --help`, `lab fault add -h`: the usage (up's own), before anything is parsed or built
  if (cmd && rest.some((a) => a === '--help' || a === '-h')) return (out(cmd === 'up' ? usageOf(LAB_UP_SPEC) : LAB_USAGE), 0);
  try {
    switch (cmd) {
      case 'up': {
        const o = parseLabUp(rest);
        const { labUp } = await import('./dataplane/lab');
        const r = await labUp({ config: o.config, faults: o.faults, log: (l) => err(`${l}\n`) });
        const st = r.state;
        out(`lab ${st.instance} up in ${(r.ms / 1000).toFixed(1)} s: ${st.nodes.length} nodes, ${st.pods.filter((p) => !p.hostNetwork).length} pods and ${st.pods.filter((p) => p.hostNetwork).length} hostNetwork pods, cni ${st.cluster.cni ?? 'flannel'}, overlay ${st.cluster.overlay}, kube-proxy ${st.cluster.kubeProxy}, NetworkPolicy ${st.cluster.networkPolicy}${st.faults.length ? `, faults ${st.faults.map(faultToSpec).join(' ')}` : ''}\n`);
        out(`${r.kubeconfig}\n`);
        return 0;
      }
      case 'down': {
        if (rest.length) throw new Usage(`lab down takes no arguments`);
        const { labDown } = await import('./dataplane/lab');
        const r = await labDown();
        out(r.wasRunning ? `lab ${labInstance()} down: stopped ${r.stopped} processes, deleted ${r.netns} network namespaces\n` : `no lab ${labInstance()} was running; nothing to do\n`);
        return 0;
      }
      case 'status': {
        const st = readState();
        if (!st) {
          out(`no lab ${labInstance()} is running (no ${labDir()}/state.json); start one with: packetwalk lab up\n`);
          return 1;
        }
        out(formatStatus(st));
        return 0;
      }
      case 'faults':
        out(faultCatalogue());
        return 0;
      case 'fault': {
        const [sub, arg, ...extra] = rest;
        const { addFault, clearFaults } = await import('./dataplane/faults');
        if (sub === 'add') {
          if (!arg || extra.length) throw new Usage('lab fault add takes one SPEC, e.g. mtu-blackhole:node=worker-2');
          const r = await addFault(labDir(), arg).catch((e: Error) => {
            throw e instanceof FaultRefused || /unknown fault|no parameter|needs |not key=value|is not (a|another)|has no tunnel|not a TCP port/.test(e.message) ? new Usage(e.message, false) : e;
          });
          out(r.already ? `fault ${faultToSpec(r.fault)} already holds\n` : `fault ${faultToSpec(r.fault)} injected\n`);
          return 0;
        }
        if (sub === 'clear') {
          if (extra.length) throw new Usage('lab fault clear takes at most one NAME or SPEC');
          // a NAME heals every fault of that name; the SPEC `fault add` took (and printed) heals that one
          if (arg && !FAULTS.some((f) => f.name === arg.split(':')[0])) throw new Usage(`"${arg}" is not a fault name; the catalogue (packetwalk lab faults): ${FAULTS.map((f) => f.name).join(', ')}`, false);
          const healed = await clearFaults(labDir(), arg).catch((e: Error) => {
            throw /no parameter|needs |not key=value|given twice/.test(e.message) ? new Usage(e.message, false) : e;
          });
          out(healed.length ? `healed ${healed.map(faultToSpec).join(' ')}\n` : arg ? `no fault ${arg} holds; nothing to heal\n` : 'no faults hold; nothing to heal\n');
          return 0;
        }
        throw new Usage(`lab fault: use "add SPEC" or "clear [NAME|SPEC]"`);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(LAB_USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new Usage(`unknown lab command "${cmd}"`);
    }
  } catch (e) {
    const { LabUsageError } = await import('./dataplane/lab');
    if (e instanceof Usage) {
      err(`packetwalk lab${cmd ? ` ${cmd}` : ''}: ${e.message}\n${e.showUsage ? `\n${LAB_USAGE}` : ''}`);
      return 2;
    }
    if (e instanceof LabFileError || e instanceof LabUsageError) {
      err(`packetwalk lab ${cmd}: ${e.message}\n`);
      return 2;
    }
    err(`packetwalk lab ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}
