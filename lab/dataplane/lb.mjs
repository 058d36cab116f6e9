/* global process, setTimeout */
// The cloud load balancer of the lab's LoadBalancer Services, running in the outside netns: each
// ingress IP:port is DNATed to the nodes' NodePort (iptables statistic random cascade in chain
// PACKETWALK-LB), the client address kept (a pass-through network load balancer). Nodes are health
// checked every second as cloud load balancers do: with externalTrafficPolicy Local only nodes whose
// healthCheckNodePort answers 200 (kube-proxy: a ready local endpoint) receive traffic; with Cluster,
// nodes whose kube-proxy /healthz on 10256 answers. When no node passes, traffic goes to all of them
// (fail open, as GCP and AWS network load balancers do). The Services and nodes are re-read from the
// lab's state.json each round, so endpoint changes are followed.
// usage: lb.mjs LAB_DIR
import { get } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const [labDir] = process.argv.slice(2);
const INTERVAL_MS = 1000;
const CHAIN = 'PACKETWALK-LB';

function probe(ip, port, path) {
  return new Promise((resolve) => {
    const req = get({ host: ip, port, path, timeout: 700 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

let cache = { mtime: -1, value: null };
/** The LoadBalancer ports and nodes from state.json, parsed again only when the file changed. */
function readTargets() {
  const file = join(labDir, 'state.json');
  const mtime = statSync(file).mtimeMs;
  if (mtime === cache.mtime) return cache.value;
  const value = parseTargets(JSON.parse(readFileSync(file, 'utf8')));
  cache = { mtime, value };
  return value;
}

function parseTargets(st) {
  const out = [];
  for (const s of st.objects ?? []) {
    if (s.kind !== 'Service' || s.spec?.type !== 'LoadBalancer') continue;
    const ips = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(Boolean);
    for (const ip of ips) {
      for (const p of s.spec.ports ?? []) {
        if (!p.nodePort) continue;
        out.push({
          spn: `${s.metadata.namespace}/${s.metadata.name}${p.name ? `:${p.name}` : ''}`,
          ip, port: p.port, protocol: (p.protocol ?? 'TCP').toLowerCase(), nodePort: p.nodePort,
          local: s.spec.externalTrafficPolicy === 'Local', hc: s.spec.healthCheckNodePort,
        });
      }
    }
  }
  return { nodes: st.nodes.map((n) => ({ name: n.name, ip: n.internalIP })), targets: out };
}

async function round() {
  const { nodes, targets } = readTargets();
  const health = new Map();
  const check = (n, port, path) => {
    const k = `${n.ip}:${port}${path}`;
    if (!health.has(k)) health.set(k, probe(n.ip, port, path));
    return health.get(k);
  };
  const lines = ['*nat', `:${CHAIN} - [0:0]`];
  const summary = [];
  for (const t of targets) {
    const codes = await Promise.all(nodes.map((n) => (t.local && t.hc ? check(n, t.hc, '/') : check(n, 10256, '/healthz'))));
    let backends = nodes.filter((_, i) => codes[i] === 200);
    if (!backends.length) backends = nodes; // fail open
    summary.push(`${t.spn} ${t.ip}:${t.port}/${t.protocol} -> ${backends.map((b) => b.name).join(',')} (${nodes.map((n, i) => `${n.name} ${codes[i] || 'no answer'}`).join(', ')})`);
    backends.forEach((b, i) => {
      const left = backends.length - i;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
      lines.push(`-A ${CHAIN} -d ${t.ip}/32 -p ${t.protocol} -m ${t.protocol} --dport ${t.port} -m comment --comment "${t.spn} -> ${b.name}"${stat} -j DNAT --to-destination ${b.ip}:${t.nodePort}`);
    });
  }
  lines.push('COMMIT', '');
  return { text: lines.join('\n'), summary: summary.join('\n') };
}

let last = '';
let first = true;
async function loop() {
  try {
    const { text, summary } = await round();
    if (text !== last) {
      const r = spawnSync('iptables-restore', ['-w', '--noflush'], { input: text, encoding: 'utf8' });
      if (r.status !== 0) process.stderr.write(`lb: iptables-restore failed: ${r.stderr}\n`);
      else {
        last = text;
        process.stdout.write(`${new Date().toISOString()} programmed:\n${summary || '(no LoadBalancer Services)'}\n`);
      }
    }
    if (first) {
      first = false;
      process.stdout.write('ready lb\n');
    }
  } catch (e) {
    process.stderr.write(`lb: ${e.message}\n`);
  }
  setTimeout(loop, INTERVAL_MS);
}
process.on('SIGTERM', () => process.exit(0));
loop();
