// Each hop's evidence: the probe runs that belong to it and the API objects that decide it.
import type { Evidence, HopId } from '../model';
import type { ProbeId } from '../probes';
import type { Ctx, ProbeRun } from './context';
import { probesOf } from '../plan/ops';

export function evidenceOf(c: Ctx, hop: HopId): Evidence[] {
  return probesOf(c.plan, hop)
    .map((p) => c.runs.get(p.key))
    .filter((r): r is ProbeRun => !!r && !r.notRun)
    .map((r) => ({
      probe: r.probe,
      where: r.location,
      command: r.argv,
      reproduce: r.reproduce,
      exitCode: r.exitCode,
      stdout: r.stdout,
      stderr: r.stderr,
      durationMs: r.durationMs,
      ...(r.truncated ? { truncated: true } : {}),
      ...(r.timedOut ? { timedOut: true } : {}),
      finding: c.findings.get(r.key) ?? (r.timedOut ? 'timed out' : `exit ${r.exitCode}`),
    }));
}

/** API-object evidence for the hops the objects decide (Service, policy, DNS names). */
export function apiEvidence(c: Ctx, hop: HopId): Evidence[] {
  const { plan } = c;
  const ev = (finding: string, reproduce: string): Evidence => ({ probe: 'api', where: 'api', command: [], reproduce, exitCode: null, stdout: '', stderr: '', durationMs: 0, finding });
  if (hop === 'service' && plan.service) {
    const s = plan.service;
    const [ns, name] = s.key.split('/');
    return [
      ev(`Service ${s.key} ${s.vip}:${s.port.port} → targetPort ${s.check.targetPort}, selector ${s.check.selector || '(none)'}; ready endpoints ${s.endpoints.ready.join(', ') || 'none'}${s.check.problem ? `. ${s.check.problem.sentence}` : ''}`, `kubectl get svc,endpointslices -n ${ns} -l kubernetes.io/service-name=${name} -o wide; kubectl get svc -n ${ns} ${name} -o yaml`),
    ];
  }
  if (hop === 'dns' && plan.name) {
    return [ev(plan.name.matched ? `${plan.name.matched.fqdn} names Service ${plan.name.matched.service}` : `no Service matches ${plan.name.candidates.join(', ')}`, `kubectl get svc -A --field-selector metadata.name=${plan.name.name.split('.')[0]}`)];
  }
  if ((hop === 'dst-pod' || hop === 'src-pod') && c.policy && (c.policy.egress.isolated || c.policy.ingress.isolated)) {
    const dir = hop === 'src-pod' ? c.policy.egress : c.policy.ingress;
    if (!dir.isolated) return [];
    const ns = hop === 'src-pod' ? plan.src.namespace : plan.dst?.namespace;
    return [ev(`${dir.direction} of ${dir.pod} is selected by ${dir.selectedBy.join(', ')}: ${dir.allowed ? 'admitted' : (dir.reason ?? 'denied')}`, `kubectl get networkpolicy -n ${ns} -o yaml`)];
  }
  return [];
}

/** Probes that send traffic along the path: their failure is the symptom itself, so they reproduce it best. */
const TRAFFIC_PROBES: ReadonlySet<string> = new Set<ProbeId>([
  'tcp-connect', 'udp-connect', 'udp-exchange', 'ping-df', 'tcp-bulk', 'trace-connect', 'dig', 'dig-control', 'getent', 'node-ping',
  'node-tcp-connect', 'node-udp-exchange', 'node-udp-connect', 'node-dig', 'outside-tcp-connect', 'outside-udp-exchange', 'outside-udp-connect', 'outside-dig',
]);

/** Among failed traffic probes, the ones that show a failure best first: a stalled download over an open connection
 * (an MTU blackhole where ICMP is filtered) before a connect, a connect before a ping (which ICMP filtering alone fails). */
const TRAFFIC_RANK: readonly string[] = ['tcp-bulk', 'tcp-connect', 'node-tcp-connect', 'outside-tcp-connect', 'udp-exchange', 'ping-df'];
/** A capture of packetwalk's own flow (filtered on its own source port) reproduces nothing for the user. */
const OWN_FLOW: ReadonlySet<string> = new Set<ProbeId>(['capture', 'node-capture', 'trace-connect', 'conntrack-flow']);

/**
 * The one evidence item whose reproduce line best shows a failing hop's failure: a probe that sends traffic and
 * failed on the hop (a stalled download, a refused connect, a lost DF ping — in that order), else the failed
 * end-to-end connect from `elsewhere` (the rest of the diagnosis's evidence: a hop judged from rules and routes is
 * best reproduced by the connect that fails), else any probe of the hop that failed, else its first. Captures and the
 * trace's connect are never chosen: they filter on packetwalk's own source port. Undefined when nothing is runnable.
 */
export function reproducingEvidence(evidence: readonly Evidence[], elsewhere: readonly Evidence[] = []): Evidence | undefined {
  const runnable = (xs: readonly Evidence[]) => xs.filter((e) => e.reproduce && e.where !== 'api' && !OWN_FLOW.has(e.probe));
  const failed = (e: Evidence) => e.timedOut || (e.exitCode !== null && e.exitCode !== 0);
  const rank = (e: Evidence) => (TRAFFIC_RANK.includes(e.probe) ? TRAFFIC_RANK.indexOf(e.probe) : TRAFFIC_RANK.length);
  const traffic = (xs: readonly Evidence[]) => runnable(xs).filter((e) => failed(e) && TRAFFIC_PROBES.has(e.probe)).sort((a, b) => rank(a) - rank(b))[0];
  const connect = runnable(elsewhere).find((e) => failed(e) && /(^|-)tcp-connect$|(^|-)udp-exchange$/.test(e.probe));
  const mine = runnable(evidence);
  return traffic(evidence) ?? connect ?? mine.find(failed) ?? mine[0];
}
