// The search expansion checked against the real thing: glibc's resolver (getent ahosts) in a scratch
// network namespace whose resolv.conf is kubelet's ClusterFirst file, asking a real dnsmasq that logs
// every query. The order of names and the number of queries must be what candidateNames/queryCount say.
// Needs root, iproute2, dnsmasq and getent; skipped otherwise. Everything is named kp-h5-dns-<pid>.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateNames, clusterFirstResolver, queryCount, resolveClusterName } from './dns';
import type { Service } from './types';

const NS = `kp-h5-dns-${process.pid}`;
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { timeout: 5000 }).status === 0;
const canRun = process.getuid?.() === 0 && have('ip') && have('dnsmasq') && have('getent');
const run = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 10_000, maxBuffer: 1 << 20 });

describe.skipIf(!canRun)('DNS search expansion agrees with glibc (getent ahosts → dnsmasq query log)', () => {
  const conf = clusterFirstResolver('shop');
  const services: Service[] = [{ metadata: { namespace: 'shop', name: 'backend' }, spec: { clusterIP: '10.96.0.50' } }];
  let dir = '';
  let dns: ChildProcess | undefined;
  const log = () => join(dir, 'queries.log');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kp-h5-dns-'));
    const steps = [['ip', 'netns', 'add', NS], ['ip', '-n', NS, 'link', 'set', 'lo', 'up']];
    for (const s of steps) { const r = run(s); if (r.status !== 0) throw new Error(`${s.join(' ')}: ${r.stderr}`); }
    // `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc: kubelet's resolv.conf, and a hosts file with nothing to match
    mkdirSync(`/etc/netns/${NS}`, { recursive: true });
    writeFileSync(`/etc/netns/${NS}/resolv.conf`, `search ${conf.search.join(' ')}\nnameserver 127.0.0.1\noptions ndots:${conf.ndots} timeout:1 attempts:1\n`);
    writeFileSync(`/etc/netns/${NS}/hosts`, '127.0.0.1 localhost\n');
    dns = spawn('ip', ['netns', 'exec', NS, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--listen-address=127.0.0.1', '--bind-interfaces',
      '--log-queries', `--log-facility=${log()}`, '--pid-file=', '--user=root', '--address=/backend.shop.svc.cluster.local/10.96.0.50', '--local=/cluster.local/'], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !(existsSync(log()) && readFileSync(log(), 'utf8').includes('started')); i++) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(() => {
    try { dns?.kill('SIGTERM'); } finally {
      run(['ip', 'netns', 'del', NS]);
      rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Resolves `name` with glibc in the netns; returns the names asked (in order) and the query count. */
  async function ask(name: string): Promise<{ names: string[]; queries: number; answered: boolean }> {
    const before = readFileSync(log(), 'utf8').split('\n').length;
    const r = run(['ip', 'netns', 'exec', NS, 'getent', 'ahosts', name]);
    await new Promise((res) => setTimeout(res, 150)); // dnsmasq writes its log asynchronously
    const lines = readFileSync(log(), 'utf8').split('\n').slice(before - 1);
    const asked = lines.map((l) => /query\[(A|AAAA)\] (\S+) from/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    const names: string[] = [];
    for (const m of asked) if (names[names.length - 1] !== m[2]) names.push(m[2]);
    return { names, queries: asked.length, answered: r.status === 0 };
  }

  const cases = ['backend', 'backend.shop', 'backend.shop.svc', 'backend.shop.svc.cluster.local', 'backend.shop.svc.cluster.local.', 'nosuch', 'a.b.c.d.nosuch.cluster.local'];
  for (const name of cases) {
    it(`${name}`, async () => {
      const predicted = resolveClusterName(name, conf, services);
      const real = await ask(name);
      const tried = predicted.matched ? predicted.candidates.slice(0, predicted.matched.index + 1) : predicted.candidates;
      expect(real.answered).toBe(predicted.matched !== undefined);
      expect(real.names).toEqual(tried);
      expect(real.queries).toBe(predicted.queries);
      expect(predicted.queries).toBe(queryCount(candidateNames(name, conf.search, conf.ndots), predicted.matched?.index ?? null));
    });
  }
});
