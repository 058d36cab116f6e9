// Each hop's evidence: the probe runs that belong to it and the API objects that decide it.
import type { Evidence, HopId } from '../model';
import type { Ctx, ProbeRun } from './context';
import { probesOf } from '../plan/ops';
import { statusFinding } from './finding';

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
      finding: c.findings.get(r.key) ?? statusFinding(r),
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
