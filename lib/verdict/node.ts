// The node hops: each node's route toward the other pod, its own firewall, and its conntrack table.
import { parseConntrackStats, parseIpRouteGet, parseSysctl, sysctlNumber } from '../parse';
import { finding, observe, one, onNode, problem, read, REFUSED_ROUTE, routeText, tunnelOf, warn, type Ctx } from './context';

// ------------------------------------------------------------------ nodes, routes, firewall ----

export function judgeNodeRoute(c: Ctx, hop: 'src-node' | 'dst-node', node: string, toward: string, towardNode: string | undefined) {
  const rg = one(c.plan, c.runs, onNode(node, 'node-route-get', toward));
  if (!rg) return;
  const got = read(c, rg, parseIpRouteGet);
  if (!got) return;
  const tunnel = tunnelOf(c, node);
  const peer = c.snap.nodes.find((n) => n.metadata?.name === towardNode);
  const peerIPs = (peer?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  if (got.outcome === 'refused') {
    const why = got.error.message.replace(/^RTNETLINK answers: /, '');
    finding(c, rg, `no route to ${toward}: ${why}`);
    problem(c, hop, 'node-route', `${node} has no route to ${toward}${towardNode ? ` (pod CIDR of ${towardNode})` : ''}: "${why}"${got.meaning !== 'no-route' ? ` — ${REFUSED_ROUTE[got.meaning].replace(' in the pod', ` on ${node}`)}` : ''}`, [node, ...(towardNode ? [towardNode] : [])]);
    return;
  }
  const r = got.route;
  const s = `${node} → ${toward}: ${routeText(got)}`;
  finding(c, rg, s);
  observe(c, hop, s);
  if (!towardNode || towardNode === node) return;
  const viaTunnel = tunnel && r.dev === tunnel.ifname;
  const viaPeer = r.gateway !== undefined && peerIPs.includes(r.gateway);
  if (!viaTunnel && !viaPeer) {
    problem(c, hop, 'node-route', `${node} has no route to ${towardNode}'s pod CIDR: ${toward} would leave ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'} (the default route), not through ${tunnel ? tunnel.ifname : `${towardNode} (${peerIPs.join(', ') || 'its InternalIP'})`}`, [node, towardNode]);
  }
}

/** A node's own DROP/REJECT for the destination port in the forward path (not kube-proxy's, not a policy's). */
export function judgeFirewall(c: Ctx, hop: 'src-node' | 'dst-node', node: string, port: number | undefined) {
  if (!port) return;
  const ipt = one(c.plan, c.runs, onNode(node, 'iptables-save'));
  const nft = one(c.plan, c.runs, onNode(node, 'nft-ruleset'));
  const hits: string[] = [];
  if (ipt?.exitCode === 0) {
    let table = '';
    for (const line of ipt.stdout.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1).trim();
      if (table !== 'filter' || !line.startsWith('-A ')) continue;
      const chain = line.split(' ')[1];
      if (/^(KUBE-|PACKETWALK-(ING|EGR))/.test(chain)) continue;
      if (new RegExp(`--dport ${port}\\b`).test(line) && / -j (DROP|REJECT)\b/.test(line) && !/ -d \d/.test(line.replace(/ -d 127\.0\.0\.0\/8/, ''))) hits.push(line.trim());
    }
  }
  if (nft?.exitCode === 0) {
    let table = '';
    for (const line of nft.stdout.split('\n')) {
      const t = /^table (\S+ \S+)/.exec(line);
      if (t) table = t[1];
      if (/kube-proxy|kube-network-policies/.test(table)) continue;
      if (new RegExp(`tcp dport ${port}\\b.*\\b(drop|reject)\\b`).test(line)) hits.push(`${table}: ${line.trim()}`);
    }
  }
  if (hits.length) {
    finding(c, ipt ?? nft, `filter rule drops TCP ${port}: ${hits[0]}`);
    problem(c, hop, 'node-firewall', `${node}'s own firewall drops forwarded TCP to port ${port}: \`${hits[0]}\``);
  }
}

/** nf_conntrack_count against nf_conntrack_max on a node of the path; `conntrack -S` counters beside them. */
export function judgeConntrack(c: Ctx, hop: 'src-node' | 'dst-node', node: string) {
  const r = one(c.plan, c.runs, onNode(node, 'sysctl'));
  const s = read(c, r, parseSysctl);
  if (!r || !s) return;
  const count = sysctlNumber(s, 'net.netfilter.nf_conntrack_count');
  const max = sysctlNumber(s, 'net.netfilter.nf_conntrack_max');
  if (count === undefined || max === undefined || max <= 0) {
    finding(c, r, `conntrack usage unknown: ${s.missing.length ? `${s.missing.join(', ')} not present (nf_conntrack not loaded in this namespace)` : 'no count/max printed'}`);
    return;
  }
  const pct = Math.round((count / max) * 1000) / 10;
  const statsRun = one(c.plan, c.runs, onNode(node, 'conntrack-stats'));
  const stats = read(c, statsRun, parseConntrackStats, { supplementary: true });
  const counters = stats ? ['drop', 'early_drop', 'insert_failed'].filter((k) => stats.total[k] !== undefined).map((k) => `${k} ${stats.total[k]}`).join(', ') : '';
  if (stats) finding(c, statsRun, `conntrack -S totals: ${Object.entries(stats.total).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  finding(c, r, `conntrack ${count}/${max} (${pct}%)`);
  observe(c, hop, `conntrack ${count} of ${max} entries (${pct}%) on ${node}`);
  if (count / max > 0.8) warn(c, hop, 'conntrack-pressure', `${node}: nf_conntrack_count ${count} of nf_conntrack_max ${max} (${pct}%, above 80%)${counters ? `; conntrack -S: ${counters}` : ''} — new connections are dropped once the table is full`);
}
